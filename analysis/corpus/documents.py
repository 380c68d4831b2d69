"""The ``documents`` table: one row per plan, from what each parsed plan says of itself (its
:class:`DocumentProfile`) and what the manifest declares, with the near-duplicate copies found
over all plans.

A profile is computed once per plan and kept by the build's cache: the table of 1,233 plans is
then made from 1,233 small profiles (their MinHash signatures included), not from the parsed
plans themselves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema
from analysis.compare import duplicates
from analysis.corpus import manifest
from analysis.parse import damage, metadata, structure
from analysis.parse.document import ParsedDocument
from analysis.settings import DuplicateSettings

DOCUMENT_COLUMNS = schema.columns("documents")


def extracted_text_path(doc_id: str) -> str:
    """Where a table set keeps the text extracted from a Word, PDF or HTML plan (relative to it)."""
    return f"texts/{doc_id}.txt"


@dataclass(frozen=True)
class DocumentProfile:
    """What the ``documents`` table reads of one parsed plan: its own fields (hash, format,
    structure counts, damage), the metadata printed in it, its character shingles and their
    MinHash signature (near-duplicate detection), and the text extracted from a Word, PDF or web
    page (``""`` for a text file), which the table set keeps beside the tables."""

    doc_id: str
    fields: dict
    printed: dict[str, str]
    shingles: np.ndarray
    signature: np.ndarray
    extracted_text: str


def _count_units(tasks: pd.DataFrame, column: str) -> int:
    return len({u for cell in tasks[column] for u in cell.split(";") if u})


def document_profile(doc: ParsedDocument, file_sha256: str, settings: DuplicateSettings) -> DocumentProfile:
    """The profile of a parsed plan whose file has the SHA-256 ``file_sha256``."""
    tasks = doc.tasks
    fields = {
        "sha256": file_sha256,
        "encoding": doc.raw.encoding,
        "format": doc.format,
        "extracted_text": "" if doc.format == "txt" else extracted_text_path(doc.doc_id),
        "n_chars": len(doc.raw.text),
        **{f"n_{level}s": n for level, n in structure.count_blocks(doc.outline).items()},
        "n_tasks": len(tasks),
        "n_lead_units": _count_units(tasks, "lead_units"),
        "n_responsible_units": _count_units(tasks, "responsible_units"),
        **damage.damage_summary(doc.clean, tasks),
    }
    shingles = duplicates.shingles(doc.clean.text, settings.shingle_size)
    return DocumentProfile(
        doc.doc_id,
        fields,
        metadata.extract_metadata(doc.printed_matter()),
        shingles,
        duplicates.signatures([shingles], settings.minhash_permutations)[0],
        "" if doc.format == "txt" else doc.raw.text,
    )


def documents_frame(profiles: list[DocumentProfile], listed: pd.DataFrame, settings: DuplicateSettings) -> pd.DataFrame:
    """One row per document: metadata (with sources), structure counts, damage, duplicates."""
    declarations = {str(row["doc_id"]): {str(k): v for k, v in row.items()} for row in listed.to_dict(orient="records")}
    rows = []
    for profile in profiles:
        declared = declarations[profile.doc_id]
        rows.append(
            {
                "doc_id": profile.doc_id,
                "file": declared["file"],
                **profile.fields,
                **metadata.merge_metadata(
                    profile.printed, {name: str(declared[name]) for name in metadata.METADATA_FIELDS}
                ),
                "region": declared["region"],
                "level": declared["level"],
                "year": int(declared["year"]),
                "parent": declared["parent"],
                "previous": declared["previous"],
            }
        )
    frame = pd.DataFrame(rows)
    copies = duplicates.copies_among(
        [p.doc_id for p in profiles],
        [p.shingles for p in profiles],
        np.array([p.signature for p in profiles]).reshape(len(profiles), settings.minhash_permutations),
        list(frame["damage_per_1k_chars"]),
        settings,
        {doc_id: row.get("duplicate_of", "") for doc_id, row in declarations.items()},
    )
    frame = frame.merge(copies, on="doc_id", how="left")
    return frame[DOCUMENT_COLUMNS]


def documents_table(docs: list[ParsedDocument], listed: pd.DataFrame, settings: DuplicateSettings) -> pd.DataFrame:
    """:func:`documents_frame` of parsed documents (their files read for their hashes)."""
    profiles = [document_profile(doc, hashlib.sha256(doc.raw.path.read_bytes()).hexdigest(), settings) for doc in docs]
    return documents_frame(profiles, listed, settings)


def planned_comparisons(listed: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """The comparisons the manifest's links imply, damaged duplicate copies left out."""
    copies = set(documents.loc[documents["duplicate_of"].fillna("") != "", "doc_id"])
    return manifest.comparisons(listed, exclude=copies)
