"""Like with like: a target's scope words, the indicator they allow, values implied by the wording,
and the decision on a pair of targets of one indicator. Invented plans in the bundled plans' style."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.parse.document import parse_raw
from analysis.parse.read import RawDocument
from analysis.settings import ParseSettings, TargetSettings
from analysis.targets import indicators
from analysis.targets.extract import targets_table
from analysis.targets.pairing import CHECK, COMPARE, IMPLIED, pairing
from analysis.targets.scope import contradicts, differences, scope_words


@pytest.fixture(scope="module")
def lexicon() -> pd.DataFrame:
    return indicators.load_lexicon()


def plan_targets(body: str) -> pd.DataFrame:
    """The targets of an invented plan with one task holding ``body``."""
    raw = f"某市2024年生态环境工作要点\n一、重点任务\n1.持续推进水环境治理。{body}\n2.加强宣传教育。开展宣传活动。\n"
    return targets_table(
        parse_raw(RawDocument(Path("plan.txt"), raw, "utf-8"), "plan", ParseSettings()), None, TargetSettings()
    )


# --- scope words -------------------------------------------------------------------------------------


def test_scope_words_come_from_the_clause_else_the_nearest_earlier_clause_holding_any() -> None:
    assert scope_words("验收销号比例达到80%", ["确保年底前完成95%的整治任务", "深入推进长江入河排污口整治"]) == (
        "yangtze;into_river"
    )
    assert scope_words("完成重点湖泊排污口80%的整治任务", ["完成重点支流排污口溯源和70%的整治任务"]) == "lake"
    assert scope_words("整治验收率达到100%", ["全面完成3个省控重点湖泊入湖排污口整治"]) == "lake;into_lake"
    # 管控 is a wording to note, read from the target's own clause only
    assert scope_words("农村生活污水治理(管控)率达到65%") == "control"
    assert scope_words("农村生活污水治理率达到65%", ["加强风险管控"]) == ""


def test_scope_words_differ_only_when_both_name_some_of_a_split_dimension() -> None:
    assert differences("lake;tributary;into_river", "tributary") == ["water"]
    assert differences("yangtze;into_river", "lake;into_lake") == ["water", "outfall"]
    assert differences("lake", "lake;into_lake") == []  # one plan says more, none says otherwise
    assert differences("control", "") == []  # noted, never split
    assert contradicts("lake;into_lake", "yangtze;into_river") and not contradicts("", "yangtze;into_river")


def test_a_target_is_never_mapped_onto_an_indicator_its_scope_words_contradict(lexicon) -> None:
    yangtze = plan_targets("深入推进长江入河排污口整治,验收销号比例达到80%。")
    lake = plan_targets("全面完成3个省控重点湖泊入湖排污口整治,到2024年底整治验收率达到100%。")
    said = plan_targets("验收销号比例达到80%。")  # no scope word: the lexicon's first reading
    pick = {
        name: t[t["value"].isin([80.0, 100.0]) & (t["role"] == "commitment")]
        for name, t in (("yangtze", yangtze), ("lake", lake), ("said", said))
    }
    assert list(pick["yangtze"]["indicator_id"]) == ["yangtze_outfall_acceptance_closure_ratio"]
    assert list(pick["lake"]["indicator_id"]) == ["key_lake_outfall_acceptance_ratio"]
    assert list(pick["lake"]["scope_words"]) == ["lake;into_lake"]
    assert list(pick["said"]["indicator_id"]) == ["yangtze_outfall_acceptance_closure_ratio"]


# --- implied values ------------------------------------------------------------------------------


def test_all_of_it_done_implies_100_percent_of_the_share_it_names() -> None:
    found = plan_targets("全面完成长江入河排污口整治,2024年完成整治验收销号65%以上。")
    implied = found[found["role"] == "implied"]
    assert list(zip(implied["indicator_id"], implied["value"], implied["unit"], implied["value_text"])) == [
        ("yangtze_outfall_rectification_completion", 100.0, "%", "全面完成")
    ]
    assert implied["flags"].iloc[0] == "implied" and implied["scope_words"].iloc[0] == "yangtze;into_river"
    assert implied["target_id"].iloc[0] == "plan:1-0-1#2"  # numbered after the task's printed targets


def test_every_district_done_implies_100_percent_of_the_districts() -> None:
    found = plan_targets("组织各区完成生态保护红线基础调查,开展年度评估。")
    implied = found[found["role"] == "implied"]
    assert list(zip(implied["indicator_id"], implied["value"])) == [("redline_baseline_survey_county_share", 100.0)]


def test_the_places_listed_to_create_something_are_its_count() -> None:
    found = plan_targets("推动华容区、鄂城区创建国家生态文明建设示范区,推进梁子湖区创建“两山”实践创新基地。")
    implied = found[found["role"] == "implied"].set_index("indicator_id")
    assert implied.at["national_eco_civilization_demo_zones", "value"] == 2.0
    assert implied.at["national_eco_civilization_demo_zones", "value_text"] == "华容区、鄂城区"
    assert implied.at["two_mountains_practice_bases", "value"] == 1.0


@pytest.mark.parametrize(
    "body",
    [
        "全面完成省下达重点河湖排污口溯源整治工作任务。",  # a quota the province sets
        "全面完成2024年长江高水平保护行动各项目标任务。",  # targets, not the work
        "鸿泰钢铁全面完成长江入河排污口整治。",  # one named unit, not all of it
        "深入推进长江入河排污口整治。",  # no cue
        "推动全市创建国家生态文明建设示范区。",  # not a list of places
    ],
)
def test_no_value_is_implied_without_the_cues(body: str) -> None:
    assert (plan_targets(body)["role"] != "implied").all()


def test_a_plan_that_prints_a_value_needs_no_implied_one() -> None:
    found = plan_targets("全面完成长江入河排污口整治。确保完成95%的长江入河排污口整治任务。")
    rows = found[found["indicator_id"] == "yangtze_outfall_rectification_completion"]
    assert list(rows["role"]) == ["commitment"] and list(rows["value"]) == [95.0]


# --- the decision on a pair ----------------------------------------------------------------------


def target(role: str = "commitment", scope: str = "", unit: str = "%", value_text: str = "80%") -> dict[str, str]:
    return {"role": role, "scope_words": scope, "unit": unit, "value_text": value_text}


@pytest.mark.parametrize(
    ("source", "other", "decision", "reason"),
    [
        (
            target(scope="yangtze;into_river"),
            target(scope="yangtze;into_river"),
            COMPARE,
            "scope yangtze·into_river in both",
        ),
        (target(scope="lake;tributary;into_river"), target(scope="tributary"), CHECK, "scope differs"),
        (target(scope="yangtze;into_river"), target(scope="lake;into_lake"), CHECK, "scope differs"),
        (target(), target(scope="control"), COMPARE, "worded with control in the target only"),
        (target(), target("implied", value_text="全面完成"), IMPLIED, "the target value is implied by «全面完成»"),
        (target(unit="次/月"), target(unit="次/季度"), CHECK, "units differ: 次/月 vs 次/季度"),
        (target(unit="万元"), target(unit="亿元"), COMPARE, "same indicator"),
    ],
)
def test_a_pair_is_compared_flagged_or_doubted_with_its_reason(source, other, decision, reason) -> None:
    found = pairing(source, other)
    assert found is not None and found.decision == decision and reason in found.reason


def test_two_implied_values_are_no_pair() -> None:
    assert pairing(target("implied"), target("implied")) is None
