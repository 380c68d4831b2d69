"""Headings, framing and goals: which blocks of a plan frame it, which state its goals, and where
a repost's news lead ends.

- **Framing** (:data:`FRAMING_TITLES`): 指导思想, 基本原则 (and 行动原则, 工作原则…), 基本思路 / 总体思路,
  总体要求, 工作要求 / 有关要求, 保障措施 / 保障机制 / 组织保障 / 组织实施 say how to carry out the
  plan, not what to do: they are never tasks, nor is anything under them (the principles
  ``1、2、3、`` of a 基本原则), with the goals in them as the one exception.
- **Goals** inside framing: a block titled as the plan's goals (:data:`GOAL_BLOCK_TITLE`: 主要目标,
  总体目标, 工作目标, 目标任务…) is a goal task, and so are the blocks under it; a *goal paragraph*
  (:func:`goal_span`) — opened by a goal label (``主要目标:``, ``基本目标:``, ``目标任务是``…) or under a
  title naming 目标 — that holds a figure (a number that is not a year: ``35.6微克``, ``50%``) is a
  goal task from the label's sentence (or, under such a title, the first paragraph with a figure)
  to the last of the following paragraphs that hold figures.
- **A goal paragraph without a number** (:func:`front_goal`): in the text before the first block,
  a paragraph opened by a goal label, or a goal title alone on its line followed by paragraphs,
  is a goal task too (with the paragraphs that follow it holding figures).
- **Lists that are no work** (:func:`attachment_list`, :func:`is_unit_list`): the numbered list of
  a circular's attachments (``附件:1.市级有关单位名单`` ``2.…评分细则``: each a document's title) and a
  block whose text only lists organisations (a leading group's member units) are not tasks.
- **A repost's news lead** (:func:`lead_end`): a news site that reposts a plan summarises it
  first (often quoting its targets), then says ``原文如下`` / ``内容如下`` / ``全文如下`` / ``详情如下``.
  The paragraphs up to that cue are the lead: never tasks; their figures are document-level
  targets unless the plan itself states them (:mod:`analysis.targets.document`).
"""

from __future__ import annotations

import re

from analysis.text.attribution import find_attributions

FRAMING_TITLES = re.compile(
    r"^(?:总体要求|指导思想|(?:基本|工作|行动|主要|指导|总体)原则|(?:基本|总体)思路|(?:工作|有关|相关|其他|实施)要求"
    r"|保障(?:措施|机制)|(?:工作|组织|资金|政策|要素)保障|(?:加强|强化)(?:组织领导|组织保障)|组织(?:实施|领导)"
    r"|工作目标和要求)$"
)
# A block about the plan's goals: the one part of the framing that is a task.
GOAL_BLOCK_TITLE = re.compile(r"^(?:总体|主要|工作|年度|发展|阶段|具体|预期|奋斗|重要|重点)?目标(?:任务)?$")
# The guiding-ideology formula that opens a 总体要求 paragraph: "以…思想为指导".
GUIDING_IDEOLOGY = re.compile(r"^.{0,20}以[^。]{2,40}为指导")
# A goal label (主要目标:, 基本目标:, 目标任务是) and a figure: a number that is not a year, a date or a name (PM2.5).
GOAL_LABEL = re.compile(r"(?:主要|基本|总体|工作|年度|具体|奋斗|预期性|约束性)?目标(?:任务)?(?:是|为|[:：])")
GOAL_TITLE = re.compile(r"目标")
FIGURE = re.compile(r"(?<![A-Za-z\d.])\d+(?:\.\d+)?(?![\d.])(?!\s*(?:年|月|日|号))")
# A label that opens a paragraph of the text before the first block: "主要目标:" / "总体目标是".
FRONT_GOAL_LABEL = re.compile(r"^(?:(?:总体|主要|工作|年度|发展|具体|预期)目标(?:任务)?|目标任务)(?:是|为)?[:：]")
# The cue that ends a repost's news lead.
REPOST_CUE = re.compile(r"(?:原文|内容|全文|详情|正文)如下\s*[:：。.]?\s*[↓▼]*$")
_SENTENCE_START = re.compile(r"[。;；!！?？]")
# "主要目标是:" — a label that opens an unnumbered paragraph.
PARAGRAPH_LABEL = re.compile(r"^([^,，。:：;；()]{2,12}?)(?:是|为)?[:：]")
_HEADING_END = re.compile(r"[。]")
TRAILING_PUNCT = " 。.,，;；:：、"

Span = tuple[int, int]


def title_of(text: str) -> str:
    """The title sentence of a block: up to the first full stop, attribution brackets removed."""
    m = _HEADING_END.search(text)
    sentence = text[: m.start()] if m else text
    for attribution in reversed(find_attributions(sentence)):
        sentence = sentence[: attribution.start] + sentence[attribution.end :]
    return sentence.strip(TRAILING_PUNCT)


def paragraph_heading(paragraph: str) -> str:
    """The heading of an unnumbered paragraph: its label (``主要目标``), else its title sentence."""
    if m := PARAGRAPH_LABEL.match(paragraph):
        return m.group(1)
    return title_of(paragraph)


def is_framing(title: str) -> bool:
    return bool(FRAMING_TITLES.match(title))


def is_goal_block(title: str) -> bool:
    return bool(GOAL_BLOCK_TITLE.match(title))


def goal_span(text: str, paragraphs: list[Span], title: str) -> tuple[int, int, str] | None:
    """``(start, end, heading)`` of the goal paragraph(s) among a framing block's own paragraphs
    (the first starting after its marker; see the module doc), or None."""
    start: int | None = None
    index = 0
    if GOAL_TITLE.search(title):  # the goals may follow a guiding-ideology paragraph
        index = next((i for i, (s, e) in enumerate(paragraphs) if FIGURE.search(text, s, e)), -1)
        if index < 0:
            return None
        start = paragraphs[index][0]
    else:
        for i, (s, e) in enumerate(paragraphs):
            if m := GOAL_LABEL.search(text, s, e):
                opened = [x.end() for x in _SENTENCE_START.finditer(text, s, m.start())]
                start, index = (opened[-1] if opened else s), i
                break
    if start is None:
        return None
    end = _last_figure_paragraph(text, paragraphs[index:], start)
    if end is None:
        return None
    heading = title if GOAL_TITLE.search(title) else paragraph_heading(text[start : paragraphs[index][1]])
    return start, end, heading


def _last_figure_paragraph(text: str, paragraphs: list[Span], start: int) -> int | None:
    """The end of the last paragraph of a run holding figures (the first, a label's line, may hold none)."""
    end = None
    for j, (s, e) in enumerate(paragraphs):
        if FIGURE.search(text, max(s, start), e):
            end = e
        elif j:
            break
    return end


def front_goal(text: str, paragraphs: list[Span]) -> tuple[int, int, str] | None:
    """``(start, end, heading)`` of a goal paragraph without a number among the paragraphs before
    the first block (see the module doc), or None."""
    for i, (s, e) in enumerate(paragraphs):
        paragraph = text[s:e]
        if m := FRONT_GOAL_LABEL.match(paragraph):
            end = _last_figure_paragraph(text, paragraphs[i:], s) or e
            return s, end, paragraph_heading(paragraph[: m.end()])
        if is_goal_block(paragraph.strip(TRAILING_PUNCT)) and i + 1 < len(paragraphs):
            last = _last_figure_paragraph(text, paragraphs[i + 1 :], paragraphs[i + 1][0])
            if last is not None:
                return paragraphs[i + 1][0], last, paragraph.strip(TRAILING_PUNCT)
    return None


ATTACHMENT_CUE = re.compile(r"^附件\s*[:：]")
DOCUMENT_TITLE = re.compile(
    r"^[^。]{2,60}(?:名单|细则|任务书|一览表|清单|分工表|台账|表|方案|要点|计划|办法|意见|规划|指标)$"
)
_ORGANISATION = re.compile(r"(?:部|委|局|办|厅|院|署|会|室|中心|政府|公司|集团|单位|银行|管委会)$")
_LIST_SEPARATOR = re.compile(r"[、,，;；。\s]+")


def attachment_list(paragraphs: list[str], markers: list) -> set[int]:
    """Indices of the numbered attachment titles after a circular's ``附件:`` (the first may share
    its line): document titles, not tasks."""
    found: set[int] = set()
    for i, paragraph in enumerate(paragraphs):
        if not ATTACHMENT_CUE.match(paragraph):
            continue
        j = i + 1
        while j < len(paragraphs) and markers[j] and DOCUMENT_TITLE.match(paragraphs[j][markers[j][2] :].strip()):
            found.add(j)
            j += 1
    return found


def is_unit_list(text: str) -> bool:
    """Whether a block's text only lists organisations (``市委组织部、市委宣传部、市发改委。``)."""
    names = [name for name in _LIST_SEPARATOR.split(text) if name]
    return len(names) >= 2 and all(_ORGANISATION.search(name) for name in names)


def lead_end(paragraphs: list[str], markers: list) -> int:
    """The index of the first paragraph after a repost's news lead (0 when there is none): the
    paragraph after the first one ending in a repost cue (原文如下 …) that a hierarchy marker follows
    (the lead may number its own points) or that no marker precedes (an excerpt cut before the blocks)."""
    return next(
        (
            i + 1
            for i, paragraph in enumerate(paragraphs)
            if REPOST_CUE.search(paragraph) and (any(markers[i + 1 :]) or not any(markers[:i]))
        ),
        0,
    )
