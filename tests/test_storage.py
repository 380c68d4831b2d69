"""Atomic writes: a reader never sees a half-written file, an interrupted write leaves the old one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import storage
from analysis.errors import UserError


def test_an_interrupted_write_leaves_the_previous_file_and_no_temporary(tmp_path) -> None:
    target = tmp_path / "tasks.csv"
    storage.write_text(target, "old content\n")
    with pytest.raises(KeyboardInterrupt), storage.atomic_path(target) as tmp:
        tmp.write_text("half of the new", encoding="utf-8")
        raise KeyboardInterrupt  # the user pressed Ctrl-C mid-way
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["tasks.csv"]


def test_a_table_is_written_whole_or_not_at_all(tmp_path, monkeypatch) -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    storage.write_table(frame, tmp_path, "t")
    before = (tmp_path / "t.parquet").read_bytes()

    def broken(self, path, **kwargs):
        Path(path).write_bytes(b"PAR1 partial")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError):
        storage.write_parquet(pd.DataFrame({"a": [3]}), tmp_path / "t.parquet")
    assert (tmp_path / "t.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.parquet"]


def test_reading_a_table_that_was_never_built_says_how_to_build_it(tmp_path) -> None:
    with pytest.raises(UserError, match="make data"):
        storage.read_table("tasks", tmp_path)


def test_a_folder_that_cannot_be_written_is_a_user_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write here"):
        storage.write_text(blocker / "sub" / "out.csv", "x")
