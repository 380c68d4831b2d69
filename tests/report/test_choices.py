"""Notebook parameters as a researcher types them, and the exploration notebook's helpers (fast,
invented tables)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.report import choices, explore
from analysis.targets.indicators import load_lexicon

DOCUMENTS = pd.DataFrame(
    {
        "doc_id": ["jia_province_2024", "yi_city_2024", "bing_city_2024"],
        "title": ["2024年全省生态环境工作要点", "2024年全市生态环境工作要点", "2024年全市生态环境工作要点"],
        "region": ["甲省", "乙市", "丙市"],
        "level": ["province", "city", "city"],
        "year": [2024, 2024, 2024],
        "duplicate_of": ["", "", ""],
    }
)


@pytest.mark.parametrize("given", ["yi_city_2024", "乙市2024年", "Yi 2024", " yi  2024 "])
def test_a_plan_goes_by_its_id_or_its_display_name_in_either_edition(given) -> None:
    assert choices.plan_id(given, DOCUMENTS, "child_doc") == "yi_city_2024"


def test_a_title_names_a_plan_when_it_is_the_only_one_so_titled() -> None:
    assert choices.plan_id("2024年全省生态环境工作要点", DOCUMENTS) == "jia_province_2024"
    with pytest.raises(UserError, match=r"names 2 plans \(yi_city_2024, bing_city_2024\)"):
        choices.plan_id("2024年全市生态环境工作要点", DOCUMENTS)


def test_a_wrong_plan_is_refused_with_every_valid_choice() -> None:
    with pytest.raises(UserError) as refused:
        choices.plan_id("丁市2024年", DOCUMENTS, "child_doc")
    assert str(refused.value).startswith("child_doc: no plan '丁市2024年'; choose one of: ")
    for listed in ("jia_province_2024 (甲省2024年 / Jia Province 2024)", "bing_city_2024 (丙市2024年 / Bing 2024)"):
        assert listed in refused.value.problem


ESCALATION = pd.DataFrame({"indicator_id": ["rural_sewage_treatment_rate", "rural_sewage_treatment_rate"]})


@pytest.mark.parametrize("given", ["rural_sewage_treatment_rate", "农村生活污水治理率", "农村生活污水治理率 "])
def test_an_indicator_goes_by_its_id_or_its_name(given) -> None:
    assert choices.indicator_id(given, ESCALATION, load_lexicon(), "headline") == "rural_sewage_treatment_rate"


def test_an_indicator_the_plans_do_not_share_is_refused_with_those_they_do() -> None:
    lexicon = load_lexicon()
    other = next(i for i in lexicon["indicator_id"] if i != "rural_sewage_treatment_rate")
    for wrong in ("污水", other):
        with pytest.raises(UserError, match=r"^headline: no indicator .*choose one of: rural_sewage_treatment_rate \("):
            choices.indicator_id(wrong, ESCALATION, lexicon, "headline")


TASKS = pd.DataFrame(
    {
        "task_id": ["p23:1", "p24:1", "p24:2", "c24:1", "c24:2"],
        "doc_id": ["p23", "p24", "p24", "c24", "c24"],
        "path": ["1", "1", "2", "1", "2"],
        "heading": ["治污", "治污", "增绿", "治污", "种树"],
        "text": ["农村生活污水治理率达32%", "农村生活污水治理率达46%", "造林", "农村生活污水治理率达78%", "植树"],
    }
)
ALIGNMENTS = pd.DataFrame(
    {
        "kind": ["year", "year", "level", "level", "level"],
        "source_task_id": ["p23:1", "", "p24:1", "p24:2", "p24:2"],
        "target_task_id": ["p24:1", "p24:2", "c24:1", "c24:2", ""],
        "relation": ["same", "new", "partial", "same", "not_cascaded"],
        "score": [0.8, 0.1, 0.4, 0.5, 0.1],
    }
)


def test_a_task_is_found_by_its_id_or_its_words() -> None:
    assert explore.find_task("p24:2", TASKS) == "p24:2"
    assert explore.find_task("农村生活污水", TASKS[TASKS["doc_id"] == "p24"]) == "p24:1"
    with pytest.raises(UserError, match="no task has the id or the words '碳达峰'"):
        explore.find_task("碳达峰", TASKS)


def test_a_task_is_followed_across_plans_through_its_links_nearest_first() -> None:
    trail = explore.follow_task("p23:1", ALIGNMENTS, TASKS)
    assert list(trail.columns) == explore.TRAIL_COLUMNS
    assert trail[["step", "task_id", "via", "relation", "kind"]].values.tolist() == [
        [0, "p23:1", "", "", ""],
        [1, "p24:1", "p23:1", "same", "year"],
        [2, "c24:1", "p24:1", "partial", "level"],
    ]
