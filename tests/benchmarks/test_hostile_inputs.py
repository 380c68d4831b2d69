"""Each hostile input of ``benchmarks.hostile`` run as a user would, in a fresh process whose peak
memory is measured: at most 1 GB, and either done or refused in one line."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from benchmarks import hostile

# The benchmark's own inputs, except two that take minutes to write and are refused before they are
# read whatever their size: a zip bomb packed as hard but unpacking to 100 MB (not 1.5 GB), and a text
# file of the same 200 MiB whose tail is a hole in the file (its first bytes are the plan's).
SMALL_BOMB_BYTES = 100_000_000


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    hostile.zip_bomb(work / "bomb.docx", unpacked=SMALL_BOMB_BYTES)
    huge = work / "huge.txt"
    huge.write_bytes(hostile.PINNED_PLAN.read_bytes())
    os.truncate(huge, 200 * 1024 * 1024 - 1024)
    return work


@pytest.mark.slow
@pytest.mark.parametrize("case", hostile.CASES, ids=[case.name for case in hostile.CASES])
def test_a_hostile_input_stays_under_a_gigabyte_and_is_done_or_refused_in_one_line(work, case) -> None:
    path = case.make(work)
    # Killed after twice the goal's 60 s: the machine running the tests is shared (the figures of
    # `python -m benchmarks.hostile` are the measure of time).
    result = hostile.measure(case.command(path, work), case.first_line, limit=2 * hostile.GOAL_S)
    assert result["peak_mb"] <= hostile.GOAL_MB, result
    assert "killed after" not in result["last_line"], result
    if case.first_line:  # a large build: its first line (progress) comes within seconds of start-up
        progress = re.match(r"(build|parse|targets|profiles|compare): ", result["last_line"])  # the first stage's line
        assert result["seconds"] <= hostile.GOAL_S / 2 and progress, result
    else:
        assert result["exit"] == 0 or (result["exit"] == 2 and result["stderr_lines"] == 1), result
        assert "Traceback" not in result["last_line"] and "Error:" not in result["last_line"], result


@pytest.mark.slow
def test_the_benchmark_writes_what_it_measured_and_whether_each_goal_was_met(work) -> None:
    out = work / "results.json"
    assert hostile.main(["--work", str(work), "--out", str(out), "--only", "nested w:sdt", "doc-id"]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert [row["case"] for row in results] == ["500 nested w:sdt (.docx)", "--doc-id of 300 characters (add)"]
    assert all(row["met"] and row["peak_mb"] > 0 and row["seconds"] > 0 for row in results), results
    assert results[1]["exit"] == 2 and "at most 64" in results[1]["last_line"]
