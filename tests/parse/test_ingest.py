"""parse_document reads every supported format through formats.extract; the tasks command too."""

from __future__ import annotations

import io
from pathlib import Path

import invented_plans as ip  # tests/: on sys.path beside its conftest
import pandas as pd
import pytest

from analysis.parse import read
from analysis.parse.document import parse_document
from analysis.parse.structure import TASK_COLUMNS
from benchmarks import formats as mf  # the writers the ingestion benchmark uses too

COMPARED = ["task_id", "heading", "text", "lead_units", "responsible_units"]
TITLE = "2024年全市生态环境工作要点"


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory) -> dict[str, Path]:
    """One invented city plan as .txt, .docx, .pdf (several pages) and .html (same stem)."""
    text = ip.city_plan("甲市", "alpha")
    paragraphs = [p for p in text.split("\n") if p]
    out = tmp_path_factory.mktemp("ingest")
    txt = out / "txt" / "plan.txt"
    txt.parent.mkdir()
    txt.write_text(text, encoding="gb18030")
    files = {"txt": txt}
    for fmt, write in (
        ("docx", lambda p: mf.plan_docx(p, paragraphs)),
        ("pdf", lambda p: mf.plan_pdf(p, text, TITLE, lines_per_page=8)),
        ("html", lambda p: mf.plan_html(p, paragraphs, TITLE)),
    ):
        (out / fmt).mkdir()
        files[fmt] = write(out / fmt / f"plan.{fmt}")
    return files


def test_text_files_keep_todays_decoding(plan_files) -> None:
    doc = parse_document(plan_files["txt"])
    before = read.read_document(plan_files["txt"])
    assert (doc.raw.text, doc.raw.encoding) == (before.text, before.encoding) == (before.text, "gb18030")
    assert doc.format == "txt" and doc.page_starts == () and doc.page_of(0) is None


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_every_format_parses_to_the_tasks_of_the_text(plan_files, fmt: str) -> None:
    expected = parse_document(plan_files["txt"]).tasks
    doc = parse_document(plan_files[fmt])
    assert doc.format == fmt
    assert len(expected) == 7
    pd.testing.assert_frame_equal(doc.tasks[COMPARED], expected[COMPARED])
    assert bool(doc.page_starts) == (fmt == "pdf")


def test_a_pdf_keeps_its_page_starts(plan_files) -> None:
    doc = parse_document(plan_files["pdf"])
    assert len(doc.page_starts) >= 3 and doc.page_starts[0] == 0
    pages = [doc.page_of(start) for start in doc.tasks["char_start"]]
    assert pages == sorted(pages) and pages[0] >= 1 and pages[-1] == len(doc.page_starts)
    # the page a task starts on holds the task's opening words
    task = doc.tasks.iloc[-1]
    page = pages[-1]
    assert doc.page_starts[page - 1] <= task["char_start"]


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_tasks_command_reads_word_pdf_and_web_pages(run_cli, plan_files, fmt: str) -> None:
    result = run_cli("tasks", plan_files[fmt])
    assert result.returncode == 0, result.stderr
    tasks = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(tasks["doc_id"].unique()) == ["plan"]
    assert len(tasks) == 7
    if fmt == "pdf":  # only a PDF's table says on which page each task begins
        assert list(tasks.columns) == TASK_COLUMNS + ["page_start"]
        assert tasks["page_start"].astype(int).is_monotonic_increasing
    else:
        assert list(tasks.columns) == TASK_COLUMNS


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
def test_add_registers_a_word_pdf_or_web_plan_that_the_build_then_reads(
    run_cli, plan_files, tmp_path, fmt: str
) -> None:
    manifest = ip.write_corpus(tmp_path / "raw", {}, [])
    result = run_cli("add", plan_files[fmt], "--doc-id", f"jia_{fmt}", "--manifest", manifest)
    assert result.returncode == 0, result.stderr
    assert f"registered jia_{fmt}" in result.stdout and f"{fmt} file with 7 tasks" in result.stdout
    assert "region: 甲市 (from the issuer)" in result.stdout
    assert (manifest.parent / f"plan.{fmt}").read_bytes() == plan_files[fmt].read_bytes()
    tasks = parse_document(manifest.parent / f"plan.{fmt}", f"jia_{fmt}").tasks
    assert len(tasks) == 7
