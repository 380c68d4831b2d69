"""Reviewer corrections: reading the files a researcher edits, applying them after the model,
reporting the stale ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pinned_corpus import PINNED_ALIGNMENT_CORRECTIONS, PINNED_TARGET_CORRECTIONS

from analysis import review as corrections
from analysis.errors import UserError
from analysis.settings import PROJECT_ROOT
from analysis.targets.indicators import load_lexicon

HEADER = ",".join(corrections.ALIGNMENT_CORRECTION_COLUMNS)


def _write(path, text: str, bom: bool = False) -> None:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def test_the_files_as_shipped_are_header_only_and_explained() -> None:
    # the pinned copies of data/corrections as shipped: a reviewer's own decisions there change nothing here
    assert PINNED_ALIGNMENT_CORRECTIONS.read_text(encoding="utf-8").strip() == HEADER
    assert PINNED_TARGET_CORRECTIONS.read_text(encoding="utf-8").strip() == ",".join(
        corrections.TARGET_CORRECTION_COLUMNS
    )
    assert corrections.read_alignment_corrections(PINNED_ALIGNMENT_CORRECTIONS).empty
    readme = (PROJECT_ROOT / "data" / "corrections" / "README.md").read_text(encoding="utf-8")
    assert all(
        column in readme for column in corrections.ALIGNMENT_CORRECTION_COLUMNS + corrections.TARGET_CORRECTION_COLUMNS
    )


def test_excel_files_are_read_with_bom_stripped_cells_and_extra_columns(tmp_path) -> None:
    path = tmp_path / "alignments.csv"
    _write(
        path,
        f"extra,{HEADER},source_text\r\n"
        'x, a , a:1 ,b,b:2, Partial ,"checked, twice",文本\r\n'
        "x,a,a:3,b,b:4,,,undecided rows are skipped\r\n"
        ",,,,,,,\r\n"
        "x,a,a:5,b,b:6,none,,\r\n",
        bom=True,
    )
    found = corrections.read_alignment_corrections(path)
    assert found[["source_doc", "source_task_id", "relation", "note"]].values.tolist() == [
        ["a", "a:1", "partial", "checked, twice"],
        ["a", "a:5", "none", ""],
    ]
    assert found["line"].tolist() == [2, 5]
    assert corrections.read_alignment_corrections(tmp_path / "absent.csv").empty
    _write(path, "")
    assert corrections.read_alignment_corrections(path).empty


def test_a_spreadsheet_safe_cell_reads_back_as_it_was_written(tmp_path) -> None:
    """The report's download and the queue write a cell that starts like a formula with a leading
    ' (a spreadsheet shows it as text); reading undoes it, and leaves every other ' alone."""
    path = tmp_path / "alignments.csv"
    rows = [('\'=HYPERLINK("x")', '=HYPERLINK("x")'), ("'-推动减排", "-推动减排"), ("'plain", "'plain"), ("-5", "-5")]
    body = "".join(
        f'a,a:1,b,b:{i},same,"{written.replace(chr(34), chr(34) * 2)}"\n' for i, (written, _) in enumerate(rows)
    )
    _write(path, f"{HEADER}\n{body}", bom=True)
    assert corrections.read_alignment_corrections(path)["note"].tolist() == [note for _, note in rows]


@pytest.mark.parametrize(
    "rows, problem",
    [
        (
            "a,a:1,b,b:2,same,\na,a:1,b,b:2,maybe,\n",
            r"line 3: relation must be one of same, partial, none, not 'maybe'",
        ),
        ("a,a:1,b,b:2,same,\na,a:1,b,b:2,none,\n", r"line 3: contradicts line 2"),
        ("a,,b,b:2,same,\n", r"line 2: source_task_id empty"),
    ],
)
def test_a_bad_link_decision_is_one_error_naming_file_and_line(tmp_path, rows, problem) -> None:
    path = tmp_path / "alignments.csv"
    _write(path, f"{HEADER}\n{rows}")
    with pytest.raises(UserError, match=problem) as error:
        corrections.read_alignment_corrections(path)
    assert str(path) in str(error.value)
    _write(path, "source_doc,relation\n")
    with pytest.raises(UserError, match="missing column"):
        corrections.read_alignment_corrections(path)


@pytest.mark.parametrize(
    "row, problem",
    [
        ("d,d:1#1,drop,,,,,", "action must be one of reject, fix"),
        ("d,d:1#1,fix,12a,,,,", "value must be a number"),
        ("d,d:1#1,fix,,,≥,,", "comparator must be one of"),
        ("d,d:1#1,fix,,,,,only a note", "a fix must give at least one of"),
    ],
)
def test_a_bad_target_decision_is_one_error_naming_file_and_line(tmp_path, row, problem) -> None:
    path = tmp_path / "targets.csv"
    _write(path, ",".join(corrections.TARGET_CORRECTION_COLUMNS) + "\n" + row + "\n")
    with pytest.raises(UserError, match=f"line 2: {problem}"):
        corrections.read_target_corrections(path)


def _fixes(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(*row, "", i + 2) for i, row in enumerate(rows)], columns=[*corrections.ALIGNMENT_CORRECTION_COLUMNS, "line"]
    )


def _comparison():
    """Source tasks s0, s1, s2; target tasks t0, t1, t2. The model links s0–t0 (same) and
    s1–t0 (partial); s2, t1 and t2 are unlinked."""
    table = pd.DataFrame(
        {
            "source_doc": ["S", "S", "S", "", ""],
            "source_task_id": ["s0", "s1", "s2", "", ""],
            "target_doc": ["T", "T", "", "T", "T"],
            "target_task_id": ["t0", "t0", "", "t1", "t2"],
            "score": [0.8, 0.3, 0.1, 0.2, 0.05],
            "relation": ["same", "partial", "dropped", "new", "new"],
            "evidence": ["e0", "e1", "nearest: t1 (0.10)", "nearest: s1 (0.20)", "nearest: s2 (0.05)"],
            "confidence": [0.99, 0.4, 0.8, 0.7, 0.95],
        }
    )
    pairs = pd.DataFrame(
        {
            "source_index": [0, 1, 1, 2, 2],
            "target_index": [0, 0, 1, 1, 2],
            "source_task_id": ["s0", "s1", "s1", "s2", "s2"],
            "target_task_id": ["t0", "t0", "t1", "t1", "t2"],
            "score": [0.8, 0.3, 0.2, 0.1, 0.05],
        }
    )
    return table, pairs, np.array([0.99, 0.4, 0.3, 0.2, 0.05])


def test_no_correction_leaves_the_model_table_with_decided_by() -> None:
    table, pairs, chance = _comparison()
    found = corrections.correct_alignment(
        table, _fixes(), "year", ["s0", "s1", "s2"], ["t0", "t1", "t2"], pairs, chance
    )
    pd.testing.assert_frame_equal(found, table.assign(decided_by="model"))


def test_removing_adding_and_relabelling_links() -> None:
    table, pairs, chance = _comparison()
    fixes = _fixes(
        ("S", "s1", "T", "t0", "none"),
        ("S", "s2", "T", "t2", "partial"),
        ("S", "s0", "T", "t0", "partial"),
        ("S", "s9", "T", "t0", "same"),
    )  # s9: no such task, ignored here (the log reports it)
    found = corrections.correct_alignment(table, fixes, "year", ["s0", "s1", "s2"], ["t0", "t1", "t2"], pairs, chance)
    rows = found.set_index(["source_task_id", "target_task_id"])
    assert rows.loc[("s0", "t0"), ["relation", "decided_by", "confidence"]].tolist() == ["partial", "reviewer", 1.0]
    assert rows.loc[("s2", "t2"), ["relation", "score", "decided_by"]].tolist() == ["partial", 0.05, "reviewer"]
    # s1 lost its only link: it is dropped again, its nearest remaining candidate (t1) as evidence
    assert rows.loc[("s1", ""), ["relation", "evidence", "decided_by"]].tolist() == [
        "dropped",
        "nearest: t1 (0.20)",
        "reviewer",
    ]
    assert rows.loc[("s1", ""), "confidence"] == pytest.approx(0.7)
    # s2 and t2 are linked now: their unlinked rows are gone; t1 stays new (the model's row)
    assert ("s2", "") not in rows.index and ("", "t2") not in rows.index
    assert rows.loc[("", "t1"), "decided_by"] == "model"
    assert list(zip(found["source_task_id"], found["target_task_id"])) == [
        ("s0", "t0"),
        ("s1", ""),
        ("s2", "t2"),
        ("", "t1"),
    ]


def test_clause_matches_follow_the_corrected_links() -> None:
    matches = pd.DataFrame(
        {
            "source_task_id": ["s0", "s1", "s1"],
            "target_task_id": ["t0", "t0", "t0"],
            "relation": ["same", "partial", "partial"],
        }
    )
    corrected = pd.DataFrame(
        {"source_task_id": ["s0", "s1"], "target_task_id": ["t0", ""], "relation": ["partial", "dropped"]}
    )
    found = corrections.correct_clause_matches(matches, corrected)
    assert found.values.tolist() == [["s0", "t0", "partial"]]


def test_target_corrections_reject_fix_and_report_stale(built) -> None:
    _, tables = built
    targets = tables["targets"].drop(columns="decided_by")
    first, second = targets["target_id"].iloc[:2]
    doc = targets["doc_id"].iloc[0]
    fixes = pd.DataFrame(
        [
            (doc, first, "reject", "", "", "", "", "", 2),
            (doc, second, "fix", "12.5", "万吨", "striving", "", "", 3),
            (doc, f"{doc}:9-9-9#1", "fix", "1", "", "", "", "", 4),
        ],
        columns=[*corrections.TARGET_CORRECTION_COLUMNS, "line"],
    )
    found, log = corrections.correct_targets(targets, fixes, load_lexicon(), "targets.csv")
    assert first not in set(found["target_id"]) and len(found) == len(targets) - 1
    fixed = found.set_index("target_id").loc[second]
    assert (fixed["value"], fixed["unit"], fixed["comparator"], fixed["decided_by"]) == (
        12.5,
        "万吨",
        "striving",
        "reviewer",
    )
    assert (found["decided_by"] == "model").sum() == len(targets) - 2
    assert log["status"].tolist() == ["applied", "applied", "stale"]
    assert f"no target {doc}:9-9-9#1" in log["problem"].iloc[2]
    wrong = fixes.iloc[[1]].assign(indicator_id="no_such_indicator")
    with pytest.raises(UserError, match="line 3: indicator_id 'no_such_indicator' is not in the indicator lexicon"):
        corrections.correct_targets(targets, wrong, load_lexicon(), "targets.csv")


def test_stale_link_corrections_are_named_in_the_log() -> None:
    fixes = _fixes(("S", "s0", "T", "t0", "same"), ("S", "s7", "T", "t0", "none"), ("S", "s0", "U", "u0", "same"))
    planned = pd.DataFrame({"source_doc": ["S"], "target_doc": ["T"]})
    log = corrections.alignment_log(fixes, planned, {"S": {"s0"}, "T": {"t0"}}, "alignments.csv")
    assert log["status"].tolist() == ["applied", "stale", "stale"]
    assert log["problem"].iloc[1] == "no task s7 in S"
    assert log["problem"].iloc[2] == "no comparison S → U; no task u0 in U"
    lines = corrections.log_lines(log)
    assert lines[0] == "corrections: 1 applied, 2 stale"
    assert lines[1:] == [
        "  stale: alignments.csv, line 3: link s7 → t0: none (no task s7 in S)",
        "  stale: alignments.csv, line 4: link s0 → u0: same (no comparison S → U; no task u0 in U)",
    ]
