"""Batch reports: planning from the manifest's links, failure handling, HTML post-processing."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis import storage
from analysis.report import batch as reports
from analysis.report import i18n, stamps
from analysis.report.batch import plan_reports, strip_outputs
from analysis.report.jobs import ReportJob
from analysis.report.render import contents_list


def test_reports_follow_the_manifest_links(tmp_path) -> None:
    documents = pd.DataFrame({"doc_id": ["p23", "p24", "c24"]})
    links = pd.DataFrame(
        {
            "comparison_id": ["p23__p24", "p24__c24"],
            "kind": ["year", "level"],
            "source_doc": ["p23", "p24"],
            "target_doc": ["p24", "c24"],
        }
    )
    jobs = plan_reports(documents, links, notebooks_dir=tmp_path)
    assert [j.report_id for j in jobs] == ["overview", "year__p23__p24", "level__p24__c24", "escalation", "method"]
    assert jobs[1].parameters == {"earlier_doc": "p23", "later_doc": "p24"}
    assert jobs[2].parameters == {"parent_doc": "p24", "child_doc": "c24"}
    assert jobs[2].doc_ids == ("p24", "c24")
    assert jobs[0].doc_ids == ("p23", "p24", "c24")
    assert jobs[2].notebook == tmp_path / "03_level_cascade.ipynb"


def test_the_contents_list_links_the_report_headings() -> None:
    page = (
        '<h1 id="Title">Title<a class="anchor-link" href="#Title">¶</a></h1>'
        '<h2 id="Cover-age">Cover &amp; age<a class="anchor-link" href="#Cover-age">¶</a></h2>'
        '<h3 id="By-unit">By unit</h3>'
    )
    nav = contents_list(page)
    assert '<a href="#Cover-age">Cover &amp; age</a>' in nav and 'class="h3"><a href="#By-unit">' in nav
    assert "#Title" not in nav and "¶" not in nav
    assert contents_list("<p>no headings</p>") == ""


def test_committed_notebooks_keep_only_the_checked_outputs() -> None:
    notebook = new_notebook(
        cells=[
            new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\n")], execution_count=3),
            new_code_cell(
                "# NBVAL_CHECK_OUTPUT\nprint(2)",
                outputs=[new_output("stream", name="stdout", text="2\n")],
                execution_count=4,
            ),
            new_markdown_cell("text"),
        ]
    )
    stripped = strip_outputs(notebook)
    assert stripped.cells[0].outputs == [] and stripped.cells[0].execution_count is None
    assert stripped.cells[1].outputs[0]["text"] == "2\n" and stripped.cells[1].execution_count == 4


def _notebook(path, source: str) -> None:
    heading = (
        'from IPython.display import HTML\nHTML(\'<h1 id="top">A test report</h1><h2 id="part-one">Part one</h2>\')'
    )
    cells = [
        new_markdown_cell("# A guide for a researcher\n\n## Its notes"),
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell(heading),
        new_code_cell(source, metadata={"tags": ["summary"]}),
    ]
    nb = new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nbformat.write(nb, path)


@pytest.mark.slow  # papermill
def test_a_failing_notebook_does_not_stop_the_others(tmp_path, built) -> None:
    processed, _ = built
    _notebook(tmp_path / "good.ipynb", "print(f'all fine, x={x}')")
    _notebook(tmp_path / "bad.ipynb", "raise ValueError('the parameter names no document')")
    jobs = [
        ReportJob("good", "overview", "Good report", tmp_path / "good.ipynb", {"x": "2"}, ("hubei_province_2023",)),
        ReportJob("bad", "overview", "Bad report", tmp_path / "bad.ipynb", {}, ()),
    ]
    out = tmp_path / "out"
    results = {r.report_id: r for r in reports.build_reports(out, processed, jobs=jobs, workers=2, progress=False)}
    assert results["good"].status == "built" and results["good"].summary == "all fine, x=2"
    assert results["bad"].status == "failed" and "ValueError: the parameter names no document" in results["bad"].error
    assert not (out / "bad.html").exists()
    assert (out / "notebooks" / "bad.failed.ipynb").is_file()  # the executed notebook, to open and see the error
    index = (out / "index.html").read_text(encoding="utf-8")
    assert (
        i18n.Messages("zh")("index.failed", n=1) in index
        and "notebooks/bad.failed.ipynb" in index
        and 'href="good.html"' in index
    )
    page = (out / "good.html").read_text(encoding="utf-8")
    assert "x = 1" not in page  # code hidden
    assert "cdnjs" not in page and "require.min.js" not in page  # nothing fetched from the web
    assert '<nav class="report-contents">' in page and 'href="#part-one"' in page
    assert "A guide for a researcher" not in page and "Its notes" not in page  # the markdown is the notebook's
    assert "data/raw/hubei_province_2023.txt" in page and "sha256" in page
    params = yaml.safe_load((out / "params" / "good.yaml").read_text(encoding="utf-8"))
    assert params == {
        "x": "2",
        "processed_dir": str(processed.resolve()),
        "lang": "zh",
    }  # reruns by hand read the same tables
    assert json.loads((out / "build.json").read_text(encoding="utf-8"))[1]["status"] == "failed"
    # unchanged inputs: the good report is not run again, the failed one is
    again = {r.report_id: r for r in reports.build_reports(out, processed, jobs=jobs, workers=1, progress=False)}
    assert again["good"].status == "cached" and again["good"].summary == "all fine, x=2"
    assert again["bad"].status == "failed"


@pytest.mark.slow  # papermill
def test_a_worker_reuses_its_kernel_with_a_clean_namespace_and_replaces_it_after_a_failure(tmp_path, built) -> None:
    processed, _ = built
    shows = "import os\nprint(os.getpid(), 'leaked' in globals())"
    sources = {"first": shows + "\nleaked = 1", "second": shows, "bad": "raise ValueError('boom')", "third": shows}
    for name, source in sources.items():
        _notebook(tmp_path / f"{name}.ipynb", source)
    jobs = [ReportJob(name, "overview", name, tmp_path / f"{name}.ipynb", {}, ()) for name in sources]
    out = tmp_path / "out"
    results = {r.report_id: r for r in reports.build_reports(out, processed, jobs=jobs, workers=1, progress=False)}
    assert results["bad"].status == "failed"
    kernels = {name: results[name].summary.split()[0] for name in ("first", "second", "third")}
    assert {results[name].summary.split()[1] for name in kernels} == {"False"}  # nothing left by the notebook before
    assert kernels["first"] == kernels["second"] != kernels["third"]  # one kernel, a fresh one after the failure

    def counts(name: str) -> list[int | None]:
        executed = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        return [cell.execution_count for cell in executed.cells if cell.cell_type == "code"]

    # parameters, papermill's injected parameters, the heading, the summary: counted from 1 in each notebook
    assert counts("first") == counts("second") == counts("third") == [1, 2, 3, 4]


@pytest.mark.slow  # papermill
def test_the_processed_folder_reaches_the_notebooks(built, tmp_path) -> None:
    """`reports --processed DIR`: papermill injects DIR into the notebook, after its own parameters."""
    processed, _ = built
    assert "overview" in {job.report_id for job in plan_reports(built[1]["documents"], pd.DataFrame(columns=["kind"]))}
    out = tmp_path / "reports"
    (result,) = reports.build_reports(
        out_dir=out, processed_dir=processed, only=["overview"], workers=1, progress=False
    )
    assert result.status == "built", result.error
    assert (out / "overview.html").is_file() and (out / "index.html").is_file()
    executed = nbformat.read(out / "notebooks" / "overview.ipynb", as_version=4)
    tags = [cell.metadata.get("tags", []) for cell in executed.cells]
    injected = [i for i, cell_tags in enumerate(tags) if "injected-parameters" in cell_tags]
    assert len(injected) == 1
    assert injected[0] == 1 + next(i for i, cell_tags in enumerate(tags) if "parameters" in cell_tags)
    values = {
        statement.targets[0].id: ast.literal_eval(statement.value)
        for statement in ast.parse(executed.cells[injected[0]].source).body
    }
    # the folder's current table set, resolved once: every notebook of the run reads the same set
    assert Path(values["processed_dir"]).resolve() == storage.table_folder(processed).resolve()


def test_an_unknown_report_is_refused(built) -> None:
    processed, _ = built
    with pytest.raises(reports.UserError, match="no such report"):
        reports.build_reports(processed_dir=processed, only=["nonexistent"], progress=False)


@pytest.mark.slow  # papermill
def test_a_parameter_naming_a_missing_document_fails_that_report_with_a_clear_error(tmp_path, built) -> None:
    processed, _ = built
    notebook = reports.NOTEBOOKS_DIR / reports.REPORT_KINDS["year"].notebook
    jobs = [
        ReportJob(
            "year__nope",
            "year",
            "Bad year report",
            notebook,
            {"earlier_doc": "no_such_plan", "later_doc": "hubei_province_2024"},
            (),
        )
    ]
    result = reports.build_reports(tmp_path, processed, jobs=jobs, workers=1, progress=False)[0]
    assert result.status == "failed"
    assert "earlier_doc: no plan 'no_such_plan'" in result.error and "hubei_province_2023" in result.error


@pytest.mark.slow  # runs the command line in a subprocess
def test_the_reports_command_refuses_unknown_reports_and_unwritable_folders(run_cli, tmp_path, built) -> None:
    processed, _ = built
    unknown = run_cli("reports", "--processed", processed, "--only", "nonexistent", "--out", tmp_path / "out")
    assert unknown.returncode == 2 and "nonexistent: no such report" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    language = run_cli("reports", "--processed", processed, "--lang", "zh,fr", "--out", tmp_path / "out")
    assert language.returncode == 2 and "not zh, en, all or zh,en" in language.stderr
    blocker = tmp_path / "file"
    blocker.write_text("x")
    unwritable = run_cli("reports", "--processed", processed, "--only", "overview", "--out", blocker / "out")
    assert unwritable.returncode == 2 and "cannot write here" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


@pytest.mark.slow  # papermill
def test_a_page_whose_links_alone_changed_is_rendered_again_without_running(tmp_path, built) -> None:
    processed, _ = built
    _notebook(tmp_path / "a.ipynb", "print(f'a, x={x}')")
    _notebook(tmp_path / "b.ipynb", "print('b')")
    first = [ReportJob("a", "overview", "A", tmp_path / "a.ipynb", {"x": "1"}, ())]
    out = tmp_path / "out"
    assert reports.build_reports(out, processed, jobs=first, workers=1, progress=False)[0].status == "built"
    both = [*first, ReportJob("b", "overview", "B", tmp_path / "b.ipynb", {}, ())]  # b: a new link on a's page
    again = {r.report_id: r for r in reports.build_reports(out, processed, jobs=both, workers=1, progress=False)}
    assert again["a"].status == "rendered" and again["a"].summary == "a, x=1" and again["b"].status == "built"
    assert 'href="b.html"' in (out / "a.html").read_text(encoding="utf-8")
    third = {r.report_id: r.status for r in reports.build_reports(out, processed, jobs=both, workers=1, progress=False)}
    assert third == {"a": "cached", "b": "cached"}


def test_a_comparison_page_reads_its_own_rows_and_a_corpus_page_every_row(built, tmp_path) -> None:
    processed, tables = built
    snapshot = storage.table_folder(processed)
    changed = tmp_path / "changed"
    shutil.copytree(snapshot, changed)
    alignments = tables["alignments"].copy()
    first, other = list(dict.fromkeys(alignments["comparison_id"]))[:2]
    alignments.loc[alignments["comparison_id"] == first, "evidence"] = "edited"
    storage.write_table(alignments, changed, "alignments")
    jobs = reports.plan_reports(tables["documents"], reports.corpus_links(tables["documents"]))
    by_comparison = {"__".join(job.doc_ids): job for job in jobs if len(job.doc_ids) == 2}
    overview = next(job for job in jobs if job.kind == "overview")
    before, after = stamps.PageInputs(snapshot), stamps.PageInputs(changed)
    assert before.inputs(by_comparison[first]) != after.inputs(by_comparison[first])
    assert before.inputs(by_comparison[other]) == after.inputs(by_comparison[other])
    assert before.inputs(overview) != after.inputs(overview)
