"""Shared fixtures: the bundled corpus parsed once, its tables and reports built once into temporary
folders (never data/processed or reports/, which a clean clone lacks), and a runner for the command line.

The tests mirror the package: tests/text, tests/parse, ... tests/report, tests/evaluate, and
tests/benchmarks for the harness outside it; the cross-cutting ones stay here. A test using a
fixture of :data:`SLOW_FIXTURES` (building, running notebooks, spawning the command line,
evaluating the corpus) is marked ``slow`` by :func:`pytest_collection_modifyitems`, so `make
test-fast` never builds nor starts a process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pinned_corpus import PINNED_ALIGNMENT_CORRECTIONS, PINNED_MANIFEST, PINNED_TARGET_CORRECTIONS, pin

pin()  # before the package reads its paths: every test reads the pinned corpus and corrections

from analysis.corpus.build import build, parsed_corpus  # noqa: E402
from analysis.parse.document import ParsedDocument  # noqa: E402
from analysis.settings import GOLD_DIR, PROJECT_ROOT, BuildSettings  # noqa: E402


@pytest.fixture(scope="session")
def corpus() -> dict[str, ParsedDocument]:
    """Every document of the pinned corpus, parsed, by doc id."""
    return parsed_corpus(PINNED_MANIFEST, BuildSettings())


@pytest.fixture(scope="session")
def corpus_targets(corpus) -> pd.DataFrame:
    """The targets the aligner compares the pinned plans on, as the build passes them (the shipped
    corrections of the pinned copy are empty)."""
    from analysis.targets import compared_targets, targets_of_plans

    return compared_targets(targets_of_plans(list(corpus.values()), None, BuildSettings().targets))


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """The processed tables of the pinned corpus, built once into a temporary folder: (folder, tables)."""
    out = tmp_path_factory.mktemp("processed")
    return out, build(
        out,
        PINNED_MANIFEST,
        alignment_corrections=PINNED_ALIGNMENT_CORRECTIONS,
        target_corrections=PINNED_TARGET_CORRECTIONS,
    )


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory, built) -> Path:
    """Every report of the bundled corpus, built once from ``built``'s tables into a temporary folder:
    both editions, as `make reports` builds them (Chinese in the folder, English in its ``en/``)."""
    from analysis.report.batch import build_editions

    out = tmp_path_factory.mktemp("reports")
    build_editions(out_dir=out, processed_dir=built[0], progress=False)
    return out


# Fixtures whose users are slow whatever they do themselves: they build the corpus, run notebooks,
# spawn the command line (a new interpreter importing the package and jieba: seconds each) or run an
# evaluation of the whole corpus (tests/evaluate, tests/report/test_views.py).
SLOW_FIXTURES = {"built", "built_reports", "run_cli", "evaluation", "method_tables"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def gold_tasks() -> pd.DataFrame:
    return pd.read_csv(GOLD_DIR / "tasks_province.csv", dtype=str, keep_default_na=False)


def _run_cli(
    *args: object, cwd: Path = PROJECT_ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m analysis ARGS``; ``env``: variables set on top of this process's (the pinned paths)."""
    return subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        env={**os.environ, **env} if env else None,
    )


@pytest.fixture
def run_cli():
    """Run ``python -m analysis`` as a user would, capturing its output."""
    return _run_cli
