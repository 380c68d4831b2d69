"""A researcher's corpus is theirs: adding a plan to data/raw (`analysis add`), removing one
(`analysis remove`) and recording a reviewer's decision in data/corrections keep the tests green,
since they run on their own pinned copies of the corpus and of the corrections files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import invented_plans as ip
import pytest

from analysis.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _clone(folder):
    """The project's files as a clone has them (tracked, or new and not ignored)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


def test_a_researchers_own_plans_and_decisions_keep_the_tests_green(tmp_path) -> None:
    clone = _clone(tmp_path / "clone")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_")}
    env["PYTHONPATH"] = str(clone)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "analysis", *args],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )

    sister = tmp_path / "sister_city_2024.txt"
    sister.write_text(ip.city_plan("乙市", "beta"), encoding="utf-8")
    added = cli("add", str(sister), "--parent", "hubei_province_2024", "--level", "city", "--year", "2024")
    assert added.returncode == 0, added.stderr
    removed = cli("remove", "wuhan_city_2025")
    assert removed.returncode == 0, removed.stderr
    manifest = (clone / "data" / "raw" / "manifest.csv").read_text(encoding="utf-8")
    assert "sister_city_2024" in manifest and "wuhan_city_2025" not in manifest
    with (clone / "data" / "corrections" / "alignments.csv").open("a", encoding="utf-8") as decisions:
        decisions.write(
            "hubei_province_2024,hubei_province_2024:2-2-6,ezhou_city_2024,ezhou_city_2024:3-3-9,partial,lake outfalls\n"
        )

    def pytest_in_clone(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=900,
        )

    fast = pytest_in_clone("-m", "not slow and not browser")
    assert fast.returncode == 0, fast.stdout[-3000:]
    # the tests that once read the researcher's files: the review round trip copied data/raw, a
    # test asserted that data/corrections/alignments.csv held its header only
    once_red = pytest_in_clone(
        "tests/review/test_queue.py::test_review_round_trip_reaches_the_tables",
        "tests/review/test_corrections.py",
    )
    assert once_red.returncode == 0, once_red.stdout[-3000:]
