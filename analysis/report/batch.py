"""Batch reports: the notebooks run by papermill, one per comparison, rendered to HTML for reviewers.

The manifest's links decide the reports: one cross-year report per ``previous`` link, one
cross-level report per ``parent`` link (damaged duplicate copies left out), plus the corpus
overview, the target escalation and the method reports, in each edition (Chinese, English; both
in one run with :func:`build_editions`: ``reports/`` and ``reports/en/``). Notebooks run in
parallel worker processes, each worker keeping one kernel (:mod:`analysis.report.execute`); one
failing notebook does not stop the others, and the index lists it with its error
and the executed notebook to open (``notebooks/<id>.failed.ipynb``). A failed or interrupted
notebook never replaces a good report: ``<id>.html`` and ``notebooks/<id>.ipynb`` stay the last
good pair (the index marks such a page as from earlier inputs). Stopping the command (Ctrl-C,
SIGTERM) stops its workers and their kernels; the index is written last, from the files on disk.

Each HTML report hides the code, embeds plotly.js (it works offline), opens with a contents list
and closes with the generation time and the hashes of its input files. A report whose inputs
(notebook, parameters, the rows of the processed tables it reads, package code) have not changed
since the last build is not run again, only rendered again when the links around it changed
(:mod:`analysis.report.stamps`).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import html
import json
import re
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from analysis import storage
from analysis.corpus import manifest
from analysis.corpus.documents import planned_comparisons
from analysis.errors import UserError
from analysis.report import i18n, site, stamps
from analysis.report.execute import (
    ReportRun,
    run_editions,
)
from analysis.report.jobs import (
    CHECKED_OUTPUT_MARK,
    REPORT_KINDS,
    ReportJob,
    ReportResult,
)
from analysis.report.render import (
    csp_meta,
)
from analysis.report.site import (
    ASSETS,
    READING_ORDER,
    drop_dead_links,
    index_figures,
    shared_assets,
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

# The folders of an edition the runs write into (besides the edition's own): leftovers are looked for there.
REPORT_SUBFOLDERS = ("notebooks", "params", "logs", "assets")

# --- planning ----------------------------------------------------------------------------------


def plan_reports(
    documents: pd.DataFrame, links: pd.DataFrame, notebooks_dir: Path = NOTEBOOKS_DIR, lang: str = i18n.DEFAULT_LANG
) -> list[ReportJob]:
    """The reports the corpus implies, in reading order: overview, the cross-year comparisons, the
    cascades, escalation, method. Titles name the plans by their display names."""
    all_docs = tuple(documents["doc_id"])
    names = i18n.plan_names(documents, lang)
    jobs = [_job("overview", "overview", {}, all_docs, notebooks_dir, names, lang)]
    for _, link in links.iterrows():
        kind = link["kind"]
        parameter_names = REPORT_KINDS[kind].parameter_names
        parameters = dict(zip(parameter_names, (link["source_doc"], link["target_doc"])))
        jobs.append(
            _job(
                f"{kind}__{link['comparison_id']}",
                kind,
                parameters,
                (link["source_doc"], link["target_doc"]),
                notebooks_dir,
                names,
                lang,
            )
        )
    jobs.append(_job("escalation", "escalation", {}, all_docs, notebooks_dir, names, lang))
    jobs.append(_job("method", "method", {}, all_docs, notebooks_dir, names, lang))
    return sorted(jobs, key=lambda job: READING_ORDER.get(job.kind, 9))  # stable: manifest order within a kind


def _job(
    report_id: str,
    kind: str,
    parameters: dict[str, str],
    doc_ids: tuple[str, ...],
    notebooks_dir: Path,
    names: dict[str, str] | None = None,
    lang: str = i18n.DEFAULT_LANG,
) -> ReportJob:
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


def _cached(job: ReportJob, out_dir: Path, stamp: str) -> ReportResult | str | None:
    """The page of ``job`` as it stands when its fingerprint is ``stamp``; else its executed
    notebook's path when only the page around it changed (it is rendered again from it); else None."""
    page = out_dir / f"{job.report_id}.html"
    if not page.is_file():
        return None
    head = page.read_text(encoding="utf-8", errors="replace")[:20_000]
    meta = dict(re.findall(r'<meta name="workplan-([a-z]+)" content="([^"]*)"', head))
    found = html.unescape(meta.get("fingerprint", ""))
    if found != stamp:
        notebook = out_dir / "notebooks" / f"{job.report_id}.ipynb"
        same_inputs = stamps.inputs_of(found) == stamps.inputs_of(stamp)
        return str(notebook) if same_inputs and notebook.is_file() else None
    return ReportResult(
        job.report_id,
        job.kind,
        job.title,
        "cached",
        summary=html.unescape(meta.get("summary", "")),
        html=page.name,
        notebook=f"notebooks/{job.report_id}.ipynb",
        size_bytes=page.stat().st_size,
    )


# --- the index ---------------------------------------------------------------------------------


def index_page(
    results: list[ReportResult],
    figures_html: str,
    generated: str,
    lang: str = i18n.DEFAULT_LANG,
    standalone: bool = False,
    assets: str = ASSETS,
) -> str:
    """``index.html``: the reports in reading order, each with its finding; failures with their error."""
    return site.index_page(results, figures_html, generated, csp_meta(standalone), lang, standalone, assets)


# --- the whole batch ---------------------------------------------------------------------------


def _inputs_of(job: ReportJob, documents: pd.DataFrame) -> list[tuple[str, str]]:
    listed = documents.set_index("doc_id")
    files = [
        (f"data/raw/{listed.at[d, 'file']!s}", str(listed.at[d, "sha256"])) for d in job.doc_ids if d in listed.index
    ]
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
    storage.write_text(
        path, yaml.safe_dump(job.parameters, allow_unicode=True, sort_keys=False) if job.parameters else "{}\n"
    )
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
    """One edition (``lang``) into ``out_dir``: :func:`build_editions` with one language."""
    built = build_editions(out_dir, processed_dir, jobs, only, force, workers, progress, (lang,), standalone)
    return built[lang]


def edition_folders(out_dir: Path, langs: tuple[str, ...] | list[str]) -> dict[str, Path]:
    """Where each edition goes: one edition in ``out_dir``; several as a site, each in its folder
    of :data:`i18n.EDITION_FOLDERS` (Chinese in ``out_dir``, English in ``out_dir/en``)."""
    if len(langs) == 1:
        return {langs[0]: Path(out_dir)}
    return {lang: Path(out_dir) / i18n.EDITION_FOLDERS[lang] for lang in langs}


def pair_report(documents: pd.DataFrame, plans: tuple[str, str], lang: str = i18n.DEFAULT_LANG) -> ReportJob:
    """The report of one comparison of any two plans of the corpus (named by doc id, display name
    or title), of the kind ``analysis align`` gives them: year, level or peer."""
    from analysis.corpus.resolve import manifest_comparison_kind
    from analysis.report.choices import plan_id

    source, target = (plan_id(name, documents, side) for name, side in zip(plans, ("plan A", "plan B")))
    kind = manifest_comparison_kind(source, target)
    parameters = dict(zip(REPORT_KINDS[kind].parameter_names, (source, target)))
    names = i18n.plan_names(documents, lang)
    return _job(f"{kind}__{source}__{target}", kind, parameters, (source, target), NOTEBOOKS_DIR, names, lang)


def _plan_editions(
    documents: pd.DataFrame,
    langs: list[str],
    processed_dir: Path,
    jobs: list[ReportJob] | None,
    only: list[str] | None,
    pair: tuple[str, str] | None,
) -> tuple[dict[str, list[ReportJob]], dict[str, list[ReportJob]]]:
    """The reports of each edition (``jobs``, else those the corpus implies, with the ``pair``'s),
    with the tables folder and the language as parameters; and those to build (``only`` them, or
    the ``pair``'s only)."""
    links = corpus_links(documents) if jobs is None else None
    planned: dict[str, list[ReportJob]] = {}
    chosen: dict[str, list[ReportJob]] = {}
    for lang in langs:
        found = plan_reports(documents, links, lang=lang) if links is not None else list(jobs or [])
        if pair is not None:
            wanted = pair_report(documents, pair, lang)
            found = [j for j in found if j.report_id != wanted.report_id] + [wanted]
            only = [wanted.report_id]
        parameters = {"processed_dir": str(processed_dir.resolve()), "lang": lang}
        planned[lang] = [replace(job, parameters={**job.parameters, **parameters}) for job in found]
        chosen[lang] = planned[lang]
        if only:
            unknown = sorted(set(only) - {j.report_id for j in planned[lang]})
            if unknown:
                known = ", ".join(j.report_id for j in planned[lang])
                raise UserError(", ".join(unknown), f"no such report (known: {known})")
            chosen[lang] = [j for j in planned[lang] if j.report_id in only]
    return planned, chosen


def build_editions(
    out_dir: Path = REPORTS_DIR,
    processed_dir: Path = PROCESSED_DIR,
    jobs: list[ReportJob] | None = None,
    only: list[str] | None = None,
    force: bool = False,
    workers: int = REPORT_WORKERS,
    progress: bool = True,
    langs: tuple[str, ...] | list[str] = i18n.LANGS,
    standalone: bool = False,
    pair: tuple[str, str] | None = None,
) -> dict[str, list[ReportResult]]:
    """Run every report of every edition in parallel processes, then write each edition's
    ``index.html``; return the results by language (folders: :func:`edition_folders`).
    ``pair`` (two plans): that comparison's report only (:func:`pair_report`), beside the others.

    A report's editions run one after the other in one kernel (:func:`run_editions`), so both
    editions cost little more than one. Interrupted (Ctrl-C, SIGTERM), it stops its workers and
    their kernels, still writes the indexes of the reports on disk, and raises KeyboardInterrupt.
    Each index (and ``build.json``) is written last and describes the files that exist: reports
    built or cached now, failures (with the failed run's notebook and the earlier page when there
    is one), and pages of earlier runs (reports not run this time, or no longer planned). A second
    run writing into the same folder is refused; the temporary files of a killed run are removed;
    a damaged table or a full disk is one :class:`UserError`.
    """
    unknown_langs = sorted(set(langs) - set(i18n.LANGS))
    if unknown_langs or not langs:
        raise UserError(", ".join(unknown_langs), f"no such language (known: {', '.join(i18n.LANGS)})")
    langs = [lang for lang in i18n.LANGS if lang in langs]
    folders = edition_folders(out_dir, langs)
    snapshot = storage.table_folder(processed_dir)  # one table set for every report of this run
    storage.check_tables(snapshot)  # a damaged table: one line naming it, before any notebook reads it
    with storage.build_lock(folders[langs[0]]):  # one run at a time writes here
        _remove_leftovers(folders)  # of a run that was killed
        try:
            return _build_planned(
                processed_dir, snapshot, folders, jobs, only, force, workers, progress, standalone, pair
            )
        except OSError as exc:  # a full disk: the files already written stay whole (atomic writes)
            where = exc.filename or folders[langs[0]]
            raise UserError(where, f"cannot write the reports ({exc.strerror or exc})") from None
        finally:
            _remove_leftovers(folders)  # of workers stopped mid-notebook (interrupted, or the disk full)


def _remove_leftovers(folders: dict[str, Path]) -> None:
    for folder in folders.values():
        for place in (folder, *(folder / sub for sub in REPORT_SUBFOLDERS)):
            storage.remove_leftovers(place)


def _build_planned(
    processed_dir: Path,
    snapshot: Path,
    folders: dict[str, Path],
    jobs: list[ReportJob] | None,
    only: list[str] | None,
    force: bool,
    workers: int,
    progress: bool,
    standalone: bool,
    pair: tuple[str, str] | None,
) -> dict[str, list[ReportResult]]:
    """:func:`build_editions` after its checks, holding the output folder."""
    from tqdm import tqdm

    langs = list(folders)
    documents = storage.read_table("documents", snapshot)
    planned, chosen = _plan_editions(documents, langs, Path(processed_dir), jobs, only, pair)
    results: dict[str, dict[str, ReportResult]] = {lang: {} for lang in langs}
    stale: dict[str, list[ReportRun]] = {}  # by report id: its editions to run, in one kernel
    site_folder = folders[langs[0]]  # the shared files go here once, for every edition
    write_assets(site_folder)
    assets = {lang: shared_assets(folders[lang], site_folder) for lang in langs}
    inputs = stamps.PageInputs(snapshot)
    for lang in langs:
        for job in chosen[lang]:
            write_parameters(job, folders[lang] / "params")
        for job in chosen[lang]:
            page = f"{inputs.page(job, planned[lang], lang)}-{'standalone' if standalone else assets[lang]}"
            stamp = stamps.page_stamp(inputs.inputs(job), page)
            cached = None if force else _cached(job, folders[lang], stamp)
            if isinstance(cached, ReportResult):
                results[lang][job.report_id] = cached
                continue
            run = ReportRun(
                _reading(job, snapshot),
                folders[lang],
                stamp,
                _inputs_of(job, documents),
                planned[lang],
                standalone,
                assets[lang],
                Path(cached) if cached else None,
            )
            stale.setdefault(job.report_id, []).append(run)
    interrupted: BaseException | None = None
    try:
        with sigterm_interrupts():
            _run_stale(stale, results, workers, progress, tqdm)
    except KeyboardInterrupt as exc:
        interrupted = exc
    _write_indexes(planned, results, folders, snapshot, standalone, assets)
    if interrupted is not None:
        raise interrupted
    return {lang: [results[lang][j.report_id] for j in chosen[lang]] for lang in langs}


def _write_indexes(
    planned: dict[str, list[ReportJob]],
    results: dict[str, dict[str, ReportResult]],
    folders: dict[str, Path],
    snapshot: Path,
    standalone: bool,
    assets: dict[str, str],
) -> None:
    """Each edition's ``build.json`` and ``index.html``, describing the files on disk; standalone,
    then every page written without its links to pages that are not there."""
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    for lang, folder in folders.items():
        described = describe_on_disk(planned[lang], results[lang], folder)
        storage.write_text(
            folder / "build.json", json.dumps([asdict(r) for r in described], ensure_ascii=False, indent=1)
        )
        figures = index_figures(snapshot, lang)
        storage.write_text(
            folder / "index.html", index_page(described, figures, generated, lang, standalone, assets[lang])
        )
    if standalone:  # once every edition's pages and index are written
        for lang, folder in folders.items():
            drop_dead_links([folder / "index.html", *(folder / r.html for r in results[lang].values() if r.html)])


def _run_stale(
    stale: dict[str, list[ReportRun]],
    results: dict[str, dict[str, ReportResult]],
    workers: int,
    progress: bool,
    tqdm,
) -> None:
    """Run the reports to build in a pool of worker processes, a report's editions together in
    one worker (and kernel); stop every worker on any exception.

    The notebooks read the table set of the run (the parameters files name the processed folder,
    whose current set a rerun by hand reads)."""
    if not stale:
        return
    pool = worker_pool(max(1, min(workers, len(stale))))
    try:
        futures = {pool.submit(run_editions, runs): runs for runs in stale.values()}
        total = sum(len(runs) for runs in stale.values())
        with tqdm(total=total, desc="reports", unit="report", disable=not progress) as bar:
            for future in concurrent.futures.as_completed(futures):
                runs = futures[future]
                try:
                    done = future.result()
                except Exception as exc:  # the worker itself died
                    if isinstance(exc, OSError) and exc.errno in storage.DISK_FULL:
                        raise  # a full disk: no report can be written (build_editions says so in one line)
                    error = f"{type(exc).__name__}: {exc}"
                    done = [ReportResult(r.job.report_id, r.job.kind, r.job.title, "failed", error=error) for r in runs]
                for run, result in zip(runs, done):
                    results[run.job.parameters.get("lang", i18n.DEFAULT_LANG)][run.job.report_id] = result
                bar.set_postfix_str(f"{runs[0].job.report_id}: {', '.join(r.status for r in done)}")
                bar.update(len(runs))
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
                described.append(
                    ReportResult(
                        job.report_id,
                        job.kind,
                        job.title,
                        "earlier",
                        summary=_meta_of(page).get("summary", ""),
                        html=page.name,
                        notebook=f"notebooks/{job.report_id}.ipynb",
                        size_bytes=page.stat().st_size,
                    )
                )
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
            described.append(
                ReportResult(
                    page.stem,
                    "",
                    meta["title"],
                    "earlier",
                    summary=meta.get("summary", ""),
                    html=page.name,
                    size_bytes=page.stat().st_size,
                )
            )
    return described


def oversized(results: list[ReportResult], limit: int = REPORT_MAX_BYTES) -> list[ReportResult]:
    return [r for r in results if r.size_bytes > limit]


def result_lines(built: dict[str, list[ReportResult]], out_dir: Path) -> tuple[list[str], int]:
    """What ``analysis reports`` prints of each edition's results (a failure with the notebook to
    open), and how many reports failed."""
    folders = edition_folders(out_dir, list(built))
    lines, failures = [], 0
    for lang, results in built.items():
        failed = [r for r in results if r.status == "failed"]
        failures += len(failed)
        for r in results:
            state = r.status if r.status != "failed" else f"FAILED ({r.error}); open {folders[lang] / r.notebook}"
            lines.append(f"{r.report_id}: {state}")
        lines += [f"warning: {r.html} is {r.size_bytes / 1e6:.1f} MB" for r in oversized(results)]
        lines.append(f"{len(results) - len(failed)} of {len(results)} reports → {folders[lang] / 'index.html'}")
    return lines, failures


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
        papermill.execute_notebook(
            str(path),
            str(executed_path),
            cwd=str(path.parent),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )
        executed = nbformat.read(executed_path, as_version=4)
    storage.write_text(path, nbformat.writes(strip_outputs(executed)) + "\n")
