"""Targets of plans from other regions: approximate values (左右) and periods (5年内, 三年内)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from analysis.compare.escalation import _flag_note
from analysis.parse.document import parse_raw
from analysis.parse.read import RawDocument
from analysis.settings import ParseSettings, TargetSettings
from analysis.targets.extract import targets_table, text_targets
from analysis.targets.mentions import APPROXIMATE


def test_zuoyou_after_a_number_makes_an_approximate_comparator() -> None:
    found = text_targets("全市优良天数比率达到85%左右,PM2.5平均浓度控制在35微克/立方米以下。")
    assert list(found["comparator"]) == [APPROXIMATE, "<="]
    assert APPROXIMATE == "~"
    assert list(found["value"]) == [85.0, 35.0]


def test_striving_wins_over_zuoyou() -> None:
    (comparator,) = text_targets("力争重污染天数比率控制在1%左右。")["comparator"]
    assert comparator == "striving"


def test_an_approximate_target_gets_an_escalation_note() -> None:
    target = SimpleNamespace(comparator="~", flags="", role="commitment")
    assert _flag_note(target, None, None) == "approximate (左右) target"


@pytest.mark.parametrize(
    ("text", "deadline", "phrase"),
    [
        ("5年内完成12家化工企业搬迁改造。", "5年内", "化工企业搬迁改造"),
        ("三年内新建城镇污水管网120公里。", "三年内", "新建城镇污水管网"),
        ("力争两年内建成3个省级生态文明建设示范区。", "两年内", "省级生态文明建设示范区"),
        ("6个月内完成4个入河排污口规范化整治。", "6个月内", "入河排污口规范化整治"),
    ],
)
def test_a_period_from_the_plans_start_is_the_deadline_not_this_year(text: str, deadline: str, phrase: str) -> None:
    (row,) = text_targets(text).itertuples()
    assert row.deadline == deadline
    assert row.phrase == phrase


def test_this_year_and_a_year_with_nei_keep_their_readings() -> None:
    assert list(text_targets("年内完成3个排污口整治。")["deadline"]) == ["年内"]
    assert list(text_targets("2025年内完成3个排污口整治。")["deadline"]) == ["2025年内"]


def test_the_targets_of_a_goal_paragraph_in_a_framing_part_are_found() -> None:
    raw = (
        "某市2024年生态环境工作要点\n一、总体要求\n以习近平生态文明思想为指导,持续深入打好污染防治攻坚战。\n"
        "基本目标:PM2.5平均浓度控制在35.6微克/立方米以下,优良天数比率达到85%左右;农村生活污水治理率提高到50%。\n"
        "二、重点任务\n1.完成10家重点企业深度治理。\n"
    )
    doc = parse_raw(RawDocument(Path("plan.txt"), raw, "utf-8"), "plan", ParseSettings())
    targets = targets_table(doc, None, TargetSettings())
    goal = targets[targets["task_id"] == "plan:1-0-0"]
    assert list(goal["value"]) == [35.6, 85.0, 50.0]
    assert list(goal["comparator"]) == ["<=", "~", ">="]
    assert raw[goal["char_start"].iloc[0] : goal["char_end"].iloc[0]] == "PM2.5平均浓度控制在35.6微克/立方米以下"


def test_a_table_row_target_takes_the_deadline_column_when_it_prints_none() -> None:
    raw = (
        "某区2024年生态环境重点工作任务分工表\n序号\n工作任务\n牵头单位\n责任单位\n完成时限\n"
        "1\n完成10家重点企业超低排放改造\n区生态环境分局\n各街道办事处\n2024年底\n"
        "2\n6月底前新建城镇污水管网50公里\n区住建局\n区水务局\n2024年10月底\n"
    )
    targets = targets_table(
        parse_raw(RawDocument(Path("plan.txt"), raw, "utf-8"), "plan", ParseSettings()), None, TargetSettings()
    )
    assert list(targets["value_text"]) == ["10家", "50公里"]
    assert list(targets["deadline"]) == ["2024年底", "6月底前"]
    assert list(targets["flags"]) == ["table_deadline", ""]
