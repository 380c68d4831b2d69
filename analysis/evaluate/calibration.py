"""Calibration of the link confidence (``analysis.align.confidence``) on the development gold.

The candidate pairs of the development comparison (province 2023 → 2024) are labelled by the
gold (a gold ``same``/``partial`` link or not), and a logistic regression of that label on each
pair's features is fitted. Its L2 penalty is chosen by cross-validated log loss (folds over source
tasks, as for the thresholds); the reliability table bins the cross-validated predictions
(predicted confidence vs observed link rate), and the same for the team's cross-level checks,
which the model never saw (does a year model carry over to province → city?).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import align
from analysis.align import confidence
from analysis.evaluate.alignment import (
    DEV_COMPARISON,
    DEV_GOLD,
    GOLD_TASKS,
    TEAM_CHECKS,
    dev_gold_links,
    read_gold,
    team_links,
)
from analysis.settings import LINK_CONFIDENCE_PATH, AlignmentSettings
from analysis.storage import write_text

L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
RELIABILITY_BINS = 10
# Each table of a calibration names its gold (development / team check), the comparison and how the
# predictions were made (cross-validated on the development gold; held out: a gold never fitted on).
PREDICTION_COLUMNS = ["gold", "comparison", "setting"]
RELIABILITY_COLUMNS = [*PREDICTION_COLUMNS, "bin", "n_pairs", "mean_confidence", "observed_link_rate", "n_links"]
HELD_OUT = "held out"


@dataclass(frozen=True)
class LabelledPairs:
    """A comparison's candidate pairs, their features and whether the gold links them."""

    name: str
    gold: str  # development or team check
    pairs: pd.DataFrame
    features: np.ndarray
    labels: np.ndarray
    n_gold: int  # gold links, candidates or not
    n_source: int  # tasks of the two plans
    n_target: int


def labelled_pairs(corpus: dict, settings: AlignmentSettings, indicators: pd.DataFrame) -> list[LabelledPairs]:
    """The development comparison's candidate pairs first, then each team check's (``indicators``:
    the targets the aligner sees)."""
    plans = align.PlanCache()
    source_id, target_id, _ = DEV_COMPARISON
    checks = [
        (
            source_id,
            target_id,
            "development",
            dev_gold_links(
                read_gold(DEV_GOLD), read_gold(GOLD_TASKS), corpus[source_id].tasks, corpus[target_id].tasks
            ),
        )
    ]
    checks += [
        (s, t, "team check", team_links(read_gold(path)))
        for (s, t, _), path in TEAM_CHECKS.items()
        if s in corpus and t in corpus
    ]
    found = []
    for source, target, gold_name, gold in checks:
        pairs = align.scored_pairs(corpus[source], corpus[target], settings, indicators, plans)
        n_source, n_target = len(corpus[source].tasks), len(corpus[target].tasks)
        keys = pd.MultiIndex.from_frame(gold[["source_task_id", "target_task_id"]])
        labels = keys.get_indexer(pd.MultiIndex.from_frame(pairs[["source_task_id", "target_task_id"]])) >= 0
        found.append(
            LabelledPairs(
                f"{source} → {target}",
                gold_name,
                pairs,
                confidence.pair_features(pairs, n_source, n_target),
                labels,
                len(gold.drop_duplicates(["source_task_id", "target_task_id"])),
                n_source,
                n_target,
            )
        )
    return found


def cross_validated(dev: LabelledPairs, l2: float, folds: int) -> np.ndarray:
    """Out-of-fold P(link) of the development pairs (source task i in fold i mod ``folds``)."""
    fold = np.asarray(dev.pairs["source_index"]) % folds
    predicted = np.zeros(len(fold))
    for k in range(folds):
        model = confidence.fit(dev.features[fold != k], dev.labels[fold != k], l2)
        predicted[fold == k] = model.probability(dev.features[fold == k])
    return predicted


def log_loss(probability: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probability, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(labels, np.log(p), np.log(1 - p))))


def brier(probability: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean((probability - labels) ** 2))


@dataclass(frozen=True)
class Predictions:
    """The link probabilities of one gold's candidate pairs, and how they were made."""

    gold: str
    comparison: str
    setting: str
    pairs: LabelledPairs
    probability: np.ndarray

    @property
    def label(self) -> dict[str, str]:
        return {"gold": self.gold, "comparison": self.comparison, "setting": self.setting}


def reliability_table(probability: np.ndarray, labels: np.ndarray, bins: int = RELIABILITY_BINS) -> pd.DataFrame:
    """Pairs binned by predicted confidence (equal-width bins, empty ones left out): how many, the
    mean prediction, and the share that the gold links."""
    which = np.minimum((probability * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append(
                {
                    "bin": f"{b / bins:.1f}–{(b + 1) / bins:.1f}",
                    "n_pairs": int(inside.sum()),
                    "mean_confidence": float(probability[inside].mean()),
                    "observed_link_rate": float(labels[inside].mean()),
                    "n_links": int(labels[inside].sum()),
                }
            )
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS[len(PREDICTION_COLUMNS) :])


@dataclass(frozen=True)
class Calibration:
    model: confidence.LinkModel  # fitted on every development pair with the chosen penalty
    penalties: pd.DataFrame  # cross-validated log loss and Brier score for each L2 penalty
    scores: pd.DataFrame  # per gold: pairs, links, links outside the candidates, log loss, Brier
    reliability: pd.DataFrame
    near_misses: pd.DataFrame  # per gold: the near misses offered, and the missed gold links among them


def calibrate(labelled: list[LabelledPairs], settings: AlignmentSettings) -> Calibration:
    """Fit the link model on the development pairs and measure how well its confidence holds
    (folds over source tasks: the settings' ``cv_folds``)."""
    folds = settings.cv_folds
    dev = labelled[0]
    penalties = []
    for l2 in L2_GRID:
        predicted = cross_validated(dev, l2, folds)
        penalties.append({"l2": l2, "log_loss": log_loss(predicted, dev.labels), "brier": brier(predicted, dev.labels)})
    penalties_table = pd.DataFrame(penalties)
    l2 = float(penalties_table.sort_values(["log_loss", "l2"]).iloc[0]["l2"])
    model = confidence.fit(
        dev.features, dev.labels, l2, fitted_on=f"{DEV_GOLD.name}: {dev.name} ({len(dev.labels)} candidate pairs)"
    )
    predictions = [
        Predictions(dev.gold, dev.name, f"{folds}-fold cross-validated", dev, cross_validated(dev, l2, folds))
    ]
    predictions += [
        Predictions(item.gold, item.name, HELD_OUT, item, model.probability(item.features)) for item in labelled[1:]
    ]
    scores = pd.DataFrame(
        [
            {
                **p.label,
                "n_pairs": len(p.pairs.labels),
                "n_links": int(p.pairs.labels.sum()),
                "gold_links_not_candidates": p.pairs.n_gold - int(p.pairs.labels.sum()),
                "log_loss": log_loss(p.probability, p.pairs.labels),
                "brier": brier(p.probability, p.pairs.labels),
            }
            for p in predictions
        ]
    )
    reliability = pd.concat(
        [reliability_table(p.probability, p.pairs.labels).assign(**p.label) for p in predictions], ignore_index=True
    )[RELIABILITY_COLUMNS]
    return Calibration(model, penalties_table, scores, reliability, near_miss_table(predictions, settings))


def near_miss_table(predictions: list[Predictions], settings: AlignmentSettings) -> pd.DataFrame:
    """For each gold: how many near misses (:func:`analysis.align.confidence.near_misses`) the
    review queue offers under the settings' thresholds, and how many of the gold links the model
    misses are among them (what a reviewer can win back)."""
    rows = []
    for p in predictions:
        item = p.pairs
        relation = align.decide(item.pairs, item.n_source, item.n_target, settings.thresholds)
        chance = confidence.hidden_link_probability(item.pairs, p.probability, settings.hidden_link)
        offered = confidence.near_misses(relation, chance, settings.near_miss_min)
        missed = item.labels & (relation == "")
        rows.append(
            {
                **p.label,
                "near_miss_min": settings.near_miss_min,
                "n_near_misses": len(offered),
                "gold_links_missed": item.n_gold - int((item.labels & (relation != "")).sum()),
                "missed_in_near_misses": int(missed[offered].sum()),
            }
        )
    return pd.DataFrame(rows)


def write_model(calibration: Calibration, path=LINK_CONFIDENCE_PATH) -> None:
    """Store the fitted model where the build reads it."""
    write_text(path, calibration.model.to_json())


def report(calibration: Calibration) -> str:
    reliability = calibration.reliability.copy()
    for column in ("mean_confidence", "observed_link_rate"):
        reliability[column] = reliability[column].map("{:.3f}".format)
    return "\n".join(
        [
            "Link confidence (analysis/align/confidence.py): logistic regression of 'is a gold link' on each candidate",
            f"pair's score and signals, fitted on the development gold (L2 penalty {calibration.model.l2:g}, chosen by",
            "cross-validated log loss: "
            + ", ".join(f"{r.l2:g}→{r.log_loss:.4f}" for r in calibration.penalties.itertuples())
            + ").",
            "",
            calibration.scores.round(4).to_string(index=False),
            "",
            "Reliability: candidate pairs binned by predicted confidence, against the share the gold links",
            reliability.to_string(index=False),
            "",
            "Near misses (the review queue's offer, `analysis review`): candidate pairs left unlinked whose chance of",
            "hiding a link is ≥ near_miss_min, and how many of the gold links the model misses they hold",
            calibration.near_misses.to_string(index=False),
        ]
    )
