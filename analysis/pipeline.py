"""The pipeline: read → clean → structure for each document, then the corpus-wide tables.

``parse_document`` turns one file into its cleaned text and task table; ``build`` does this for
every document of the manifest and writes the processed tables atomically.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import clean, compare, indicators, manifest, metadata, quality, read, structure, targets
from analysis.settings import MANIFEST_PATH, PROCESSED_DIR
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

    def front_matter(self) -> list[str]:
        return [self.clean.text[s:e] for s, e in self.outline.front_matter]


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


def manifest_doc_id(path: Path | str, manifest_path: Path = MANIFEST_PATH) -> str | None:
    """The manifest's doc id of a file, if the manifest lists it."""
    if not Path(manifest_path).is_file():
        return None
    target = Path(path).resolve()
    listed = manifest.load_manifest(manifest_path)
    hits = listed.loc[listed["path"] == str(target), "doc_id"]
    return hits.iloc[0] if len(hits) else None


def _count_units(tasks: pd.DataFrame, column: str) -> int:
    return len({u for cell in tasks[column] for u in cell.split(";") if u})


def documents_table(docs: list[ParsedDocument], listed: pd.DataFrame) -> pd.DataFrame:
    """One row per document: metadata (with sources), structure counts, damage, duplicates."""
    rows = []
    for doc in docs:
        declared = listed.loc[listed["doc_id"] == doc.doc_id].iloc[0]
        tasks = doc.tasks
        row = {
            "doc_id": doc.doc_id,
            "file": declared["file"],
            "sha256": hashlib.sha256(doc.raw.path.read_bytes()).hexdigest(),
            "encoding": doc.raw.encoding,
            **metadata.merge_metadata(metadata.extract_metadata(doc.front_matter()), declared.to_dict()),
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


def parse_manifest(manifest_path: Path = MANIFEST_PATH) -> tuple[pd.DataFrame, list[ParsedDocument]]:
    listed = manifest.load_manifest(manifest_path)
    docs = [parse_document(row["path"], row["doc_id"]) for _, row in listed.iterrows()]
    return listed, docs


def targets_of(docs: list[ParsedDocument], documents: pd.DataFrame, lexicon: pd.DataFrame) -> pd.DataFrame:
    """The targets of every document; a damaged duplicate's with the clean copy's values beside them."""
    found = pd.concat([targets.targets_table(d, lexicon) for d in docs], ignore_index=True)
    return targets.with_clean_values(found, documents, {d.doc_id: d.raw.text for d in docs})


def build(out_dir: Path = PROCESSED_DIR, manifest_path: Path = MANIFEST_PATH) -> dict[str, pd.DataFrame]:
    """Parse every document of the manifest and write the processed tables into ``out_dir``."""
    listed, docs = parse_manifest(manifest_path)
    lexicon = indicators.load_lexicon()
    documents = documents_table(docs, listed)
    target_table = targets_of(docs, documents, lexicon)
    tables = {
        "documents": documents,
        "tasks": pd.concat([d.tasks for d in docs], ignore_index=True),
        "targets": target_table,
        "escalation": compare.escalation_table(target_table, documents, lexicon),
    }
    for name, frame in tables.items():
        write_table(frame, Path(out_dir), name)
    return tables
