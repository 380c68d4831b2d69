"""Topics: the themes of environmental work (water, air, soil, climate, enforcement, party
building …), each known by the words the field writes it with; what a text is about, as counts.

No Chinese embedding model can be installed here, so meaning comes from a written-down lexicon,
``lexicon/topics.csv``: one row per topic (``topic`` id, ``name_zh``, ``name_en``, ``terms``
``|``-separated). The terms are the field's general vocabulary (水质, 排污口, 断面 for water;
PM2.5, 扬尘 for air; 党风廉政, 干部 for organisation …), not any plan's sentences; a user adds a
term to a row, or a row for a new topic. A term may belong to several topics. Terms are found as
substrings of the clean text, longest first and without overlap (农村生活污水 counts once, for
its topics, not again as 污水).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from analysis.errors import UserError
from analysis.settings import TOPIC_LEXICON_PATH
from analysis.storage import read_checked_csv

TOPIC_COLUMNS = ["topic", "name_zh", "name_en", "terms"]
_TOPIC_ID = re.compile(r"[a-z][a-z0-9_]*")
# Terms are words of the clean (width-normalised) text: Chinese, letters, digits, and . + of PM2.5, 4+6.
_TERM = re.compile(r"[\u4e00-\u9fffA-Za-z0-9.+]+")


@dataclass(frozen=True, eq=False)
class TopicLexicon:
    """The topics of a lexicon and their terms (``terms[k]`` belongs to ``term_topics[k]``)."""

    topics: tuple[str, ...]
    names_zh: tuple[str, ...]
    names_en: tuple[str, ...]
    terms: tuple[str, ...]
    term_topics: tuple[tuple[int, ...], ...]
    pattern: re.Pattern = field(init=False, repr=False)
    incidence: sparse.csr_matrix = field(init=False, repr=False)  # terms × topics, 0/1

    def __post_init__(self) -> None:
        ordered = sorted(self.terms, key=lambda t: (-len(t), t))
        pattern = "|".join(re.escape(t) for t in ordered) or r"(?!)"
        rows = np.repeat(np.arange(len(self.terms)), [len(t) for t in self.term_topics])
        cols = np.array([k for topics in self.term_topics for k in topics], dtype=np.int64)
        incidence = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(self.terms), len(self.topics)))
        object.__setattr__(self, "pattern", re.compile(pattern))
        object.__setattr__(self, "incidence", incidence)

    def term_counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """How often each text holds each term (texts × terms): one scan of all texts joined."""
        joined = "\n".join(texts)
        starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]]) if texts else np.zeros(0, dtype=np.int64)
        number = {term: k for k, term in enumerate(self.terms)}
        found = [(m.start(), number[m.group()]) for m in self.pattern.finditer(joined)]
        at = np.array([position for position, _ in found], dtype=np.int64)
        term = np.array([k for _, k in found], dtype=np.int64)
        row = np.searchsorted(starts, at, side="right") - 1
        return sparse.csr_matrix((np.ones(len(term)), (row, term)), shape=(len(texts), len(self.terms)))

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """How many of each topic's terms each text holds (texts × topics; a term found twice
        counts twice)."""
        return (self.term_counts(texts) @ self.incidence).tocsr()

    def topics_of(self, text: str) -> list[str]:
        """The topics ``text`` touches, in the lexicon's order."""
        return [self.topics[k] for k in sorted(self.counts([text]).indices.tolist())]


def load_topics(path: Path | str = TOPIC_LEXICON_PATH) -> TopicLexicon:
    """The topic lexicon at ``path``; a clear error naming the line of a bad row."""
    frame = read_checked_csv(path, TOPIC_COLUMNS, "topic lexicon")
    topics: list[str] = []
    term_topics: dict[str, list[int]] = {}
    for line, row in enumerate(frame.to_dict("records"), start=2):
        topic = row["topic"]
        if not _TOPIC_ID.fullmatch(topic) or topic in topics:
            raise UserError(path, f"line {line}: topic id {topic!r} must be new, lower case a-z, 0-9 and _")
        terms = [t.strip() for t in row["terms"].split("|")]
        bad = [t for t in terms if not _TERM.fullmatch(t)]
        if bad:
            raise UserError(path, f"line {line}: term {bad[0]!r} is empty or holds punctuation or spaces")
        if len(set(terms)) < len(terms):
            raise UserError(path, f"line {line}: a term is listed twice in topic {topic!r}")
        for term in terms:
            term_topics.setdefault(term, []).append(len(topics))
        topics.append(topic)
    return TopicLexicon(
        tuple(topics),
        tuple(frame["name_zh"]),
        tuple(frame["name_en"]),
        tuple(term_topics),
        tuple(tuple(found) for found in term_topics.values()),
    )
