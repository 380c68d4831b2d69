"""Two plans' tasks side by side, for reading and for deciding: the close reading of a comparison
and its review section.

Both show a pair's two texts in two columns, the wording they share marked, the numbers one has
and the other lacks marked apart, and the pair's best-matching clauses boxed. The review section
lists the pairs a reader decides there: the rows of :func:`analysis.review.comparison_queue` (the
doubtful decisions and the near misses, the likeliest mistakes first); the close reading carries the
controls of the model's sure links (:func:`analysis.review.review_pairs`' ``link`` rows), in their
order. So the page and ``analysis review`` list the same pairs in the same order.

The stable contract of the page, for tests and for users' own scripts: the element of each pair a
reader may decide carries ``data-source-doc``, ``data-source-task``, ``data-target-doc`` and
``data-target-task``; its controls ``data-relation="same|partial|none"`` (and a note field,
``data-note``); the download control ``data-action="download-corrections"``. The page's script
(``assets/report.js``) keeps the decisions in the browser (localStorage, under the build id and
comparison of ``data-review-key``) and downloads them as ``alignments.csv`` in the corrections
format, which the build applies as it is.

Document text is escaped before it reaches HTML: each segment of a task's text is escaped, then
wrapped in ``<mark>`` or ``<span class="clause">``.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from analysis.compare.facts import row_sure
from analysis.report.page import Html, Report, esc
from analysis.review import ALIGNMENT_CORRECTION_COLUMNS
from analysis.review.queue import LINK, REASONS
from analysis.schema import DECIDERS, LINKS

NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|‰|个百分点|微克/立方米|平方公里|万千瓦|万亩|万吨|万元|亿元|公里|千米|吨|个|家|座|条|处|项|所|辆|台|人|次|天|年|亩|户|村)?"
)
DECISIONS = ("same", "partial", "none")
PAIR_KEYS = ("source_task_id", "target_task_id")
CORRECTIONS_FILE = "alignments.csv"
REVIEWER = DECIDERS[1]
REASON_KEYS = {reason: "review.reason." + reason.replace(" ", "_") for reason in REASONS}
_NEAREST = re.compile(r"nearest:\s*(\S+)\s*\(([\d.]+)\)")


# --- marking one text against the other -----------------------------------------------------------


# Numbers that commit to nothing: years (2023年, 2025), dates and document numbers (6月, 15日, 3号),
# ordinals (第3), and digits inside a name (PM2.5, 14th). A changed one is not a changed target.
_YEAR = re.compile(r"(?:19|20)\d\d年?")


def _not_a_commitment(text: str, match: re.Match) -> bool:
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    return bool(
        _YEAR.fullmatch(match.group().strip())
        or after in ("月", "日", "号", "届")
        or before == "第"
        or (before.isascii() and before.isalpha())
        or (after.isascii() and after.isalpha())
    )


def _marks(text: str, other: str, min_run: int = 2) -> list[str]:
    """A class per character of ``text``: ``shared`` (in a run both texts have), ``num`` (a number,
    with its unit, the other text does not have) or ``""``."""
    classes = [""] * len(text)
    matcher = difflib.SequenceMatcher(None, text, other, autojunk=False)
    for block in matcher.get_matching_blocks():
        if block.size >= min_run:
            for i in range(block.a, block.a + block.size):
                classes[i] = "shared"
    others = {re.sub(r"\s+", "", m.group()) for m in NUMBER.finditer(other)}
    for match in NUMBER.finditer(text):
        if _not_a_commitment(text, match):
            continue
        if re.sub(r"\s+", "", match.group()) not in others and re.search(r"\d", match.group()):
            for i in range(match.start(), match.end()):
                classes[i] = "num"
    return classes


def _runs(text: str, classes: list[str], cuts: set[int]) -> list[tuple[int, int, str]]:
    """``text`` cut into runs of one class, also cut at ``cuts``: (start, end, class)."""
    runs, start = [], 0
    for i in range(1, len(text) + 1):
        if i == len(text) or classes[i] != classes[start] or i in cuts:
            runs.append((start, i, classes[start]))
            start = i
    return runs


def marked(text: str, other: str, clause: str = "") -> str:
    """``text`` as HTML, with the wording it shares with ``other`` in ``<mark>``, its numbers that
    ``other`` lacks in ``<mark class="num">`` and its first occurrence of ``clause`` (the pair's
    best-matching clause) in ``<span class="clause">``: each segment escaped first, then wrapped."""
    if not text:
        return ""
    classes = _marks(text, other) if other else [""] * len(text)
    start = text.find(clause) if clause else -1
    span = (start, start + len(clause)) if start >= 0 else (-1, -1)
    out = []
    for a, b, kind in _runs(text, classes, set(span)):
        segment = esc(text[a:b])
        if kind:
            segment = f'<mark class="num">{segment}</mark>' if kind == "num" else f"<mark>{segment}</mark>"
        if a == span[0]:
            out.append('<span class="clause">')
        out.append(segment)
        if b == span[1]:
            out.append("</span>")
    return "".join(out)


_STOP = set(
    [
        "的",
        "和",
        "与",
        "及",
        "等",
        "对",
        "在",
        "为",
        "以",
        "是",
        "了",
        "将",
        "把",
        "并",
        "或",
        "其",
        "各",
        "年",
        "推进",
        "加强",
        "开展",
        "持续",
        "深入",
        "全面",
        "进一步",
        "工作",
        "做好",
        "落实",
        "完善",
        "强化",
        "推动",
        "提升",
        "有序",
        "扎实",
    ]
)


def evidence_words(text: str, other: str, limit: int = 8) -> list[str]:
    """Whole words (jieba) both texts use, longest first, in the order of ``text``: never n-gram
    fragments."""
    from analysis.text.segment import tokens

    theirs = {w for w in tokens(other) if len(w) >= 2}
    seen: list[str] = []
    for word in tokens(text):
        if len(word) >= 2 and word in theirs and word not in _STOP and not word.isdigit() and word not in seen:
            seen.append(word)
    return sorted(seen, key=len, reverse=True)[:limit]


# --- one pair ------------------------------------------------------------------------------------


def _side(report: Report, task, doc_id: str, text: str, other: str, clause: str, nearest: bool) -> str:
    """One column of a pair (the nearest candidate's, with ``nearest``): where the task is (its id
    in a tooltip), its text marked against the other side's (quoted as Chinese in the English
    edition), its units."""
    msg = report.msg
    if task is None:
        return f'<div class="side empty">{esc(msg("close.no_counterpart"))}</div>'
    units = task["lead_units"] or task["responsible_units"] or ""
    tag = f' <span class="tag">{esc(msg("close.nearest_label"))}</span>' if nearest else ""
    lang = "" if report.lang == "zh" else ' lang="zh"'
    return (
        f'<div class="side{" nearest" if nearest else ""}">'
        f'<div class="where" title="{esc(msg("close.task_id", task=task.name))}">{esc(report.name(doc_id))} · '
        f"{esc(report.position(task['path']))} <b>{report.heading_html(task['heading'])}</b>{tag}</div>"
        f'<div class="text"{lang}>{marked(text, other, clause)}</div>'
        + (f'<div class="units">{esc(msg("close.units"))}: {report.units_html(units)}</div>' if units else "")
        + "</div>"
    )


def _columns(report: Report, comparison, left_id: str, right_id: str, clauses=("", ""), nearest=(False, False)):
    """The two columns of a pair (the source task left, the target task right) and both texts."""
    source = comparison.source_tasks.set_index("task_id")
    target = comparison.target_tasks.set_index("task_id")
    left = source.loc[left_id] if left_id in source.index else None
    right = target.loc[right_id] if right_id in target.index else None
    left_text = "" if left is None else str(left["text"])
    right_text = "" if right is None else str(right["text"])
    html = (
        f'<div class="cols">{_side(report, left, comparison.source_doc, left_text, right_text, clauses[0], nearest[0])}'
        f"{_side(report, right, comparison.target_doc, right_text, left_text, clauses[1], nearest[1])}</div>"
    )
    return html, left_text, right_text


def _shared_words(report: Report, left_text: str, right_text: str) -> str:
    words = evidence_words(left_text, right_text) if left_text and right_text else []
    if not words:
        return ""
    shown = "".join(f'<span class="word">{report.quoted(w)}</span>' for w in words)
    return f'<div class="evidence">{esc(report.msg("close.shared_words"))}: {shown}</div>'


def pair_attributes(row) -> str:
    """The attributes naming a pair a reader decides (the page's stable contract)."""
    return (
        f'data-source-doc="{esc(row.source_doc)}" data-source-task="{esc(row.source_task_id)}" '
        f'data-target-doc="{esc(row.target_doc)}" data-target-task="{esc(row.target_task_id)}"'
    )


def decision_controls(report: Report) -> str:
    """The controls of one pair: same / partial / none, and a note."""
    msg = report.msg
    buttons = "".join(
        f'<button type="button" data-relation="{r}" aria-pressed="false">{esc(msg(f"review.decide.{r}"))}</button>'
        for r in DECISIONS
    )
    note = esc(msg("review.note"))
    return (
        f'<div class="decide-controls"><span class="small">{esc(msg("review.your_decision"))}</span> {buttons} '
        f'<input type="text" class="decide-note" data-note placeholder="{note}" aria-label="{note}"></div>'
    )


def _review_card(report: Report, comparison, row) -> str:
    """A pair of the review section (a queue row, its position in the queue for an id): why it is
    queued, both texts, the controls."""
    msg = report.msg
    clauses = (str(row.source_clause), str(row.target_clause))
    columns, left_text, right_text = _columns(report, comparison, row.source_task_id, row.target_task_id, clauses)
    if row.model_relation in LINKS:
        said = msg("review.model_said", relation=msg.relation(row.model_relation), confidence=msg.ratio(row.confidence))
    else:  # unlinked: its confidence is that there is no link
        said = msg("review.probability", share=msg.share(1.0 - float(row.confidence)))
    clause_line = (
        f'<div class="clauses">{esc(msg("review.best_clauses"))}: <span class="clause">{report.quoted(clauses[0])}'
        f'</span> ≈ <span class="clause">{report.quoted(clauses[1])}</span></div>'
        if clauses[0]
        else ""
    )
    return (
        f'<div class="pair decide" id="review-{row.Index}" {pair_attributes(row)}>'
        f'<div class="pair-head"><span class="reason">{esc(msg(REASON_KEYS[row.reason]))}</span> '
        f'<span class="score">{esc(said)}</span></div>{columns}{clause_line}'
        f"{_shared_words(report, left_text, right_text)}{decision_controls(report)}</div>"
    )


def review_section(report: Report, comparison, queue: pd.DataFrame, build_id: str) -> Html:
    """The review section: the queue's doubtful decisions and near misses in its order (the likeliest
    mistakes first), each with why it is listed, both texts and the controls, and the download of
    the decisions (in every pair of the page, the close reading's links too) as the corrections
    file."""
    msg = report.msg
    key = f"{build_id}/{comparison.comparison_id}"
    count = esc(msg("review.count"))
    tools = (
        f'<div class="tools review-tools"><button type="button" data-action="download-corrections" '
        f'data-name="{CORRECTIONS_FILE}" data-columns="{",".join(ALIGNMENT_CORRECTION_COLUMNS)}">'
        f'{esc(msg("review.download"))}</button> <span class="review-count" data-template="{count}"></span>'
        f' <span class="small review-storage">{esc(msg("review.storage"))}</span></div>'
    )
    rows = queue[queue["reason"] != LINK]
    cards = "".join(_review_card(report, comparison, row) for row in rows.itertuples())
    empty = f'<p class="empty">{esc(msg("table.empty"))}</p>' if not len(rows) else ""
    return Html(
        f'<section class="review" data-review-key="{esc(key)}">{report.heading("heading.review")}'
        f"{report.text('text.review')}{tools}{cards}{empty}</section>"
    )


# --- the close reading ---------------------------------------------------------------------------


def _reading_rows(comparison) -> pd.DataFrame:
    """The comparison's rows in reading order: each source task's rows in the alignment table's
    order (its links by target task), then the target tasks left unlinked; ``unsure``: the model
    is not sure of the decision."""
    order = {t: i for i, t in enumerate(comparison.source_tasks["task_id"])}
    width = len(order)
    order.update({t: width + i for i, t in enumerate(comparison.target_tasks["task_id"])})
    rows = comparison["alignments"].assign(unsure=~row_sure(comparison, comparison.settings.sure_min))
    position = [
        order.get(s or t, 0) + (0 if s else width) for s, t in zip(rows["source_task_id"], rows["target_task_id"])
    ]
    return rows.assign(_order=position).sort_values("_order", kind="stable")


def _reading_card(report: Report, comparison, link, queued: dict) -> tuple[str, str]:
    """One pair of the close reading (and its group's label): a link, or an unlinked task beside
    its nearest candidate. ``queued``: the queue's rows by pair; a link the queue lists as ``link``
    carries the controls, a pair it lists for the review section links there."""
    msg = report.msg
    left_id, right_id, linked = link.source_task_id, link.target_task_id, link.relation in LINKS
    score = float(link.score)
    if not linked:
        found = _NEAREST.search(link.evidence or "")
        other = found.group(1) if found else ""
        score = float(found.group(2)) if found else score
        left_id, right_id = (left_id, other) if left_id else (other, right_id)
    home_tasks = comparison.source_tasks if link.source_task_id else comparison.target_tasks
    home = home_tasks[home_tasks["task_id"] == (left_id if link.source_task_id else right_id)]
    section = "" if home.empty else (home["section_title"].iloc[0] or home["part_title"].iloc[0] or "")
    group = report.html(
        "close.group_source" if link.source_task_id else "close.group_target",
        section=Html(report.heading_html(section)),
        target=report.name(comparison.target_doc),
    )
    row = queued.get((left_id, right_id))
    decide = row if row is not None and row.reason == LINK and linked else None
    nearest = (not link.source_task_id, not link.target_task_id)
    clauses = (str(row.source_clause), str(row.target_clause)) if row is not None else ("", "")
    columns, left_text, right_text = _columns(report, comparison, left_id, right_id, clauses, nearest)
    shown = msg("close.score" if linked else "close.nearest_score", score=f"{score:.2f}")
    flag = f' <span class="uncertain">{esc(msg("close.uncertain"))}</span>' if link.unsure else ""
    if row is not None and decide is None:
        flag += f' <a class="to-review" href="#review-{row.Index}">{esc(msg("review.decide_there"))}</a>'
    decided_by = ""  # a reviewer's link is marked: the page shows the decisions the build applied
    if linked and getattr(link, "decided_by", "") == REVIEWER:
        flag += f' <span class="by-reviewer">{esc(msg("close.by_reviewer"))}</span>'
        decided_by = f' data-decided-by="{REVIEWER}"'

    badge = f'<span class="rel rel-{esc(link.relation)}">{esc(msg.relation(link.relation))}</span>'
    attributes = f" {pair_attributes(decide)}" if decide is not None else ""
    card = (
        f'<div class="pair{" decide" if decide is not None else ""}" data-rel="{esc(link.relation)}" '
        f'data-uncertain="{int(link.unsure)}"{decided_by} data-search="{esc(f"{left_text} {right_text}")}"{attributes}>'
        f'<div class="pair-head">{badge} <span class="score">{esc(shown)}</span>{flag}</div>{columns}'
        f"{_shared_words(report, left_text, right_text)}{decision_controls(report) if decide is not None else ''}</div>"
    )
    return group, card


def _close_tools(report: Report, relations) -> str:
    """The close reading's relation filter (to check too), search box and legend."""
    msg = report.msg
    options = "".join(f'<option value="{esc(r)}">{esc(msg.relation(r))}</option>' for r in relations)
    search = esc(msg("close.search"))
    return (
        f'<div class="tools close-tools"><label>{esc(msg("close.filter_relation"))} '
        f'<select class="rel-filter"><option value="">{esc(msg("close.all"))}</option>{options}'
        f'<option value="uncertain">{esc(msg("close.only_uncertain"))}</option></select></label> '
        f'<input type="search" class="close-search" placeholder="{search}" aria-label="{search}"> '
        f'<span class="legend"><mark>{esc(msg("close.legend_shared"))}</mark> '
        f'<mark class="num">{esc(msg("close.legend_number"))}</mark> '
        f'<span class="clause">{esc(msg("close.legend_clause"))}</span></span></div>'
    )


def close_reading(report: Report, comparison, queue: pd.DataFrame | None = None) -> Html:
    """Every linked pair's two texts in two columns; unlinked tasks beside their nearest
    counterpart (not linked) with its score; a decision the model is not sure of
    (:func:`analysis.compare.facts.row_sure`, the comparison's ``sure_min``) marked to check. The
    model's links the queue lists as ``link`` carry the decision controls. Grouped by section
    (collapsible), filterable and searchable."""
    msg = report.msg
    rows = _reading_rows(comparison)
    queued = {} if queue is None else {(r.source_task_id, r.target_task_id): r for r in queue.itertuples()}
    groups: list[tuple[str, list[str], dict[str, int]]] = []  # runs of one section, in reading order
    for link in rows.itertuples():
        group, card = _reading_card(report, comparison, link, queued)
        if not groups or groups[-1][0] != group:
            groups.append((group, [], {}))
        relation, tally = str(link.relation), groups[-1][2]
        groups[-1][1].append(card)
        tally[relation] = tally.get(relation, 0) + 1
    blocks = []
    for i, (label, cards, tally) in enumerate(groups):
        counts = msg("list.separator").join(f"{msg.relation(r)} {n}" for r, n in tally.items())
        blocks.append(
            f'<details class="group"{" open" if i < 3 else ""}><summary>{label} '
            f'<span class="small">({esc(counts)})</span></summary>{"".join(cards)}</details>'
        )
    tools = _close_tools(report, dict.fromkeys(rows["relation"]))
    return Html(f'<div class="close-reading">{tools}{"".join(blocks)}</div>')
