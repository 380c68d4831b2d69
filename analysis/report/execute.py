"""Running one report's notebook with papermill and rendering it (in a report worker process).

Each report worker keeps one Jupyter kernel (:class:`Kernel`, :func:`worker_kernel`) for the
notebooks it runs, both editions of a report one after the other among them: every notebook but
the worker's first skips the kernel's start-up and the notebook's imports (plotly, pandas, the
package), about half a report's time. Between two notebooks the kernel's namespace is cleared and
its execution count reset, so a notebook sees what a fresh kernel would show it, and its page is
the one a kernel of its own gives. After a failed run the kernel is replaced; it is shut down when
its worker ends (and killed with it when the worker is stopped: :mod:`analysis.report.workers`).
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from jupyter_client.manager import AsyncKernelManager, KernelManager

from analysis import storage
from analysis.errors import UserError
from analysis.report import i18n
from analysis.report.jobs import SUMMARY_TAG, ReportJob, ReportResult
from analysis.report.render import render_html
from analysis.report.site import ASSETS

if TYPE_CHECKING:
    from nbclient import NotebookClient

# Run in the kernel between two notebooks: an empty namespace, execution counts from 1 again.
_RESET = "get_ipython().reset(new_session=True)"
KERNEL_START_SECONDS = 60
# A kernel that dies while it starts is started again, once: two kernels started at the same moment
# (report workers, or batches run side by side) can take the same free ports, and one of them dies.
KERNEL_START_TRIES = 2
RESET_SECONDS = 10  # the reset answers in milliseconds; a kernel that does not is replaced


class KeptKernelManager(AsyncKernelManager):
    """A kernel manager that closes the clients it made when told: papermill leaves its client
    (five sockets, a zmq context and a heartbeat thread) open on a kernel it did not start."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._made: list = []

    def client(self, **kwargs):
        made = super().client(**kwargs)
        self._made.append(made)
        return made

    def close_clients(self) -> None:
        made, self._made = self._made, []
        for kc in made:
            kc.stop_channels()


class Kernel:
    """A Jupyter kernel for notebooks in ``cwd``, started on first use and reused after.

    ``manager()`` gives the kernel manager to hand papermill: the kernel is started the first time
    (in ``cwd``; its stderr goes where this process's goes then), and its namespace cleared on each
    later call. ``discard()`` shuts it down (after a failed run: the next run gets a fresh kernel).
    """

    def __init__(self, cwd: Path):
        self.cwd = Path(cwd)
        self._client: NotebookClient | None = None

    def manager(self) -> KernelManager:
        client = self._client
        if client is not None:
            try:
                self._reset(client)
            except Exception:  # a kernel that does not answer: a fresh one, as for a first notebook
                self.discard()
                client = None
        if client is None:
            client = self._started()
        assert client.km is not None
        return client.km

    def _started(self) -> NotebookClient:
        """A fresh kernel, started again (up to :data:`KERNEL_START_TRIES` times) when it dies
        or does not answer while it starts."""
        for _ in range(KERNEL_START_TRIES - 1):
            try:
                return self._start()
            except RuntimeError:  # jupyter_client's "Kernel died before replying …", or no answer in time
                self.discard()
        return self._start()

    def close_clients(self) -> None:
        """Close the connections papermill opened to the kernel (the kernel keeps running)."""
        if self._client is not None and isinstance(self._client.km, KeptKernelManager):
            self._client.km.close_clients()

    def _start(self) -> NotebookClient:
        from nbclient import NotebookClient

        client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            startup_timeout=KERNEL_START_SECONDS,
            shutdown_kernel="immediate",  # nothing in it to save: the notebooks wrote their outputs
            kernel_manager_class=KeptKernelManager,
        )
        client.km = client.create_kernel_manager()
        self._client = client  # before starting: discard() ends a kernel that started but did not answer
        client.start_new_kernel(cwd=str(self.cwd))
        return client

    @staticmethod
    def _reset(client: NotebookClient) -> None:
        """Clear the namespace over the shell channel alone (no iopub: nothing to wait for)."""
        assert client.km is not None
        kc = client.km.blocking_client()
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            msg_id = kc.execute(_RESET, silent=True, store_history=False)
            reply = kc.get_shell_msg(timeout=RESET_SECONDS)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=RESET_SECONDS)
        finally:
            kc.stop_channels()
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the kernel could not be reset: {reply['content'].get('evalue', '')}")

    def discard(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.km is not None:
            client._cleanup_kernel()  # nbclient's own clean-up: shuts the kernel down, even a dead one


@dataclass(frozen=True)
class ReportRun:
    """One edition of one report to run: where its files go, its fingerprint and input files, and
    the reports of its edition (for the links between pages)."""

    job: ReportJob
    out_dir: Path
    stamp: str
    inputs: list[tuple[str, str]]
    planned: list[ReportJob]
    standalone: bool = False
    assets: str = ASSETS  # where the page finds the shared files
    already_run: Path | None = None  # its notebook executed on the same inputs: the page is only rendered again


_worker_kernel: Kernel | None = None  # the kernel of this worker process (not results: it is reset per notebook)


def worker_kernel(cwd: Path) -> Kernel:
    """This worker's kernel, for notebooks in ``cwd``: shut down when the worker ends."""
    global _worker_kernel
    if _worker_kernel is None or _worker_kernel.cwd != Path(cwd):
        if _worker_kernel is not None:
            _worker_kernel.discard()
        _worker_kernel = Kernel(cwd)
        multiprocessing.util.Finalize(_worker_kernel, _worker_kernel.discard, exitpriority=10)
    return _worker_kernel


def run_editions(runs: list[ReportRun]) -> list[ReportResult]:
    """The editions of one report, one after the other in this worker's kernel; a result for each."""
    return [
        _rendered_again(run, run.already_run)
        if run.already_run
        else run_report(
            run.job,
            run.out_dir,
            run.stamp,
            run.inputs,
            run.planned,
            run.standalone,
            worker_kernel(run.job.notebook.parent),
            run.assets,
        )
        for run in runs
    ]


def run_report(
    job: ReportJob,
    out_dir: Path,
    stamp: str,
    inputs: list[tuple[str, str]],
    jobs: list[ReportJob] | None = None,
    standalone: bool = False,
    kernel: Kernel | None = None,
    assets: str = ASSETS,
) -> ReportResult:
    """Execute one notebook with papermill and render it; never raises for a failing notebook.

    The notebook runs into a temporary file, in ``kernel`` when given (else in a kernel of its
    own). Only a successful run replaces the report's executed notebook and HTML page; a failed
    run is kept as ``notebooks/<id>.failed.ipynb`` (to open and see the error) and an interrupted
    one (KeyboardInterrupt, SIGTERM) leaves nothing behind.
    """
    import papermill

    started = time.perf_counter()
    out_dir = Path(out_dir)
    result = ReportResult(
        job.report_id, job.kind, job.title, "failed", notebook=f"notebooks/{job.report_id}.ipynb", inputs=inputs
    )
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
                in_kernel = {"km": kernel.manager()} if kernel is not None else {}
                papermill.execute_notebook(
                    str(job.notebook),
                    str(tmp),
                    parameters=job.parameters,
                    cwd=str(job.notebook.parent),
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    report_mode=False,
                    **in_kernel,
                )
            except papermill.PapermillExecutionError as exc:
                result.error = f"{exc.ename}: {exc.evalue}".strip()
            except Exception as exc:  # a kernel that dies, a missing notebook: reported, not raised
                if isinstance(exc, OSError) and exc.errno in storage.DISK_FULL:
                    raise  # the notebook could not be written whole: the batch stops, nothing half-written kept
                result.error = f"{type(exc).__name__}: {exc}"
            finally:
                if kernel is not None:
                    kernel.close_clients()
            if result.error and kernel is not None:
                kernel.discard()
        result.seconds = round(time.perf_counter() - started, 1)
        if result.error:
            if not tmp.stat().st_size:
                tmp.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
            os.chmod(tmp, 0o644)
            os.replace(tmp, failed_path)  # beside the last good notebook, which stays
            result.notebook = failed_path.relative_to(out_dir).as_posix()
            return result
        result.summary = _write_page(
            nbformat.read(tmp, as_version=4), job, page, stamp, inputs, jobs, standalone, assets
        )
        os.chmod(tmp, 0o644)
        os.replace(tmp, executed_path)
        failed_path.unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)
    result.status, result.html, result.size_bytes = "built", page.name, page.stat().st_size
    return result


def _write_page(
    executed: nbformat.NotebookNode,
    job: ReportJob,
    page: Path,
    stamp: str,
    inputs: list[tuple[str, str]],
    jobs: list[ReportJob] | None,
    standalone: bool,
    assets: str,
) -> str:
    """Render an executed notebook into ``page``; its summary."""
    summary = cell_text(executed, SUMMARY_TAG)
    lang = job.parameters.get("lang", i18n.DEFAULT_LANG)
    storage.write_text(page, render_html(executed, job, summary, stamp, inputs, jobs, lang, standalone, assets))
    return summary


def _rendered_again(run: ReportRun, notebook: Path) -> ReportResult:
    """The page of a report whose ``notebook`` ran on the same inputs, rendered again around it
    (status ``rendered``) without a kernel."""
    started = time.perf_counter()
    page = run.out_dir / f"{run.job.report_id}.html"
    executed = nbformat.read(notebook, as_version=4)
    summary = _write_page(executed, run.job, page, run.stamp, run.inputs, run.planned, run.standalone, run.assets)
    return ReportResult(
        run.job.report_id,
        run.job.kind,
        run.job.title,
        "rendered",
        summary=summary,
        html=page.name,
        notebook=notebook.relative_to(run.out_dir).as_posix(),
        size_bytes=page.stat().st_size,
        seconds=round(time.perf_counter() - started, 1),
        inputs=run.inputs,
    )


@contextlib.contextmanager
def _stderr_to(log: Path) -> Iterator[None]:
    """Send this process's stderr (and its kernel's) to a log file: kernel chatter is not for users.

    A kernel started here keeps writing to this log for the later editions it runs."""
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
