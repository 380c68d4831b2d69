"""The build on Dask gives the same bytes as the build in this process: on a local cluster, on a
running scheduler reached through the command line, for the bundled corpus and a synthetic one;
an unreachable scheduler is one line and exit 2."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from pinned_corpus import PINNED_MANIFEST as MANIFEST_PATH

from analysis import schema, storage
from analysis.corpus import scheduler
from analysis.corpus.build import build
from analysis.errors import UserError
from analysis.settings import BuildSettings, CacheSettings

PARALLEL_MIN_ITEMS = BuildSettings().parallel_min_items


def _csv_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="session")
def cluster():
    """Two single-threaded worker processes, as ``--scheduler local`` starts on a 2-core machine."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0") as running:
        yield running


@pytest.fixture(scope="session")
def in_process(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("in_process")
    build(out, MANIFEST_PATH, scheduler="none")
    return _csv_bytes(out)


def _on(cluster) -> scheduler.DaskSession:
    from distributed import Client

    return scheduler.DaskSession(Client(cluster, set_as_default=False), name="test", progress=False)


@pytest.mark.slow
def test_a_local_cluster_writes_the_same_bytes_as_the_build_in_process(cluster, in_process, tmp_path) -> None:
    with _on(cluster) as run:
        build(tmp_path, MANIFEST_PATH, scheduler=run)
    assert _csv_bytes(tmp_path) == in_process
    assert set(in_process) == {f"{name}.csv" for name in schema.TABLES}


@pytest.mark.slow
def test_a_running_scheduler_given_to_the_command_line_writes_the_same_bytes(
    cluster, in_process, tmp_path, run_cli
) -> None:
    result = run_cli("build", "--out", tmp_path, "--scheduler", cluster.scheduler_address, "--quiet")
    assert result.returncode == 0, result.stderr
    assert _csv_bytes(tmp_path) == in_process


@pytest.mark.slow
def test_a_synthetic_corpus_gives_the_same_bytes_in_process_and_on_the_cluster(cluster, built, tmp_path) -> None:
    from benchmarks import synthetic

    bank = synthetic.clause_bank(storage.read_table("tasks", built[0]))
    plans = synthetic.national_corpus(bank, seed=7, provinces=2, years=(2024, 2025), cities=(4, 6))
    manifest = synthetic.write_corpus(plans, tmp_path / "raw", seed=7)
    build(tmp_path / "none", manifest, scheduler="none")
    with _on(cluster) as run:
        build(tmp_path / "dask", manifest, scheduler=run)
    assert set(_csv_bytes(tmp_path / "none")) == {f"{name}.csv" for name in schema.TABLES}
    assert _csv_bytes(tmp_path / "dask") == _csv_bytes(tmp_path / "none")


@pytest.mark.slow
def test_the_cluster_computes_the_misses_of_the_cache_this_process_keeps(cluster, in_process, tmp_path) -> None:
    """A build here fills the cache; after an edit, a build on the cluster computes what changed on
    the workers (the other plans read from the cache and sent to them) and writes the bytes of a
    build from nothing."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(MANIFEST_PATH.parent, raw)
    build(out, raw / "manifest.csv", scheduler="none")
    assert _csv_bytes(out) == in_process
    edited = raw / "ezhou_city_2024.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace("。", "。加强监测能力建设。", 1), encoding="utf-8")
    with _on(cluster) as run:
        build(out, raw / "manifest.csv", scheduler=run)
    build(
        tmp_path / "scratch",
        raw / "manifest.csv",
        scheduler="none",
        cache=CacheSettings(enabled=False),
    )
    assert _csv_bytes(out) == _csv_bytes(tmp_path / "scratch") != in_process


def _die_once(marker: str, value: int) -> int:
    """Kills its worker process the first time it runs (``marker`` not yet there), then returns."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died", encoding="utf-8")
        os._exit(1)
    return value


@pytest.mark.slow
def test_a_task_whose_worker_dies_is_run_again(cluster, tmp_path) -> None:
    with _on(cluster) as run:
        assert run.map(_die_once, [(str(tmp_path / "marker"), 7)], "die") == [7]
    assert (tmp_path / "marker").exists()


def _cancelled_once(marker: str, row: dict) -> str:
    """Cancels its own task the first time it runs (as the scheduler does with a task it loses)."""
    from distributed import Future, get_client, get_worker

    path = Path(marker)
    if not path.exists():
        path.write_text("cancelled", encoding="utf-8")
        get_client().cancel(Future(get_worker().get_current_task()), force=True)
        time.sleep(5)  # cancelled meanwhile: this result is never fetched
    return row["doc_id"]


@pytest.mark.slow
def test_a_cancelled_task_is_submitted_again(cluster, tmp_path) -> None:
    with _on(cluster) as run:
        calls = [(str(tmp_path / "marker"), {"doc_id": f"plan{i}"}) for i in range(3)]
        assert run.map(_cancelled_once, calls, "parse") == ["plan0", "plan1", "plan2"]
    assert (tmp_path / "marker").exists()


def _always_dies(row: dict) -> str:
    os._exit(1)


@pytest.mark.slow
def test_a_task_whose_workers_keep_dying_stops_in_one_line_naming_its_plan(cluster) -> None:
    with _on(cluster) as run, pytest.raises(UserError) as stopped:
        run.map(_always_dies, [({"comparison_id": "a__b"},)], "compare")
    assert stopped.value.where == "compare of a__b"
    assert stopped.value.problem.startswith("the Dask worker processes running it died, ")
    assert stopped.value.problem.endswith("times (out of memory?); nothing was written")


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, run_cli) -> None:
    started = time.monotonic()
    result = run_cli("build", "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: tcp://127.0.0.1:9: cannot reach the Dask scheduler ("), lines
    assert not (tmp_path / "out").exists()
    assert time.monotonic() - started < scheduler.CONNECT_TIMEOUT_SECONDS + 30  # the timeout, plus starting Python


def test_a_small_corpus_stays_in_process_and_a_large_one_goes_to_a_local_cluster() -> None:
    assert scheduler.AutoSession(workers=4).wants_cluster(PARALLEL_MIN_ITEMS) is True
    assert scheduler.AutoSession(workers=None).wants_cluster(PARALLEL_MIN_ITEMS - 1) is False
    assert scheduler.AutoSession(workers=1).wants_cluster(10 * PARALLEL_MIN_ITEMS) is False
    with scheduler.session("none") as run:
        assert run.map(divmod, [(7, 2), (9, 4)], "test") == [(3, 1), (2, 1)]


def test_results_merged_where_they_ran_come_back_in_call_order() -> None:
    with scheduler.session("none") as run:
        assert run.map(divmod, [(7, 2), (9, 4)], "test", combine=tuple) == [((3, 1), (2, 1))]


@pytest.mark.slow
def test_results_merged_on_the_workers_come_back_in_call_order(cluster) -> None:
    calls = [(i, 3) for i in range(200)]
    with _on(cluster) as run:
        merged = run.map(divmod, calls, "test", combine=list)
    assert len(merged) > 1 and [result for batch in merged for result in batch] == [divmod(*call) for call in calls]


def _received_in_order(run: scheduler.Session, calls: list[tuple], **options) -> tuple[list, list[int]]:
    """What ``map`` gives with a ``received`` that records each piece's first call as it arrives
    and replaces the piece by its first call and length."""
    seen: list[int] = []

    def received(first: int, piece) -> tuple[int, int]:
        seen.append(first)
        return first, len(piece) if isinstance(piece, list) else 1

    return run.map(divmod, calls, "test", received=received, **options), seen


def test_each_result_or_merged_piece_is_received_once_with_its_first_call_in_this_process() -> None:
    calls = [(i, 3) for i in range(150)]  # more than one piece of BATCH_MAX calls
    with scheduler.session("none") as run:
        merged, seen = _received_in_order(run, calls, combine=list)
        single, seen_single = _received_in_order(run, calls[:3])
    sizes = [min(scheduler.BATCH_MAX, len(calls) - first) for first in range(0, len(calls), scheduler.BATCH_MAX)]
    assert merged == [(first, size) for first, size in zip(range(0, len(calls), scheduler.BATCH_MAX), sizes)]
    assert seen == [first for first, _ in merged]
    assert single == [(0, 1), (1, 1), (2, 1)] and seen_single == [0, 1, 2]


@pytest.mark.slow
def test_each_merged_piece_is_received_once_with_its_first_call_on_the_workers(cluster) -> None:
    calls = [(i, 3) for i in range(200)]
    with _on(cluster) as run:
        merged, seen = _received_in_order(run, calls, combine=list)
    firsts = [first for first, _ in merged]
    assert len(merged) > 1 and sorted(seen) == firsts  # received as they arrive, given in call order
    assert firsts[0] == 0 and all(a + n == b for (a, n), b in zip(merged, firsts[1:]))
    assert firsts[-1] + merged[-1][1] == len(calls)


@pytest.mark.slow
def test_the_local_cluster_the_build_starts_runs_its_workers_without_the_profiler() -> None:
    """Dask's workers sample each task's stack every 10 ms for the dashboard unless told not to;
    the cluster ``analysis build`` starts tells them not to, and this process's settings stay."""
    import dask

    with scheduler.DaskSession.local(2, progress=False) as run:
        found = run.client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
        periodic = run.client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    assert list(found.values()) == [False, False]
    assert all("profile" not in name for names in periodic.values() for name in names)
    assert dask.config.get("distributed.worker.profile.enabled") is True


def test_the_state_of_a_build_is_kept_per_process_and_dropped_with_the_session() -> None:
    with scheduler.session("none") as run:
        first = run.map(lambda state: state.get("plans", list), [()], "test", state_as="state")[0]
        again = run.map(lambda state: state.get("plans", list), [()], "test", state_as="state")[0]
        assert first is again
    with scheduler.session("none") as run:
        assert run.map(lambda state: state.get("plans", list), [()], "test", state_as="state")[0] is not first


def test_an_unknown_scheduler_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not a scheduler"):
        scheduler.session("somewhere")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("terminal", "progress", "shown"), [(True, True, True), (False, True, False), (True, False, False)]
)
def test_the_progress_bar_shows_on_a_terminal_unless_quiet(monkeypatch, terminal, progress, shown) -> None:
    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    with scheduler.session("none", progress=progress) as run:
        assert run.map(divmod, [(i, 3) for i in range(20)], "parse") == [divmod(i, 3) for i in range(20)]
    assert ("parse:" in stderr.getvalue()) is shown


def test_without_a_terminal_a_long_stage_logs_its_progress_and_its_time(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(scheduler, "PROGRESS_MIN_ITEMS", 3)
    monkeypatch.setattr(scheduler, "PROGRESS_FIRST_SECONDS", 0.05)
    monkeypatch.setattr(scheduler, "PROGRESS_EVERY_SECONDS", 0.1)
    lines: list[str] = []
    with scheduler.session("none", log=lines.append) as run:
        assert run.map(_slowly, [(i,) for i in range(3)], "parse") == [0, 1, 2]
    # The seconds as the clock gives them (a loaded machine makes 0.45 s of sleep more than half a second).
    assert lines[0] == "parse: 0 of 3 done (0 s)"  # while the first call still runs
    assert len(lines) >= 3 and all(re.fullmatch(r"parse: [0-3] of 3 done \(\d+ s\)", line) for line in lines[:-1])
    assert re.fullmatch(r"parse: 3 done in \d+\.\d s", lines[-1])
    lines.clear()
    with scheduler.session("none", log=lines.append) as run:  # a quick stage: nothing
        run.map(divmod, [(i, 3) for i in range(3)], "parse")
    with scheduler.session("none", progress=False, log=lines.append) as run:  # --quiet
        run.map(_slowly, [(i,) for i in range(3)], "parse")
    with scheduler.session("none", log=lines.append) as run:  # a small stage (a small build's log stays as it is)
        run.map(_slowly, [(i,) for i in range(2)], "parse")
    assert lines == []


def _slowly(i: int) -> int:
    time.sleep(0.15)
    return i


def test_without_a_terminal_the_time_before_the_first_stage_is_logged_too(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(scheduler, "PROGRESS_FIRST_SECONDS", 0.05)
    monkeypatch.setattr(scheduler, "PROGRESS_EVERY_SECONDS", 0.05)
    lines: list[str] = []
    with scheduler.session("none", log=lines.append) as run:
        run.preparing("build: reading the manifest")
        time.sleep(0.3)  # reading a manifest of 10,000 rows
        waited = len(lines)
        run.map(divmod, [(i, 3) for i in range(3)], "parse")
        time.sleep(0.2)
    assert waited >= 2 and all(re.fullmatch(r"build: reading the manifest \(\d+ s\)", line) for line in lines[:waited])
    assert len(lines) == waited  # the lines stop when the first stage begins (a quick one: silent)


@pytest.mark.slow
def test_a_session_the_build_starts_stops_before_the_tables_are_written_and_a_given_one_stays(
    monkeypatch, tmp_path
) -> None:
    """The workers of a local cluster that ``analysis build`` started are gone, with their memory,
    while the tables are written; a session the caller gives is the caller's to close."""
    from analysis import cli
    from analysis.corpus import incremental

    events: list[str] = []
    close, write, map_ = scheduler.Session.close, incremental.write_tables, scheduler.Session.map
    monkeypatch.setattr(scheduler.Session, "close", lambda self: events.append("closed") or close(self))
    monkeypatch.setattr(scheduler.Session, "map", lambda self, *a, **k: events.append("ran") or map_(self, *a, **k))
    monkeypatch.setattr(incremental, "write_tables", lambda *a, **k: events.append("written") or write(*a, **k))
    escalated = incremental.escalation.escalation_table
    monkeypatch.setattr(
        incremental.escalation, "escalation_table", lambda *a, **k: events.append("corpus tables") or escalated(*a, **k)
    )
    command = ["--manifest", str(MANIFEST_PATH), "build", "--out", str(tmp_path / "started"), "--no-cache", "--quiet"]
    assert cli.main([*command, "--scheduler", "none"]) == 0
    assert "ran" in events
    assert [e for e in events if e != "ran"] == ["closed", "corpus tables", "written"]
    assert events.index("closed") > max(i for i, e in enumerate(events) if e == "ran")
    events.clear()
    monkeypatch.setattr(scheduler.Session, "map", map_)
    events.clear()
    with scheduler.session("none") as run:
        build(tmp_path / "given", MANIFEST_PATH, scheduler=run, cache=CacheSettings(enabled=False))
        assert events == ["corpus tables", "written"]
    assert events == ["corpus tables", "written", "closed"]
