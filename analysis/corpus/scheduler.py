"""Where the build runs: in this process, or on Dask (a local cluster or a running scheduler).

A :class:`Session` runs the build's stages as many small calls — a document parsed, a
document's targets, a comparison aligned — and gives their results back in the order of the
calls, so the tables are the same whatever runs them:

- ``none``: in this process, one call after the other (for debugging, and for small corpora);
- ``local``: a :class:`distributed.LocalCluster` with one single-threaded worker process per core;
- ``tcp://host:8786``: a running Dask scheduler (``dask scheduler`` / ``dask worker``, or
  dask-jobqueue on a batch system).

On Dask each call is a task (``client.submit`` with ``retries=2``); a result that later calls
take (a parsed document) stays on the workers as a future and is passed to them as such, never
sent back and forth; objects every call reads (the lexicon, the targets table) are scattered once.
What a worker keeps for the calls it runs (the alignment's plans, their features computed once)
lives in a :class:`BuildState` made for the session: per build, per process and per thread, and
dropped with the session, never in a module-level variable.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import operator
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from analysis.errors import UserError
from analysis.settings import BuildSettings

NONE, LOCAL = "none", "local"
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable scheduler is reported after this long
BATCHES_PER_THREAD, BATCH_MAX = 8, 64
# Without a terminal, a stage of this many calls or more logs its progress (a small build's log,
# and its one-line errors, stay as they are), after its first second and then every ten.
PROGRESS_MIN_ITEMS = 40
PROGRESS_FIRST_SECONDS, PROGRESS_EVERY_SECONDS = 1.0, 10.0
RETRIES = 2  # a task that raised is run again this many times (one whose worker died: Dask's allowed-failures, 3)
RESUBMITS = 2  # a task lost with its worker (cancelled, or its workers died) is submitted again this many times


def default_workers() -> int:
    """Worker processes of a local cluster: one per core."""
    return max(1, os.cpu_count() or 1)


class ProgressLines:
    """A stage's progress as lines of the build's log where stderr is no terminal (a log file, a
    pipe, a batch job) and a progress bar would not show: how far it got once it has run for
    :data:`PROGRESS_FIRST_SECONDS`, then every :data:`PROGRESS_EVERY_SECONDS` (from a thread: one
    long call does not silence it), and its time when it ends. A quick stage shows nothing. Without
    a ``total``, only the time the stage has taken so far."""

    def __init__(self, total: int | None, label: str, log: Callable[[str], None]) -> None:
        self.total, self.label, self.log = total, label, log
        self.done, self.started, self.shown = 0, time.monotonic(), False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._report, daemon=True)

    def _report(self) -> None:
        wait = PROGRESS_FIRST_SECONDS
        while not self._stop.wait(wait):
            self.shown = True
            seconds = f"{time.monotonic() - self.started:,.0f} s"
            self.log(
                f"{self.label}: {self.done:,} of {self.total:,} done ({seconds})"
                if self.total
                else f"{self.label} ({seconds})"
            )
            wait = PROGRESS_EVERY_SECONDS

    def update(self, n: int = 1) -> None:
        self.done += n

    def __enter__(self) -> ProgressLines:
        self._thread.start()
        return self

    def __exit__(self, failed, *exc) -> None:
        self._stop.set()
        self._thread.join()
        if failed is None and self.shown and self.total is not None:
            self.log(f"{self.label}: {self.total:,} done in {time.monotonic() - self.started:,.1f} s")


def _progress_bar(total: int, label: str, enabled: bool, log: Callable[[str], None]):
    """A progress bar on a terminal; elsewhere :class:`ProgressLines` in the log (for a large stage)."""
    from tqdm import tqdm

    if enabled and not sys.stderr.isatty() and total >= PROGRESS_MIN_ITEMS:
        return ProgressLines(total, label, log)
    return tqdm(
        total=total,
        desc=label,
        unit="",
        file=sys.stderr,
        leave=False,
        disable=not enabled or total < 2 or not sys.stderr.isatty(),
    )


class ProcessState:
    """What the calls of one build running in one process keep for the next (e.g. the alignment's
    plan cache): one object per name and thread, made on first use."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, int], Any] = {}
        self._lock = threading.Lock()

    def get(self, name: str, factory: Callable[[], Any]) -> Any:
        key = (name, threading.get_ident())
        with self._lock:
            if key not in self._objects:
                self._objects[key] = factory()
            return self._objects[key]

    def clear(self) -> None:
        with self._lock:
            self._objects.clear()


class Session:
    """Runs calls in this process (``scheduler='none'``); :class:`DaskSession` runs them on Dask."""

    name = NONE

    def __init__(self, progress: bool = True, log: Callable[[str], None] | None = None) -> None:
        self.progress, self.log = progress, log or (lambda message: None)
        self._state = ProcessState()
        self._preparing: ProgressLines | None = None

    def map(
        self,
        function: Callable,
        calls: Sequence[tuple],
        label: str,
        keep: bool = False,
        state_as: str | None = None,
        combine: Callable[[list], Any] | None = None,
        received: Callable[[int, Any], Any] | None = None,
        **common,
    ) -> list:
        """``[function(*call, **common) for call in calls]``, in call order. ``keep``: the results
        are passed to later calls (on Dask they stay on the workers too); ``state_as``: the keyword
        that receives :attr:`state` (what the calls of this build keep in their process);
        ``combine`` (not with ``keep``): merges the results of consecutive calls where they ran
        (on Dask a batch's, on its worker: fewer, larger results to send back; here up to
        :data:`BATCH_MAX` calls'), and the merged pieces are given, in call order, for the caller
        to merge. ``received(first, piece)``: called in this process on each result (or merged
        piece) as it arrives, ``first`` the position of its first call; what it returns is given
        in its place (what the caller writes away there is not held until the last call ends);
        with ``keep`` it must return the result itself (later calls find a kept result by it)."""
        self._prepared()
        if state_as:
            common[state_as] = self.state
        size = BATCH_MAX if combine is not None else 1
        pieces = []
        with _progress_bar(len(calls), label, self.progress, self.log) as bar:
            for first in range(0, len(calls), size):
                results = []
                for call in calls[first : first + size]:
                    results.append(function(*call, **common))
                    bar.update()
                pieces.extend(_received(received, first, [combine(results)] if combine is not None else results))
        return pieces

    def share(self, values: Sequence) -> None:
        """Objects that later calls take as arguments (e.g. plans read from the build's cache), as
        results kept with ``keep`` are: on Dask each is sent to the workers once, not with every
        call. In this process there is nothing to do."""

    @property
    def state(self) -> ProcessState | BuildState:
        """The per-process state of this build, passed to the calls that keep something."""
        return self._state

    def close(self) -> None:
        self._state.clear()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self._prepared()
        self.close()

    def preparing(self, label: str) -> None:
        """Without a terminal, log the time before the first stage (e.g. a large manifest read and
        checked) as the stages log theirs, once it passes a second."""
        if self.progress and not sys.stderr.isatty() and self._preparing is None:
            self._preparing = ProgressLines(None, label, self.log).__enter__()

    def _prepared(self) -> None:
        """The first stage begins: no more lines about the time before it."""
        if self._preparing is not None:
            self._preparing.__exit__(None)
            self._preparing = None


class AutoSession(Session):
    """The default: decides on its first call — a local cluster when more than one worker is
    available and that call covers ``min_items`` documents or more (the build settings'
    ``parallel_min_items``), else this process."""

    def __init__(
        self,
        workers: int | None = None,
        progress: bool = True,
        log: Callable[[str], None] | None = None,
        min_items: int | None = None,
    ):
        super().__init__(progress, log)
        self.workers = workers
        self.min_items = BuildSettings().parallel_min_items if min_items is None else min_items
        self._chosen: Session | None = None
        self._shared: list = []

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._chosen.name if self._chosen else "auto"

    def wants_cluster(self, items: int) -> bool:
        """A local cluster for a first call of ``items``: more than one worker (asked for, or
        cores), and ``min_items`` items or more unless the workers were asked for."""
        workers = default_workers() if self.workers is None else self.workers
        return workers > 1 and (items >= self.min_items or self.workers is not None)

    def _choose(self, items: int) -> Session:
        if self._chosen is None:
            self._chosen = (
                DaskSession.local(self.workers, self.progress, self.log)
                if self.wants_cluster(items)
                else Session(self.progress, self.log)
            )
            self._chosen.share(self._shared)
            self._shared = []
        return self._chosen

    def share(self, values: Sequence) -> None:
        if self._chosen is not None:
            self._chosen.share(values)
        else:  # shared with the session chosen on the first call
            self._shared.extend(values)

    def map(
        self,
        function: Callable,
        calls: Sequence[tuple],
        label: str,
        keep: bool = False,
        state_as: str | None = None,
        combine: Callable[[list], Any] | None = None,
        received: Callable[[int, Any], Any] | None = None,
        **common,
    ) -> list:
        self._prepared()
        return self._choose(len(calls)).map(function, calls, label, keep, state_as, combine, received, **common)

    @property
    def state(self):
        return self._chosen.state if self._chosen else self._state

    def close(self) -> None:
        if self._chosen is not None:
            self._chosen.close()


class BuildState:
    """A handle on a build's per-process state on Dask workers (a worker plugin named after the
    session, set up on every worker, dropped when the session closes)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get(self, name: str, factory: Callable[[], Any]) -> Any:
        from distributed import get_worker

        try:
            plugin = get_worker().plugins[self.name]
        except ValueError:  # not on a worker (a task run in the client process): nothing kept
            return factory()
        state: ProcessState = getattr(plugin, "state")  # noqa: B009  (set by the plugin's setup)
        return state.get(name, factory)


def _state_plugin():
    from distributed.diagnostics.plugin import WorkerPlugin

    class StatePlugin(WorkerPlugin):
        """Holds a :class:`ProcessState` on a worker for the lifetime of one build."""

        def setup(self, worker) -> None:
            self.state = ProcessState()

        def teardown(self, worker) -> None:
            self.state.clear()

    return StatePlugin()


def _names(calls: Sequence[tuple]) -> str:
    """What a batch of calls works on, for a message: their plans' or comparisons' ids."""
    names = []
    for call in calls:
        first = call[0] if call else None
        found = next(
            (str(first[key]) for key in ("comparison_id", "doc_id") if isinstance(first, dict) and key in first), None
        )
        names.append(found or str(getattr(first, "doc_id", "")) or repr(first)[:40])
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _why_lost(future, result, times: int) -> str:
    """Why a task came back without its result (its worker lost); raises the task's own exception
    when the task itself failed."""
    import dask
    from distributed import KilledWorker

    if future.status == "error":
        _, exc, traceback = result
        if not isinstance(exc, KilledWorker):
            raise exc.with_traceback(traceback)
        tries = dask.config.get("distributed.scheduler.allowed-failures")
        return f"the Dask worker processes running it died, {tries + 1} times (out of memory?)"
    return f"its Dask task was cancelled {times} times (its worker lost: out of memory?)"


def _run_batch(function: Callable, calls: list[tuple], common: dict, combine: Callable[[list], Any] | None) -> list:
    """One Dask task: ``function`` over a few calls (their results merged into one by ``combine``)."""
    results = [function(*call, **common) for call in calls]
    return [combine(results)] if combine is not None else results


def _received(received: Callable[[int, Any], Any] | None, first: int, results: list) -> list:
    """``results`` (of consecutive calls or merged pieces, the first numbered ``first``) as
    ``received`` makes each of them (see :meth:`Session.map`)."""
    return results if received is None else [received(first + j, result) for j, result in enumerate(results)]


class DaskSession(Session):
    """Calls run as Dask tasks on a client's cluster; results come back in call order."""

    def __init__(
        self, client, cluster=None, name: str = LOCAL, progress: bool = True, log: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(progress, log)
        self.client, self.cluster, self.name = client, cluster, name
        self._token, self._maps = uuid.uuid4().hex[:12], 0
        self._futures: dict[int, tuple[object, Any]] = {}  # id(result) → (result, its future)
        self._scattered: dict[int, tuple[object, Any]] = {}
        self._build_state = BuildState(f"analysis-build-{self._token}")
        client.register_plugin(_state_plugin(), name=self._build_state.name)

    @classmethod
    def local(
        cls, workers: int | None = None, progress: bool = True, log: Callable[[str], None] | None = None
    ) -> DaskSession:
        """A local cluster: ``workers`` single-threaded processes (default one per core), without
        the statistical profiler of the dashboard."""
        import dask
        from distributed import Client, LocalCluster

        workers = workers or default_workers()
        # no statistical profiler in the workers: it samples each task's stack every 10 ms for the
        # dashboard's profile page, and cost the national corpus's build 3-4 s of 76-88 s
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                memory_limit=0,
                silence_logs=logging.CRITICAL,
            )
        try:
            client = Client(cluster, set_as_default=False)
            session = cls(client, cluster, LOCAL, progress, log)
        except BaseException:
            cluster.close()
            raise
        if log:
            has_bokeh = importlib.util.find_spec("bokeh") is not None  # the dashboard needs it
            where = client.dashboard_link if has_bokeh else "none (install bokeh to get one)"
            log(f"dask: local cluster of {workers} worker processes; dashboard: {where}")
        return session

    @classmethod
    def connect(cls, address: str, progress: bool = True, log: Callable[[str], None] | None = None) -> DaskSession:
        """A running scheduler at ``address``; one line if it cannot be reached."""
        from distributed import Client

        try:
            client = Client(address, timeout=f"{CONNECT_TIMEOUT_SECONDS}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UserError(address, f"cannot reach the Dask scheduler ({reason})") from None
        try:
            session = cls(client, None, address, progress, log)
        except BaseException:
            client.close()
            raise
        if log:
            log(f"dask: scheduler {address}, {len(client.scheduler_info().get('workers', {}))} workers")
        return session

    @property
    def state(self) -> BuildState:
        return self._build_state

    def share(self, values: Sequence) -> None:
        new = [v for v in values if self._argument(v) is v]
        if new:
            futures = self.client.scatter(list(new), hash=False)
            self._futures.update({id(v): (v, f) for v, f in zip(new, futures)})

    def _argument(self, value):
        """A result kept from an earlier call: its future (the worker holding it passes it on)."""
        kept = self._futures.get(id(value))
        return kept[1] if kept is not None and kept[0] is value else value

    def _shared(self, value):
        """An object every call reads: sent to each worker once."""
        if isinstance(value, (str, int, float, bool, type(None), BuildState)):
            return value
        kept = self._scattered.get(id(value))
        if kept is None or kept[0] is not value:
            kept = self._scattered[id(value)] = (value, self.client.scatter(value, broadcast=True, hash=False))
        return kept[1]

    def map(
        self,
        function: Callable,
        calls: Sequence[tuple],
        label: str,
        keep: bool = False,
        state_as: str | None = None,
        combine: Callable[[list], Any] | None = None,
        received: Callable[[int, Any], Any] | None = None,
        **common,
    ) -> list:
        from distributed import as_completed

        self._prepared()
        if state_as:
            common[state_as] = self.state
        self._maps += 1  # task keys unique to this call of map
        size = self._batch_size(len(calls))
        batches = [
            [tuple(self._argument(a) for a in call) for call in calls[start : start + size]]
            for start in range(0, len(calls), size)
        ]
        batched = size > 1 or combine is not None  # a task returns a list of results
        shared = {name: self._shared(value) for name, value in common.items()}
        futures = [
            self._submit(function, batch, shared, combine, batched, f"{label}-{self._maps}-{i}-{self._token}")
            for i, batch in enumerate(batches)
        ]
        position = {future.key: i for i, future in enumerate(futures)}
        done: list = [None] * len(futures)
        lost = [0] * len(futures)
        try:  # each result fetched as it is done (a failed task raises its exception, a UserError stays one)
            with _progress_bar(len(calls), label, self.progress, self.log) as bar:
                finished = as_completed(futures, loop=self.client.loop, with_results=True, raise_errors=False)
                for future, result in finished:
                    i = position.pop(future.key)
                    if future.status != "finished":  # lost with its worker (run again), or failed (raised)
                        lost[i] += 1
                        why = _why_lost(future, result, lost[i])  # the task's own error is raised
                        if future.status == "error" or lost[i] > RESUBMITS:  # Dask tried other workers already
                            where = f"{label} of {_names(calls[i * size : (i + 1) * size])}"
                            raise UserError(where, f"{why}; nothing was written") from None
                        self._scattered.clear()  # the lost worker may have held the shared objects
                        shared = {name: self._shared(value) for name, value in common.items()}
                        key = f"{label}-{self._maps}-{i}-again{lost[i]}-{self._token}"
                        futures[i] = self._submit(function, batches[i], shared, combine, batched, key)
                        position[key] = i
                        finished.add(futures[i])
                        continue
                    done[i] = _received(received, i * size, result if batched else [result])
                    if not keep:
                        future.release()  # the worker can drop it now
                    bar.update(len(batches[i]))
        except BaseException:
            self.client.cancel(futures)
            raise
        results = [r for batch in done for r in batch]
        if keep:  # each kept result gets a future of its own, taken from its batch where it lies
            items = futures if not batched else self._items(futures, [len(batch) for batch in batches])
            self._futures.update({id(r): (r, f) for r, f in zip(results, items)})
        return results

    def _items(self, futures: list, sizes: list[int]) -> list:
        """A future of each result of the batches ``futures`` (``sizes`` results each), taken from
        its batch where it lies; submitted as one graph (one message to the scheduler, not one a
        result)."""
        batch_of = [future for future, size in zip(futures, sizes) for _ in range(size)]
        position = [j for size in sizes for j in range(size)]
        keys = [f"{future.key}-{j}" for future, j in zip(batch_of, position)]
        return self.client.map(operator.getitem, batch_of, position, key=keys, pure=False)

    def _submit(self, function: Callable, batch: list[tuple], shared: dict, combine, batched: bool, key: str):
        """One task: a batch of calls (or one call, when calls are not batched)."""
        if batched:
            return self.client.submit(_run_batch, function, batch, shared, combine, retries=RETRIES, key=key)
        return self.client.submit(function, *batch[0], **shared, retries=RETRIES, key=key)

    def _batch_size(self, calls: int) -> int:
        """Calls per task: about 8 tasks per worker thread (a task costs the scheduler a few ms;
        consecutive calls share their plans in a worker), at most 64 calls."""
        threads = sum(self.client.nthreads().values()) or 1
        return max(1, min(BATCH_MAX, -(-calls // (BATCHES_PER_THREAD * threads))))

    def close(self) -> None:
        self._futures.clear()
        self._scattered.clear()
        with contextlib.suppress(Exception):
            self.client.unregister_worker_plugin(self._build_state.name)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def session(
    scheduler: str | Session | None = None,
    workers: int | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    min_items: int | None = None,
) -> contextlib.AbstractContextManager[Session]:
    """A session for ``scheduler``: ``None`` (decide by corpus size), ``'none'``, ``'local'``, a
    scheduler address (``tcp://host:8786``), or an open :class:`Session` (used, not closed)."""
    if isinstance(scheduler, Session):
        return contextlib.nullcontext(scheduler)
    if scheduler is None:
        return AutoSession(workers, progress, log, min_items)
    if scheduler == NONE:
        return Session(progress, log)
    if scheduler == LOCAL:
        return DaskSession.local(workers, progress, log)
    if "://" not in scheduler:
        raise UserError(scheduler, "not a scheduler: give none, local or an address such as tcp://host:8786")
    return DaskSession.connect(scheduler, progress, log)
