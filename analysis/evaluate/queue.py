"""How much of what the model misses the review queue holds, and the band's floor chosen from it.

For each gold comparison (the development gold, the team's two cross-level checks) the model's
comparison is made as the build makes it (:func:`analysis.align.compare_plans`, the shipped link
model) and its queue (:func:`analysis.review.comparison_queue`: the rows ``analysis review`` and the
pages list before the model's sure links, which are not counted); the gold links the model misses
are then looked for among the queue's rows. A queue holds more of them the lower the floor of its near misses
(``near_miss_min``: the least P(link) a near miss has), at the price of more rows.

The floor is chosen on the gold: the highest floor at which the queue holds at least
:data:`COVERAGE_GOAL` of the missed links of the comparisons together with at most
:data:`MAX_ROWS` rows a comparison; when no floor reaches the goal within that many rows, the
lowest floor that keeps every comparison within them (the most a reviewer's hour can hold). It is
chosen on all three comparisons (``in-sample``) and, to see how it carries over, on the two others
for each (``other pairs``). The link model was fitted on the development gold: its figures there
are in-sample; those of the team checks are held out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import align, review
from analysis.evaluate.crosslevel import COMPARISONS, comparison_gold
from analysis.settings import AlignmentSettings

MAX_ROWS = 60
COVERAGE_GOAL = 0.97
# The floors tried: every 0.005 up to 0.045, then every 0.025 up to 0.3.
FLOORS = tuple(round(0.005 * k, 3) for k in range(1, 10)) + tuple(round(0.05 + 0.025 * k, 3) for k in range(11))
COVERAGE_COLUMNS = ["comparison", "near_miss_min", "n_rows", "gold_links_missed", "missed_in_queue"]
_PAIR = ("source_task_id", "target_task_id")


@dataclasses.dataclass(frozen=True)
class QueueCheck:
    """A gold comparison as the model makes it (near misses down to the lowest floor tried) and
    the gold links it misses."""

    name: str
    comparison: align.PlanComparison
    missed: frozenset[tuple[str, str]]


def queue_checks(
    corpus: Mapping,
    settings: AlignmentSettings,
    link_model: align.LinkModel,
    indicators: pd.DataFrame,
    floors: Sequence[float] = FLOORS,
) -> list[QueueCheck]:
    """The gold comparisons with the links the model misses (``indicators``: the targets the
    aligner sees)."""
    lowest = dataclasses.replace(settings, near_miss_min=float(min(floors)))
    plans = align.PlanCache()
    checks = []
    for key in COMPARISONS:
        source, target = corpus[key[0]], corpus[key[1]]
        made = align.compare_plans(source, target, key[2], lowest, link_model, indicators, plans)
        alignments = made.alignments
        linked = set(zip(*(alignments.loc[alignments["relation"].isin(align.LINKS), c] for c in _PAIR)))
        gold = comparison_gold(key, corpus)
        missed = frozenset(set(zip(gold["source_task_id"], gold["target_task_id"])) - linked)
        checks.append(QueueCheck(f"{key[0]} → {key[1]}", made, missed))
    return checks


def queue_coverage(checks: Sequence[QueueCheck], floors: Sequence[float] = FLOORS) -> pd.DataFrame:
    """For each comparison and floor: the queue's rows and the missed gold links among them."""
    rows = []
    for check in checks:
        for floor in floors:
            queue = review.comparison_queue(check.comparison, near_miss_min=floor)
            listed = set(zip(queue["source_task_id"], queue["target_task_id"]))
            rows.append(
                {
                    "comparison": check.name,
                    "near_miss_min": float(floor),
                    "n_rows": len(queue),
                    "gold_links_missed": len(check.missed),
                    "missed_in_queue": len(check.missed & listed),
                }
            )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def choose_floor(coverage: pd.DataFrame, max_rows: int = MAX_ROWS, goal: float = COVERAGE_GOAL) -> float:
    """The floor of the module's rule over the comparisons in ``coverage``."""
    by_floor = coverage.groupby("near_miss_min").agg(
        n_rows=("n_rows", "max"), missed=("gold_links_missed", "sum"), held=("missed_in_queue", "sum")
    )
    within = by_floor[by_floor["n_rows"] <= max_rows]
    if within.empty:
        return float(by_floor.index.max())
    reached = within[within["held"] >= goal * within["missed"]]
    return float(reached.index.max() if len(reached) else within.index.min())


def floor_choices(coverage: pd.DataFrame) -> pd.DataFrame:
    """The floor chosen on every comparison (``in-sample``) and on the others of each (``other
    pairs``), with the queue it gives each comparison."""
    names = list(dict.fromkeys(coverage["comparison"]))
    rows = []
    chosen = choose_floor(coverage)
    for name in names:
        held_out = choose_floor(coverage[coverage["comparison"] != name])
        for setting, floor in (("in-sample", chosen), ("other pairs", held_out)):
            at = coverage[(coverage["comparison"] == name) & np.isclose(coverage["near_miss_min"], floor)].iloc[0]
            rows.append({"setting": setting, **at.to_dict()})
    table = pd.DataFrame(rows)
    table["share"] = table["missed_in_queue"] / table["gold_links_missed"].where(table["gold_links_missed"] > 0)
    return table.sort_values(["setting", "comparison"], kind="stable").reset_index(drop=True)


def queue_report(coverage: pd.DataFrame, settings: AlignmentSettings) -> str:
    """The queue's reach as text: the chosen floors, and the rows and missed links by floor."""
    choices = floor_choices(coverage)
    wide = coverage.assign(
        reach=coverage["missed_in_queue"].astype(str) + "/" + coverage["gold_links_missed"].astype(str)
    )
    wide = wide.pivot_table(index="near_miss_min", columns="comparison", values=["n_rows", "reach"], aggfunc="first")
    return "\n".join(
        [
            "Review queue (`analysis review`): of the gold links the model misses, how many its rows hold, and how",
            f"many rows it has, by the near misses' floor (near_miss_min; the build's: {settings.near_miss_min:g}).",
            f"Floor chosen: the highest holding ≥ {COVERAGE_GOAL:.0%} of the missed links with ≤ {MAX_ROWS} rows a"
            " comparison, else the lowest within the rows; on all comparisons (in-sample) and on the two others.",
            "",
            choices.round(3).to_string(index=False),
            "",
            wide.to_string(),
        ]
    )
