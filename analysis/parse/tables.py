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
target column (目标值, or each later year column), and its lead unit.
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
    "target": re.compile(rf"^(?:目标值?|预期值|预期目标|(?:{_YEAR})(?:目标值?|预期值?)?)$"),
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

    @property
    def indices(self) -> set[int]:
        return set(self.header) | {i for row in self.rows for i in row.indices}

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
    while end < len(cell):
        if end + 1 < len(cell) and column_of(cell[end] + cell[end + 1]):
            labels.append(_SPACES.sub("", cell[end] + cell[end + 1]))
            end += 2
        elif column_of(cell[end]):
            labels.append(_SPACES.sub("", cell[end]))
            end += 1
        else:
            break
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
        pos += 1
    return tables


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
