"""The sentences a report opens with, each rendered from facts computed once.

A comparison's findings come from its :class:`analysis.compare.facts.ComparisonFacts`, the target
chain's from the escalation table, the corpus's from the documents table. Every count states its
sure and unsure parts; a task is named as not taken up only when the model is sure of it. Each
sentence is a :class:`Finding`: the text, its catalogue key and the facts it states (what a test
reads to find contradictions, rather than the prose).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analysis.align import PlanComparison
from analysis.compare.facts import ComparisonFacts, Count, comparison_facts, row_sure
from analysis.report.overview import duplicate_findings, in_order
from analysis.report.views import caveats

SHOWN_TASKS = 3  # tasks named in a sentence (then "and others")
SHOWN_CHANGES = 3


class Finding(str):
    """A sentence of the findings, with its catalogue ``key`` and the ``facts`` it states."""

    key: str
    facts: Mapping[str, object]

    def __new__(cls, text: str, key: str, facts: Mapping[str, object]) -> Finding:
        finding = super().__new__(cls, text)
        finding.key, finding.facts = key, dict(facts)
        return finding


def _said(msg, key: str, facts: Mapping[str, object] | None = None, **values) -> Finding:
    return Finding(msg(key, **values), key, {**values, **(facts or {})})


def _count_values(count: Count) -> dict[str, int]:
    return {"n": count.total, "sure": count.sure, "unsure": count.unsure}


def _task_names(report, tasks: pd.DataFrame) -> str:
    msg = report.msg
    shown = [report.task_label(p, h) for p, h in zip(tasks["path"], tasks["heading"])][:SHOWN_TASKS]
    return msg.join(shown) + (msg("findings.and_more") if len(tasks) > SHOWN_TASKS else "")


def comparison_findings(
    comparison: PlanComparison, lexicon: pd.DataFrame, report, possible_link_min: float | None = None
) -> list[Finding]:
    """4–7 sentences from the comparison's facts: what the later or lower plan takes up, what it
    does not (sure, and to check), what is new or local, the headline target changes, how many
    decisions are to check and, with ``possible_link_min``, the unlinked pairs that may be links."""
    facts = comparison_facts(comparison, lexicon, possible_link_min)
    sentences = [
        _coverage(facts, report),
        *_left_out(facts, report),
        _new_or_local(facts, report),
        _targets(facts, report),
        _to_check(facts, comparison, report),
    ]
    if possible_link_min is not None:
        sentences.append(_possible(facts, report, possible_link_min))
    return sentences


def _coverage(facts: ComparisonFacts, report) -> Finding:
    msg = report.msg
    linked = facts.count("source", True)
    n = facts.size("source")
    return _said(
        msg,
        f"findings.{facts.kind}.coverage",
        {"linked_sure": linked.sure, "linked_unsure": linked.unsure},
        source=report.name(facts.source_doc),
        target=report.name(facts.target_doc),
        n=n,
        linked=linked.total,
        sure=linked.sure,
        unsure=linked.unsure,
        share=msg.share(linked.sure / n if n else 0),
        same=facts.relation_count("source", "same"),
        partial=facts.relation_count("source", "partial"),
        sure_min=msg.share(facts.sure_min),
    )


def _left_out(facts: ComparisonFacts, report) -> list[Finding]:
    """The source tasks not taken up: how many, sure and to check, named (sure ones first)."""
    msg = report.msg
    count = facts.count("source", False)
    if not count.total:
        return []
    named = facts.named("source", False)
    sure, unsure = named[named["sure"]], named[~named["sure"]]
    parts = []
    if len(sure):
        parts.append(msg("findings.named.sure", tasks=_task_names(report, sure)))
    if len(unsure):
        parts.append(msg("findings.named.unsure", tasks=_task_names(report, unsure)))
    return [
        _said(
            msg,
            f"findings.{facts.kind}.not_taken_up",
            {"sure_tasks": list(sure["task_id"]), "unsure_tasks": list(unsure["task_id"])},
            **_count_values(count),
            named="".join(parts),
        )
    ]


def _new_or_local(facts: ComparisonFacts, report) -> Finding:
    msg = report.msg
    count = facts.count("target", False)
    named = facts.named("target", False)
    return _said(
        msg,
        f"findings.{facts.kind}.new",
        {"sure_tasks": list(named[named["sure"]]["task_id"]), "unsure_tasks": list(named[~named["sure"]]["task_id"])},
        **_count_values(count),
        total=facts.size("target"),
        target=report.name(facts.target_doc),
    )


def _targets(facts: ComparisonFacts, report) -> Finding:
    msg = report.msg
    targets = report.indicator_names(facts.targets.assign(indicator=facts.targets["indicator_id"]))
    changes = [
        {
            "indicator_id": r.indicator_id,
            "source_value": r.source_value,
            "target_value": r.target_value,
            "direction": r.direction,
            "verdict": r.verdict,
            "change": r.change,
        }
        for r in targets.head(SHOWN_CHANGES).itertuples()
    ]
    doubted = facts.to_check
    to_check = list(zip(doubted["indicator_id"], doubted["source_value"], doubted["target_value"]))
    stated = {"changes": changes, "to_check": to_check}
    if targets.empty:
        return _said(msg, "findings.no_targets", stated, check=len(facts.to_check))
    items = [
        msg(
            "findings.target_change",
            indicator=r.indicator,
            before=msg.value(r.source_value, r.source_unit),
            after=msg.value(r.target_value, r.target_unit),
            change=msg.change(r.measure, r.change, r.relative, r.target_unit, r.verdict),
            verdict=msg.verdict(r.verdict),
            implied=msg("findings.implied_mark") if r.implied else "",
        )
        for r in targets.head(SHOWN_CHANGES).itertuples()
    ]
    return _said(
        msg,
        "findings.targets",
        stated,
        n=len(targets),
        implied=int(targets["implied"].sum()),
        check=len(facts.to_check),
        items=msg.join(items),
    )


def _to_check(facts: ComparisonFacts, comparison: PlanComparison, report) -> Finding:
    """How many of the model's decisions (rows of the alignments) are not sure: the close reading
    marks the same ones."""
    rows = comparison["alignments"]
    unsure = ~row_sure(comparison, facts.sure_min)
    linked = rows["relation"].isin(("same", "partial")).to_numpy()
    return _said(
        report.msg,
        "findings.uncertain",
        n=int(unsure.sum()),
        links=int((unsure & linked).sum()),
        unlinked=int((unsure & ~linked).sum()),
        sure_min=report.msg.share(facts.sure_min),
    )


def _possible(facts: ComparisonFacts, report, minimum: float) -> Finding:
    msg = report.msg
    possible = facts.possible_links
    if possible.empty:
        return _said(msg, "findings.no_possible_links", min=msg.share(minimum))
    top = possible.iloc[0]
    paths = dict(zip(facts.tasks["task_id"], facts.tasks["path"]))
    pair = (
        report.task_label(paths.get(top["source_task_id"], ""), top["source_heading"])
        + " ↔ "
        + report.task_label(paths.get(top["target_task_id"], ""), top["target_heading"])
    )
    return _said(
        msg,
        "findings.possible_links",
        {"pairs": list(zip(possible["source_task_id"], possible["target_task_id"], possible["link_probability"]))},
        n=len(possible),
        min=msg.share(minimum),
        pair=pair,
        probability=msg.share(top["link_probability"]),
    )


# --- the target chain and the corpus ------------------------------------------------------------------


def escalation_findings(escalation: pd.DataFrame, indicator_id: str, report) -> list[Finding]:
    """The headline chain, then how the targets moved against the previous year and the parent,
    each count with the pairs not compared (to check), then the caveats."""
    msg = report.msg
    sentences = []
    chain = escalation[escalation["indicator_id"] == indicator_id]
    if len(chain):
        steps = msg.join(f"{report.name(r.doc_id)} {msg.value(r.value, r.unit)}" for r in chain.itertuples())
        sentences.append(
            _said(msg, "findings.escalation.headline", indicator=chain["indicator_name"].iloc[0], steps=steps)
        )
    implied = escalation["note"].fillna("").str.contains("implied", regex=False)
    for key, against, column, verdicts in (
        ("findings.escalation.years", "previous_doc", "direction", ("raised", "lowered", "same")),
        ("findings.escalation.levels", "parent_doc", "vs_parent", ("stricter", "looser", "equal")),
    ):
        rows = escalation[escalation[against].fillna("").ne("") & escalation[column].isin([*verdicts, "check"])]
        counted = rows[column].value_counts()
        values = {k: int(counted.get(k, 0)) for k in (*verdicts, "check")}
        values["implied"] = int((implied[rows.index] & (rows[column] != "check")).sum())
        sentences.append(_said(msg, key, None, **values))
    n_caveat = sum(1 for row in escalation.to_dict("records") if caveats(row))
    sentences.append(_said(msg, "findings.escalation.caveats", n=n_caveat))
    return sentences


def overview_findings(documents: pd.DataFrame, report) -> list[Finding]:
    """The corpus in one sentence, its damaged copies, the comparisons the manifest declares."""
    msg = report.msg
    levels = msg.join(
        f"{n} {msg(f'level.{lv}')}" for lv, n in in_order(documents)["level"].value_counts(sort=False).items()
    )
    sentences = [
        _said(
            msg,
            "findings.overview.corpus",
            n=len(documents),
            levels=levels,
            first=int(documents["year"].min()),
            last=int(documents["year"].max()),
            tasks=int(documents["n_tasks"].sum()),
        )
    ]
    for row in duplicate_findings(documents).head(2).itertuples():
        sentences.append(
            _said(
                msg,
                "findings.overview.copy",
                copy=report.name(row.doc_id),
                original=report.name(row.duplicate_of),
                similarity=msg.ratio(row.duplicate_similarity),
                damage=msg.ratio(row.damage_per_1k_chars),
            )
        )
    links = documents["previous"].fillna("").ne("").sum() + documents["parent"].fillna("").ne("").sum()
    sentences.append(_said(msg, "findings.overview.links", n=int(links)))
    return sentences
