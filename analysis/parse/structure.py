"""Structure: turn a cleaned document into its hierarchy and its table of tasks.

Parts open with ``一、``, sections with ``(一)``, items with ``1.``. Item numbers may run on
across sections and restart in a later part; some plans have no items (their sections are the
tasks), and some parts have no sub-structure (the part's body is the task). A task is a leaf
block that carries content; headings of parts and sections are its context. Framing (指导思想,
基本原则, 总体要求, 工作要求, 保障措施: how to carry out the plan, not what to do) is never a task, the
goals in it are: the rule and its exceptions are :mod:`analysis.parse.framing`'s.

Rules for plans of other regions and departments:

- Parts may hold items directly (一、 then 1., no (一)), and items may be numbered on across parts
  (一、 1. 2. 二、 3.): an item's parent is the deepest open block, and a number that follows the
  previous item is never a gap. An item number of four digits or more is an item only where it
  continues the numbering; otherwise it is text of the task above, flagged ``merged_number``.
- A marker printed alone on its line (``一、`` then ``深入打好污染防治攻坚战``) takes the heading on the
  next line: the cleaner joins the two lines. A list bullet before a marker (``• 一、总体目标``) is
  removed by the cleaner.
- A paragraph without a marker belongs to the block above it, so attribution lines
  (``牵头单位:X`` then ``责任单位:Y``) attach to the task above them.
- A part whose only text is one sentence of clauses (``一、各单位要高度重视…,确保…。``) is a task,
  not a heading.
- A task-division table written as text (``序号 / 工作任务 / 牵头单位 / 责任单位 / 完成时限``, a cell
  or a row per line) gives one item task per row, flagged ``table``, with the units of its
  columns; rows in the closing matter (an attachment) are tasks too: see :mod:`analysis.parse.tables`.
  The rows of an indicator table are no tasks: the outline keeps them for the targets stage.
- A goal block inside a framing block (``(三)主要目标``), and what is under it, is a task flagged
  ``goal``; so is a goal paragraph with figures in a framing block's own text, and a goal
  paragraph without a number before the first block (``主要目标:…``).
- A repost's news lead (up to ``原文如下`` / ``全文如下`` …) is front matter, never the plan: the outline
  keeps its paragraphs apart for the targets stage.
- An attribution on the heading of a part or section that has children (``(一)大气污染防治
  (市生态环境局总牵头)``) is inherited by its tasks, role by role, when they name no unit of that
  role (flag ``inherited_units``).
- The last task of a document that has no closing matter and ends mid-sentence (not on
  ``。!?;`` or a closing bracket or quote, or on an ellipsis) is kept and flagged ``truncated``:
  a web excerpt cut short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd

from analysis import schema
from analysis.errors import UserError
from analysis.parse.clean import (
    BACK_MATTER,
    ITEM_MARKER,
    PART_MARKER,
    SECTION_MARKER,
    CleanDocument,
    is_block_boundary,
)
from analysis.parse.framing import (
    GUIDING_IDEOLOGY,
    TRAILING_PUNCT,
    attachment_list,
    front_goal,
    goal_span,
    is_framing,
    is_goal_block,
    is_unit_list,
    lead_end,
    paragraph_heading,
    title_of,
)
from analysis.parse.metadata import DATE_LINE, ISSUER_LINE, TITLE_LINE
from analysis.parse.tables import IndicatorRow, Table, TableRow, find_tables, value_span
from analysis.settings import ParseSettings
from analysis.text.attribution import find_attributions, split_units, unique
from analysis.text.numerals import chinese_number, to_chinese
from analysis.text.offsets import LineIndex

TASK_COLUMNS = schema.columns("tasks")
LEVELS = ("part", "section", "item")

_SENTENCE_OF_CLAUSES = re.compile(r"^[^。]*[,，;；][^。]*。$")
_CLOSED_ENDING = tuple("。!?！？;；)】]”’》")
_CUT_ENDING = ("…", "...")
_PARAGRAPH_BREAK = re.compile(r"(?<=(.))\n")
_SENTENCE_CLOSED = "。!?！？;；:：,，、)"
_REPEATED_STOPS = re.compile(r"。{2,}")
_LEADING_PUNCT = re.compile(r"^[。,;:]+")
_LEAD_MARK = "(牵头)"


@dataclass
class Block:
    """A part, section or item: where it starts, its number, title, and content paragraphs."""

    level: str
    number: int | None
    marker_end: int  # clean offset just after the marker
    title: str
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    parent: Block | None = None
    flags: list[str] = field(default_factory=list)
    lead: tuple[str, ...] = ()  # units from a table's columns
    responsible: tuple[str, ...] = ()
    deadline: str = ""  # a table's deadline column

    @property
    def start(self) -> int:
        return self.paragraphs[0][0]

    @property
    def end(self) -> int:
        return self.paragraphs[-1][1]


def _match_marker(paragraph: str) -> tuple[str, int | None, int, list[str]] | None:
    """``(level, number, marker_length, flags)`` if the paragraph opens with a marker."""
    if m := PART_MARKER.match(paragraph):
        return "part", chinese_number(m.group(1)), m.end(), []
    if m := SECTION_MARKER.match(paragraph):
        if m.group(1):
            return "section", chinese_number(m.group(1)), m.end(), []
        return "section", None, m.end(), ["damaged_marker"]
    if m := ITEM_MARKER.match(paragraph):
        return "item", int(m.group(1)), m.end(), []
    return None


@dataclass
class Outline:
    """A document's hierarchy: front matter (before the first marker), top-level blocks, and
    back matter (closing matter after the last block)."""

    front_matter: list[tuple[int, int]]
    roots: list[Block]
    back_matter: list[tuple[int, int]]
    lead: list[tuple[int, int]] = field(default_factory=list)  # a repost's news lead (part of the front matter)
    indicators: list[IndicatorRow] = field(default_factory=list)  # the rows of the indicator tables


def plan_start(paragraphs: list[str], markers: list, title_to_body: int | None = None) -> int:
    """Index of the first paragraph of the plan itself: after a cover letter with numbered points
    of its own (关于印发…的通知 一、… 二、…), the plan restarts under its title (…工作要点) with a
    first marker numbered 1 (within ``title_to_body`` paragraphs, the settings' unless given). 0
    when nothing precedes the plan's title but front matter."""
    title_to_body = ParseSettings().title_to_body if title_to_body is None else title_to_body
    first_marker = next((i for i, m in enumerate(markers) if m), len(paragraphs))
    start = 0
    for i in range(first_marker + 1, len(paragraphs)):
        if markers[i] or not TITLE_LINE.match(paragraphs[i]):
            continue
        following = next((m for m in markers[i + 1 : i + 1 + title_to_body] if m), None)
        if following and following[1] == 1:
            start = i + 1
    return start


def back_matter_start(paragraphs: list[str], body_start: int, markers: list) -> int:
    """Index of the first paragraph of the closing matter (``len(paragraphs)`` if none): after
    the plan's last hierarchy marker, a :data:`BACK_MATTER` cue, or a signature — a date line,
    with the issuer line just above it."""
    last_marker = max((i for i in range(body_start, len(paragraphs)) if markers[i]), default=None)
    if last_marker is None:
        return len(paragraphs)
    for i in range(last_marker + 1, len(paragraphs)):
        if BACK_MATTER.search(paragraphs[i]):
            return i
        if DATE_LINE.match(paragraphs[i]):
            return i - 1 if i - 1 > last_marker and ISSUER_LINE.match(paragraphs[i - 1]) else i
    return len(paragraphs)


def parse_blocks(doc: CleanDocument, settings: ParseSettings) -> Outline:
    """Read the paragraphs into parts, sections and items."""
    text = doc.text
    preamble: list[tuple[int, int]] = []
    roots: list[Block] = []
    open_blocks: dict[str, Block | None] = {level: None for level in LEVELS}
    spans = list(doc.paragraphs())
    paragraphs = [text[s:e] for s, e in spans]
    markers = [_match_marker(p) for p in paragraphs]
    for k in attachment_list(paragraphs, markers):  # 附件:1.… 2.…: titles of documents, not items
        markers[k] = None
    lead = lead_end(paragraphs, markers)
    body_start = max(plan_start(paragraphs, markers, settings.title_to_body), lead)
    body_end = back_matter_start(paragraphs, body_start, markers)
    preamble.extend(spans[:body_start])
    last_item = None
    tables = find_tables(paragraphs, is_block_boundary)
    in_table = {i for table in tables for i in table.indices}
    rows = {row.serial_index: row for table in tables if table.key == "task" for row in table.rows}
    indicators = [
        indicator_row(text, spans, table, row) for table in tables if table.key == "indicator" for row in table.rows
    ]
    back_matter = []
    for k in range(body_start, len(paragraphs)):
        if k in rows:  # a table row is an item of the open part or section (none in the closing matter)
            parent = (open_blocks["section"] or open_blocks["part"]) if k < body_end else None
            if (block := _row_block(text, spans, rows[k], parent)) is not None:
                (parent.children if parent else roots).append(block)
            open_blocks["item"] = None
            continue
        if k in in_table:
            continue
        if k >= body_end:
            back_matter.append(spans[k])
            continue
        start, end = spans[k]
        paragraph, marker = paragraphs[k], markers[k]
        printed = marker
        merged = bool(marker and not _plausible(marker, open_blocks, last_item))
        if merged:
            marker = None
        if marker and marker[0] == "item":
            last_item = marker[1]
        if marker is None:
            deepest = open_blocks["item"] or open_blocks["section"] or open_blocks["part"]
            (deepest.paragraphs if deepest else preamble).append((start, end))
            if (
                merged and deepest and printed and printed[0] == "item"
            ):  # an item number out of sequence is text, never silently
                deepest.flags.append("merged_number")
            continue
        level, number, length, flags = marker
        depth = LEVELS.index(level)
        parent = next((open_blocks[lv] for lv in reversed(LEVELS[:depth]) if open_blocks[lv]), None)
        if level == "section" and number is None:
            siblings = parent.children if parent else roots
            previous = [b.number for b in siblings if b.level == "section" and b.number]
            number = (previous[-1] + 1) if previous else 1
        block = Block(
            level, number, start + length, title_of(paragraph[length:]), [(start, end)], parent=parent, flags=flags
        )
        (parent.children if parent else roots).append(block)
        open_blocks[level] = block
        for deeper in LEVELS[depth + 1 :]:
            open_blocks[deeper] = None
    return Outline(preamble, roots, back_matter, spans[:lead], indicators)


def indicator_row(text: str, spans: list[tuple[int, int]], table: Table, row: TableRow) -> IndicatorRow:
    """A row of an indicator table with its cells as clean-text spans and its columns' header text;
    a loose table's value cell narrowed to its value (:func:`analysis.parse.tables.value_span`)."""
    cells = {column: tuple(spans[i] for i in lines) for column, lines in row.cells.items()}
    if table.loose:
        cells["target"] = tuple(_narrowed(text, span) for span in cells["target"])
    return IndicatorRow(row.serial, cells, {column: table.label(column) for column in cells})


def _narrowed(text: str, span: tuple[int, int]) -> tuple[int, int]:
    found = value_span(text[span[0] : span[1]])
    return (span[0] + found[0], span[0] + found[1]) if found else span


def _row_block(text: str, spans: list[tuple[int, int]], row: TableRow, parent: Block | None) -> Block | None:
    """A table row as an item block: its task cell(s) are the text, its unit columns the units."""
    task = [spans[i] for i in row.cells.get("task", [])]
    if not task:
        return None
    units = [
        (kind, unit)
        for kind in ("lead", "responsible")
        for i in row.cells.get(kind, [])
        for unit in split_units(text[spans[i][0] : spans[i][1]])
    ]
    if any(unit.endswith(_LEAD_MARK) for _, unit in units):  # 区生态环境分局(牵头)、区水务局: the mark decides
        lead = [unit.removesuffix(_LEAD_MARK) for _, unit in units if unit.endswith(_LEAD_MARK)]
        responsible = [unit for _, unit in units if not unit.endswith(_LEAD_MARK)]
    else:
        lead = [unit for kind, unit in units if kind == "lead"]
        responsible = [unit for kind, unit in units if kind == "responsible"]
    title = title_of(text[task[0][0] : task[0][1]])
    deadline = "".join(text[spans[i][0] : spans[i][1]] for i in row.cells.get("deadline", []))
    return Block(
        "item",
        row.serial,
        task[0][0],
        title,
        task,
        parent=parent,
        flags=["table"],
        lead=tuple(unique(lead)),
        responsible=tuple(unique(responsible)),
        deadline=deadline,
    )


def require_tasks(tasks: pd.DataFrame, outline: Outline, where: object) -> None:
    """Refuse a document that holds no task, saying why (a plan is read for its tasks)."""
    if not tasks.empty:
        return
    if outline.roots:
        raise UserError(
            where,
            "no tasks found: its blocks (一、 / (一) / 1.) hold headings only, or framing (指导思想, 基本原则, 工作要求…)",
        )
    raise UserError(where, "no tasks found: no hierarchy markers (一、 / (一) / 1.) that open a work plan's blocks")


def _plausible(
    marker: tuple[str, int | None, int, list[str]], open_blocks: dict[str, Block | None], last_item: int | None = None
) -> bool:
    """A part marker must continue the part sequence (一、 after 一、 is text, not a new part);
    an item number of four digits or more must continue the items (1000. after 999., not 2024.
    after 3.)."""
    level, number, _, _ = marker
    if level == "item" and number is not None and number >= 1000:
        return number == (last_item or 0) + 1
    if level != "part" or number is None:
        return True
    current = open_blocks["part"]
    last = current.number if current and current.number else 0
    return last < number <= last + 2


def count_blocks(outline: Outline) -> dict[str, int]:
    """How many parts, sections and items the outline holds."""
    counts = dict.fromkeys(LEVELS, 0)
    stack = list(outline.roots)
    while stack:
        block = stack.pop()
        counts[block.level] += 1
        stack.extend(block.children)
    return counts


@dataclass
class TaskSpan:
    """A task before it becomes a row: its blocks' context and its clean-text span."""

    part: Block | None
    section: Block | None
    item: Block | None
    start: int  # clean offset of the marker (or paragraph) that opens the task
    content_start: int  # clean offset after the marker
    end: int
    heading: str
    flags: list[str]
    lead: tuple[str, ...] = ()  # units given outside the task's text (a table's columns)
    responsible: tuple[str, ...] = ()
    inherited: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # (lead, responsible) of a heading above
    deadline: str = ""  # a table's deadline column: the deadline of targets that print none


def _heading_units(doc: CleanDocument, block: Block) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Units of the attributions on a block's heading paragraph."""
    attributions = find_attributions(doc.text[block.marker_end : block.paragraphs[0][1]])
    return (
        tuple(unique([u for a in attributions for u in a.lead])),
        tuple(unique([u for a in attributions for u in a.responsible])),
    )


def task_spans(doc: CleanDocument, outline: Outline) -> list[TaskSpan]:
    """The leaf blocks that carry content, in document order; framing is never a task, the goals
    in it are (see :mod:`analysis.parse.framing`)."""
    spans: list[TaskSpan] = []
    lead = set(outline.lead)
    if front := front_goal(doc.text, [span for span in outline.front_matter if span not in lead]):
        spans.append(TaskSpan(None, None, None, front[0], front[0], front[1], front[2], ["goal"]))

    def visit(block: Block, framed: bool, goal: bool, inherited: tuple) -> None:
        framed = framed or is_framing(block.title)
        if framed and is_goal_block(block.title):  # the goals in the framing: tasks, and so is what is under them
            framed, goal = False, True
        if block.children:
            if framed and (found := _own_goal(doc, block)):
                ctx = _context(block)
                spans.append(TaskSpan(ctx["part"], ctx["section"], None, found[0], found[0], *found[1:], ["goal"]))
            own = _heading_units(doc, block)
            inherited = (own[0] or inherited[0], own[1] or inherited[1])
            for child in block.children:
                visit(child, framed, goal, inherited)
            return
        ctx = _context(block)
        # an inferred part or section number is inferred for every task under it
        flags = [flag for node in (ctx[level] for level in LEVELS) if node for flag in node.flags]
        spans_before = len(spans)
        _leaf(doc, block, ctx, flags + ["goal"] * goal, framed, spans)
        for span in spans[spans_before:]:
            span.inherited = inherited

    for root in outline.roots:
        visit(root, False, False, ((), ()))
    _numbering_flags(spans)
    if spans and not outline.back_matter:
        _truncation_flag(doc, spans[-1])
    return spans


def _context(block: Block) -> dict[str, Block | None]:
    """The block and the blocks above it, by level."""
    found: dict[str, Block | None] = {level: None for level in LEVELS}
    node: Block | None = block
    while node is not None:
        found[node.level] = node
        node = node.parent
    return found


def _own_goal(doc: CleanDocument, block: Block) -> tuple[int, int, str] | None:
    """The goal paragraph(s) of a framing block's own text, from after its marker."""
    paragraphs = [(block.marker_end, block.paragraphs[0][1])] + block.paragraphs[1:]
    return goal_span(doc.text, paragraphs, block.title)


def _leaf(
    doc: CleanDocument,
    block: Block,
    ctx: dict[str, Block | None],
    flags: list[str],
    framed: bool,
    spans: list[TaskSpan],
) -> None:
    """The task of a leaf block, if it has one, appended to ``spans``."""
    if framed:
        if goal := _own_goal(doc, block):
            spans.append(
                TaskSpan(ctx["part"], ctx["section"], None, goal[0], goal[0], goal[1], goal[2], flags + ["goal"])
            )
        return
    if block.level == "item":
        if doc.text[block.marker_end : block.end].strip(TRAILING_PUNCT):  # a bare number: no content, no task
            spans.append(
                TaskSpan(
                    ctx["part"],
                    ctx["section"],
                    block,
                    block.start,
                    block.marker_end,
                    block.end,
                    block.title,
                    flags,
                    block.lead,
                    block.responsible,
                    deadline=block.deadline,
                )
            )
        return
    if is_unit_list(doc.text[block.marker_end + len(block.title) + 1 : block.end]):
        return  # a list of member units, not work
    if block.level == "section":
        own_end = block.paragraphs[0][1]
        if block.marker_end + len(block.title) + 1 < own_end or len(block.paragraphs) > 1:
            spans.append(
                TaskSpan(ctx["part"], block, None, block.start, block.marker_end, block.end, block.title, flags)
            )
        return
    # A part without sub-structure: its paragraphs form one task, a guiding-ideology paragraph left out;
    # a part that is one sentence of clauses (一、各单位要高度重视…,确保…。) is a task, not a heading.
    _, first_end = block.paragraphs[0]
    inline = block.marker_end + len(block.title) + 1
    paragraphs = ([(inline, first_end)] if inline < first_end else []) + block.paragraphs[1:]
    if not paragraphs and _SENTENCE_OF_CLAUSES.search(doc.text[block.marker_end : first_end]):
        paragraphs = [(block.marker_end, first_end)]
    body = [(s, e) for s, e in paragraphs if not GUIDING_IDEOLOGY.match(doc.text[s:e])]
    if body:
        heading = paragraph_heading(doc.text[body[0][0] : body[0][1]])
        spans.append(TaskSpan(block, None, None, body[0][0], body[0][0], body[-1][1], heading, flags))


def _truncation_flag(doc: CleanDocument, span: TaskSpan) -> None:
    """Flag the last task of a document cut mid-sentence (see the module doc)."""
    if "table" in span.flags:
        return  # a table's cells carry no sentence punctuation
    ending = doc.text[span.content_start : span.end].rstrip()
    attributions = find_attributions(ending)
    if attributions and attributions[-1].end >= len(ending.rstrip("。")):
        return  # closed by an attribution (a role line has no full stop)
    if ending and (ending.endswith(_CUT_ENDING) or not ending.endswith(_CLOSED_ENDING)):
        span.flags.append("truncated")


def _numbering_flags(spans: list[TaskSpan]) -> None:
    """Flag item numbers that do not follow the previous item (1 restarts a sequence)."""
    previous = None
    for span in spans:
        if span.item is None:
            continue
        number = span.item.number
        if previous is not None and number not in (previous + 1, 1):
            span.flags.append("numbering_gap")
        previous = number


def _marker(level: str, number: int | None) -> str:
    if number is None:
        return ""
    numeral = to_chinese(number)
    return {"part": f"{numeral}、", "section": f"({numeral})", "item": f"{number}."}[level]


def task_path(part: int | None, section: int | None, item: int | None) -> str:
    """Human-readable position, e.g. ``二(三)8``."""
    path = to_chinese(part) if part is not None else ""
    if section is not None:
        path += f"({to_chinese(section)})"
    if item is not None:
        path += str(item)
    return path


def _join_paragraphs(m: re.Match[str]) -> str:
    """A title on a line of its own stays apart from the sentence after it (大气污染防治 持续推进…)."""
    return "" if m.group(1) in _SENTENCE_CLOSED else " "


def tasks_table(
    doc: CleanDocument, doc_id: str, settings: ParseSettings, spans: list[TaskSpan] | None = None
) -> pd.DataFrame:
    """One row per task of a cleaned document, with offsets into the raw text.

    Row ``i`` is ``spans[i]``: ``doc.text[span.content_start:span.end]`` is its clean text.
    """
    if spans is None:
        spans = task_spans(doc, parse_blocks(doc, settings))
    raw = doc.raw
    line_starts = LineIndex(raw)
    rows = []
    seen_ids: dict[str, int] = {}
    for span in spans:
        body = doc.text[span.content_start : span.end]
        attributions = find_attributions(body)
        text = body
        for attribution in reversed(attributions):
            text = text[: attribution.start] + text[attribution.end :]
        text = _LEADING_PUNCT.sub("", _REPEATED_STOPS.sub("。", _PARAGRAPH_BREAK.sub(_join_paragraphs, text))).strip()
        char_start, char_end = doc.raw_span(span.start, span.end)
        numbers = [b.number if b else None for b in (span.part, span.section, span.item)]
        flags = list(span.flags)
        lead = unique([u for a in attributions for u in a.lead] + list(span.lead))
        responsible = unique([u for a in attributions for u in a.responsible] + list(span.responsible))
        if (not lead and span.inherited[0]) or (not responsible and span.inherited[1]):
            lead, responsible = lead or list(span.inherited[0]), responsible or list(span.inherited[1])
            flags.append("inherited_units")
        if doc.damaged_between(char_start, char_end):
            flags.insert(0, "damaged_text")
        base_id = f"{doc_id}:" + "-".join(str(n or 0) for n in numbers)
        seen_ids[base_id] = seen_ids.get(base_id, 0) + 1
        task_id = base_id if seen_ids[base_id] == 1 else f"{base_id}.{seen_ids[base_id]}"
        rows.append(
            {
                "doc_id": doc_id,
                "task_id": task_id,
                "part_no": numbers[0],
                "part_title": (_marker("part", numbers[0]) + span.part.title) if span.part else "",
                "section_no": numbers[1],
                "section_title": (_marker("section", numbers[1]) + span.section.title) if span.section else "",
                "item_no": numbers[2],
                "path": task_path(*numbers),
                "heading": span.heading,
                "text": text,
                "lead_units": ";".join(lead),
                "responsible_units": ";".join(responsible),
                "char_start": char_start,
                "char_end": char_end,
                "line_start": line_starts.line_of(char_start),
                "flags": ";".join(unique(flags)),
            }
        )
    return frame_of(rows, TASK_COLUMNS, schema.dtypes("tasks"))


def frame_of(rows: list[dict], columns: list[str], dtypes: Mapping[str, schema.Dtype]) -> pd.DataFrame:
    """A DataFrame built column by column with its dtypes (a schema's, :func:`analysis.schema.dtypes`;
    much cheaper than from row dicts); columns not in ``dtypes`` are strings."""
    return pd.DataFrame(
        {
            column: pd.array([row[column] for row in rows], dtype=_dtype(dtypes.get(column, "str")))
            for column in columns
        },
        columns=columns,
    )


@lru_cache(maxsize=64)
def _dtype(name: str) -> Any:
    """A dtype's name resolved once: resolving it is most of what making a short column costs
    (typed ``Any``: the stubs' ``pd.array`` takes no union of NumPy and extension dtypes)."""
    return pd.api.types.pandas_dtype(name)
