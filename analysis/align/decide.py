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
import pandas as pd
from scipy.optimize import linear_sum_assignment

from analysis.settings import Thresholds

THRESHOLD_NAMES = ("link_min", "partial_ratio", "clause_min")

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


def threshold_table(*thresholds: Thresholds) -> pd.DataFrame:
    """Thresholds as rows of a grid (:func:`decide_grid`'s ``grid``; a clause rule turned off is
    an infinite ``clause_min``)."""
    return pd.DataFrame(
        [
            {
                "link_min": t.link_min,
                "partial_ratio": t.partial_ratio,
                "clause_min": np.inf if t.clause_min is None else t.clause_min,
            }
            for t in thresholds
        ],
        columns=list(THRESHOLD_NAMES),
    )


def thresholds_of(row: Mapping[str, float]) -> Thresholds:
    """A row of a grid (:func:`threshold_table`) as :class:`Thresholds`."""
    clause_min = float(row.get("clause_min", np.inf))
    return Thresholds(
        link_min=float(row["link_min"]),
        partial_ratio=float(row["partial_ratio"]),
        clause_min=clause_min if np.isfinite(clause_min) else None,
    )


def decide_grid(
    pairs,
    n_source: int,
    n_target: int,
    grid: pd.DataFrame,
    assigned: np.ndarray | None = None,
    ratio: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The decision rule under every row of ``grid`` at once (columns ``link_min``,
    ``partial_ratio`` and optionally ``clause_min``): ``linked`` and ``same``, boolean arrays of
    configurations × candidate pairs. ``assigned`` and ``ratio`` (from :func:`one_to_one` and
    :func:`best_ratio`) may be passed in when deciding the same pairs again."""
    assigned = one_to_one(pairs, n_source, n_target) if assigned is None else assigned
    ratio = best_ratio(pairs, n_source, n_target) if ratio is None else ratio
    score = np.asarray(pairs["score"], dtype=np.float64)[None, :]
    column = {name: grid[name].to_numpy(dtype=np.float64)[:, None] for name in grid.columns}
    strong = score >= column["link_min"]
    same = strong & assigned[None, :]
    linked = same | (strong & (ratio[None, :] >= column["partial_ratio"]))
    if "clause_min" in column and np.isfinite(column["clause_min"]).any():  # an infinite clause_min: the rule is off
        clauses = np.asarray(pairs["clauses"], dtype=np.float64)[None, :]
        linked |= (clauses >= column["clause_min"]) & np.asarray(pairs["same_role"], dtype=bool)[None, :]
    return linked, same


def decide(
    pairs,
    n_source: int,
    n_target: int,
    thresholds: Thresholds,
    assigned: np.ndarray | None = None,
    ratio: np.ndarray | None = None,
) -> np.ndarray:
    """The relation of every candidate pair under ``thresholds``: ``same``, ``partial`` or ``""``
    (no link); the rule of :func:`decide_grid`."""
    linked, same = decide_grid(pairs, n_source, n_target, threshold_table(thresholds), assigned, ratio)
    return np.where(same[0], "same", np.where(linked[0], "partial", "")).astype(object)
