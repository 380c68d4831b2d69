"""Decisions: which candidate pairs are links, and whether a link is ``same`` or ``partial``.

Decisions are many-to-many. A link needs a score of at least ``link_min``. ``same`` links are
one-to-one (the successor / the implementation; a merge or split keeps one ``same``): the pairs
of the maximum-weight assignment. Any other pair is ``partial`` when its score is at least
``partial_ratio`` of the best score of one of its two tasks (a real, if smaller, overlap next to
that task's main link). With a ``clause_min`` threshold, a pair of tasks of the same role whose
best clause pair (the ``clauses`` signal) reaches it is ``partial`` whatever its score: one
clause carried over nearly verbatim into a differently titled task. Two rules read the field's
topics: with ``topic_clause_min``, a pair of the same role whose clause pair agrees in topic and
wording (the ``topic_clauses`` signal) at least that much is ``partial`` (a city task carrying one
theme of a broad provincial task in its own words); with ``goal_media_min``, a goal block and a
goal task of the other plan whose medium one of its clauses names (``goal_media``, measured for
goal pairs only) are ``partial``. Tasks left without a link get
a row of their own: ``new``/``dropped`` across years, ``local``/``not_cascaded`` across levels,
``only_in_a``/``only_in_b`` between peers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from analysis.settings import Thresholds

THRESHOLD_NAMES = ("link_min", "partial_ratio", "clause_min", "topic_clause_min", "goal_media_min")
# The rules a threshold turns on (None: off; an infinite value in a grid): the signal each reads,
# and whether the two tasks must share their role.
RULES = {
    "clause_min": ("clauses", True),
    "topic_clause_min": ("topic_clauses", True),
    "goal_media_min": ("goal_media", False),
}

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
    """Thresholds as rows of a grid (:func:`decide_grid`'s ``grid``; a rule turned off is an
    infinite threshold)."""
    return pd.DataFrame(
        [
            {name: np.inf if getattr(t, name) is None else getattr(t, name) for name in THRESHOLD_NAMES}
            for t in thresholds
        ],
        columns=list(THRESHOLD_NAMES),
    )


def thresholds_of(row: Mapping[str, float]) -> Thresholds:
    """A row of a grid (:func:`threshold_table`) as :class:`Thresholds` (a rule it lacks is off)."""
    rules = {name: float(row.get(name, np.inf)) for name in RULES}
    return Thresholds(
        link_min=float(row["link_min"]),
        partial_ratio=float(row["partial_ratio"]),
        **{name: value if np.isfinite(value) else None for name, value in rules.items()},
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
    ``partial_ratio`` and optionally the thresholds of :data:`RULES`): ``linked`` and ``same``, boolean arrays of
    configurations × candidate pairs. ``assigned`` and ``ratio`` (from :func:`one_to_one` and
    :func:`best_ratio`) may be passed in when deciding the same pairs again."""
    assigned = one_to_one(pairs, n_source, n_target) if assigned is None else assigned
    ratio = best_ratio(pairs, n_source, n_target) if ratio is None else ratio
    score = np.asarray(pairs["score"], dtype=np.float64)[None, :]
    column = {name: grid[name].to_numpy(dtype=np.float64)[:, None] for name in grid.columns}
    strong = score >= column["link_min"]
    same = strong & assigned[None, :]
    linked = same | (strong & (ratio[None, :] >= column["partial_ratio"]))
    for name, (signal, needs_same_role) in RULES.items():
        if name in column and np.isfinite(column[name]).any():  # an infinite threshold: the rule is off
            values = np.nan_to_num(np.asarray(pairs[signal], dtype=np.float64), nan=-np.inf)
            if needs_same_role:
                values = np.where(np.asarray(pairs["same_role"], dtype=bool), values, -np.inf)
            linked |= values[None, :] >= column[name]
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
