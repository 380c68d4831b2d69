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
    """Unmapped indicator phrases, damaged values and their clean counterparts, per document."""
    commitments = targets[targets["role"] == "commitment"]
    lines = []
    for doc_id, found in commitments.groupby("doc_id", sort=False):
        unmapped = found[found["indicator_id"] == ""]
        damaged = found[found["flags"].str.contains("damaged_value", regex=False)]
        line = f"targets {doc_id}: {len(found)} commitments, {len(unmapped)} with no canonical indicator"
        if len(damaged):
            line += f", {len(damaged)} damaged values ({int(damaged['clean_value'].notna().sum())} with a clean value beside)"
        lines.append(line)
        lines.extend(f"  unmapped: {t.target_id} {t.value_text} «{t.indicator}»" for t in unmapped.itertuples())
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
