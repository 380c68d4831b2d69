"""Benchmarks (``make bench``): what the pipeline costs as plans and corpora grow.

Measured on this machine, each case in a fresh process (so its peak memory is its own):

- parse throughput (documents and characters per second) and target-extraction throughput on
  the bundled corpus;
- alignment of one pair of synthetic plans at N tasks per side (plans recombined from the
  corpus's clauses, :mod:`analysis.synthetic`): task pairs per second and peak memory, beside a
  naive ``difflib`` best-match baseline (timed on a sample of rows and scaled to all of them)
  and the character TF-IDF peer (:mod:`benchmarks.peer`, the ratio of seconds);
  the synthetic lineage also scores the aligner (F1 of ``same`` links) at every size;
- a simulated national corpus (31 provinces, their cities, 3 years): parsed, its targets
  extracted and every parent and year link aligned, with the time of each stage;
- a plan of 10,000 tasks (parsed, targets, aligned with its next-year version) and a 50 MB text
  file (parsed): time and peak memory;
- ``make reports`` on the bundled corpus: both editions, all notebooks rerun.

Results go to ``reports/bench.json`` and ``reports/bench.html`` with the goals and whether they
are met.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis import __version__, storage
from analysis.settings import (
    MANIFEST_PATH,
    PROCESSED_DIR,
    REPORTS_DIR,
    BuildSettings,
    CacheSettings,
    TargetSettings,
)
from benchmarks.incremental import incremental_cases
from benchmarks.ingest import ingest_case
from benchmarks.measure import SEED, failed_cases, isolated
from benchmarks.peer import LARGE_PARSE, align_case, synthetic_pair

SIZES = (100, 300, 1000, 3000)
BASELINE_SAMPLE_ROWS = 20
PARSE_REPEATS = 10
INGEST_REPEATS = 3
LARGE_PLAN_TASKS = 10_000
LARGE_FILE_MB = 50
DASK_SCALES = (1, 2, 4)  # × the simulated national corpus, on the local Dask cluster
GOALS = {
    "align_3000_over_300_cost": ("≤", 15.0),
    "align_3000_speedup_over_difflib": ("≥", 50.0),
    "align_3000_over_tfidf": ("≤", 1.0),  # the aligner's seconds over the TF-IDF peer's (issue #26)
    "national_seconds": ("≤", 60.0),
    "national_peak_mb": ("≤", 2048.0),
    "reports_seconds": ("≤", 30.0),  # both editions (issue #12)
    "incremental_add_seconds": ("≤", 5.0),  # one plan added to the national corpus (issue #26)
    "incremental_add_share": ("≤", 0.1),  # … as a share of the build from nothing
}


# --- cases (each runs in its own process) ------------------------------------------------------


def _corpus_paths() -> list[tuple[str, str]]:
    from analysis.corpus.manifest import load_manifest

    listed = load_manifest(MANIFEST_PATH)
    return list(zip(listed["doc_id"], listed["file_path"]))


def parse_case(repeats: int) -> dict:
    """Read → clean → structure for every bundled document, ``repeats`` times."""
    from analysis.parse.document import parse_document

    paths = _corpus_paths()
    parse_document(paths[0][1], paths[0][0])  # warm imports
    started = time.perf_counter()
    chars = 0
    for _ in range(repeats):
        for doc_id, path in paths:
            chars += len(parse_document(path, doc_id).raw.text)
    seconds = time.perf_counter() - started
    documents = repeats * len(paths)
    return {
        "documents": documents,
        "characters": chars,
        "seconds": round(seconds, 3),
        "documents_per_second": round(documents / seconds, 1),
        "characters_per_second": round(chars / seconds),
    }


def targets_case(repeats: int) -> dict:
    """Target extraction (with indicator mapping) on every bundled document's tasks."""
    from analysis.parse.document import parse_document
    from analysis.targets.extract import targets_table
    from analysis.targets.indicators import load_lexicon

    docs = [parse_document(path, doc_id) for doc_id, path in _corpus_paths()]
    lexicon = load_lexicon()
    targets_table(docs[0], lexicon, TargetSettings())  # warm: jieba, lexicon
    started = time.perf_counter()
    found = 0
    for _ in range(repeats):
        for doc in docs:
            found += len(targets_table(doc, lexicon, TargetSettings()))
    seconds = time.perf_counter() - started
    tasks = repeats * sum(len(d.tasks) for d in docs)
    chars = repeats * sum(int(d.tasks["text"].str.len().sum()) for d in docs)
    return {
        "tasks": tasks,
        "targets": found,
        "seconds": round(seconds, 3),
        "tasks_per_second": round(tasks / seconds, 1),
        "characters_per_second": round(chars / seconds),
    }


def difflib_case(n: int, seed: int, sample_rows: int) -> dict:
    """The naive baseline: each target task's best ``difflib`` ratio over all source tasks.

    Timed on ``sample_rows`` target tasks and scaled to all of them (the cost is linear in rows).
    """
    with tempfile.TemporaryDirectory() as folder:
        (source, target), _ = synthetic_pair(n, seed, Path(folder))
    source_texts, target_texts = list(source.tasks["text"]), list(target.tasks["text"])
    rows = target_texts[:sample_rows]
    started = time.perf_counter()
    for text in rows:
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(text)
        best = 0.0
        for other in source_texts:
            matcher.set_seq1(other)
            best = max(best, matcher.ratio())
    sampled = time.perf_counter() - started
    seconds = sampled * len(target_texts) / len(rows)
    return {
        "n": n,
        "sampled_rows": len(rows),
        "sampled_seconds": round(sampled, 3),
        "seconds": round(seconds, 2),
        "pairs_per_second": round(len(source_texts) * len(target_texts) / seconds),
    }


def national_case(seed: int, scheduler: str | None = None, workers: int | None = None, scale: int = 1) -> dict:
    """Generate the simulated national corpus (``scale`` × its provinces) and build it from nothing
    (``analysis build --no-cache``), with the time of each stage: parse, documents (profiles and
    near-duplicates), targets, alignment of every parent and year link, the corpus tables
    (escalation, coverage of indicators, corrections) and writing; on ``scheduler`` (default: as
    ``analysis build`` decides, i.e. a local Dask cluster with ``workers`` processes), whose start
    and stop count in the time (the build stops it before the corpus tables, as ``analysis build`` does)."""
    from analysis.corpus import scheduler as scheduling
    from analysis.corpus.build import build
    from benchmarks import synthetic

    bank = synthetic.clause_bank(storage.read_table("tasks", PROCESSED_DIR))
    plans = synthetic.national_corpus(bank, seed=seed, provinces=synthetic.PROVINCES * scale)
    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        manifest = synthetic.write_corpus(plans, Path(folder) / "raw", seed=seed)
        load = os.getloadavg()[0]
        auto = scheduling.AutoSession(workers, progress=False)
        ran_on = scheduler or (scheduling.LOCAL if auto.wants_cluster(len(plans)) else scheduling.NONE)
        started = time.perf_counter()
        # the build starts its session and stops it once nothing more runs on it, as ``analysis build`` does
        tables = build(
            Path(folder) / "out",
            manifest,
            workers=workers,
            settings=BuildSettings(),
            scheduler=scheduler,
            cache=CacheSettings(enabled=False),
            timings=stages,
            progress=False,
        )
        seconds = time.perf_counter() - started
        digest = hashlib.sha256()  # of the tables' CSV bytes: equal whatever ran the build
        for path in sorted(storage.table_folder(Path(folder) / "out").glob("*.csv")):
            digest.update(path.read_bytes())
    return {
        "scale": scale,
        "scheduler": ran_on,
        "workers": workers,
        "documents": len(tables["documents"]),
        "tasks": len(tables["tasks"]),
        "comparisons": int(tables["coverage"]["comparison_id"].nunique()),
        "alignment_rows": len(tables["alignments"]),
        "targets": len(tables["targets"]),
        **{f"{stage.replace(' ', '_')}_seconds": round(value, 2) for stage, value in stages.items()},
        "seconds": round(seconds, 2),
        "load_average": round(load, 2),
        "tables_sha256": digest.hexdigest(),
    }


def dask_cases(
    seed: int, scales: tuple[int, ...] = DASK_SCALES, workers: int | None = None, say: Callable[[str], None] = print
) -> dict:
    """The national corpus in this process and on a local Dask cluster of 1 and ``workers``
    (default: one per core) processes — time, peak memory of the process tree, speed-up and
    scale-out efficiency (speed-up ÷ workers) — and on the cluster at each of ``scales`` × the
    corpus."""
    from analysis.corpus.scheduler import default_workers

    workers = workers or default_workers()

    def case(scheduler: str, count: int | None, scale: int) -> dict:  # labelled, failed or not
        return {
            "scheduler": scheduler,
            "workers": count,
            "scale": scale,
            **isolated(national_case, seed, scheduler, count, scale),
        }

    say("national corpus in process …")
    runs = [case("none", None, 1)]
    for count in sorted({1, workers}):
        say(f"national corpus on a local Dask cluster of {count} workers …")
        runs.append(case("local", count, 1))
    measured = [run for run in runs if "failed" not in run]
    # the same bytes in process and on 1 or n workers (None: a run failed, nothing to compare)
    identical = len({run["tables_sha256"] for run in measured}) == 1 if len(measured) == len(runs) else None
    for run in measured[1:] if measured and measured[0] is runs[0] else []:
        run["speedup"] = round(runs[0]["seconds"] / run["seconds"], 2)
        run["efficiency"] = round(run["speedup"] / run["workers"], 2)
    scaled = [next(r for r in runs if r["workers"] == workers)] if 1 in scales else []
    for scale in (s for s in scales if s != 1):
        say(f"{scale} × the national corpus on a local Dask cluster of {workers} workers …")
        scaled.append(case("local", workers, scale))
    for run in scaled:
        if "failed" not in run:
            run["seconds_per_document"] = round(run["seconds"] / run["documents"], 4)
    return {"runs": runs, "identical_tables": identical, "scales": scaled}


def large_plan_case(n: int, seed: int) -> dict:
    """A plan of ``n`` tasks: parsed, its targets extracted, aligned with its next-year version."""
    from analysis.align import PlanPair, align
    from analysis.settings import AlignmentSettings
    from analysis.targets.extract import targets_of_plans
    from analysis.text import segment

    segment.tokens("生态环境")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        (source, target), _ = synthetic_pair(n, seed, Path(folder))
        parsed = time.perf_counter()
        found = targets_of_plans((source, target), None, TargetSettings())
        extracted = time.perf_counter()
        links = align(PlanPair.of(source, target, AlignmentSettings(), found), "year").alignments
        aligned = time.perf_counter()
    return {
        "n": n,
        "characters": len(source.raw.text) + len(target.raw.text),
        "parse_seconds": round(parsed - started, 2),
        "targets_seconds": round(extracted - parsed, 2),
        "align_seconds": round(aligned - extracted, 2),
        "alignment_rows": len(links),
    }


def large_file_case(megabytes: int, seed: int) -> dict:
    """A text file of about ``megabytes`` MB (a large synthetic plan repeated): read, cleaned,
    parsed into tasks."""
    from analysis.parse.document import parse_document

    with tempfile.TemporaryDirectory() as folder:
        (plan, _), _ = synthetic_pair(2000, seed, Path(folder))
        copies = max(1, round(megabytes * 1e6 / len(plan.raw.text.encode("utf-8"))))
        path = Path(folder) / "large.txt"
        path.write_text(plan.raw.text * copies, encoding="utf-8")
        started = time.perf_counter()
        parsed = parse_document(path, "large", LARGE_PARSE)
        seconds = time.perf_counter() - started
        size = path.stat().st_size
    return {"megabytes": round(size / 1e6, 1), "tasks": len(parsed.tasks), "seconds": round(seconds, 2)}


def reports_case() -> dict:
    """``make reports`` after set-up: one ``python -m analysis reports --lang all`` (both editions,
    Chinese and English, as the Makefile runs it), every notebook rerun (``--force``, no cache),
    into a temporary folder; the command's whole time, its start-up included."""
    from analysis.report.batch import edition_folders
    from analysis.report.i18n import LANGS
    from analysis.settings import PROJECT_ROOT

    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "analysis", "reports", "--lang", "all", "--force", "--out", folder]
        command += ["--processed", str(PROCESSED_DIR)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, encoding="utf-8")
        seconds = time.perf_counter() - started
        built = []
        for listing in (out / "build.json" for out in edition_folders(Path(folder), LANGS).values()):
            built += json.loads(listing.read_text(encoding="utf-8")) if listing.is_file() else []
    case = {
        "editions": list(LANGS),
        "reports": len(built),
        "failed": sum(r["status"] == "failed" for r in built),
        "seconds": round(seconds, 2),
    }
    if done.returncode:
        case["error"] = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return case


# --- the whole benchmark -----------------------------------------------------------------------


def goals_met(results: dict) -> pd.DataFrame:
    """Each goal, the measured value and whether it is met."""
    align = {r["n"]: r for r in results.get("align", []) if "failed" not in r}
    baseline = {r["n"]: r for r in results.get("difflib", []) if "failed" not in r}
    added = results.get("incremental", {}).get("cases", {}).get("add", {})
    measured = {
        "align_3000_over_300_cost": (align[3000]["seconds"] / align[300]["seconds"])
        if {300, 3000} <= set(align)
        else None,
        "align_3000_speedup_over_difflib": (baseline[3000]["seconds"] / align[3000]["seconds"])
        if 3000 in align and 3000 in baseline
        else None,
        "align_3000_over_tfidf": align[3000].get("over_tfidf") if 3000 in align else None,
        "national_seconds": results.get("national", {}).get("seconds"),
        "national_peak_mb": results.get("national", {}).get("peak_tree_mb", results.get("national", {}).get("peak_mb")),
        "reports_seconds": results.get("reports", {}).get("seconds"),
        "incremental_add_seconds": added.get("seconds"),
        "incremental_add_share": added.get("share_of_full"),
    }
    rows = []
    for goal, (sense, limit) in GOALS.items():
        value = measured[goal]
        met = None if value is None else (value <= limit if sense == "≤" else value >= limit)
        rows.append(
            {
                "goal": goal,
                "target": f"{sense} {limit:g}",
                "measured": None if value is None else round(value, 2),
                "met": met,
            }
        )
    return pd.DataFrame(rows)


def run(
    sizes: tuple[int, ...] = SIZES,
    national: bool = True,
    reports: bool = True,
    large: bool = True,
    progress: bool = True,
    dask: bool = True,
    dask_scales: tuple[int, ...] = DASK_SCALES,
    incremental: bool = True,
) -> dict:
    """Every case, each in a fresh process; the results as one dict."""

    def say(message: str) -> None:
        if progress:
            print(message, flush=True)

    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "version": __version__,
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    say("parse …")
    results["parse"] = isolated(parse_case, PARSE_REPEATS)
    say("targets …")
    results["targets"] = isolated(targets_case, PARSE_REPEATS)
    say("ingestion (Word, PDF, web pages) …")
    results["ingest"] = isolated(ingest_case, INGEST_REPEATS)
    results["align"], results["difflib"] = [], []
    for n in sizes:
        say(f"align {n}×{n} …")
        results["align"].append({"n": n, **isolated(align_case, n, SEED)})
        say(f"difflib {n}×{n} (sampled) …")
        results["difflib"].append({"n": n, **isolated(difflib_case, n, SEED, BASELINE_SAMPLE_ROWS)})
    if large:
        say(f"a plan of {LARGE_PLAN_TASKS} tasks …")
        results["large_plan"] = isolated(large_plan_case, LARGE_PLAN_TASKS, SEED)
        say(f"a {LARGE_FILE_MB} MB text file …")
        results["large_file"] = isolated(large_file_case, LARGE_FILE_MB, SEED)
    if national:
        say("national corpus …")
        results["national"] = isolated(national_case, SEED)
    if incremental:
        results["incremental"] = incremental_cases(SEED, isolated, say)
    if dask:
        results["dask"] = dask_cases(SEED, dask_scales, say=say)
    if reports:
        say("reports …")
        results["reports"] = isolated(reports_case)
    results["goals"] = goals_met(results).to_dict(orient="records")
    results["failed"] = failed_cases(results)
    return results


def bench_page(results: dict) -> str:
    """``bench.html``: alignment cost against N (model and baseline) and the goals table."""
    import plotly.graph_objects as go

    from analysis.report import palette, plots

    plots.setup()
    align = pd.DataFrame([r for r in results["align"] if "failed" not in r], columns=["n", "seconds"])
    baseline = pd.DataFrame([r for r in results["difflib"] if "failed" not in r], columns=["n", "seconds"])
    figure = go.Figure()
    for frame, name, colour in (
        (align, "aligner", palette.RELATION_COLOURS["same"]),
        (baseline, "difflib best match (sampled, scaled)", palette.OTHER),
    ):
        figure.add_trace(
            go.Scatter(
                x=frame["n"],
                y=frame["seconds"],
                name=name,
                mode="lines+markers",
                marker_color=colour,
                hovertemplate="%{x} × %{x} tasks: %{y:.2f} s<extra>" + name + "</extra>",
            )
        )
    figure.update_layout(
        title="Aligning two plans of N tasks: seconds (log–log)",
        xaxis={"title": "N tasks per side", "type": "log"},
        yaxis={"title": "seconds", "type": "log"},
    )
    goals = goals_met(results)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Benchmarks</title></head><body style='font-family:sans-serif;"
        "max-width:1000px;margin:2em auto'><h1>Benchmarks</h1>"
        f"<p>{results['started']}, {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"workplan-analysis {results['version']}.</p><h2>Goals</h2>{goals.to_html(index=False)}"
        f"{figure.to_html(full_html=False, include_plotlyjs=True)}"
        f"<h2>All figures</h2><pre>{json.dumps(results, ensure_ascii=False, indent=1)}</pre></body></html>"
    )


def write(results: dict, out_dir: Path = REPORTS_DIR) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    storage.write_text(out_dir / "bench.json", json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    storage.write_text(out_dir / "bench.html", bench_page(results))
    return out_dir / "bench.json", out_dir / "bench.html"
