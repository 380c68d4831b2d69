"""Task-division tables flattened to one cell per line: their rows are tasks with their units.

Web copies and converted attachments (重点任务分工表) often print a table one cell per line:
a header ``序号 / 工作任务 / 牵头单位 / 责任单位 / 完成时限``, then rows ``1 / 任务文字… /
市生态环境局 / 各区政府 / 2024年底``. The rules:

- a *header* is a line ``序号`` (or ``编号``) followed by at least two lines that each name a known
  column (:data:`COLUMNS`: the task, its lead and responsible units, the deadline, other columns
  such as 备注), one of which is the task;
- a *row* opens with a line holding only its serial number (``1``, ``1.`` or ``1、``; then each the
  previous plus one) and runs to the next serial number if it comes within the header's width
  plus :data:`_SLACK` lines, else over the header's width; a hierarchy marker or closing matter
  ends the table;
- cells are given to columns in order; a row with more cells than columns has a task wrapped over
  several lines (the extra lines are the task's); a row with fewer leaves columns empty: the last
  cell is the deadline if it reads like a date (年, 月, 底, 前, 长期, 持续…), the others fill the
  columns after the task in order.

The cleaner keeps such lines as they are (no boilerplate removal, no joining of lines), and the
structure reads each row as an item task flagged ``table``, with the units of its columns (when a
unit is marked ``(牵头)``, in any column, the marked units lead and the others are responsible)
and its deadline column (the deadline of its targets that print none).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

SERIAL_HEADER = re.compile(r"^(?:序号|编号)$")
COLUMNS: dict[str, re.Pattern[str]] = {
    "task": re.compile(
        r"^(?:(?:重点|主要|具体|年度)?(?:工作)?(?:任务|事项|措施)(?:内容|名称|事项)?|工作内容|重点工作|工作目标|目标任务)$"
    ),
    "lead": re.compile(r"^(?:牵头(?:单位|部门|领导)?|主办单位|主责(?:单位|部门))$"),
    "responsible": re.compile(r"^(?:责任(?:单位|部门|主体)|配合(?:单位|部门)|协办单位|参与单位|协同(?:单位|部门))$"),
    "deadline": re.compile(r"^(?:完成(?:时限|时间|期限)(?:要求)?|时间(?:节点|安排|要求)|时限(?:要求)?|进度安排)$"),
    "other": re.compile(r"^(?:备注|类别|分类|领域|工作类别|任务类别|考核指标|目标值|指标)$"),
}
_SERIAL = re.compile(r"^(\d{1,3})[.、]?$")
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
class Table:
    header: list[int]
    columns: list[str]
    rows: list[TableRow]

    @property
    def indices(self) -> set[int]:
        return set(self.header) | {i for row in self.rows for i in row.indices}


def column_of(cell: str) -> str | None:
    """The kind of column a header cell names, or None."""
    return next((kind for kind, pattern in COLUMNS.items() if pattern.match(cell)), None)


def find_tables(lines: list[str], is_boundary: Callable[[str], bool] = lambda line: False) -> list[Table]:
    """The flattened tables of a list of lines (stripped or not; empty lines are skipped)."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    cell = [lines[i].strip() for i in content]
    tables: list[Table] = []
    pos = 0
    while pos < len(content):
        if SERIAL_HEADER.match(cell[pos]):
            end = pos + 1
            while end < len(content) and column_of(cell[end]):
                end += 1
            columns = [column_of(c) or "" for c in cell[pos + 1 : end]]
            if len(columns) >= 2 and "task" in columns:
                rows, after = _rows(content, cell, end, columns, is_boundary)
                if rows:
                    tables.append(Table(content[pos:end], columns, rows))
                    pos = after
                    continue
        pos += 1
    return tables


def _rows(
    content: list[int], cell: list[str], pos: int, columns: list[str], is_boundary: Callable[[str], bool]
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
        rows.append(TableRow(serial, content[pos], _assign(cells, columns, cell, content)))
        pos = pos + 1 + len(cells)
    return rows, pos


def _serial(cell: str) -> int | None:
    m = _SERIAL.match(cell)
    return int(m.group(1)) if m else None


def _assign(cells: list[int], columns: list[str], cell: list[str], content: list[int]) -> dict[str, list[int]]:
    """Cells (positions in ``content``) given to columns (see the module doc), as line indices."""
    task = columns.index("task")
    assigned: dict[str, list[int]] = {}

    def give(kind: str, positions: list[int]) -> None:
        if kind and positions:
            assigned.setdefault(kind, []).extend(content[p] for p in positions)

    extra = len(cells) - len(columns)
    if extra >= 0:
        for kind, position in zip(columns[:task], cells[:task]):
            give(kind, [position])
        give("task", cells[task : task + extra + 1])
        for kind, position in zip(columns[task + 1 :], cells[task + extra + 1 :]):
            give(kind, [position])
        return assigned
    for kind, position in zip(columns[:task], cells[:task]):
        give(kind, [position])
    give("task", cells[task : task + 1])
    rest, kinds = cells[task + 1 :], columns[task + 1 :]
    if rest and "deadline" in kinds and _DATE_LIKE.search(cell[rest[-1]]):
        give("deadline", rest[-1:])
        rest, kinds = rest[:-1], [k for k in kinds if k != "deadline"]
    for kind, position in zip(kinds, rest):
        give(kind, [position])
    return assigned
