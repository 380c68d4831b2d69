"""The pipeline: read → clean → structure for each document, then the corpus-wide tables.

``parse_document`` turns one file into its cleaned text and task table; ``build`` does this for
every document of the manifest and writes the processed tables as one unit (all of them, with a
``build.json`` naming the inputs, settings and every table's hash, or none: see
:func:`analysis.storage.table_set`). Every setting that changes the tables comes in one
:class:`analysis.settings.BuildSettings` (``None``: the defaults), handed down to each stage.
A build computes only what changed since the last one (:mod:`analysis.corpus.incremental`: a
content-keyed cache in ``<out>/.cache`` and the previous table set's rows); the tables are those
of a build from nothing, byte for byte.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from analysis import __version__, align, review, storage
from analysis.corpus import incremental, manifest
from analysis.corpus import scheduler as scheduling
from analysis.corpus.documents import extracted_text_path
from analysis.errors import UserError
from analysis.parse.document import ParsedDocument
from analysis.settings import (
    ALIGNMENT_CORRECTIONS_PATH,
    LEXICON_DIR,
    MANIFEST_PATH,
    PROCESSED_DIR,
    TARGET_CORRECTIONS_PATH,
    AlignmentSettings,
    BuildSettings,
    CacheSettings,
)
from analysis.targets import extract

# --- running over many documents: on Dask for a large corpus (analysis/corpus/scheduler.py) ---


def parse_manifest(
    manifest_path: Path,
    settings: BuildSettings,
    workers: int | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> tuple[pd.DataFrame, list[ParsedDocument]]:
    """The manifest and every document it lists, parsed (on Dask for a large corpus:
    ``scheduler`` and ``workers`` as in :func:`analysis.corpus.scheduler.session`)."""
    listed = manifest.load_manifest(manifest_path)
    rows = listed.to_dict(orient="records")
    with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
        return listed, run.map(incremental.parsed_plan, [(row,) for row in rows], "parse", keep=True, settings=settings)


def parsed_corpus(manifest_path: Path, settings: BuildSettings) -> dict[str, ParsedDocument]:
    """Every document of the manifest, parsed, by doc id: what the evaluations against the gold
    read."""
    return {doc.doc_id: doc for doc in parse_manifest(manifest_path, settings)[1]}


def targets_of(
    docs: list[ParsedDocument],
    documents: pd.DataFrame,
    lexicon: pd.DataFrame,
    settings: BuildSettings,
    workers: int | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> pd.DataFrame:
    """The targets of every document; a damaged duplicate's with the clean copy's values beside them."""
    with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
        found = pd.concat(
            run.map(incremental.model_targets, [(doc,) for doc in docs], "targets", lexicon=lexicon, settings=settings),
            ignore_index=True,
        )
    return extract.with_clean_values(found, documents, {d.doc_id: d.raw.text for d in docs}, settings.targets)


def comparison_of(
    source: ParsedDocument,
    target: ParsedDocument,
    kind: str,
    targets: pd.DataFrame | None,
    settings: AlignmentSettings,
    link_model: align.LinkModel,
    link_fixes: pd.DataFrame | None,
    plans: align.PlanCache | None = None,
) -> align.PlanComparison:
    """One comparison as the build makes it: the model's (:func:`analysis.align.compare_plans`,
    ``targets`` as the indicator signal), then the reviewer's link decisions ``link_fixes``
    applied (:func:`analysis.review.apply_link_decisions`). The ``align`` command and the
    notebooks' comparisons not in the tables are made by this function too."""
    model = align.compare_plans(source, target, kind, settings, link_model, targets, plans)
    return review.apply_link_decisions(model, link_fixes)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_record(
    build_id: str,
    manifest_path: Path,
    file_sha256: dict[str, str],
    listed: pd.DataFrame,
    folder: Path,
    settings: BuildSettings,
    corrections_files: tuple[Path, ...] = (),
    gold_files: tuple[Path, ...] = (),
) -> dict:
    """``build.json``: the build's id, the package version, the SHA-256 of every input (manifest,
    documents: ``file_sha256`` by doc id, lexicon), the settings and the SHA-256 of every table
    file written to ``folder``."""
    return {
        "build_id": build_id,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "package_version": __version__,
        "inputs": {
            "manifest": {"path": str(manifest_path), "sha256": _sha256(manifest_path)},
            "documents": {
                row["doc_id"]: {"file": row["file"], "sha256": file_sha256[row["doc_id"]]}
                for row in listed.to_dict(orient="records")
            },
            "lexicon": {p.name: _sha256(p) for p in sorted(Path(LEXICON_DIR).iterdir()) if p.is_file()},
            "corrections": {str(p): _sha256(p) for p in corrections_files},
            "gold": {str(p): _sha256(p) for p in gold_files},
        },
        "settings": settings.as_dict(),
        "tables": _digests(folder),
    }


def _digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file of ``folder`` but ``build.json``, by relative path (two files at
    a time: hashing a large buffer leaves the interpreter free)."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != storage.BUILD_RECORD]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((p.relative_to(folder).as_posix() for p in files), pool.map(_sha256, files)))


def _write_set(
    built: incremental.Built,
    staged: storage.StagedSet,
    store: incremental.BuildCache,
    manifest_path: Path,
    listed: pd.DataFrame,
    settings: BuildSettings,
    reviewed: review.Corrections,
) -> None:
    """Write the tables, the extracted texts and ``build.json`` into the staged set; record its
    index in the cache."""
    indexes = incremental.write_tables(built, staged.folder, store)
    for doc_id, text in built.extracted_texts.items():  # offsets of their rows point into it
        storage.write_text(staged.folder / extracted_text_path(doc_id), text)
    record = build_record(
        staged.build_id,
        manifest_path,
        built.file_sha256,
        listed,
        staged.folder,
        settings,
        reviewed.files(),
        built.gold_files,
    )
    storage.write_text(staged.folder / storage.BUILD_RECORD, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    store.finish(staged.build_id, indexes)


def build(
    out_dir: Path | None = None,
    manifest_path: Path | None = None,
    workers: int | None = None,
    settings: BuildSettings | None = None,
    alignment_corrections: Path | None = None,
    target_corrections: Path | None = None,
    scheduler: str | scheduling.Session | None = None,
    cache: CacheSettings | None = None,
    timings: dict[str, float] | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Parse every document of the manifest (``MANIFEST_PATH`` unless given) and write the
    processed tables into ``out_dir`` (``PROCESSED_DIR`` unless given).

    A large corpus is parsed, and its comparisons aligned, on Dask (``scheduler``: ``None`` decides
    by corpus size, ``'none'``, ``'local'``, ``'tcp://host:8786'`` or an open session; ``workers``:
    the local cluster's processes); the tables are the same whatever runs them. ``settings`` (the
    defaults if ``None``) reach every stage. Each table is checked against :mod:`analysis.schema`
    before any is written. The reviewer's corrections (``ALIGNMENT_CORRECTIONS_PATH``,
    ``TARGET_CORRECTIONS_PATH`` unless given; optional files) are applied after the model; the
    ``corrections`` table lists each. ``cache`` (the defaults if ``None``; ``enabled=False``:
    everything computed, the cache neither read nor written): what is unchanged since the last
    build is taken from ``<out>/.cache`` and the current table set (:mod:`analysis.corpus.incremental`).
    When the manifest holds the plans the gold annotates, the evaluation against the gold is
    written with the tables (:mod:`analysis.evaluate.tables`; empty tables otherwise; cached while
    those plans, the gold files and the settings are unchanged). ``timings``: filled with each
    stage's seconds. ``progress`` and ``log``: the progress bars and log lines of the session the
    build starts (:func:`analysis.corpus.scheduler.session`), which it stops once nothing more runs
    on it: a local cluster's workers are gone, with their memory, before the corpus tables are made
    and the tables written (a session given as ``scheduler`` stays open).

    The tables are written as one unit (:func:`analysis.storage.table_set`): a build that fails,
    or is killed, leaves the previous set complete; a second build writing into the same folder
    at the same time is refused (:class:`UserError`), and so is a full disk.
    """
    settings = settings or BuildSettings()
    out_dir = Path(PROCESSED_DIR if out_dir is None else out_dir)
    manifest_path = Path(MANIFEST_PATH if manifest_path is None else manifest_path)
    with contextlib.ExitStack() as computing:
        run = computing.enter_context(
            scheduling.session(scheduler, workers, progress, log, min_items=settings.parallel_min_items)
        )
        if _rows_at_least(manifest_path, scheduling.PROGRESS_MIN_ITEMS):  # checking it takes a while
            run.preparing("build: reading the manifest")
        with incremental.timed(timings, "manifest"):
            listed = manifest.load_manifest(manifest_path)  # refused before the output folder is touched
            reviewed = review.Corrections.read(
                ALIGNMENT_CORRECTIONS_PATH if alignment_corrections is None else alignment_corrections,
                TARGET_CORRECTIONS_PATH if target_corrections is None else target_corrections,
            )
        first = not out_dir.exists()
        with (
            storage.table_set(out_dir) as staged,
            incremental.BuildCache.opened(out_dir, cache or CacheSettings(), first) as store,
        ):
            # the session this build started stops once nothing more runs on it (a given one stays open)
            built = incremental.build_tables(listed, settings, reviewed, store, run, timings, computing.close)
            try:
                with incremental.timed(timings, "write"):
                    _write_set(built, staged, store, manifest_path, listed, settings, reviewed)
            except OSError as exc:
                raise UserError(
                    out_dir, f"cannot write the tables ({exc.strerror or exc}); the previous tables are unchanged"
                ) from None
            except UserError as exc:
                raise UserError(exc.where, f"{exc.problem}; the previous tables are unchanged") from None
    return built.tables


def _rows_at_least(path: Path, rows: int) -> bool:
    """Whether a CSV file has more than ``rows`` lines (False when it cannot be read: the build says why)."""
    try:
        with open(path, "rb") as handle:
            return sum(1 for _ in itertools.islice(handle, rows + 1)) > rows
    except OSError:
        return False
