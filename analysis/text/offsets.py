"""Line numbers of offsets into a raw text: a line ends at LF, CRLF or a lone CR (old Mac files
and some Word exports), so every table gives the same ``line_start`` whatever the line ends."""

from __future__ import annotations

import re

import numpy as np

_LINE_END = re.compile("\r\n?|\n")


class LineIndex:
    """1-based line numbers of offsets into ``raw``."""

    def __init__(self, raw: str):
        self._starts = np.array([0] + [m.end() for m in _LINE_END.finditer(raw)], dtype=np.int64)

    def line_of(self, offset: int) -> int:
        return int(np.searchsorted(self._starts, offset, side="right"))
