"""Word segmentation: jieba behind one small interface, loaded once, with a domain dictionary.

jieba's default dictionary splits policy terms (农村生活污水治理率 → 农村/生活/污水/治理/率) and
unit abbreviations; the domain dictionary (``lexicon/domain_terms.txt`` plus the indicator
lexicon's names and aliases, if present) keeps them whole. jieba is slow to load (~1 s), so it
is loaded on first use only, once per process, with its logger silenced.
"""
from __future__ import annotations

import csv
import logging
import re
import threading
import warnings
from functools import lru_cache
from typing import Iterable

from analysis.settings import LEXICON_DIR

DOMAIN_TERMS = LEXICON_DIR / "domain_terms.txt"
INDICATOR_LEXICON = LEXICON_DIR / "indicators.csv"
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
_TERM_FREQUENCY = 200_000  # high enough that a domain term wins over its parts
_lock = threading.Lock()


def domain_terms() -> list[str]:
    """The curated terms and, when the lexicon exists, every indicator name and alias."""
    terms = [
        line.strip()
        for line in DOMAIN_TERMS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if INDICATOR_LEXICON.is_file():
        with INDICATOR_LEXICON.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                terms.append(row.get("name_zh", ""))
                terms.extend((row.get("aliases") or "").split("|"))
    # entries containing punctuation never match in jieba: keep only clean terms
    return sorted({t for t in terms if t and not _PUNCTUATION.search(t)})


@lru_cache(maxsize=1)
def _tokenizer():
    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba imports pkg_resources, which warns
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for term in domain_terms():
            tokenizer.add_word(term, freq=_TERM_FREQUENCY)
        return tokenizer


def add_terms(terms: Iterable[str]) -> None:
    """Teach the segmenter more whole words (e.g. unit names found in a corpus)."""
    tokenizer = _tokenizer()
    for term in terms:
        if term and not _PUNCTUATION.search(term):
            tokenizer.add_word(term, freq=_TERM_FREQUENCY)
    tokens.cache_clear()


@lru_cache(maxsize=65_536)
def tokens(text: str) -> tuple[str, ...]:
    """Words of a text, punctuation and whitespace dropped."""
    return tuple(w for w in _tokenizer().lcut(text) if not _PUNCTUATION.fullmatch(w))


def token_string(text: str) -> str:
    """Words joined by spaces, the form rapidfuzz's ``token_*`` scorers split on."""
    return " ".join(tokens(text))
