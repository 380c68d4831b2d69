"""The clause pairs of task pairs: every clause of one task with every clause of the other, their
similarity (the mean of the character and word cosines), and the signals read from them.

Similarities are computed in blocks of bounded size (a block holds whole source tasks and the
clauses of their candidate targets, so memory stays flat for large plans); only the clause pairs
of the task pairs asked about are kept from a block (about a twentieth of it), and every signal is
reduced from these pairs alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np
from scipy import sparse

from analysis.align.features import group_starts
from analysis.align.plans import PlanPair

_CLAUSE_BLOCK = 250_000  # clause pairs per block of clause similarities (bounds memory and waste)


@dataclass(frozen=True)
class ClausePairs:
    """Every clause pair of a list of task pairs whose tasks both have clauses: by task pair, then
    source clause, then target clause."""

    pair: np.ndarray  # the task pair, as a position in the pairs the clause pairs were made for
    source_clause: np.ndarray  # a clause row of the source plan
    target_clause: np.ndarray
    similarity: np.ndarray  # mean of the clause pair's character and word cosines
    discounted: np.ndarray  # as the clause signal counts it (heading ↔ heading discounted)
    topic_agreement: np.ndarray  # the cosine of the two clauses' topics

    @classmethod
    def joined(cls, parts: list[ClausePairs]) -> ClausePairs:
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, np.zeros(0), np.zeros(0), np.zeros(0))
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def of_pairs(self, chosen: np.ndarray) -> ClausePairs:
        """The clause pairs of the task pairs ``chosen`` (ascending positions), numbered by their
        place in ``chosen``."""
        at = np.minimum(np.searchsorted(chosen, self.pair), max(len(chosen) - 1, 0))
        kept = np.flatnonzero(chosen[at] == self.pair) if len(chosen) else np.zeros(0, dtype=np.int64)
        return ClausePairs(at[kept], *(getattr(self, f.name)[kept] for f in fields(self)[1:]))


def with_clauses(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Positions of the pairs whose two tasks both have clauses."""
    return np.flatnonzero((plan_pair.source.clause_counts[rows] > 0) & (plan_pair.target.clause_counts[cols] > 0))


def clause_pairs(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> ClausePairs:
    """The clause pairs of the task pairs ``rows, cols`` (sorted by row)."""
    measured = with_clauses(plan_pair, rows, cols)
    rows, cols = rows[measured], cols[measured]
    source, target = plan_pair.source, plan_pair.target
    parts = []
    source_topics, target_topics = (vectors.T.copy() for vectors in plan_pair.clause_topic_vectors)  # per topic
    for a, b in _block_bounds(rows, cols, source.clause_counts, target.clause_counts):
        source_tasks, pair_source = np.unique(rows[a:b], return_inverse=True)
        target_tasks, pair_target = np.unique(cols[a:b], return_inverse=True)
        source_clauses = _clause_index(source.clause_starts, source.clause_counts, source_tasks)
        target_clauses = _clause_index(target.clause_starts, target.clause_counts, target_tasks)
        pair, i, j = _pair_entries(
            source.clause_counts[source_tasks], target.clause_counts[target_tasks], pair_source, pair_target
        )
        similarity = sum(
            np.minimum((_rows_of(left, source_clauses) @ _rows_of(right, target_clauses).T).toarray()[i, j], 1.0)
            for left, right in plan_pair.clause_vectors
        ) / len(plan_pair.clause_vectors)  # cosines ≥ 0
        source_clause, target_clause = source_clauses[i], target_clauses[j]
        headings = source.heading_clauses[source_clause] & target.heading_clauses[target_clause]
        topics = _topic_agreement(source_topics, target_topics, source_clause, target_clause)
        parts.append(
            ClausePairs(
                measured[a + pair],
                source_clause,
                target_clause,
                similarity,
                # similar headings can carry different substance (守住 vs 守牢 生态环境安全底线)
                np.where(headings, similarity * plan_pair.settings.heading_pair_weight, similarity),
                topics,
            )
        )
    return ClausePairs.joined(parts)


def _pair_entries(
    source_counts: np.ndarray, target_counts: np.ndarray, pair_source: np.ndarray, pair_target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every clause pair of a block's task pairs (each a source and a target task of the block):
    the pair, its row and its column in the block; by pair, then source clause, then target clause."""
    width = target_counts[pair_target]
    sizes = source_counts[pair_source] * width
    pair = np.repeat(np.arange(len(pair_source)), sizes)
    offset = np.arange(sizes.sum()) - np.repeat(group_starts(sizes), sizes)
    return (
        pair,
        group_starts(source_counts)[pair_source][pair] + offset // width[pair],
        group_starts(target_counts)[pair_target][pair] + offset % width[pair],
    )


def _topic_agreement(
    source_topics: np.ndarray, target_topics: np.ndarray, source_clause: np.ndarray, target_clause: np.ndarray
) -> np.ndarray:
    """Cosines of the topics of the clause pairs given (``source_clause[k]``, ``target_clause[k]``;
    the clauses' unit topic vectors as rows per topic), summed topic by topic in the lexicon's
    order: the same bits on every machine (a BLAS matrix product's order of summing depends on its
    build and kernels), only the pairs wanted computed, and no BLAS threads spinning beside the
    build's own work."""
    total = np.zeros(len(source_clause))
    for source_topic, target_topic in zip(source_topics, target_topics):
        total += source_topic[source_clause] * target_topic[target_clause]
    return np.minimum(total, 1.0)


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


def clause_signals(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> tuple[dict, ClausePairs]:
    """For each task pair: the signals read from its clause pairs (``clauses``: the best
    similarity; ``coverage``; ``topic_clauses``; the best topic agreement, from which
    ``goal_media`` is taken; 0 where a task has no clause); and the clause pairs themselves.

    Coverage is the length-weighted share of the smaller task's clauses matched by a clause of
    the other task (soft recall: one moved sub-action covers little of a big task, a successor
    most of it); on equal sizes the larger of the two shares (so it is symmetric).
    """
    found = {name: np.zeros(len(rows)) for name in ("clauses", "coverage", "topic_clauses", "topic_agreement")}
    pairs = clause_pairs(plan_pair, rows, cols)
    measured = with_clauses(plan_pair, rows, cols)
    if len(measured):
        starts = np.searchsorted(pairs.pair, measured)  # every measured pair has a clause pair
        for name, values in (
            ("clauses", pairs.discounted),
            ("topic_clauses", pairs.discounted * pairs.topic_agreement),
            ("topic_agreement", pairs.topic_agreement),
        ):
            found[name][measured] = np.maximum.reduceat(values, starts)
        found["coverage"][measured] = np.clip(_coverage(plan_pair, pairs, rows[measured], cols[measured]), 0.0, 1.0)
    return found, pairs


def _coverage(plan_pair: PlanPair, pairs: ClausePairs, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The coverage of each task pair (see :func:`clause_signals`) from its clause pairs; sums in
    the order (and by the same numpy reductions) of a task × task block's, to the last bit."""
    source, target = plan_pair.source, plan_pair.target
    source_counts, target_counts = source.clause_counts[rows], target.clause_counts[cols]
    sizes = source_counts * target_counts
    starts = group_starts(sizes)
    # source clause by source clause: its best in the target task
    runs = group_starts(np.repeat(target_counts, source_counts))
    best = np.maximum.reduceat(pairs.discounted, runs) * source.clause_lengths[pairs.source_clause[runs]]
    covered_source = np.add.reduceat(best, group_starts(source_counts))
    # target clause by target clause: the clause pairs reordered target clause first
    pair = np.repeat(np.arange(len(rows)), sizes)
    offset = np.arange(len(pair)) - starts[pair]
    moved = starts[pair] + (offset % target_counts[pair]) * source_counts[pair] + offset // target_counts[pair]
    by_target, target_clause = np.empty(len(pair)), np.empty(len(pair), dtype=np.int64)
    by_target[moved], target_clause[moved] = pairs.discounted, pairs.target_clause
    runs = group_starts(np.repeat(source_counts, target_counts))
    best = np.maximum.reduceat(by_target, runs) * target.clause_lengths[target_clause[runs]]
    covered_target = np.add.reduceat(best, group_starts(target_counts))
    size_source, size_target = source.task_sizes[rows], target.task_sizes[cols]
    of_source, of_target = covered_source / size_source, covered_target / size_target
    return np.where(
        size_source < size_target,
        of_source,
        np.where(size_source > size_target, of_target, np.fmax(of_source, of_target)),
    )
