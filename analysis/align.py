"""Task alignment: which tasks of a later (or lower-level) plan continue which tasks of an earlier
(or higher-level) plan.

The *source* plan (the earlier year, or the parent level) is compared with a *target* plan.
Each task is first paired with its most similar tasks on the other side (blocking: the
``CANDIDATES_PER_TASK`` best by character n-gram cosine, in both directions), and every
candidate pair gets signals, each in [0, 1]:

- ``chars``: cosine of character 2–3-gram TF-IDF vectors (IDF over the tasks being compared);
- ``words``: cosine of word TF-IDF vectors (jieba search-mode terms; boilerplate weighted down);
- ``fuzzy``: rapidfuzz ``token_set_ratio`` of the space-joined words;
- ``clauses``: similarity of the best-matching clause pair (one sub-action carried over);
- ``coverage``: share of the smaller task's clauses (by length) that find a match in the other;
- ``units``: cosine of the lead/responsible unit stems (province 水处 ↔ city 水科 share 水);
- ``indicators``: overlap of the quantitative indicators both tasks set targets for (optional);
- ``context``: cosine of the part and section titles the tasks sit under.

They are combined into one ``score``, the weighted mean of ``settings.ALIGNMENT_WEIGHTS`` over
the signals measured for the pair: a signal that cannot be measured (no units printed, no
indicators known) is left out rather than counted as a mismatch.

Decisions are many-to-many (``decide``). A link needs a score of at least ``link_min``.
``same`` links are one-to-one (the successor / the implementation; a merge or split keeps one
``same``): the pairs of the maximum-weight assignment. Any other pair is ``partial`` when its
score is at least ``partial_ratio`` of the best score of one of its two tasks (a real, if
smaller, overlap next to that task's main link). Tasks left without a link get a row
of their own: ``new``/``dropped`` across years, ``local``/``not_cascaded`` across levels.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from analysis import segment
from analysis.attribution import find_attributions
from analysis.settings import (
    ALIGNMENT_THRESHOLDS,
    ALIGNMENT_WEIGHTS,
    CANDIDATES_PER_TASK,
    CLAUSE_MATCH_MIN,
    EVIDENCE_TERMS,
    HEADING_PAIR_WEIGHT,
)

if TYPE_CHECKING:
    from analysis.pipeline import ParsedDocument

KINDS = ("year", "level")
UNLINKED = {  # kind → (relation of an unmatched source task, of an unmatched target task)
    "year": ("dropped", "new"),
    "level": ("not_cascaded", "local"),
}
LINKS = ("same", "partial")
SIGNALS = ("chars", "words", "fuzzy", "clauses", "coverage", "units", "indicators", "context")
ALIGNMENT_COLUMNS = ["source_doc", "source_task_id", "target_doc", "target_task_id", "score", "relation", "evidence"]
TASK_DETAIL_COLUMNS = [
    "source_doc", "source_task_id", "source_heading", "source_char_start", "source_char_end",
    "target_doc", "target_task_id", "target_heading", "target_char_start", "target_char_end",
    "score", "relation", "evidence",
]
CLAUSE_COLUMNS = ["doc_id", "task_id", "clause_no", "text", "char_start", "char_end"]
PAIR_COLUMNS = ["source_index", "target_index", "source_task_id", "target_task_id", *SIGNALS, "score",
                "source_clause", "target_clause", "relation"]
CLAUSE_MATCH_COLUMNS = [
    "source_doc", "source_task_id", "source_clause_no", "source_clause", "source_char_start", "source_char_end",
    "target_doc", "target_task_id", "target_clause_no", "target_clause", "target_char_start", "target_char_end",
    "relation", "score",
]

_PARALLEL_PAIRS = 20_000  # below this many pairs, threads cost more than they save
_CLAUSE_END = re.compile(r"[。;!?]")
_WORD_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%.]+")
_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))")
_SPACES = re.compile(r"\s+")
# Units named for everyone (各市、州…局, 局系统相关单位, 厅机关各处室): no evidence of a shared task.
_GENERIC_UNIT = re.compile(r"^(各|相关|有关|局系统|厅机关|机关各|市直|区直)")
# Endings of unit names, longest first: what is left is the unit's stem (水处 / 水科 → 水).
UNIT_ENDINGS = ("中心站", "分局", "支队", "大队", "中心", "处室", "处", "科", "局", "站", "室", "办", "委", "院", "队", "所")
_UNIT_LEVEL_PREFIX = re.compile(r"^(省|市|区|县)")


# --- clauses ------------------------------------------------------------------------------------


def task_clauses(doc: "ParsedDocument") -> pd.DataFrame:
    """The clauses of every task, in task order: sentences split on 。 and ;, and at attribution
    brackets (which are dropped). ``clause_no`` counts from 0 (the heading sentence) within its
    task; ``raw[char_start:char_end]`` is the clause's source span."""
    rows: list[dict] = []
    text = doc.clean.text
    for task_id, span in zip(doc.tasks["task_id"], doc.spans):
        body = text[span.content_start:span.end]
        cuts = [0]
        for attribution in find_attributions(body):
            cuts += [attribution.start, attribution.end]
        cuts.append(len(body))
        pieces = []
        for piece_start, piece_end in zip(cuts[::2], cuts[1::2]):
            start = piece_start
            for m in _CLAUSE_END.finditer(body, piece_start, piece_end):
                pieces.append((start, m.end()))
                start = m.end()
            pieces.append((start, piece_end))
        number = 0
        for start, end in pieces:
            clause = _clause_row(doc, task_id, span.content_start + start, span.content_start + end)
            if clause:
                rows.append({**clause, "clause_no": number})
                number += 1
    frame = pd.DataFrame(rows, columns=CLAUSE_COLUMNS)
    return frame.astype({"clause_no": "int64", "char_start": "int64", "char_end": "int64"})


def _clause_row(doc: "ParsedDocument", task_id: str, start: int, end: int) -> dict | None:
    """The clause ``clean[start:end]`` trimmed of punctuation, or None if it has no words."""
    piece = doc.clean.text[start:end]
    trimmed = piece.strip(" \n\t,.:;。、")
    if not _WORD_RUN.search(trimmed):
        return None
    first = start + piece.index(trimmed)
    char_start, char_end = doc.clean.raw_span(first, first + len(trimmed))
    return {"doc_id": doc.doc_id, "task_id": task_id, "text": _SPACES.sub("", trimmed),
            "char_start": char_start, "char_end": char_end}


# --- features -----------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> Counter:
    """Character n-grams inside runs of word characters (never across punctuation).

    Cached (a plan's texts recur in every comparison it takes part in): read, do not modify.
    """
    grams: Counter = Counter()
    for run in _WORD_RUN.findall(text):
        for n in sizes:
            grams.update(run[i:i + n] for i in range(len(run) - n + 1))
    return grams


def unit_stem(unit: str) -> str:
    """The stem of a unit name: 水处 → 水, 固废科 → 固废, 人事教育科 → 人事教育, 执法支队 → 执法.

    A name that is only an ending (支队) has no stem.
    """
    stem = _UNIT_LEVEL_PREFIX.sub("", unit.strip())
    for ending in UNIT_ENDINGS:
        if stem.endswith(ending):
            return stem[: -len(ending)]
    return stem


def unit_features(lead_units: str, responsible_units: str) -> Counter:
    """Stem and first-character features of a task's named (non-generic) units.

    Units of different levels share a stem (水处 ↔ 水科) or its first character (土壤处 ↔ 土科,
    固体处 ↔ 固废科); a full stem match shares two features, a head match one.
    """
    features: Counter = Counter()
    for unit in segment.unit_names(f"{lead_units};{responsible_units}"):
        if _GENERIC_UNIT.match(unit):
            continue
        stem = unit_stem(unit)
        if stem:
            features[f"stem:{stem}"] = 1
            features[f"head:{stem[0]}"] = 1
    return features


def context_of(tasks: pd.DataFrame) -> list[str]:
    """Part and section titles of each task, markers removed."""
    return [
        f"{_MARKER.sub('', str(part))} {_MARKER.sub('', str(section))}".strip()
        for part, section in zip(tasks["part_title"], tasks["section_title"])
    ]


def tfidf(features: Sequence[Counter], idf: dict[str, float] | None = None) -> sparse.csr_matrix:
    """L2-normalised rows of sublinear TF × IDF, one row per Counter of ``features``.

    The IDF is smoothed over ``features`` themselves unless ``idf`` gives it (features it does
    not list weigh 1).
    """
    vocabulary = {f: i for i, f in enumerate(sorted({f for counts in features for f in counts}))}
    sizes = np.fromiter((len(counts) for counts in features), dtype=np.int64, count=len(features))
    rows = np.repeat(np.arange(len(features)), sizes)
    cols = np.fromiter((vocabulary[f] for counts in features for f in counts), dtype=np.int64, count=int(sizes.sum()))
    counts = np.fromiter((c for counts in features for c in counts.values()), dtype=np.float64, count=int(sizes.sum()))
    values = 1.0 + np.log(counts)
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(features), len(vocabulary)), dtype=np.float64)
    if idf is None:
        document_frequency = np.bincount(cols, minlength=len(vocabulary))
        weights = 1.0 + np.log((1 + len(features)) / (1 + document_frequency))
    else:
        weights = np.array([idf.get(f, 1.0) for f in vocabulary], dtype=np.float64)
    matrix = sparse.csr_matrix(matrix @ sparse.diags(weights))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def paired_tfidf(left: Sequence[Counter], right: Sequence[Counter], idf: dict[str, float] | None = None
                 ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """TF-IDF rows of two lists fitted together (the IDF is over both sides)."""
    matrix = tfidf(list(left) + list(right), idf)
    return matrix[: len(left)], matrix[len(left):]


def row_dot(left: sparse.csr_matrix, right: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``left[rows[i]] · right[cols[i]]`` for every i, clipped to [0, 1] (cosines of unit rows)."""
    if len(rows) == 0:
        return np.zeros(0)
    return np.clip(np.asarray(left[rows].multiply(right[cols]).sum(axis=1)).ravel(), 0.0, 1.0)


# --- the comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Two task tables and their clauses, compared source → target; optional indicator links
    (a frame with at least ``doc_id, task_id, indicator_id``, e.g. the targets table)."""

    source: pd.DataFrame
    target: pd.DataFrame
    source_clauses: pd.DataFrame
    target_clauses: pd.DataFrame
    indicators: pd.DataFrame | None = None

    @classmethod
    def of(cls, source: "ParsedDocument", target: "ParsedDocument", indicators: pd.DataFrame | None = None) -> "Comparison":
        return cls(source.tasks, target.tasks, task_clauses(source), task_clauses(target), indicators)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Whole words both task tables bring (units, quoted terms, places)."""
        return frozenset(segment.corpus_terms(pd.concat([self.source, self.target])))

    @cached_property
    def words(self) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        return ([segment.index_terms(t, self.vocabulary) for t in self.source["text"]],
                [segment.index_terms(t, self.vocabulary) for t in self.target["text"]])

    @cached_property
    def clause_vectors(self) -> tuple[tuple[sparse.csr_matrix, sparse.csr_matrix], ...]:
        """Character and word TF-IDF rows of both sides' clauses."""
        src, tgt = self.source_clauses["text"], self.target_clauses["text"]
        return (paired_tfidf([char_ngrams(t) for t in src], [char_ngrams(t) for t in tgt]),
                paired_tfidf([Counter(segment.index_terms(t, self.vocabulary)) for t in src],
                             [Counter(segment.index_terms(t, self.vocabulary)) for t in tgt], self.idf))

    @cached_property
    def idf(self) -> dict[str, float]:
        """Word weights over the tasks being compared (boilerplate weighted down)."""
        source, target = self.words
        return segment.idf_weights(source + target)


def candidate_pairs(left: sparse.csr_matrix, right: sparse.csr_matrix, k: int = CANDIDATES_PER_TASK,
                    chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the pairs among each row's and each column's ``k`` best.

    Computed in chunks of rows, so memory stays bounded for large plans; sorted by (row, col).
    """
    n_left, n_right = left.shape[0], right.shape[0]
    if n_left == 0 or n_right == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    found: list[np.ndarray] = []
    for a, b, flip in ((left, right, False), (right, left, True)):
        keep = min(k, b.shape[0])
        for start in range(0, a.shape[0], chunk):
            block = (a[start:start + chunk] @ b.T).toarray()
            best = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
            own = np.repeat(np.arange(start, start + block.shape[0]), keep)
            other = best.ravel()
            found.append(np.c_[other, own] if flip else np.c_[own, other])
    pairs = np.unique(np.concatenate(found), axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def _block_starts(counts: np.ndarray) -> np.ndarray:
    return np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)


def _clause_similarity(vectors: tuple[tuple[sparse.csr_matrix, sparse.csr_matrix], ...], i: np.ndarray, j: np.ndarray,
                       chunk: int = 200_000) -> np.ndarray:
    """Similarity of source clauses ``i`` and target clauses ``j``: mean of the two cosines
    (computed in chunks of pairs, so memory stays bounded for large plans)."""
    parts = [sum(row_dot(*pair, i[k:k + chunk], j[k:k + chunk]) for pair in vectors) / len(vectors)
             for k in range(0, len(i), chunk)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _clause_signals(comparison: Comparison, rows: np.ndarray, cols: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each candidate pair: best clause-pair similarity, coverage, and the best pair's clause rows.

    Clause similarity is the mean of the character and word TF-IDF cosines; a heading matched
    with a heading counts ``HEADING_PAIR_WEIGHT`` of it (headings can mislead). Coverage is the
    length-weighted share of the smaller task's clauses matched by a clause of the other task
    (soft recall: one moved sub-action covers little of a big task, a successor most of it).
    """
    src, tgt = comparison.source_clauses, comparison.target_clauses
    n_pairs = len(rows)
    best = np.zeros(n_pairs)
    coverage = np.zeros(n_pairs)
    best_source = np.full(n_pairs, -1, dtype=np.int64)
    best_target = np.full(n_pairs, -1, dtype=np.int64)
    src_task = pd.Categorical(src["task_id"], categories=comparison.source["task_id"]).codes
    tgt_task = pd.Categorical(tgt["task_id"], categories=comparison.target["task_id"]).codes
    src_count = np.bincount(src_task[src_task >= 0], minlength=len(comparison.source))
    tgt_count = np.bincount(tgt_task[tgt_task >= 0], minlength=len(comparison.target))
    sizes = src_count[rows] * tgt_count[cols]
    if n_pairs == 0 or sizes.sum() == 0:
        return best, coverage, best_source, best_target
    vectors = comparison.clause_vectors
    # every clause pair of every candidate task pair, source clause major
    pair_of = np.repeat(np.arange(n_pairs), sizes)
    offset = np.arange(sizes.sum()) - np.repeat(_block_starts(sizes), sizes)
    width = tgt_count[cols][pair_of]
    i = _block_starts(src_count)[rows][pair_of] + offset // width
    j = _block_starts(tgt_count)[cols][pair_of] + offset % width
    similarity = _clause_similarity(vectors, i, j)
    # similar headings with different substance: heading ↔ heading counts less (unless a task is
    # its heading alone)
    heading_pair = ((src["clause_no"].to_numpy()[i] == 0) & (tgt["clause_no"].to_numpy()[j] == 0)
                    & (src_count[rows][pair_of] > 1) & (tgt_count[cols][pair_of] > 1))
    similarity[heading_pair] *= HEADING_PAIR_WEIGHT
    measured = np.flatnonzero(sizes > 0)
    block = _block_starts(sizes)[measured]
    best[measured] = np.maximum.reduceat(similarity, block)
    hits = np.flatnonzero(similarity == best[pair_of])
    first_pairs, first = np.unique(pair_of[hits], return_index=True)
    best_source[first_pairs], best_target[first_pairs] = i[hits[first]], j[hits[first]]
    # coverage, source side: each source clause's best match in the target task
    src_len = src["text"].str.len().to_numpy(dtype=float)
    tgt_len = tgt["text"].str.len().to_numpy(dtype=float)
    covered_source = _covered(pair_of, i, similarity, src_len, n_pairs)
    order = np.lexsort((i, j, pair_of))  # target clause major within each pair
    covered_target = _covered(pair_of[order], j[order], similarity[order], tgt_len, n_pairs)
    size_source = np.bincount(src_task, src_len, len(comparison.source))[rows]
    size_target = np.bincount(tgt_task, tgt_len, len(comparison.target))[cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        of_source, of_target = covered_source / size_source, covered_target / size_target
        # the smaller task's coverage; on equal sizes the larger of the two (so it is symmetric)
        coverage = np.where(size_source < size_target, of_source,
                            np.where(size_source > size_target, of_target, np.fmax(of_source, of_target)))
    return best, np.nan_to_num(np.clip(coverage, 0.0, 1.0)), best_source, best_target


def _covered(pair_of: np.ndarray, clause: np.ndarray, similarity: np.ndarray, length: np.ndarray,
             n_pairs: int) -> np.ndarray:
    """Per pair, the length-weighted sum of each clause's best similarity on the other side.

    Rows come grouped by (pair, clause) with the other side's clauses varying fastest.
    """
    starts = np.flatnonzero(np.r_[True, (pair_of[1:] != pair_of[:-1]) | (clause[1:] != clause[:-1])])
    best = np.maximum.reduceat(similarity, starts)
    return np.bincount(pair_of[starts], best * length[clause[starts]], n_pairs)


def _indicator_signal(comparison: Comparison, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Overlap coefficient of the pair's indicator sets; NaN where either task has none."""
    result = np.full(len(rows), np.nan)
    frame = comparison.indicators
    if frame is None or frame.empty:
        return result
    frame = frame.loc[frame["indicator_id"].notna() & (frame["indicator_id"].astype(str) != ""),
                      ["doc_id", "task_id", "indicator_id"]].astype(str)
    categories = sorted(frame["indicator_id"].unique())

    def incidence(tasks: pd.DataFrame) -> sparse.csr_matrix:
        keyed = tasks[["doc_id", "task_id"]].astype(str).reset_index(drop=True).reset_index()
        hits = frame.merge(keyed, on=["doc_id", "task_id"]).drop_duplicates(["index", "indicator_id"])
        codes = pd.Categorical(hits["indicator_id"], categories=categories).codes
        return sparse.csr_matrix((np.ones(len(hits)), (hits["index"], codes)), shape=(len(tasks), len(categories)))

    source, target = incidence(comparison.source), incidence(comparison.target)
    shared = np.asarray(source[rows].multiply(target[cols]).sum(axis=1)).ravel()
    smaller = np.minimum(np.asarray(source.sum(axis=1)).ravel()[rows], np.asarray(target.sum(axis=1)).ravel()[cols])
    measured = smaller > 0
    result[measured] = shared[measured] / smaller[measured]
    return result


def pair_signals(comparison: Comparison, weights: dict[str, float] = ALIGNMENT_WEIGHTS) -> pd.DataFrame:
    """Every candidate pair with its signals (NaN where not measurable) and combined ``score``.

    ``source_clause``/``target_clause`` are the row numbers (in the clause tables) of the pair's
    best-matching clauses, -1 where a task has none.
    """
    source, target = comparison.source, comparison.target
    chars = paired_tfidf([char_ngrams(t) for t in source["text"]], [char_ngrams(t) for t in target["text"]])
    rows, cols = candidate_pairs(*chars)
    source_words, target_words = comparison.words
    words = paired_tfidf([Counter(w) for w in source_words], [Counter(w) for w in target_words], comparison.idf)
    units = paired_tfidf([unit_features(*u) for u in zip(source["lead_units"], source["responsible_units"])],
                         [unit_features(*u) for u in zip(target["lead_units"], target["responsible_units"])])
    has_units = (np.asarray(units[0].getnnz(axis=1))[rows] > 0) & (np.asarray(units[1].getnnz(axis=1))[cols] > 0)
    context = paired_tfidf([char_ngrams(t) for t in context_of(source)], [char_ngrams(t) for t in context_of(target)])
    fuzzy = process.cpdist([" ".join(source_words[r]) for r in rows], [" ".join(target_words[c]) for c in cols],
                           scorer=fuzz.token_set_ratio, dtype=np.float64,
                           workers=-1 if len(rows) > _PARALLEL_PAIRS else 1) / 100.0 if len(rows) else np.zeros(0)
    best_clause, coverage, source_clause, target_clause = _clause_signals(comparison, rows, cols)
    pairs = pd.DataFrame({
        "source_index": rows,
        "target_index": cols,
        "source_task_id": source["task_id"].to_numpy()[rows],
        "target_task_id": target["task_id"].to_numpy()[cols],
        "chars": row_dot(*chars, rows, cols),
        "words": row_dot(*words, rows, cols),
        "fuzzy": np.asarray(fuzzy, dtype=np.float64),
        "clauses": best_clause,
        "coverage": coverage,
        "units": np.where(has_units, row_dot(*units, rows, cols), np.nan),
        "indicators": _indicator_signal(comparison, rows, cols),
        "context": row_dot(*context, rows, cols),
    })
    pairs["score"] = combine(pairs, weights)
    pairs["source_clause"] = source_clause
    pairs["target_clause"] = target_clause
    pairs["relation"] = ""
    return pairs[PAIR_COLUMNS]


def combine(signals: pd.DataFrame, weights: dict[str, float] = ALIGNMENT_WEIGHTS) -> np.ndarray:
    """Weighted mean of the signals measured for each pair (a NaN signal is left out)."""
    values = signals[list(weights)].to_numpy(dtype=np.float64)
    w = np.array(list(weights.values()), dtype=np.float64)
    measured = ~np.isnan(values)
    total = np.where(measured, values, 0.0) @ w
    used = measured.astype(np.float64) @ w
    return np.round(np.divide(total, used, out=np.zeros(len(values)), where=used > 0), 6)


# --- decisions ----------------------------------------------------------------------------------


def one_to_one(pairs: pd.DataFrame, n_source: int, n_target: int) -> np.ndarray:
    """Which pairs the maximum-weight one-to-one assignment of scores picks."""
    chosen = np.zeros(len(pairs), dtype=bool)
    if pairs.empty:
        return chosen
    matrix = np.zeros((n_source, n_target))
    matrix[pairs["source_index"], pairs["target_index"]] = pairs["score"]
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    position = pd.Series(np.arange(len(pairs)), index=pd.MultiIndex.from_arrays([pairs["source_index"], pairs["target_index"]]))
    picked = position.reindex(pd.MultiIndex.from_arrays([rows, cols])).dropna().astype(int).to_numpy()
    chosen[picked] = True
    return chosen


def best_ratio(pairs: pd.DataFrame, n_source: int, n_target: int) -> np.ndarray:
    """Score of each pair relative to the best score of the weaker-linked of its two tasks."""
    score = pairs["score"].to_numpy()
    source_best = np.zeros(n_source)
    target_best = np.zeros(n_target)
    np.maximum.at(source_best, pairs["source_index"].to_numpy(), score)
    np.maximum.at(target_best, pairs["target_index"].to_numpy(), score)
    reference = np.minimum(source_best[pairs["source_index"]], target_best[pairs["target_index"]])
    return np.divide(score, reference, out=np.zeros(len(score)), where=reference > 0)


def decide(pairs: pd.DataFrame, n_source: int, n_target: int, thresholds: dict[str, float] = ALIGNMENT_THRESHOLDS,
           assigned: np.ndarray | None = None, ratio: np.ndarray | None = None) -> np.ndarray:
    """The relation of every candidate pair: ``same``, ``partial`` or ``""`` (no link).

    ``assigned`` and ``ratio`` (from :func:`one_to_one` and :func:`best_ratio`) may be passed in
    when deciding the same pairs under many thresholds.
    """
    assigned = one_to_one(pairs, n_source, n_target) if assigned is None else assigned
    ratio = best_ratio(pairs, n_source, n_target) if ratio is None else ratio
    score = pairs["score"].to_numpy()
    relation = np.full(len(pairs), "", dtype=object)
    strong = score >= thresholds["link_min"]
    relation[strong & (ratio >= thresholds["partial_ratio"])] = "partial"
    relation[strong & assigned] = "same"
    return relation


# --- output tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """The result of aligning two plans: candidate pairs, the contract table, clause matches."""

    pairs: pd.DataFrame
    alignments: pd.DataFrame
    clause_matches: pd.DataFrame


def align(comparison: Comparison, kind: str, thresholds: dict[str, float] = ALIGNMENT_THRESHOLDS,
          weights: dict[str, float] = ALIGNMENT_WEIGHTS) -> Alignment:
    """Align the source plan's tasks with the target plan's (``kind`` is ``year`` or ``level``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    pairs = pair_signals(comparison, weights)
    pairs["relation"] = decide(pairs, len(comparison.source), len(comparison.target), thresholds)
    return Alignment(pairs, alignment_table(comparison, pairs, kind), clause_matches(comparison, pairs))


def _doc_of(tasks: pd.DataFrame) -> str:
    return str(tasks["doc_id"].iloc[0]) if len(tasks) else ""


def alignment_table(comparison: Comparison, pairs: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The contract table: one row per link, and one per task left unlinked (other side empty).

    For an unlinked task, ``score`` is its best candidate's and ``evidence`` names that nearest
    candidate, so a reader sees how close it came.
    """
    source_doc, target_doc = _doc_of(comparison.source), _doc_of(comparison.target)
    linked = pairs[pairs["relation"] != ""]
    frames = [pd.DataFrame({
        "source_doc": source_doc, "source_task_id": linked["source_task_id"], "target_doc": target_doc,
        "target_task_id": linked["target_task_id"], "score": linked["score"], "relation": linked["relation"],
        "evidence": _evidence(comparison, linked),
    })]
    dropped, new = UNLINKED[kind]
    for side, tasks, index_column, relation in (("source", comparison.source, "source_index", dropped),
                                                ("target", comparison.target, "target_index", new)):
        other = "target" if side == "source" else "source"
        unlinked = np.setdiff1d(np.arange(len(tasks)), linked[index_column].to_numpy())
        nearest = (pairs.sort_values(["score", f"{other}_index"], ascending=[False, True])
                   .drop_duplicates(index_column).set_index(index_column).reindex(unlinked))
        found = nearest["score"].notna().to_numpy()
        ids = tasks["task_id"].to_numpy()[unlinked]
        frames.append(pd.DataFrame({
            "source_doc": source_doc if side == "source" else "",
            "source_task_id": ids if side == "source" else "",
            "target_doc": target_doc if side == "target" else "",
            "target_task_id": ids if side == "target" else "",
            "score": nearest["score"].fillna(0.0).to_numpy(),
            "relation": relation,
            "evidence": [f"nearest: {task} ({score:.2f})" if ok else ""
                         for task, score, ok in zip(nearest[f"{other}_task_id"], nearest["score"], found)],
        }))
    rows = [frame for frame in frames if len(frame)]
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=ALIGNMENT_COLUMNS)
    return _in_document_order(table[ALIGNMENT_COLUMNS], comparison)


def _in_document_order(table: pd.DataFrame, comparison: Comparison) -> pd.DataFrame:
    """Rows by source task order (unlinked targets after the source task that precedes them)."""
    source_order = {t: i for i, t in enumerate(comparison.source["task_id"])}
    target_order = {t: i for i, t in enumerate(comparison.target["task_id"])}
    key_source = table["source_task_id"].map(source_order).fillna(len(source_order)).astype(int)
    key_target = table["target_task_id"].map(target_order).fillna(-1).astype(int)
    order = np.lexsort((key_target.to_numpy(), key_source.to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def with_task_details(alignments: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """The alignment table with each side's heading and raw offsets (empty for the missing side)."""
    table = alignments.copy()
    for side, tasks in (("source", source), ("target", target)):
        details = tasks.set_index("task_id")
        ids = table[f"{side}_task_id"]
        table[f"{side}_heading"] = ids.map(details["heading"]).fillna("")
        for column in ("char_start", "char_end"):
            table[f"{side}_{column}"] = ids.map(details[column]).astype("Int64")
    return table[TASK_DETAIL_COLUMNS]


def shared_terms(comparison: Comparison, source_index: int, target_index: int, limit: int = EVIDENCE_TERMS) -> list[str]:
    """The most informative words the two tasks share (highest IDF first, boilerplate left out)."""
    source_words, target_words = comparison.words
    shared = set(source_words[source_index]).intersection(target_words[target_index]) - segment.BOILERPLATE_WORDS
    return sorted(shared, key=lambda w: (-comparison.idf.get(w, 0.0), w))[:limit]


def _evidence(comparison: Comparison, links: pd.DataFrame) -> list[str]:
    """Readable evidence for each link: shared terms and the best clause pair with its similarity."""
    source_clauses = comparison.source_clauses["text"].tolist()
    target_clauses = comparison.target_clauses["text"].tolist()
    evidence = []
    for source_index, target_index, clauses, source_clause, target_clause in zip(
            links["source_index"], links["target_index"], links["clauses"], links["source_clause"], links["target_clause"]):
        terms = shared_terms(comparison, source_index, target_index)
        parts = [f"shared: {', '.join(terms)}"] if terms else []
        if source_clause >= 0 and clauses > 0:
            parts.append(f"best clauses ({clauses:.2f}): 「{_short(source_clauses[source_clause])}」 ≈ "
                         f"「{_short(target_clauses[target_clause])}」")
        evidence.append(" | ".join(parts))
    return evidence


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clause_matches(comparison: Comparison, pairs: pd.DataFrame, minimum: float = CLAUSE_MATCH_MIN) -> pd.DataFrame:
    """For every linked pair, each source clause's best clause in the target task, kept where
    their similarity reaches ``minimum``: which sub-actions of a task were carried over."""
    linked = pairs[pairs["relation"] != ""]
    src, tgt = comparison.source_clauses, comparison.target_clauses
    if linked.empty or src.empty or tgt.empty:
        return pd.DataFrame(columns=CLAUSE_MATCH_COLUMNS)
    vectors = comparison.clause_vectors
    src_rows = src.reset_index(drop=True).reset_index().rename(columns={"index": "i"})
    tgt_rows = tgt.reset_index(drop=True).reset_index().rename(columns={"index": "j"})
    candidates = (linked[["source_task_id", "target_task_id", "relation"]]
                  .merge(src_rows[["i", "task_id"]], left_on="source_task_id", right_on="task_id")
                  .drop(columns="task_id")
                  .merge(tgt_rows[["j", "task_id"]], left_on="target_task_id", right_on="task_id")
                  .drop(columns="task_id"))
    i, j = candidates["i"].to_numpy(), candidates["j"].to_numpy()
    candidates["score"] = np.round(_clause_similarity(vectors, i, j), 6)
    best = (candidates.sort_values(["source_task_id", "target_task_id", "i", "score", "j"],
                                   ascending=[True, True, True, False, True])
            .drop_duplicates(["source_task_id", "target_task_id", "i"]))
    best = best[best["score"] >= minimum]
    source_part = src_rows.loc[best["i"]].reset_index(drop=True)
    target_part = tgt_rows.loc[best["j"]].reset_index(drop=True)
    table = pd.DataFrame({
        "source_doc": source_part["doc_id"], "source_task_id": source_part["task_id"],
        "source_clause_no": source_part["clause_no"], "source_clause": source_part["text"],
        "source_char_start": source_part["char_start"], "source_char_end": source_part["char_end"],
        "target_doc": target_part["doc_id"], "target_task_id": target_part["task_id"],
        "target_clause_no": target_part["clause_no"], "target_clause": target_part["text"],
        "target_char_start": target_part["char_start"], "target_char_end": target_part["char_end"],
        "relation": best["relation"].to_numpy(), "score": best["score"].to_numpy(),
    })
    order = np.lexsort((table["target_clause_no"], table["source_clause_no"],
                        table["target_task_id"].map({t: k for k, t in enumerate(comparison.target["task_id"])}),
                        table["source_task_id"].map({t: k for k, t in enumerate(comparison.source["task_id"])})))
    return table.iloc[order].reset_index(drop=True)[CLAUSE_MATCH_COLUMNS]
