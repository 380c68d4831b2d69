"""Targets of plans from other regions: approximate values (左右) and periods (5年内, 三年内)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from analysis.compare.escalation import _flag_note
from analysis.targets.extract import text_targets
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
    target = SimpleNamespace(comparator="~", flags="")
    assert _flag_note(target, None, None) == "approximate (左右) target"


@pytest.mark.parametrize(("text", "deadline", "phrase"), [
    ("5年内完成12家化工企业搬迁改造。", "5年内", "化工企业搬迁改造"),
    ("三年内新建城镇污水管网120公里。", "三年内", "新建城镇污水管网"),
    ("力争两年内建成3个省级生态文明建设示范区。", "两年内", "省级生态文明建设示范区"),
    ("6个月内完成4个入河排污口规范化整治。", "6个月内", "入河排污口规范化整治"),
])
def test_a_period_from_the_plans_start_is_the_deadline_not_this_year(text: str, deadline: str, phrase: str) -> None:
    (row,) = text_targets(text).itertuples()
    assert row.deadline == deadline
    assert row.phrase == phrase


def test_this_year_and_a_year_with_nei_keep_their_readings() -> None:
    assert list(text_targets("年内完成3个排污口整治。")["deadline"]) == ["年内"]
    assert list(text_targets("2025年内完成3个排污口整治。")["deadline"]) == ["2025年内"]
