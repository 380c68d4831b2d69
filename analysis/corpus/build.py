"""The pipeline: read → clean → structure for each document, then the corpus-wide tables.

``parse_document`` turns one file into its cleaned text and task table; ``build`` does this for
every document of the manifest and writes the processed tables as one unit (all of them, with a
``build.json`` naming the inputs, settings and every table's hash, or none: see
:func:`analysis.storage.table_set`). Every setting that changes the tables comes in one
:class:`analysis.settings.BuildSettings` (``None``: the defaults), handed down to each stage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import __version__, align, schema, storage
from analysis.align import confidence, coverage
from analysis.compare import duplicates
from analysis.compare import escalation as compare
from analysis.corpus import corrections, manifest
from analysis.corpus import scheduler as scheduling
from analysis.errors import UserError
from analysis.parse import damage, metadata, structure
from analysis.parse.document import ParsedDocument, parse_document
from analysis.settings import (
    ALIGNMENT_CORRECTIONS_PATH,
    LEXICON_DIR,
    LINK_CONFIDENCE_PATH,
    MANIFEST_PATH,
    PROCESSED_DIR,
    TARGET_CORRECTIONS_PATH,
    BuildSettings,
    DuplicateSettings,
)
from analysis.storage import write_table
from analysis.targets import extract as targets
from analysis.targets import indicators

DOCUMENT_COLUMNS = schema.columns("documents")


def _count_units(tasks: pd.DataFrame, column: str) -> int:
    return len({u for cell in tasks[column] for u in cell.split(";") if u})


def extracted_text_path(doc_id: str) -> str:
    """Where a table set keeps the text extracted from a Word, PDF or HTML plan (relative to it)."""
    return f"texts/{doc_id}.txt"


def documents_table(
    docs: list[ParsedDocument], listed: pd.DataFrame, settings: DuplicateSettings | None = None
) -> pd.DataFrame:
    """One row per document: metadata (with sources), structure counts, damage, duplicates."""
    rows = []
    declarations = {str(row["doc_id"]): {str(k): v for k, v in row.items()} for row in listed.to_dict(orient="records")}
    for doc in docs:
        declared = declarations[doc.doc_id]
        tasks = doc.tasks
        row = {
            "doc_id": doc.doc_id,
            "file": declared["file"],
            "sha256": hashlib.sha256(doc.raw.path.read_bytes()).hexdigest(),
            "encoding": doc.raw.encoding,
            "format": doc.format,
            "extracted_text": "" if doc.format == "txt" else extracted_text_path(doc.doc_id),
            **metadata.merge_metadata(
                metadata.extract_metadata(doc.printed_matter()),
                {name: str(declared[name]) for name in metadata.METADATA_FIELDS},
            ),
            "region": declared["region"],
            "level": declared["level"],
            "year": int(declared["year"]),
            "parent": declared["parent"],
            "previous": declared["previous"],
            "n_chars": len(doc.raw.text),
            **{f"n_{level}s": n for level, n in structure.count_blocks(doc.outline).items()},
            "n_tasks": len(tasks),
            "n_lead_units": _count_units(tasks, "lead_units"),
            "n_responsible_units": _count_units(tasks, "responsible_units"),
            **damage.damage_summary(doc.clean, tasks),
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    copies = duplicates.near_duplicates(
        [d.doc_id for d in docs],
        [d.clean.text for d in docs],
        list(frame["damage_per_1k_chars"]),
        settings,
        {doc_id: row.get("duplicate_of", "") for doc_id, row in declarations.items()},
    )
    frame = frame.merge(copies, on="doc_id", how="left")
    return frame[DOCUMENT_COLUMNS]


# --- running over many documents: on Dask for a large corpus (analysis/corpus/scheduler.py) ---


def _parse_listed(row: dict, settings: BuildSettings) -> ParsedDocument:
    doc = parse_document(row["file_path"], row["doc_id"], settings.parse)
    structure.require_tasks(doc.tasks, doc.outline, f"{row['file_path']} ({row['doc_id']})")  # never a build of 0 tasks
    return doc


def parse_manifest(
    manifest_path: Path | None = None,
    workers: int | None = None,
    settings: BuildSettings | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> tuple[pd.DataFrame, list[ParsedDocument]]:
    """The manifest (``MANIFEST_PATH`` unless given) and every document it lists, parsed (on Dask
    for a large corpus: ``scheduler`` and ``workers`` as in :func:`analysis.corpus.scheduler.session`)."""
    settings = settings or BuildSettings()
    listed = manifest.load_manifest(MANIFEST_PATH if manifest_path is None else manifest_path)
    rows = listed.to_dict(orient="records")
    with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
        return listed, run.map(_parse_listed, [(row,) for row in rows], "parse", keep=True, settings=settings)


def parsed_corpus(manifest_path: Path | None = None) -> dict[str, ParsedDocument]:
    """Every document of the manifest (``MANIFEST_PATH`` unless given), parsed, by doc id: what the
    evaluations against the gold read."""
    return {doc.doc_id: doc for doc in parse_manifest(manifest_path)[1]}


def _targets_of_document(doc: ParsedDocument, lexicon: pd.DataFrame, settings: BuildSettings) -> pd.DataFrame:
    return targets.targets_table(doc, lexicon, settings.targets)


def targets_of(
    docs: list[ParsedDocument],
    documents: pd.DataFrame,
    lexicon: pd.DataFrame,
    workers: int | None = None,
    settings: BuildSettings | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> pd.DataFrame:
    """The targets of every document; a damaged duplicate's with the clean copy's values beside them."""
    settings = settings or BuildSettings()
    with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
        found = pd.concat(
            run.map(_targets_of_document, [(doc,) for doc in docs], "targets", lexicon=lexicon, settings=settings),
            ignore_index=True,
        )
    return targets.with_clean_values(found, documents, {d.doc_id: d.raw.text for d in docs}, settings.targets)


def planned_comparisons(listed: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The comparisons the manifest's links imply, damaged duplicate copies left out."""
    copies = set(documents.loc[documents["duplicate_of"].fillna("") != "", "doc_id"])
    return manifest.comparisons(listed, exclude=copies)


COMPARISON_TABLE_COLUMNS = {
    name: schema.columns(name)
    for name in ("alignments", "alignment_clauses", "near_misses", "coverage", "coverage_tasks")
}


PLANS_PER_PROCESS = 128  # the plans a process keeps for its next comparisons (a batch needs fewer)


def _compare(
    plan: dict,
    source: ParsedDocument,
    target: ParsedDocument,
    indicators: pd.DataFrame | None,
    settings: BuildSettings,
    link_model: confidence.LinkModel,
    link_fixes: pd.DataFrame | None,
    state: scheduling.ProcessState | scheduling.BuildState | None = None,
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The comparison (its row of the comparisons table) and its tables, without the columns
    :func:`_labelled` fills in; ``state`` keeps the plans (their features computed once per
    process) for the next comparisons of the build."""
    plans = state.get("plans", lambda: align.PlanCache(size=PLANS_PER_PROCESS)) if state is not None else None
    comparison = align.Comparison.of(source, target, indicators, plans, settings.alignment)
    result = align.align(comparison, plan["kind"])
    found, missed = corrections.reviewed_alignment(
        result,
        link_model,
        link_fixes,
        plan["kind"],
        source.tasks["task_id"],
        target.tasks["task_id"],
        settings.alignment.near_miss_min,
    )
    rows, cols = missed.pop("source_index").to_numpy(), missed.pop("target_index").to_numpy()
    tasks = coverage.task_coverage(found, source.tasks, target.tasks, plan["comparison_id"], plan["kind"])
    return plan, {
        "alignments": align.with_task_details(found, source.tasks, target.tasks).assign(
            confidence=found["confidence"].to_numpy(), decided_by=found["decided_by"].to_numpy()
        ),
        "alignment_clauses": corrections.correct_clause_matches(result.clause_matches, found),
        "near_misses": missed.assign(
            evidence=align.shared_evidence(comparison, rows, cols),
            source_heading=source.tasks["heading"].to_numpy(dtype=object)[rows],
            target_heading=target.tasks["heading"].to_numpy(dtype=object)[cols],
        ),
        "coverage_tasks": tasks,
        "coverage": coverage.coverage_summary(tasks, source.tasks, target.tasks, plan["comparison_id"], plan["kind"]),
    }


# Columns of one value per comparison (from its row of the comparisons table), filled in for a
# stack of comparisons at once: cheaper than a column of a repeated string per comparison.
PER_COMPARISON_COLUMNS = {
    "alignments": ("comparison_id", "kind"),
    "alignment_clauses": ("comparison_id", "kind"),
    "near_misses": ("comparison_id", "kind", "source_doc", "target_doc"),
}


def _labelled(results: list[tuple[dict, dict[str, pd.DataFrame]]]) -> dict[str, pd.DataFrame]:
    """The tables of several comparisons (:func:`_compare`'s results) stacked in order, with
    their :data:`PER_COMPARISON_COLUMNS`."""
    if not results:
        return _stacked([])
    tables = {}
    for name, columns in COMPARISON_TABLE_COLUMNS.items():
        stack = pd.concat([found[name] for _, found in results], ignore_index=True)
        sizes = [len(found[name]) for _, found in results]
        for label in PER_COMPARISON_COLUMNS.get(name, ()):
            values = np.array([plan[label] for plan, _ in results], dtype=object)
            stack[label] = pd.array(np.repeat(values, sizes), dtype="str")  # typed: a stack may have no rows
        tables[name] = stack[columns]
    return tables


def _stacked(stacks: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Stacks of comparisons' tables (:func:`_labelled`'s) stacked in order."""
    return {
        name: pd.concat([stack[name] for stack in stacks], ignore_index=True)
        if stacks
        else pd.DataFrame(columns=columns)
        for name, columns in COMPARISON_TABLE_COLUMNS.items()
    }


def comparison_tables(
    comparisons: pd.DataFrame,
    docs: list[ParsedDocument],
    indicators: pd.DataFrame | None = None,
    workers: int | None = None,
    settings: BuildSettings | None = None,
    link_fixes: pd.DataFrame | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> dict[str, pd.DataFrame]:
    """Alignments, clause matches and coverage of every comparison, stacked with its id and kind
    (the reviewer's ``link_fixes`` applied: :func:`corrections.read_alignment_corrections`)."""
    settings = settings or BuildSettings()
    plans = comparisons.to_dict(orient="records")
    by_id = {doc.doc_id: doc for doc in docs}
    calls = [(plan, by_id[plan["source_doc"]], by_id[plan["target_doc"]]) for plan in plans]
    with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
        stacks = run.map(  # stacked where they ran, a batch of comparisons at a time
            _compare,
            calls,
            "compare",
            state_as="state",
            indicators=indicators,
            settings=settings,
            link_model=confidence.LinkModel.load(LINK_CONFIDENCE_PATH),
            link_fixes=link_fixes,
            combine=_labelled,
        )
    tables = _stacked(stacks)
    tables["coverage_indicators"] = coverage.indicator_comparison(tables["alignments"], indicators, comparisons)
    return tables


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_record(
    build_id: str,
    manifest_path: Path,
    listed: pd.DataFrame,
    folder: Path,
    settings: BuildSettings,
    corrections_files: tuple[Path, ...] = (),
) -> dict:
    """``build.json``: the build's id, the package version, the SHA-256 of every input (manifest,
    documents, lexicon), the settings and the SHA-256 of every table file written to ``folder``."""
    return {
        "build_id": build_id,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "package_version": __version__,
        "inputs": {
            "manifest": {"path": str(manifest_path), "sha256": _sha256(manifest_path)},
            "documents": {
                row["doc_id"]: {"file": row["file"], "sha256": _sha256(row[manifest.FILE_PATH])}
                for row in listed.to_dict(orient="records")
            },
            "lexicon": {p.name: _sha256(p) for p in sorted(Path(LEXICON_DIR).iterdir()) if p.is_file()},
            "corrections": {str(p): _sha256(p) for p in corrections_files},
        },
        "settings": settings.as_dict(),
        "tables": {
            p.relative_to(folder).as_posix(): _sha256(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != storage.BUILD_RECORD
        },
    }


def build(
    out_dir: Path | None = None,
    manifest_path: Path | None = None,
    workers: int | None = None,
    settings: BuildSettings | None = None,
    alignment_corrections: Path | None = None,
    target_corrections: Path | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> dict[str, pd.DataFrame]:
    """Parse every document of the manifest (``MANIFEST_PATH`` unless given) and write the
    processed tables into ``out_dir`` (``PROCESSED_DIR`` unless given).

    A large corpus is parsed, and its comparisons aligned, on Dask (``scheduler``: ``None`` decides
    by corpus size, ``'none'``, ``'local'``, ``'tcp://host:8786'`` or an open session; ``workers``:
    the local cluster's processes); the tables are the same whatever runs them. ``settings`` (the defaults if ``None``) reach every
    stage. Each table is checked against :mod:`analysis.schema` before any is written. The
    reviewer's corrections (``ALIGNMENT_CORRECTIONS_PATH``, ``TARGET_CORRECTIONS_PATH`` unless
    given; optional files) are applied after the model; the ``corrections`` table lists each.

    The tables are written as one unit (:func:`analysis.storage.table_set`): a build that fails,
    or is killed, leaves the previous set complete; a second build writing into the same folder
    at the same time is refused (:class:`UserError`), and so is a full disk.
    """
    settings = settings or BuildSettings()
    out_dir = Path(PROCESSED_DIR if out_dir is None else out_dir)
    manifest_path = Path(MANIFEST_PATH if manifest_path is None else manifest_path)
    manifest.load_manifest(manifest_path)  # a bad manifest is refused before the output folder is touched
    reviewed = corrections.Corrections.read(
        ALIGNMENT_CORRECTIONS_PATH if alignment_corrections is None else alignment_corrections,
        TARGET_CORRECTIONS_PATH if target_corrections is None else target_corrections,
    )
    with storage.table_set(out_dir) as staged:
        with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
            listed, docs = parse_manifest(manifest_path, workers, settings, run)
            tables = build_tables(listed, docs, workers, settings, reviewed, run)
        try:
            for name, frame in tables.items():
                write_table(frame, staged.folder, name)
            for doc in docs:  # offsets of a Word, PDF or web page's rows point into its extracted text
                if doc.format != "txt":
                    storage.write_text(staged.folder / extracted_text_path(doc.doc_id), doc.raw.text)
            record = build_record(staged.build_id, manifest_path, listed, staged.folder, settings, reviewed.files())
            storage.write_text(
                staged.folder / storage.BUILD_RECORD, json.dumps(record, ensure_ascii=False, indent=1) + "\n"
            )
        except OSError as exc:
            raise UserError(
                out_dir, f"cannot write the tables ({exc.strerror or exc}); the previous tables are unchanged"
            ) from None
        except UserError as exc:
            raise UserError(exc.where, f"{exc.problem}; the previous tables are unchanged") from None
    return tables


def build_tables(
    listed: pd.DataFrame,
    docs: list[ParsedDocument],
    workers: int | None,
    settings: BuildSettings,
    reviewed: corrections.Corrections | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> dict[str, pd.DataFrame]:
    """Every processed table of the parsed corpus, by name, each checked against :mod:`analysis.schema`
    (the reviewer's corrections applied after the model; none when ``reviewed`` is None)."""
    reviewed = reviewed or corrections.Corrections.none()
    lexicon = indicators.load_lexicon()
    documents = documents_table(docs, listed, settings.duplicates)
    target_table, target_log = corrections.correct_targets(
        targets_of(docs, documents, lexicon, workers, settings, scheduler),
        reviewed.targets,
        lexicon,
        reviewed.targets_path,
    )
    tables = {
        "documents": documents,
        "tasks": pd.concat([d.tasks for d in docs], ignore_index=True),
        "targets": target_table,
        "escalation": compare.escalation_table(target_table, documents, lexicon),
    }
    planned = planned_comparisons(listed, documents)
    tables.update(comparison_tables(planned, docs, target_table, workers, settings, reviewed.links, scheduler))
    link_log = corrections.alignment_log(
        reviewed.links, planned, {d.doc_id: set(d.tasks["task_id"]) for d in docs}, reviewed.links_path
    )
    tables["corrections"] = corrections.log_table(link_log, target_log)
    for name, frame in tables.items():
        schema.check(name, frame.columns)
    return tables
