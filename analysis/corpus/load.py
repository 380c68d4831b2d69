"""One comparison for a command or a notebook: read from built tables, or made on the spot from
two plans exactly as the build makes it (:func:`analysis.corpus.build.comparison_of`: the model,
then the reviewer's decisions); and the settings a build recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analysis import align, review
from analysis.align import PlanComparison
from analysis.corpus import manifest
from analysis.corpus.build import comparison_of
from analysis.corpus.resolve import comparison_kind, document_profile, manifest_comparison_kind, resolve_document
from analysis.errors import UserError
from analysis.parse.document import ParsedDocument, parse_document
from analysis.parse.structure import require_tasks
from analysis.settings import (
    LINK_CONFIDENCE_PATH,
    MANIFEST_PATH,
    PROCESSED_DIR,
    BuildSettings,
    SettingsError,
)
from analysis.storage import BUILD_RECORD, read_table, table_folder
from analysis.targets import indicators
from analysis.targets.extract import targets_of_plans

__all__ = ["PlanComparison", "build_id", "build_settings", "compare_references", "load_comparison"]


def _build_record(processed_dir: Path | str) -> tuple[Path, dict]:
    """The ``build.json`` of ``processed_dir``'s current table set, and where it is."""
    path = table_folder(processed_dir) / BUILD_RECORD
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(path, "no build record: build the tables first (make data)") from None
    except (OSError, ValueError) as exc:
        raise UserError(path, f"not a readable build record ({exc})") from None


def build_id(processed_dir: Path | str = PROCESSED_DIR) -> str:
    """The id of the build of ``processed_dir``'s tables: what a reviewer's decisions in a page of
    them are kept under."""
    path, record = _build_record(processed_dir)
    if not record.get("build_id"):
        raise UserError(path, "the build record has no build_id: rebuild the tables with this version (make data)")
    return str(record["build_id"])


def build_settings(processed_dir: Path | str = PROCESSED_DIR) -> BuildSettings:
    """The settings the build of ``processed_dir`` recorded in its ``build.json``: what its
    tables were decided with, and what a report of them states."""
    path, record = _build_record(processed_dir)
    try:
        return BuildSettings.from_dict(record.get("settings", {}))
    except SettingsError as exc:
        raise UserError(path, f"{exc}: rebuild the tables with this version (make data)") from None


def load_comparison(
    source_doc: str, target_doc: str, processed_dir: Path = PROCESSED_DIR, manifest_path: Path = MANIFEST_PATH
) -> PlanComparison:
    """One comparison of the processed tables; made on the spot, as the build would, when the
    manifest's links do not imply it (any two documents of the corpus can be compared)."""
    documents = read_table("documents", processed_dir)
    known = list(documents["doc_id"])
    for doc_id in (source_doc, target_doc):
        if doc_id not in known:
            raise UserError(doc_id, f"unknown document (known: {', '.join(known)})")
    if source_doc == target_doc:
        raise UserError(target_doc, "is the same document as the other side of the comparison")
    settings = build_settings(processed_dir)
    tasks, targets = read_table("tasks", processed_dir), read_table("targets", processed_dir)
    targets = targets[targets["doc_id"].isin([source_doc, target_doc])].reset_index(drop=True)
    comparison_id = f"{source_doc}__{target_doc}"
    alignments = read_table("alignments", processed_dir)
    if comparison_id not in set(alignments["comparison_id"]):
        kind = manifest_comparison_kind(source_doc, target_doc, manifest_path)
        listed = manifest.load_manifest(manifest_path).set_index("doc_id")
        docs = [parse_document(str(listed.at[d, "file_path"]), d, settings.parse) for d in (source_doc, target_doc)]
        return _made(docs[0], docs[1], kind, targets, settings, review.Corrections.read_default())[0]
    tables = {
        name: _rows_of(read_table(name, processed_dir), comparison_id)
        for name in ("alignments", "alignment_clauses", "near_misses")
    }
    return PlanComparison.from_tables(
        tables,
        tasks[tasks["doc_id"] == source_doc].reset_index(drop=True),
        tasks[tasks["doc_id"] == target_doc].reset_index(drop=True),
        settings.alignment,
        targets,
    )


def compare_references(
    parent: str,
    child: str,
    manifest_path: Path,
    settings: BuildSettings,
    corrections: review.Corrections,
    kind: str | None = None,
) -> tuple[PlanComparison, int]:
    """The comparison of two plans named by file path or manifest doc id (``parent``: the
    earlier or higher-level plan, or peer A), made as the build makes it: the reviewer's target
    and link decisions of ``corrections`` applied. Also: how many link decisions it applied."""
    docs, rows = [], []
    for reference in (parent, child):
        path, doc_id, row = resolve_document(reference, manifest_path)
        doc = parse_document(path, doc_id, settings.parse)
        require_tasks(doc.tasks, doc.outline, reference)
        docs.append(doc)
        rows.append(row)
    (source, target), (source_row, target_row) = docs, rows
    if source.doc_id == target.doc_id:
        raise UserError(child, "is the same document as the parent")
    profiles = (document_profile(source, source_row), document_profile(target, target_row))
    kind = comparison_kind(source.doc_id, source_row, target.doc_id, target_row, profiles, kind)
    lexicon = indicators.load_lexicon()
    targets, _ = review.correct_targets(
        targets_of_plans((source, target), lexicon, settings.targets), corrections.targets, lexicon
    )
    return _made(source, target, kind, targets, settings, corrections)


def _made(
    source: ParsedDocument,
    target: ParsedDocument,
    kind: str,
    targets: pd.DataFrame,
    settings: BuildSettings,
    corrections: review.Corrections,
) -> tuple[PlanComparison, int]:
    link_model = align.LinkModel.load(LINK_CONFIDENCE_PATH)
    comparison = comparison_of(source, target, kind, targets, settings.alignment, link_model, corrections.links)
    decided = review.decisions_of(comparison, corrections.links)
    return comparison, 0 if decided is None else len(decided)


def _rows_of(table: pd.DataFrame, comparison_id: str) -> pd.DataFrame:
    return table[table["comparison_id"] == comparison_id].reset_index(drop=True)
