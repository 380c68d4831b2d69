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

Clause similarities are computed in blocks of bounded size, so memory stays flat for large
plans; the blocks of a small comparison are kept for the links' clause pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy import sparse

from analysis.align.features import GOAL, group_starts
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
_CLAUSE_BLOCK = 250_000  # clause pairs per block of clause similarities (bounds memory and waste)
_CLAUSE_KEPT = 4_000_000  # clause pairs of candidate blocks kept for the links' clause matches
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


@dataclass(frozen=True)
class ClauseBlock:
    """Clause similarities for a block of candidate pairs: every clause of ``source_tasks`` with
    every clause of ``target_tasks`` (a dense matrix), the mean of the character and word cosines;
    and the clauses' topic agreement (the cosine of their topics)."""

    pairs: np.ndarray  # the block's pairs, as positions in the pair arrays it was made from
    pair_source: np.ndarray  # each pair's source task, as a position in source_tasks
    pair_target: np.ndarray
    source_clauses: np.ndarray  # clause rows, task by task
    target_clauses: np.ndarray
    source_bounds: np.ndarray  # where each task's clauses start in the block
    target_bounds: np.ndarray
    similarity: np.ndarray
    heading_pairs: np.ndarray  # heading ↔ heading (each task with more than its heading)
    heading_weight: float  # what a heading ↔ heading similarity counts for
    topic_agreement: np.ndarray

    def discounted(self) -> np.ndarray:
        """Similarities with a heading matched to a heading counting ``heading_weight``: similar
        headings can carry different substance (守住 vs 守牢 生态环境安全底线)."""
        return np.where(self.heading_pairs, self.similarity * self.heading_weight, self.similarity)

    def pair_entries(self, local: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every clause pair of the block's pairs ``local`` (positions in ``pairs``): the pair (a
        position in ``local``), its row and its column in the block; by pair, then source clause,
        then target clause."""
        source_counts = np.diff(np.r_[self.source_bounds, len(self.source_clauses)])
        target_counts = np.diff(np.r_[self.target_bounds, len(self.target_clauses)])
        source_task, target_task = self.pair_source[local], self.pair_target[local]
        width = target_counts[target_task]
        sizes = source_counts[source_task] * width
        pair = np.repeat(np.arange(len(local)), sizes)
        offset = np.arange(sizes.sum()) - np.repeat(group_starts(sizes), sizes)
        return (
            pair,
            self.source_bounds[source_task][pair] + offset // width[pair],
            self.target_bounds[target_task][pair] + offset % width[pair],
        )


def _clause_blocks(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> Iterator[ClauseBlock]:
    """The clause similarities of pairs (sorted by row; both tasks with clauses), in blocks of at
    most ``_CLAUSE_BLOCK`` clause pairs where the pairs allow (a block holds whole source tasks)."""
    source, target = plan_pair.source, plan_pair.target
    for a, b in _block_bounds(rows, cols, source.clause_counts, target.clause_counts):
        source_tasks, pair_source = np.unique(rows[a:b], return_inverse=True)
        target_tasks, pair_target = np.unique(cols[a:b], return_inverse=True)
        source_clauses = _clause_index(source.clause_starts, source.clause_counts, source_tasks)
        target_clauses = _clause_index(target.clause_starts, target.clause_counts, target_tasks)
        similarity = sum(
            np.minimum((_rows_of(left, source_clauses) @ _rows_of(right, target_clauses).T).toarray(), 1.0)
            for left, right in plan_pair.clause_vectors
        ) / len(plan_pair.clause_vectors)  # cosines ≥ 0
        yield ClauseBlock(
            np.arange(a, b),
            pair_source,
            pair_target,
            source_clauses,
            target_clauses,
            group_starts(source.clause_counts[source_tasks]),
            group_starts(target.clause_counts[target_tasks]),
            similarity,
            np.outer(source.heading_clauses[source_clauses], target.heading_clauses[target_clauses]),
            plan_pair.settings.heading_pair_weight,
            _topic_agreement(plan_pair, source_clauses, target_clauses),
        )


def _topic_agreement(plan_pair: PlanPair, source_clauses: np.ndarray, target_clauses: np.ndarray) -> np.ndarray:
    """Cosines of the topics of the clauses given (source × target, dense)."""
    left, right = plan_pair.clause_topic_vectors
    return np.minimum(left[source_clauses] @ right[target_clauses].T, 1.0)


def _rows_of(matrix: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
    """``matrix[rows]`` (the matrix itself when ``rows`` are all of its rows in order)."""
    return matrix if len(rows) == matrix.shape[0] and (len(rows) == 0 or rows[-1] == len(rows) - 1) else matrix[rows]


def _block_bounds(
    rows: np.ndarray, cols: np.ndarray, source_counts: np.ndarray, target_counts: np.ndarray
) -> Iterator[tuple[int, int]]:
    """Slices of the pairs (sorted by row) whose source clauses × the clauses of their target
    tasks stay within ``_CLAUSE_BLOCK``."""
    if len(rows) == 0:
        return
    if source_counts[np.unique(rows)].sum() * target_counts[np.unique(cols)].sum() <= _CLAUSE_BLOCK:
        yield 0, len(rows)  # all in one block
        return
    groups = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1], True])
    in_block = np.zeros(len(target_counts), dtype=bool)
    start, source_clauses, target_clauses = 0, 0, 0
    for first, last in itertools.pairwise(groups.tolist()):
        targets = np.unique(cols[first:last])
        added = targets[~in_block[targets]]
        grown = (source_clauses + source_counts[rows[first]]) * (target_clauses + target_counts[added].sum())
        if first > start and grown > _CLAUSE_BLOCK:
            yield start, first
            in_block[:] = False
            start, source_clauses, target_clauses, added = first, 0, 0, targets
        source_clauses += source_counts[rows[first]]
        target_clauses += target_counts[added].sum()
        in_block[added] = True
    yield start, len(rows)


def _clause_index(starts: np.ndarray, counts: np.ndarray, tasks: np.ndarray) -> np.ndarray:
    """The clause rows of ``tasks``, task by task."""
    lengths = counts[tasks]
    offsets = np.arange(lengths.sum()) - np.repeat(group_starts(lengths), lengths)
    return np.repeat(starts[tasks], lengths) + offsets


def _with_clauses(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Positions of the pairs whose two tasks both have clauses."""
    return np.flatnonzero((plan_pair.source.clause_counts[rows] > 0) & (plan_pair.target.clause_counts[cols] > 0))


def _clause_signals(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> tuple[dict, KeptBlocks | None]:
    """For each candidate pair: the signals read from its clause pairs (``clauses``: the best
    similarity; ``coverage``; ``topic_clauses``; the best topic agreement, from which
    ``goal_media`` is taken); and the clause blocks themselves when they are small enough to keep
    for the links' clause pairs.

    Coverage is the length-weighted share of the smaller task's clauses matched by a clause of
    the other task (soft recall: one moved sub-action covers little of a big task, a successor
    most of it); on equal sizes the larger of the two shares (so it is symmetric).
    """
    found = {name: np.zeros(len(rows)) for name in ("clauses", "coverage", "topic_clauses", "topic_agreement")}
    measured = _with_clauses(plan_pair, rows, cols)
    kept: list[ClauseBlock] | None = []
    kept_size = 0
    for block in _clause_blocks(plan_pair, rows[measured], cols[measured]):
        kept_size += block.similarity.size
        kept = kept + [block] if kept is not None and kept_size <= _CLAUSE_KEPT else None
        pairs = measured[block.pairs]
        similarity = block.discounted()
        for name, values in (
            ("clauses", similarity),
            ("topic_clauses", similarity * block.topic_agreement),
            ("topic_agreement", block.topic_agreement),
        ):
            found[name][pairs] = _pair_maxima(block, values)
        found["coverage"][pairs] = _coverage(plan_pair, block, similarity, rows[pairs], cols[pairs])
    found["coverage"] = np.clip(found["coverage"], 0.0, 1.0)
    blocks = (rows[measured], cols[measured], kept) if kept is not None else None
    return found, blocks


def _pair_maxima(block: ClauseBlock, values: np.ndarray) -> np.ndarray:
    """The largest of ``values`` (a block's clause × clause matrix) over each pair's clause pairs."""
    per_target_task = np.maximum.reduceat(values, block.target_bounds, axis=1)
    return np.maximum.reduceat(per_target_task, block.source_bounds, axis=0)[block.pair_source, block.pair_target]


def _coverage(
    plan_pair: PlanPair, block: ClauseBlock, similarity: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """The coverage of each pair of a block (see :func:`_clause_signals`)."""
    source, target = plan_pair.source, plan_pair.target
    at = (block.pair_source, block.pair_target)
    per_target_task = np.maximum.reduceat(similarity, block.target_bounds, axis=1)  # source clause × target task
    per_source_task = np.maximum.reduceat(similarity, block.source_bounds, axis=0)  # source task × target clause
    covered_source = np.add.reduceat(
        per_target_task * source.clause_lengths[block.source_clauses][:, None], block.source_bounds, axis=0
    )[at]
    covered_target = np.add.reduceat(
        per_source_task * target.clause_lengths[block.target_clauses][None, :], block.target_bounds, axis=1
    )[at]
    size_source, size_target = source.task_sizes[rows], target.task_sizes[cols]
    of_source, of_target = covered_source / size_source, covered_target / size_target
    return np.where(
        size_source < size_target,
        of_source,
        np.where(size_source > size_target, of_target, np.fmax(of_source, of_target)),
    )


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


def pair_arrays(plan_pair: PlanPair) -> tuple[dict[str, np.ndarray], KeptBlocks | None]:
    """The columns of :func:`pair_signals`, and the clause blocks kept for the links."""
    source, target = plan_pair.source, plan_pair.target
    settings = plan_pair.settings
    vectors = plan_pair.task_vectors
    rows, cols, chars = candidate_pairs(*vectors["chars"], k=settings.candidates_per_task)
    units, topics = vectors["units"], plan_pair.topic_vectors
    clauses, kept = _clause_signals(plan_pair, rows, cols)
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
    (``process.cpdist``: pair by pair in C++, no Python loop)."""
    if not len(rows):
        return np.zeros(0)
    return (
        process.cpdist(
            [left[i] for i in rows], [right[j] for j in cols], scorer=fuzz.token_sort_ratio, dtype=np.float64, workers=1
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


# The clause blocks of a comparison's candidate pairs: (rows, cols, blocks).
KeptBlocks = tuple[np.ndarray, np.ndarray, list[ClauseBlock]]


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
    plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray, relation: np.ndarray, kept: KeptBlocks | None = None
) -> Links:
    """The linked pairs (sorted) with every clause pair of each: read from the candidates' clause
    blocks when the clause signal kept them (``kept``), else computed."""
    measured = _with_clauses(plan_pair, rows, cols)
    width = len(plan_pair.target.tasks)
    blocks: Iterable[ClauseBlock]
    if kept is not None:
        block_rows, block_cols, blocks = kept
    else:
        block_rows, block_cols = rows[measured], cols[measured]
        blocks = _clause_blocks(plan_pair, block_rows, block_cols)
    keys = rows[measured] * width + cols[measured]
    parts: list[tuple[np.ndarray, ...]] = []
    for block in blocks:
        block_keys = block_rows[block.pairs] * width + block_cols[block.pairs]
        at = np.minimum(np.searchsorted(block_keys, keys), len(block_keys) - 1)
        links = np.flatnonzero(block_keys[at] == keys)
        pair, i, j = block.pair_entries(at[links])
        parts.append(
            (
                measured[links[pair]],
                block.source_clauses[i],
                block.target_clauses[j],
                block.similarity[i, j],
                block.discounted()[i, j],
            )
        )
    columns = (
        [np.concatenate(c) for c in zip(*parts)] if parts else [np.zeros(0, dtype=np.int64)] * 3 + [np.zeros(0)] * 2
    )
    return Links(rows, cols, relation, *columns)
