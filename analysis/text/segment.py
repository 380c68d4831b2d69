"""Word segmentation: jieba behind one small interface, loaded once, with a domain dictionary.

jieba's default dictionary splits policy terms (农村生活污水治理率 → 农村/生活/污水/治理/率) and
unit abbreviations; the domain dictionary (``lexicon/domain_terms.txt`` plus the indicator
lexicon's names and aliases, if present) keeps them whole. jieba is slow to load (~1 s), so it
is loaded on first use only, once per process, with its logger silenced.

Documents bring their own vocabulary: unit names from the attribution columns, quoted policy
terms (“三湖一库”) and enumerated place names (洪湖、梁子湖、斧头湖). :func:`corpus_terms` finds
them; :func:`index_terms` (the terms texts are matched on) adds those a text contains, for that
call only, so a comparison's result depends only on the texts compared
(:func:`vocabulary_hits` finds them in many texts at once). Policy boilerplate (持续, 深入, 推进,
加强 …) is not deleted but weighted down: :func:`idf_weights` gives every word its inverse
document frequency over the tasks being compared, further scaled for the boilerplate cue list.

jieba cuts a text into runs of word characters and segments each run on its own; runs recur
(plans copy sentences from their parents and predecessors, a task's clauses are pieces of its
text), so each run is segmented once per process.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.settings import LEXICON_DIR

DOMAIN_TERMS = LEXICON_DIR / "domain_terms.txt"
INDICATOR_LEXICON = LEXICON_DIR / "indicators.csv"
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)
# jieba's own unit of segmentation (``jieba.re_han_default``): a run of these characters.
_JIEBA_RUN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.UNICODE)
_TERM_FREQUENCY = 200_000  # high enough that a domain term wins over its parts
_lock = threading.Lock()

# Words that say how hard, not what (every plan uses them, whatever the task), and function
# words: weighted down, never deleted.
BOILERPLATE_WORDS = frozenset(
    [
        "持续",
        "深入",
        "推进",
        "加强",
        "加快",
        "强化",
        "全面",
        "积极",
        "扎实",
        "深化",
        "推动",
        "开展",
        "进一步",
        "不断",
        "切实",
        "大力",
        "着力",
        "坚持",
        "坚决",
        "健全",
        "完善",
        "提升",
        "做好",
        "抓好",
        "落实",
        "组织",
        "实施",
        "有序",
        "稳步",
        "常态化",
        "工作",
        "建设",
        "相关",
        "各项",
        "重点",
        "全省",
        "全市",
        "我市",
        "我省",
        "确保",
        "力争",
        "努力",
        "有效",
        "继续",
        "统筹",
        "协同",
        "扎实推进",
        "持续推进",
        "深入推进",
        "加快推进",
        "大力推进",
        "积极推进",
        "的",
        "和",
        "与",
        "及",
        "等",
        "了",
        "在",
        "对",
        "为",
        "以",
        "并",
        "其",
        "之",
        "将",
        "由",
        "把",
        "从",
        "向",
        "个",
        "各",
        "年",
        "好",
        "打",
    ]
)
# A quoted term (“三湖一库”, 《条例》 titles excluded: they are long and rarely shared verbatim).
_QUOTED = re.compile(r"[“\"‘]([\u4e00-\u9fffA-Za-z0-9+]{2,12})[”\"’]")
# A place name inside an enumeration: bounded by 、 on the left and 、/等/和/及 on the right.
_ENUMERATED_PLACE = re.compile(r"(?<=、)([\u4e00-\u9fff]{1,4}(?:省|市|州|县|区|湖|河|江|港|库|山))(?=[、等和及])")
JOINT = "会同"  # X会同A、B: X leads, together with A and B


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
    return _clean_terms(terms)


def _clean_terms(terms: Iterable[str]) -> list[str]:
    # entries containing punctuation never match in jieba: keep only clean terms
    return sorted({t for t in terms if t and not _PUNCTUATION.search(t)})


def unit_names(cell: str) -> list[str]:
    """The units of a ``;``-separated units cell; ``X会同A、B`` names X, A and B."""
    names = []
    for unit in cell.split(";"):
        leader, _, partners = unit.partition(JOINT)
        names += [leader] + (partners.split("、") if partners else [])
    return [name.strip() for name in names if name.strip()]


def corpus_terms(tasks: pd.DataFrame) -> list[str]:
    """Whole words a task table brings: its unit names, quoted terms and enumerated places."""
    units = [u for column in ("lead_units", "responsible_units") for cell in tasks[column] for u in unit_names(cell)]
    texts = list(tasks["text"])
    quoted = [m.group(1) for text in texts for m in _QUOTED.finditer(text)]
    places = [m.group(1) for text in texts for m in _ENUMERATED_PLACE.finditer(text)]
    return _clean_terms(t.strip() for t in units + quoted + places if len(t.strip()) >= 2)


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


@lru_cache(maxsize=65_536)
def tokens(text: str) -> tuple[str, ...]:
    """Words of a text, punctuation and whitespace dropped: jieba's ``lcut``, run by run (jieba
    segments each run of word characters on its own), each run segmented once per process."""
    return tuple(
        word
        for k, piece in enumerate(_JIEBA_RUN.split(text))
        for word in (_run_tokens(piece) if k % 2 else _other_characters(piece))
    )


@lru_cache(maxsize=262_144)
def _run_tokens(run: str) -> tuple[str, ...]:
    return tuple(w for w in _tokenizer().lcut(run) if not _PUNCTUATION.fullmatch(w))


@lru_cache(maxsize=65_536)
def _other_characters(piece: str) -> tuple[str, ...]:
    """What jieba makes of the text between runs: each character a word, punctuation dropped (the
    same few pieces recur: cached)."""
    return tuple(c for c in piece if not _PUNCTUATION.fullmatch(c))


def token_string(text: str) -> str:
    """Words joined by spaces, the form rapidfuzz's ``token_*`` scorers split on."""
    return " ".join(tokens(text))


@lru_cache(maxsize=65_536)
def _search_words(text: str) -> tuple[str, ...]:
    return tuple(word for run in search_word_runs(text) for word in run)


def search_word_runs(text: str) -> list[tuple[str, ...]]:
    """jieba's search-mode words of ``text``, run by run: each run of word characters segmented
    on its own (as jieba does); any other character is a word of its own unless it is punctuation."""
    runs = []
    for k, piece in enumerate(_JIEBA_RUN.split(text)):
        words = _run_words(piece) if k % 2 else _other_characters(piece)
        if words:
            runs.append(words)
    return runs


@lru_cache(maxsize=262_144)
def _run_words(run: str) -> tuple[str, ...]:
    return tuple(w for w in _tokenizer().lcut_for_search(run) if not _PUNCTUATION.fullmatch(w))


def vocabulary_hits(texts: Sequence[str], vocabulary: Iterable[str]) -> list[tuple[int, str]]:
    """``(i, term)`` for every ``vocabulary`` term that ``texts[i]`` contains, by term, then i.

    One scan per term over all texts at once (terms hold no punctuation, so none spans two
    texts joined by a line break).
    """
    starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]]).tolist() if texts else []
    joined = "\n".join(texts)
    hits: list[tuple[int, str]] = []
    for term in sorted(vocabulary):
        found: list[int] = []
        at = joined.find(term)
        while at >= 0:
            i = bisect_right(starts, at) - 1
            found.append(i)
            at = joined.find(term, starts[i + 1]) if i + 1 < len(starts) else -1
        hits.extend((i, term) for i in found)
    return hits


def index_terms(text: str, vocabulary: Iterable[str] = frozenset()) -> tuple[str, ...]:
    """Terms for matching texts: jieba's words and the dictionary words inside the longer ones
    (search mode: 农村生活污水治理率 also gives 农村, 污水, 治理 …), plus the ``vocabulary``
    terms the text contains.

    A longer dictionary word adds a term and never hides its parts, so matching does not hinge
    on how coarse the dictionary is (an indicator lexicon may add long names); ``vocabulary``
    counts for this call only.
    """
    words = _search_words(text)
    present = set(words)
    return words + tuple(term for _, term in vocabulary_hits([text], vocabulary) if term not in present)


def smoothed_idf(frequency: np.ndarray, n_documents: int) -> np.ndarray:
    """Smoothed inverse document frequency of features found in ``frequency[i]`` of ``n_documents``
    documents: a feature in every document weighs 1, a feature in one of N weighs ``1 + ln(N)``
    (about)."""
    return 1.0 + np.log((1 + n_documents) / (1 + np.asarray(frequency, dtype=np.float64)))


def idf_weights(
    document_frequency: np.ndarray, n_documents: int, boilerplate: np.ndarray, boilerplate_weight: float
) -> np.ndarray:
    """:func:`smoothed_idf` of words (e.g. over the tasks being compared), boilerplate words
    scaled by ``boilerplate_weight``."""
    return smoothed_idf(document_frequency, n_documents) * np.where(boilerplate, boilerplate_weight, 1.0)
