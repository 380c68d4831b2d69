"""A failed or interrupted notebook never replaces a good report; stopping `reports` stops its
workers and their kernels; the index describes the files on disk."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from analysis.report import batch, execute, i18n
from analysis.report.batch import ReportJob
from analysis.settings import PROJECT_ROOT


def _good_outputs(out: Path) -> dict[Path, bytes]:
    (out / "notebooks").mkdir(parents=True)
    files = {out / "r.html": b"<html>the good report</html>", out / "notebooks" / "r.ipynb": b'{"good": true}'}
    for path, data in files.items():
        path.write_bytes(data)
    return files


def test_a_failed_or_interrupted_notebook_never_replaces_a_good_report(tmp_path, monkeypatch) -> None:
    import papermill

    out = tmp_path / "out"
    good = _good_outputs(out)
    job = ReportJob("r", "overview", "R", tmp_path / "r.ipynb", {}, ())

    def dies(input_path, output_path, **kwargs):
        Path(output_path).write_text('{"half": ', encoding="utf-8")
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", dies)
    result = execute.run_report(job, out, "stamp", [])
    assert result.status == "failed" and "Kernel died" in result.error
    assert {path: path.read_bytes() for path in good} == good
    assert result.notebook == "notebooks/r.failed.ipynb"
    assert (out / result.notebook).read_text(encoding="utf-8") == '{"half": '

    def interrupted(input_path, output_path, **kwargs):
        Path(output_path).write_text('{"a third', encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        execute.run_report(job, out, "stamp", [])
    assert {path: path.read_bytes() for path in good} == good
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == ["r.failed.ipynb", "r.ipynb"]  # no temp left


def _notebook(path: Path, code: str) -> None:
    cells = [
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell(code, metadata={"tags": ["summary"]}),
    ]
    nb = new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nbformat.write(nb, path)


def _hrefs(index: str) -> list[str]:
    """The links of the index's tables (not those inside the embedded plotly.js)."""
    return re.findall(r'<a href="([^"#]+)">', re.sub(r"<script\b.*?</script>", "", index, flags=re.DOTALL))


@pytest.mark.slow
def test_the_index_describes_the_files_on_disk_after_a_failed_rebuild(tmp_path, built) -> None:
    processed, _ = built
    notebook = tmp_path / "r.ipynb"
    _notebook(notebook, "print('all fine')")
    jobs = [ReportJob("r", "overview", "R report", notebook, {}, ())]
    out = tmp_path / "out"
    assert batch.build_reports(out, processed, jobs=jobs, workers=1, progress=False)[0].status == "built"
    good = {p: p.read_bytes() for p in (out / "r.html", out / "notebooks" / "r.ipynb")}
    (out / "old_comparison.html").write_text(
        "<html><head><title>An earlier report</title></head></html>", encoding="utf-8"
    )
    _notebook(notebook, "raise ValueError('broken now')")
    result = batch.build_reports(out, processed, jobs=jobs, workers=1, progress=False, force=True)[0]
    assert result.status == "failed" and "broken now" in result.error
    assert {p: p.read_bytes() for p in good} == good  # the good pair stays
    index = (out / "index.html").read_text(encoding="utf-8")
    links = _hrefs(index)
    assert {"r.html", "notebooks/r.failed.ipynb", "old_comparison.html"} <= set(links)
    assert all((out / link).is_file() for link in links), [link for link in links if not (out / link).is_file()]
    msg = i18n.Messages("zh")  # the default edition
    assert msg("index.earlier") in index and msg("index.earlier_page") in index and "An earlier report" in index


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_reports_stops_its_workers_and_kernels(tmp_path, built, signum) -> None:
    processed, _ = built
    out = tmp_path / "reports"
    returncode, stderr = _stopped_run(processed, out, signum)
    assert returncode == 130, stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all((out / link).is_file() for link in _hrefs(index))


def _stopped_run(processed: Path, out: Path, signum: int) -> tuple[int, str]:
    """``analysis reports`` into ``out``, sent ``signum`` once its first kernel runs; its exit
    code and its stderr, once none of its processes is left (asserted)."""
    command = [sys.executable, "-m", "analysis", "reports", "--force", "--workers", "2", "--out", str(out),
               "--processed", str(processed)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    # A command started with SIGINT ignored keeps ignoring it (POSIX; Python installs no Ctrl-C handler
    # then), and the tests may run so: under a background job of a shell without job control. The
    # command is started as from a terminal: SIGINT at its default.
    ignored = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        main = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, ignored)
    with main:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until the first report's kernel runs
            family = _descendants(main.pid)
            if any("ipykernel" in " ".join(p.cmdline()) for p in family if _alive(p)):
                break
            assert main.poll() is None, main.stderr.read()
            time.sleep(0.2)
        else:
            pytest.fail("no kernel started within 120 s")
        time.sleep(0.5)
        family = _descendants(main.pid)
        assert len(family) >= 2
        os.kill(main.pid, signum)
        try:
            main.wait(timeout=60)  # the command ends (it writes the indexes first) ...
            _, alive = psutil.wait_procs(family, timeout=5)  # ... and nothing of it keeps running
            left = [(p.pid, " ".join(p.cmdline())[:120]) for p in alive if _alive(p)]
        finally:
            for p in family:  # never leave them behind, whatever the test found
                if _alive(p):
                    p.kill()
        assert not left, left
        return main.returncode, main.stderr.read()


def _busy_worker_with_a_kernel(started: str) -> None:
    """A report worker too busy to stop when told (SIGTERM ignored), its kernel in a session of its own."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    Path(started).write_text(str(kernel.pid), encoding="utf-8")
    time.sleep(120)


@pytest.mark.slow
def test_a_worker_killed_before_it_ends_its_kernel_takes_the_kernel_with_it(tmp_path) -> None:
    from analysis.report.workers import stop_pool, worker_pool

    started = tmp_path / "kernel.pid"
    pool = worker_pool(1)
    pool.submit(_busy_worker_with_a_kernel, str(started))
    deadline = time.monotonic() + 60
    while not started.exists() or not started.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the worker never started its kernel"
        time.sleep(0.1)
    kernel = psutil.Process(int(started.read_text(encoding="utf-8")))
    try:
        stop_pool(pool)
        psutil.wait_procs([kernel], timeout=2)
        assert not _alive(kernel)
    finally:
        if _alive(kernel):
            kernel.kill()


def test_a_full_disk_while_a_notebook_runs_keeps_no_half_written_notebook(tmp_path, monkeypatch) -> None:
    import errno

    import papermill

    out = tmp_path / "out"
    good = _good_outputs(out)
    job = ReportJob("r", "overview", "R", tmp_path / "r.ipynb", {}, ())

    def fills_the_disk(input_path, output_path, **kwargs):
        Path(output_path).write_text('{"half": ', encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(papermill, "execute_notebook", fills_the_disk)
    with pytest.raises(OSError, match="No space left on device"):
        execute.run_report(job, out, "stamp", [])
    assert {path: path.read_bytes() for path in good} == good
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == ["r.ipynb"]  # no failed notebook, no temp


def test_reports_on_a_full_disk_stop_with_one_error_naming_the_folder(tmp_path, monkeypatch) -> None:
    import errno

    from analysis import storage
    from analysis.errors import UserError

    processed = tmp_path / "processed"
    storage.write_parquet(pd.DataFrame({"doc_id": ["a"]}), processed / "documents.parquet")

    def fills_the_disk(target, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage, "write_text", fills_the_disk)
    out = tmp_path / "reports"
    with pytest.raises(UserError) as stopped:
        batch.build_reports(out, processed, jobs=[], progress=False)
    assert str(stopped.value) == f"{out}: cannot write the reports (No space left on device)"


def test_a_damaged_table_is_one_line_naming_it(tmp_path, capsys) -> None:
    from analysis import cli, storage

    processed = tmp_path / "processed"
    storage.write_parquet(pd.DataFrame({"doc_id": ["a"]}), processed / "documents.parquet")
    damaged = processed / "alignments.parquet"
    damaged.write_bytes(b"PAR1 half a table")
    for command in (
        ["reports", "--out", str(tmp_path / "reports")],
        ["review", "a__b", "--out", str(tmp_path / "q.csv")],
    ):
        assert cli.main([*command, "--processed", str(processed)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {damaged}: the table is damaged (") and err.count("\n") == 1, err
        assert err.endswith("rebuild it with `make data` (or `python -m analysis build`)\n")
    assert not (tmp_path / "reports").exists() and not (tmp_path / "q.csv").exists()


@pytest.mark.slow
def test_reports_clean_what_a_killed_run_left_and_refuse_a_second_run(tmp_path, built) -> None:
    from analysis import storage
    from analysis.errors import UserError

    processed, _ = built
    out = tmp_path / "reports"
    leftovers = [
        out / ".index.ab12.tmp.html",
        out / "notebooks" / ".overview.cd34.tmp.ipynb",
        out / "assets" / ".report.ef56.tmp.js",
    ]
    kept = [out / "notebooks" / "overview.ipynb", out / "notes.txt"]
    for path in leftovers + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("left", encoding="utf-8")
    with storage.build_lock(out), pytest.raises(UserError, match="another build is writing here"):
        batch.build_reports(out, processed, jobs=[], progress=False)
    assert all(path.exists() for path in leftovers)  # a live run's temporary files look the same: left alone
    batch.build_reports(out, processed, jobs=[], progress=False)
    assert not [path for path in leftovers if path.exists()] and all(path.exists() for path in kept)
    assert (out / "index.html").is_file()


def test_a_kernel_that_dies_while_it_starts_is_started_once_more(tmp_path, monkeypatch) -> None:
    """Two kernels started at one moment can take the same free ports and one dies: the report's
    kernel is started again, once; a second death fails the report as before."""
    started, discarded = [], []

    class Started:
        km = "the kernel manager"

    def start(self):
        started.append(len(started))
        if len(started) <= deaths:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return Started()

    monkeypatch.setattr(execute.Kernel, "_start", start)
    monkeypatch.setattr(execute.Kernel, "discard", lambda self: discarded.append(True))
    deaths = 1
    assert execute.Kernel(tmp_path).manager() == "the kernel manager"
    assert len(started) == 2 and len(discarded) == 1
    started.clear()
    deaths = execute.KERNEL_START_TRIES
    with pytest.raises(RuntimeError, match="Kernel died"):
        execute.Kernel(tmp_path).manager()
    assert len(started) == execute.KERNEL_START_TRIES
