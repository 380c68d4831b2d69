"""Precision, recall and F1: one definition for every evaluation (targets, links, grids of
thresholds), against the gold or against a reviewer's decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

LINKS = ("same", "partial")
LINK_KEYS = ["source_task_id", "target_task_id"]
METRIC_COLUMNS = ["precision", "recall", "f1", "label_accuracy", "n_gold", "n_predicted", "n_correct"]


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


def link_metrics_of_counts(n_correct, n_predicted, n_right_label, n_gold: int) -> dict:
    """Precision, recall, F1 and label accuracy (the share of correct links that carry the gold's
    label) from counts, one value per configuration (arrays alike)."""
    n_correct, n_predicted, n_right_label = (np.asarray(x) for x in (n_correct, n_predicted, n_right_label))
    precision, recall, f1 = precision_recall_f1(n_correct, n_predicted, np.full(len(n_correct), n_gold))
    with np.errstate(invalid="ignore", divide="ignore"):
        label = np.where(n_correct > 0, n_right_label / np.maximum(n_correct, 1), 0.0)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "label_accuracy": label,
        "n_gold": np.full(len(n_correct), n_gold),
        "n_predicted": n_predicted,
        "n_correct": n_correct,
    }


def link_metrics(predicted: pd.DataFrame, gold: pd.DataFrame) -> dict[str, float]:
    """Precision, recall, F1 of links (pairs related ``same`` or ``partial``) and label accuracy on
    the correctly found links; ``predicted`` and ``gold`` hold ``source_task_id, target_task_id,
    relation``."""
    predicted = predicted[predicted["relation"].isin(LINKS)].drop_duplicates(LINK_KEYS)
    gold = gold.drop_duplicates(LINK_KEYS)
    hits = predicted.merge(gold, on=LINK_KEYS, suffixes=("", "_gold"))
    n_correct, n_predicted, n_gold = len(hits), len(predicted), len(gold)
    precision, recall, f1 = precision_recall_f1(n_correct, n_predicted, n_gold)
    label = float((hits["relation"] == hits["relation_gold"]).mean()) if n_correct else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "label_accuracy": label,
        "n_gold": n_gold,
        "n_predicted": n_predicted,
        "n_correct": n_correct,
    }
