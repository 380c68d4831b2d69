"""How a benchmark case is run and measured: in a fresh process of its own (so one case's memory
and imports never count in another's), with its peak memory, and the seed of its random inputs.

The benchmark (``bench``) and the incremental cases (``incremental``) both run their cases here."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import resource
import threading
from collections.abc import Callable
from pathlib import Path

SEED = 2024  # of every synthetic plan and corpus the benchmark makes


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


class TreeMemory:
    """Peak memory of this process and all its descendants together, sampled in a thread.

    Each process counts its proportional set size (PSS, from ``/proc/<pid>/smaps_rollup``): a page
    shared by forked workers is split between them, not counted once per process. Where ``/proc``
    does not offer it (not Linux), nothing is sampled and ``peak_mb`` stays None.
    """

    def __init__(self, interval: float = 0.5):
        self.interval, self.peak_mb = interval, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        if Path("/proc/self/smaps_rollup").is_file():
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            total = sum(_pss_kb(pid) for pid in _tree(os.getpid()))
            self.peak_mb = max(self.peak_mb or 0.0, total / 1024)


def _tree(pid: int) -> list[int]:
    """A process and its descendants (from ``/proc/<pid>/task/*/children``)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in children.read_text().split())
            except OSError:
                continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def isolated(function: Callable[..., dict], *args) -> dict:
    """Run ``function(*args)`` in a fresh process; add its peak memory (MB): its own resident peak
    and, sampled, the peak of it and its worker processes together (PSS). A case that fails (an
    error, a process killed for its memory) gives ``{"failed": why}``: the benchmark goes on."""
    context = multiprocessing.get_context("spawn")
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(_measured, function, *args).result()
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0][:300]
        return {"failed": f"{type(exc).__name__}: {reason}".rstrip(": ")}


def failed_cases(results: dict) -> list[str]:
    """The cases of ``results`` that failed, each as ``name: why`` (the reports case's ``failed``
    counts the pages that failed: none is no failure)."""
    found = []
    for name, value in results.items():
        if name == "dask":
            cases = {id(case): case for case in value["runs"] + value["scales"]}.values()
        else:
            cases = value if isinstance(value, list) else [value]
        found += [f"{name}: {case['failed']}" for case in cases if isinstance(case, dict) and case.get("failed")]
    return found


def _measured(function: Callable[..., dict], *args) -> dict:
    with TreeMemory() as memory:
        result = function(*args)
    result["peak_mb"] = round(_peak_mb(), 1)
    if memory.peak_mb is not None:
        result["peak_tree_mb"] = round(max(memory.peak_mb, result["peak_mb"]), 1)  # own peak: a floor
    return result
