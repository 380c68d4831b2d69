"""The model scored against the reviewer's decisions (``data/corrections/``).

A reviewer's link decision is taken as gold for the pair it names (``same``/``partial``: a link,
``none``: no link); precision and recall count the model's links among those pairs only, so they
say how often the model was right where a researcher looked (the review queue's pairs are the
doubtful ones: expect lower figures than on the development gold). The comparisons are the
model's, before any decision is applied (:func:`analysis.align.compare_plans`). A target the
reviewer rejects was a false target; one they fix had a wrong field.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.align import LINKS, PlanComparison
from analysis.metrics import LINK_KEYS, METRIC_COLUMNS, link_metrics
from analysis.review.apply import decisions_of

AGREEMENT_COLUMNS = ["comparison", "n_decisions", *METRIC_COLUMNS]


def link_agreement(fixes: pd.DataFrame, comparisons: Iterable[PlanComparison]) -> pd.DataFrame:
    """Link metrics of the model per comparison the reviewer's decisions name (decisions on
    unknown comparisons or tasks are left out, as the build leaves them)."""
    rows = []
    for comparison in comparisons:
        named = decisions_of(comparison, fixes)
        if named is None:
            continue
        predicted = comparison.alignments.merge(named[LINK_KEYS], on=LINK_KEYS)
        gold = named.loc[named["relation"].isin(LINKS), [*LINK_KEYS, "relation"]]
        rows.append(
            {"comparison": comparison.comparison_id, "n_decisions": len(named), **link_metrics(predicted, gold)}
        )
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def target_agreement(fixes: pd.DataFrame, targets: pd.DataFrame) -> dict[str, int]:
    """How many of the model's targets the reviewer looked at, rejected and fixed."""
    known = fixes[fixes["target_id"].isin(targets["target_id"])]
    return {
        "n_reviewed": len(known),
        "n_rejected": int((known["action"] == "reject").sum()),
        "n_fixed": int((known["action"] == "fix").sum()),
    }


def agreement_report(
    links: pd.DataFrame, targets: dict[str, int], alignment_path: Path | str, target_path: Path | str
) -> str:
    """The model against the reviewer's decisions (:func:`link_agreement`,
    :func:`target_agreement`), as text for ``python -m analysis evaluate``."""
    lines = [f"The model against the reviewer's link decisions ({alignment_path}; gold for the pairs they name):"]
    if len(links):
        shown = links.copy()
        for column in ("precision", "recall", "f1", "label_accuracy"):
            shown[column] = shown[column].map("{:.3f}".format)
        lines.append(shown.to_string(index=False))
    else:
        lines.append("  no decision yet (python -m analysis review COMPARISON_ID --out FILE.csv makes a queue)")
    reviewed = targets["n_reviewed"]
    precision = f"precision on them {(reviewed - targets['n_rejected']) / reviewed:.3f}, " if reviewed else ""
    lines.append(
        f"Targets the reviewer decided ({target_path}): {reviewed}, {precision}"
        f"{targets['n_rejected']} rejected, {targets['n_fixed']} fixed"
    )
    return "\n".join(lines)
