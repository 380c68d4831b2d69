"""The signals of candidate task pairs, each in [0, 1], and the pairs' combined score.

Each task is first paired with its most similar tasks on the other side (blocking: the
``candidates_per_task`` best by character n-gram cosine, in both directions), and every
candidate pair gets signals:

- ``chars``: cosine of character 2–3-gram TF-IDF vectors (IDF over the tasks being compared);
- ``words``: cosine of word TF-IDF vectors (jieba search-mode terms; boilerplate weighted down);
- ``clauses``: similarity of the best-matching clause pair (one sub-action carried over);
- ``coverage``: share of the smaller task's clauses (by length) that find a match in the other;
- ``fuzzy``: rapidfuzz ``token_sort_ratio`` of the two tasks' jieba words joined by spaces
  (boilerplate words left out: shared 持续/推进 is no evidence);
- ``units``: cosine of the lead/responsible unit stems (province 水处 ↔ city 水科 share 水);
- ``indicators``: overlap of the quantitative indicators both tasks set targets for (optional);
- ``topics``: cosine of the two tasks' topic profiles (the field's themes, :mod:`analysis.text.topics`;
  weighted by how few tasks touch each topic; NaN when a task touches none);
- ``topic_clauses``: the best clause pair's similarity times the two clauses' topic agreement: the
  same theme, in some shared wording (a city task carrying one theme of a broad provincial task in
  its own words);
- ``section``: how well the two tasks' sections (or parts) align (:attr:`PlanPair.group_alignment`):
  a candidate within aligned sections is favoured;
- ``goal_media``: for two goal tasks only (else NaN), the best topic agreement of a clause of one
  with a clause of the other: a goal block names the media (水环境, 声环境, 应对气候变化 …) of the
  other plan's goal tasks. Read by the decision rule, not combined into the score.

They are combined into one ``score``, the weighted mean of the settings' ``weights`` over the
signals measured for the pair: a signal that cannot be measured (no units printed, no
indicators known) is left out rather than counted as a mismatch. A pair of tasks of different
*roles* (a plan's goal block vs its action tasks) keeps ``role_mismatch_factor`` of its score.

The clause signals come from the pairs' clause pairs (:mod:`analysis.align.clause_pairs`), which
are kept for the links' clause matches and evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy import sparse

from analysis.align.clause_pairs import ClausePairs, clause_pairs, clause_signals
from analysis.align.features import GOAL
from analysis.align.plans import PlanPair
from analysis.settings import SignalWeights

SIGNALS = (
    "chars",
    "words",
    "clauses",
    "coverage",
    "fuzzy",
    "units",
    "indicators",
    "topics",
    "topic_clauses",
    "section",
    "goal_media",
)
PAIR_COLUMNS = [
    "source_index",
    "target_index",
    "source_task_id",
    "target_task_id",
    *SIGNALS,
    "same_role",
    "score",
    "relation",
]
_PRODUCT_ROWS = 512  # task rows per block of a task × task product


def candidate_pairs(
    left: sparse.csr_matrix, right: sparse.csr_matrix, k: int, chunk: int = _PRODUCT_ROWS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column indices of the pairs among each row's and each column's ``k`` best by
    ``left · right``, with that product; sorted by (row, col).

    The product is computed in blocks of rows (a running best ``k`` per column), so memory stays
    bounded for large plans.
    """
    n_left, n_right = left.shape[0], right.shape[0]
    if n_left == 0 or n_right == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    k_row, k_col = min(k, n_right), min(k, n_left)
    found_rows, found_cols, found_values = [], [], []
    column_best = np.zeros((0, n_right))
    column_rows = np.zeros((0, n_right), dtype=np.int64)
    right_t = right.T.tocsr()
    for start in range(0, n_left, chunk):
        block = (left[start : start + chunk] @ right_t).toarray()
        best = np.argpartition(-block, k_row - 1, axis=1)[:, :k_row]
        found_rows.append(np.repeat(np.arange(start, start + len(block)), k_row))
        found_cols.append(best.ravel())
        found_values.append(np.take_along_axis(block, best, axis=1).ravel())
        column_best = np.vstack([column_best, block])
        column_rows = np.vstack(
            [column_rows, np.broadcast_to(np.arange(start, start + len(block))[:, None], block.shape)]
        )
        if len(column_best) > k_col:
            keep = np.argpartition(-column_best, k_col - 1, axis=0)[:k_col]
            column_best = np.take_along_axis(column_best, keep, axis=0)
            column_rows = np.take_along_axis(column_rows, keep, axis=0)
    rows = np.concatenate(found_rows + [column_rows.ravel()])
    cols = np.concatenate(found_cols + [np.tile(np.arange(n_right), len(column_rows))])
    values = np.concatenate(found_values + [column_best.ravel()])
    keys, first = np.unique(rows * n_right + cols, return_index=True)
    return keys // n_right, keys % n_right, np.clip(values[first], 0.0, 1.0)


def products_at(
    left: sparse.csr_matrix,
    right: sparse.csr_matrix,
    rows: np.ndarray,
    cols: np.ndarray,
    chunk: int = _PRODUCT_ROWS,
    clip: bool = True,
) -> np.ndarray:
    """``left[rows[i]] · right[cols[i]]`` for pairs sorted by row, computed in blocks of rows;
    clipped to [0, 1] (cosines of unit rows) unless ``clip`` is False."""
    values = np.zeros(len(rows))
    right_t = right.T.tocsr()
    bounds = np.searchsorted(rows, np.arange(0, left.shape[0] + chunk, chunk))
    for start, a, b in zip(range(0, left.shape[0], chunk), bounds[:-1], bounds[1:]):
        if b > a:
            block = (left[start : start + chunk] @ right_t).toarray()
            values[a:b] = block[rows[a:b] - start, cols[a:b]]
    return np.clip(values, 0.0, 1.0) if clip else values


def _indicator_signal(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Overlap coefficient of the pair's indicator sets; NaN where either task has none."""
    result = np.full(len(rows), np.nan)
    if plan_pair.indicator_rows is None:
        return result
    source, target = plan_pair.indicator_rows
    shared = products_at(source, target, rows, cols, clip=False)
    smaller = np.minimum(source.getnnz(axis=1)[rows], target.getnnz(axis=1)[cols])
    measured = smaller > 0
    result[measured] = shared[measured] / smaller[measured]
    return result


def pair_signals(plan_pair: PlanPair) -> pd.DataFrame:
    """Every candidate pair with its signals (NaN where not measurable), whether the two tasks
    share their role, and the combined ``score`` (the weights of the pair's settings)."""
    return pd.DataFrame(pair_arrays(plan_pair)[0], columns=PAIR_COLUMNS)


def pair_arrays(plan_pair: PlanPair) -> tuple[dict[str, np.ndarray], ClausePairs]:
    """The columns of :func:`pair_signals`, and the clause pairs of the candidate pairs (kept for
    the links)."""
    source, target = plan_pair.source, plan_pair.target
    settings = plan_pair.settings
    vectors = plan_pair.task_vectors
    rows, cols, chars = candidate_pairs(*vectors["chars"], k=settings.candidates_per_task)
    units, topics = vectors["units"], plan_pair.topic_vectors
    clauses, kept = clause_signals(plan_pair, rows, cols)
    same_role = source.roles[rows] == target.roles[cols]
    goals = same_role & (source.roles[rows] == GOAL)
    signals = {
        "chars": chars,
        "words": products_at(*vectors["words"], rows, cols),
        "clauses": clauses["clauses"],
        "coverage": clauses["coverage"],
        "fuzzy": fuzzy_similarity(source.token_strings, target.token_strings, rows, cols),
        "units": np.where(_both_hold(units, rows, cols), products_at(*units, rows, cols), np.nan),
        "indicators": _indicator_signal(plan_pair, rows, cols),
        "topics": _dense_cosines(topics, rows, cols),
        "topic_clauses": clauses["topic_clauses"],
        "section": plan_pair.group_alignment[source.groups[rows], target.groups[cols]] if len(rows) else np.zeros(0),
        "goal_media": np.where(goals, clauses["topic_agreement"], np.nan),
    }
    score = np.round(combine(signals, settings.weights) * np.where(same_role, 1.0, settings.role_mismatch_factor), 6)
    return {
        "source_index": rows,
        "target_index": cols,
        "source_task_id": source.task_ids[rows],
        "target_task_id": target.task_ids[cols],
        **signals,
        "same_role": same_role,
        "score": score,
        "relation": np.full(len(rows), "", dtype=object),
    }, kept


def _both_hold(vectors: tuple[sparse.csr_matrix, sparse.csr_matrix], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Whether both tasks of each pair have a feature in ``vectors`` (else the signal is NaN)."""
    return (vectors[0].getnnz(axis=1)[rows] > 0) & (vectors[1].getnnz(axis=1)[cols] > 0)


def _dense_cosines(vectors: tuple[np.ndarray, np.ndarray], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cosines of unit rows ``left[rows[k]] · right[cols[k]]``; NaN where either row is zero."""
    left, right = vectors[0][rows], vectors[1][cols]
    measured = left.any(axis=1) & right.any(axis=1)
    return np.where(measured, np.clip(np.einsum("ij,ij->i", left, right), 0.0, 1.0), np.nan)


def fuzzy_similarity(left: list[str], right: list[str], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """rapidfuzz ``token_sort_ratio`` of the pairs ``(left[rows[k]], right[cols[k]])``, in [0, 1]
    (``process.cpdist``: pair by pair in C++, no Python loop); each text's words are sorted once,
    not once per pair (``token_sort_ratio`` is the ``ratio`` of the sorted words)."""
    if not len(rows):
        return np.zeros(0)
    left_sorted, right_sorted = ([" ".join(sorted(text.split())) for text in texts] for texts in (left, right))
    return (
        process.cpdist(
            [left_sorted[i] for i in rows],
            [right_sorted[j] for j in cols],
            scorer=fuzz.ratio,
            dtype=np.float64,
            workers=1,
        )
        / 100.0
    )


def combine(signals, weights: SignalWeights | Mapping[str, float]) -> np.ndarray:
    """Weighted mean of the signals measured for each pair (a NaN signal is left out);
    ``signals`` maps each signal's name to its values (a dict or a DataFrame)."""
    named = list(weights.items())
    values = np.column_stack([np.asarray(signals[name], dtype=np.float64) for name, _ in named])
    w = np.array([weight for _, weight in named], dtype=np.float64)
    measured = ~np.isnan(values)
    total = np.where(measured, values, 0.0) @ w
    used = measured.astype(np.float64) @ w
    return np.divide(total, used, out=np.zeros(len(values)), where=used > 0)


@dataclass(frozen=True)
class Links:
    """The linked pairs of an alignment, with every clause pair of each (``clause_link`` numbers
    the link): which sub-actions were carried over, and the evidence."""

    source_index: np.ndarray
    target_index: np.ndarray
    relation: np.ndarray
    clause_link: np.ndarray
    source_clause: np.ndarray
    target_clause: np.ndarray
    similarity: np.ndarray  # mean of the clause pair's character and word cosines
    discounted: np.ndarray  # as the clause signal counts it (heading ↔ heading discounted)


def links_of(
    plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray, relation: np.ndarray, kept: ClausePairs | None = None
) -> Links:
    """The linked pairs (sorted) with every clause pair of each: ``kept`` (the clause pairs of
    these links, numbered by link) when the clause signal found them, else computed."""
    found = clause_pairs(plan_pair, rows, cols) if kept is None else kept
    return Links(
        rows, cols, relation, found.pair, found.source_clause, found.target_clause, found.similarity, found.discounted
    )
