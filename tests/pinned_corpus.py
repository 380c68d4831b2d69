"""The tests' own copy of the bundled corpus (tests/data/corpus): tests and the notebooks' checked
figures run on it, so a researcher who adds plans to data/raw or removes them keeps `make test`
green. Its manifest lists the five bundled plans as they were pinned."""

from __future__ import annotations

from pathlib import Path

PINNED_DIR = Path(__file__).resolve().parent / "data" / "corpus"
PINNED_MANIFEST = PINNED_DIR / "manifest.csv"
