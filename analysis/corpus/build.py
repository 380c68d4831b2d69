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

import pandas as pd

from analysis import __version__, align, review, schema, storage
from analysis.align import coverage
from analysis.compare import duplicates
from analysis.compare import escalation as compare
from analysis.corpus import manifest
from analysis.corpus import scheduler as scheduling
from analysis.errors import UserError
from analysis.evaluate.tables import evaluation_tables
from analysis.parse import damage, metadata, structure
from analysis.parse.document import ParsedDocument, parse_document
from analysis.settings import (
    ALIGNMENT_CORRECTIONS_PATH,
    LEXICON_DIR,
    LINK_CONFIDENCE_PATH,
    MANIFEST_PATH,
    PROCESSED_DIR,
    TARGET_CORRECTIONS_PATH,
    AlignmentSettings,
    BuildSettings,
    DuplicateSettings,
)
from analysis.storage import write_table
from analysis.targets import compared_targets, extract, indicators

DOCUMENT_COLUMNS = schema.columns("documents")


def _count_units(tasks: pd.DataFrame, column: str) -> int:
    return len({u for cell in tasks[column] for u in cell.split(";") if u})


def extracted_text_path(doc_id: str) -> str:
    """Where a table set keeps the text extracted from a Word, PDF or HTML plan (relative to it)."""
    return f"texts/{doc_id}.txt"


def documents_table(docs: list[ParsedDocument], listed: pd.DataFrame, settings: DuplicateSettings) -> pd.DataFrame:
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
        return listed, run.map(_parse_listed, [(row,) for row in rows], "parse", keep=True, settings=settings)


def parsed_corpus(manifest_path: Path, settings: BuildSettings) -> dict[str, ParsedDocument]:
    """Every document of the manifest, parsed, by doc id: what the evaluations against the gold
    read."""
    return {doc.doc_id: doc for doc in parse_manifest(manifest_path, settings)[1]}


def _targets_of_document(doc: ParsedDocument, lexicon: pd.DataFrame, settings: BuildSettings) -> pd.DataFrame:
    return extract.targets_table(doc, lexicon, settings.targets)


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
            run.map(_targets_of_document, [(doc,) for doc in docs], "targets", lexicon=lexicon, settings=settings),
            ignore_index=True,
        )
    return extract.with_clean_values(found, documents, {d.doc_id: d.raw.text for d in docs}, settings.targets)


def planned_comparisons(listed: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The comparisons the manifest's links imply, damaged duplicate copies left out."""
    copies = set(documents.loc[documents["duplicate_of"].fillna("") != "", "doc_id"])
    return manifest.comparisons(listed, exclude=copies)


PLANS_PER_PROCESS = 128  # the plans a process keeps for its next comparisons (a batch needs fewer)


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


def _compare(
    plan: dict,
    source: ParsedDocument,
    target: ParsedDocument,
    targets: pd.DataFrame | None,
    settings: BuildSettings,
    link_model: align.LinkModel,
    link_fixes: pd.DataFrame | None,
    state: scheduling.ProcessState | scheduling.BuildState | None = None,
) -> tuple[dict[str, str], dict[str, pd.DataFrame]]:
    """A comparison's labels and tables (:meth:`analysis.align.PlanComparison.model_tables`);
    ``state`` keeps the plans (their features computed once per process) for the next
    comparisons of the build."""
    plans = state.get("plans", lambda: align.PlanCache(size=PLANS_PER_PROCESS)) if state is not None else None
    comparison = comparison_of(source, target, plan["kind"], targets, settings.alignment, link_model, link_fixes, plans)
    return comparison.labels(), comparison.model_tables()


def _stacked(stacks: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Stacks of comparisons' tables (:func:`analysis.align.stack_tables`'s) stacked in order."""
    return (
        align.stack_tables([])
        if not stacks
        else {name: pd.concat([stack[name] for stack in stacks], ignore_index=True) for name in align.COMPARISON_TABLES}
    )


def comparison_tables(
    comparisons: pd.DataFrame,
    docs: list[ParsedDocument],
    targets: pd.DataFrame | None,
    settings: BuildSettings,
    link_fixes: pd.DataFrame | None = None,
    workers: int | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> dict[str, pd.DataFrame]:
    """Alignments, clause matches, near misses and coverage of every comparison
    (:func:`comparison_of`), stacked with its id and kind (the reviewer's ``link_fixes`` applied:
    :func:`analysis.review.read_alignment_corrections`)."""
    plans = comparisons.to_dict(orient="records")
    by_id = {doc.doc_id: doc for doc in docs}
    calls = [(plan, by_id[plan["source_doc"]], by_id[plan["target_doc"]]) for plan in plans]
    with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
        stacks = run.map(  # stacked where they ran, a batch of comparisons at a time
            _compare,
            calls,
            "compare",
            state_as="state",
            targets=targets,
            settings=settings,
            link_model=align.LinkModel.load(LINK_CONFIDENCE_PATH),
            link_fixes=link_fixes,
            combine=align.stack_tables,
        )
    tables = _stacked(stacks)
    tables["coverage_indicators"] = coverage.indicator_comparison(tables["alignments"], targets, comparisons)
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
    gold_files: tuple[Path, ...] = (),
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
            "gold": {str(p): _sha256(p) for p in gold_files},
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
    When the manifest holds the plans the gold annotates, the evaluation against the gold is
    written with the tables (:mod:`analysis.evaluate.tables`; empty tables otherwise).

    The tables are written as one unit (:func:`analysis.storage.table_set`): a build that fails,
    or is killed, leaves the previous set complete; a second build writing into the same folder
    at the same time is refused (:class:`UserError`), and so is a full disk.
    """
    settings = settings or BuildSettings()
    out_dir = Path(PROCESSED_DIR if out_dir is None else out_dir)
    manifest_path = Path(MANIFEST_PATH if manifest_path is None else manifest_path)
    manifest.load_manifest(manifest_path)  # a bad manifest is refused before the output folder is touched
    reviewed = review.Corrections.read(
        ALIGNMENT_CORRECTIONS_PATH if alignment_corrections is None else alignment_corrections,
        TARGET_CORRECTIONS_PATH if target_corrections is None else target_corrections,
    )
    with storage.table_set(out_dir) as staged:
        with scheduling.session(scheduler, workers, min_items=settings.parallel_min_items) as run:
            listed, docs = parse_manifest(manifest_path, settings, workers, run)
            tables = build_tables(listed, docs, settings, reviewed, workers, run)
        evaluated, gold_files = evaluation_tables(docs, compared_targets(tables["targets"]), settings)
        for name, frame in evaluated.items():
            schema.check(name, frame)
        tables.update(evaluated)
        try:
            for name, frame in tables.items():
                write_table(frame, staged.folder, name)
            for doc in docs:  # offsets of a Word, PDF or web page's rows point into its extracted text
                if doc.format != "txt":
                    storage.write_text(staged.folder / extracted_text_path(doc.doc_id), doc.raw.text)
            record = build_record(
                staged.build_id, manifest_path, listed, staged.folder, settings, reviewed.files(), gold_files
            )
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
    settings: BuildSettings,
    reviewed: review.Corrections,
    workers: int | None = None,
    scheduler: str | scheduling.Session | None = None,
) -> dict[str, pd.DataFrame]:
    """Every processed table of the parsed corpus, by name, each checked against :mod:`analysis.schema`
    (the reviewer's ``reviewed`` decisions applied after the model)."""
    lexicon = indicators.load_lexicon()
    documents = documents_table(docs, listed, settings.duplicates)
    target_table, target_log = review.correct_targets(
        targets_of(docs, documents, lexicon, settings, workers, scheduler),
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
    tables.update(
        comparison_tables(planned, docs, compared_targets(target_table), settings, reviewed.links, workers, scheduler)
    )
    link_log = review.alignment_log(
        reviewed.links, planned, {d.doc_id: set(d.tasks["task_id"]) for d in docs}, reviewed.links_path
    )
    tables["corrections"] = review.log_table(link_log, target_log)
    for name, frame in tables.items():
        schema.check(name, frame)
    return tables
