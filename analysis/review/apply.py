"""Reviewer decisions applied after the model, the same way wherever a comparison is made.

- Link decisions (``alignments.csv``): :func:`apply_link_decisions` takes a
  :class:`analysis.align.PlanComparison` and returns it reviewed: ``none`` removes a link,
  ``same`` / ``partial`` add or relabel one. An added link replaces the unlinked rows of its two
  tasks; a task whose every link is removed gets its unlinked row back (the kind's relation of
  :data:`analysis.schema.UNLINKED`, its nearest remaining candidate as evidence); a removed link
  loses its clause matches; a pair the reviewer decided is no longer a near miss.
- Target decisions (``targets.csv``): :func:`correct_targets`: ``reject`` removes a target,
  ``fix`` sets the fields given.

Rows decided by a reviewer carry ``decided_by == "reviewer"`` (and confidence 1), the others
``"model"``. A decision naming a comparison, task or target that no longer exists is *stale*: it
changes nothing and is listed, by file and line, in the ``corrections`` table (the build's log
prints one line each).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import schema
from analysis.align import ALIGNMENT_COLUMNS, PlanComparison, with_task_details
from analysis.align.confidence import nearest_candidates
from analysis.errors import UserError
from analysis.review.decisions import link_fixes, target_fixes
from analysis.schema import LINKS, UNLINKED

# A comparison's candidate pairs: :func:`analysis.align.pair_signals`' table, or its columns as arrays.
PairColumns = pd.DataFrame | Mapping[str, np.ndarray]
# The columns of the candidate pairs that applying decisions reads (what a build keeps of a
# comparison's pairs, so that a decision recorded later never needs the comparison made again).
DECISION_PAIR_COLUMNS = (
    "source_task_id",
    "target_task_id",
    "source_index",
    "target_index",
    "score",
    "link_probability",
)
LOG_COLUMNS = schema.columns("corrections")
MODEL, REVIEWER = schema.DECIDERS
CONTRACT_COLUMNS = [*ALIGNMENT_COLUMNS, "confidence", "decided_by"]


def decisions_of(comparison: PlanComparison, fixes: pd.DataFrame | None) -> pd.DataFrame | None:
    """The link decisions naming this comparison's documents and tasks (the others are the
    business of other comparisons, or stale: :func:`alignment_log`)."""
    if fixes is None or not len(fixes):
        return None
    named = fixes[
        (fixes["source_doc"] == comparison.source_doc)
        & (fixes["target_doc"] == comparison.target_doc)
        & fixes["source_task_id"].isin(comparison.source_tasks["task_id"])
        & fixes["target_task_id"].isin(comparison.target_tasks["task_id"])
    ]
    return named if len(named) else None


def apply_link_decisions(comparison: PlanComparison, fixes: pd.DataFrame | None) -> PlanComparison:
    """``comparison`` (as :func:`analysis.align.compare_plans` made it) with the reviewer's link
    decisions ``fixes`` (rows of :func:`analysis.review.read_alignment_corrections`) applied."""
    named = decisions_of(comparison, fixes)
    if named is None or not len(comparison.alignments):
        return comparison
    if comparison.pairs is None:
        raise ValueError(f"{comparison.comparison_id}: read back from built tables, it was reviewed when built")
    pairs = comparison.pairs
    corrected = correct_alignment(
        comparison.alignments[CONTRACT_COLUMNS],
        named,
        comparison.kind,
        comparison.source_tasks["task_id"],
        comparison.target_tasks["task_id"],
        pairs,
        np.asarray(pairs["link_probability"]),
    )
    linked = corrected["relation"].isin(LINKS).to_numpy()
    decided = set(zip(corrected["source_task_id"].to_numpy()[linked], corrected["target_task_id"].to_numpy()[linked]))
    decided.update(zip(named["source_task_id"], named["target_task_id"]))
    near = comparison.near_misses
    kept = [pair not in decided for pair in zip(near["source_task_id"], near["target_task_id"])]
    return dataclasses.replace(
        comparison,
        alignments=with_task_details(
            corrected,
            comparison.source_tasks,
            comparison.target_tasks,
            confidence=corrected["confidence"].to_numpy(),
            decided_by=corrected["decided_by"].to_numpy(),
        ),
        clause_matches=correct_clause_matches(comparison.clause_matches, corrected),
        near_misses=near[np.asarray(kept, dtype=bool)].reset_index(drop=True),
    )


# --- targets -----------------------------------------------------------------------------------


def correct_targets(
    targets: pd.DataFrame, fixes: pd.DataFrame, lexicon: pd.DataFrame, path: Path | str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The targets table with the reviewer's fixes and rejections applied and a ``decided_by``
    column; and the log of every correction (applied or stale)."""
    targets = targets.assign(decided_by=MODEL)
    names = dict(zip(lexicon["indicator_id"], lexicon["name_zh"]))
    position = pd.Index(targets["target_id"]).get_indexer(fixes["target_id"]) if len(fixes) else np.zeros(0, dtype=int)
    doc_ids = targets["doc_id"].astype(str).tolist()
    rejected: list[int] = []
    log: list[dict[str, object]] = []
    for row, at in zip(target_fixes(fixes), position):
        what = f"target {row.doc_id} {row.target_id}: {row.action}"
        if at < 0 or doc_ids[at] != row.doc_id:
            log.append(_log(path, row.line, what, f"no target {row.target_id} in {row.doc_id}"))
            continue
        if row.indicator_id and row.indicator_id not in names:
            raise UserError(
                f"{path}, line {row.line}", f"indicator_id {row.indicator_id!r} is not in the indicator lexicon"
            )
        log.append(_log(path, row.line, what))
        if row.action == "reject":
            rejected.append(at)
            continue
        label = targets.index[at]
        if row.value:
            targets.loc[label, "value"] = float(row.value.replace(",", ""))
        for column in ("unit", "comparator"):
            if getattr(row, column):
                targets.loc[label, column] = getattr(row, column)
        if row.indicator_id:
            targets.loc[label, ["indicator_id", "indicator_name"]] = [row.indicator_id, names[row.indicator_id]]
        targets.loc[label, "decided_by"] = REVIEWER
    kept = np.setdiff1d(np.arange(len(targets)), rejected)
    return targets.iloc[kept].reset_index(drop=True), pd.DataFrame(log, columns=LOG_COLUMNS)


def _log(path, line: int, what: str, stale: str = "") -> dict:
    return {
        "file": str(path),
        "line": int(line),
        "correction": what,
        "status": "stale" if stale else "applied",
        "problem": stale,
    }


# --- alignments --------------------------------------------------------------------------------


def alignment_log(
    fixes: pd.DataFrame, comparisons: pd.DataFrame, task_ids: dict[str, set[str]], path: Path | str = ""
) -> pd.DataFrame:
    """Every link decision, applied or stale: stale when no comparison of the build goes from its
    source document to its target document, or when a task it names is not in its document."""
    planned = set(zip(comparisons["source_doc"], comparisons["target_doc"])) if len(comparisons) else set()
    log = []
    for row in link_fixes(fixes):
        what = f"link {row.source_task_id} → {row.target_task_id}: {row.relation}"
        problems = (
            [f"no comparison {row.source_doc} → {row.target_doc}"]
            if (row.source_doc, row.target_doc) not in planned
            else []
        )
        problems += [
            f"no task {task} in {doc}"
            for doc, task in ((row.source_doc, row.source_task_id), (row.target_doc, row.target_task_id))
            if task not in task_ids.get(doc, ())
        ]
        log.append(_log(path, row.line, what, "; ".join(problems)))
    return pd.DataFrame(log, columns=LOG_COLUMNS)


def correct_alignment(
    alignments: pd.DataFrame,
    fixes: pd.DataFrame | None,
    kind: str,
    source_ids,
    target_ids,
    pairs: PairColumns,
    probability: np.ndarray,
) -> pd.DataFrame:
    """One comparison's alignment table (with ``confidence``) corrected by the reviewer's link
    decisions ``fixes`` (those naming tasks of other documents or unknown tasks are ignored:
    :func:`alignment_log` reports them), with ``decided_by``.

    ``pairs`` and ``probability``: the comparison's candidate pairs and their P(link), for the
    score of an added link and the nearest remaining candidate of a task left unlinked.
    """
    table = alignments.assign(decided_by=MODEL)
    source_ids, target_ids = pd.Index(source_ids), pd.Index(target_ids)
    if fixes is not None and len(table):
        source_doc = next((d for d in table["source_doc"] if d), "")
        target_doc = next((d for d in table["target_doc"] if d), "")
        fixes = fixes[
            (fixes["source_doc"] == source_doc)
            & (fixes["target_doc"] == target_doc)
            & fixes["source_task_id"].isin(source_ids)
            & fixes["target_task_id"].isin(target_ids)
        ]
    if fixes is None or not len(table) or not len(fixes):
        return table
    relation = table["relation"].to_numpy()
    linked = np.isin(relation, LINKS)
    links = table[linked].set_index(["source_task_id", "target_task_id"], drop=False)
    pair_at = pd.MultiIndex.from_arrays([pairs["source_task_id"], pairs["target_task_id"]])
    score = np.asarray(pairs["score"], dtype=np.float64)
    for row in link_fixes(fixes):
        key = (row.source_task_id, row.target_task_id)
        if row.relation == "none":
            links = links.drop(index=[key], errors="ignore")
            continue
        if key in links.index:
            evidence = str(links.loc[key, "evidence"]) + (f" | reviewer: {row.note}" if row.note else "")
            reviewed: list[str | float] = [row.relation, evidence, 1.0, REVIEWER]
            links.loc[key, ["relation", "evidence", "confidence", "decided_by"]] = reviewed
            continue
        at = pair_at.get_indexer(pd.MultiIndex.from_tuples([key]))[0]
        added = {
            "source_doc": source_doc,
            "source_task_id": key[0],
            "target_doc": target_doc,
            "target_task_id": key[1],
            "score": score[at] if at >= 0 else 0.0,
            "relation": row.relation,
            "evidence": "reviewer" + (f": {row.note}" if row.note else ""),
            "confidence": 1.0,
            "decided_by": REVIEWER,
        }
        links = pd.concat([links, pd.DataFrame([added], index=pd.MultiIndex.from_tuples([key]))])
    links = links.reset_index(drop=True)
    removed = fixes.loc[fixes["relation"] == "none", ["source_task_id", "target_task_id"]]
    unlinked = _unlinked_rows(
        table[~linked], links, removed, kind, source_doc, target_doc, source_ids, target_ids, pairs, score, probability
    )
    corrected = pd.concat([links, unlinked], ignore_index=True)[table.columns]
    source_at = source_ids.get_indexer(corrected["source_task_id"])
    target_at = target_ids.get_indexer(corrected["target_task_id"])
    order = np.lexsort((target_at, np.where(source_at >= 0, source_at, len(source_ids))))
    return corrected.iloc[order].reset_index(drop=True).astype(table.dtypes.to_dict())


def correct_clause_matches(clause_matches: pd.DataFrame, alignments: pd.DataFrame) -> pd.DataFrame:
    """The clause matches of the links the corrected ``alignments`` keep, with their relation
    (a link the reviewer removed loses its clause matches; one the reviewer added has none)."""
    linked = alignments["relation"].isin(LINKS).to_numpy()
    relation_of = dict(
        zip(
            zip(alignments["source_task_id"].to_numpy()[linked], alignments["target_task_id"].to_numpy()[linked]),
            alignments["relation"].to_numpy()[linked],
        )
    )
    relation = np.array(
        [
            relation_of.get(pair, "")
            for pair in zip(clause_matches["source_task_id"].to_numpy(), clause_matches["target_task_id"].to_numpy())
        ],
        dtype=object,
    )
    kept = relation != ""
    if kept.all() and (relation == clause_matches["relation"].to_numpy()).all():
        return clause_matches
    return clause_matches[kept].assign(relation=relation[kept]).reset_index(drop=True)


def _unlinked_rows(
    model_rows: pd.DataFrame,
    links: pd.DataFrame,
    removed: pd.DataFrame,
    kind: str,
    source_doc: str,
    target_doc: str,
    source_ids: pd.Index,
    target_ids: pd.Index,
    pairs: PairColumns,
    score: np.ndarray,
    probability: np.ndarray,
) -> pd.DataFrame:
    """The unlinked rows after the corrections: the model's for tasks still unlinked, new ones
    (the reviewer's) for tasks whose every link was removed."""
    keep = ~(model_rows["source_task_id"].isin(links["source_task_id"]) & (model_rows["target_task_id"] == "")) & ~(
        model_rows["target_task_id"].isin(links["target_task_id"]) & (model_rows["source_task_id"] == "")
    )
    rows = [model_rows[keep]]
    rejected = (
        pd.MultiIndex.from_frame(removed).get_indexer(
            pd.MultiIndex.from_arrays([pairs["source_task_id"], pairs["target_task_id"]])
        )
        >= 0
    )
    usable = ~rejected
    source_index, target_index = np.asarray(pairs["source_index"])[usable], np.asarray(pairs["target_index"])[usable]
    for side, ids, own, other, other_ids in (
        ("source", source_ids, source_index, target_index, target_ids),
        ("target", target_ids, target_index, source_index, source_ids),
    ):
        had = set(model_rows[f"{side}_task_id"])
        orphans = [t for t in ids if t not in had and t not in set(links[f"{side}_task_id"])]
        if not orphans:
            continue
        nearest = nearest_candidates(own, other, score[usable], len(ids))[ids.get_indexer(pd.Index(orphans))]
        near_score = np.where(nearest >= 0, score[usable][np.maximum(nearest, 0)] if usable.any() else 0.0, 0.0)
        near_chance = np.where(nearest >= 0, probability[usable][np.maximum(nearest, 0)] if usable.any() else 0.0, 0.0)
        near_task = [other_ids[other[k]] if k >= 0 else "" for k in nearest]
        blank = [""] * len(orphans)
        rows.append(
            pd.DataFrame(
                {
                    "source_doc": [source_doc] * len(orphans) if side == "source" else blank,
                    "source_task_id": orphans if side == "source" else blank,
                    "target_doc": [target_doc] * len(orphans) if side == "target" else blank,
                    "target_task_id": orphans if side == "target" else blank,
                    "score": near_score,
                    "relation": UNLINKED[kind][0 if side == "source" else 1],
                    "evidence": [f"nearest: {t} ({s:.2f})" if t else "" for t, s in zip(near_task, near_score)],
                    "confidence": np.round(1.0 - near_chance, 6),
                    "decided_by": REVIEWER,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def log_table(*logs: pd.DataFrame) -> pd.DataFrame:
    """The ``corrections`` table: the logs of both files, typed as the schema says."""
    return pd.concat(logs, ignore_index=True).astype(schema.dtypes("corrections"))


def log_lines(log: pd.DataFrame) -> list[str]:
    """The build log's ``corrections`` section: counts, then one line per stale correction."""
    if not len(log):
        return ["corrections: none"]
    stale = log[log["status"] == "stale"]
    lines = [f"corrections: {len(log) - len(stale)} applied, {len(stale)} stale"]
    lines += [f"  stale: {row.file}, line {row.line}: {row.correction} ({row.problem})" for row in stale.itertuples()]
    return lines
