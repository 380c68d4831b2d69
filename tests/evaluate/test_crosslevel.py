"""Cross-level evaluation: the clause annotation and the task links derived from it, the baseline,
the model's decisions under a grid, and the figures per comparison."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from analysis import align
from analysis.evaluate import crosslevel
from analysis.evaluate.alignment import TEAM_CHECKS, read_gold
from analysis.settings import AlignmentSettings


def test_links_derived_from_clauses_keep_the_team_labels_and_add_partials() -> None:
    clauses = pd.DataFrame(
        {
            "source_task_id": ["s1", "s1", "s2"],
            "target_task_id": ["t1", "t2", "t3"],
            "confidence": ["high", "low", "high"],
            "note": ["a", "b", "c"],
        }
    )
    team = pd.DataFrame(
        {
            "source_task_id": ["s1", "s4", "s2", ""],
            "target_task_id": ["t1", "t4", "", "t3"],
            "relation": ["same", "partial", "not_cascaded", "local"],
            "note": ["[conf:high] x", "[conf:medium] y", "[conf:high] z", "[conf:high] w"],
        }
    )
    derived = crosslevel.derive_team_links(clauses, team).set_index(["source_task_id", "target_task_id"])
    assert derived.loc[("s1", "t1"), ["relation", "confidence"]].tolist() == ["same", "high"]
    assert derived.loc[("s1", "t2"), ["relation", "confidence"]].tolist() == ["partial", "low"]
    assert derived.loc[("s4", "t4"), ["relation", "confidence"]].tolist() == ["partial", "low"]  # no clause
    assert derived.loc[("s2", "t3"), ["relation", "confidence"]].tolist() == ["partial", "high"]
    assert ("s2", "") not in derived.index and ("", "t3") not in derived.index  # now linked
    assert derived["note"].str.match(r"^\[conf:(high|medium|low)\]").all()
    again = crosslevel.derive_team_links(clauses, derived.reset_index())  # idempotent
    pd.testing.assert_frame_equal(again.reset_index(drop=True), derived.reset_index()[again.columns])


def test_the_baseline_cosine_is_plain_character_ngram_tfidf() -> None:
    cosine = crosslevel.char_tfidf_cosine(
        ["深入打好蓝天保卫战", "加强党风廉政建设"], ["深入打好蓝天保卫战", "农村 环境"]
    )
    assert cosine[0, 0] == pytest.approx(1.0)
    assert cosine[1, 0] == 0.0 and cosine[0, 1] == 0.0


@pytest.mark.parametrize("key", list(crosslevel.TEAM_CLAUSES))
def test_the_clause_annotation_quotes_the_parsed_clauses(corpus, key) -> None:
    gold = read_gold(crosslevel.TEAM_CLAUSES[key])
    assert list(gold.columns) == crosslevel.CLAUSE_GOLD_COLUMNS
    assert set(gold["confidence"]) <= {"high", "low"}
    for side, doc_id in (("source", key[0]), ("target", key[1])):
        clauses = align.task_clauses(corpus[doc_id])
        text = {(t, str(n)): x for t, n, x in zip(clauses["task_id"], clauses["clause_no"], clauses["text"])}
        quoted = [text.get((t, n)) for t, n in zip(gold[f"{side}_task_id"], gold[f"{side}_clause_no"])]
        assert quoted == list(gold[f"{side}_clause"])


@pytest.mark.parametrize("key", list(crosslevel.TEAM_CLAUSES))
def test_the_team_task_links_are_derived_from_the_clause_annotation(key) -> None:
    team = read_gold(TEAM_CHECKS[key])
    assert list(team.columns) == crosslevel.TEAM_COLUMNS
    derived = crosslevel.derive_team_links(read_gold(crosslevel.TEAM_CLAUSES[key]), team)
    pd.testing.assert_frame_equal(derived.reset_index(drop=True), team.reset_index(drop=True))


def test_grid_decisions_are_those_of_align_decide(corpus) -> None:
    source, target = corpus["hubei_province_2024"], corpus["wuhan_city_2025"]
    pairs = align.scored_pairs(source, target, AlignmentSettings())
    grid = pd.DataFrame(
        {"link_min": [0.16, 0.2, 0.1], "partial_ratio": [0.75, 0.5, 0.9], "clause_min": [0.9, 0.4, np.inf]}
    )
    linked, same = align.decide_grid(pairs, len(source.tasks), len(target.tasks), grid)
    for row, thresholds in enumerate(grid.to_dict("records")):
        relation = align.decide(pairs, len(source.tasks), len(target.tasks), align.thresholds_of(thresholds))
        np.testing.assert_array_equal(linked[row], relation != "")
        np.testing.assert_array_equal(same[row], relation == "same")


@pytest.fixture(scope="module")
def evaluation(corpus, corpus_targets) -> crosslevel.CrossLevelEvaluation:
    return crosslevel.evaluate_crosslevel(corpus, AlignmentSettings(), corpus_targets)


def test_the_figures_cover_every_comparison_method_and_protocol(evaluation) -> None:
    figures = evaluation.figures
    assert figures["comparison"].nunique() == 3
    assert set(figures["method"]) == {"model", "baseline"}
    assert {"in-sample", "cross-validated", "other pairs", "as built"} <= set(figures["setting"])
    assert set(figures["gold"]) == {"all links", "high confidence"}
    assert len(figures) == len(figures.drop_duplicates(["comparison", "method", "selection", "setting", "gold"]))


def test_the_figures_side_by_side_give_every_link_and_high_confidence_links_in_one_row(evaluation) -> None:
    figures = evaluation.figures
    side = crosslevel.figures_side_by_side(figures)
    keys = ["comparison", "method", "selection", "setting"]
    assert len(side) == len(figures) / 2 and not side.duplicated(keys).any()
    for gold, prefix in crosslevel.FIGURE_GOLDS.items():
        expected = figures[figures["gold"] == gold].set_index(keys)
        shown = side.set_index(keys).loc[expected.index]
        for measure in crosslevel.SIDE_BY_SIDE_MEASURES:
            np.testing.assert_allclose(shown[f"{prefix}_{measure}"], expected[measure])
    every = figures[figures["gold"] == "all links"].set_index(keys)
    assert side.set_index(keys).loc[every.index, "n_gold"].tolist() == every["n_gold"].tolist()


def test_the_model_as_built_beats_the_baseline_on_every_comparison(evaluation) -> None:
    figures = evaluation.figures
    built = figures[(figures["selection"] == "settings") & (figures["gold"] == "all links")].set_index("comparison")
    baseline = figures[
        (figures["method"] == "baseline")
        & (figures["selection"] == "year pair")
        & (figures["setting"] == "cross-validated")
        & (figures["gold"] == "all links")
    ].set_index("comparison")
    assert (built["f1"] > baseline.loc[built.index, "f1"]).all()
    assert (built["precision"] >= 0.94).all() and (built["label_accuracy"] >= 0.9).all()


def test_the_clause_rule_links_a_clause_carried_over_verbatim(corpus) -> None:
    # “严格落实意识形态工作责任制” moves from the province's 宣传教育 task into Wuhan's 政治机关建设 task
    settings = AlignmentSettings()
    result = align.align(align.PlanPair.of(corpus["hubei_province_2024"], corpus["wuhan_city_2025"], settings), "level")
    links = result.alignments.set_index(["source_task_id", "target_task_id"])["relation"]
    assert links[("hubei_province_2024:3-2-4", "wuhan_city_2025:8-1-0")] == "partial"
    without = replace(settings, thresholds=replace(settings.thresholds, clause_min=None))
    before = align.align(align.PlanPair.of(corpus["hubei_province_2024"], corpus["wuhan_city_2025"], without), "level")
    assert ("hubei_province_2024:3-2-4", "wuhan_city_2025:8-1-0") not in set(
        zip(before.alignments["source_task_id"], before.alignments["target_task_id"])
    )
