"""The model scored against the reviewer's corrections (``data/corrections/``).

A reviewer's link decision is taken as gold for the pair it names (``same``/``partial``: a link,
``none``: no link); precision and recall count the model's links among those pairs only, so they
say how often the model was right where a researcher looked (the review queue's pairs are the
doubtful ones: expect lower figures than on the development gold). The model is run as the build
runs it, before any correction (its own targets as indicators). A target the reviewer rejects
was a false target; one they fix had a wrong field.
"""
from __future__ import annotations

import pandas as pd

from analysis import align
from analysis.corpus import manifest
from analysis.corpus.corrections import read_alignment_corrections, read_target_corrections
from analysis.evaluate.alignment import METRIC_COLUMNS, link_metrics

REVIEWED_COLUMNS = ["comparison", "n_decisions", *METRIC_COLUMNS]
KEYS = ["source_task_id", "target_task_id"]


def reviewed_links(fixes: pd.DataFrame, corpus: dict, listed: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """Link metrics of the model per comparison the reviewer's decisions name (decisions on
    unknown comparisons or tasks are left out, as the build leaves them)."""
    planned = manifest.comparisons(listed)
    rows, plans = [], align.PlanCache()
    for plan in planned.itertuples():
        named = fixes[(fixes["source_doc"] == plan.source_doc) & (fixes["target_doc"] == plan.target_doc)]
        if not len(named) or plan.source_doc not in corpus or plan.target_doc not in corpus:
            continue
        source, target = corpus[plan.source_doc], corpus[plan.target_doc]
        named = named[named["source_task_id"].isin(source.tasks["task_id"]) & named["target_task_id"].isin(target.tasks["task_id"])]
        if not len(named):
            continue
        model = align.align(align.Comparison.of(source, target, indicators, plans), plan.kind).alignments
        predicted = model.merge(named[KEYS], on=KEYS)
        gold = named.loc[named["relation"].isin(align.LINKS), [*KEYS, "relation"]]
        rows.append({"comparison": plan.comparison_id, "n_decisions": len(named), **link_metrics(predicted, gold)})
    return pd.DataFrame(rows, columns=REVIEWED_COLUMNS)


def reviewed_targets(fixes: pd.DataFrame, targets: pd.DataFrame) -> dict[str, int]:
    """How many of the model's targets the reviewer looked at, rejected and fixed."""
    known = fixes[fixes["target_id"].isin(targets["target_id"])]
    return {"n_reviewed": len(known), "n_rejected": int((known["action"] == "reject").sum()),
            "n_fixed": int((known["action"] == "fix").sum())}


def report(alignment_path, target_path, corpus: dict, listed: pd.DataFrame, targets: pd.DataFrame) -> str:
    """The model against the reviewer's decisions, as text for ``python -m analysis evaluate``."""
    links = reviewed_links(read_alignment_corrections(alignment_path), corpus, listed, targets)
    counts = reviewed_targets(read_target_corrections(target_path), targets)
    lines = [f"The model against the reviewer's link decisions ({alignment_path}; gold for the pairs they name):"]
    if len(links):
        shown = links.copy()
        for column in ("precision", "recall", "f1", "label_accuracy"):
            shown[column] = shown[column].map("{:.3f}".format)
        lines.append(shown.to_string(index=False))
    else:
        lines.append("  no decision yet (python -m analysis review COMPARISON_ID --out FILE.csv makes a queue)")
    reviewed = counts["n_reviewed"]
    precision = f"precision on them {(reviewed - counts['n_rejected']) / reviewed:.3f}, " if reviewed else ""
    lines.append(f"Targets the reviewer decided ({target_path}): {reviewed}, {precision}"
                 f"{counts['n_rejected']} rejected, {counts['n_fixed']} fixed")
    return "\n".join(lines)
