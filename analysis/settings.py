"""One place for the project's paths and tunable settings.

Every module and notebook resolves files through these constants, so papermill and nbval
(which start kernels in different working directories) read the same data.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("ANALYSIS_DATA_DIR", PROJECT_ROOT / "data"))
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
GOLD_DIR = DATA_DIR / "gold"
MANIFEST_PATH = RAW_DIR / "manifest.csv"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"

# Near-duplicate detection: character shingle size and the Jaccard similarity from which two
# documents count as copies of one another.
SHINGLE_SIZE = 4
DUPLICATE_MIN_SIMILARITY = 0.5

# Targets: the fuzzy-match score (0–100, rapidfuzz over jieba tokens) from which a target's phrase
# is mapped to a canonical indicator of the lexicon (set from the evaluation against the gold's
# canonical_indicator, see README), and the quote similarity from which a target of a damaged
# duplicate is matched to the clean document's target of the same task.
INDICATOR_MIN_SCORE = 60.0
DUPLICATE_QUOTE_MIN_SCORE = 60.0
GOLD_TARGETS_PATH = GOLD_DIR / "targets_province.csv"

# By default the build runs on a local Dask cluster (one worker process per CPU, see
# analysis/corpus/scheduler.py) from this many documents on; below it starting the cluster costs
# more than it saves.
PARALLEL_MIN_ITEMS = 40

# Reports: notebooks run in this many parallel processes (one kernel each); a report above this
# size is flagged (plotly.js alone, embedded for offline reading, is ~4.8 MB).
REPORT_WORKERS = max(1, min(4, os.cpu_count() or 1))
REPORT_MAX_BYTES = 10_000_000

# --- task alignment (analysis/align/); thresholds are chosen by `python -m analysis evaluate` ---


@dataclass(frozen=True)
class AlignmentSettings:
    """Every tunable of the task alignment; a :class:`analysis.align.Comparison` carries one."""

    # Weights of the signals in a pair's score: a weighted mean over the signals that can be
    # measured for the pair (see analysis/align/signals.py).
    weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({
        "chars": 1.0, "words": 1.0, "clauses": 1.0, "coverage": 1.0, "fuzzy": 0.5, "units": 0.25, "indicators": 0.5,
    }))
    # Decision thresholds (chosen by cross-validated evaluation on the development gold): a link
    # needs score >= link_min; it is `same` when the one-to-one assignment picks it, else `partial`
    # when its score is >= partial_ratio x the best score of one of the pair's two tasks.
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(
        {"link_min": 0.16, "partial_ratio": 0.75}))
    # The grid the thresholds are chosen from, (first, last, step) each, and the cross-validation folds.
    threshold_grid: Mapping[str, tuple[float, float, float]] = field(default_factory=lambda: MappingProxyType(
        {"link_min": (0.06, 0.40, 0.02), "partial_ratio": (0.40, 0.90, 0.05)}))
    cv_folds: int = 5
    # Policy boilerplate (持续, 深入, 推进 …) keeps this share of its IDF weight.
    boilerplate_weight: float = 0.2
    # A goal-block task paired with an action task keeps this share of its score: goal paragraphs
    # continue the other plan's goals, not the action tasks that share an indicator with them.
    role_mismatch_factor: float = 0.5
    # In the clause signals, a heading matched with a heading counts this share of its similarity:
    # similar headings can carry different substance (守住 vs 守牢 生态环境安全底线).
    heading_pair_weight: float = 0.5
    # Clause matches shown for linked tasks: minimum clause similarity.
    clause_match_min: float = 0.3
    # Blocking: the costly signals are computed for each task's best candidates only.
    candidates_per_task: int = 15
    # How many shared words the evidence column quotes.
    evidence_terms: int = 6

def processed_folder(folder: str | Path = "") -> Path:
    """The folder of the processed tables: ``folder`` when given (a notebook's ``processed_dir``
    parameter, ``reports --processed DIR``), else the project's."""
    return Path(folder) if str(folder) else PROCESSED_DIR
