"""Fixtures of the report tests: the English edition, built once like the tests' Chinese one."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def built_reports_en(tmp_path_factory, built) -> Path:
    """Every report of the bundled corpus in English, built once into a temporary folder."""
    from analysis.report.batch import build_reports

    out = tmp_path_factory.mktemp("reports-en")
    build_reports(out_dir=out, processed_dir=built[0], progress=False, lang="en")
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "built_reports_en" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
