"""The evaluation against the gold as tables, written with the processed tables (what the method
report shows): the aligner and its baseline on each gold comparison, the thresholds' sensitivity
and folds, the errors, every pair under every protocol, the link confidence's calibration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.evaluate import calibration
from analysis.evaluate.alignment import DEV_GOLD, GOLD_TASKS, TEAM_CHECKS, evaluate_alignment
from analysis.evaluate.crosslevel import COMPARISONS, TEAM_CLAUSES, evaluate_crosslevel
from analysis.parse.document import ParsedDocument
from analysis.settings import BuildSettings

EVALUATION_TABLES = tuple(name for name in schema.TABLES if name.startswith("evaluation_"))
GOLD_FILES = (DEV_GOLD, GOLD_TASKS, *TEAM_CHECKS.values(), *TEAM_CLAUSES.values())


def gold_plans() -> tuple[str, ...]:
    """The doc ids of the plans the alignment gold annotates."""
    return tuple(dict.fromkeys(doc_id for key in COMPARISONS for doc_id in key[:2]))


def evaluation_tables(
    docs: list[ParsedDocument], targets: pd.DataFrame, settings: BuildSettings
) -> tuple[dict[str, pd.DataFrame], tuple[Path, ...]]:
    """The evaluation of the aligner and its link confidence against the gold, as the tables of
    :data:`EVALUATION_TABLES`, and the gold files read; empty tables (and no file) when the corpus
    lacks one of the gold's plans (:func:`gold_plans`): there is nothing to score then. ``targets``:
    those the aligner compares the plans on, as in the build's comparisons."""
    corpus = {doc.doc_id: doc for doc in docs}
    if not set(gold_plans()) <= set(corpus):
        return {name: schema.empty(name) for name in EVALUATION_TABLES}, ()
    alignment = evaluate_alignment(corpus, settings.alignment, targets)
    pairs = evaluate_crosslevel(corpus, settings.alignment, targets)
    labelled = calibration.labelled_pairs(corpus, settings.alignment, targets)
    fitted = calibration.calibrate(labelled, settings.alignment)
    found = {
        "evaluation_alignment": alignment.summary,
        "evaluation_sensitivity": alignment.sensitivity,
        "evaluation_folds": alignment.folds,
        "evaluation_errors": alignment.errors,
        "evaluation_pairs": pairs.figures,
        "evaluation_confidence": fitted.scores,
        "evaluation_reliability": fitted.reliability,
        "evaluation_near_misses": fitted.near_misses,
    }
    tables = {
        name: frame[schema.columns(name)].reset_index(drop=True).astype(schema.dtypes(name))
        for name, frame in found.items()
    }
    return tables, GOLD_FILES
