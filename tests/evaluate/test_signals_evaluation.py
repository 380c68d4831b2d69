"""What each signal of meaning does (the ablation) and how far the review queue reaches: the rules
on invented tables, and the figures on the pinned corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import align, review
from analysis.evaluate import ablation, queue
from analysis.evaluate.alignment import threshold_grid
from analysis.settings import LINK_CONFIDENCE_PATH, AlignmentSettings


def coverage_of(rows: dict[str, list[tuple[float, int, int, int]]]) -> pd.DataFrame:
    """A coverage table from {comparison: [(floor, rows, missed, held), ...]}."""
    return pd.DataFrame([(name, *row) for name, found in rows.items() for row in found], columns=queue.COVERAGE_COLUMNS)


def test_the_floor_is_the_highest_reaching_the_goal_within_the_rows() -> None:
    coverage = coverage_of(
        {
            "a": [(0.01, 58, 50, 50), (0.02, 40, 50, 49), (0.05, 20, 50, 40)],
            "b": [(0.01, 59, 50, 50), (0.02, 45, 50, 49), (0.05, 30, 50, 45)],
        }
    )
    # 0.02 holds 98 of 100 (≥ 97%) with ≤ 60 rows a comparison; 0.05 holds 85
    assert queue.choose_floor(coverage) == 0.02


def test_without_a_floor_reaching_the_goal_the_lowest_within_the_rows_is_chosen() -> None:
    coverage = coverage_of(
        {
            "a": [(0.01, 90, 10, 10), (0.02, 55, 10, 6), (0.05, 20, 10, 4)],
            "b": [(0.01, 70, 10, 9), (0.02, 50, 10, 5), (0.05, 30, 10, 4)],
        }
    )
    assert queue.choose_floor(coverage) == 0.02
    assert queue.choose_floor(coverage, max_rows=10) == 0.05  # none within the rows: the fewest rows


def test_the_variants_switch_each_signal_off_and_on() -> None:
    settings = AlignmentSettings()
    grid = threshold_grid(settings.threshold_grid)
    variants = ablation.variants(settings, grid)
    assert set(variants) == {
        ablation.AS_BUILT,
        ablation.ALL,
        ablation.NONE,
        *(f"without {name}" for name in ablation.SWITCHES),
        *(f"only {name}" for name in ablation.SWITCHES),
    }
    none, none_grid = variants[ablation.NONE]
    assert (none.weights.topics, none.weights.topic_clauses, none.weights.section) == (0.0, 0.0, 0.0)
    assert none.thresholds.topic_clause_min is None and none.thresholds.goal_media_min is None
    assert not none.neutral_level_words and not {"topic_clause_min", "goal_media_min"} & set(none_grid)
    everything, all_grid = variants[ablation.ALL]
    assert everything.neutral_level_words and {"topic_clause_min", "goal_media_min"} <= set(all_grid)
    assert everything.weights.section == max(settings.weights.section, ablation.TRIAL_WEIGHT)
    only, _ = variants["only structure"]
    assert only.weights.section > 0 and only.weights.topics == 0 and not only.neutral_level_words
    assert variants[ablation.AS_BUILT][0] == settings


@pytest.fixture(scope="module")
def checks(corpus, corpus_targets) -> list[queue.QueueCheck]:
    return queue.queue_checks(corpus, AlignmentSettings(), align.LinkModel.load(LINK_CONFIDENCE_PATH), corpus_targets)


@pytest.mark.slow
def test_the_queue_reaches_more_missed_links_the_lower_its_floor(checks) -> None:
    settings = AlignmentSettings()
    coverage = queue.queue_coverage(checks, settings.hidden_link)
    for _, rows in coverage.groupby("comparison"):
        rows = rows.sort_values("near_miss_min")
        assert rows["n_rows"].is_monotonic_decreasing and rows["missed_in_queue"].is_monotonic_decreasing
        assert (rows["missed_in_queue"] <= rows["gold_links_missed"]).all()
    # the build's order and floor are the ones the evaluation fits and chooses on the gold
    assert queue.fit_hidden_link(checks) == settings.hidden_link
    assert queue.choose_floor(coverage) == settings.near_miss_min
    at_floor = coverage[np.isclose(coverage["near_miss_min"], settings.near_miss_min)]
    assert (at_floor["n_rows"] <= queue.MAX_ROWS).all()
    # the queue holds what `analysis review` lists: every near miss above the floor, each pair once
    check = checks[1]
    listed = review.comparison_queue(check.comparison, near_miss_min=0.05)
    assert len(listed) == len(listed.drop_duplicates(["source_task_id", "target_task_id"]))
    near = check.comparison.near_misses
    likely = near[near["hidden_link_probability"] >= 0.05]
    assert set(zip(likely["source_task_id"], likely["target_task_id"])) <= set(
        zip(listed["source_task_id"], listed["target_task_id"])
    )
    # a floor chosen on its queue's coverage gives the rows comparison_queue lists with that floor
    at = coverage[(coverage["comparison"] == check.name) & np.isclose(coverage["near_miss_min"], 0.05)].iloc[0]
    assert at["n_rows"] == len(listed)


@pytest.mark.slow
def test_the_hidden_link_order_holds_more_missed_links_than_the_link_probability_in_as_many_rows(checks) -> None:
    choices = queue.queue_choices(checks)
    table = queue.choices_table(choices)
    held = table.assign(held=table["held"].str.split("/").str[0].astype(int))
    totals = held.groupby(["order", "setting"])["held"].sum()
    for setting in queue.SETTINGS:  # fitted and chosen on all three comparisons, and on the two others of each
        assert totals[(queue.ORDERS[1], setting)] > totals[(queue.ORDERS[0], setting)], setting
    in_sample = held[held["setting"] == queue.SETTINGS[0]]
    assert (in_sample["n_rows"] <= queue.MAX_ROWS).all()
    report = queue.queue_report(checks, choices, AlignmentSettings())
    assert "hidden-link model" in report and "other pairs" in report and "Totals" in report
    # what the build's queue leaves out: the missed links less its rows, candidates or not
    settings = AlignmentSettings()
    unheld = queue.unheld_links(checks, settings.hidden_link, settings.near_miss_min)
    built = table[(table["order"] == queue.ORDERS[1]) & (table["setting"] == queue.SETTINGS[0])]
    assert len(unheld) == built["held"].map(lambda h: int(h.split("/")[1]) - int(h.split("/")[0])).sum()
    assert (unheld["rank"] == "").sum() >= 1  # a missed link no candidate pair holds


@pytest.mark.slow
def test_the_ablation_gives_each_variant_per_comparison_and_error_class(corpus, corpus_targets) -> None:
    settings = AlignmentSettings()
    small = pd.DataFrame({"link_min": [0.16, 0.22], "partial_ratio": [0.75, 0.75], "clause_min": [0.4, 0.4]}).merge(
        pd.DataFrame({"topic_clause_min": [np.inf, np.inf], "goal_media_min": [0.5, np.inf]}), how="cross"
    )
    result = ablation.ablation(corpus, settings, corpus_targets, small, names=[ablation.AS_BUILT, ablation.NONE])
    figures = result.figures
    assert set(figures["variant"]) == {ablation.AS_BUILT, ablation.NONE}
    assert set(figures["protocol"]) == set(ablation.PROTOCOLS)
    baseline = figures[figures["method"] == "baseline"]
    assert len(baseline) == 3 * len(ablation.PROTOCOLS)  # beside the settings as built only
    model = figures[figures["method"] == "model"].set_index(["comparison", "variant", "protocol"])
    assert model["f1"].between(0, 1).all() and len(model) == 3 * 2 * len(ablation.PROTOCOLS)
    classes = result.classes
    assert set(classes["error_class"]) == set(ablation.ERROR_CLASSES)
    # every gold link falls in one class; no class finds more than it holds
    gold = classes.groupby(["comparison", "variant"])["gold"].sum()
    n_gold = figures.drop_duplicates(["comparison"]).set_index("comparison")["n_gold"]
    for (comparison, _), total in gold.items():
        assert total == n_gold[comparison]
    assert (classes["found"] <= classes["gold"]).all()
    text = ablation.ablation_report(result)
    assert "baseline (char TF-IDF)" in text and "one theme" in text
