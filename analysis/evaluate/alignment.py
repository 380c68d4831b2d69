"""Evaluation of the task aligner against hand-annotated gold, beside a naive baseline.

A *link* is a pair of tasks related ``same`` or ``partial``. Precision, recall and F1 count links
(unordered by label); *label accuracy* is the share of correctly found links that also carry the
gold's label (same vs partial).

- The development gold (``data/gold/align_province_2023_2024.csv``, 2023 → 2024 provincial plans)
  chooses the decision thresholds: a grid search maximising F1 (then label accuracy), reported
  in-sample and cross-validated (k-fold over source tasks: thresholds chosen on the other folds'
  gold, applied to the held-out fold's tasks, predictions pooled).
- The naive baseline links each target task to its single best source task by
  ``rapidfuzz.fuzz.ratio`` on the task text as printed (no segmentation, no preprocessing),
  labelled ``same``.
- The aligner sees the quantitative targets of the compared documents as indicators, those the
  build's comparisons see (passed in: :func:`analysis.targets.compared_targets`).
- The team's own cross-level annotations (``data/gold/team_align_*.csv``; not the held-out gold)
  check that the thresholds of the settings (those the build uses, best on the development
  gold) carry over to province → city comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from itertools import product

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from analysis import align
from analysis.errors import UserError
from analysis.metrics import METRIC_COLUMNS, link_metrics, link_metrics_of_counts
from analysis.settings import GOLD_DIR, LINK_CONFIDENCE_PATH, OPTIONAL_RULES, AlignmentSettings, ThresholdGrid
from analysis.storage import read_checked_csv

DEV_GOLD = GOLD_DIR / "align_province_2023_2024.csv"
GOLD_TASKS = GOLD_DIR / "tasks_province.csv"
DEV_COMPARISON = ("hubei_province_2023", "hubei_province_2024", "year")
# The team's own development check of the cross-level comparisons (not the held-out gold).
TEAM_CHECKS = {
    ("hubei_province_2024", "ezhou_city_2024", "level"): GOLD_DIR / "team_align_province_2024_ezhou_2024.csv",
    ("hubei_province_2024", "wuhan_city_2025", "level"): GOLD_DIR / "team_align_province_2024_wuhan_2025.csv",
}
LINK_COLUMNS = ["source_task_id", "target_task_id", "relation"]
SUMMARY_COLUMNS = ["comparison", "gold", "method", "setting", *METRIC_COLUMNS]
_GOLD_ID = re.compile(r"^P(\d{2})-(\d+)-(\d+)$")


# --- gold ---------------------------------------------------------------------------------------


def gold_task_ids(gold_tasks: pd.DataFrame, tasks: pd.DataFrame) -> dict[str, str]:
    """Gold task id (``P23-2-10``) → our task id, matched on document, part title and item number."""
    ours = tasks.assign(number=tasks["item_no"].astype("string").fillna("(unnumbered)"))
    merged = gold_tasks.merge(
        ours,
        left_on=["doc", "part_title", "number"],
        right_on=["doc_id", "part_title", "number"],
        suffixes=("_gold", ""),
    )
    return dict(zip(merged["task_id_gold"], merged["task_id"]))


def dev_gold_links(
    gold: pd.DataFrame, gold_tasks: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame
) -> pd.DataFrame:
    """The development gold's same/partial rows as links between our task ids."""
    ids = gold_task_ids(gold_tasks, pd.concat([source, target], ignore_index=True))
    links = gold[gold["relation"].isin(align.LINKS)]
    unknown = sorted(set(links["task_2023"]).union(links["task_2024"]) - set(ids))
    if unknown:
        raise UserError(DEV_GOLD, f"gold task ids not found in the parsed plans: {', '.join(unknown)}")
    return pd.DataFrame(
        {
            "source_task_id": links["task_2023"].map(ids),
            "target_task_id": links["task_2024"].map(ids),
            "relation": links["relation"],
        }
    ).reset_index(drop=True)


def team_links(team: pd.DataFrame) -> pd.DataFrame:
    """A team annotation file's same/partial rows (already in our task ids)."""
    return team.loc[team["relation"].isin(align.LINKS), LINK_COLUMNS].reset_index(drop=True)


def read_gold(path) -> pd.DataFrame:
    return read_checked_csv(path, [], "gold file")


# --- metrics ------------------------------------------------------------------------------------


def baseline_links(source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """Each target task's single best source task by ``fuzz.ratio`` on the task text, as ``same``."""
    if source.empty or target.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    ratio = process.cdist(list(source["text"]), list(target["text"]), scorer=fuzz.ratio, workers=-1)
    best = np.asarray(ratio).argmax(axis=0)
    return pd.DataFrame(
        {
            "source_task_id": source["task_id"].to_numpy()[best],
            "target_task_id": target["task_id"].to_numpy(),
            "relation": "same",
        }
    )


# --- threshold selection ------------------------------------------------------------------------


def threshold_grid(grid: ThresholdGrid | Mapping[str, tuple[float, float, float]]) -> pd.DataFrame:
    """Every combination of the thresholds' candidate values (``(first, last, step)`` each; a rule
    of :data:`OPTIONAL_RULES` may also be off, an infinite value)."""
    ranges = {f.name: getattr(grid, f.name) for f in fields(grid)} if isinstance(grid, ThresholdGrid) else dict(grid)
    axes = {
        name: np.r_[np.round(np.arange(first, last + step / 2, step), 4), [np.inf] if name in OPTIONAL_RULES else []]
        for name, (first, last, step) in ranges.items()
    }
    return pd.DataFrame(list(product(*axes.values())), columns=list(axes))


class _Scorer:
    """Decides and scores one comparison's candidate pairs under many thresholds, quickly."""

    def __init__(self, pairs: pd.DataFrame, source_ids: list[str], n_target: int, gold: pd.DataFrame):
        self.pairs = pairs
        self.source_ids = np.asarray(source_ids, dtype=object)
        self.n_source, self.n_target = len(source_ids), n_target
        self.assigned = align.one_to_one(pairs, self.n_source, n_target)
        self.ratio = align.best_ratio(pairs, self.n_source, n_target)
        keyed = pairs[["source_task_id", "target_task_id"]].merge(
            gold, how="left", on=["source_task_id", "target_task_id"]
        )
        self.gold_relation = keyed["relation"].fillna("").to_numpy()
        self.gold = gold

    def relations(self, thresholds: dict[str, float]) -> np.ndarray:
        return align.decide(
            self.pairs, self.n_source, self.n_target, align.thresholds_of(thresholds), self.assigned, self.ratio
        )

    def metrics(self, relation: np.ndarray, rows: np.ndarray | None = None) -> dict[str, float]:
        """Link metrics over the pairs whose source task is in ``rows`` (all when None)."""
        linked = (relation != "")[None, :]
        same = (relation == "same")[None, :]
        return {k: v[0] for k, v in self._counts(linked, same, rows).items()}

    def grid_metrics(self, grid: pd.DataFrame, rows: np.ndarray | None = None) -> pd.DataFrame:
        """Metrics of every row of the threshold grid at once (one row of results per config)."""
        linked, same = align.decide_grid(self.pairs, self.n_source, self.n_target, grid, self.assigned, self.ratio)
        return pd.DataFrame(self._counts(linked, same, rows))

    def _counts(self, linked: np.ndarray, same: np.ndarray, rows: np.ndarray | None) -> dict[str, np.ndarray]:
        in_scope = np.ones(linked.shape[1], dtype=bool) if rows is None else np.isin(self.pairs["source_index"], rows)
        n_gold = len(self.gold) if rows is None else int(self.gold["source_task_id"].isin(self.source_ids[rows]).sum())
        gold_link = (self.gold_relation != "") & in_scope
        linked = linked & in_scope[None, :]
        correct = linked & gold_link[None, :]
        n_correct = np.count_nonzero(correct, axis=1)
        n_predicted = np.count_nonzero(linked, axis=1)
        right_label = correct & (same == (self.gold_relation == "same")[None, :])
        return link_metrics_of_counts(n_correct, n_predicted, np.count_nonzero(right_label, axis=1), n_gold)

    def select(self, grid: pd.DataFrame, rows: np.ndarray | None = None) -> dict[str, float]:
        """The grid's thresholds with the best F1, then label accuracy; among configurations the
        gold cannot tell apart, the most conservative: fewest predicted links, then the highest
        thresholds (a low floor only pairs leftover tasks, which the gold does not reward)."""
        results = self.grid_metrics(grid, rows)
        f1, label = results["f1"].to_numpy(), results["label_accuracy"].to_numpy()
        tied = np.flatnonzero(f1 >= f1.max() - 1e-9)
        tied = tied[label[tied] >= label[tied].max() - 1e-9]
        chosen = most_conservative(grid.to_numpy(dtype=float), tied, results["n_predicted"].to_numpy())
        return {str(name): float(value) for name, value in grid.iloc[chosen].items()}


def most_conservative(values: np.ndarray, tied: np.ndarray, n_predicted: np.ndarray) -> int:
    """Of the grid rows ``tied`` (``values``: the grid, a rule turned off infinite), the one with
    the fewest predicted links, then the highest thresholds summed, a rule turned off counting
    above every value of its column. (Summed as they are, every row with a rule off was equally
    high, infinite: the choice among them fell to the grid's order, and a rule added to the grid,
    even off throughout, moved the cross-validated F1 by up to 0.011.)"""
    finite = np.isfinite(values)
    off = np.max(np.where(finite, values, -np.inf), axis=0, initial=0.0) + 1.0
    heights = np.where(finite, values, off).sum(axis=1)
    order = np.lexsort((-heights[tied], n_predicted[tied]))
    return int(tied[order[0]])


def cross_validate(scorer: _Scorer, grid: pd.DataFrame, folds: int) -> tuple[dict[str, float], pd.DataFrame]:
    """k-fold over source tasks (task i in fold i mod k): thresholds chosen on the other folds,
    applied to the held-out fold; returns the pooled metrics and each fold's thresholds."""
    fold_of = np.arange(scorer.n_source) % folds
    relation = np.full(len(scorer.pairs), "", dtype=object)
    chosen = []
    for fold in range(folds):
        train = np.flatnonzero(fold_of != fold)
        thresholds = scorer.select(grid, train)
        held_out = np.isin(scorer.pairs["source_index"], np.flatnonzero(fold_of == fold))
        relation[held_out] = scorer.relations(thresholds)[held_out]
        chosen.append(
            {
                "fold": fold,
                **thresholds,
                **{
                    f"held_out_{k}": v
                    for k, v in scorer.metrics(relation, np.flatnonzero(fold_of == fold)).items()
                    if k in ("f1", "n_gold")
                },
            }
        )
    return scorer.metrics(relation), pd.DataFrame(chosen)


def sensitivity(scorer: _Scorer, thresholds: dict[str, float], grid: pd.DataFrame) -> pd.DataFrame:
    """F1 and label accuracy as each threshold moves over its grid values, the others fixed."""
    rows = []
    for name in grid.columns:
        for value in sorted(grid[name].unique()):
            metrics = scorer.metrics(scorer.relations({**thresholds, name: float(value)}))
            rows.append(
                {
                    "threshold": name,
                    "threshold_value": float(value),
                    "selected": bool(np.isclose(value, thresholds[name])),
                    **{k: metrics[k] for k in ("precision", "recall", "f1", "label_accuracy")},
                }
            )
    return pd.DataFrame(rows)


# --- the whole evaluation -----------------------------------------------------------------------


@dataclass(frozen=True)
class AlignmentEvaluation:
    """Tables for the command line and the notebooks."""

    summary: pd.DataFrame  # one row per comparison × method × setting
    thresholds: dict[str, float]  # selected on the whole development gold
    folds: pd.DataFrame  # thresholds chosen in each cross-validation fold
    sensitivity: pd.DataFrame  # F1 as each threshold moves
    errors: pd.DataFrame  # missed links, extra links and label errors, per comparison


def _errors(comparison_name: str, predicted: pd.DataFrame, gold: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    keys = ["source_task_id", "target_task_id"]
    predicted = predicted[predicted["relation"].isin(align.LINKS)][LINK_COLUMNS]
    merged = predicted.merge(gold, on=keys, how="outer", suffixes=("_predicted", "_gold")).fillna("")
    merged["error"] = np.select(
        [
            merged["relation_gold"] == "",
            merged["relation_predicted"] == "",
            merged["relation_gold"] != merged["relation_predicted"],
        ],
        ["extra link", "missed link", "wrong label"],
        "",
    )
    merged = merged[merged["error"] != ""]
    headings = {task: (h if len(h) <= 24 else h[:23] + "…") for task, h in zip(tasks["task_id"], tasks["heading"])}
    merged["source_heading"] = merged["source_task_id"].map(headings)
    merged["target_heading"] = merged["target_task_id"].map(headings)
    return merged.assign(comparison=comparison_name)[
        ["comparison", "error", *keys, "relation_predicted", "relation_gold", "source_heading", "target_heading"]
    ]


def _summary_row(comparison: str, gold: str, method: str, setting: str, metrics: dict) -> dict:
    return {"comparison": comparison, "gold": gold, "method": method, "setting": setting, **metrics}


def _team_checks(
    corpus: dict, indicators: pd.DataFrame, settings: AlignmentSettings, plans: align.PlanCache
) -> tuple[list[dict], list[pd.DataFrame]]:
    """The model (as the build decides, :func:`analysis.align.compare_plans`) and the baseline on
    the team's cross-level checks: summary rows and the model's errors."""
    link_model = align.LinkModel.load(LINK_CONFIDENCE_PATH)
    rows, errors = [], []
    for (team_source, team_target, team_kind), path in TEAM_CHECKS.items():
        if team_source not in corpus or team_target not in corpus:
            continue
        source, target = corpus[team_source], corpus[team_target]
        check = align.compare_plans(source, target, team_kind, settings, link_model, indicators, plans).alignments
        team = team_links(read_gold(path))
        name = f"{team_source} → {team_target}"
        rows.append(_summary_row(name, "team check", "model", "thresholds of the settings", link_metrics(check, team)))
        baseline = link_metrics(baseline_links(source.tasks, target.tasks), team)
        rows.append(_summary_row(name, "team check", "baseline", "no fitting", baseline))
        errors.append(_errors(name, check, team, pd.concat([source.tasks, target.tasks])))
    return rows, errors


def evaluate_alignment(
    corpus: dict,
    settings: AlignmentSettings,
    indicators: pd.DataFrame,
    grid: pd.DataFrame | None = None,
) -> AlignmentEvaluation:
    """Evaluate the aligner and the baseline on the development gold (in-sample and
    cross-validated) and on the team's cross-level checks. ``corpus`` maps doc ids to parsed
    documents; ``grid``: the thresholds tried (the settings' grid when omitted); ``indicators``
    are the targets the aligner sees (as in the build's comparisons)."""
    grid = threshold_grid(settings.threshold_grid) if grid is None else grid
    source_id, target_id, _ = DEV_COMPARISON
    source, target = corpus[source_id], corpus[target_id]
    plans = align.PlanCache()
    gold = dev_gold_links(read_gold(DEV_GOLD), read_gold(GOLD_TASKS), source.tasks, target.tasks)
    pairs = align.scored_pairs(source, target, settings, indicators, plans)
    scorer = _Scorer(pairs, list(source.tasks["task_id"]), len(target.tasks), gold)
    thresholds = scorer.select(grid)
    cross_validated, folds = cross_validate(scorer, grid, settings.cv_folds)
    name = f"{source_id} → {target_id}"
    rows = [
        _summary_row(name, "development", "model", "in-sample", scorer.metrics(scorer.relations(thresholds))),
        _summary_row(name, "development", "model", f"{settings.cv_folds}-fold cross-validated", cross_validated),
        _summary_row(
            name,
            "development",
            "baseline",
            "no fitting",
            link_metrics(baseline_links(source.tasks, target.tasks), gold),
        ),
    ]
    predicted = pairs.assign(relation=scorer.relations(thresholds))
    errors = [_errors(name, predicted, gold, pd.concat([source.tasks, target.tasks]))]
    team_rows, team_errors = _team_checks(corpus, indicators, settings, plans)
    summary = pd.DataFrame(rows + team_rows, columns=SUMMARY_COLUMNS)
    return AlignmentEvaluation(
        summary,
        thresholds,
        folds,
        sensitivity(scorer, thresholds, grid),
        pd.concat(errors + team_errors, ignore_index=True),
    )


def report(evaluation: AlignmentEvaluation) -> str:
    """The evaluation as text for the command line."""
    summary = evaluation.summary.copy()
    for column in ("precision", "recall", "f1", "label_accuracy"):
        summary[column] = summary[column].map("{:.3f}".format)
    sensitivity = evaluation.sensitivity
    lines = [
        "Task alignment against gold. A link is a pair related `same` or `partial`; precision, recall and F1",
        "count links; label accuracy is the share of correctly found links that carry the gold's label.",
        "",
        summary.to_string(index=False),
        "",
        "Baseline: each target task's single best source task by rapidfuzz.fuzz.ratio on the task text, labelled same.",
        "Team check: the team's own annotation of the cross-level pairs (data/gold/team_align_*.csv), not the held-out gold.",
        "",
        "Thresholds selected on the whole development gold: "
        + ", ".join(f"{k}={v:g}" for k, v in evaluation.thresholds.items()),
        "Thresholds chosen in each cross-validation fold (folds over source tasks):",
        evaluation.folds.round(3).to_string(index=False),
        "",
        "Sensitivity of F1 on the development gold as one threshold moves (the others as selected):",
    ]
    for name, rows in sensitivity.groupby("threshold", sort=False):
        lines.append(
            f"  {name}: "
            + "  ".join(f"{'*' if r.selected else ''}{r.threshold_value:g}→{r.f1:.3f}" for r in rows.itertuples())
        )
    within = sensitivity.groupby("threshold")["f1"].agg(["min", "max"])
    lines.append(
        "  F1 range per threshold: " + ", ".join(f"{t} {r['min']:.3f}–{r['max']:.3f}" for t, r in within.iterrows())
    )
    lines += ["", "Errors of the model (selected thresholds):", evaluation.errors.to_string(index=False)]
    return "\n".join(lines)


def method_summary(alignment: AlignmentEvaluation, targets: pd.DataFrame) -> str:
    """One line: alignment F1 (in-sample, cross-validated, baseline) and target recall/precision."""
    dev = alignment.summary[alignment.summary["gold"] == "development"].set_index(["method", "setting"])["f1"]
    model = dev.xs("model", level="method")
    cross = next((v for s, v in model.items() if "cross" in str(s)), float("nan"))
    line = (
        f"alignment F1 {model.get('in-sample', float('nan')):.3f} in-sample, {cross:.3f} cross-validated, "
        f"baseline {dev.xs('baseline', level='method').iloc[0]:.3f}"
    )
    if len(targets):
        line += "; targets " + ", ".join(
            f"{row.doc_id} core recall {row.core_recall:.2f} precision {row.precision:.2f}"
            for row in targets.itertuples()
        )
    return line
