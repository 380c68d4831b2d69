"""Batch reports: the notebooks run by papermill, one per comparison, rendered to HTML for reviewers.

The manifest's links decide the reports: one cross-year report per ``previous`` link, one
cross-level report per ``parent`` link (damaged duplicate copies left out), plus the corpus
overview, the target escalation and the method reports. Notebooks run as separate processes in
parallel; one failing notebook does not stop the others, and the index lists it with its error
and the executed notebook to open (``notebooks/<id>.failed.ipynb``). A failed or interrupted
notebook never replaces a good report: ``<id>.html`` and ``notebooks/<id>.ipynb`` stay the last
good pair (the index marks such a page as from earlier inputs). Stopping the command (Ctrl-C,
SIGTERM) stops its workers and their kernels; the index is written last, from the files on disk.

Each HTML report hides the code, embeds plotly.js (it works offline), opens with a contents list
and closes with the generation time and the hashes of its input files. A report whose inputs
(notebook, parameters, processed tables, package code) have not changed since the last build is
not run again.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import html
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from analysis import __version__, storage
from analysis.corpus import manifest
from analysis.corpus.build import planned_comparisons
from analysis.errors import UserError
from analysis.report import i18n, site
from analysis.report.site import (  # noqa: F401 (part of this module's interface)
    ASSET_FILES,
    ASSETS_DIR,
    READING_ORDER,
    asset_tags,
    index_figures,
    report_links,
    write_assets,
)
from analysis.report.workers import sigterm_interrupts, stop_pool, worker_pool
from analysis.settings import (
    MANIFEST_PATH,
    NOTEBOOKS_DIR,
    PROCESSED_DIR,
    PROJECT_ROOT,
    REPORT_MAX_BYTES,
    REPORT_WORKERS,
    REPORTS_DIR,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHECKED_OUTPUT_MARK = "# NBVAL_CHECK_OUTPUT"
SUMMARY_TAG = "summary"
# Cells whose output is for nbval and JupyterLab only (a plain-text copy of a table shown styled).
HIDDEN_IN_REPORT_TAG = "hide_in_report"
PARAMETERS_TAG = "parameters"



@dataclass(frozen=True)
class ReportKind:
    notebook: str
    title: str
    parameter_names: tuple[str, ...] = ()


REPORT_KINDS = {
    "overview": ReportKind("01_corpus_overview.ipynb", "Corpus overview"),
    "year": ReportKind("02_year_comparison.ipynb", "Cross-year comparison", ("earlier_doc", "later_doc")),
    "level": ReportKind("03_level_cascade.ipynb", "Cross-level cascade", ("parent_doc", "child_doc")),
    "escalation": ReportKind("04_target_escalation.ipynb", "Target escalation"),
    "method": ReportKind("05_method_quality.ipynb", "Method and quality"),
}


@dataclass(frozen=True)
class ReportJob:
    """One report to build: which notebook, with which parameters, reading which documents."""

    report_id: str
    kind: str
    title: str
    notebook: Path
    parameters: dict[str, str]
    doc_ids: tuple[str, ...]


@dataclass
class ReportResult:
    report_id: str
    kind: str
    title: str
    status: str  # "built", "cached", "failed" or "earlier" (a page from earlier inputs, not rebuilt this time)
    summary: str = ""
    error: str = ""
    html: str = ""  # file name inside the output folder
    notebook: str = ""  # executed notebook, relative to the output folder (of a failure: the failed run)
    size_bytes: int = 0
    seconds: float = 0.0
    inputs: list[tuple[str, str]] = field(default_factory=list)


# --- planning ----------------------------------------------------------------------------------


def plan_reports(documents: pd.DataFrame, links: pd.DataFrame, notebooks_dir: Path = NOTEBOOKS_DIR,
                 lang: str = i18n.DEFAULT_LANG) -> list[ReportJob]:
    """The reports the corpus implies, in reading order: overview, the cross-year comparisons, the
    cascades, escalation, method. Titles name the plans by their display names."""
    all_docs = tuple(documents["doc_id"])
    names = i18n.plan_names(documents, lang)
    jobs = [_job("overview", "overview", {}, all_docs, notebooks_dir, names, lang)]
    for _, link in links.iterrows():
        kind = link["kind"]
        parameter_names = REPORT_KINDS[kind].parameter_names
        parameters = dict(zip(parameter_names, (link["source_doc"], link["target_doc"])))
        jobs.append(_job(f"{kind}__{link['comparison_id']}", kind, parameters,
                         (link["source_doc"], link["target_doc"]), notebooks_dir, names, lang))
    jobs.append(_job("escalation", "escalation", {}, all_docs, notebooks_dir, names, lang))
    jobs.append(_job("method", "method", {}, all_docs, notebooks_dir, names, lang))
    return sorted(jobs, key=lambda job: READING_ORDER.get(job.kind, 9))  # stable: manifest order within a kind


def _job(report_id: str, kind: str, parameters: dict[str, str], doc_ids: tuple[str, ...], notebooks_dir: Path,
         names: dict[str, str] | None = None, lang: str = i18n.DEFAULT_LANG) -> ReportJob:
    spec = REPORT_KINDS[kind]
    msg = i18n.Messages(lang)
    names = names or {}
    title = msg(f"kind.{kind}")
    if parameters:
        source, target = parameters[spec.parameter_names[0]], parameters[spec.parameter_names[1]]
        title = msg(f"title.{kind}", source=names.get(source, source), target=names.get(target, target))
    return ReportJob(report_id, kind, title, Path(notebooks_dir) / spec.notebook, parameters, doc_ids)


def corpus_links(documents: pd.DataFrame, manifest_path: Path = MANIFEST_PATH) -> pd.DataFrame:
    """The manifest's comparisons, without damaged duplicate copies."""

    return planned_comparisons(manifest.load_manifest(manifest_path), documents)


# --- running one report (in a worker process) --------------------------------------------------


def fingerprint(job: ReportJob, processed_dir: Path) -> str:
    """Hash of everything a report depends on: notebook, parameters, tables, package code."""
    digest = hashlib.sha256()
    digest.update(json.dumps([job.report_id, job.parameters, __version__], sort_keys=True).encode())
    package = Path(__file__).resolve().parent
    code = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    inputs = [job.notebook, *sorted(Path(processed_dir).glob("*.parquet")), *code]
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()


def _cached(job: ReportJob, out_dir: Path, stamp: str) -> ReportResult | None:
    page = out_dir / f"{job.report_id}.html"
    if not page.is_file():
        return None
    head = page.read_text(encoding="utf-8", errors="replace")[:20_000]
    meta = dict(re.findall(r'<meta name="workplan-([a-z]+)" content="([^"]*)"', head))
    if meta.get("fingerprint") != stamp:
        return None
    return ReportResult(job.report_id, job.kind, job.title, "cached", summary=html.unescape(meta.get("summary", "")),
                        html=page.name, notebook=f"notebooks/{job.report_id}.ipynb", size_bytes=page.stat().st_size)


def run_report(job: ReportJob, out_dir: Path, stamp: str, inputs: list[tuple[str, str]],
               jobs: list[ReportJob] | None = None, standalone: bool = False) -> ReportResult:
    """Execute one notebook with papermill and render it; never raises for a failing notebook.

    The notebook runs into a temporary file. Only a successful run replaces the report's executed
    notebook and HTML page; a failed run is kept as ``notebooks/<id>.failed.ipynb`` (to open and
    see the error) and an interrupted one (KeyboardInterrupt, SIGTERM) leaves nothing behind.
    """
    import papermill

    started = time.perf_counter()
    out_dir = Path(out_dir)
    result = ReportResult(job.report_id, job.kind, job.title, "failed", notebook=f"notebooks/{job.report_id}.ipynb", inputs=inputs)
    executed_path = out_dir / result.notebook
    failed_path = executed_path.with_suffix(".failed.ipynb")
    page = out_dir / f"{job.report_id}.html"
    try:
        executed_path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{job.report_id}.", suffix=".tmp.ipynb", dir=executed_path.parent)
    except OSError as exc:
        raise UserError(executed_path.parent, f"cannot write here ({exc.strerror})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        with _stderr_to(out_dir / "logs" / f"{job.report_id}.log"):
            try:
                papermill.execute_notebook(
                    str(job.notebook), str(tmp), parameters=job.parameters, cwd=str(job.notebook.parent),
                    kernel_name="python3", progress_bar=False, log_output=False, report_mode=False,
                )
            except papermill.PapermillExecutionError as exc:
                result.error = f"{exc.ename}: {exc.evalue}".strip()
            except Exception as exc:  # a kernel that dies, a missing notebook: reported, not raised
                result.error = f"{type(exc).__name__}: {exc}"
        result.seconds = round(time.perf_counter() - started, 1)
        if result.error:
            if not tmp.stat().st_size:
                tmp.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
            os.chmod(tmp, 0o644)
            os.replace(tmp, failed_path)  # beside the last good notebook, which stays
            result.notebook = failed_path.relative_to(out_dir).as_posix()
            return result
        executed = nbformat.read(tmp, as_version=4)
        result.summary = cell_text(executed, SUMMARY_TAG)
        lang = job.parameters.get("lang", i18n.DEFAULT_LANG)
        document = render_html(executed, job, result.summary, stamp, inputs, jobs, lang, standalone)
        os.chmod(tmp, 0o644)
        os.replace(tmp, executed_path)
        storage.write_text(page, document)
        failed_path.unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    result.status, result.html, result.size_bytes = "built", page.name, page.stat().st_size
    return result


@contextlib.contextmanager
def _stderr_to(log: Path) -> Iterator[None]:
    """Send this process's stderr (and its kernel's) to a log file: kernel chatter is not for users."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with log.open("wb") as handle:
        os.dup2(handle.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def cell_text(notebook: nbformat.NotebookNode, tag: str) -> str:
    """The printed output of the cell carrying ``tag`` (the report's one-line summary)."""
    for cell in notebook.cells:
        if tag in cell.get("metadata", {}).get("tags", []):
            return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stdout").strip()
    return ""


# --- HTML --------------------------------------------------------------------------------------

# Script tags that fetch from the web, here the MathJax plotly's notebook renderer asks for in
# every chart's output (the reports have no LaTeX; the page template fetches nothing either).
# Every page forbids every network request, plugin, form and <base>: a document's text that got
# past the escaping could still not fetch or send anything. plotly.js needs inline script (it is
# embedded), eval (its number formatting) and inline style.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE)
_HEADING = re.compile(r'<h([1-3])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
CONTENTS_MARK = "<!--contents-->"


def contents_list(document: str, label: str = "Contents") -> str:
    """A ``<nav>`` listing the report's headings (level 2 and 3) as links."""
    items = []
    for level, anchor, inner in _HEADING.findall(document):
        if level == "1":
            continue
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        items.append(f'<li class="h{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>')
    if not items:
        return ""
    return f'<nav class="report-contents"><strong>{html.escape(label)}</strong><ol>' + "".join(items) + "</ol></nav>"


def provenance_footer(inputs: list[tuple[str, str]], generated: str, msg: i18n.Messages | None = None) -> str:
    msg = msg or i18n.Messages("en")
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>sha256 {html.escape(digest)}</td></tr>" for name, digest in inputs)
    return (f'<footer class="report-provenance"><p>{html.escape(msg("page.generated", time=generated, version=__version__))}'
            f"</p><table>{rows}</table></footer>")


def render_html(executed: nbformat.NotebookNode, job: ReportJob, summary: str, stamp: str, inputs: list[tuple[str, str]],
                jobs: list[ReportJob] | None = None, lang: str = i18n.DEFAULT_LANG, standalone: bool = False) -> str:
    """Reviewer HTML: no code, no kernel noise, a contents list on top, provenance at the bottom.

    Cells tagged ``hide_in_report`` (plain-text copies of styled tables, kept for nbval) show no
    output here.
    """
    from nbconvert import HTMLExporter

    notebook = nbformat.from_dict(json.loads(json.dumps(executed)))  # a copy to trim
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"  # papermill's injected cell has a random id: the page would differ
        if cell.cell_type == "code":
            hidden = HIDDEN_IN_REPORT_TAG in cell.get("metadata", {}).get("tags", [])
            cell.outputs = [] if hidden else [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES_DIR)], exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    document, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": job.title}})
    document = _REMOTE_SCRIPT.sub("", document)
    if not standalone:
        document = site.shared_styles(document)
    msg = i18n.Messages(lang)
    document = re.sub(r"<html\b[^>]*>", f'<html lang="{i18n.HTML_LANG.get(lang, lang)}">', document, count=1)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta = (f'{CSP_META}\n<meta name="workplan-fingerprint" content="{html.escape(stamp)}">\n'
            f'<meta name="workplan-summary" content="{html.escape(summary, quote=True)}">\n'
            f'<meta name="workplan-lang" content="{html.escape(lang)}">\n')
    document = document.replace("<head>", "<head>\n" + meta, 1)
    head_end = document.find("</head>")
    document = document[:head_end] + asset_tags(standalone) + document[head_end:]
    nav = contents_list(document, msg("page.contents"))
    if nav and CONTENTS_MARK in document:
        document = document.replace(CONTENTS_MARK, nav, 1)
    elif nav and (first_h1 := re.search(r"</h1>", document)):
        document = document[: first_h1.end()] + nav + document[first_h1.end():]
    links = report_links(job, jobs or [job], msg)
    body = re.search(r"<body\b[^>]*>", document)
    if body:
        document = document[: body.end()] + links + document[body.end():]
    footer = provenance_footer(inputs, generated, msg)
    close = document.rfind("</main>") if "</main>" in document else document.rfind("</body>")
    document = document[:close] + footer + document[close:]
    close = document.rfind("</body>")
    return document[:close] + asset_tags(standalone, "body") + document[close:]


# --- the index ---------------------------------------------------------------------------------

def index_page(results: list[ReportResult], figures_html: str, generated: str, lang: str = i18n.DEFAULT_LANG,
               standalone: bool = False) -> str:
    """``index.html``: the reports in reading order, each with its finding; failures with their error."""
    return site.index_page(results, figures_html, generated, CSP_META, lang, standalone)


# --- the whole batch ---------------------------------------------------------------------------


def _inputs_of(job: ReportJob, documents: pd.DataFrame) -> list[tuple[str, str]]:
    listed = documents.set_index("doc_id")
    files = [(f"data/raw/{str(listed.at[d, 'file'])}", str(listed.at[d, "sha256"])) for d in job.doc_ids if d in listed.index]
    notebook = job.notebook
    digest = hashlib.sha256(notebook.read_bytes()).hexdigest() if notebook.is_file() else "(missing)"
    try:
        shown = notebook.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        shown = notebook
    return files + [(str(shown), digest)]


def write_parameters(job: ReportJob, folder: Path) -> Path:
    """A papermill parameters file, so an analyst can rerun this one report by hand."""
    path = Path(folder) / f"{job.report_id}.yaml"
    storage.write_text(path, yaml.safe_dump(job.parameters, allow_unicode=True, sort_keys=False) if job.parameters else "{}\n")
    return path


def build_reports(
    out_dir: Path = REPORTS_DIR,
    processed_dir: Path = PROCESSED_DIR,
    jobs: list[ReportJob] | None = None,
    only: list[str] | None = None,
    force: bool = False,
    workers: int = REPORT_WORKERS,
    progress: bool = True,
    lang: str = i18n.DEFAULT_LANG,
    standalone: bool = False,
) -> list[ReportResult]:
    """Run every report in parallel processes, then write ``index.html``; return the results.

    Interrupted (Ctrl-C, SIGTERM), it stops its workers and their kernels, still writes the index
    of the reports on disk, and raises KeyboardInterrupt. The index (and ``build.json``) is written
    last and describes the files that exist: reports built or cached now, failures (with the
    failed run's notebook and the earlier page when there is one), and pages of earlier runs
    (reports not run this time, or no longer planned).
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    snapshot = storage.table_folder(processed_dir)  # one table set for every report of this run
    documents = storage.read_table("documents", snapshot)
    if lang not in i18n.LANGS:
        raise UserError(lang, f"no such language (known: {', '.join(i18n.LANGS)})")
    if jobs is None:
        jobs = plan_reports(documents, corpus_links(documents), lang=lang)
    jobs = [replace(job, parameters={**job.parameters, "processed_dir": str(Path(processed_dir).resolve()), "lang": lang})
            for job in jobs]
    planned = jobs
    if only:
        unknown = sorted(set(only) - {j.report_id for j in jobs})
        if unknown:
            raise UserError(", ".join(unknown), f"no such report (known: {', '.join(j.report_id for j in jobs)})")
        jobs = [j for j in jobs if j.report_id in only]
    for job in jobs:
        write_parameters(job, out_dir / "params")
    results: dict[str, ReportResult] = {}
    stale: dict[str, tuple[ReportJob, str]] = {}
    write_assets(out_dir)
    for job in jobs:
        stamp = fingerprint(job, snapshot) + ("-standalone" if standalone else "")
        cached = None if force else _cached(job, out_dir, stamp)
        if cached:
            results[job.report_id] = cached
        else:
            stale[job.report_id] = (job, stamp)
    interrupted: BaseException | None = None
    try:
        with sigterm_interrupts():
            _run_stale(stale, results, out_dir, snapshot, documents, workers, progress, tqdm, planned, standalone)
    except KeyboardInterrupt as exc:
        interrupted = exc
    described = describe_on_disk(planned, results, out_dir)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    storage.write_text(out_dir / "build.json", json.dumps([asdict(r) for r in described], ensure_ascii=False, indent=1))
    storage.write_text(out_dir / "index.html", index_page(described, index_figures(snapshot, lang), generated, lang, standalone))
    if interrupted is not None:
        raise interrupted
    return [results[j.report_id] for j in jobs]


def _run_stale(stale: dict[str, tuple[ReportJob, str]], results: dict[str, ReportResult], out_dir: Path,
               snapshot: Path, documents: pd.DataFrame, workers: int, progress: bool, tqdm,
               planned: list[ReportJob] | None = None, standalone: bool = False) -> None:
    """Run the reports to build in a pool of worker processes; stop every worker on any exception.

    The notebooks read the table set ``snapshot`` (the parameters files name the processed folder,
    whose current set a rerun by hand reads)."""
    if not stale:
        return
    pool = worker_pool(max(1, min(workers, len(stale))))
    try:
        futures = {
            pool.submit(run_report, _reading(job, snapshot), out_dir, stamp, _inputs_of(job, documents), planned, standalone): job
            for job, stamp in stale.values()
        }
        with tqdm(total=len(stale), desc="reports", unit="report", disable=not progress) as bar:
            for future in concurrent.futures.as_completed(futures):
                job = futures[future]
                try:
                    results[job.report_id] = future.result()
                except Exception as exc:  # the worker itself died
                    results[job.report_id] = ReportResult(job.report_id, job.kind, job.title, "failed",
                                                          error=f"{type(exc).__name__}: {exc}")
                bar.set_postfix_str(f"{job.report_id}: {results[job.report_id].status}")
                bar.update()
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _reading(job: ReportJob, snapshot: Path) -> ReportJob:
    if "processed_dir" not in job.parameters:
        return job
    return replace(job, parameters={**job.parameters, "processed_dir": str(Path(snapshot).resolve())})


def _meta_of(page: Path) -> dict[str, str]:
    head = page.read_text(encoding="utf-8", errors="replace")[:20_000]
    meta = {k: html.unescape(v) for k, v in re.findall(r'<meta name="workplan-([a-z]+)" content="([^"]*)"', head)}
    title = re.search(r"<title>(.*?)</title>", head, re.DOTALL)
    meta["title"] = html.unescape(title.group(1)).strip() if title else page.stem
    return meta


def describe_on_disk(jobs: list[ReportJob], results: dict[str, ReportResult], out_dir: Path) -> list[ReportResult]:
    """What the index lists: each planned report as its files on disk stand, then pages of reports
    no longer planned. A failure names the earlier page (``html``) when one is left."""
    out_dir = Path(out_dir)
    described = []
    for job in jobs:
        page = out_dir / f"{job.report_id}.html"
        result = results.get(job.report_id)
        if result is None:  # not run this time (--only, or interrupted)
            if page.is_file():
                described.append(ReportResult(job.report_id, job.kind, job.title, "earlier",
                                              summary=_meta_of(page).get("summary", ""), html=page.name,
                                              notebook=f"notebooks/{job.report_id}.ipynb", size_bytes=page.stat().st_size))
            continue
        result = replace(result)
        if result.notebook and not (out_dir / result.notebook).is_file():
            result.notebook = ""
        if result.status == "failed":
            result.html = page.name if page.is_file() else ""
        elif not page.is_file():
            result.status, result.error, result.html = "failed", f"{page.name} missing after the run", ""
        result.size_bytes = page.stat().st_size if page.is_file() else 0
        described.append(result)
    known = {f"{job.report_id}.html" for job in jobs}
    for page in sorted(out_dir.glob("*.html")):
        if page.name != "index.html" and page.name not in known:
            meta = _meta_of(page)
            described.append(ReportResult(page.stem, "", meta["title"], "earlier", summary=meta.get("summary", ""),
                                          html=page.name, size_bytes=page.stat().st_size))
    return described


def oversized(results: list[ReportResult], limit: int = REPORT_MAX_BYTES) -> list[ReportResult]:
    return [r for r in results if r.size_bytes > limit]


# --- committed notebooks -----------------------------------------------------------------------


def strip_outputs(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop every output except those of ``# NBVAL_CHECK_OUTPUT`` cells (nbval's expected values)."""
    for cell in notebook.cells:
        for run_record in ("execution", "papermill"):
            cell.metadata.pop(run_record, None)
        if not cell.metadata.get("tags", True):
            cell.metadata.pop("tags")
        if cell.cell_type == "code" and CHECKED_OUTPUT_MARK not in cell.source:
            cell.outputs = []
            cell.execution_count = None  # nbval treats a cell with outputs but no count as unrun
    notebook.metadata.pop("papermill", None)
    return notebook


def refresh_notebook(path: Path) -> None:
    """Run a committed notebook with its default parameters and keep only its checked outputs.

    The outputs of ``# NBVAL_CHECK_OUTPUT`` cells are the figures ``make test`` expects (nbval);
    refresh them when a change to the method rightly changes those figures, and review the diff.
    """
    import papermill

    path = Path(path)
    with tempfile.TemporaryDirectory() as folder:
        executed_path = Path(folder) / path.name
        papermill.execute_notebook(str(path), str(executed_path), cwd=str(path.parent), kernel_name="python3",
                                   progress_bar=False, log_output=False)
        executed = nbformat.read(executed_path, as_version=4)
    storage.write_text(path, nbformat.writes(strip_outputs(executed)) + "\n")
