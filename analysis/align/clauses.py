"""The clauses of a plan's tasks: the sub-actions that alignment matches one by one."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.parse.document import ParsedDocument
from analysis.text.attribution import find_attributions

CLAUSE_COLUMNS = ["doc_id", "task_id", "clause_no", "text", "char_start", "char_end"]
CLAUSE_END = re.compile(r"[。;!?]")
WORD_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%.]+")
_SPACES = re.compile(r"\s+")


def task_clauses(doc: ParsedDocument) -> pd.DataFrame:
    """The clauses of every task, in task order: sentences split on 。 and ;, and at attribution
    brackets (which are dropped). ``clause_no`` counts from 0 (the heading sentence) within its
    task; ``raw[char_start:char_end]`` is the clause's source span."""
    columns: dict[str, list] = {name: [] for name in CLAUSE_COLUMNS}
    text = doc.clean.text
    for task_id, span in zip(doc.tasks["task_id"], doc.spans):
        body = text[span.content_start : span.end]
        cuts = [0]
        for attribution in find_attributions(body):
            cuts += [attribution.start, attribution.end]
        cuts.append(len(body))
        pieces = []
        for piece_start, piece_end in zip(cuts[::2], cuts[1::2]):
            start = piece_start
            for m in CLAUSE_END.finditer(body, piece_start, piece_end):
                pieces.append((start, m.end()))
                start = m.end()
            pieces.append((start, piece_end))
        number = 0
        for start, end in pieces:
            clause = _clause(doc, span.content_start + start, span.content_start + end)
            if clause:
                for name, value in zip(
                    ("task_id", "clause_no", "text", "char_start", "char_end"), (task_id, number, *clause)
                ):
                    columns[name].append(value)
                number += 1
    columns["doc_id"] = [doc.doc_id] * len(columns["task_id"])
    return pd.DataFrame(
        {
            name: np.array(values, dtype=np.int64) if name in ("clause_no", "char_start", "char_end") else values
            for name, values in columns.items()
        },
        columns=CLAUSE_COLUMNS,
    )


def _clause(doc: ParsedDocument, start: int, end: int) -> tuple[str, int, int] | None:
    """The clause ``clean[start:end]`` trimmed of punctuation, with its raw span, or None if it
    has no words."""
    piece = doc.clean.text[start:end]
    trimmed = piece.strip(" \n\t,.:;。、")
    if not WORD_RUN.search(trimmed):
        return None
    first = start + piece.index(trimmed)
    return (_SPACES.sub("", trimmed), *doc.clean.raw_span(first, first + len(trimmed)))
