"""The tests' own copies of the bundled corpus (tests/data/corpus) and of the reviewer's
corrections files as shipped, header only (tests/data/corrections): tests and the notebooks'
checked figures run on them, so a researcher who adds plans to data/raw, removes them or records
decisions in data/corrections keeps `make test` green. The manifest lists the five bundled plans as
they were pinned.

:func:`pin` points the package's paths at these copies (environment variables read by
analysis.settings at import): tests/conftest.py calls it before importing the package, so every
test and every command a test runs reads them, however pytest was started."""

from __future__ import annotations

import os
from pathlib import Path

PINNED_DIR = Path(__file__).resolve().parent / "data" / "corpus"
PINNED_MANIFEST = PINNED_DIR / "manifest.csv"
PINNED_CORRECTIONS_DIR = Path(__file__).resolve().parent / "data" / "corrections"
PINNED_ALIGNMENT_CORRECTIONS = PINNED_CORRECTIONS_DIR / "alignments.csv"
PINNED_TARGET_CORRECTIONS = PINNED_CORRECTIONS_DIR / "targets.csv"


def pin() -> None:
    os.environ["ANALYSIS_MANIFEST"] = str(PINNED_MANIFEST)
    os.environ["ANALYSIS_CORRECTIONS_DIR"] = str(PINNED_CORRECTIONS_DIR)
