"""The facts of one comparison, computed once: what every sentence a report states about it is
rendered from.

:func:`comparison_facts` reads a :class:`analysis.align.PlanComparison` and says, for every task
of both plans, whether it is linked and how sure the model is of that: a decision (a link, or a
task left unlinked) is *sure* when its confidence — the calibrated probability that it is right,
the alignment's ``confidence`` column — is at least the comparison's ``sure_min`` setting
(:class:`analysis.settings.AlignmentSettings`, read from the build's ``build.json``), and an
unlinked task is not sure either while one of its near misses is a link with a probability above
``1 − sure_min``. A task is linked surely when its most confident link is sure. Every count is
a :class:`Count` of its sure and unsure parts. The targets both plans set are the like-with-like
pairs of ``coverage_indicators`` (one per indicator: the plans' primary targets), each with its
:class:`analysis.compare.change.Change`; the pairs the pairing doubts are listed apart, to check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.align import PlanComparison
from analysis.compare.change import describe
from analysis.compare.escalation import ranked_targets
from analysis.schema import LINKS
from analysis.targets.pairing import CHECK, COMPARED, IMPLIED
from analysis.targets.scope import differences


@dataclass(frozen=True)
class Count:
    """A count with its sure and unsure parts."""

    sure: int
    unsure: int

    @property
    def total(self) -> int:
        return self.sure + self.unsure


TASK_FACT_COLUMNS = [
    "side",
    "task_id",
    "path",
    "heading",
    "relation",
    "linked",
    "confidence",
    "probable_link",
    "sure",
]
TARGET_FACT_COLUMNS = [
    "indicator_id",
    "source_value",
    "source_unit",
    "target_value",
    "target_unit",
    "kind",
    "measure",
    "change",
    "relative",
    "direction",
    "verdict",
    "implied",
    "tasks_aligned",
    "source_quote",
    "target_quote",
    "reason",
]


@dataclass(frozen=True)
class ComparisonFacts:
    """What a report may state about one comparison (see the module doc)."""

    kind: str
    source_doc: str
    target_doc: str
    sure_min: float
    tasks: pd.DataFrame  # TASK_FACT_COLUMNS, one row per task of either plan (source first)
    targets: pd.DataFrame  # TARGET_FACT_COLUMNS, the like-with-like pairs, largest change first
    to_check: pd.DataFrame  # the doubted pairs: indicator_id, source/target value, unit, quote, reason
    possible_links: pd.DataFrame  # near misses from the report's minimum probability, most probable first

    def count(self, side: str, linked: bool) -> Count:
        rows = self.tasks[(self.tasks["side"] == side) & (self.tasks["linked"] == linked)]
        sure = int(rows["sure"].sum())
        return Count(sure, len(rows) - sure)

    def size(self, side: str) -> int:
        return int((self.tasks["side"] == side).sum())

    def relation_count(self, side: str, relation: str) -> int:
        rows = self.tasks[(self.tasks["side"] == side) & (self.tasks["relation"] == relation)]
        return len(rows)

    def named(self, side: str, linked: bool) -> pd.DataFrame:
        """The tasks of one side, linked or not, sure ones first (then in plan order)."""
        rows = self.tasks[(self.tasks["side"] == side) & (self.tasks["linked"] == linked)]
        return rows.sort_values("sure", ascending=False, kind="stable").reset_index(drop=True)


def row_sure(comparison: PlanComparison, sure_min: float) -> np.ndarray:
    """Whether each row of the comparison's alignments is a sure decision: a link whose
    confidence is at least ``sure_min``; an unlinked task's row likewise, and none of its near
    misses a link with a probability above ``1 − sure_min``."""
    rows = comparison["alignments"]
    probable = _probable_links(comparison)
    linked = rows["relation"].isin(LINKS).to_numpy()
    task = np.where(rows["source_task_id"].astype(str) != "", rows["source_task_id"], rows["target_task_id"])
    near = np.array([probable.get(str(t), 0.0) for t in task], dtype=np.float64)
    return (rows["confidence"].to_numpy(dtype=np.float64) >= sure_min) & (linked | (near <= 1 - sure_min))


def _probable_links(comparison: PlanComparison) -> dict[str, float]:
    """Each task's most probable near miss (its link probability), either side."""
    missed = comparison["near_misses"]
    best: dict[str, float] = {}
    for side in ("source_task_id", "target_task_id"):
        for task, probability in missed.groupby(side)["link_probability"].max().items():
            best[str(task)] = max(best.get(str(task), 0.0), float(probability))
    return best


def task_facts(comparison: PlanComparison, sure_min: float) -> pd.DataFrame:
    """One row per task (:data:`TASK_FACT_COLUMNS`): a linked task as sure as its most confident
    link, an unlinked one as its own row of the alignments."""
    rows = comparison["alignments"].assign(_sure=row_sure(comparison, sure_min))
    probable = _probable_links(comparison)
    frames = []
    for side in ("source", "target"):
        column = f"{side}_task_id"
        mine = rows[rows[column].astype(str) != ""]
        decisions = mine.sort_values(["_sure", "confidence"], ascending=False, kind="stable").drop_duplicates(column)
        tasks = comparison["coverage_tasks"]
        tasks = tasks[tasks["side"] == side][["side", "task_id", "path", "heading", "relation"]]
        decided = decisions.set_index(column)
        frames.append(
            tasks.assign(
                linked=tasks["relation"].isin(LINKS).to_numpy(),
                confidence=tasks["task_id"].map(decided["confidence"]).fillna(1.0).to_numpy(dtype=np.float64),
                probable_link=tasks["task_id"].map(probable).fillna(0.0).to_numpy(dtype=np.float64),
                sure=tasks["task_id"].map(decided["_sure"]).fillna(True).to_numpy(dtype=bool),
            )
        )
    return pd.concat(frames, ignore_index=True)[TASK_FACT_COLUMNS]


def _target_facts(comparison: PlanComparison, lexicon: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The like-with-like target pairs, one per indicator (the plans' best-ranked targets:
    :func:`analysis.compare.escalation.ranked_targets`), largest change first; and the doubted ones."""
    pairs = comparison["coverage_indicators"]
    doubted = pairs[pairs["pairing"] == CHECK]
    doubt = [
        "scope" if differences(a, b) else "units"
        for a, b in zip(doubted["source_scope_words"], doubted["target_scope_words"])
    ]
    to_check = doubted.assign(doubt=doubt)[CHECK_COLUMNS].reset_index(drop=True)
    compared = _one_per_indicator(pairs[pairs["pairing"].isin(COMPARED)], comparison.targets)
    indicators = lexicon.set_index("indicator_id")
    rows = []
    for pair in compared.to_dict(orient="records"):
        known = pair["indicator_id"] in indicators.index
        kind = str(indicators.at[pair["indicator_id"], "kind"]) if known else ""
        found = describe(
            float(pair["source_value"]),
            float(pair["target_value"]),
            kind,
            units=(str(pair["source_unit"]), str(pair["target_unit"])),
            level=comparison.kind == "level",
            higher_is_better=bool(indicators.at[pair["indicator_id"], "higher_is_better"]) if known else True,
        )
        rows.append(
            {
                **{c: pair[c] for c in TARGET_FACT_COLUMNS if c in pair},
                "kind": kind,
                **found._asdict(),
                "change": found.value,
                "implied": pair["pairing"] == IMPLIED,
            }
        )
    table = pd.DataFrame(rows, columns=TARGET_FACT_COLUMNS)
    size = [_size(r) for r in table.itertuples()]
    return table.assign(_size=size).sort_values("_size", ascending=False, kind="stable").drop(columns="_size"), to_check


CHECK_COLUMNS = [
    "indicator_id",
    "source_value",
    "source_unit",
    "source_scope_words",
    "target_value",
    "target_unit",
    "target_scope_words",
    "source_quote",
    "target_quote",
    "reason",
    "doubt",
]


def _one_per_indicator(pairs: pd.DataFrame, targets: pd.DataFrame | None) -> pd.DataFrame:
    """Of several pairs of one indicator, the one of the plans' best-ranked targets."""
    if pairs.empty or targets is None:
        return pairs
    rank = ranked_targets(targets).set_index("target_id")["rank"]
    ranked = pairs.assign(
        _source=pairs["source_target_id"].map(rank).fillna(0), _target=pairs["target_target_id"].map(rank).fillna(0)
    )
    ranked = ranked.sort_values(["_source", "_target"], kind="stable").drop_duplicates("indicator_id")
    return ranked.sort_index().drop(columns=["_source", "_target"])


def _size(change) -> float:
    """How large a change is, comparable across kinds: points, the log of a ratio (a tenfold change
    counts like 100 points), a relative difference (×100); a share of the parent's is no change (0)."""
    if change.change is None or pd.isna(change.change) or change.verdict == "share of parent's":
        return 0.0
    if change.measure == "ratio":
        return abs(float(np.log10(change.change))) * 100 if change.change > 0 else 0.0
    if change.relative is not None and not pd.isna(change.relative):
        return abs(float(change.relative)) * 100
    return abs(float(change.change))


def comparison_facts(
    comparison: PlanComparison, lexicon: pd.DataFrame, possible_link_min: float | None = None
) -> ComparisonFacts:
    """The facts of a comparison (see the module doc); ``possible_link_min``: the near misses from
    this link probability on are the possible links a report lists (none when None)."""
    sure_min = float(comparison.settings.sure_min)
    targets, to_check = _target_facts(comparison, lexicon)
    missed = comparison["near_misses"]
    if possible_link_min is None:
        missed = missed.iloc[0:0]
    possible = missed[missed["link_probability"] >= (possible_link_min or 0.0)].sort_values(
        "link_probability", ascending=False, kind="stable"
    )
    return ComparisonFacts(
        kind=comparison.kind,
        source_doc=comparison.source_doc,
        target_doc=comparison.target_doc,
        sure_min=sure_min,
        tasks=task_facts(comparison, sure_min),
        targets=targets,
        to_check=to_check,
        possible_links=possible.reset_index(drop=True),
    )
