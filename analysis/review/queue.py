"""The review queue: the model's doubtful alignment decisions of one comparison, in the format
of the reviewer's corrections file (``data/corrections/alignments.csv``), with both tasks' texts.

A decision is queued when its ``confidence`` (:mod:`analysis.align.confidence`) lies in the band
(``uncertain``) or below it (``low confidence``: a link the calibration doubts, or an unlinked task
whose nearest candidate may well be its counterpart). An unlinked task is queued paired with that
nearest candidate (named in its evidence), so that ``partial`` or ``same`` adds the link. So is
every ``near miss`` pair (the ``near_misses`` table: P(link) at least the build's
``near_miss_min``, the band's floor chosen on the gold): two tasks the model left unlinked, each
perhaps linked elsewhere, that may still be a link — mostly a city task carrying one theme of a
broad provincial task; its ``confidence`` is the model's that it is not a link. A pair is listed
once. Rows come in order of ``confidence``, lowest first: the chance that a row hides a mistake
(a link where the model has none, or none where it has one), highest first. The reviewer fills
``relation`` (``same``, ``partial``, ``none``) and saves the file as
``data/corrections/alignments.csv``; the extra columns are ignored there, rows left empty skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.align import PlanComparison
from analysis.errors import UserError
from analysis.review.decisions import ALIGNMENT_CORRECTION_COLUMNS
from analysis.schema import DECIDERS, LINKS
from analysis.storage import atomic_path, read_table, table_folder, to_spreadsheet_csv

DEFAULT_BAND = (0.35, 0.65)
MODEL = DECIDERS[0]
QUEUE_COLUMNS = [
    *ALIGNMENT_CORRECTION_COLUMNS,
    "model_relation",
    "score",
    "confidence",
    "reason",
    "evidence",
    "source_text",
    "target_text",
]
NEAR_MISS = "near miss"
_NEAREST = re.compile(r"^nearest: (\S+) \(")


def check_band(band: tuple[float, float]) -> tuple[float, float]:
    low, high = (float(b) for b in band)
    if not 0.0 <= low <= high <= 1.0:
        raise UserError("--band", f"needs 0 <= LOW <= HIGH <= 1, not {low:g} {high:g}")
    return low, high


def review_queue(
    alignments: pd.DataFrame,
    tasks: pd.DataFrame,
    comparison_id: str,
    band: tuple[float, float] = DEFAULT_BAND,
    near_misses: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The queue of one comparison (``alignments``, ``tasks``, ``near_misses``: the processed
    tables): the doubtful decisions and the near misses, each pair once, the most likely mistakes
    first; decisions a reviewer already made are left out."""
    low, high = check_band(band)
    if "confidence" not in alignments.columns or "decided_by" not in alignments.columns:
        raise UserError("alignments", "built by an older version (no confidence): run `make data` again")
    known = list(dict.fromkeys(alignments["comparison_id"]))
    if comparison_id not in known:
        raise UserError(
            comparison_id, f"no such comparison in the processed alignments (known: {', '.join(known) or 'none'})"
        )
    rows = alignments[(alignments["comparison_id"] == comparison_id) & (alignments["decided_by"] == MODEL)]
    source_doc = next((d for d in rows["source_doc"] if d), "")
    target_doc = next((d for d in rows["target_doc"] if d), "")
    confidence = rows["confidence"].to_numpy(dtype=np.float64)
    queued = rows[confidence <= high].copy()
    linked = queued["relation"].isin(LINKS).to_numpy()
    nearest = queued["evidence"].str.extract(_NEAREST, expand=False).fillna("")
    unlinked_source = ~linked & (queued["source_task_id"] != "").to_numpy()
    unlinked_target = ~linked & (queued["target_task_id"] != "").to_numpy() & ~unlinked_source
    source_task = np.where(unlinked_target, nearest, queued["source_task_id"])
    target_task = np.where(unlinked_source, nearest, queued["target_task_id"])
    texts = dict(zip(tasks["task_id"], tasks["text"]))
    queue = _queue_rows(
        {
            "source_doc": np.where(source_task != "", source_doc, ""),
            "source_task_id": source_task,
            "target_doc": np.where(target_task != "", target_doc, ""),
            "target_task_id": target_task,
            "model_relation": queued["relation"].to_numpy(),
            "score": queued["score"].to_numpy(),
            "confidence": queued["confidence"].to_numpy(),
            "reason": np.where(queued["confidence"].to_numpy() >= low, "uncertain", "low confidence"),
            "evidence": queued["evidence"].to_numpy(),
        },
        texts,
    )
    queue = queue[(queue["source_task_id"] != "") & (queue["target_task_id"] != "")]  # a task without any candidate
    if near_misses is not None:
        queue = pd.concat([queue, _near_miss_rows(near_misses, comparison_id, texts)], ignore_index=True)
    queue = queue.drop_duplicates(
        ["source_task_id", "target_task_id"]
    )  # an unlinked task's nearest pair, also a near miss
    return queue.sort_values("confidence", kind="stable").reset_index(drop=True)


def comparison_queue(
    comparison: PlanComparison, band: tuple[float, float] = DEFAULT_BAND, near_miss_min: float | None = None
) -> pd.DataFrame:
    """The queue of one comparison, made or read back from the built tables: for a built
    comparison, the rows ``analysis review`` writes; with ``near_miss_min``, the near misses
    from that floor up only (as a build with that floor lists them)."""
    tables = comparison.tables(with_indicators=False)
    near = tables["near_misses"]
    if near_miss_min is not None:
        near = near[near["link_probability"] >= near_miss_min]
    tasks = pd.concat([comparison.source_tasks, comparison.target_tasks], ignore_index=True)
    return review_queue(tables["alignments"], tasks, comparison.comparison_id, band, near)


def _near_miss_rows(near_misses: pd.DataFrame, comparison_id: str, texts: dict[str, str]) -> pd.DataFrame:
    """The near misses of a comparison as queue rows, most probable first."""
    missed = near_misses[near_misses["comparison_id"] == comparison_id]
    probability = missed["link_probability"].to_numpy(dtype=np.float64)
    return _queue_rows(
        {
            "source_doc": missed["source_doc"].to_numpy(),
            "source_task_id": missed["source_task_id"].to_numpy(),
            "target_doc": missed["target_doc"].to_numpy(),
            "target_task_id": missed["target_task_id"].to_numpy(),
            "model_relation": "",
            "score": missed["score"].to_numpy(),
            "confidence": 1.0 - probability,
            "reason": NEAR_MISS,
            "evidence": missed["evidence"].to_numpy(),
        },
        texts,
    ).iloc[np.argsort(-probability, kind="stable")]


def _queue_rows(pairs: dict, texts: dict[str, str]) -> pd.DataFrame:
    """Rows of the queue: ``pairs`` (both tasks and what the model says of them) with the decision
    left empty for the reviewer and both tasks' texts beside it."""
    return pd.DataFrame(
        {
            **pairs,
            "relation": "",
            "note": "",
            "source_text": [texts.get(t, "") for t in pairs["source_task_id"]],
            "target_text": [texts.get(t, "") for t in pairs["target_task_id"]],
        },
        columns=QUEUE_COLUMNS,
    )


def export_queue(
    comparison_id: str, out: Path | str, processed: Path | str, band: tuple[float, float] = DEFAULT_BAND
) -> pd.DataFrame:
    """Write the queue to ``out`` (UTF-8 with BOM, which Excel needs to read Chinese text)."""
    folder = table_folder(processed)  # both tables of one build
    queue = review_queue(
        read_table("alignments", folder),
        read_table("tasks", folder),
        comparison_id,
        band,
        read_table("near_misses", folder),
    )
    with atomic_path(out) as tmp:
        to_spreadsheet_csv(queue, tmp, encoding="utf-8-sig")
    return queue


def queue_summary(queue: pd.DataFrame, out: Path | str) -> str:
    """What ``analysis review`` says of the queue it wrote, and what to do with it."""
    counts = queue["reason"].value_counts()
    return (
        f"{len(queue)} decisions to review ({counts.get('uncertain', 0)} uncertain, {counts.get('low confidence', 0)} "
        f"low confidence, {counts.get(NEAR_MISS, 0)} near misses) → {out}: fill in `relation` (same, partial, "
        "none), save it as data/corrections/alignments.csv"
    )
