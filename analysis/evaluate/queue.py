"""How much of what the model misses the review queue holds, the order of its near misses fitted
and their floor chosen from it.

For each gold comparison (the development gold, the team's two cross-level checks) the model's
comparison is made as the build makes it (:func:`analysis.align.compare_plans`, the shipped link
model) and its queue (:func:`analysis.review.comparison_queue`: the rows ``analysis review`` and the
pages list before the model's sure links, which are not counted); the gold links the model misses
are then looked for among the queue's rows. The queue's near misses are the unlinked candidate
pairs whose chance of hiding a link (:func:`analysis.align.hidden_link_probability`, the settings'
:class:`~analysis.settings.HiddenLinkWeights`) is at least the floor ``near_miss_min``: the lower
the floor, the more missed links it holds, at the price of more rows.

Two orders are measured: ``P(link) alone`` (the link probability itself: how the queue was ordered
before) and the ``hidden-link model``, a logistic regression fitted on the unlinked candidate pairs
of the gold comparisons against the gold links among them (:data:`HIDDEN_LINK_L2`). The floor is
the highest at which the queue holds at least :data:`COVERAGE_GOAL` of the missed links of the
comparisons together with at most :data:`MAX_ROWS` rows a comparison; when none reaches the goal
within that many rows, the lowest that keeps every comparison within them (the most a reviewer's
hour can hold). Model and floor are fitted and chosen on all three comparisons (``in-sample``: the
build's settings) and, to see how they carry over, on the two others for each (``other pairs``).
The link model was fitted on the development gold: its figures there are in-sample throughout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import align, review
from analysis.align.confidence import fit
from analysis.evaluate.crosslevel import COMPARISONS, comparison_gold
from analysis.settings import AlignmentSettings, HiddenLinkWeights

MAX_ROWS = 60
COVERAGE_GOAL = 0.97
# The L2 penalty of the hidden-link model's standardised coefficients (a handful of features, a few
# dozen positive pairs: a light penalty keeps it stable across the left-out comparisons).
HIDDEN_LINK_L2 = 1.0
# The floors tried: every 0.005 up to 0.1, then every 0.025 up to 0.3.
FLOORS = tuple(round(0.005 * k, 3) for k in range(1, 21)) + tuple(round(0.1 + 0.025 * k, 3) for k in range(1, 9))
# The link probability itself, as a chance of hiding a link: the queue's order before the model.
LINK_PROBABILITY_ALONE = HiddenLinkWeights(
    intercept=0.0, link_logit=1.0, target_rank=0.0, topics=0.0, topic_clauses=0.0
)
ORDERS = ("P(link) alone", "hidden-link model")
SETTINGS = ("in-sample", "other pairs")
COVERAGE_COLUMNS = ["comparison", "near_miss_min", "n_rows", "gold_links_missed", "missed_in_queue"]
_PAIR = ("source_task_id", "target_task_id")


@dataclasses.dataclass(frozen=True)
class QueueCheck:
    """A gold comparison as the model makes it (every unlinked candidate pair a near miss) and the
    gold links it misses."""

    name: str
    comparison: align.PlanComparison
    missed: frozenset[tuple[str, str]]


def queue_checks(
    corpus: Mapping, settings: AlignmentSettings, link_model: align.LinkModel, indicators: pd.DataFrame
) -> list[QueueCheck]:
    """The gold comparisons with the links the model misses (``indicators``: the targets the
    aligner sees)."""
    every = dataclasses.replace(settings, near_miss_min=0.0)
    plans = align.PlanCache()
    checks = []
    for key in COMPARISONS:
        source, target = corpus[key[0]], corpus[key[1]]
        made = align.compare_plans(source, target, key[2], every, link_model, indicators, plans)
        alignments = made.alignments
        linked = set(zip(*(alignments.loc[alignments["relation"].isin(align.LINKS), c] for c in _PAIR)))
        gold = comparison_gold(key, corpus)
        missed = frozenset(set(zip(gold["source_task_id"], gold["target_task_id"])) - linked)
        checks.append(QueueCheck(f"{key[0]} → {key[1]}", made, missed))
    return checks


def fit_hidden_link(checks: Sequence[QueueCheck], l2: float = HIDDEN_LINK_L2) -> HiddenLinkWeights:
    """The hidden-link model fitted on the unlinked candidate pairs of ``checks`` (label: a gold
    link the model missed), as coefficients of the unstandardised features."""
    features, labels = [], []
    for check in checks:
        pairs = check.comparison.pairs
        assert pairs is not None  # made here, not read back
        unlinked = np.asarray(pairs["relation"]) == ""
        found = align.hidden_link_features(pairs, pairs["link_probability"])
        features.append(found[unlinked])
        keys = zip(np.asarray(pairs["source_task_id"])[unlinked], np.asarray(pairs["target_task_id"])[unlinked])
        labels.append(np.array([key in check.missed for key in keys], dtype=bool))
    model = fit(np.concatenate(features), np.concatenate(labels), l2)
    coef = model.coef / model.scale
    intercept = model.intercept - float(coef @ model.mean)
    return HiddenLinkWeights(round(intercept, 3), *(round(float(c), 3) for c in coef))


def with_hidden_link(comparison: align.PlanComparison, weights: HiddenLinkWeights) -> align.PlanComparison:
    """``comparison`` (made, with its candidate pairs) as a build with ``weights`` makes it: its
    near misses' chance of hiding a link, and their order, recomputed."""
    pairs = comparison.pairs
    assert pairs is not None  # made here, not read back
    probability = align.hidden_link_probability(pairs, pairs["link_probability"], weights)
    position = pd.Index(list(zip(pairs["source_task_id"], pairs["target_task_id"])))
    near = comparison.near_misses
    at = position.get_indexer(list(zip(near["source_task_id"], near["target_task_id"])))
    order = np.lexsort((at, -probability[at]))  # most probable first, ties in the pairs' order
    near = near.assign(hidden_link_probability=probability[at]).iloc[order].reset_index(drop=True)
    settings = dataclasses.replace(comparison.settings, hidden_link=weights)
    return dataclasses.replace(comparison, near_misses=near, settings=settings)


def queue_coverage(
    checks: Sequence[QueueCheck], weights: HiddenLinkWeights, floors: Sequence[float] = FLOORS
) -> pd.DataFrame:
    """For each comparison and floor: the queue's rows and the missed gold links among them, its
    near misses ordered by ``weights``. A higher floor drops near misses only (the rows
    :func:`analysis.review.comparison_queue` lists with that floor)."""
    rows = []
    for check in checks:
        queue = review.comparison_queue(with_hidden_link(check.comparison, weights))
        near = (queue["reason"] == review.NEAR_MISS).to_numpy()
        chance = 1.0 - queue["confidence"].to_numpy(dtype=np.float64)
        missed = np.array([pair in check.missed for pair in zip(queue["source_task_id"], queue["target_task_id"])])
        for floor in floors:
            listed = ~near | (chance >= floor - 1e-9)
            rows.append(
                {
                    "comparison": check.name,
                    "near_miss_min": float(floor),
                    "n_rows": int(listed.sum()),
                    "gold_links_missed": len(check.missed),
                    "missed_in_queue": int((listed & missed).sum()),
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


@dataclasses.dataclass(frozen=True)
class QueueChoice:
    """An order of the near misses and a floor, as chosen on some comparisons (``setting``), and
    the queue they give one comparison."""

    order: str
    setting: str
    weights: HiddenLinkWeights
    floor: float
    coverage: pd.Series  # the comparison's row of :func:`queue_coverage` at the floor


def queue_choices(checks: Sequence[QueueCheck]) -> list[QueueChoice]:
    """For each order (:data:`ORDERS`) and each comparison: the weights and floor chosen on every
    comparison (``in-sample``) and on the two others (``other pairs``)."""
    orders: dict[str, Callable[[Sequence[QueueCheck]], HiddenLinkWeights]] = {
        ORDERS[0]: lambda _: LINK_PROBABILITY_ALONE,
        ORDERS[1]: fit_hidden_link,
    }
    choices = []
    for order, weights_of in orders.items():
        weights = weights_of(checks)
        every = queue_coverage(checks, weights)
        floor = choose_floor(every)
        for check in checks:
            others = [c for c in checks if c is not check]
            held_out = weights_of(others)
            other_floor = choose_floor(queue_coverage(others, held_out))
            for setting, chosen, at_floor in ((SETTINGS[0], weights, floor), (SETTINGS[1], held_out, other_floor)):
                found = every if chosen == weights else queue_coverage([check], chosen)
                row = found[(found["comparison"] == check.name) & np.isclose(found["near_miss_min"], at_floor)]
                choices.append(QueueChoice(order, setting, chosen, at_floor, row.iloc[0]))
    return choices


def choices_table(choices: Sequence[QueueChoice]) -> pd.DataFrame:
    """The choices as rows: order, setting, comparison, floor, rows, missed links held / missed."""
    table = pd.DataFrame(
        [
            {
                "order": c.order,
                "setting": c.setting,
                "comparison": c.coverage["comparison"],
                "near_miss_min": c.floor,
                "n_rows": int(c.coverage["n_rows"]),
                "held": f"{int(c.coverage['missed_in_queue'])}/{int(c.coverage['gold_links_missed'])}",
                "share": c.coverage["missed_in_queue"] / max(int(c.coverage["gold_links_missed"]), 1),
            }
            for c in choices
        ]
    )
    return table.sort_values(["order", "setting"], kind="stable").reset_index(drop=True)


def unheld_links(checks: Sequence[QueueCheck], weights: HiddenLinkWeights, floor: float) -> pd.DataFrame:
    """The missed gold links a queue (near misses by ``weights`` from ``floor``) does not hold: each
    with its link probability, its chance of hiding a link and that chance's rank among the
    comparison's unlinked candidate pairs (empty for a pair that is no candidate at all)."""
    rows = []
    for check in checks:
        made = with_hidden_link(check.comparison, weights)
        listed = review.comparison_queue(made, near_miss_min=floor)
        near = made.near_misses
        ranked = {
            pair: (f"{p:.3f}", f"{h:.3f}", f"{rank}/{len(near)}")
            for rank, (pair, p, h) in enumerate(
                zip(
                    zip(near["source_task_id"], near["target_task_id"]),
                    near["link_probability"],
                    near["hidden_link_probability"],
                ),
                start=1,
            )
        }
        for pair in sorted(check.missed - set(zip(listed["source_task_id"], listed["target_task_id"]))):
            found = ranked.get(pair, ("", "", ""))
            rows.append(
                {
                    "comparison": check.name,
                    "source_task_id": pair[0],
                    "target_task_id": pair[1],
                    "link_probability": found[0],
                    "hidden_link_probability": found[1],
                    "rank": found[2],
                }
            )
    return pd.DataFrame(rows)


def queue_report(checks: Sequence[QueueCheck], choices: Sequence[QueueChoice], settings: AlignmentSettings) -> str:
    """The queue's reach as text: per order and setting, each comparison's floor, rows and missed
    links held, the totals, the hidden-link model fitted on all three, and the missed links the
    build's queue does not hold."""
    table = choices_table(choices)
    totals = [
        f"  {order}, {setting}: {sum(int(h.split('/')[0]) for h in rows['held'])}/"
        f"{sum(int(h.split('/')[1]) for h in rows['held'])} held, at most {rows['n_rows'].max()} rows"
        for (order, setting), rows in table.groupby(["order", "setting"], sort=False)
    ]
    fitted = next(c.weights for c in choices if c.order == ORDERS[1] and c.setting == SETTINGS[0])
    return "\n".join(
        [
            "Review queue (`analysis review`): of the gold links the model misses, how many its rows hold, and how",
            "many rows it has, its near misses ordered by P(link) alone or by the hidden-link model, with the floor",
            f"(near_miss_min) chosen: the highest holding ≥ {COVERAGE_GOAL:.0%} of the missed links with ≤ {MAX_ROWS}"
            " rows a comparison, else the lowest within the rows; model and floor fitted and chosen on all",
            "comparisons (in-sample) and on the two others (other pairs: each comparison held out).",
            "",
            table.round(3).to_string(index=False),
            "",
            "Totals:",
            *totals,
            "",
            f"Hidden-link model fitted on all three (L2 {HIDDEN_LINK_L2:g}): {fitted}",
            f"The build's: {settings.hidden_link}, near_miss_min {settings.near_miss_min:g}",
            "",
            "Missed links the build's queue does not hold (rank: of the chance, among the unlinked candidate pairs;",
            "empty: not a candidate pair at all):",
            unheld_links(checks, settings.hidden_link, settings.near_miss_min).to_string(index=False),
        ]
    )
