"""Decisions: which candidate pairs are links, and whether a link is ``same`` or ``partial``.

Decisions are many-to-many. A link needs a score of at least ``link_min``. ``same`` links are
one-to-one (the successor / the implementation; a merge or split keeps one ``same``): the pairs
of the maximum-weight assignment. Any other pair is ``partial`` when its score is at least
``partial_ratio`` of the best score of one of its two tasks (a real, if smaller, overlap next to
that task's main link). With a ``clause_min`` threshold, a pair of tasks of the same role whose
best clause pair (the ``clauses`` signal) reaches it is ``partial`` whatever its score: one
clause carried over nearly verbatim into a differently titled task. Tasks left without a link get
a row of their own: ``new``/``dropped`` across years, ``local``/``not_cascaded`` across levels,
``only_in_a``/``only_in_b`` between peers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

# ``pairs`` below: the pair table of :func:`pair_signals`, or any mapping of its columns to arrays.


def one_to_one(pairs, n_source: int, n_target: int) -> np.ndarray:
    """Which pairs the maximum-weight one-to-one assignment of scores picks."""
    score = np.asarray(pairs["score"])
    chosen = np.zeros(len(score), dtype=bool)
    if len(score) == 0:
        return chosen
    source, target = np.asarray(pairs["source_index"]), np.asarray(pairs["target_index"])
    matrix = np.zeros((n_source, n_target))
    matrix[source, target] = score
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    keys = source * n_target + target
    order = np.argsort(keys)
    picked = rows * n_target + cols
    at = order[np.minimum(np.searchsorted(keys, picked, sorter=order), len(keys) - 1)]
    chosen[at[keys[at] == picked]] = True
    return chosen


def best_ratio(pairs, n_source: int, n_target: int) -> np.ndarray:
    """Score of each pair relative to the best score of the weaker-linked of its two tasks."""
    score = np.asarray(pairs["score"])
    source, target = np.asarray(pairs["source_index"]), np.asarray(pairs["target_index"])
    source_best = np.zeros(n_source)
    target_best = np.zeros(n_target)
    np.maximum.at(source_best, source, score)
    np.maximum.at(target_best, target, score)
    reference = np.minimum(source_best[source], target_best[target])
    return np.divide(score, reference, out=np.zeros(len(score)), where=reference > 0)


def decide(
    pairs,
    n_source: int,
    n_target: int,
    thresholds: Mapping[str, float],
    assigned: np.ndarray | None = None,
    ratio: np.ndarray | None = None,
) -> np.ndarray:
    """The relation of every candidate pair: ``same``, ``partial`` or ``""`` (no link).

    ``assigned`` and ``ratio`` (from :func:`one_to_one` and :func:`best_ratio`) may be passed in
    when deciding the same pairs under many thresholds.
    """
    assigned = one_to_one(pairs, n_source, n_target) if assigned is None else assigned
    ratio = best_ratio(pairs, n_source, n_target) if ratio is None else ratio
    score = np.asarray(pairs["score"])
    relation = np.full(len(score), "", dtype=object)
    strong = score >= thresholds["link_min"]
    relation[strong & (ratio >= thresholds["partial_ratio"])] = "partial"
    if "clause_min" in thresholds:
        relation[
            (np.asarray(pairs["clauses"]) >= thresholds["clause_min"]) & np.asarray(pairs["same_role"], dtype=bool)
        ] = "partial"
    relation[strong & assigned] = "same"
    return relation
