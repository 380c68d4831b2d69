"""A parsed document: one file after read → clean → structure, and the function that makes it."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.parse import clean, formats, read, structure
from analysis.settings import ParseSettings

_DOC_ID_UNSAFE = re.compile(r"[^0-9A-Za-z_\-\u4e00-\u9fff]+")


@dataclass(frozen=True)
class ParsedDocument:
    """One document after read → clean → structure."""

    doc_id: str
    raw: read.RawDocument
    clean: clean.CleanDocument
    outline: structure.Outline
    spans: list[structure.TaskSpan]  # spans[i] is the clean-text span of tasks row i
    tasks: pd.DataFrame

    @property
    def format(self) -> str:
        """The file's format: "txt", "docx", "pdf" or "html"."""
        return self.raw.format

    @property
    def page_starts(self) -> tuple[int, ...]:
        """Offsets in the raw text where the PDF's pages begin (empty for other formats)."""
        return self.raw.page_starts

    def page_of(self, offset: int) -> int | None:
        """The 1-based PDF page holding raw-text ``offset`` (None when the file is no PDF)."""
        if not self.raw.page_starts:
            return None
        return max(1, bisect.bisect_right(self.raw.page_starts, offset))

    def tasks_with_pages(self) -> pd.DataFrame:
        """The task table; a PDF's with ``page_start``, the page each task begins on (the built
        tables keep character offsets only)."""
        if not self.page_starts:
            return self.tasks
        starts = self.tasks["char_start"].to_numpy()
        return self.tasks.assign(page_start=np.maximum(1, np.searchsorted(self.page_starts, starts, side="right")))

    def printed_matter(self) -> list[str]:
        """The paragraphs around the plan's blocks: front matter, then back matter."""
        return [self.clean.text[s:e] for s, e in self.outline.front_matter + self.outline.back_matter]


def doc_id_for(path: Path | str) -> str:
    """A document id from a file name (for files outside the manifest)."""
    return _DOC_ID_UNSAFE.sub("_", Path(path).stem).strip("_") or "document"


def parse_document(
    path: Path | str, doc_id: str | None = None, settings: ParseSettings | None = None
) -> ParsedDocument:
    """Read a plan file of any supported format (.txt, .docx, .pdf, .html: chosen by content, see
    :mod:`analysis.parse.formats`), then clean and structure it. The entry point for a notebook:
    without ``settings`` it parses with the defaults; the pipeline passes the build's."""
    settings = settings or ParseSettings()
    return parse_raw(formats.read_plan(path, settings), doc_id or doc_id_for(path), settings)


def parse_raw(raw: read.RawDocument, doc_id: str, settings: ParseSettings) -> ParsedDocument:
    """Clean and structure an already decoded document."""
    cleaned = clean.clean(raw.text, settings)
    outline = structure.parse_blocks(cleaned, settings)
    spans = structure.task_spans(cleaned, outline)
    return ParsedDocument(doc_id, raw, cleaned, outline, spans, structure.tasks_table(cleaned, doc_id, settings, spans))
