"""Fixtures of the report tests: the English edition, built with the tests' Chinese one."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def built_reports_en(built_reports) -> Path:
    """Every report of the bundled corpus in English: the English edition of conftest's ``built_reports``."""
    return built_reports / "en"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "built_reports_en" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
