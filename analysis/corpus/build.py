"""The pipeline: read → clean → structure for each document, then the corpus-wide tables.

``parse_document`` turns one file into its cleaned text and task table; ``build`` does this for
every document of the manifest and writes the processed tables atomically.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from analysis import align
from analysis.align import coverage
from analysis.compare import duplicates
from analysis.compare import escalation as compare
from analysis.corpus import manifest
from analysis.corpus import scheduler as scheduling
from analysis.parse import damage, metadata, structure
from analysis.parse.document import ParsedDocument, parse_document
from analysis.targets import extract as targets
from analysis.targets import indicators
from analysis.settings import MANIFEST_PATH, PROCESSED_DIR
from analysis.storage import write_table

DOCUMENT_COLUMNS = [
    "doc_id", "file", "sha256", "encoding", "title", "title_source", "issuer", "issuer_source",
    "doc_number", "doc_number_source", "date", "date_source", "region", "level", "year", "parent",
    "previous", "n_chars", "n_parts", "n_sections", "n_items", "n_tasks", "n_lead_units", "n_responsible_units",
    "damage_events", "damage_replacement_chars", "damage_html_remnants", "damage_broken_markers",
    "damage_per_1k_chars", "damaged_task_share", "duplicate_of", "duplicate_similarity",
]


def _count_units(tasks: pd.DataFrame, column: str) -> int:
    return len({u for cell in tasks[column] for u in cell.split(";") if u})


def documents_table(docs: list[ParsedDocument], listed: pd.DataFrame) -> pd.DataFrame:
    """One row per document: metadata (with sources), structure counts, damage, duplicates."""
    rows = []
    declarations = {row["doc_id"]: row for row in listed.to_dict(orient="records")}
    for doc in docs:
        declared = declarations[doc.doc_id]
        tasks = doc.tasks
        row = {
            "doc_id": doc.doc_id,
            "file": declared["file"],
            "sha256": hashlib.sha256(doc.raw.path.read_bytes()).hexdigest(),
            "encoding": doc.raw.encoding,
            **metadata.merge_metadata(metadata.extract_metadata(doc.printed_matter()), declared),
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
        [d.doc_id for d in docs], [d.clean.text for d in docs], list(frame["damage_per_1k_chars"])
    )
    frame = frame.merge(copies, on="doc_id", how="left")
    return frame[DOCUMENT_COLUMNS]


# --- running over many documents: on Dask for a large corpus (analysis/corpus/scheduler.py) ---


def _parse_listed(row: dict) -> ParsedDocument:
    doc = parse_document(row["path"], row["doc_id"])
    structure.require_tasks(doc.tasks, doc.outline, f"{row['path']} ({row['doc_id']})")  # never a build of 0 tasks
    return doc


def parse_manifest(manifest_path: Path = MANIFEST_PATH, workers: int | None = None,
                   scheduler: str | scheduling.Session | None = None) -> tuple[pd.DataFrame, list[ParsedDocument]]:
    """The manifest and every document it lists, parsed (on Dask for a large corpus: ``scheduler``
    and ``workers`` as in :func:`analysis.corpus.scheduler.session`)."""
    listed = manifest.load_manifest(manifest_path)
    rows = listed.to_dict(orient="records")
    with scheduling.session(scheduler, workers) as run:
        return listed, run.map(_parse_listed, [(row,) for row in rows], "parse", keep=True)


def targets_of(docs: list[ParsedDocument], documents: pd.DataFrame, lexicon: pd.DataFrame,
               workers: int | None = None, scheduler: str | scheduling.Session | None = None) -> pd.DataFrame:
    """The targets of every document; a damaged duplicate's with the clean copy's values beside them."""
    with scheduling.session(scheduler, workers) as run:
        found = pd.concat(run.map(targets.targets_table, [(doc,) for doc in docs], "targets", lexicon=lexicon),
                          ignore_index=True)
    return targets.with_clean_values(found, documents, {d.doc_id: d.raw.text for d in docs})


def planned_comparisons(listed: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The comparisons the manifest's links imply, damaged duplicate copies left out."""
    copies = set(documents.loc[documents["duplicate_of"].fillna("") != "", "doc_id"])
    return manifest.comparisons(listed, exclude=copies)


COMPARISON_TABLE_COLUMNS = {
    "alignments": ["comparison_id", "kind", *align.TASK_DETAIL_COLUMNS],
    "alignment_clauses": ["comparison_id", "kind", *align.CLAUSE_MATCH_COLUMNS],
    "coverage": coverage.SUMMARY_COLUMNS,
    "coverage_tasks": coverage.TASK_COVERAGE_COLUMNS,
}


PLANS_PER_PROCESS = 128  # the plans a process keeps for its next comparisons (a batch needs fewer)


def _compare(plan: dict, source: ParsedDocument, target: ParsedDocument, indicators: pd.DataFrame | None = None,
             state: scheduling.ProcessState | scheduling.BuildState | None = None) -> dict[str, pd.DataFrame]:
    """The tables of one comparison; ``state`` keeps the plans (their features computed once per
    process) for the next comparisons of the build."""
    plans = state.get("plans", lambda: align.PlanCache(size=PLANS_PER_PROCESS)) if state is not None else None
    result = align.align(align.Comparison.of(source, target, indicators, plans), plan["kind"])
    label = {"comparison_id": plan["comparison_id"], "kind": plan["kind"]}
    tasks = coverage.task_coverage(result.alignments, source.tasks, target.tasks, plan["comparison_id"], plan["kind"])
    return {
        "alignments": align.with_task_details(result.alignments, source.tasks, target.tasks).assign(**label),
        "alignment_clauses": result.clause_matches.assign(**label),
        "coverage_tasks": tasks,
        "coverage": coverage.coverage_summary(tasks, source.tasks, target.tasks, plan["comparison_id"], plan["kind"]),
    }


def comparison_tables(comparisons: pd.DataFrame, docs: list[ParsedDocument], indicators: pd.DataFrame | None = None,
                      workers: int | None = None,
                      scheduler: str | scheduling.Session | None = None) -> dict[str, pd.DataFrame]:
    """Alignments, clause matches and coverage of every comparison, stacked with its id and kind."""
    plans = comparisons.to_dict(orient="records")
    by_id = {doc.doc_id: doc for doc in docs}
    calls = [(plan, by_id[plan["source_doc"]], by_id[plan["target_doc"]]) for plan in plans]
    with scheduling.session(scheduler, workers) as run:
        results = run.map(_compare, calls, "compare", state_as="state", indicators=indicators)
    tables = {}
    for name, columns in COMPARISON_TABLE_COLUMNS.items():
        frames = [r[name] for r in results]
        tables[name] = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    tables["coverage_indicators"] = coverage.indicator_comparison(tables["alignments"], indicators, comparisons)
    return tables


def build(out_dir: Path = PROCESSED_DIR, manifest_path: Path = MANIFEST_PATH,
          workers: int | None = None, scheduler: str | scheduling.Session | None = None) -> dict[str, pd.DataFrame]:
    """Parse every document of the manifest and write the processed tables into ``out_dir``.

    A large corpus is parsed, and its comparisons aligned, on Dask (``scheduler``: ``None`` decides
    by corpus size, ``'none'``, ``'local'``, ``'tcp://host:8786'`` or an open session; ``workers``:
    the local cluster's processes); the tables are the same whatever runs them.
    """
    with scheduling.session(scheduler, workers) as run:
        listed, docs = parse_manifest(manifest_path, workers, run)
        lexicon = indicators.load_lexicon()
        documents = documents_table(docs, listed)
        target_table = targets_of(docs, documents, lexicon, workers, run)
        tables = {
            "documents": documents,
            "tasks": pd.concat([d.tasks for d in docs], ignore_index=True),
            "targets": target_table,
            "escalation": compare.escalation_table(target_table, documents, lexicon),
        }
        tables.update(comparison_tables(planned_comparisons(listed, documents), docs, target_table, workers, run))
    for name, frame in tables.items():
        write_table(frame, Path(out_dir), name)
    return tables

