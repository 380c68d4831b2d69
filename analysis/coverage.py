"""Cascade coverage: how much of a parent (or earlier) plan a child (or later) plan takes up.

From an alignment (:mod:`analysis.align`), three tidy tables:

- :func:`task_coverage`: one row per task of either plan: its relation (``same`` when any of its
  links is ``same``, else ``partial``, else the unlinked relation) and the tasks it is linked to;
  the not-cascaded parent tasks and the city-only tasks are the unlinked rows;
- :func:`coverage_summary`: share of tasks linked, overall and by part, section and (for the
  source plan) lead unit;
- :func:`indicator_comparison`: for indicators that both plans set targets for, the two values
  side by side (province 1571 villages → Ezhou 10), and whether their tasks are aligned.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.align import LINKS, UNLINKED

TASK_COVERAGE_COLUMNS = [
    "comparison_id", "kind", "side", "doc_id", "task_id", "path", "heading", "relation", "linked_task_ids",
    "best_score", "char_start", "char_end",
]
SUMMARY_COLUMNS = [
    "comparison_id", "kind", "side", "doc_id", "scope", "group", "n_tasks", "n_linked", "share_linked",
    "n_same", "n_partial", "n_unlinked",
]
INDICATOR_COLUMNS = [
    "comparison_id", "kind", "indicator_id", "source_doc", "source_task_id", "source_value", "source_unit",
    "source_comparator", "source_quote", "source_char_start", "source_char_end", "target_doc", "target_task_id",
    "target_value", "target_unit", "target_comparator", "target_quote", "target_char_start", "target_char_end",
    "tasks_aligned",
]
NO_UNIT = "(none)"
JOINT = "会同"


def task_coverage(alignments: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame,
                  comparison_id: str, kind: str) -> pd.DataFrame:
    """One row per task of both plans with its relation and linked tasks (best link first)."""
    links = alignments[alignments["relation"].isin(LINKS)]
    frames = []
    for side, tasks, own, other, unlinked in (
        ("source", source, "source_task_id", "target_task_id", UNLINKED[kind][0]),
        ("target", target, "target_task_id", "source_task_id", UNLINKED[kind][1]),
    ):
        ranked = links.sort_values(["score", other], ascending=[False, True])
        grouped = ranked.groupby(own, sort=False)
        relation = grouped["relation"].agg(lambda r: "same" if (r == "same").any() else "partial")
        frame = pd.DataFrame({
            "comparison_id": comparison_id,
            "kind": kind,
            "side": side,
            "doc_id": tasks["doc_id"].to_numpy(),
            "task_id": tasks["task_id"].to_numpy(),
            "path": tasks["path"].to_numpy(),
            "heading": tasks["heading"].to_numpy(),
            "relation": tasks["task_id"].map(relation).fillna(unlinked).to_numpy(),
            "linked_task_ids": tasks["task_id"].map(grouped[other].agg(";".join)).fillna("").to_numpy(),
            "best_score": tasks["task_id"].map(grouped["score"].max()).fillna(0.0).to_numpy(),
            "char_start": tasks["char_start"].to_numpy(),
            "char_end": tasks["char_end"].to_numpy(),
        })
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[TASK_COVERAGE_COLUMNS]


def _summarise(rows: pd.DataFrame, scope: str, groups: pd.Series) -> pd.DataFrame:
    linked = rows["relation"].isin(LINKS)
    frame = pd.DataFrame({
        "group": groups.to_numpy(),
        "linked": linked.to_numpy(),
        "same": (rows["relation"] == "same").to_numpy(),
        "partial": (rows["relation"] == "partial").to_numpy(),
    })
    summary = frame.groupby("group", sort=False).agg(
        n_tasks=("linked", "size"), n_linked=("linked", "sum"), n_same=("same", "sum"), n_partial=("partial", "sum"))
    summary = summary.reset_index()
    summary["scope"] = scope
    return summary


def coverage_summary(task_table: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame,
                     comparison_id: str, kind: str) -> pd.DataFrame:
    """Share of each plan's tasks that are linked (from :func:`task_coverage`): overall, by part,
    by section, and (source plan) by lead unit (a task counts once for each of its lead units,
    ``X会同…`` counting for X; tasks naming none count under ``(none)``)."""
    frames = []
    for side, tasks in (("source", source), ("target", target)):
        rows = task_table[task_table["side"] == side].reset_index(drop=True)
        tasks = tasks.reset_index(drop=True)
        section = tasks["section_title"].where(tasks["section_title"] != "", tasks["part_title"])
        parts = [
            _summarise(rows, "overall", pd.Series(["all tasks"] * len(rows))),
            _summarise(rows, "part", tasks["part_title"]),
            _summarise(rows, "section", section),
        ]
        if side == "source":
            units = tasks["lead_units"].fillna("").str.split(";").map(_lead_units)
            exploded = pd.DataFrame({"unit": units, "row": np.arange(len(tasks))}).explode("unit")
            parts.append(_summarise(rows.iloc[exploded["row"].to_numpy()].reset_index(drop=True), "lead_unit",
                                    exploded["unit"].reset_index(drop=True)))
        summary = pd.concat(parts, ignore_index=True)
        summary["comparison_id"] = comparison_id
        summary["kind"] = kind
        summary["side"] = side
        summary["doc_id"] = tasks["doc_id"].iloc[0] if len(tasks) else ""
        frames.append(summary)
    table = pd.concat(frames, ignore_index=True)
    table["n_unlinked"] = table["n_tasks"] - table["n_linked"]
    table["share_linked"] = (table["n_linked"] / table["n_tasks"]).round(4)
    return table[SUMMARY_COLUMNS].astype({c: "int64" for c in ("n_tasks", "n_linked", "n_same", "n_partial", "n_unlinked")})


def _lead_units(units: list[str]) -> list[str]:
    """Lead units for grouping: of ``X会同…`` (X together with …) the leader X; ``(none)`` if none."""
    leaders = list(dict.fromkeys(u.split(JOINT)[0] for u in units if u))
    return leaders or [NO_UNIT]


def _side(indicators: pd.DataFrame, doc_id: str, prefix: str) -> pd.DataFrame:
    own = indicators[indicators["doc_id"] == doc_id]
    columns = {"doc_id": "doc", "task_id": "task_id", "value": "value", "unit": "unit", "comparator": "comparator",
               "quote": "quote", "char_start": "char_start", "char_end": "char_end"}
    frame = pd.DataFrame({"indicator_id": own["indicator_id"].astype(str)})
    for column, name in columns.items():
        frame[f"{prefix}_{name}"] = own[column] if column in own.columns else pd.NA
    return frame


def indicator_comparison(alignments: pd.DataFrame, indicators: pd.DataFrame | None,
                         comparisons: pd.DataFrame) -> pd.DataFrame:
    """For every comparison, each indicator set in both plans: the values side by side.

    ``indicators`` needs at least ``doc_id, task_id, indicator_id, value`` (e.g. the targets
    table; ``unit, comparator, quote, char_start, char_end`` are carried when present);
    ``alignments`` has ``comparison_id`` and the link rows; ``comparisons`` the
    ``comparison_id, kind, source_doc, target_doc`` of each comparison. Every pairing of a
    source and a target value of the same indicator is a row; ``tasks_aligned`` says whether the
    two tasks are linked.
    """
    if indicators is None or indicators.empty or comparisons.empty:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    indicators = indicators[indicators["indicator_id"].notna() & (indicators["indicator_id"].astype(str) != "")]
    links = alignments[alignments["relation"].isin(LINKS)]
    frames = []
    for comparison in comparisons.itertuples():
        pairs = _side(indicators, comparison.source_doc, "source").merge(
            _side(indicators, comparison.target_doc, "target"), on="indicator_id")
        if pairs.empty:
            continue
        linked = links.loc[links["comparison_id"] == comparison.comparison_id, ["source_task_id", "target_task_id"]]
        keys = set(zip(linked["source_task_id"], linked["target_task_id"]))
        pairs["tasks_aligned"] = [(s, t) in keys for s, t in zip(pairs["source_task_id"], pairs["target_task_id"])]
        pairs["comparison_id"] = comparison.comparison_id
        pairs["kind"] = comparison.kind
        frames.append(pairs)
    if not frames:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    return pd.concat(frames, ignore_index=True)[INDICATOR_COLUMNS]
