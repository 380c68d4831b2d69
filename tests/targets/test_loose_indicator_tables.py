"""Indicator tables whose rows do not keep the header's width (invented plans in the form of a PDF
text layer: merged category cells, several indicators under one serial, values wrapped over lines,
rows without a unit cell, the header repeated on the next page after its page number)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.parse.document import parse_raw
from analysis.parse.read import RawDocument
from analysis.settings import ParseSettings, TargetSettings
from analysis.targets.extract import targets_table

HEADER = "类别\n序号\n考核指标\n单位\n目标值\n"
LOOSE_TABLE = (
    "某县2024年农村人居环境整治考核指标\n"
    + HEADER
    + "人居\n环境\n"
    + "1.\n农村卫生厕所普及率\n%\n≥85\n"
    + "农村生活垃圾\n无害化处理率\n达到市下达的\n年度任务,且≥95\n或稳步提升\n"
    + "2.\n农村生活污水治理率\n%\n达到市下达的\n年度任务,且≥40\n行政村环境整治完成率\n100\n"
    + "3.\n城区PM10年均浓度\nμg/m3\n≤60\n"
    + "4.\n农村黑臭水体\n-\n基本消除\n"
    + "7\n"  # the page number, then the header printed again
    + HEADER
    + "生态\n保护\n"
    + "5.\n畜禽粪污综合利用率\n%\n≥80 并持续\n化肥使用量\n万吨\n≤1.2\n"
    + "一、工作措施\n1.各镇每季度开展1次农村人居环境检查,完成30个村庄整治。\n"
)


def parsed(raw: str):
    return parse_raw(RawDocument(Path("plan.txt"), raw, "utf-8"), "plan", ParseSettings())


def table_targets(raw: str) -> pd.DataFrame:
    found = targets_table(parsed(raw), None, TargetSettings())
    return found[found["flags"].str.split(";").apply(lambda flags: "table" in flags)]


def test_each_value_cell_is_read_with_the_indicator_above_it_and_the_unit_of_its_row() -> None:
    found = table_targets(LOOSE_TABLE)
    assert list(found["value_text"]) == ["≥85", "≥95", "≥40", "100", "≤60", "≥80", "≤1.2"]
    assert list(found["value"]) == [85.0, 95.0, 40.0, 100.0, 60.0, 80.0, 1.2]
    assert list(found["comparator"]) == [">=", ">=", ">=", "=", "<=", ">=", "<="]
    # 无害化处理率 has no unit cell: the row's unit (%) above it; 畜禽粪污综合利用率 after the page's header
    assert list(found["unit"]) == ["%", "%", "%", "%", "μg/m3", "%", "万吨"]
    assert list(found["kind"]) == ["rate"] * 4 + ["concentration", "rate", "quantity"]
    assert list(found["indicator"]) == [
        "农村卫生厕所普及率",
        "无害化处理率",
        "农村生活污水治理率",
        "行政村环境整治完成率",
        "城区PM10年均浓度",
        "畜禽粪污综合利用率",
        "化肥使用量",
    ]
    assert set(found["task_id"]) == {""}
    assert set(found["role"]) == {"document"}


def test_a_wrapped_value_points_at_its_comparator_and_number_in_the_raw_text() -> None:
    found = table_targets(LOOSE_TABLE)
    second = found.iloc[1]
    assert LOOSE_TABLE[second["value_char_start"] : second["value_char_end"]] == "95"
    assert LOOSE_TABLE[second["char_start"] : second["char_end"]].startswith("无害化处理率\n达到市下达的")


def test_the_page_number_is_no_value_and_the_rows_are_no_tasks() -> None:
    doc = parsed(LOOSE_TABLE)
    lines = doc.clean.text.split("\n")
    assert "7" not in lines  # dropped as a page number, not read as 农村黑臭水体's value
    assert lines.count("考核指标") == 2  # both headers kept, one cell per line
    assert list(doc.tasks["heading"].str[:6]) == ["各镇每季度开"]
    assert not (table_targets(LOOSE_TABLE)["value"] == 7.0).any()


def test_bare_serial_numbers_open_rows_and_a_bare_value_is_no_serial() -> None:
    raw = (
        "领域\n序号\n指标\n单位\n目标值\n固废\n"
        "1\n新建收运站点数\n个\n1\n2\n生活垃圾分类覆盖率\n%\n≥95\n填埋场渗滤液处理达标率\n100\n"
    )
    found = table_targets(raw)
    assert list(zip(found["indicator"], found["value"], found["unit"])) == [
        ("新建收运站点数", 1.0, "个"),
        ("生活垃圾分类覆盖率", 95.0, "%"),
        ("填埋场渗滤液处理达标率", 100.0, "%"),
    ]


def test_a_header_with_several_year_columns_is_not_read_loosely() -> None:
    raw = (
        "领域\n序号\n指标\n单位\n2024年目标\n2025年目标\n"
        "水环境\n1.\n地表水优良比例\n%\n≥85\n≥88\n城市黑臭水体消除比例\n100\n"
    )
    assert table_targets(raw).empty


def test_a_prose_plan_with_lone_number_lines_gives_no_table_targets() -> None:
    raw = (
        "某镇2024年生态环境保护工作要点\n"
        "一、大气污染防治\n"
        "指标\n"
        "1.加强秸秆禁烧巡查,完成12次联合执法。\n"
        "2\n"
        "单位\n"
        "≥85\n"
        "100\n"
        "二、水污染防治\n"
        "2.完成3个村污水管网建设。\n"
    )
    doc = parsed(raw)
    assert table_targets(raw).empty
    assert len(doc.tasks) == 2
