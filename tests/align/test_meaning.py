"""The signals of meaning on invented plans: topics, the goal block's media, structure, level
words made neutral; and the decision rules that read them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from invented_plans import clauses_frame, tasks_frame

from analysis import align
from analysis.settings import AlignmentSettings, Thresholds


def plan_tasks(doc: str, rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A task table from (text, part title, section title) rows, no units named."""
    return tasks_frame(doc, [(text, "", "", part, section) for text, part, section in rows])


def plan_pair(source: pd.DataFrame, target: pd.DataFrame, settings: AlignmentSettings | None = None) -> align.PlanPair:
    settings = settings or AlignmentSettings()
    space = align.FeatureSpace()
    neutral = settings.neutral_level_words
    return align.PlanPair(
        align.Plan(source, clauses_frame(source), space, neutral),
        align.Plan(target, clauses_frame(target), space, neutral),
        settings,
    )


def signal(pairs: pd.DataFrame, source: int, target: int, name: str) -> float:
    row = pairs[(pairs["source_index"] == source) & (pairs["target_index"] == target)]
    assert len(row) == 1, (source, target)
    return float(row[name].iloc[0])


GOALS = "一、主要目标"
PROVINCE = plan_tasks(
    "province",
    [
        (
            "坚决完成环境质量改善目标。全省地表水国控断面达到国家考核目标要求。全省细颗粒物平均浓度达到国家考核目标要求。",
            GOALS,
            "",
        ),
        ("深入打好碧水保卫战。推进入河排污口溯源整治。加强饮用水水源地保护。", "二、重点工作", "(一)污染防治"),
        ("深入打好蓝天保卫战。推动水泥企业超低排放改造。强化柴油货车监管。", "二、重点工作", "(一)污染防治"),
        ("加强党风廉政建设。严格落实中央八项规定。推动党建与业务深度融合。", "三、党的建设", "(一)机关建设"),
        ("强化干部队伍建设。加强干部培训。", "三、党的建设", "(一)机关建设"),
    ],
)
CITY = plan_tasks(
    "city",
    [
        ("水环境质量方面。国控断面水质优良比例达到100%。", GOALS, "(一)水环境质量方面"),
        ("声环境质量方面。声环境功能区夜间达标率达到目标要求。", GOALS, "(二)声环境质量方面"),
        ("全力提升重点流域水质。完成梁子湖入湖排污口整治。", "二、重点工作", "(一)流域治理"),
        ("持续打好蓝天保卫战。完成水泥企业超低排放改造。", "二、重点工作", "(一)流域治理"),
        ("强化思想理论武装。推进党建与业务有机融合。", "三、党建", "(一)从严治党"),
        ("深化党风廉政建设。落实中央八项规定精神。", "三、党建", "(一)从严治党"),
    ],
)


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return align.pair_signals(plan_pair(PROVINCE, CITY))


def test_topic_profiles_agree_within_a_theme_not_across(pairs) -> None:
    # the province's water task and the city's water task share the theme, not the air task
    assert signal(pairs, 1, 2, "topics") > 0.8 > 0.2 > signal(pairs, 1, 3, "topics")
    assert signal(pairs, 3, 5, "topics") > 0.8  # party building on both sides
    assert pairs["topics"].between(0, 1).all()


def test_topic_clauses_need_the_same_theme_and_some_shared_wording(pairs) -> None:
    # 推动党建与业务深度融合 → 推进党建与业务有机融合: one theme, in other words
    carried = signal(pairs, 3, 4, "topic_clauses")
    assert carried > 0.3 and carried <= signal(pairs, 3, 4, "clauses") + 1e-9
    # 排污口 is water on both sides; 超低排放改造 is air: each pair's best clause pair is of its own theme
    assert signal(pairs, 1, 2, "topic_clauses") > signal(pairs, 1, 3, "topic_clauses")


def test_a_goal_block_meets_the_goal_tasks_of_the_media_it_names(pairs) -> None:
    assert signal(pairs, 0, 0, "goal_media") > 0.9  # it names 地表水国控断面: the water goal
    assert signal(pairs, 0, 1, "goal_media") == 0.0  # it names no noise goal
    action = pairs[~pairs["same_role"] | (pairs["source_index"] > 0)]
    assert action["goal_media"].isna().all()  # measured for two goal tasks only


def test_the_goal_media_rule_links_the_named_media_only() -> None:
    thresholds = Thresholds(link_min=0.99, partial_ratio=1.0, clause_min=None, goal_media_min=0.5)
    result = align.align(plan_pair(PROVINCE, CITY, AlignmentSettings(thresholds=thresholds)), "level")
    links = result.alignments[result.alignments["relation"].isin(align.LINKS)]
    assert set(zip(links["source_task_id"], links["target_task_id"])) == {("province:0", "city:0")}


def test_the_topic_rule_links_a_theme_carried_in_other_words() -> None:
    off = Thresholds(link_min=0.99, partial_ratio=1.0, clause_min=None, topic_clause_min=None, goal_media_min=None)
    on = dataclasses.replace(off, topic_clause_min=0.3)
    pairs = align.pair_signals(plan_pair(PROVINCE, CITY))
    relation = align.decide(pairs, len(PROVINCE), len(CITY), on)
    linked = set(zip(pairs["source_index"][relation != ""], pairs["target_index"][relation != ""]))
    assert (3, 4) in linked and (1, 3) not in linked
    assert not (align.decide(pairs, len(PROVINCE), len(CITY), off) != "").any()
    roles_differ = ~pairs["same_role"].to_numpy()
    assert not (relation[roles_differ] != "").any()  # a goal block is not linked by a clause of an action


def test_sections_that_match_favour_the_tasks_inside_them(pairs) -> None:
    # the party-building sections align with each other; each plan's sections as a whole, not task by task
    assert signal(pairs, 3, 5, "section") == 1.0
    assert signal(pairs, 3, 2, "section") < 1.0
    assert pairs["section"].between(0, 1).all()


def test_groups_are_sections_of_several_tasks_else_parts() -> None:
    plan = align.Plan(CITY, clauses_frame(CITY), align.FeatureSpace())
    # the goal part's sections hold one task each: the part is the group
    assert plan.groups.tolist() == [0, 0, 1, 1, 2, 2]


def test_neutral_level_words_make_a_restated_instrument_match() -> None:
    province = plan_tasks("p", [("印发实施《湖北省排污权储备与出让管理办法》。", "二、重点工作", "")])
    city = plan_tasks("c", [("制发《鄂州市排污权储备与出让管理办法》。", "二、重点工作", "")])
    plain = align.pair_signals(plan_pair(province, city))
    neutral = align.pair_signals(plan_pair(province, city, AlignmentSettings(neutral_level_words=True)))
    assert neutral["chars"].iloc[0] > plain["chars"].iloc[0] + 0.1
    assert neutral["words"].iloc[0] > plain["words"].iloc[0]


def test_every_signal_lies_in_the_unit_interval_or_is_unmeasured(pairs) -> None:
    for name in align.SIGNALS:
        values = pairs[name].to_numpy(dtype=float)
        measured = values[~np.isnan(values)]
        assert ((measured >= 0) & (measured <= 1 + 1e-9)).all(), name


def test_thresholds_round_trip_through_a_grid_row() -> None:
    thresholds = Thresholds(link_min=0.2, partial_ratio=0.7, clause_min=None, topic_clause_min=0.3, goal_media_min=None)
    row = align.threshold_table(thresholds).iloc[0]
    assert np.isinf(row["clause_min"]) and np.isinf(row["goal_media_min"]) and row["topic_clause_min"] == 0.3
    assert align.thresholds_of(row) == thresholds
