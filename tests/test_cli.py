"""The command line as a user meets it: CSV on stdout, one clear line on stderr for bad input."""

from __future__ import annotations

import io
import sys
import time

import pandas as pd
import pytest
from pinned_corpus import PINNED_DIR as RAW_DIR

from analysis.parse.structure import TASK_COLUMNS

pytestmark = pytest.mark.slow  # every test runs the command line in a subprocess

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


def test_tasks_prints_the_task_table_of_a_corpus_file(run_cli, gold_tasks) -> None:
    result = run_cli("tasks", RAW_DIR / "hubei_province_2024.txt")
    assert result.returncode == 0, result.stderr
    tasks = read_csv(result.stdout)
    assert list(tasks.columns) == TASK_COLUMNS
    assert list(tasks["heading"]) == list(gold_tasks.loc[gold_tasks["doc"] == "hubei_province_2024", "heading"])
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
    assert raw[int(first["char_start"]) : int(first["char_end"])].startswith("1.深入打好碧水保卫战")


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
        ("prose.txt", "这是一段没有层级标记的普通文字。\n第二段。\n".encode(), "no hierarchy markers"),
        ("headings.txt", "一、\n(一)\n1.\n二、保障措施\n".encode(), "headings only"),
    ],
)
def test_bad_input_gets_one_clear_line_and_a_non_zero_exit(
    run_cli, tmp_path, name: str, content: bytes, problem: str
) -> None:
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
    assert not [
        name for name in written if name.endswith(".tmp") or (name.startswith(".") and name not in (".lock", ".cache"))
    ]


def test_build_refuses_an_output_folder_it_cannot_write(run_cli, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = run_cli("build", "--out", blocker / "out")
    assert_user_error(result, "file")


def test_build_refuses_a_bad_manifest(run_cli, tmp_path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "doc_id,file,region,level,year,parent,previous\na,missing.txt,x,city,2024,,\n", encoding="utf-8"
    )
    result = run_cli("--manifest", manifest, "build", "--out", tmp_path / "out")
    assert_user_error(result, "manifest.csv line 2 (a)")
    assert "file not found" in result.stderr
    assert not (tmp_path / "out").exists()


def _symlink_loop(folder):
    (folder / "loop.txt").symlink_to(folder / "other.txt")
    (folder / "other.txt").symlink_to(folder / "loop.txt")
    return folder / "loop.txt"


def _fifo(folder):
    import os

    os.mkfifo(folder / "pipe.txt")
    return folder / "pipe.txt"


def _bom_then_invalid(folder):
    (folder / "bom.txt").write_bytes(b"\xef\xbb\xbf" + b"\xff\xfe\xfa" * 200)
    return folder / "bom.txt"


def _mostly_invalid(folder):
    (folder / "bad.txt").write_bytes("一、重点工作\n".encode() + b"\xff" * 601)
    return folder / "bad.txt"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_symlink_loop, "symbolic link loop"),
        (_fifo, "not a regular file"),
        (lambda folder: "/dev/zero", "not a regular file"),
        (_bom_then_invalid, "at byte 3"),
        (_mostly_invalid, "at byte 19"),
    ],
    ids=["symlink-loop", "fifo", "device", "bom-then-invalid", "mostly-invalid"],
)
def test_a_file_that_cannot_be_read_as_a_document_gets_one_clear_line(run_cli, tmp_path, make, problem: str) -> None:
    path = make(tmp_path)
    result = run_cli("tasks", path)
    assert_user_error(result, str(path))
    assert problem in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {path}: ")


def test_build_refuses_a_listed_file_without_tasks(run_cli, tmp_path) -> None:
    outside = tmp_path / "elsewhere" / "notes.txt"
    outside.parent.mkdir()
    outside.write_text("这是一段没有层级标记的普通文字。\n第二段。\n", encoding="utf-8")
    manifest = tmp_path / "m" / "manifest.csv"
    manifest.parent.mkdir()
    manifest.write_text(
        f"doc_id,file,region,level,year,parent,previous\nnotes,{outside},x,city,2024,,\n", encoding="utf-8"
    )
    result = run_cli("--manifest", manifest, "build", "--out", tmp_path / "out")
    assert_user_error(result, str(outside))
    assert "(notes)" in result.stderr and "no tasks found" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("doc_id,file,region,level,year,parent,previous\n", "the manifest lists no documents"),
        ("doc_id,file,region,level,year,parent,previous,colour\n", "unknown column(s): colour"),
        ("doc_id,file,region,level,year,parent,previous\n../../x,a.txt,x,city,2024,,\n", "may hold only letters"),
        ("doc_id,file,region,level,year,parent,previous\na,a.txt,x,city,²,,\n", "year must be a number"),
    ],
    ids=["header-only", "unknown-column", "unsafe-id", "superscript-year"],
)
def test_build_refuses_a_bad_manifest_in_one_line(run_cli, tmp_path, body: str, problem: str) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(body, encoding="utf-8")
    (tmp_path / "a.txt").write_text(PLAN, encoding="utf-8")
    result = run_cli("--manifest", manifest, "build", "--out", tmp_path / "out")
    assert_user_error(result, str(manifest))
    assert problem in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_file_over_the_size_limit_gets_one_clear_line(run_cli, tmp_path) -> None:
    from analysis.parse.read import DEFAULT_MAX_BYTES

    path = tmp_path / "huge.txt"
    with open(path, "wb") as handle:
        handle.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: refused from its size, never read
    result = run_cli("tasks", path)
    assert_user_error(result, str(path))
    assert "too large" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_plan_with_a_few_invalid_bytes_is_read_and_its_damage_flagged(run_cli, tmp_path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(PLAN.encode("utf-8").replace("碧水".encode(), b"\xff\xfe"))
    result = run_cli("tasks", path)
    assert result.returncode == 0, result.stderr
    tasks = read_csv(result.stdout)
    assert list(tasks["heading"]) == ["深入打好\ufffd\ufffd保卫战", "深入打好蓝天保卫战"]
    assert list(tasks["flags"]) == ["damaged_text", ""]


def test_build_without_a_terminal_logs_each_stage_that_takes_time(tmp_path, monkeypatch, capsys) -> None:
    from analysis import cli
    from analysis.corpus import scheduler

    monkeypatch.setattr(scheduler, "PROGRESS_MIN_ITEMS", 1)  # every stage counts as large
    monkeypatch.setattr(scheduler, "PROGRESS_FIRST_SECONDS", 0.0)  # and long
    assert cli.main(["build", "--out", str(tmp_path / "out"), "--scheduler", "none"]) == 0
    done = [line.split(":")[0] for line in capsys.readouterr().err.splitlines() if " done in " in line]
    assert done == ["parse", "profiles", "targets", "compare"]


def test_build_of_a_large_manifest_without_a_terminal_logs_from_its_first_second(tmp_path, monkeypatch, capsys) -> None:
    """A manifest of 40 rows or more: the time it takes to read is logged (a smaller one stays silent)."""
    from analysis import cli
    from analysis.corpus import manifest, scheduler

    rows = "".join(f"p{y},plan.txt,,,x,province,{y},,{f'p{y - 1}' if y else ''}\n" for y in range(45))
    (tmp_path / "plan.txt").write_text(
        (RAW_DIR / "hubei_province_2024.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "manifest.csv").write_text(
        "doc_id,file,title,issuer,region,level,year,parent,previous\n" + rows, encoding="utf-8"
    )
    monkeypatch.setattr(scheduler, "PROGRESS_FIRST_SECONDS", 0.05)
    slow = manifest.load_manifest
    monkeypatch.setattr(manifest, "load_manifest", lambda *args, **kw: time.sleep(0.3) or slow(*args, **kw))
    monkeypatch.setattr("analysis.corpus.incremental.build_tables", lambda *args, **kw: sys.exit(3))  # stop there
    with pytest.raises(SystemExit):
        cli.main(
            [
                "--manifest",
                str(tmp_path / "manifest.csv"),
                "build",
                "--out",
                str(tmp_path / "out"),
                "--scheduler",
                "none",
            ]
        )
    assert capsys.readouterr().err.splitlines()[0] == "build: reading the manifest (0 s)"
