"""Precision, recall and F1: one definition for every evaluation (targets, links, grids of
thresholds)."""

from __future__ import annotations

import numpy as np


def precision_recall_f1(n_correct, n_predicted, n_gold) -> tuple:
    """Precision, recall and F1 from counts (scalars or arrays alike); 0 where undefined."""
    n_correct, n_predicted, n_gold = (np.asarray(x, dtype=np.float64) for x in (n_correct, n_predicted, n_gold))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n_predicted > 0, n_correct / n_predicted, 0.0)
        recall = np.where(n_gold > 0, n_correct / n_gold, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    if precision.ndim == 0:
        return float(precision), float(recall), float(f1)
    return precision, recall, f1
