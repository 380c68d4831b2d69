"""The review queue: the model's doubtful alignment decisions of one comparison, in the format
of the reviewer's corrections file (``data/corrections/alignments.csv``), with both tasks' texts
and their best-matching clauses.

A decision is queued when its ``confidence`` (:mod:`analysis.align.confidence`) lies in the band
(``uncertain``) or below it (``low confidence``: a link the calibration doubts, or an unlinked task
whose nearest candidate may well be its counterpart). An unlinked task is queued paired with that
nearest candidate (named in its evidence), so that ``partial`` or ``same`` adds the link. So is
every ``near miss`` pair (the ``near_misses`` table: a chance of hiding a link at least the
build's ``near_miss_min``, the floor chosen on the gold): two tasks the model left unlinked, each
perhaps linked elsewhere, that may still be a link — mostly a city task carrying one theme of a
broad provincial task; its ``confidence`` is 1 − that chance (the link probability, lifted for a
task's next candidates on the same theme: :func:`analysis.align.hidden_link_probability`). A pair
is listed once. Rows come in order of ``confidence``, lowest first: the chance that a row hides a mistake
(a link where the model has none, or none where it has one), highest first. The queue evaluation
(:mod:`analysis.evaluate.queue`) counts these rows.

For a reviewer, the model's other links (``link``: the ones it is sure of) follow the queue, in the
alignment table's order, so that one found wrong can be decided ``none``: :func:`review_pairs`.
The report's review section and close reading and ``analysis review`` list those pairs, in that
order. The reviewer fills ``relation`` (``same``, ``partial``, ``none``) and saves the file as
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
UNCERTAIN, LOW_CONFIDENCE, NEAR_MISS, LINK = "uncertain", "low confidence", "near miss", "link"
REASONS = (UNCERTAIN, LOW_CONFIDENCE, NEAR_MISS, LINK)
PAIR_KEYS = ["source_task_id", "target_task_id"]
QUEUE_COLUMNS = [
    *ALIGNMENT_CORRECTION_COLUMNS,
    "model_relation",
    "score",
    "confidence",
    "reason",
    "evidence",
    "source_clause",
    "target_clause",
    "source_text",
    "target_text",
]
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
    clause_matches: pd.DataFrame | None = None,
    links: bool = False,
) -> pd.DataFrame:
    """The queue of one comparison (``alignments``, ``tasks``, ``near_misses``,
    ``clause_matches``: the processed tables, or a comparison's rows of them): the doubtful
    decisions and the near misses, each pair once, the most likely mistakes first; with ``links``,
    the model's sure links after them. Decisions a reviewer already made are left out."""
    low, high = check_band(band)
    rows = _undecided(alignments, comparison_id)
    source_doc = next((d for d in rows["source_doc"] if d), "")
    target_doc = next((d for d in rows["target_doc"] if d), "")
    confidence = rows["confidence"].to_numpy(dtype=np.float64)
    missed = near_misses[near_misses["comparison_id"] == comparison_id] if near_misses is not None else None
    parts = [_doubtful(rows[confidence <= high], source_doc, target_doc, low), _offered(missed)]
    queue = _listed(parts).sort_values("confidence", kind="stable")
    if links:
        sure = rows[(confidence > high) & rows["relation"].isin(LINKS).to_numpy()]
        queue = _listed([queue, _pairs(sure, sure["relation"], LINK)])
    clauses = _best_clauses(clause_matches, comparison_id, missed)
    texts = dict(zip(tasks["task_id"], tasks["text"]))
    found = [clauses.get(pair, ("", "")) for pair in zip(queue["source_task_id"], queue["target_task_id"])]
    return queue.reset_index(drop=True).assign(
        relation="",
        note="",
        source_clause=[c[0] for c in found],
        target_clause=[c[1] for c in found],
        source_text=[texts.get(t, "") for t in queue["source_task_id"]],
        target_text=[texts.get(t, "") for t in queue["target_task_id"]],
    )[QUEUE_COLUMNS]


def comparison_queue(
    comparison: PlanComparison,
    band: tuple[float, float] = DEFAULT_BAND,
    near_miss_min: float | None = None,
    links: bool = False,
) -> pd.DataFrame:
    """The queue of one comparison (:func:`review_queue`), made or read back from the built
    tables: for a built comparison, the rows ``analysis review`` writes; with ``near_miss_min``,
    the near misses from that floor up only (as a build with that floor lists them)."""
    tables = comparison.tables(with_indicators=False)
    near = tables["near_misses"]
    if near_miss_min is not None:
        near = near[near["hidden_link_probability"] >= near_miss_min]
    return review_queue(
        tables["alignments"],
        pd.concat([comparison.source_tasks, comparison.target_tasks], ignore_index=True),
        comparison.comparison_id,
        band,
        near,
        tables["alignment_clauses"],
        links,
    )


def review_pairs(comparison: PlanComparison, band: tuple[float, float] = DEFAULT_BAND) -> pd.DataFrame:
    """Every pair of one comparison a reviewer may decide: its queue, then the model's sure links
    (the report's review section and close reading, ``analysis review``)."""
    return comparison_queue(comparison, band, links=True)


def _listed(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The pairs of ``parts`` in their order, each once (where it comes first), without a pair
    that lacks a task (an unlinked task without any candidate)."""
    kept = [p for p in parts if len(p)]
    rows = pd.concat(kept, ignore_index=True) if kept else parts[0]
    rows = rows[(rows["source_task_id"] != "") & (rows["target_task_id"] != "")]
    return rows.drop_duplicates(PAIR_KEYS, keep="first").reset_index(drop=True)


def _undecided(alignments: pd.DataFrame, comparison_id: str) -> pd.DataFrame:
    """The comparison's rows the model decided (a reviewer's are settled)."""
    if "confidence" not in alignments.columns or "decided_by" not in alignments.columns:
        raise UserError("alignments", "built by an older version (no confidence): run `make data` again")
    known = list(dict.fromkeys(alignments["comparison_id"]))
    if comparison_id not in known:
        raise UserError(
            comparison_id, f"no such comparison in the processed alignments (known: {', '.join(known) or 'none'})"
        )
    return alignments[(alignments["comparison_id"] == comparison_id) & (alignments["decided_by"] == MODEL)]


def _pairs(rows: pd.DataFrame, model_relation, reason, confidence=None) -> pd.DataFrame:
    """Queue rows of ``rows`` (pairs with ``score`` and ``evidence``): both tasks and what the
    model says of them, before the decision, the clauses and the texts are filled in."""
    return pd.DataFrame(
        {
            "source_doc": rows["source_doc"].to_numpy(),
            "source_task_id": rows["source_task_id"].to_numpy(),
            "target_doc": rows["target_doc"].to_numpy(),
            "target_task_id": rows["target_task_id"].to_numpy(),
            "model_relation": model_relation,
            "score": rows["score"].to_numpy(),
            "confidence": rows["confidence"].to_numpy() if confidence is None else confidence,
            "reason": reason,
            "evidence": rows["evidence"].to_numpy(),
        }
    )


def _doubtful(rows: pd.DataFrame, source_doc: str, target_doc: str, low: float) -> pd.DataFrame:
    """The doubtful rows as pairs: a link as it is, an unlinked task with its nearest candidate."""
    linked = rows["relation"].isin(LINKS).to_numpy()
    nearest = rows["evidence"].str.extract(_NEAREST, expand=False).fillna("")
    unlinked_source = ~linked & (rows["source_task_id"] != "").to_numpy()
    unlinked_target = ~linked & (rows["target_task_id"] != "").to_numpy() & ~unlinked_source
    source_task = np.where(unlinked_target, nearest, rows["source_task_id"])
    target_task = np.where(unlinked_source, nearest, rows["target_task_id"])
    paired = rows.assign(
        source_doc=np.where(source_task != "", source_doc, ""),
        source_task_id=source_task,
        target_doc=np.where(target_task != "", target_doc, ""),
        target_task_id=target_task,
    )
    reason = np.where(rows["confidence"].to_numpy() >= low, UNCERTAIN, LOW_CONFIDENCE)
    return _pairs(paired, rows["relation"].to_numpy(), reason)


def _offered(missed: pd.DataFrame | None) -> pd.DataFrame:
    """The near misses as pairs, the likeliest to hide a link first (confidence: that they do not)."""
    if missed is None or not len(missed):
        return pd.DataFrame()
    probability = missed["hidden_link_probability"].to_numpy(dtype=np.float64)
    ordered = np.argsort(-probability, kind="stable")
    return _pairs(missed.iloc[ordered], "", NEAR_MISS, 1.0 - probability[ordered])


def _best_clauses(
    clause_matches: pd.DataFrame | None, comparison_id: str, missed: pd.DataFrame | None
) -> dict[tuple[str, str], tuple[str, str]]:
    """(source task, target task) → its best-matching clauses: a link's best clause match, a near
    miss's best clause pair."""
    found: dict[tuple[str, str], tuple[str, str]] = {}
    if clause_matches is not None and len(clause_matches):
        rows = clause_matches[clause_matches["comparison_id"] == comparison_id]
        best = rows.iloc[np.argsort(-rows["score"].to_numpy(dtype=np.float64), kind="stable")]
        best = best.drop_duplicates(PAIR_KEYS, keep="first")
        pairs = zip(best["source_task_id"], best["target_task_id"])
        found.update(zip(pairs, zip(best["source_clause"], best["target_clause"])))
    if missed is not None and len(missed):
        pairs = zip(missed["source_task_id"], missed["target_task_id"])
        found.update((p, c) for p, c in zip(pairs, zip(missed["source_clause"], missed["target_clause"])) if c[0])
    return found


def export_queue(
    comparison_id: str, out: Path | str, processed: Path | str, band: tuple[float, float] = DEFAULT_BAND
) -> pd.DataFrame:
    """Write every pair of a built comparison a reviewer may decide (its queue, then the model's
    sure links) to ``out`` (:func:`write_queue`)."""
    folder = table_folder(processed)  # the tables of one build
    queue = review_queue(
        read_table("alignments", folder),
        read_table("tasks", folder),
        comparison_id,
        band,
        read_table("near_misses", folder),
        read_table("alignment_clauses", folder),
        links=True,
    )
    write_queue(queue, out)
    return queue


def write_queue(queue: pd.DataFrame, out: Path | str) -> None:
    """The queue as CSV (UTF-8 with BOM, which Excel needs to read Chinese text)."""
    with atomic_path(out) as tmp:
        to_spreadsheet_csv(queue, tmp, encoding="utf-8-sig")


def queue_summary(queue: pd.DataFrame, out: Path | str) -> str:
    """What ``analysis review`` says of the queue it wrote, and what to do with it."""
    counts = queue["reason"].value_counts()
    return (
        f"{len(queue)} decisions to review ({counts.get(UNCERTAIN, 0)} uncertain, {counts.get(LOW_CONFIDENCE, 0)} "
        f"low confidence, {counts.get(NEAR_MISS, 0)} near misses, {counts.get(LINK, 0)} links the model is sure "
        f"of) → {out}: fill in `relation` (same, partial, none), save it as data/corrections/alignments.csv"
    )
