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

from analysis import schema
from analysis.schema import LINKS, UNLINKED
from analysis.targets.pairing import NOT_COMPARED_ROLES, Pairing, pairing

TASK_COVERAGE_COLUMNS = schema.columns("coverage_tasks")
SUMMARY_COLUMNS = schema.columns("coverage")
INDICATOR_COLUMNS = schema.columns("coverage_indicators")
NO_UNIT = "(none)"
JOINT = "会同"


def task_coverage(
    alignments: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame, comparison_id: str, kind: str
) -> pd.DataFrame:
    """One row per task of both plans with its relation and linked tasks (best link first)."""
    relation = alignments["relation"].to_numpy()
    linked = np.isin(relation, LINKS)
    link_rows = list(
        zip(
            alignments["source_task_id"].to_numpy()[linked],
            alignments["target_task_id"].to_numpy()[linked],
            alignments["score"].to_numpy()[linked],
            relation[linked],
        )
    )
    columns: dict[str, list] = {"side": [], "relation": [], "linked_task_ids": [], "best_score": []}
    for side, tasks, unlinked in (("source", source, UNLINKED[kind][0]), ("target", target, UNLINKED[kind][1])):
        mine = 0 if side == "source" else 1
        found: dict[str, list[tuple[float, str, str]]] = {}
        for link in link_rows:
            found.setdefault(link[mine], []).append((-link[2], link[1 - mine], link[3]))
        for task in tasks["task_id"].to_numpy():
            ranked = sorted(found.get(task, ()))  # best score first, then the other task's id
            columns["side"].append(side)
            columns["relation"].append(
                ("same" if any(r == "same" for *_, r in ranked) else "partial") if ranked else unlinked
            )
            columns["linked_task_ids"].append(";".join(other for _, other, _ in ranked))
            columns["best_score"].append(-ranked[0][0] if ranked else 0.0)
    both = {
        name: np.concatenate([source[name].to_numpy(), target[name].to_numpy()])
        for name in ("doc_id", "task_id", "path", "heading", "char_start", "char_end")
    }
    return pd.DataFrame(
        {
            "comparison_id": comparison_id,
            "kind": kind,
            **columns,
            **both,
            "best_score": np.array(columns["best_score"], dtype=np.float64),
        },
        columns=TASK_COVERAGE_COLUMNS,
    )


def coverage_summary(
    task_table: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame, comparison_id: str, kind: str
) -> pd.DataFrame:
    """Share of each plan's tasks that are linked (from :func:`task_coverage`): overall, by part,
    by section, and (source plan) by lead unit (a task counts once for each of its lead units,
    ``X会同…`` counting for X; tasks naming none count under ``(none)``)."""
    rows: list[tuple] = []  # side, doc_id, scope, group, n_tasks, n_same, n_partial
    relations = task_table["relation"].to_numpy()
    sides = task_table["side"].to_numpy()
    for side, tasks in (("source", source), ("target", target)):
        relation = relations[sides == side]
        parts = [str(p) for p in tasks["part_title"].to_numpy()]
        sections = [str(s) or p for s, p in zip(tasks["section_title"].to_numpy(), parts)]
        groupings = [
            ("overall", [["all tasks"]] * len(tasks)),
            ("part", [[p] for p in parts]),
            ("section", [[s] for s in sections]),
        ]
        if side == "source":
            groupings.append(
                (
                    "lead_unit",
                    [
                        _lead_units(units.split(";") if isinstance(units, str) else [])
                        for units in tasks["lead_units"].to_numpy()
                    ],
                )
            )
        doc_id = str(tasks["doc_id"].iloc[0]) if len(tasks) else ""
        for scope, groups in groupings:
            counts: dict[str, list[int]] = {}  # group → tasks, same, partial (in order of appearance)
            for task_groups, task_relation in zip(groups, relation):
                for group in task_groups:
                    count = counts.setdefault(group, [0, 0, 0])
                    count[0] += 1
                    count[1] += task_relation == "same"
                    count[2] += task_relation == "partial"
            rows.extend((side, doc_id, scope, group, *count) for group, count in counts.items())
    row_side, row_doc, row_scope, row_group, tasks_n, same_n, partial_n = (
        (list(c) for c in zip(*rows)) if rows else ([],) * 7
    )
    n_tasks, n_same, n_partial = (np.array(c, dtype=np.int64) for c in (tasks_n, same_n, partial_n))
    n_linked = n_same + n_partial
    return pd.DataFrame(
        {
            "comparison_id": comparison_id,
            "kind": kind,
            "side": row_side,
            "doc_id": row_doc,
            "scope": row_scope,
            "group": row_group,
            "n_tasks": n_tasks,
            "n_linked": n_linked,
            "share_linked": np.round(n_linked / np.maximum(n_tasks, 1), 4),
            "n_same": n_same,
            "n_partial": n_partial,
            "n_unlinked": n_tasks - n_linked,
        },
        columns=SUMMARY_COLUMNS,
    )


def _lead_units(units: list[str]) -> list[str]:
    """Lead units for grouping: of ``X会同…`` (X together with …) the leader X; ``(none)`` if none."""
    leaders = list(dict.fromkeys(u.split(JOINT)[0] for u in units if u))
    return leaders or [NO_UNIT]


_SIDE_COLUMNS = {
    "doc_id": "doc",
    "task_id": "task_id",
    "target_id": "target_id",
    "role": "role",
    "scope_words": "scope_words",
    "value": "value",
    "unit": "unit",
    "comparator": "comparator",
    "quote": "quote",
    "value_text": "value_text",
    "char_start": "char_start",
    "char_end": "char_end",
}


# The fields of each side a pairing reads (:func:`analysis.targets.pairing.pairing`).
_PAIRED = ("role", "scope_words", "unit", "value_text")


def _side(indicators: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The indicators' columns named for one side of a comparison (missing ones empty)."""
    frame = pd.DataFrame({"indicator_id": indicators["indicator_id"].astype(str)})
    for column, name in _SIDE_COLUMNS.items():
        frame[f"{prefix}_{name}"] = indicators[column] if column in indicators.columns else pd.NA
    return frame.astype({f"{prefix}_char_start": "Int64", f"{prefix}_char_end": "Int64"})  # as every side's offsets


def _pairings(pairs: pd.DataFrame) -> list[Pairing | None]:
    """:func:`analysis.targets.pairing.pairing` of each row's two sides, decided once for each
    distinct pair of sides (a plan's values meet many plans' values)."""
    sides = pairs[[f"{side}_{name}" for side in ("source", "target") for name in _PAIRED]].astype(object)
    columns = [column.tolist() for _, column in sides.where(sides.notna(), None).items()]  # a missing value as None
    decided: dict[tuple, Pairing | None] = {}
    found, half = [], len(_PAIRED)
    for values in zip(*columns):
        if values not in decided:
            decided[values] = pairing(dict(zip(_PAIRED, values[:half])), dict(zip(_PAIRED, values[half:])))
        found.append(decided[values])
    return found


def indicator_comparison(
    alignments: pd.DataFrame, indicators: pd.DataFrame | None, comparisons: pd.DataFrame
) -> pd.DataFrame:
    """For every comparison, each indicator set in both plans: the values side by side.

    ``indicators`` needs at least ``doc_id, task_id, indicator_id, value`` (e.g. the targets
    table; ``target_id, role, scope_words, unit, comparator, quote, char_start, char_end`` are
    carried when present); ``alignments`` has ``comparison_id`` and the link rows; ``comparisons``
    the ``comparison_id, kind, source_doc, target_doc`` of each comparison. Every pairing of a
    source and a target value of the same indicator is a row (comparisons in order, then source
    rows, then target rows), but for scope counts and two implied values; ``pairing`` and
    ``reason`` say whether it is like with like (:func:`analysis.targets.pairing.pairing`);
    ``tasks_aligned`` whether the two tasks are linked.
    """
    if indicators is None or indicators.empty or comparisons.empty:
        return schema.empty("coverage_indicators")
    known = indicators["indicator_id"].notna() & (indicators["indicator_id"].astype(str) != "")
    if "role" in indicators.columns:
        known &= ~indicators["role"].isin(NOT_COMPARED_ROLES)
    indicators = indicators[known]
    plans = comparisons[["comparison_id", "kind", "source_doc", "target_doc"]]
    pairs = plans.merge(_side(indicators, "source"), on="source_doc").merge(
        _side(indicators, "target"), on=["target_doc", "indicator_id"]
    )
    decided = _pairings(pairs)
    kept = [d is not None for d in decided]
    pairs = pairs[kept].copy()
    if pairs.empty:
        return schema.empty("coverage_indicators")
    links = alignments.loc[alignments["relation"].isin(LINKS), ["comparison_id", "source_task_id", "target_task_id"]]
    keys = set(zip(*(column.tolist() for _, column in links.items())))
    pairs["tasks_aligned"] = [
        key in keys for key in zip(*(pairs[c].tolist() for c in ("comparison_id", "source_task_id", "target_task_id")))
    ]
    pairs["pairing"] = [d.decision for d in decided if d is not None]
    pairs["reason"] = [d.reason for d in decided if d is not None]
    return pairs[INDICATOR_COLUMNS].reset_index(drop=True)
