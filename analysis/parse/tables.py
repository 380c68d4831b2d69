"""Tables flattened to one cell per line: task-division tables (their rows are tasks with their
units) and indicator tables (their rows are targets).

Web copies and converted attachments (重点任务分工表, 主要指标表) often print a table one cell per
line: a header ``序号 / 工作任务 / 牵头单位 / 责任单位 / 完成时限``, then rows ``1 / 任务文字… /
市生态环境局 / 各区政府 / 2024年底``. (Tables with one row per line, or cells marked by pipes, are
first brought to this form: :mod:`analysis.parse.text_tables`.) The rules:

- a *header* is a line ``序号`` (or ``编号``) followed by at least two lines that each name a known
  column (:data:`COLUMNS`: the task, its lead and responsible units, the deadline, other columns
  such as 备注; or an indicator, its unit, baseline and target values), one of which is the task or
  the indicator. A column name wrapped over two lines (``责任`` / ``科室``) is read as one when the
  two lines together name a column. Spaces inside a cell are ignored (``分 管 县领导``);
- a *row* opens with a line holding only its serial number (``1``, ``1.`` or ``1、``; then each the
  previous plus one) and runs to the next serial number if it comes within the header's width
  plus :data:`_SLACK` lines, else over the header's width; a hierarchy marker or closing matter
  ends the table;
- cells are given to columns in order; a row with more cells than columns has a task wrapped over
  several lines (the extra lines are the task's); a row with fewer leaves columns empty: the last
  cell is the deadline if it reads like a date (年, 月, 底, 前, 长期, 持续…), the others fill the
  columns after the task in order.

A *task-division table* (a task column) is read by the structure as item tasks flagged ``table``,
with the units of its columns (when a unit is marked ``(牵头)``, in any column, the marked units
lead and the others are responsible) and its deadline column (the deadline of its targets that
print none). Several task-like columns (``重点工作`` and ``攻坚目标``) make one task text.

An *indicator table* (an indicator column, no task column) is read by the targets stage: each row
is an indicator with its unit (the unit column, or the unit in brackets after the name), a
baseline (a 基准值 / 现状值 column, or the earliest of two or more year columns) and one target per
target column (目标值, 指标值, or each later year column), and its lead unit.

An indicator table whose rows do not keep the header's width (a PDF text layer: merged cells such
as 领域 / 任务 printed once for several rows, several indicators under one serial number, a value
wrapped over two or three lines, a row without a unit cell, the header repeated on each page) is
read *loosely* (:func:`_loose_table`) when the strict reading finds no row:

- its header is a run of lines that each name a column (序号 included, anywhere in the run) with an
  indicator column followed by exactly one value column (目标值 / 指标值 …); the run ends at that
  value column; a header holding a baseline or a second value column (years) is not read loosely;
- below it, a *value cell* is a line that is a number (``100``, ``≥85``, ``90%以上``) or holds a
  number after a comparator ``≥ ≤ > <`` (``考核任务,且≥90`` at the end of a wrapped cell, ``≥25 或…``):
  the value is that comparator and number only. It is read with the nearest *indicator cell*
  above it since the previous value or serial line (a line ending in an indicator's head noun,
  :data:`_INDICATOR_HEAD`: 率, 比例, 浓度, 指数 …; failing one, the line before the unit cell, or the
  line right above), and the nearest *unit cell* above it (:data:`_UNIT_CELL`: ``%``, ``μg/m3``,
  ``万吨``, ``-`` for none …): a row without a unit cell takes the previous row's;
- a serial line (``4.``, ``4、``, or a bare number continuing the serials and not followed by a unit
  or value cell) opens a row; the header printed again is skipped, and a bare number right before
  it is a page number, not a cell;
- the table ends before a line that ends a sentence (。!?;) or is longer than :data:`_CELL_MAX`
  characters, and its lines run to its last header, serial, unit or value line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

SERIAL_HEADER = re.compile(r"^(?:序号|编号)$")
_YEAR = r"(?:19|20)\d{2}年(?:度|底|末)?"
COLUMNS: dict[str, re.Pattern[str]] = {
    "task": re.compile(
        r"^(?:(?:重点|主要|具体|年度)?(?:工作)?(?:任务|事项|措施)(?:内容|名称|事项|安排)?|工作内容|重点工作|工作目标"
        r"|目标(?:与)?任务|任务与目标|(?:攻坚|年度)目标(?:任务)?)$"
    ),
    "lead": re.compile(r"^(?:牵头(?:责任)?(?:单位|部门|领导|处室|科室)?|主办单位|主责(?:单位|部门))$"),
    "responsible": re.compile(
        r"^(?:责任(?:单位|部门|主体|科室|处室)|配合(?:单位|部门)|协办单位|参与单位|协同(?:单位|部门))$"
    ),
    "deadline": re.compile(r"^(?:完成(?:时限|时间|期限|年限)(?:要求)?|时间(?:节点|安排|要求)|时限(?:要求)?|进度安排)$"),
    "indicator": re.compile(r"^(?:主要|考核|具体)?指标(?:名称|内容)?$"),
    "unit": re.compile(r"^(?:计量)?单位$"),
    "baseline": re.compile(rf"^(?:基准值|基期值|基数|现状值?|(?:{_YEAR})(?:现状|基准|基数|基期|实际|完成)值?)$"),
    "target": re.compile(rf"^(?:目标值?|指标值|预期值|预期目标|(?:{_YEAR})(?:目标值?|预期值?)?)$"),
    "other": re.compile(
        r"^(?:备注|类别|分类|领域|工作类别|任务类别|属性|指标属性|(?:分管|责任)(?:[省市县区])?领导|责任人|联系人"
        r"|(?:联系)?电话|(?:第[一二三四]季度)?(?:完成|进展)情况)$"
    ),
}
# Columns a table may repeat (one per year): numbered apart, "target#3".
_NUMBERED = ("baseline", "target")
_PLAIN_YEAR = re.compile(rf"^{_YEAR}$")
_SPACES = re.compile(r"\s+")
_SERIAL = re.compile(r"^(\d{1,5})[.、]?$")
_DATE_LIKE = re.compile(r"\d{4}年|\d{1,2}月|年底|年内|全年|季度|底前|长期|持续|常态")
_SLACK = 2  # wrapped lines a row may have beyond the header's width
# Loose indicator tables (see the module doc).
_CELL_MAX = 40  # a longer line is prose: the table has ended
_HEADER_BEFORE_INDICATOR = 8  # header lines a loose table's header may have before its indicator column
_SENTENCE_END = ("。", "!", "?", "！", "？", ";", "；")
_VALUE_KINDS = ("baseline", "target")
_INDICATOR_HEAD = re.compile(r"(?:率|比|比例|比重|度|指数|数|量|面积|值|水平)$")
_NAME_TAIL = re.compile(r"(?:[*※]|[(（][^()（）]*[)）])+$")
_UNIT_CELL = re.compile(
    r"^(?:[-—–/／]|无|%|‰|个?百分点"
    r"|[a-zμµ][A-Za-z]{0,2}[23³²]?(?:/[A-Za-z]{1,3}[23³²]?)?(?:\([A-Z]\))?|[A-Za-z]{1,3}/[A-Za-z]{1,3}[23³²]?"
    r"|(?:万|亿|千|百)?(?:元|吨|千克|公斤|立方米|平方米|平方千米|平方公里|公顷|亩|千米|公里|米|个|家|座|处|项|条|台|辆"
    r"|套|户|人|人次|次|天|日|年|小时|千瓦时|千瓦|吨标准煤|标准煤|分贝|毫克/升|微克/立方米|毫克/立方米)"
    r"(?:/(?:万元|元|吨|人|年|天|户|亩|公顷|平方米|立方米|升|千瓦时))?)$"
)
_VALUE_IN_CELL = re.compile(
    r"^(?:[≥≤><]\s*)?\d+(?:\.\d+)?\s*(?:%|‰)?\s*(?:(?:及|或)?以上|以下|以内|左右)?$|[≥≤><]\s*\d+(?:\.\d+)?\s*(?:%|‰)?"
)
_LIST_SERIAL = re.compile(r"^(\d{1,3})[.、]$")
_BARE_NUMBER = re.compile(r"^\d{1,4}$")


@dataclass(frozen=True)
class TableRow:
    """A row: its serial number, the index of its serial line, and its cells' line indices by column."""

    serial: int
    serial_index: int
    cells: dict[str, list[int]]

    @property
    def indices(self) -> list[int]:
        return [self.serial_index] + sorted(i for cells in self.cells.values() for i in cells)


@dataclass(frozen=True)
class IndicatorRow:
    """A row of an indicator table: its serial, its cells' clean-text spans by column, and each
    column's header text (``2025年``, ``目标值``, ``单位``)."""

    serial: int
    cells: dict[str, tuple[tuple[int, int], ...]]
    labels: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A table: its header lines, the kind of each column (numbered apart where a table repeats
    it, ``target#2``), the header's text of each column, and its rows."""

    header: list[int]
    columns: list[str]
    rows: list[TableRow]
    labels: tuple[str, ...] = ()
    extent: tuple[int, ...] = ()  # a loose table's every line (merged cells, headers repeated)
    loose: bool = False  # read loosely: its value cells are narrowed to the value (value_span)

    @property
    def indices(self) -> set[int]:
        return set(self.header) | {i for row in self.rows for i in row.indices} | set(self.extent)

    @property
    def key(self) -> str:
        """The column a row is about: ``task`` (a task-division table) or ``indicator``."""
        return "task" if "task" in self.columns else "indicator"

    def label(self, column: str) -> str:
        """The header's text of a column (``2025年``, ``目标值``)."""
        return self.labels[self.columns.index(column)] if column in self.columns else ""


def column_of(cell: str) -> str | None:
    """The kind of column a header cell names (spaces inside it ignored), or None."""
    cell = _SPACES.sub("", cell)
    return next((kind for kind, pattern in COLUMNS.items() if pattern.match(cell)), None)


def _header(cell: list[str], pos: int) -> tuple[list[str], int]:
    """The header cells after ``序号`` at ``pos`` (a name wrapped over two lines joined) and the
    position after them."""
    labels: list[str] = []
    end = pos + 1
    while end < len(cell) and (found := _label_at(cell, end)):
        label, end = found
        labels.append(label)
    return labels, end


def _kinds(labels: list[str]) -> list[str]:
    """Each column's kind, repeated kinds numbered apart; of two or more plain year columns
    (``2023年 / 2024年 / 2025年``) the earliest is the baseline."""
    kinds = [column_of(label) or "" for label in labels]
    years = [i for i, label in enumerate(labels) if _PLAIN_YEAR.match(label)]
    if len(years) >= 2 and "baseline" not in kinds:
        kinds[min(years, key=lambda i: labels[i])] = "baseline"
    return [f"{kind}#{i}" if kind in _NUMBERED else kind for i, kind in enumerate(kinds)]


def find_tables(lines: list[str], is_boundary: Callable[[str], bool] = lambda line: False) -> list[Table]:
    """The flattened tables of a list of lines (stripped or not; empty lines are skipped)."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    cell = [lines[i].strip() for i in content]
    tables: list[Table] = []
    indicator_cells = [
        k for k, line in enumerate(cell) if "指标" in line and COLUMNS["indicator"].match(_SPACES.sub("", line))
    ]
    loose_starts = {p for k in indicator_cells for p in range(max(0, k - _HEADER_BEFORE_INDICATOR), k + 1)}
    pos = 0
    while pos < len(content):
        if SERIAL_HEADER.match(_SPACES.sub("", cell[pos])):
            labels, end = _header(cell, pos)
            columns = _kinds(labels)
            if len(columns) >= 2 and ("task" in columns or "indicator" in columns):
                key = "task" if "task" in columns else "indicator"
                rows, after = _rows(content, cell, end, columns, is_boundary, key)
                if rows:
                    tables.append(Table(content[pos:end], columns, rows, tuple(labels)))
                    pos = after
                    continue
        if pos in loose_starts and (found := _loose_table(content, cell, pos)):
            table, pos = found
            tables.append(table)
            continue
        pos += 1
    return tables


def value_span(cell: str) -> tuple[int, int] | None:
    """Where a loose table's value cell holds its value: the whole cell when it is only a number,
    else its comparator and number (``考核任务,且≥90`` → ``≥90``)."""
    m = _VALUE_IN_CELL.search(cell)
    return m.span() if m else None


def _label_at(cell: list[str], k: int) -> tuple[str, int] | None:
    """The column name at ``k`` (a name wrapped over two lines joined) and the position after it."""
    if k + 1 < len(cell) and column_of(cell[k] + cell[k + 1]):
        return _SPACES.sub("", cell[k] + cell[k + 1]), k + 2
    if column_of(cell[k]):
        return _SPACES.sub("", cell[k]), k + 1
    return None


def _loose_header(cell: list[str], pos: int) -> tuple[list[str], int] | None:
    """The header of a loose indicator table starting at ``pos`` (see the module doc): its labels
    up to its value column and the position after it; None when there is none."""
    labels: list[str] = []
    ends: list[int] = []
    end = pos
    while end < len(cell):
        serial = SERIAL_HEADER.match(_SPACES.sub("", cell[end]))
        found = ("序号", end + 1) if serial else _label_at(cell, end)
        if found is None:
            break
        labels.append(found[0])
        end = found[1]
        ends.append(end)
    kinds = [column_of(label) or "" for label in labels]
    if "indicator" not in kinds:
        return None
    value = next((i for i in range(kinds.index("indicator"), len(kinds)) if kinds[i] in _VALUE_KINDS), None)
    if value is None or kinds[value] != "target" or any(kind in _VALUE_KINDS for kind in kinds[:value]):
        return None
    if value + 1 < len(labels) and (kinds[value + 1] == "baseline" or re.search(_YEAR, labels[value + 1])):
        return None  # several value columns (years): a loose row cannot say which a value is
    return labels[: value + 1], ends[value]


def _loose_table(content: list[int], cell: list[str], pos: int) -> tuple[Table, int] | None:
    """A loose indicator table whose header starts at ``pos`` (see the module doc) and the position
    after it; None when there is none."""
    header = _loose_header(cell, pos)
    if header is None:
        return None
    labels, body = header
    rows, taken, after = _loose_rows(content, cell, body, cell[pos:body])
    if not rows:
        return None
    named = {column_of(label): label for label in labels}
    columns = ["indicator", "unit", "target"]
    extent = tuple(content[k] for k in taken)
    return Table(content[pos:body], columns, rows, tuple(named.get(c) or "" for c in columns), extent, True), after


def _loose_rows(
    content: list[int], cell: list[str], start: int, header: list[str]
) -> tuple[list[TableRow], list[int], int]:
    """The rows of a loose table whose body starts at ``start``: one per value cell, with its
    indicator and unit cells; the positions of the table's lines; the position after its last."""
    rows: list[TableRow] = []
    taken: list[int] = []
    segment: list[int] = []  # the lines since the last serial or value line
    unit = None  # the last unit cell
    serial, last, k = 0, start - 1, start
    width = len(header)
    while k < len(cell) and len(cell[k]) <= _CELL_MAX and not cell[k].endswith(_SENTENCE_END):
        if cell[k : k + width] == header:  # the header printed again, on the next page
            taken.extend(range(k, k + width))
            k, last, segment = k + width, k + width - 1, []
            continue
        if _BARE_NUMBER.match(cell[k]) and cell[k + 1 : k + 1 + width] == header:  # a page number
            k += 1
            continue
        if (number := _row_serial(cell, k, serial)) is not None:
            serial, last, segment = number, k, []
        elif _is_unit(cell[k]):
            unit, last = k, k
            segment.append(k)
        elif value_span(cell[k]) and (name := _indicator_cell(cell, segment, k)) is not None:
            cells = {"indicator": [content[name]], "target": [content[k]]}
            if unit is not None:
                cells["unit"] = [content[unit]]
            rows.append(TableRow(serial, content[k], cells))
            last, segment = k, []
        else:
            segment.append(k)
        taken.append(k)
        k += 1
    return rows, [t for t in taken if t <= last], last + 1


def _is_unit(line: str) -> bool:
    return bool(_UNIT_CELL.match(_SPACES.sub("", line)))


def _row_serial(cell: list[str], k: int, serial: int) -> int | None:
    """The serial number a line opens a row with: ``4.`` / ``4、``, or a bare number continuing the
    serials that no unit or value cell follows; None for any other line."""
    if m := _LIST_SERIAL.match(cell[k]):
        return int(m.group(1))
    following = cell[k + 1] if k + 1 < len(cell) else ""
    if _BARE_NUMBER.match(cell[k]) and int(cell[k]) == serial + 1 and following:
        return None if _is_unit(following) or value_span(following) else serial + 1
    return None


def _indicator_cell(cell: list[str], segment: list[int], at: int) -> int | None:
    """The indicator cell of the value cell at ``at`` among the lines since the last serial or value
    line: the nearest naming an indicator's head noun, else the line before the unit cell, else the
    line right above."""
    text = [k for k in segment if not _is_unit(cell[k])]
    named = [k for k in text if _INDICATOR_HEAD.search(_NAME_TAIL.sub("", cell[k]))]
    if named:
        return named[-1]
    units = [k for k in segment if k not in text]
    if units and units[-1] - 1 in text:
        return units[-1] - 1
    return at - 1 if at - 1 in text else None


def _rows(
    content: list[int],
    cell: list[str],
    pos: int,
    columns: list[str],
    is_boundary: Callable[[str], bool],
    key: str = "task",
) -> tuple[list[TableRow], int]:
    rows: list[TableRow] = []
    width = len(columns)
    while pos < len(content) and (m := _SERIAL.match(cell[pos])):
        serial = int(m.group(1))
        if rows and serial != rows[-1].serial + 1:
            break
        reach = min(len(content), pos + 1 + width + _SLACK + 1)
        following = next((k for k in range(pos + 1, reach) if _serial(cell[k]) == serial + 1), None)
        end = following if following is not None else min(len(content), pos + 1 + width)
        cells = []
        for k in range(pos + 1, end):
            if is_boundary(cell[k]):
                break
            cells.append(k)
        if not cells:
            break
        rows.append(TableRow(serial, content[pos], _assign(cells, columns, cell, content, key)))
        pos = pos + 1 + len(cells)
    return rows, pos


def _serial(cell: str) -> int | None:
    m = _SERIAL.match(cell)
    return int(m.group(1)) if m else None


def _assign(
    cells: list[int], columns: list[str], cell: list[str], content: list[int], key: str = "task"
) -> dict[str, list[int]]:
    """Cells (positions in ``content``) given to columns (see the module doc), as line indices;
    extra cells are the ``key`` column's (the task, or the indicator)."""
    task = columns.index(key)
    assigned: dict[str, list[int]] = {}

    def give(kind: str, positions: list[int]) -> None:
        if kind and positions:
            assigned.setdefault(kind, []).extend(content[p] for p in positions)

    extra = len(cells) - len(columns)
    if extra >= 0:
        for kind, position in zip(columns[:task], cells[:task]):
            give(kind, [position])
        give(key, cells[task : task + extra + 1])
        for kind, position in zip(columns[task + 1 :], cells[task + extra + 1 :]):
            give(kind, [position])
        return assigned
    for kind, position in zip(columns[:task], cells[:task]):
        give(kind, [position])
    give(key, cells[task : task + 1])
    rest, kinds = cells[task + 1 :], columns[task + 1 :]
    if rest and "deadline" in kinds and _DATE_LIKE.search(cell[rest[-1]]):
        give("deadline", rest[-1:])
        rest, kinds = rest[:-1], [k for k in kinds if k != "deadline"]
    for kind, position in zip(kinds, rest):
        give(kind, [position])
    return assigned
