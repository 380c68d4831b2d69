"""Shared fixtures: the bundled corpus parsed once, and a runner for the command line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.parse.document import ParsedDocument
from analysis.corpus.build import build, parse_manifest
from analysis.settings import GOLD_DIR, PROJECT_ROOT


@pytest.fixture(scope="session")
def corpus() -> dict[str, ParsedDocument]:
    """Every document of the manifest, parsed, by doc id."""
    _, docs = parse_manifest()
    return {doc.doc_id: doc for doc in docs}


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The processed tables of the bundled corpus, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("processed")
    return out, build(out)


@pytest.fixture(scope="session")
def gold_tasks() -> pd.DataFrame:
    return pd.read_csv(GOLD_DIR / "tasks_province.csv", dtype=str, keep_default_na=False)


def _run_cli(*args: object, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=600,
    )


@pytest.fixture
def run_cli():
    """Run ``python -m analysis`` as a user would, capturing its output."""
    return _run_cli
