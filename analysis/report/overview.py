"""The corpus at a glance: what each document is, how it is structured, and how damaged it is.

Pure functions over the processed ``documents`` and ``tasks`` tables, for the overview report.
"""

from __future__ import annotations

import pandas as pd

from analysis.schema import LEVEL_RANK

OVERVIEW_COLUMNS = [
    "doc_id",
    "title",
    "issuer",
    "level",
    "year",
    "doc_number",
    "date",
    "n_parts",
    "n_sections",
    "n_items",
    "n_tasks",
    "n_lead_units",
    "n_responsible_units",
]


def in_order(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents from the highest level down, then by year."""
    rank = documents["level"].map(LEVEL_RANK).fillna(len(LEVEL_RANK))
    return documents.assign(_rank=rank).sort_values(["_rank", "year", "doc_id"]).drop(columns="_rank")


def originals(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents that are not a near-duplicate copy of another (what comparisons use)."""
    return documents[documents["duplicate_of"].fillna("") == ""]


def documents_overview(documents: pd.DataFrame) -> pd.DataFrame:
    """One readable row per document: identity, metadata and structure counts."""
    return in_order(documents)[OVERVIEW_COLUMNS].reset_index(drop=True)


def duplicate_findings(documents: pd.DataFrame) -> pd.DataFrame:
    """Each document found to copy another: the original, the similarity and the damage measured."""
    copies = documents[documents["duplicate_of"].fillna("") != ""]
    return copies[
        [
            "doc_id",
            "duplicate_of",
            "duplicate_similarity",
            "damage_events",
            "damage_per_1k_chars",
            "damaged_task_share",
            "damage_replacement_chars",
            "damage_html_remnants",
            "damage_broken_markers",
        ]
    ].reset_index(drop=True)


DAMAGED_PAIR_COLUMNS = [
    "path",
    "doc_id_copy",
    "text_copy",
    "doc_id_original",
    "text_original",
    "char_start_copy",
    "char_start_original",
]


def damaged_task_pairs(tasks: pd.DataFrame, documents: pd.DataFrame, limit: int = 5) -> pd.DataFrame:
    """Damaged tasks of each copy beside the same task (same path) of its clean original."""
    frames = []
    for _, copy in duplicate_findings(documents).iterrows():
        damaged = tasks[(tasks["doc_id"] == copy["doc_id"]) & tasks["flags"].str.contains("damaged_text", regex=False)]
        original = tasks[tasks["doc_id"] == copy["duplicate_of"]]
        pairs = damaged.merge(original, on="path", suffixes=("_copy", "_original"))
        frames.append(pairs[DAMAGED_PAIR_COLUMNS].head(limit))
    if not frames:
        return pd.DataFrame(columns=DAMAGED_PAIR_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def summary_line(documents: pd.DataFrame) -> str:
    """One line for the report index."""
    copies = duplicate_findings(documents)
    levels = ", ".join(f"{n} {level}" for level, n in in_order(documents)["level"].value_counts(sort=False).items())
    line = (
        f"{len(documents)} documents ({levels}; {documents['year'].min()}–{documents['year'].max()}), "
        f"{int(documents['n_tasks'].sum())} tasks"
    )
    if len(copies):
        worst = copies.iloc[0]
        line += (
            f"; {len(copies)} damaged duplicate(s), e.g. {worst['doc_id']} copies {worst['duplicate_of']} "
            f"(similarity {worst['duplicate_similarity']:.2f}, {worst['damage_per_1k_chars']:.1f} damage events "
            f"per 1,000 chars)"
        )
    return line
