"""Comparisons across plans: how targets escalate from year to year and from a parent to its cities.

:func:`escalation_table` takes the target table, the documents table and the indicator lexicon
and gives, for every canonical indicator committed to in two or more documents, one row per
document in year and level order. Document links (``previous``: the same issuer's earlier plan,
``parent``: the higher-level plan) come from the documents table (the manifest); a damaged
duplicate (``duplicate_of`` set) is not a document of its own here.

Changes are in percentage points for rates (``pp``) and as a ratio for everything else
(``ratio``, money brought to one unit first). ``direction`` compares a document with its
previous plan (raised / lowered / same), or is ``new`` when the issuer's earlier plan in the
corpus does not commit to the indicator or there is none. ``vs_parent`` says whether a plan is
stricter, looser or equal to its parent, honouring ``higher_is_better``; counts, money and
quantities are not compared across levels (a city's 10 villages are part of the province's
1571, not a looser target), only their ratio is given.
"""
from __future__ import annotations

import re

import pandas as pd

from analysis.manifest import LEVEL_RANK
from analysis.segment import tokens
from analysis.targets import unit_factor

ESCALATION_COLUMNS = [
    "indicator_id", "indicator", "doc_id", "region", "level", "year", "value", "unit", "comparator", "deadline",
    "previous_doc", "change_vs_previous", "parent_doc", "change_vs_parent", "change_unit", "direction",
    "vs_parent", "higher_is_better", "wording", "quote", "char_start", "char_end", "target_id", "note",
]
POINT_KINDS = frozenset({"rate", "percentage_points"})
LEVEL_COMPARABLE_KINDS = frozenset({"rate", "percentage_points", "concentration", "frequency", "rank"})
# Words that say where a target applies or what sort of item it is, not what it measures: a
# difference in them alone is not worth a note.
_PLACE_WORDS = re.compile(r"全省|全市|全区|全县|全州|我省|我市")
_GENERIC_WORDS = frozenset({"任务", "工作", "目标", "要求", "建设", "实施"})
_ROUND = 4


def change(value: float, other: float, unit: str, other_unit: str, kind: str) -> float | None:
    """Percentage points for rates, else the ratio (money in one unit first); None if undefined."""
    if pd.isna(value) or pd.isna(other):
        return None
    if kind in POINT_KINDS:
        return round(value - other, _ROUND)
    base = other * unit_factor(other_unit)
    return round(value * unit_factor(unit) / base, _ROUND) if base else None


def direction(value: float, previous: float | None, unit: str = "", previous_unit: str = "") -> str:
    """raised / lowered / same against the previous plan's value; new if it had none."""
    if previous is None or pd.isna(previous):
        return "new"
    difference = value * unit_factor(unit) - previous * unit_factor(previous_unit)
    return "same" if abs(difference) < 1e-9 else ("raised" if difference > 0 else "lowered")


def vs_parent(value: float, parent_value: float | None, higher_is_better: bool, kind: str) -> str:
    """stricter / looser / equal than the parent plan's value (empty if not comparable)."""
    if parent_value is None or pd.isna(parent_value) or kind not in LEVEL_COMPARABLE_KINDS:
        return ""
    if abs(value - parent_value) < 1e-9:
        return "equal"
    return "stricter" if (value > parent_value) == higher_is_better else "looser"


def primary_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """One target per (document, indicator): the binding commitment that names it best.

    Preference: not damaged, not striving (力争), the highest indicator score, then the earliest.
    The others of the same document and indicator are listed in ``others`` (for the notes).
    """
    committed = targets[(targets["role"] == "commitment") & (targets["indicator_id"] != "")].copy()
    committed["_damaged"] = committed["flags"].str.contains("damaged", regex=False)
    committed["_striving"] = committed["comparator"] == "striving"
    committed = committed.sort_values(["doc_id", "indicator_id", "_damaged", "_striving", "indicator_score", "char_start"],
                                      ascending=[True, True, True, True, False, True], kind="stable")
    rank = committed.groupby(["doc_id", "indicator_id"], sort=False).cumcount()
    primary = committed[rank == 0].copy()
    others: dict[tuple[str, str], list[str]] = {}
    for target in committed[rank > 0].itertuples():
        others.setdefault((target.doc_id, target.indicator_id), []).append(_describe(target))
    primary["others"] = ["; ".join(others.get(key, [])) for key in zip(primary["doc_id"], primary["indicator_id"])]
    return primary.drop(columns=["_damaged", "_striving"])


def _describe(target) -> str:
    striving = " (力争)" if target.comparator == "striving" else ""
    return f"also {target.value_text}{striving} «{target.quote}»"


def wording_note(wording: str, other_wording: str, other_doc: str) -> str:
    """A note when two plans word an indicator differently (a possible difference of scope)."""
    mine = set(tokens(_PLACE_WORDS.sub("", wording))) - _GENERIC_WORDS
    theirs = set(tokens(_PLACE_WORDS.sub("", other_wording))) - _GENERIC_WORDS
    if mine == theirs:
        return ""
    return f"worded «{wording}» here, «{other_wording}» in {other_doc}"


def escalation_table(targets: pd.DataFrame, documents: pd.DataFrame, lexicon: pd.DataFrame) -> pd.DataFrame:
    """Every indicator committed to in two or more documents, one row per document (see module doc)."""
    originals = documents[documents["duplicate_of"].fillna("") == ""].set_index("doc_id")
    primary = primary_targets(targets[targets["doc_id"].isin(originals.index)])
    shared = primary.groupby("indicator_id")["doc_id"].nunique()
    primary = primary[primary["indicator_id"].isin(shared[shared >= 2].index)]
    indicators = lexicon.set_index("indicator_id").to_dict(orient="index")
    docs = originals.to_dict(orient="index")
    by_key = {(t.doc_id, t.indicator_id): t for t in primary.itertuples()}
    rows = []
    for t in primary.itertuples():
        doc = docs[t.doc_id]
        previous = by_key.get((doc["previous"], t.indicator_id)) if doc["previous"] else None
        parent = by_key.get((doc["parent"], t.indicator_id)) if doc["parent"] else None
        higher_is_better = bool(indicators[t.indicator_id]["higher_is_better"])
        notes = [_flag_note(t, previous, parent), t.others]
        for other in (previous, parent):
            if other is not None:
                notes.append(wording_note(t.indicator, other.indicator, other.doc_id))
        if parent is not None and t.kind not in LEVEL_COMPARABLE_KINDS:
            notes.append(f"a {t.kind} is not compared across levels: change_vs_parent is its ratio to the parent's")
        rows.append({
            "indicator_id": t.indicator_id,
            "indicator": indicators[t.indicator_id]["name_zh"],
            "doc_id": t.doc_id,
            "region": doc["region"],
            "level": doc["level"],
            "year": int(doc["year"]),
            "value": t.value,
            "unit": t.unit,
            "comparator": t.comparator,
            "deadline": t.deadline,
            "previous_doc": previous.doc_id if previous is not None else "",
            "change_vs_previous": change(t.value, previous.value, t.unit, previous.unit, t.kind) if previous is not None else None,
            "parent_doc": parent.doc_id if parent is not None else "",
            "change_vs_parent": change(t.value, parent.value, t.unit, parent.unit, t.kind) if parent is not None else None,
            "change_unit": "pp" if t.kind in POINT_KINDS else "ratio",
            "direction": direction(t.value, previous.value if previous is not None else None, t.unit,
                                   previous.unit if previous is not None else ""),
            "vs_parent": vs_parent(t.value, parent.value if parent is not None else None, higher_is_better, t.kind),
            "higher_is_better": higher_is_better,
            "wording": t.indicator,
            "quote": t.quote,
            "char_start": t.char_start,
            "char_end": t.char_end,
            "target_id": t.target_id,
            "note": " | ".join(n for n in notes if n),
        })
    frame = pd.DataFrame(rows, columns=ESCALATION_COLUMNS)
    frame["_level"] = frame["level"].map(LEVEL_RANK)
    frame = frame.sort_values(["indicator_id", "year", "_level", "doc_id"], kind="stable").drop(columns="_level")
    return frame.astype({"change_vs_previous": "Float64", "change_vs_parent": "Float64"}).reset_index(drop=True)


def _flag_note(target, previous, parent) -> str:
    """Notes from flags: a striving target, a cumulative count where the other plan's is not."""
    notes = []
    if target.comparator == "striving":
        notes.append("striving (力争) target")
    cumulative = "cumulative" in target.flags
    for other in (previous, parent):
        if other is not None and cumulative != ("cumulative" in other.flags):
            counted = "cumulatively (累计)" if cumulative else "per year"
            other_counted = "cumulatively" if not cumulative else "per year"
            notes.append(f"counted {counted} here, {other_counted} in {other.doc_id}")
    return "; ".join(notes)


# --- reading the escalation table ---------------------------------------------------------------


def headline_indicator(escalation: pd.DataFrame) -> str:
    """The indicator followed by the most documents (then levels, then years): the headline chain."""
    if escalation.empty:
        return ""
    reach = escalation.groupby("indicator_id").agg(
        documents=("doc_id", "nunique"), levels=("level", "nunique"), years=("year", "nunique"))
    reach = reach.reset_index().sort_values(["documents", "levels", "years", "indicator_id"],
                                            ascending=[False, False, False, True])
    return str(reach["indicator_id"].iloc[0])


def _format_value(value: float, unit: str) -> str:
    return f"{value:g}{unit}"


def _format_change(change_value, change_unit: str) -> str:
    if pd.isna(change_value):
        return ""
    return f"{change_value:+g} pp" if change_unit == "pp" else f"×{change_value:g}"


def chain_summary(escalation: pd.DataFrame, indicator_id: str) -> str:
    """One line: the indicator's values along the year links, then each lower-level plan's."""
    chain = escalation[escalation["indicator_id"] == indicator_id]
    if chain.empty:
        return f"{indicator_id}: not found in two or more documents"
    parts = []
    for row in chain.itertuples():
        text = f"{row.doc_id} {_format_value(row.value, row.unit)}"
        if row.previous_doc:
            text += f" ({_format_change(row.change_vs_previous, row.change_unit)} vs {row.previous_doc}, {row.direction})"
        elif row.parent_doc:
            verdict = f", {row.vs_parent}" if row.vs_parent else ""
            text += f" ({_format_change(row.change_vs_parent, row.change_unit)} vs {row.parent_doc}{verdict})"
        parts.append(text)
    return f"{chain['indicator'].iloc[0]} ({indicator_id}): " + " → ".join(parts)


CHANGE_COLUMNS = ["indicator", "doc_id", "level", "year", "value", "unit", "comparator", "deadline",
                  "change_vs_previous", "direction", "change_vs_parent", "vs_parent", "change_unit", "quote", "note"]


def changes(escalation: pd.DataFrame, kinds: tuple[str, ...] = ("pp",)) -> pd.DataFrame:
    """The escalation rows that changed against a previous or a parent plan, in the given units."""
    changed = escalation["change_vs_previous"].notna() | escalation["change_vs_parent"].notna()
    return escalation[changed & escalation["change_unit"].isin(kinds)][CHANGE_COLUMNS].reset_index(drop=True)


# --- reading one comparison (a PlanComparison of analysis.pipeline) -----------------------------

LINK_RELATIONS = ("same", "partial")
RELATION_ORDER = ("same", "partial", "new", "dropped", "local", "not_cascaded")


def relation_counts(coverage_tasks: pd.DataFrame) -> pd.DataFrame:
    """How many tasks of each plan are continued, partly taken up, or left unlinked."""
    counts = coverage_tasks.groupby(["side", "doc_id", "relation"]).size().unstack("relation", fill_value=0)
    columns = [r for r in RELATION_ORDER if r in counts.columns]
    counts = counts[columns]
    counts["tasks"] = counts.sum(axis=1)
    return counts.reset_index().sort_values("side", key=lambda s: s.map({"source": 0, "target": 1})).reset_index(drop=True)


def share_taken_up(coverage: pd.DataFrame, side: str = "source") -> float:
    """Share of one side's tasks linked to the other plan (overall row of the coverage summary)."""
    overall = coverage[(coverage["side"] == side) & (coverage["scope"] == "overall")]
    return float(overall["share_linked"].iloc[0]) if len(overall) else float("nan")


def comparison_summary(comparison) -> str:
    """One line for the report index: how much carried over, what is new or left out."""
    counts = comparison["coverage_tasks"].groupby(["side", "relation"]).size()
    source_n = int(counts.get("source", pd.Series(dtype=int)).sum())
    target_n = int(counts.get("target", pd.Series(dtype=int)).sum())
    taken = share_taken_up(comparison["coverage"], "source")
    if comparison.kind == "year":
        new, dropped = int(counts.get(("target", "new"), 0)), int(counts.get(("source", "dropped"), 0))
        return (f"{comparison.source_doc} → {comparison.target_doc}: {taken:.0%} of {source_n} tasks continued "
                f"({int(counts.get(('source', 'same'), 0))} as the same task, {int(counts.get(('source', 'partial'), 0))} "
                f"in part), {dropped} dropped; {new} of {target_n} tasks new")
    local, left = int(counts.get(("target", "local"), 0)), int(counts.get(("source", "not_cascaded"), 0))
    return (f"{comparison.target_doc} takes up {taken:.0%} of the {source_n} tasks of {comparison.source_doc} "
            f"({left} not cascaded); {local} of its {target_n} tasks are local")


def section_flows(comparison) -> pd.DataFrame:
    """Task links counted from each source section to each target section (sankey input); unlinked
    tasks flow from or to a pseudo-section named after their relation."""
    source = comparison.source_tasks.set_index("task_id")
    target = comparison.target_tasks.set_index("task_id")

    def section(tasks: pd.DataFrame, task_id: str) -> str:
        row = tasks.loc[task_id]
        return row["section_title"] or row["part_title"]

    rows = []
    for link in comparison["alignments"].itertuples():
        if link.relation in LINK_RELATIONS:
            rows.append((section(source, link.source_task_id), section(target, link.target_task_id), link.relation))
        elif link.source_task_id:
            rows.append((section(source, link.source_task_id), f"({link.relation})", link.relation))
        else:
            rows.append((f"({link.relation})", section(target, link.target_task_id), link.relation))
    flows = pd.DataFrame(rows, columns=["source_section", "target_section", "relation"])
    return flows.groupby(["source_section", "target_section", "relation"], sort=False).size().rename("links").reset_index()


def aligned_tasks(comparison) -> pd.DataFrame:
    """The alignment table for reading: paths and headings of both sides, score, relation, evidence."""
    paths = dict(zip(comparison.source_tasks["task_id"], comparison.source_tasks["path"]))
    paths.update(zip(comparison.target_tasks["task_id"], comparison.target_tasks["path"]))
    table = comparison["alignments"]
    return pd.DataFrame({
        "relation": table["relation"],
        "score": table["score"].round(2),
        "source_path": table["source_task_id"].map(paths).fillna(""),
        "source_heading": table["source_heading"],
        "target_path": table["target_task_id"].map(paths).fillna(""),
        "target_heading": table["target_heading"],
        "evidence": table["evidence"],
        "source_task_id": table["source_task_id"],
        "target_task_id": table["target_task_id"],
    })


def unlinked_tasks(comparison, side: str) -> pd.DataFrame:
    """Tasks of one side with no link (not cascaded / dropped, or local / new), with their text."""
    rows = comparison["coverage_tasks"]
    rows = rows[(rows["side"] == side) & ~rows["relation"].isin(LINK_RELATIONS)]
    tasks = comparison.source_tasks if side == "source" else comparison.target_tasks
    merged = rows[["task_id", "relation", "best_score"]].merge(
        tasks[["task_id", "path", "heading", "text", "lead_units", "responsible_units", "char_start", "char_end"]], on="task_id")
    return merged[["path", "heading", "relation", "best_score", "text", "lead_units", "responsible_units",
                   "task_id", "char_start", "char_end"]].reset_index(drop=True)


def coverage_by_unit_and_part(comparison) -> pd.DataFrame:
    """Share of the source plan's tasks taken up, by lead unit (rows) and part (columns), long form."""
    rows = comparison["coverage_tasks"]
    source = rows[rows["side"] == "source"][["task_id", "relation"]].merge(
        comparison.source_tasks[["task_id", "part_title", "lead_units"]], on="task_id")
    source["unit"] = source["lead_units"].str.split(";").map(lambda units: [u.split("会同")[0] for u in units if u] or ["(none)"])
    exploded = source.explode("unit")
    exploded["linked"] = exploded["relation"].isin(LINK_RELATIONS)
    table = exploded.groupby(["unit", "part_title"], sort=False).agg(tasks=("linked", "size"), linked=("linked", "sum"))
    table["share"] = (table["linked"] / table["tasks"]).round(3)
    return table.reset_index()


def targets_side_by_side(comparison, lexicon: pd.DataFrame) -> pd.DataFrame:
    """Shared indicators' targets, source beside target, with the change and a verdict (stricter /
    looser / equal for rates and other level-comparable kinds; raised / lowered across years)."""
    pairs = comparison["coverage_indicators"]
    if pairs.empty:
        return pd.DataFrame(columns=["indicator_id", "indicator", "source_value", "target_value", "unit", "change",
                                     "verdict", "tasks_aligned", "source_quote", "target_quote"])
    indicators = lexicon.set_index("indicator_id")
    rows = []
    for pair in pairs.itertuples():
        kind = indicators.at[pair.indicator_id, "kind"] if pair.indicator_id in indicators.index else ""
        higher_is_better = bool(indicators.at[pair.indicator_id, "higher_is_better"]) if kind else True
        delta = change(pair.target_value, pair.source_value, pair.target_unit, pair.source_unit, kind)
        if comparison.kind == "level":
            verdict = vs_parent(pair.target_value, pair.source_value, higher_is_better, kind) or "share of parent's"
        else:
            verdict = direction(pair.target_value, pair.source_value, pair.target_unit, pair.source_unit)
        rows.append({
            "indicator_id": pair.indicator_id,
            "indicator": indicators.at[pair.indicator_id, "name_zh"] if kind else pair.indicator_id,
            "source_value": pair.source_value, "target_value": pair.target_value, "unit": pair.target_unit,
            "change": (f"{delta:+g} pp" if kind in POINT_KINDS else f"×{delta:g}") if delta is not None else "",
            "verdict": verdict, "tasks_aligned": pair.tasks_aligned,
            "source_quote": pair.source_quote, "target_quote": pair.target_quote,
        })
    return pd.DataFrame(rows)


def clause_reach(comparison) -> pd.DataFrame:
    """For each linked source task: its clauses matched in the target plan (the sub-actions that
    reached it), out of its clauses, with the matched pairs listed."""
    clauses = comparison["alignment_clauses"]
    if clauses.empty:
        return pd.DataFrame(columns=["source_path", "source_heading", "clauses_matched", "sub_actions"])
    paths = dict(zip(comparison.source_tasks["task_id"], comparison.source_tasks["path"]))
    headings = dict(zip(comparison.source_tasks["task_id"], comparison.source_tasks["heading"]))
    best = clauses.sort_values("score", ascending=False).drop_duplicates(["source_task_id", "source_clause_no"])
    rows = []
    for task_id, group in best.groupby("source_task_id", sort=False):
        group = group.sort_values("source_clause_no")
        rows.append({
            "source_path": paths.get(task_id, ""), "source_heading": headings.get(task_id, ""),
            "clauses_matched": len(group),
            "sub_actions": "\n".join(f"「{s}」 → {t.split(':')[0]} 「{c}」 ({score:.2f})"
                                     for s, t, c, score in zip(group["source_clause"], group["target_task_id"],
                                                               group["target_clause"], group["score"])),
            "source_task_id": task_id,
        })
    order = {t: i for i, t in enumerate(comparison.source_tasks["task_id"])}
    return pd.DataFrame(rows).sort_values("source_task_id", key=lambda s: s.map(order)).reset_index(drop=True)
