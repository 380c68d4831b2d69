"""One place for the project's paths and tunable settings.

Every module and notebook resolves files through these constants, so papermill and nbval
(which start kernels in different working directories) read the same data.
"""
from __future__ import annotations

import os
from pathlib import Path

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

# Reports: notebooks run in this many parallel processes (one kernel each); a report above this
# size is flagged (plotly.js alone, embedded for offline reading, is ~4.8 MB).
REPORT_WORKERS = max(1, min(4, os.cpu_count() or 1))
REPORT_MAX_BYTES = 10_000_000
