"""Tables written as text, brought to one cell per line before the cleaner reads paragraphs.

Web pages, PDF text layers and pasted Word tables print a table in one of three ways; the second
and third are rewritten here into the first, which :mod:`analysis.parse.tables` reads:

- **one cell per line** (``序号 / 工作任务 / 牵头单位 …``, then the rows): left as it is;
- **cells marked by pipes**: a pipe alone on a line between cells, a pipe closing each cell
  (``序号 |``), or a markdown row (``| 序号 | 任务 |``) and its rule (``|---|---|``). Pipes are
  table markup, never text: a pipe line or rule is removed, a closing or opening pipe too, and
  the pipes between cells become line breaks;
- **one row per line**, cells separated by a tab or a run of two or more spaces (a pasted Word
  table, a PDF text layer whose wide gaps :mod:`analysis.parse.pdf` keeps as tabs). A header line
  of at least :data:`MIN_HEADER_CELLS` cells that are known column names (:func:`column_of`, the
  first one ``序号`` or every one known) opens a table; the lines after it whose first cell is a
  serial number are its rows, up to the first line that is not. The gaps of the header and the
  rows become line breaks.

Every rewrite is an edit of the offset-keeping text: a cell still points at its raw span.
"""

from __future__ import annotations

import re

from analysis.parse.tables import SERIAL_HEADER, column_of

MIN_HEADER_CELLS = 3
# Applied in this order by the cleaner: a line of pipes only (a separator printed alone) or a
# markdown rule (|---|:---:|) is removed, then a pipe opening or closing a line, then the pipes
# between cells become line breaks.
PIPE_LINE = re.compile(r"^[ \t]*\|[ \t|:-]*$|^[ \t]*:?-{3,}:?(?:[ \t]*\|[ \t]*:?-{3,}:?)+[ \t]*$", re.MULTILINE)
EDGE_PIPE = re.compile(r"^[ \t]*\|[ \t]*|[ \t]*\|[ \t]*$", re.MULTILINE)
INNER_PIPE = re.compile(r"[ \t]*\|[ \t]*")
_CELL_GAP = re.compile(r"[ \t]*\t[ \t]*| {2,}")
_SERIAL_CELL = re.compile(r"^\d{1,5}[.、]?$")


def _cells(line: str) -> list[str]:
    return [cell for cell in _CELL_GAP.split(line.strip()) if cell]


def _is_header(cells: list[str]) -> bool:
    if len(cells) < MIN_HEADER_CELLS:
        return False
    kinds = [column_of(cell) for cell in cells]
    known = [kind for kind in kinds if kind]
    opens = bool(SERIAL_HEADER.match(cells[0]))
    return (opens and len(known) >= len(cells) - 2) or len(known) == len(cells)


def row_gaps(lines: list[str]) -> dict[int, list[tuple[int, int]]]:
    """For each header or row line of a one-row-per-line table, its gaps (offsets in the line)."""
    found: dict[int, list[tuple[int, int]]] = {}
    i = 0
    while i < len(lines):
        if not _is_header(_cells(lines[i])):
            i += 1
            continue
        table = [i]
        j = i + 1
        while j < len(lines):
            if not lines[j].strip():
                j += 1
                continue
            cells = _cells(lines[j])
            if len(cells) < 2 or not _SERIAL_CELL.match(cells[0]):
                break
            table.append(j)
            j += 1
        if len(table) > 1:
            for k in table:
                stripped = lines[k].strip()
                offset = lines[k].index(stripped)
                found[k] = [(offset + m.start(), offset + m.end()) for m in _CELL_GAP.finditer(stripped)]
        i = j
    return found


def row_breaks(text: str) -> list[tuple[int, int, str]]:
    """Edits that rewrite the tables of one row per line one cell per line: each gap of a header
    or a row becomes a line break (see the module doc)."""
    if "\t" not in text and "  " not in text:
        return []
    lines = text.split("\n")
    gaps = row_gaps(lines)
    edits: list[tuple[int, int, str]] = []
    pos = 0
    for i, line in enumerate(lines):
        edits.extend((pos + a, pos + b, "\n") for a, b in gaps.get(i, []))
        pos += len(line) + 1
    return edits
