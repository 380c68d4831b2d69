"""Every CSV written for people is spreadsheet-safe (OWASP's CSV injection rule): a text cell
Excel or WPS would run as a formula gets a leading ``'``; numbers stay numbers; Parquet keeps the
raw text; a corrections file read back gets its text exactly as it was."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis import cli, storage
from analysis.review import decisions
from analysis.review.queue import MODEL, QUEUE_COLUMNS, export_queue

# (cell, as a spreadsheet-safe CSV holds it): the JavaScript of the report's downloads is checked
# on the same cases (tests/report/test_hostile.py).
FORMULA_CASES = [
    ('=HYPERLINK("http://evil.example","点击")', '\'=HYPERLINK("http://evil.example","点击")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+2", "'+1+2"),
    ("-推动减排", "'-推动减排"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tTAB=1+1", "'\tTAB=1+1"),
    ("\rCR", "'\rCR"),
    ("=", "'="),
    ("'=already quoted", "''=already quoted"),
    ("-5", "-5"),
    ("+3.5%", "+3.5%"),
    ("-1,200.5", "-1,200.5"),
    ("-1e5", "-1e5"),
    ("深入打好蓝天保卫战", "深入打好蓝天保卫战"),
    ("5-10", "5-10"),
    ("'plain quote", "'plain quote"),
    (">=", ">="),
    ("", ""),
]


@pytest.mark.parametrize(("cell", "safe"), FORMULA_CASES)
def test_a_formula_cell_gets_a_quote_and_reads_back_exactly(cell: str, safe: str) -> None:
    assert storage.escape_formula(cell) == safe
    assert storage.unescape_formula(safe) == cell


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_every_kind_of_text_column_is_escaped_cell_by_cell_as_the_rule_says(dtype) -> None:
    cells = [cell for cell, _ in FORMULA_CASES]
    out = io.StringIO()
    storage.to_spreadsheet_csv(pd.DataFrame({"cell": pd.Series(cells, dtype=dtype)}), out)
    back = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)["cell"].tolist()
    # a CR is written as a line break: the csv module leaves a bare CR unquoted, a new row to a reader
    assert back == [storage.escape_formula(cell.replace("\r", "\n")) for cell in cells]


def test_a_carriage_return_inside_a_cell_cannot_start_a_row_of_its_own() -> None:
    out = io.StringIO()
    storage.to_spreadsheet_csv(pd.DataFrame({"text": ['推进\r=HYPERLINK("x")', "b"], "n": [1, 2]}), out)
    back = pd.read_csv(io.StringIO(out.getvalue()), dtype=str, keep_default_na=False)
    assert back.values.tolist() == [['推进\n=HYPERLINK("x")', "1"], ["b", "2"]]


def test_a_column_of_mixed_values_escapes_only_its_text() -> None:
    out = io.StringIO()
    storage.to_spreadsheet_csv(pd.DataFrame({"mixed": ["=a", -1, None, 2.5], "n": [1, 2, 3, 4]}), out)
    assert out.getvalue().splitlines() == ["mixed,n", "'=a,1", "-1,2", ",3", "2.5,4"]


def _formula_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://x")', "@SUM(1)", "推进", "-5"],
            "value": [-5.0, 3.5, -0.25, 1.0],
            "count": [-1, 2, 3, 4],
        }
    )


def test_processed_csv_is_safe_and_parquet_keeps_the_raw_text(tmp_path) -> None:
    frame = _formula_frame()
    storage.write_table(frame, tmp_path, "t")
    lines = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [
        "text,value,count",
        '"\'=HYPERLINK(""http://x"")",-5.0,-1',
        "'@SUM(1),3.5,2",
        "推进,-0.25,3",
        "-5,1.0,4",
    ]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)


def test_the_command_line_prints_safe_csv(tmp_path, capsys) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text(
        "2024年全县生态环境工作要点\n一、重点工作\n"
        '1.=HYPERLINK("http://x","点击")深入打好碧水保卫战。完成3个排污口整治。(牵头单位:-县环保局)\n'
        "2.@SUM(1+1)深入打好蓝天保卫战。推动10家企业深度治理。(责任单位:+大气科)\n",
        encoding="utf-8",
    )
    assert cli.main(["tasks", str(plan)]) == 0
    tasks = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert list(tasks["text"].str[:2]) == ["'=", "'@"]
    assert list(tasks["lead_units"]) == ["'-县环保局", ""]
    assert list(tasks["responsible_units"]) == ["", "'+大气科"]
    assert list(tasks["char_start"].str[0]) != ["'", "'"]  # numbers untouched
    assert cli.main(["targets", str(plan)]) == 0
    targets = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert set(targets["comparator"]) == {"'="}  # the comparator "=" would be a formula


def test_the_review_queue_is_safe_and_reads_back_as_the_reviewer_saw_it(tmp_path) -> None:
    comparison = "a__b"
    alignments = pd.DataFrame(
        {
            "comparison_id": [comparison],
            "source_doc": ["a"],
            "source_task_id": ["a:1-0-1"],
            "target_doc": ["b"],
            "target_task_id": ["b:1-0-1"],
            "relation": ["partial"],
            "score": [0.3],
            "confidence": [0.5],
            "decided_by": [MODEL],
            "evidence": ["=shared words"],
        }
    )
    tasks = pd.DataFrame({"task_id": ["a:1-0-1", "b:1-0-1"], "text": ['=HYPERLINK("x")推进', "@SUM(1)推进"]})
    near = alignments.iloc[:0][["comparison_id", "source_doc", "source_task_id", "target_doc", "target_task_id"]]
    near = near.assign(score=0.0, link_probability=0.0, evidence="", source_clause="", target_clause="")
    clauses = alignments[["comparison_id", "source_task_id", "target_task_id"]].assign(
        score=0.5, source_clause='=HYPERLINK("x")', target_clause="@SUM(1)"
    )
    tables = (("alignments", alignments), ("tasks", tasks), ("near_misses", near), ("alignment_clauses", clauses))
    for name, frame in tables:
        storage.write_parquet(frame, tmp_path / f"{name}.parquet")
    out = tmp_path / "queue.csv"
    export_queue(comparison, out, tmp_path)
    raw = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(raw.columns) == QUEUE_COLUMNS
    assert (raw.at[0, "source_text"], raw.at[0, "target_text"], raw.at[0, "evidence"]) == (
        '\'=HYPERLINK("x")推进',
        "'@SUM(1)推进",
        "'=shared words",
    )
    assert (raw.at[0, "source_clause"], raw.at[0, "target_clause"]) == ('\'=HYPERLINK("x")', "'@SUM(1)")
    decided = raw.assign(relation="same", note="-checked by hand")
    decided.to_csv(out, index=False, encoding="utf-8-sig")  # as the reviewer saves it
    storage.write_text(out, out.read_text(encoding="utf-8-sig").replace("-checked", "'-checked"))
    found = decisions.read_alignment_corrections(out)
    assert list(found["note"]) == ["-checked by hand"]
    assert list(found["relation"]) == ["same"]


def test_a_target_correction_written_safe_is_read_as_it_was(tmp_path) -> None:
    path = tmp_path / "targets.csv"
    frame = pd.DataFrame(
        [["d", "d:1-0-1#1", "fix", "-5", "=吨", "=", "", "@reviewer"]], columns=decisions.TARGET_CORRECTION_COLUMNS
    )
    storage.write_csv(frame, path)
    assert "'=吨,'=," in path.read_text(encoding="utf-8")
    found = decisions.read_target_corrections(path)
    assert found.iloc[0][["value", "unit", "comparator", "note"]].tolist() == ["-5", "=吨", "=", "@reviewer"]


@pytest.mark.slow
def test_a_manifests_formula_cells_reach_documents_csv_quoted_and_parquet_raw(tmp_path) -> None:
    import invented_plans as ip

    from analysis.corpus.build import build

    manifest = ip.write_corpus(
        tmp_path / "raw",
        {
            "jia_2024": ("jia.txt", "\n".join(ip.city_plan("甲市", "alpha").splitlines()[2:]))
        },  # no printed title, issuer
        ['jia_2024,jia.txt,"=HYPERLINK(""http://x"",""title"")",甲市生态环境局,@SUM(1),city,2024,,,,'],
    )
    build(tmp_path / "out", manifest)
    csv_text = (tmp_path / "out" / "documents.csv").read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://x"",""title"")"' in csv_text and ",'@SUM(1)," in csv_text
    raw = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert (raw.at[0, "title"], raw.at[0, "region"]) == ('=HYPERLINK("http://x","title")', "@SUM(1)")
