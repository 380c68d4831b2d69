"""The previous table set's rows, read ahead on a thread while the build goes on, are the rows a
build reads when it needs them; rows none of which are taken are dropped unread."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import storage
from analysis.corpus import blocks


@pytest.fixture
def previous(tmp_path) -> blocks.PreviousSet:
    """A set with one blocked table ``tasks`` of two plans' rows."""
    frame = pd.DataFrame({"doc_id": ["a", "a", "b"], "task_id": ["a-1", "a-2", "b-1"], "text": ["甲", "乙", "丙"]})
    storage.write_parquet(frame, tmp_path / "tasks.parquet")
    index = blocks.TableIndex("doc_id", ["a", "b"], ["ka", "kb"], [10, 5], "doc_id,task_id,text\n", {}, {})
    return blocks.PreviousSet(tmp_path, "build-1", {"tasks": index}, "code-1")


def test_rows_read_ahead_are_the_rows_read_when_needed(previous) -> None:
    unread = blocks.PreviousSet(previous.folder, previous.build_id, previous.tables, previous.code)
    previous.read_ahead(["tasks", "alignments"])  # a table the set does not hold is skipped
    for items in ({"a"}, {"a", "b"}):
        pd.testing.assert_frame_equal(previous.rows("tasks", "doc_id", items), unread.rows("tasks", "doc_id", items))
    assert list(previous.rows("tasks", "doc_id", {"b"})["task_id"]) == ["b-1"]


def test_a_forgotten_table_is_read_again_from_its_file(previous) -> None:
    previous.read_ahead(["tasks"])
    previous.forget(["tasks"])
    (previous.folder / "tasks.parquet").unlink()
    with pytest.raises(FileNotFoundError):
        previous.rows("tasks", "doc_id", {"a"})
