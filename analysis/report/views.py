"""What the notebooks show: the escalation table and one comparison, read for people (one-line
summaries, flows between sections, tasks side by side)."""

from __future__ import annotations

import pandas as pd

from analysis.align import PlanComparison
from analysis.compare.escalation import POINT_KINDS, change, direction, vs_parent
from analysis.schema import UNLINKED

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
    for row in chain.to_dict(orient="records"):
        text = f"{row['doc_id']} {_format_value(float(row['value']), str(row['unit']))}"
        if row["previous_doc"]:
            text += (
                f" ({_format_change(row['change_vs_previous'], str(row['change_unit']))} vs {row['previous_doc']}, "
                f"{row['direction']})"
            )
        elif row["parent_doc"]:
            verdict = f", {row['vs_parent']}" if row["vs_parent"] else ""
            text += (
                f" ({_format_change(row['change_vs_parent'], str(row['change_unit']))} vs {row['parent_doc']}{verdict})"
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
    """Tasks of one side with no link (not cascaded / dropped, or local / new), with their text."""
    rows = comparison["coverage_tasks"]
    rows = rows[(rows["side"] == side) & ~rows["relation"].isin(LINK_RELATIONS)]
    tasks = comparison.source_tasks if side == "source" else comparison.target_tasks
    merged = rows[["task_id", "relation", "best_score"]].merge(
        tasks[["task_id", "path", "heading", "text", "lead_units", "responsible_units", "char_start", "char_end"]],
        on="task_id",
    )
    return merged[
        [
            "path",
            "heading",
            "relation",
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
        source["lead_units"].str.split(";").map(lambda units: [u.split("会同")[0] for u in units if u] or ["(none)"])
    )
    exploded = source.explode("unit")
    exploded["linked"] = exploded["relation"].isin(LINK_RELATIONS)
    table = exploded.groupby(["unit", "part_title"], sort=False).agg(tasks=("linked", "size"), linked=("linked", "sum"))
    table["share"] = (table["linked"] / table["tasks"]).round(3)
    return table.reset_index()


def targets_side_by_side(comparison: PlanComparison, lexicon: pd.DataFrame) -> pd.DataFrame:
    """Shared indicators' targets, source beside target, with the change and a verdict (stricter /
    looser / equal for rates and other level-comparable kinds; raised / lowered across years)."""
    pairs = comparison["coverage_indicators"]
    if pairs.empty:
        return pd.DataFrame(
            columns=[
                "indicator_id",
                "indicator",
                "source_value",
                "target_value",
                "unit",
                "change",
                "delta",
                "change_kind",
                "change_shown",
                "verdict",
                "tasks_aligned",
                "source_quote",
                "target_quote",
            ]
        )
    indicators = lexicon.set_index("indicator_id")
    rows = []
    for pair in pairs.to_dict(orient="records"):
        indicator_id = pair["indicator_id"]
        kind = str(indicators.at[indicator_id, "kind"]) if indicator_id in indicators.index else ""
        higher_is_better = bool(indicators.at[indicator_id, "higher_is_better"]) if kind else True
        target_value, source_value = float(pair["target_value"]), float(pair["source_value"])
        target_unit, source_unit = str(pair["target_unit"]), str(pair["source_unit"])
        delta = change(target_value, source_value, target_unit, source_unit, kind)
        if comparison.kind == "level":
            verdict = vs_parent(target_value, source_value, higher_is_better, kind) or "share of parent's"
        else:
            verdict = direction(target_value, source_value, target_unit, source_unit)
        rows.append(
            {
                "indicator_id": indicator_id,
                "indicator": indicators.at[indicator_id, "name_zh"] if kind else indicator_id,
                "source_value": pair["source_value"],
                "target_value": pair["target_value"],
                "unit": pair["target_unit"],
                "change": (f"{delta:+g} pp" if kind in POINT_KINDS else f"×{delta:g}") if delta is not None else "",
                "delta": delta,
                "change_kind": "pp" if kind in POINT_KINDS else "ratio",
                "change_shown": "" if delta is None else (_points(delta) if kind in POINT_KINDS else f"×{delta:.2f}"),
                "verdict": verdict,
                "tasks_aligned": pair["tasks_aligned"],
                "source_quote": pair["source_quote"],
                "target_quote": pair["target_quote"],
            }
        )
    return pd.DataFrame(rows)


def _points(delta: float) -> str:
    return f"{delta:+.2f}".rstrip("0").rstrip(".") + " pp"


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


# --- findings: the sentences a report opens with, generated from its tables ---------------------

NEAR_THRESHOLD = 0.04


def link_min(comparison: PlanComparison) -> float:
    """The score a link needs, as the comparison's build decided it (its ``build.json``)."""
    return float(comparison.settings.thresholds.link_min)


def uncertain_count(comparison: PlanComparison, margin: float = NEAR_THRESHOLD) -> int:
    """Links and unlinked tasks whose score lies within ``margin`` of the link threshold."""
    return int(((comparison["alignments"]["score"] - link_min(comparison)).abs() <= margin).sum())


def caveats(row) -> list[str]:
    """Caveat keys of an escalation row (or a pair of quotes): wording differs, striving (力争),
    cumulative (累计)."""
    note = str(row.get("note", "") or "")
    quotes = " ".join(str(row.get(c, "") or "") for c in ("quote", "source_quote", "target_quote", "comparator"))
    keys = []
    if "worded" in note:
        keys.append("caveat.wording")
    if "力争" in quotes:
        keys.append("caveat.striving")
    if "累计" in quotes or "cumulative" in note:
        keys.append("caveat.cumulative")
    if "not compared across levels" in note:
        keys.append("caveat.count_share")
    return keys


def comparison_findings(
    comparison: PlanComparison, lexicon: pd.DataFrame, report, possible_link_min: float | None = None
) -> list[str]:
    """3–6 sentences: coverage share, the tasks not taken up (by name), the headline target
    changes, what is new or local, what is uncertain and, with ``possible_link_min``, how many
    unlinked pairs may still be links (:func:`possible_links`)."""
    msg, name = report.msg, report.name
    source, target = name(comparison.source_doc), name(comparison.target_doc)
    counts = comparison["coverage_tasks"].groupby(["side", "relation"]).size()
    sides = counts.index.get_level_values("side")
    n_source, n_target = int(counts[sides == "source"].sum()), int(counts[sides == "target"].sum())
    same, partial = int(counts.get(("source", "same"), 0)), int(counts.get(("source", "partial"), 0))
    kind = comparison.kind
    new_relation = UNLINKED[kind][1]  # new (year), local (level), only_in_b (peer)
    sentences = [
        msg(
            f"findings.{kind}.coverage",
            source=source,
            target=target,
            n=n_source,
            linked=same + partial,
            share=msg.share((same + partial) / n_source if n_source else 0),
            same=same,
            partial=partial,
        )
    ]
    unlinked = unlinked_tasks(comparison, "source")
    if len(unlinked):
        shown = [f"{p}「{h}」" for p, h in zip(unlinked["path"], unlinked["heading"])][:3]
        sentences.append(
            msg(
                f"findings.{kind}.not_taken_up",
                n=len(unlinked),
                tasks=msg.join(shown),
                more=msg("findings.and_more") if len(unlinked) > 3 else "",
            )
        )
    n_new = int(counts.get(("target", new_relation), 0))
    sentences.append(msg(f"findings.{kind}.new", n=n_new, total=n_target, target=target))
    targets = report.indicator_names(targets_side_by_side(comparison, lexicon))
    changed = targets[targets["change"] != ""] if len(targets) else targets
    if len(changed):
        changed = changed.assign(_size=changed["delta"].abs()).sort_values("_size", ascending=False)
        items = [
            msg(
                "findings.target_change",
                indicator=r.indicator,
                before=msg.value(r.source_value, r.unit),
                after=msg.value(r.target_value, r.unit),
                change=msg.points(r.delta) if r.change_kind == "pp" else "×" + msg.ratio(r.delta),
                verdict=msg.verdict(r.verdict),
            )
            for r in changed.head(3).itertuples()
        ]
        sentences.append(msg("findings.targets", n=len(targets), items=msg.join(items)))
    else:
        sentences.append(msg("findings.no_targets"))
    sentences.append(
        msg(
            "findings.uncertain",
            n=uncertain_count(comparison),
            threshold=f"{link_min(comparison):.2f}",
            margin=f"{NEAR_THRESHOLD:.2f}",
        )
    )
    if possible_link_min is not None:
        possible = possible_links(comparison, possible_link_min)
        share = msg.share(possible_link_min)
        if len(possible):
            top = possible.iloc[0]
            sentences.append(
                msg(
                    "findings.possible_links",
                    n=len(possible),
                    min=share,
                    pair=f"{top['source_path']}「{top['source_heading']}」 ↔ {top['target_path']}「{top['target_heading']}」",
                    probability=msg.share(top["link_probability"]),
                )
            )
        else:
            sentences.append(msg("findings.no_possible_links", min=share))
    return sentences


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
    """The shared targets for reading: values with their caveats beside them, signed change."""
    import html

    table = report.indicator_names(targets_side_by_side(comparison, lexicon))
    if table.empty:
        return table
    msg = report.msg
    marks = []
    for row in table.to_dict("records"):
        keys = caveats(row)
        marks.append("".join(f'<span class="caveat">{html.escape(msg(k))}</span>' for k in keys))
    table = table.assign(
        target_shown=[html.escape(msg.value(v, u)) + m for v, u, m in zip(table["target_value"], table["unit"], marks)],
        source_shown=[html.escape(msg.value(v, u)) for v, u in zip(table["source_value"], table["unit"])],
    )
    return table


def escalation_for_people(escalation: pd.DataFrame, report, kinds: tuple[str, ...] = ("pp",)) -> pd.DataFrame:
    """The changed escalation rows with display names and caveats next to the value."""
    import html

    rows = changes(escalation, kinds)
    msg = report.msg
    shown = []
    for row in rows.to_dict("records"):
        marks = "".join(f'<span class="caveat">{html.escape(msg(k))}</span>' for k in caveats(row))
        shown.append(html.escape(msg.value(row["value"], row["unit"])) + marks)
    return rows.assign(
        plan=[report.name(d) for d in rows["doc_id"]],
        value_shown=shown,
        previous=[report.name(d) if d else "" for d in escalation.loc[rows.index, "previous_doc"]] if len(rows) else [],
    )


def escalation_findings(escalation: pd.DataFrame, indicator_id: str, report) -> list[str]:
    msg = report.msg
    sentences = []
    chain = escalation[escalation["indicator_id"] == indicator_id]
    if len(chain):
        steps = msg.join(f"{report.name(r.doc_id)} {msg.value(r.value, r.unit)}" for r in chain.itertuples())
        sentences.append(msg("findings.escalation.headline", indicator=chain["indicator_name"].iloc[0], steps=steps))
    year = escalation[
        escalation["direction"].isin(["raised", "lowered", "same"]) & escalation["previous_doc"].fillna("").ne("")
    ]
    sentences.append(
        msg(
            "findings.escalation.years",
            raised=int((year["direction"] == "raised").sum()),
            lowered=int((year["direction"] == "lowered").sum()),
            same=int((year["direction"] == "same").sum()),
        )
    )
    level = escalation[escalation["vs_parent"].fillna("") != ""]
    sentences.append(
        msg(
            "findings.escalation.levels",
            stricter=int((level["vs_parent"] == "stricter").sum()),
            looser=int((level["vs_parent"] == "looser").sum()),
            equal=int((level["vs_parent"] == "equal").sum()),
        )
    )
    n_caveat = sum(1 for row in escalation.to_dict("records") if caveats(row))
    sentences.append(msg("findings.escalation.caveats", n=n_caveat))
    return sentences


def overview_findings(documents: pd.DataFrame, report) -> list[str]:
    from analysis.report.overview import duplicate_findings, in_order

    msg = report.msg
    levels = msg.join(
        f"{n} {msg(f'level.{lv}')}" for lv, n in in_order(documents)["level"].value_counts(sort=False).items()
    )
    sentences = [
        msg(
            "findings.overview.corpus",
            n=len(documents),
            levels=levels,
            first=int(documents["year"].min()),
            last=int(documents["year"].max()),
            tasks=int(documents["n_tasks"].sum()),
        )
    ]
    copies = duplicate_findings(documents)
    for row in copies.head(2).itertuples():
        sentences.append(
            msg(
                "findings.overview.copy",
                copy=report.name(row.doc_id),
                original=report.name(row.duplicate_of),
                similarity=msg.ratio(row.duplicate_similarity),
                damage=msg.ratio(row.damage_per_1k_chars),
            )
        )
    links = documents["previous"].fillna("").ne("").sum() + documents["parent"].fillna("").ne("").sum()
    sentences.append(msg("findings.overview.links", n=int(links)))
    return sentences
