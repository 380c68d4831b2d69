"""What a build tells its user on stderr: each table's rows, the targets found per document (with
the phrases mapped to no canonical indicator and the damaged values), the plans left out of the
comparisons and why, and the reviewer's corrections applied or stale."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import review
from analysis.compare.duplicates import left_out_log
from analysis.corpus import manifest
from analysis.corpus.documents import planned_comparisons


def target_lines(targets: pd.DataFrame) -> list[str]:
    """Unmapped indicator phrases, damaged values and their clean counterparts, per document
    (counted in one pass over the table: a national corpus has over a thousand documents)."""
    found = targets[targets["role"] == "commitment"]
    unmapped = found["indicator_id"] == ""
    damaged = found["flags"].str.contains("damaged_value", regex=False)
    counts = (
        pd.DataFrame(
            {
                "doc_id": found["doc_id"],
                "found": 1,
                "unmapped": unmapped,
                "damaged": damaged,
                "clean": damaged & found["clean_value"].notna(),
            }
        )
        .groupby("doc_id", sort=False)
        .sum()
    )
    listed = {str(doc_id): rows for doc_id, rows in found[unmapped].groupby("doc_id", sort=False)}
    lines = []
    for doc_id, n_found, n_unmapped, n_damaged, n_clean in zip(
        counts.index.astype(str), counts["found"], counts["unmapped"], counts["damaged"], counts["clean"]
    ):
        line = f"targets {doc_id}: {n_found} commitments, {n_unmapped} with no canonical indicator"
        if n_damaged:
            line += f", {n_damaged} damaged values ({n_clean} with a clean value beside)"
        lines.append(line)
        if doc_id in listed:
            rows = listed[doc_id]
            lines.extend(
                f"  unmapped: {target_id} {value_text} «{indicator}»"
                for target_id, value_text, indicator in zip(rows["target_id"], rows["value_text"], rows["indicator"])
            )
    return lines


def left_out_lines(documents: pd.DataFrame, manifest_path: Path) -> list[str]:
    """Every document left out of the comparisons (a damaged copy), its reason and the
    comparisons its manifest links would have made."""
    listed = manifest.load_manifest(manifest_path)
    planned = set(planned_comparisons(listed, documents)["comparison_id"])
    dropped: dict[str, list[str]] = {}
    for plan in manifest.comparisons(listed).itertuples():
        if plan.comparison_id not in planned:
            for doc_id in (str(plan.source_doc), str(plan.target_doc)):
                dropped.setdefault(doc_id, []).append(f"{plan.kind} {plan.comparison_id}")
    return left_out_log(documents, dict(zip(listed["doc_id"], listed["duplicate_of"])), dropped)


def build_summary(tables: dict[str, pd.DataFrame], out_dir: Path, manifest_path: Path) -> list[str]:
    """The lines ``analysis build`` prints once the tables are written."""
    lines = [f"{name}: {len(frame)} rows → {out_dir / name}.csv" for name, frame in tables.items()]
    return (
        lines
        + target_lines(tables["targets"])
        + left_out_lines(tables["documents"], manifest_path)
        + review.log_lines(tables["corrections"])
    )
