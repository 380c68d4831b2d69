"""The reports a batch builds: their kinds (one notebook each), the jobs (a notebook with its
parameters) and their results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CHECKED_OUTPUT_MARK = "# NBVAL_CHECK_OUTPUT"
SUMMARY_TAG = "summary"
# Cells whose output is for nbval and JupyterLab only (a plain-text copy of a table shown styled).
HIDDEN_IN_REPORT_TAG = "hide_in_report"
PARAMETERS_TAG = "parameters"


@dataclass(frozen=True)
class ReportKind:
    notebook: str
    title: str
    parameter_names: tuple[str, ...] = ()


REPORT_KINDS = {
    "overview": ReportKind("01_corpus_overview.ipynb", "Corpus overview"),
    "year": ReportKind("02_year_comparison.ipynb", "Cross-year comparison", ("earlier_doc", "later_doc")),
    "level": ReportKind("03_level_cascade.ipynb", "Cross-level cascade", ("parent_doc", "child_doc")),
    "escalation": ReportKind("04_target_escalation.ipynb", "Target escalation"),
    "method": ReportKind("05_method_quality.ipynb", "Method and quality"),
    # Not planned from the manifest: two plans of one level compared on demand (`reports --pair`).
    "peer": ReportKind("06_peer_comparison.ipynb", "Peer comparison", ("plan_a", "plan_b")),
}
# The kinds of report that compare two plans, by the kind of the comparison.
COMPARISON_REPORTS = ("year", "level", "peer")


@dataclass(frozen=True)
class ReportJob:
    """One report to build: which notebook, with which parameters, reading which documents."""

    report_id: str
    kind: str
    title: str
    notebook: Path
    parameters: dict[str, str]
    doc_ids: tuple[str, ...]


@dataclass
class ReportResult:
    report_id: str
    kind: str
    title: str
    status: str  # "built", "rendered" (its notebook unchanged), "cached", "failed" or "earlier" (a page from earlier inputs)
    summary: str = ""
    error: str = ""
    html: str = ""  # file name inside the output folder
    notebook: str = ""  # executed notebook, relative to the output folder (of a failure: the failed run)
    size_bytes: int = 0
    seconds: float = 0.0
    inputs: list[tuple[str, str]] = field(default_factory=list)
