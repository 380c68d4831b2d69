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
    for comparison_id, kind, source_doc, target_doc in zip(
        planned["comparison_id"].astype(str).tolist(),
        planned["kind"].astype(str).tolist(),
        planned["source_doc"].astype(str).tolist(),
        planned["target_doc"].astype(str).tolist(),
    ):
        named = fixes[(fixes["source_doc"] == source_doc) & (fixes["target_doc"] == target_doc)]
        if not len(named) or source_doc not in corpus or target_doc not in corpus:
            continue
        source, target = corpus[source_doc], corpus[target_doc]
        named = named[
            named["source_task_id"].isin(source.tasks["task_id"])
            & named["target_task_id"].isin(target.tasks["task_id"])
        ]
        if not len(named):
            continue
        model = align.align(align.Comparison.of(source, target, indicators, plans), kind).alignments
        predicted = model.merge(named[KEYS], on=KEYS)
        gold = named.loc[named["relation"].isin(align.LINKS), [*KEYS, "relation"]]
        rows.append({"comparison": comparison_id, "n_decisions": len(named), **link_metrics(predicted, gold)})
    return pd.DataFrame(rows, columns=REVIEWED_COLUMNS)


def reviewed_targets(fixes: pd.DataFrame, targets: pd.DataFrame) -> dict[str, int]:
    """How many of the model's targets the reviewer looked at, rejected and fixed."""
    known = fixes[fixes["target_id"].isin(targets["target_id"])]
    return {
        "n_reviewed": len(known),
        "n_rejected": int((known["action"] == "reject").sum()),
        "n_fixed": int((known["action"] == "fix").sum()),
    }


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
    lines.append(
        f"Targets the reviewer decided ({target_path}): {reviewed}, {precision}"
        f"{counts['n_rejected']} rejected, {counts['n_fixed']} fixed"
    )
    return "\n".join(lines)
