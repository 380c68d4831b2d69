"""The command line as a user meets it: CSV on stdout, one clear line on stderr for bad input."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from analysis.settings import RAW_DIR
from analysis.parse.structure import TASK_COLUMNS

PLAN = (
    "2024年全县生态环境工作要点\n"
    "一、重点工作\n"
    "(一)污染防治\n"
    "1.深入打好碧水保卫战。完成3个入河排污口整治。(牵头单位:水科;责任单位:各乡镇)\n"
    "2.深入打好蓝天保卫战。推动10家企业深度治理。(责任单位:大气科)\n"
)


def read_csv(stdout: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(stdout), dtype=str, keep_default_na=False)


def assert_user_error(result, name: str) -> None:
    assert result.returncode == 2
    assert name in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_tasks_prints_the_task_table_of_a_corpus_file(run_cli) -> None:
    result = run_cli("tasks", RAW_DIR / "hubei_province_2024.txt")
    assert result.returncode == 0, result.stderr
    tasks = read_csv(result.stdout)
    assert list(tasks.columns) == TASK_COLUMNS
    assert len(tasks) == 28
    assert set(tasks["doc_id"]) == {"hubei_province_2024"}  # the manifest's id
    again = run_cli("tasks", RAW_DIR / "hubei_province_2024.txt")
    assert again.stdout == result.stdout  # deterministic ids and output


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_tasks_reads_a_file_outside_the_manifest_in_any_supported_encoding(run_cli, tmp_path, encoding: str) -> None:
    path = tmp_path / "county plan.txt"
    path.write_text(PLAN, encoding=encoding)
    result = run_cli("tasks", path)
    assert result.returncode == 0, result.stderr
    tasks = read_csv(result.stdout)
    assert list(tasks["doc_id"].unique()) == ["county_plan"]
    assert list(tasks["heading"]) == ["深入打好碧水保卫战", "深入打好蓝天保卫战"]
    assert list(tasks["lead_units"]) == ["水科", ""]
    raw = path.read_bytes().decode(encoding)
    first = tasks.iloc[0]
    assert raw[int(first["char_start"]):int(first["char_end"])].startswith("1.深入打好碧水保卫战")


def test_tasks_reads_an_html_page(run_cli, tmp_path) -> None:
    body = "".join(f"<p>{line}</p>\n" for line in PLAN.splitlines())
    path = tmp_path / "plan.html"
    path.write_text(f"<html><head><title>x</title></head><body><div>{body}</div></body></html>", encoding="utf-8")
    result = run_cli("tasks", path)
    assert result.returncode == 0, result.stderr
    tasks = read_csv(result.stdout)
    assert list(tasks["heading"]) == ["深入打好碧水保卫战", "深入打好蓝天保卫战"]
    assert "<" not in "".join(tasks["text"])


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n\t \n", "whitespace"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("prose.txt", "这是一段没有层级标记的普通文字。\n第二段。\n".encode("utf-8"), "no hierarchy markers"),
        ("headings.txt", "一、\n(一)\n1.\n二、保障措施\n".encode("utf-8"), "headings only"),
    ],
)
def test_bad_input_gets_one_clear_line_and_a_non_zero_exit(run_cli, tmp_path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("tasks", path)
    assert_user_error(result, name)
    assert problem in result.stderr


def test_a_missing_file_and_a_folder_are_named(run_cli, tmp_path) -> None:
    assert_user_error(run_cli("tasks", tmp_path / "nope.txt"), "nope.txt")
    assert_user_error(run_cli("tasks", tmp_path), str(tmp_path))


def test_build_writes_the_tables_atomically_into_the_chosen_folder(run_cli, tmp_path) -> None:
    result = run_cli("build", "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert {"documents.csv", "documents.parquet", "tasks.csv", "tasks.parquet"} <= set(written)
    assert not [name for name in written if name.endswith(".tmp") or name.startswith(".")]


def test_build_refuses_an_output_folder_it_cannot_write(run_cli, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run_cli("build", "--out", blocker / "out")
    assert_user_error(result, "file")


def test_build_refuses_a_bad_manifest(run_cli, tmp_path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("doc_id,file,region,level,year,parent,previous\na,missing.txt,x,city,2024,,\n", encoding="utf-8")
    result = run_cli("--manifest", manifest, "build", "--out", tmp_path / "out")
    assert_user_error(result, "manifest.csv line 2 (a)")
    assert "file not found" in result.stderr
    assert not (tmp_path / "out").exists()
