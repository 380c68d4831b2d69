"""Report workers that go when the command goes.

``python -m analysis reports`` runs notebooks in a pool of worker processes, each keeping a
Jupyter kernel in a session of its own (:mod:`analysis.report.execute`). Stopped (Ctrl-C, SIGTERM, or killed outright on Linux),
the command takes its workers with it, and each worker its kernel: nothing keeps running, or
writing into the reports folder, after the command has gone.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator


def worker_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of spawned workers (kernels and zmq do not survive fork well) set up by :func:`init_worker`."""
    context = multiprocessing.get_context("spawn")
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init_worker, initargs=(os.getpid(),)
    )


def stop_worker(signum, frame) -> None:
    """A report worker told to stop: end its kernels (they run in their own sessions), then exit."""
    try:
        import psutil

        children = psutil.Process().children(recursive=True)
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.terminate()
        _, alive = psutil.wait_procs(children, timeout=2)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
    finally:
        os._exit(128 + signum)


def init_worker(parent: int) -> None:
    """In each report worker: stop on SIGTERM and SIGINT, and on the command's death (Linux)."""
    signal.signal(signal.SIGTERM, stop_worker)
    signal.signal(signal.SIGINT, stop_worker)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the command died before prctl took effect
        stop_worker(signal.SIGTERM, None)


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def stop_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Terminate every worker of ``pool`` (each ends its kernel), kill what is left after 5 s: a
    worker too busy to end its kernel in time (a loaded machine) and that kernel too."""
    import psutil

    saved = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):  # a second signal must not cut this short
            saved[signum] = signal.signal(signum, signal.SIG_IGN)
    try:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        kernels = []
        for process in processes:
            with contextlib.suppress(Exception):
                kernels += psutil.Process(process.pid).children(recursive=True)
                process.terminate()
        deadline = time.monotonic() + 5
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(max(0.0, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join(1)
        for kernel in kernels:  # already gone unless its worker was killed before ending it
            with contextlib.suppress(psutil.Error):
                kernel.kill()
        pool.shutdown(wait=False, cancel_futures=True)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt (as Ctrl-C does) in the main thread, for the duration."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
