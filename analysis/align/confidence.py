"""Honest uncertainty: the probability that a candidate pair is a true link, and from it a
``confidence`` for every row of an alignment table.

A small logistic regression (numpy only) of "is a gold link" on a pair's score, its signals and
its place in the decisions (picked by the one-to-one assignment; score relative to its tasks'
best), fitted on the development gold's candidate pairs (``analysis.evaluate.calibration``) and
shipped as ``analysis/lexicon/link_confidence.json``. Confidence of a link row: P(link) of its
pair. Of an unlinked task: 1 − P(link) of its nearest candidate (the one its ``evidence`` names:
best score, ties to the first), 1 when it has no candidate at all.

A pair the model left unlinked is offered to a reviewer (a *near miss*) by its chance of hiding a
link (:func:`hidden_link_probability`, the settings' :class:`HiddenLinkWeights`): the link
probability ranks a task's second counterpart on the same theme low, the pair's rank among its
task's candidates and the two tasks' topic agreement lift it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.align.decide import best_ratio, one_to_one
from analysis.align.signals import SIGNALS
from analysis.errors import UserError
from analysis.settings import HiddenLinkWeights

# Signals that may not be measured (NaN): counted as 0, beside a ``_measured`` flag.
_MAY_BE_MISSING = ("units", "indicators", "topics", "goal_media")
# Features of a candidate pair: its score, every signal, the flags, its place in the decisions.
FEATURES = (
    "score",
    *SIGNALS,
    *(f"{name}_measured" for name in _MAY_BE_MISSING),
    "same_role",
    "assigned",
    "best_ratio",
)
# Features of an unlinked pair for its chance of hiding a link: the fields of HiddenLinkWeights.
HIDDEN_LINK_FEATURES = ("link_logit", "target_rank", "topics", "topic_clauses")
_PROBABILITY_CLIP = 1e-6


def pair_features(pairs, n_source: int, n_target: int) -> np.ndarray:
    """The :data:`FEATURES` of every candidate pair (``pairs``: :func:`pair_signals`' columns)."""
    columns = {name: np.asarray(pairs[name], dtype=np.float64) for name in ("score", *SIGNALS)}
    for name in _MAY_BE_MISSING:
        columns[f"{name}_measured"] = (~np.isnan(columns[name])).astype(np.float64)
        columns[name] = np.nan_to_num(columns[name], nan=0.0)
    columns["same_role"] = np.asarray(pairs["same_role"], dtype=np.float64)
    columns["assigned"] = one_to_one(pairs, n_source, n_target).astype(np.float64)
    columns["best_ratio"] = best_ratio(pairs, n_source, n_target)
    return (
        np.column_stack([columns[name] for name in FEATURES]) if len(columns["score"]) else np.zeros((0, len(FEATURES)))
    )


@dataclass(frozen=True)
class LinkModel:
    """A fitted logistic regression on standardised :data:`FEATURES`."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    l2: float
    fitted_on: str = ""

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "features": list(self.features),
                    "mean": _rounded(self.mean),
                    "scale": _rounded(self.scale),
                    "coef": _rounded(self.coef),
                    "intercept": round(float(self.intercept), 6),
                    "l2": self.l2,
                    "fitted_on": self.fitted_on,
                },
                indent=1,
                ensure_ascii=False,
            )
            + "\n"
        )

    @classmethod
    def load(cls, path: Path | str) -> LinkModel:
        """The model stored at ``path``; a clear error when it is missing or not this model."""
        path = Path(path)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            model = cls(
                tuple(stored["features"]),
                np.array(stored["mean"]),
                np.array(stored["scale"]),
                np.array(stored["coef"]),
                float(stored["intercept"]),
                float(stored["l2"]),
                stored.get("fitted_on", ""),
            )
        except FileNotFoundError:
            raise UserError(
                path, "link-confidence model not found (python -m analysis evaluate --fit-confidence)"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(path, f"not a link-confidence model ({exc})") from None
        if model.features != FEATURES or not (len(model.mean) == len(model.scale) == len(model.coef) == len(FEATURES)):
            raise UserError(path, f"features differ from the code's ({', '.join(FEATURES)}): refit it")
        return model


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def fit(features: np.ndarray, labels: np.ndarray, l2: float = 1.0, fitted_on: str = "") -> LinkModel:
    """Logistic regression by Newton's method, an L2 penalty ``l2`` on the standardised
    coefficients (not the intercept); deterministic."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    x = np.column_stack([(features - mean) / scale, np.ones(len(features))])
    y = np.asarray(labels, dtype=np.float64)
    penalty = np.full(x.shape[1], l2)
    penalty[-1] = 0.0
    w = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -50, 50)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return LinkModel(FEATURES, mean, scale, w[:-1], float(w[-1]), l2, fitted_on)


def link_probability(pairs, model: LinkModel, n_source: int, n_target: int) -> np.ndarray:
    """P(link) of every candidate pair."""
    return model.probability(pair_features(pairs, n_source, n_target))


def hidden_link_features(pairs, probability: np.ndarray) -> np.ndarray:
    """The :data:`HIDDEN_LINK_FEATURES` of every candidate pair (``probability``: its P(link),
    taken to 6 decimals as the confidence is: its last bits depend on the order features were
    numbered in): the logit of P(link); the log of the pair's rank among its target task's
    candidates by P(link) (0 for the best, ties to the first listed); the topic signals (0 when not
    measured)."""
    probability = np.round(np.asarray(probability, dtype=np.float64), 6)
    clipped = np.clip(probability, _PROBABILITY_CLIP, 1 - _PROBABILITY_CLIP)
    target = np.asarray(pairs["target_index"])
    order = np.lexsort((np.arange(len(target)), -probability, target))
    starts = np.searchsorted(target[order], target[order], side="left")
    rank = np.empty(len(target))
    rank[order] = np.arange(len(target)) - starts + 1
    topics = (np.nan_to_num(np.asarray(pairs[name], dtype=np.float64), nan=0.0) for name in HIDDEN_LINK_FEATURES[2:])
    return np.column_stack([np.log(clipped / (1 - clipped)), np.log(rank), *topics]).reshape(len(target), -1)


def hidden_link_probability(pairs, probability: np.ndarray, weights: HiddenLinkWeights) -> np.ndarray:
    """The chance that each candidate pair hides a link the model missed (``weights``: the
    logistic function's coefficients over :func:`hidden_link_features`), to 6 decimals."""
    coef = np.array([getattr(weights, name) for name in HIDDEN_LINK_FEATURES])
    z = hidden_link_features(pairs, probability) @ coef + weights.intercept
    return np.round(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))), 6)


def near_misses(relation: np.ndarray, probability: np.ndarray, minimum: float) -> np.ndarray:
    """Positions of the candidate pairs left unlinked (``relation`` empty) whose ``probability``
    (of hiding a link) is at least ``minimum``, most probable first: the links the model may have
    missed."""
    unlinked = np.flatnonzero((np.asarray(relation) == "") & (probability >= minimum))
    return unlinked[np.argsort(-probability[unlinked], kind="stable")]


def nearest_candidates(own: np.ndarray, other: np.ndarray, score: np.ndarray, n_own: int) -> np.ndarray:
    """For each task, the position (in the pair arrays) of its nearest candidate — best score, ties
    to the first other task, as the evidence column names it — or -1 without any."""
    order = np.lexsort((other, -score))
    tasks, first = np.unique(own[order], return_index=True)
    nearest = np.full(n_own, -1)
    nearest[tasks] = order[first]
    return nearest


def row_confidence(
    alignments: pd.DataFrame | Mapping[str, np.ndarray], pairs, probability: np.ndarray, source_ids, target_ids
) -> np.ndarray:
    """The confidence of every row of an alignment table (a frame, or its columns): P(link) for a
    link, 1 − P(link) of the task's nearest candidate for an unlinked task (1 without a candidate)."""
    source_index, target_index = np.asarray(pairs["source_index"]), np.asarray(pairs["target_index"])
    score = np.asarray(pairs["score"], dtype=np.float64)
    n_source, n_target = len(source_ids), len(target_ids)
    keys = pd.Index(source_index * max(n_target, 1) + target_index)
    source_at = pd.Index(source_ids).get_indexer(alignments["source_task_id"])
    target_at = pd.Index(target_ids).get_indexer(alignments["target_task_id"])
    near_of_source = nearest_candidates(source_index, target_index, score, n_source)
    near_of_target = nearest_candidates(target_index, source_index, score, n_target)
    confidence = np.ones(len(source_at))
    both = (source_at >= 0) & (target_at >= 0)
    found = keys.get_indexer(source_at[both] * max(n_target, 1) + target_at[both])
    confidence[np.flatnonzero(both)[found >= 0]] = probability[found[found >= 0]]
    for rows, at, near in (
        (np.flatnonzero((source_at >= 0) & (target_at < 0)), source_at, near_of_source),
        (np.flatnonzero((source_at < 0) & (target_at >= 0)), target_at, near_of_target),
    ):
        nearest = near[at[rows]]
        has = nearest >= 0
        confidence[rows[has]] = 1.0 - probability[nearest[has]]
    return np.round(confidence, 6)
