"""Targets outside the tasks: what a plan commits to before its first block, in a repost's news lead
and in its indicator tables. They are *document-level* targets (no task; role ``document``, or
``baseline`` for an indicator table's starting value, which is no target).

- **Preamble** (the text before the first block, a repost's lead left out, a goal paragraph that
  is a task left out): a sentence with a commitment cue (:data:`COMMITMENT_CUE`: 到2025年, 力争,
  确保, 目标是 …) and no cue of a past result (:data:`PAST_CUE`: 以来, 同比, 已 …) — the opening
  paragraph of a page that starts in the middle of a plan, a goal stated before the blocks.
- **A repost's news lead** (:func:`analysis.parse.framing.lead_end`): every sentence without a cue
  of a past result (a news lead summarises the plan's commitments); a figure the plan itself
  states again (same value and unit) is left out: never counted twice.
- **Indicator tables** (:mod:`analysis.parse.tables`): each row's indicator, its unit (the unit
  column, or the unit in brackets after the name: ``优良天数比率(%)``), one target per target
  column (``目标值``, or each later year column, whose year is its deadline) and the baseline (role
  ``baseline``); the row's lead unit is kept. A cell's comparator is read from ``≥ > ≤ <`` before
  the number, else as in a sentence (不低于 …, 以上 / 以下 / 左右 after it); ``〔18〕`` is cumulative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis.parse.tables import IndicatorRow
from analysis.targets.mentions import comparator_of, unit_kind
from analysis.text.attribution import split_units, unique

DOCUMENT_ROLE = "document"
BASELINE_ROLE = "baseline"
COMMITMENT_CUE = re.compile(
    r"到\s*20\d{2}\s*年|20\d{2}\s*年(?:底|末)?前|力争|确保|目标(?:是|为)|(?:要|将)(?:确保|实现|完成|达到|新增|建成|控制)"
)
PAST_CUE = re.compile(r"以来|已经|已|取得|同比|较上年|比上年|上年|去年|过去|截至|截止|累计完成")
_SENTENCE = re.compile(r"[^。!！?？\n]+[。!！?？]?")
_UNIT_IN_NAME = re.compile(r"[(（]([^()（）]{1,12})[)）]\s*$")
# A value cell: an optional sign or cue word, the number (in 〔〕 when cumulative), 以上 / 左右 after it.
_CELL_VALUE = re.compile(
    r"(?P<open>[〔\[])?(?P<number>\d+(?:\.\d+)?)[〕\]]?\s*(?P<suffix>(?:及|或)?以上|以下|以内|左右)?"
)
_SIGNS = {"≥": ">=", ">": ">=", "≤": "<=", "<": "<="}
_YEAR = re.compile(r"20\d{2}年")

Span = tuple[int, int]


def document_sentences(doc) -> list[tuple[int, int, str]]:
    """``(start, end, source)`` of the clean-text sentences whose targets are document-level
    (``source`` is ``lead`` or ``preamble``; see the module doc). ``doc`` is a ParsedDocument."""
    text = doc.clean.text
    lead = set(doc.outline.lead)
    tasks = [(span.start, span.end) for span in doc.spans]
    found = []
    for s, e in doc.outline.front_matter:
        if any(a < e and s < b for a, b in tasks):
            continue  # a goal paragraph before the blocks is a task
        source = "lead" if (s, e) in lead else "preamble"
        for m in _SENTENCE.finditer(text, s, e):
            sentence = m.group(0)
            if PAST_CUE.search(sentence) or (source == "preamble" and not COMMITMENT_CUE.search(sentence)):
                continue
            found.append((m.start(), m.end(), source))
    return found


@dataclass(frozen=True)
class TableValue:
    """A value of an indicator table: what it measures, the number, how it binds, where it stands."""

    indicator: str
    value: float
    value_text: str
    unit: str
    kind: str
    comparator: str
    deadline: str
    role: str
    lead_units: str
    row_span: Span  # clean text: from the indicator cell to this value's cell
    value_span: Span  # clean text: the number
    flags: tuple[str, ...]


def table_values(text: str, rows: list[IndicatorRow]) -> list[TableValue]:
    """The values of the indicator tables' rows (see the module doc), row by row."""
    values = []
    for row in rows:
        name_spans = row.cells.get("indicator", ())
        if not name_spans:
            continue
        name = "".join(text[s:e] for s, e in name_spans)
        in_name = _UNIT_IN_NAME.search(name)
        unit = "".join(text[s:e] for s, e in row.cells.get("unit", ())).strip()
        unit = unit if unit and unit not in "-—/" else (in_name.group(1) if in_name else "")
        name = name[: in_name.start()] if in_name else name
        lead = ";".join(unique([u for s, e in row.cells.get("lead", ()) for u in split_units(text[s:e])]))
        for column, spans in row.cells.items():
            kind = column.split("#")[0]
            if kind not in ("baseline", "target") or not spans:
                continue
            value = _cell_value(text, (name_spans[0][0], spans[0]), name, unit, row.labels.get(column, ""), kind, lead)
            if value is not None:
                values.append(value)
    return values


def _cell_value(
    text: str, where: tuple[int, Span], name: str, unit: str, label: str, kind: str, lead: str
) -> TableValue | None:
    """The value of one cell; ``where`` is the row's start and the cell's span."""
    row_start, cell = where
    m = _CELL_VALUE.search(text, cell[0], cell[1])
    if m is None:
        return None
    prefix = text[cell[0] : m.start()].rstrip(" =")
    comparator = _SIGNS.get(prefix[-1:]) or comparator_of(prefix, prefix, m.group("suffix") or "")
    deadline = label if _YEAR.search(label) and kind == "target" else ""
    return TableValue(
        indicator=name.strip(),
        value=float(m.group("number")),
        value_text=text[cell[0] : cell[1]].strip(),
        unit=unit,
        kind=unit_kind(unit),
        comparator=comparator,
        deadline=deadline,
        role=BASELINE_ROLE if kind == "baseline" else DOCUMENT_ROLE,
        lead_units=lead,
        row_span=(row_start, cell[1]),
        value_span=(m.start("number"), m.end("number")),
        flags=("table", *(("cumulative",) if m.group("open") else ())),
    )


def compared_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The targets plans are compared on: all but an indicator table's starting values (role
    ``baseline``), which no plan commits to."""
    return targets[targets["role"] != BASELINE_ROLE]
