"""What the method report shows of the evaluation against the gold, for people: the evaluation
tables the build wrote (:func:`method_tables`), its findings, the per-pair F1 it charts,
comparisons named by their plans. DataFrame in, DataFrame (or sentences) out: the evaluation itself
is :mod:`analysis.evaluate`'s."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.evaluate.targets import evaluate_targets, load_gold_targets
from analysis.storage import read_table

# The rows of the per-pair figures the method report charts: (method, selection, setting) → the
# bar's setting. The model as built and cross-validated over the three pairs; the baseline the same.
PAIR_F1_ROWS = {
    ("model", "settings", "as built"): "as built",
    ("model", "all pairs", "cross-validated"): "cross-validated",
    ("baseline", "all pairs", "cross-validated"): "cross-validated",
}


@dataclass(frozen=True)
class MethodTables:
    """The evaluation a build wrote (the ``evaluation_*`` tables, named without the prefix), and
    the built targets scored against the gold; every table empty when the corpus lacks the gold's
    plans."""

    alignment: pd.DataFrame
    sensitivity: pd.DataFrame
    folds: pd.DataFrame
    errors: pd.DataFrame
    pairs: pd.DataFrame
    confidence: pd.DataFrame
    reliability: pd.DataFrame
    near_misses: pd.DataFrame
    targets: pd.DataFrame

    @property
    def evaluated(self) -> bool:
        return len(self.alignment) > 0


def method_tables(folder: Path | str) -> MethodTables:
    """The evaluation tables of the processed tables in ``folder``, read, no parse nor evaluation
    run again; the built targets scored against the gold's targets."""
    names = [name for name in schema.TABLES if name.startswith("evaluation_")]
    tables = {name.removeprefix("evaluation_"): read_table(name, folder) for name in names}
    evaluated = len(tables["alignment"]) > 0
    targets = evaluate_targets(read_table("targets", folder), load_gold_targets()) if evaluated else pd.DataFrame()
    return MethodTables(**tables, targets=targets)


def with_plan_names(frame: pd.DataFrame, report, column: str = "comparison") -> pd.DataFrame:
    """``frame`` with the doc ids in ``column`` replaced by the plans' display names."""
    return frame.assign(**{column: frame[column].map(report.rename_ids)})


def pair_f1(figures: pd.DataFrame, report) -> pd.DataFrame:
    """F1 of each comparison on every link and on high-confidence links (the figures of
    ``analysis.evaluate.evaluate_crosslevel``), the :data:`PAIR_F1_ROWS`, comparisons named: in
    :func:`analysis.report.charts.f1_bars`' shape."""
    keys = list(zip(figures["method"], figures["selection"], figures["setting"]))
    kept = [key in PAIR_F1_ROWS for key in keys]
    rows = with_plan_names(figures[kept], report)
    return rows.assign(setting=[PAIR_F1_ROWS[key] for key, keep in zip(keys, kept) if keep])


def _by_city(rows: pd.DataFrame, column: str, report) -> str:
    """``0.77 (Ezhou 2024), 0.85 (Wuhan 2025)``: a figure of each comparison, named by its target."""
    msg = report.msg
    return msg.join(
        msg("findings.method.by_plan", value=msg.ratio(value), plan=report.name(comparison.split(" → ")[-1]))
        for comparison, value in zip(rows["comparison"], rows[column])
    )


def _span(values: pd.Series, msg) -> str:
    """Shares of several plans as a reader says them: ``100%`` when all agree, else ``92%–100%``."""
    low, high = msg.share(values.min()), msg.share(values.max())
    return low if low == high else f"{low}–{high}"


def method_findings(tables: MethodTables, report) -> list[str]:
    """The method report's sentences: alignment on the development gold, then across levels (per
    pair, else the team checks' range), targets, how far the link confidence holds on the city
    checks it never saw, the caveat; only the caveat when nothing was evaluated."""
    msg = report.msg
    if not tables.evaluated:
        return [msg("findings.method.none"), msg("findings.method.caveat")]
    summary, targets, figures = tables.alignment, tables.targets, tables.pairs
    reliability, near_misses = tables.reliability, tables.near_misses
    dev = summary[(summary["gold"] == "development")]
    model = dev[dev["method"] == "model"]
    cross = model[model["setting"].str.contains("cross")]
    base = dev[dev["method"] == "baseline"]
    sentences = [
        msg(
            "findings.method.alignment",
            f1=msg.ratio(model["f1"].iloc[0]) if len(model) else "",
            cross=msg.ratio(cross["f1"].iloc[0]) if len(cross) else "",
            baseline=msg.ratio(base["f1"].iloc[0]) if len(base) else "",
        )
    ]
    team = summary[(summary["gold"] != "development") & (summary["method"] == "model")]
    if len(figures):
        across = figures[figures["comparison"].isin(team["comparison"])]
        built = across[(across["method"] == "model") & (across["setting"] == "as built")]
        baseline = across[
            (across["method"] == "baseline")
            & (across["selection"] == "all pairs")
            & (across["setting"] == "cross-validated")
        ]
        sentences.append(
            msg(
                "findings.method.pairs",
                all=_by_city(built[built["gold"] == "all links"], "f1", report),
                high=_by_city(built[built["gold"] == "high confidence"], "f1", report),
                baseline=_by_city(baseline[baseline["gold"] == "all links"], "f1", report),
            )
        )
    elif len(team):
        sentences.append(msg("findings.method.team", low=msg.ratio(team["f1"].min()), high=msg.ratio(team["f1"].max())))
    if len(targets):
        sentences.append(
            msg(
                "findings.method.targets",
                recall=_span(targets["core_recall"], msg),
                precision=_span(targets["precision"], msg),
            )
        )
    if len(reliability) and len(near_misses):
        unseen = reliability[(reliability["gold"] != "development") & (reliability["mean_confidence"] >= 0.9)]
        offered = near_misses[near_misses["gold"] != "development"]
        sentences.append(
            msg(
                "findings.method.confidence",
                links=int(unseen["n_links"].sum()),
                pairs=int(unseen["n_pairs"].sum()),
                won=int(offered["missed_in_near_misses"].sum()),
                missed=int(offered["gold_links_missed"].sum()),
            )
        )
    sentences.append(msg("findings.method.caveat"))
    return sentences
