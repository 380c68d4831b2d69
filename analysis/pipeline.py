"""The pipeline: read → clean → structure for each document, then the corpus-wide tables.

``parse_document`` turns one file into its cleaned text and task table; ``build`` does this for
every document of the manifest and writes the processed tables atomically.
"""
from __future__ import annotations

import concurrent.futures
import gc
import hashlib
import multiprocessing
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import align, clean, compare, coverage, indicators, manifest, metadata, quality, read, structure, targets
from analysis.errors import UserError
from analysis.settings import MANIFEST_PATH, PARALLEL_MIN_ITEMS, PROCESSED_DIR
from analysis.storage import write_table

_DOC_ID_UNSAFE = re.compile(r"[^0-9A-Za-z_\-\u4e00-\u9fff]+")

DOCUMENT_COLUMNS = [
    "doc_id", "file", "sha256", "encoding", "title", "title_source", "issuer", "issuer_source",
    "doc_number", "doc_number_source", "date", "date_source", "region", "level", "year", "parent",
    "previous", "n_chars", "n_parts", "n_sections", "n_items", "n_tasks", "n_lead_units", "n_responsible_units",
    "damage_events", "damage_replacement_chars", "damage_html_remnants", "damage_broken_markers",
    "damage_per_1k_chars", "damaged_task_share", "duplicate_of", "duplicate_similarity",
]


@dataclass(frozen=True)
class ParsedDocument:
    """One document after read → clean → structure."""

    doc_id: str
    raw: read.RawDocument
    clean: clean.CleanDocument
    outline: structure.Outline
    spans: list[structure.TaskSpan]  # spans[i] is the clean-text span of tasks row i
    tasks: pd.DataFrame

    def printed_matter(self) -> list[str]:
        """The paragraphs around the plan's blocks: front matter, then back matter."""
        return [self.clean.text[s:e] for s, e in self.outline.front_matter + self.outline.back_matter]


def doc_id_for(path: Path | str) -> str:
    """A document id from a file name (for files outside the manifest)."""
    return _DOC_ID_UNSAFE.sub("_", Path(path).stem).strip("_") or "document"


def parse_document(path: Path | str, doc_id: str | None = None) -> ParsedDocument:
    return parse_raw(read.read_document(path), doc_id or doc_id_for(path))


def parse_raw(raw: read.RawDocument, doc_id: str) -> ParsedDocument:
    """Clean and structure an already decoded document."""
    cleaned = clean.clean(raw.text)
    outline = structure.parse_blocks(cleaned)
    spans = structure.task_spans(cleaned, outline)
    return ParsedDocument(doc_id, raw, cleaned, outline, spans, structure.tasks_table(cleaned, doc_id, spans))


# Scope words of a plan's title (全省生态环境工作要点) and the level they name.
SCOPE_LEVELS = {"全国": "national", "全省": "province", "全市": "city", "全州": "city", "全县": "county", "全区": "district"}
_ISSUER_SUFFIX = re.compile(r"(生态环境厅|生态环境局|生态环境保护局|环境保护局|环境保护厅)$")


def manifest_doc_id(path: Path | str, manifest_path: Path = MANIFEST_PATH) -> str | None:
    """The manifest's doc id of a file, if the manifest lists it."""
    if not Path(manifest_path).is_file():
        return None
    target = Path(path).resolve()
    listed = manifest.load_manifest(manifest_path)
    hits = listed.loc[listed["path"] == str(target), "doc_id"]
    return hits.iloc[0] if len(hits) else None


def resolve_document(reference: str, manifest_path: Path = MANIFEST_PATH) -> tuple[Path, str, dict | None]:
    """A file path or a manifest doc id → (path, doc id, its manifest row or None).

    A file inside the manifest gets the manifest's doc id (as ``tasks`` gives it); a file
    outside it an id from its name.
    """
    listed = manifest.load_manifest(manifest_path) if Path(manifest_path).is_file() else None
    path = Path(reference)
    if listed is not None:
        by_path = listed[listed["path"] == str(path.resolve())] if path.exists() else listed.iloc[0:0]
        by_id = listed[listed["doc_id"] == reference] if by_path.empty else by_path
        if len(by_id):
            row = by_id.iloc[0].to_dict()
            return Path(row["path"]), row["doc_id"], row
    if not path.exists():
        raise UserError(reference, "no such file, and not a doc id of the manifest")
    return path, doc_id_for(path), None


def document_profile(doc: ParsedDocument, row: dict | None) -> tuple[str | None, str | None]:
    """(level, region) of a document: from its manifest row, else from its title and issuer."""
    if row is not None:
        return row["level"], row["region"]
    printed = metadata.extract_metadata(doc.printed_matter())
    title = printed.get("title", "")
    level = next((lv for word, lv in SCOPE_LEVELS.items() if word in title), None)
    issuer = _ISSUER_SUFFIX.sub("", printed.get("issuer", ""))
    return level, (issuer if len(issuer) > 1 else None)


def comparison_kind(source_id: str, source_row: dict | None, target_id: str, target_row: dict | None,
                    profiles: tuple[tuple, tuple], requested: str | None = None) -> str:
    """``year`` or ``level``: from the manifest's links when it links the two plans, else the
    requested kind, else inferred (same level and region → year, otherwise level)."""
    linked = None
    if source_row is not None and target_row is not None:
        if target_id in (source_row["previous"], source_row["parent"]):
            raise UserError(source_id, f"the manifest links {target_id} → {source_id}: give the parent or earlier plan first")
        linked = {target_row["previous"]: "year", target_row["parent"]: "level"}.get(source_id)
    if linked and requested and requested != linked:
        raise UserError(target_id, f"the manifest links it to {source_id} as a {linked} comparison, not {requested}")
    if linked or requested:
        return linked or requested
    (source_level, source_region), (target_level, target_region) = profiles
    same_region = source_region is None or target_region is None or source_region == target_region
    return "year" if source_level is not None and source_level == target_level and same_region else "level"


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
            **quality.damage_summary(doc.clean, tasks),
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    duplicates = quality.near_duplicates(
        [d.doc_id for d in docs], [d.clean.text for d in docs], list(frame["damage_per_1k_chars"])
    )
    frame = frame.merge(duplicates, on="doc_id", how="left")
    return frame[DOCUMENT_COLUMNS]


# --- running over many documents: in forked worker processes when the corpus is large ----------

_SHARED: dict[str, object] = {}  # what forked workers read (inherited, copy-on-write, not pickled)


def default_workers(items: int) -> int:
    """Processes for ``items`` pieces of work: one below ``PARALLEL_MIN_ITEMS``, else every CPU."""
    return 1 if items < PARALLEL_MIN_ITEMS else max(1, os.cpu_count() or 1)


def _in_parallel(function, count: int, workers: int, **shared) -> list:
    """``[function(i) for i in range(count)]``, in forked processes when ``workers`` > 1.

    ``shared`` objects are set in :data:`_SHARED` before the fork, so workers read them without
    their being pickled; results come back in order (the output does not depend on ``workers``).
    """
    _SHARED.update(shared)
    try:
        if workers <= 1 or count < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return [function(i) for i in range(count)]
        context = multiprocessing.get_context("fork")
        gc.freeze()  # the shared objects: never scanned by the workers' collector, never copied by it
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(function, range(count), chunksize=max(1, count // (8 * workers))))
    finally:
        gc.unfreeze()
        for name in shared:
            _SHARED.pop(name, None)


def _parse_listed(index: int) -> ParsedDocument:
    row = _SHARED["listed"][index]
    doc = parse_document(row["path"], row["doc_id"])
    structure.require_tasks(doc.tasks, doc.outline, f"{row['path']} ({row['doc_id']})")  # never a build of 0 tasks
    return doc


def parse_manifest(manifest_path: Path = MANIFEST_PATH, workers: int | None = None) -> tuple[pd.DataFrame, list[ParsedDocument]]:
    """The manifest and every document it lists, parsed (in parallel for a large corpus)."""
    listed = manifest.load_manifest(manifest_path)
    rows = listed.to_dict(orient="records")
    workers = default_workers(len(rows)) if workers is None else workers
    return listed, _in_parallel(_parse_listed, len(rows), workers, listed=rows)


def _targets_of_document(index: int) -> pd.DataFrame:
    return targets.targets_table(_SHARED["docs"][index], _SHARED["lexicon"])


def targets_of(docs: list[ParsedDocument], documents: pd.DataFrame, lexicon: pd.DataFrame,
               workers: int | None = None) -> pd.DataFrame:
    """The targets of every document; a damaged duplicate's with the clean copy's values beside them."""
    workers = default_workers(len(docs)) if workers is None else workers
    found = pd.concat(_in_parallel(_targets_of_document, len(docs), workers, docs=docs, lexicon=lexicon),
                      ignore_index=True)
    return targets.with_clean_values(found, documents, {d.doc_id: d.raw.text for d in docs})


def planned_comparisons(listed: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The comparisons the manifest's links imply, damaged duplicate copies left out."""
    duplicates = set(documents.loc[documents["duplicate_of"].fillna("") != "", "doc_id"])
    return manifest.comparisons(listed, exclude=duplicates)


COMPARISON_TABLE_COLUMNS = {
    "alignments": ["comparison_id", "kind", *align.TASK_DETAIL_COLUMNS],
    "alignment_clauses": ["comparison_id", "kind", *align.CLAUSE_MATCH_COLUMNS],
    "coverage": coverage.SUMMARY_COLUMNS,
    "coverage_tasks": coverage.TASK_COVERAGE_COLUMNS,
}


def _compare(index: int) -> dict[str, pd.DataFrame]:
    """The tables of one comparison (``_SHARED``: the comparisons, documents by id, indicators)."""
    plan = _SHARED["comparisons"][index]
    by_id = _SHARED["by_id"]
    source, target = by_id[plan["source_doc"]], by_id[plan["target_doc"]]
    result = align.align(align.Comparison.of(source, target, _SHARED["indicators"]), plan["kind"])
    label = {"comparison_id": plan["comparison_id"], "kind": plan["kind"]}
    tasks = coverage.task_coverage(result.alignments, source.tasks, target.tasks, plan["comparison_id"], plan["kind"])
    return {
        "alignments": align.with_task_details(result.alignments, source.tasks, target.tasks).assign(**label),
        "alignment_clauses": result.clause_matches.assign(**label),
        "coverage_tasks": tasks,
        "coverage": coverage.coverage_summary(tasks, source.tasks, target.tasks, plan["comparison_id"], plan["kind"]),
    }


def comparison_tables(comparisons: pd.DataFrame, docs: list[ParsedDocument],
                      indicators: pd.DataFrame | None = None, workers: int | None = None) -> dict[str, pd.DataFrame]:
    """Alignments, clause matches and coverage of every comparison, stacked with its id and kind."""
    plans = comparisons.to_dict(orient="records")
    workers = default_workers(len(plans)) if workers is None else workers
    results = _in_parallel(_compare, len(plans), workers, comparisons=plans,
                           by_id={doc.doc_id: doc for doc in docs}, indicators=indicators)
    tables = {}
    for name, columns in COMPARISON_TABLE_COLUMNS.items():
        frames = [r[name] for r in results]
        tables[name] = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    tables["coverage_indicators"] = coverage.indicator_comparison(tables["alignments"], indicators, comparisons)
    return tables


def build(out_dir: Path = PROCESSED_DIR, manifest_path: Path = MANIFEST_PATH,
          workers: int | None = None) -> dict[str, pd.DataFrame]:
    """Parse every document of the manifest and write the processed tables into ``out_dir``.

    A large corpus is parsed, and its comparisons aligned, in parallel processes; the tables are
    the same whatever the number of processes.
    """
    listed, docs = parse_manifest(manifest_path, workers)
    lexicon = indicators.load_lexicon()
    documents = documents_table(docs, listed)
    target_table = targets_of(docs, documents, lexicon, workers)
    tables = {
        "documents": documents,
        "tasks": pd.concat([d.tasks for d in docs], ignore_index=True),
        "targets": target_table,
        "escalation": compare.escalation_table(target_table, documents, lexicon),
    }
    tables.update(comparison_tables(planned_comparisons(listed, documents), docs, target_table, workers))
    for name, frame in tables.items():
        write_table(frame, Path(out_dir), name)
    return tables


COMPARISON_TABLES = ("alignments", "alignment_clauses", "coverage", "coverage_tasks", "coverage_indicators")


@dataclass(frozen=True)
class PlanComparison:
    """Everything the notebooks show about one comparison: the two task tables and the tables of
    :func:`comparison_tables`, restricted to this comparison."""

    comparison_id: str
    kind: str
    source_doc: str
    target_doc: str
    source_tasks: pd.DataFrame
    target_tasks: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def load_comparison(source_doc: str, target_doc: str, processed_dir: Path = PROCESSED_DIR,
                    manifest_path: Path = MANIFEST_PATH) -> PlanComparison:
    """One comparison from the processed tables; computed on the spot when the manifest's links
    do not imply it (any two documents of the corpus can be compared)."""
    from analysis.storage import read_table

    documents = read_table("documents", processed_dir)
    known = list(documents["doc_id"])
    for doc_id in (source_doc, target_doc):
        if doc_id not in known:
            raise UserError(doc_id, f"unknown document (known: {', '.join(known)})")
    if source_doc == target_doc:
        raise UserError(target_doc, "is the same document as the other side of the comparison")
    tasks = read_table("tasks", processed_dir)
    comparison_id = f"{source_doc}__{target_doc}"
    alignments = read_table("alignments", processed_dir)
    if comparison_id in set(alignments["comparison_id"]):
        tables = {name: _rows_of(read_table(name, processed_dir), comparison_id) for name in COMPARISON_TABLES}
        kind = str(tables["alignments"]["kind"].iloc[0])
    else:
        listed = manifest.load_manifest(manifest_path)
        rows = {r["doc_id"]: r for r in listed.to_dict(orient="records")}
        docs = [parse_document(rows[d]["path"], d) for d in (source_doc, target_doc)]
        profiles = tuple(document_profile(doc, rows[doc.doc_id]) for doc in docs)
        kind = comparison_kind(source_doc, rows[source_doc], target_doc, rows[target_doc], profiles)
        plan = pd.DataFrame([{"comparison_id": comparison_id, "kind": kind, "source_doc": source_doc,
                              "target_doc": target_doc}], columns=manifest.COMPARISON_COLUMNS)
        found = read_table("targets", processed_dir)
        tables = comparison_tables(plan, docs, found[found["doc_id"].isin([source_doc, target_doc])])
    return PlanComparison(comparison_id, kind, source_doc, target_doc,
                          tasks[tasks["doc_id"] == source_doc].reset_index(drop=True),
                          tasks[tasks["doc_id"] == target_doc].reset_index(drop=True), tables)


def _rows_of(table: pd.DataFrame, comparison_id: str) -> pd.DataFrame:
    return table[table["comparison_id"] == comparison_id].reset_index(drop=True)
