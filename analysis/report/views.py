"""What the notebooks show: the escalation table and one comparison, read for people (one-line
summaries, flows between sections, tasks side by side)."""

from __future__ import annotations

import pandas as pd

from analysis.align import PlanComparison
from analysis.align.coverage import NO_UNIT
from analysis.compare.facts import TARGET_FACT_COLUMNS, comparison_facts, task_facts

# --- reading the escalation table ---------------------------------------------------------------


def headline_indicator(escalation: pd.DataFrame) -> str:
    """The indicator followed by the most documents (then levels, then years): the headline chain."""
    if escalation.empty:
        return ""
    reach = escalation.groupby("indicator_id").agg(
        documents=("doc_id", "nunique"), levels=("level", "nunique"), years=("year", "nunique")
    )
    reach = reach.reset_index().sort_values(
        ["documents", "levels", "years", "indicator_id"], ascending=[False, False, False, True]
    )
    return str(reach["indicator_id"].iloc[0])


def _format_value(value: float, unit: str) -> str:
    return f"{value:g}{unit}"


def _format_change(change_value, change_unit: str, unit: str = "") -> str:
    if pd.isna(change_value):
        return ""
    if change_unit == "ratio":
        return f"×{change_value:g}"
    return f"{change_value:+g} {'pp' if change_unit == 'pp' else unit}"


def chain_summary(escalation: pd.DataFrame, indicator_id: str) -> str:
    """One line: the indicator's values along the year links, then each lower-level plan's."""
    chain = escalation[escalation["indicator_id"] == indicator_id]
    if chain.empty:
        return f"{indicator_id}: not found in two or more documents"
    parts = []
    for row in chain.to_dict(orient="records"):
        text = f"{row['doc_id']} {_format_value(float(row['value']), str(row['unit']))}"
        if row["previous_doc"]:
            text += (
                f" ({_format_change(row['change_vs_previous'], str(row['change_unit']), str(row['unit']))} vs "
                f"{row['previous_doc']}, "
                f"{row['direction']})"
            )
        elif row["parent_doc"]:
            verdict = f", {row['vs_parent']}" if row["vs_parent"] else ""
            text += (
                f" ({_format_change(row['change_vs_parent'], str(row['change_unit']), str(row['unit']))} vs "
                f"{row['parent_doc']}{verdict})"
            )
        parts.append(text)
    return f"{chain['indicator_name'].iloc[0]} ({indicator_id}): " + " → ".join(parts)


CHANGE_COLUMNS = [
    "indicator_name",
    "doc_id",
    "level",
    "year",
    "value",
    "unit",
    "comparator",
    "deadline",
    "change_vs_previous",
    "direction",
    "change_vs_parent",
    "vs_parent",
    "change_unit",
    "quote",
    "note",
]


def changes(escalation: pd.DataFrame, kinds: tuple[str, ...] = ("pp",)) -> pd.DataFrame:
    """The escalation rows that changed against a previous or a parent plan, in the given units."""
    changed = escalation["change_vs_previous"].notna() | escalation["change_vs_parent"].notna()
    return escalation[changed & escalation["change_unit"].isin(kinds)][CHANGE_COLUMNS].reset_index(drop=True)


# --- reading one comparison (a PlanComparison of analysis.corpus.load) ------------------------

LINK_RELATIONS = ("same", "partial")
RELATION_ORDER = ("same", "partial", "new", "dropped", "local", "not_cascaded", "only_in_a", "only_in_b")


def relation_counts(coverage_tasks: pd.DataFrame) -> pd.DataFrame:
    """How many tasks of each plan are continued, partly taken up, or left unlinked."""
    counts = coverage_tasks.groupby(["side", "doc_id", "relation"]).size().unstack("relation", fill_value=0)
    columns = [r for r in RELATION_ORDER if r in counts.columns]
    counts = counts[columns]
    counts["tasks"] = counts.sum(axis=1)
    return (
        counts.reset_index().sort_values("side", key=lambda s: s.map({"source": 0, "target": 1})).reset_index(drop=True)
    )


def share_taken_up(coverage: pd.DataFrame, side: str = "source") -> float:
    """Share of one side's tasks linked to the other plan (overall row of the coverage summary)."""
    overall = coverage[(coverage["side"] == side) & (coverage["scope"] == "overall")]
    return float(overall["share_linked"].iloc[0]) if len(overall) else float("nan")


def comparison_summary(comparison: PlanComparison) -> str:
    """One line for the report index: how much carried over, what is new or left out."""
    counts = comparison["coverage_tasks"].groupby(["side", "relation"]).size()
    sides = counts.index.get_level_values("side")
    source_n, target_n = int(counts[sides == "source"].sum()), int(counts[sides == "target"].sum())
    taken = share_taken_up(comparison["coverage"], "source")
    if comparison.kind == "year":
        new, dropped = int(counts.get(("target", "new"), 0)), int(counts.get(("source", "dropped"), 0))
        return (
            f"{comparison.source_doc} → {comparison.target_doc}: {taken:.0%} of {source_n} tasks continued "
            f"({int(counts.get(('source', 'same'), 0))} as the same task, {int(counts.get(('source', 'partial'), 0))} "
            f"in part), {dropped} dropped; {new} of {target_n} tasks new"
        )
    if comparison.kind == "peer":
        only_a, only_b = int(counts.get(("source", "only_in_a"), 0)), int(counts.get(("target", "only_in_b"), 0))
        return (
            f"{comparison.source_doc} and {comparison.target_doc} share {taken:.0%} of the {source_n} tasks of "
            f"{comparison.source_doc}; {only_a} of its tasks and {only_b} of the {target_n} of "
            f"{comparison.target_doc} have no counterpart"
        )
    local, left = int(counts.get(("target", "local"), 0)), int(counts.get(("source", "not_cascaded"), 0))
    return (
        f"{comparison.target_doc} takes up {taken:.0%} of the {source_n} tasks of {comparison.source_doc} "
        f"({left} not cascaded); {local} of its {target_n} tasks are local"
    )


def section_flows(comparison: PlanComparison) -> pd.DataFrame:
    """Task links counted from each source section to each target section (sankey input); unlinked
    tasks flow from or to a pseudo-section named after their relation."""
    source = comparison.source_tasks.set_index("task_id")
    target = comparison.target_tasks.set_index("task_id")

    def section(tasks: pd.DataFrame, task_id: str) -> str:
        row = tasks.loc[task_id]
        return str(row["section_title"] or row["part_title"])

    rows: list[tuple[str, str, str]] = []
    for link in comparison["alignments"].to_dict(orient="records"):
        relation, source_id, target_id = str(link["relation"]), link["source_task_id"], link["target_task_id"]
        if relation in LINK_RELATIONS:
            rows.append((section(source, str(source_id)), section(target, str(target_id)), relation))
        elif source_id:
            rows.append((section(source, str(source_id)), f"({relation})", relation))
        else:
            rows.append((f"({relation})", section(target, str(target_id)), relation))
    flows = pd.DataFrame(rows, columns=["source_section", "target_section", "relation"])
    return (
        flows.groupby(["source_section", "target_section", "relation"], sort=False).size().rename("links").reset_index()
    )


def aligned_tasks(comparison: PlanComparison, links_only: bool = False) -> pd.DataFrame:
    """The alignment table for reading: paths and headings of both sides, score, relation,
    evidence; its links only with ``links_only`` (the tasks both plans have)."""
    paths = dict(zip(comparison.source_tasks["task_id"], comparison.source_tasks["path"]))
    paths.update(zip(comparison.target_tasks["task_id"], comparison.target_tasks["path"]))
    table = comparison["alignments"]
    if links_only:
        table = table[table["relation"].isin(LINK_RELATIONS)]
    return pd.DataFrame(
        {
            "relation": table["relation"],
            "score": table["score"].round(2),
            "source_path": table["source_task_id"].map(paths).fillna(""),
            "source_heading": table["source_heading"],
            "target_path": table["target_task_id"].map(paths).fillna(""),
            "target_heading": table["target_heading"],
            "evidence": table["evidence"],
            "source_task_id": table["source_task_id"],
            "target_task_id": table["target_task_id"],
        }
    )


def unlinked_tasks(comparison, side: str) -> pd.DataFrame:
    """Tasks of one side the model does not surely link: those with no link (not cascaded /
    dropped, or local / new) and those whose every link is to check (``certainty``: ``sure`` or
    ``unsure``, :func:`analysis.compare.facts.task_facts`), with their text."""
    facts = task_facts(comparison, float(comparison.settings.sure_min))
    rows = facts[(facts["side"] == side) & (~facts["linked"] | ~facts["sure"])]
    best = comparison["coverage_tasks"].set_index("task_id")["best_score"]
    tasks = comparison.source_tasks if side == "source" else comparison.target_tasks
    merged = rows.assign(
        best_score=rows["task_id"].map(best).astype(float),
        certainty=["sure" if s else "unsure" for s in rows["sure"]],
    )[["task_id", "relation", "best_score", "certainty"]].merge(
        tasks[["task_id", "path", "heading", "text", "lead_units", "responsible_units", "char_start", "char_end"]],
        on="task_id",
    )
    return merged[
        [
            "path",
            "heading",
            "relation",
            "certainty",
            "best_score",
            "text",
            "lead_units",
            "responsible_units",
            "task_id",
            "char_start",
            "char_end",
        ]
    ].reset_index(drop=True)


def coverage_by_unit_and_part(comparison: PlanComparison) -> pd.DataFrame:
    """Share of the source plan's tasks taken up, by lead unit (rows) and part (columns), long form."""
    rows = comparison["coverage_tasks"]
    source = rows[rows["side"] == "source"][["task_id", "relation"]].merge(
        comparison.source_tasks[["task_id", "part_title", "lead_units"]], on="task_id"
    )
    source["unit"] = (
        source["lead_units"].str.split(";").map(lambda units: [u.split("会同")[0] for u in units if u] or [NO_UNIT])
    )
    exploded = source.explode("unit")
    exploded["linked"] = exploded["relation"].isin(LINK_RELATIONS)
    table = exploded.groupby(["unit", "part_title"], sort=False).agg(tasks=("linked", "size"), linked=("linked", "sum"))
    table["share"] = (table["linked"] / table["tasks"]).round(3)
    return table.reset_index()


# The like-with-like pairs' facts, with the indicator's name in this edition's words after its id.
TARGET_COLUMNS = ["indicator_id", "indicator", *TARGET_FACT_COLUMNS[1:]]


def targets_side_by_side(comparison: PlanComparison, lexicon: pd.DataFrame) -> pd.DataFrame:
    """The targets both plans set, like with like, one per indicator (largest change first): the
    values side by side, the change stated by the kind of number (``measure``: ``pp``, ``ratio`` or
    ``difference``; ``relative`` for a concentration), its ``direction`` and ``verdict``
    (raised / lowered / same across years; stricter / looser / equal or ``share of parent's``
    across levels), and whether one value is implied by its wording
    (:func:`analysis.compare.facts.comparison_facts`)."""
    found = comparison_facts(comparison, lexicon).targets
    names = dict(zip(lexicon["indicator_id"], lexicon["name_zh"]))
    return found.assign(indicator=[names.get(i, i) for i in found["indicator_id"]])[TARGET_COLUMNS]


def targets_to_check(comparison: PlanComparison, lexicon: pd.DataFrame) -> pd.DataFrame:
    """The pairs of targets of one indicator the comparison doubts (other scope words or units):
    listed for a reviewer, never stated as a change."""
    return comparison_facts(comparison, lexicon).to_check


POSSIBLE_LINK_COLUMNS = [
    "link_probability",
    "score",
    "source_path",
    "source_heading",
    "target_path",
    "target_heading",
    "evidence",
    "correction",
    "source_task_id",
    "target_task_id",
]


def possible_links(comparison: PlanComparison, min_probability: float) -> pd.DataFrame:
    """The pairs the model left unlinked that may still be links (its ``near_misses`` with
    P(link) ≥ ``min_probability``), most probable first: what a reader of the report checks by
    eye, with the row of ``data/corrections/alignments.csv`` that accepts one as ``partial``."""
    missed = comparison["near_misses"]
    missed = missed[missed["link_probability"] >= min_probability].sort_values(
        "link_probability", ascending=False, kind="stable"
    )
    paths = dict(zip(comparison.source_tasks["task_id"], comparison.source_tasks["path"]))
    paths.update(zip(comparison.target_tasks["task_id"], comparison.target_tasks["path"]))
    correction = [
        f"{source_doc},{source},{target_doc},{target},partial,"
        for source_doc, source, target_doc, target in zip(
            missed["source_doc"], missed["source_task_id"], missed["target_doc"], missed["target_task_id"]
        )
    ]
    return missed.assign(
        source_path=missed["source_task_id"].map(paths).fillna(""),
        target_path=missed["target_task_id"].map(paths).fillna(""),
        correction=correction,
    )[POSSIBLE_LINK_COLUMNS].reset_index(drop=True)


def clause_reach(comparison: PlanComparison) -> pd.DataFrame:
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
        rows.append(
            {
                "source_path": paths.get(task_id, ""),
                "source_heading": headings.get(task_id, ""),
                "clauses_matched": len(group),
                "sub_actions": "\n".join(
                    f"「{s}」 → {t.split(':')[0]} 「{c}」 ({score:.2f})"
                    for s, t, c, score in zip(
                        group["source_clause"], group["target_task_id"], group["target_clause"], group["score"]
                    )
                ),
                "source_task_id": task_id,
            }
        )
    order = {t: i for i, t in enumerate(comparison.source_tasks["task_id"])}
    return pd.DataFrame(rows).sort_values("source_task_id", key=lambda s: s.map(order)).reset_index(drop=True)


def caveats(row) -> list[str]:
    """Caveat keys of an escalation row or a pair of targets: wording differs, striving (力争),
    cumulative (累计), a count's share of the parent's, a value implied by its wording."""
    note = " ".join(str(row.get(c, "") or "") for c in ("note", "reason"))
    quotes = " ".join(str(row.get(c, "") or "") for c in ("quote", "source_quote", "target_quote", "comparator"))
    keys = []
    if "worded" in note:
        keys.append("caveat.wording")
    if "力争" in quotes:
        keys.append("caveat.striving")
    if "累计" in quotes or "cumulative" in note:
        keys.append("caveat.cumulative")
    if "not compared across levels" in note or row.get("verdict") == "share of parent's":
        keys.append("caveat.count_share")
    if row.get("implied") is True or "implied by" in note:
        keys.append("caveat.implied")
    return keys


def document_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The targets outside any task (role ``document``, and an indicator table's ``baseline``), for
    reading: the value as printed with its unit, its role as a label key."""
    outside = targets[targets["task_id"].fillna("") == ""].copy()
    printed = outside["value_text"].astype(str)
    unit = outside["unit"].astype(str)
    outside["value_shown"] = [v if not v[-1:].isdigit() else v + u for v, u in zip(printed, unit)]
    outside["role_label"] = outside["role"].map({"baseline": "baseline_value"}).fillna(outside["role"])
    columns = ["doc_id", "indicator", "value_shown", "comparator", "deadline", "role_label", "lead_units", "quote"]
    return outside[columns].reset_index(drop=True)


def people_targets(comparison: PlanComparison, lexicon: pd.DataFrame, report) -> pd.DataFrame:
    """The shared targets for reading: both values with their units (the caveats beside the
    later or lower one), the change as the kind of number says it, the verdict."""
    import html

    table = report.indicator_names(targets_side_by_side(comparison, lexicon))
    if table.empty:
        return table.assign(source_shown=[], target_shown=[], change_shown=[])
    msg = report.msg
    marks = [
        "".join(f'<span class="caveat">{report.quote_marked(html.escape(msg(k)))}</span>' for k in caveats(row))
        for row in table.to_dict("records")
    ]
    return table.assign(
        source_shown=[html.escape(msg.value(v, u)) for v, u in zip(table["source_value"], table["source_unit"])],
        target_shown=[
            html.escape(msg.value(v, u)) + m for v, u, m in zip(table["target_value"], table["target_unit"], marks)
        ],
        change_shown=[
            msg.change(r.measure, r.change, r.relative, r.target_unit, r.verdict) for r in table.itertuples()
        ],
    )


def people_targets_to_check(comparison: PlanComparison, lexicon: pd.DataFrame, report) -> pd.DataFrame:
    """The doubted pairs for reading: both values, and why they are not compared."""
    table = report.indicator_names(targets_to_check(comparison, lexicon).assign(indicator=lambda t: t["indicator_id"]))
    msg = report.msg
    return table.assign(
        source_shown=[msg.value(v, u) for v, u in zip(table["source_value"], table["source_unit"])],
        target_shown=[msg.value(v, u) for v, u in zip(table["target_value"], table["target_unit"])],
        why=[
            msg.doubt(r.doubt, r.source_scope_words, r.target_scope_words, r.source_unit, r.target_unit)
            for r in table.itertuples()
        ],
    )


def escalation_change(row, against: str, msg) -> str:
    """An escalation row's change against its ``previous`` plan or its ``parent``, as the kind of
    number says it (a count against the parent: its share of the parent's)."""
    value = row[f"change_vs_{against}"]
    if value is None or pd.isna(value):
        return ""
    measure = str(row["change_unit"])
    verdict = "share of parent's" if against == "parent" and measure == "ratio" else ""
    return msg.change(measure, value, None, str(row["unit"]), verdict)


def escalation_for_people(escalation: pd.DataFrame, report, kinds: tuple[str, ...] = ("pp",)) -> pd.DataFrame:
    """The changed escalation rows with display names, caveats next to the value and the changes
    as the kind of number says them."""
    import html

    rows = changes(escalation, kinds)
    msg = report.msg
    shown = []
    for row in rows.to_dict("records"):
        marks = "".join(f'<span class="caveat">{report.quote_marked(html.escape(msg(k)))}</span>' for k in caveats(row))
        shown.append(html.escape(msg.value(row["value"], row["unit"])) + marks)
    records = rows.to_dict("records")
    return rows.assign(
        plan=[report.name(d) for d in rows["doc_id"]],
        value_shown=shown,
        previous=[report.name(d) if d else "" for d in escalation.loc[rows.index, "previous_doc"]] if len(rows) else [],
        previous_change=[escalation_change(r, "previous", msg) for r in records],
        parent_change=[escalation_change(r, "parent", msg) for r in records],
    )
