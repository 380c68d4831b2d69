"""Incremental builds of the simulated national corpus (issue #26): what a build costs when one
plan is added, one is edited, or a threshold changes, against a build from nothing.

One output folder goes through these builds, each in a fresh process and timed around
:func:`analysis.corpus.build.build` (the interpreter's start and imports not counted; a local Dask
cluster's start counted when the build starts one), with the load average of the machine
before and after, the stages' seconds and the process's CPU seconds:

- ``full``: the corpus less one city plan of the last year, from nothing (empty cache);
- ``add``: that plan added to the manifest (two comparisons are new);
- ``again``: nothing changed (nothing computed: every table from the cache and the previous set);
- ``edit``: one city plan's text edited (a task gains a sentence: its comparisons are made again);
- ``threshold``: the link threshold changed (every comparison made again, as it must be).

Then ``scratch``: the same final state built from nothing (``cache=False``) into another folder;
``identical`` says whether every CSV of the two folders is byte-identical. The cache's size on
disk is reported after the last of these builds. ``python -m benchmarks.incremental [--quick]``
runs these cases alone (``--quick``: neither ``threshold`` nor ``scratch``), each case's figures
printed as it ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis import storage
from analysis.settings import PROCESSED_DIR, BuildSettings, CacheSettings

EDITED_SENTENCE = "加强生态环境监测能力建设，完善监测网络。"
THRESHOLD_STEP = 0.02


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_case(out: str, manifest: str, link_min: float | None = None, cache: bool = True) -> dict:
    """One build of ``manifest`` into ``out`` (``link_min``: the threshold, else the default)."""
    from analysis.corpus.build import build

    settings = BuildSettings()
    if link_min is not None:
        thresholds = dataclasses.replace(settings.alignment.thresholds, link_min=link_min)
        settings = dataclasses.replace(
            settings, alignment=dataclasses.replace(settings.alignment, thresholds=thresholds)
        )
    load_before, cpu_before, timings = os.getloadavg()[0], _cpu_seconds(), {}
    started = time.perf_counter()
    tables = build(Path(out), Path(manifest), settings=settings, cache=CacheSettings(enabled=cache), timings=timings)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "stages": {stage: round(value, 2) for stage, value in timings.items()},
        "documents": len(tables["documents"]),
        "comparisons": int(tables["coverage"]["comparison_id"].nunique()),
    }


def _csv_digests(out: Path) -> dict[str, str]:
    folder = storage.table_folder(out)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _edited(text: str) -> str:
    """The plan's text with a sentence added to its first numbered task."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line[:2] in ("1.", "1．"))
    lines[at] = lines[at].replace("。", "。" + EDITED_SENTENCE, 1)
    return "\n".join(lines)


def incremental_cases(
    seed: int,
    isolated: Callable[..., dict],
    say: Callable[[str], None] = print,
    scratch: bool = True,
    threshold: bool = True,
) -> dict:
    """The cases of the module docstring, each build in a process of its own (``isolated``);
    without ``threshold`` and ``scratch`` (the two that compute everything again) when false."""
    from benchmarks import synthetic

    bank = synthetic.clause_bank(storage.read_table("tasks", PROCESSED_DIR))
    plans = synthetic.national_corpus(bank, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        raw, out = Path(folder) / "raw", Path(folder) / "processed"
        manifest = synthetic.write_corpus(plans, raw, seed=seed)
        listed = pd.read_csv(manifest, dtype=str, keep_default_na=False)
        held_out = listed[(listed["level"] == "city") & (listed["year"] == listed["year"].max())].iloc[-1]
        full_manifest = raw / "manifest_full.csv"
        manifest.rename(full_manifest)
        storage.write_csv(listed[listed["doc_id"] != held_out["doc_id"]], manifest)
        cases = {}
        say(f"incremental: {len(listed) - 1} plans from nothing …")
        cases["full"] = isolated(build_case, str(out), str(manifest))
        say(f"incremental: {held_out['doc_id']} added …")
        full_manifest.replace(manifest)
        cases["add"] = isolated(build_case, str(out), str(manifest))
        say("incremental: nothing changed …")
        cases["again"] = isolated(build_case, str(out), str(manifest))
        edited = listed[(listed["level"] == "city") & (listed["doc_id"] != held_out["doc_id"])].iloc[len(listed) // 3]
        path = raw / edited["file"]
        path.write_text(_edited(path.read_text(encoding="utf-8")), encoding="utf-8")
        say(f"incremental: {edited['doc_id']} edited …")
        cases["edit"] = isolated(build_case, str(out), str(manifest))
        link_min = BuildSettings().alignment.thresholds.link_min + (THRESHOLD_STEP if threshold else 0)
        if threshold:
            say(f"incremental: link_min {link_min:g} …")
            cases["threshold"] = isolated(build_case, str(out), str(manifest), link_min)
        cache_bytes = _folder_bytes(out / ".cache")
        result: dict = {"held_out": held_out["doc_id"], "edited": edited["doc_id"], "link_min": link_min}
        if scratch:
            say("incremental: the same from nothing, without the cache …")
            cases["scratch"] = isolated(build_case, str(Path(folder) / "scratch"), str(manifest), link_min, False)
            result["identical"] = _csv_digests(out) == _csv_digests(Path(folder) / "scratch")
    full = cases["full"]["seconds"]
    for case in cases.values():
        case["share_of_full"] = round(case["seconds"] / full, 3)
    return {**result, "cases": cases, "cache_mb": round(cache_bytes / 1e6, 1)}


if __name__ == "__main__":  # python -m benchmarks.incremental [--quick]: these cases alone, as JSON on stdout
    import json
    import sys

    from benchmarks import incremental  # by its name: the cases' functions are pickled for their processes
    from benchmarks.measure import SEED, isolated

    def logged(function: Callable[..., dict], *args) -> dict:
        found = isolated(function, *args)
        print(json.dumps(found), file=sys.stderr, flush=True)
        return found

    say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    quick = "--quick" in sys.argv[1:]
    print(json.dumps(incremental.incremental_cases(SEED, logged, say, not quick, not quick), indent=1))
