"""Loading built tables for a notebook: one comparison, read-only (computed on the spot when the
manifest's links do not imply it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.corpus import manifest
from analysis.corpus.build import comparison_tables
from analysis.corpus.resolve import comparison_kind, document_profile
from analysis.errors import UserError
from analysis.parse.document import parse_document
from analysis.settings import MANIFEST_PATH, PROCESSED_DIR
from analysis.storage import read_table

COMPARISON_TABLES = (
    "alignments",
    "alignment_clauses",
    "near_misses",
    "coverage",
    "coverage_tasks",
    "coverage_indicators",
)


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


def load_comparison(
    source_doc: str, target_doc: str, processed_dir: Path = PROCESSED_DIR, manifest_path: Path = MANIFEST_PATH
) -> PlanComparison:
    """One comparison from the processed tables; computed on the spot when the manifest's links
    do not imply it (any two documents of the corpus can be compared)."""

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
        docs = [parse_document(rows[d]["file_path"], d) for d in (source_doc, target_doc)]
        profiles = (document_profile(docs[0], rows[docs[0].doc_id]), document_profile(docs[1], rows[docs[1].doc_id]))
        kind = comparison_kind(source_doc, rows[source_doc], target_doc, rows[target_doc], profiles)
        plan = pd.DataFrame(
            [{"comparison_id": comparison_id, "kind": kind, "source_doc": source_doc, "target_doc": target_doc}],
            columns=manifest.COMPARISON_COLUMNS,
        )
        found = read_table("targets", processed_dir)
        tables = comparison_tables(plan, docs, found[found["doc_id"].isin([source_doc, target_doc])])
    return PlanComparison(
        comparison_id,
        kind,
        source_doc,
        target_doc,
        tasks[tasks["doc_id"] == source_doc].reset_index(drop=True),
        tasks[tasks["doc_id"] == target_doc].reset_index(drop=True),
        tables,
    )


def _rows_of(table: pd.DataFrame, comparison_id: str) -> pd.DataFrame:
    return table[table["comparison_id"] == comparison_id].reset_index(drop=True)
