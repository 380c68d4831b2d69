"""Document-level targets (invented plans): a preamble's commitments, a repost's news lead (never
counted twice) and indicator tables (one target per year column, the baseline kept apart)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.parse.document import parse_raw
from analysis.parse.read import RawDocument
from analysis.settings import ParseSettings, TargetSettings
from analysis.targets.extract import targets_table, text_targets


def targets_of(raw: str) -> pd.DataFrame:
    return targets_table(
        parse_raw(RawDocument(Path("plan.txt"), raw, "utf-8"), "plan", ParseSettings()), None, TargetSettings()
    )


def test_a_preamble_commitment_is_a_document_level_target_and_a_past_result_is_not() -> None:
    raw = (
        "2023年以来,全市空气质量优良天数比率提高到88%。"
        "到2025年,全市重污染天数比率控制在1%以内,70%以上的县区消除重污染天气。\n"
        "一、重点任务\n1.完成5家企业超低排放改造。\n"
    )
    found = targets_of(raw)
    document = found[found["task_id"] == ""]
    assert list(document["value_text"]) == ["1%", "70%"]
    assert set(document["role"]) == {"document"}
    assert list(document["target_id"]) == ["plan:document#1", "plan:document#2"]
    assert set(document["flags"].str.split(";").str[-1]) == {"preamble"}
    assert list(found.loc[found["task_id"] != "", "value_text"]) == ["5家"]
    first = document.iloc[0]
    assert raw[first["value_char_start"] : first["value_char_end"]].startswith("1%")


def test_a_repost_lead_is_read_for_targets_but_a_figure_the_plan_restates_counts_once() -> None:
    raw = (
        "记者获悉,某市印发河湖长制工作要点,要求完成90%入河排污口溯源,新建污水管网20公里。全文如下:\n"
        "某市2024年河湖长制工作要点\n一、水污染防治\n1.完成90%入河排污口溯源工作。\n"
    )
    found = targets_of(raw)
    assert list(found["value_text"]) == ["90%", "20公里"]
    lead = found.iloc[1]
    assert (lead["task_id"], lead["role"], lead["flags"]) == ("", "document", "lead")


INDICATORS = (
    "某县“十四五”生态环境保护主要指标\n"
    "序号\n指标\n单位\n2020年\n2024年\n2025年\n属性\n牵头单位\n"
    "1\n地表水国控断面优良比例\n%\n80\n≥85\n≥90\n约束性\n县生态环境分局\n"
    "2\n细颗粒物(PM2.5)平均浓度\n微克/立方米\n38\n35\n33左右\n约束性\n县生态环境分局、县住建局\n"
)


def test_an_indicator_table_gives_one_target_per_year_and_its_baseline_apart() -> None:
    found = targets_of(INDICATORS)
    assert found["task_id"].eq("").all()
    assert list(found["value"]) == [80.0, 85.0, 90.0, 38.0, 35.0, 33.0]
    assert list(found["role"]) == ["baseline", "document", "document"] * 2
    assert list(found["deadline"]) == ["", "2024年", "2025年"] * 2
    assert list(found["comparator"]) == ["=", ">=", ">=", "=", "=", "~"]
    assert list(found["unit"]) == ["%"] * 3 + ["微克/立方米"] * 3
    assert list(found["kind"]) == ["rate"] * 3 + ["concentration"] * 3
    assert list(found["lead_units"]) == ["县生态环境分局"] * 3 + ["县生态环境分局;县住建局"] * 3
    assert set(found["flags"]) == {"table"}
    value = found.iloc[2]
    assert INDICATORS[value["value_char_start"] : value["value_char_end"]] == "90"
    assert INDICATORS[value["char_start"] : value["char_end"]].startswith("地表水国控断面优良比例")


def test_an_indicator_table_with_a_baseline_column_and_the_unit_in_the_name() -> None:
    raw = "序号\n指标名称\n基准值\n目标值\n1\n农村生活污水治理率(%)\n45\n≥55\n2\n新增造林面积(万亩)\n-\n3.5\n"
    found = targets_of(raw)
    assert list(found["indicator"].str[:6]) == ["农村生活污水", "农村生活污水", "新增造林面积"]
    assert list(found["role"]) == ["baseline", "document", "document"]
    assert list(found["unit"]) == ["%", "%", "万亩"]
    assert list(found["value"]) == [45.0, 55.0, 3.5]


def test_jin_is_a_unit_of_quantity() -> None:
    (row,) = text_targets("全年粮食产量稳定在50亿斤以上。").itertuples()
    assert (row.value, row.unit, row.comparator) == (5e9, "斤", ">=")


def test_micrograms_per_cubic_metre_in_latin_letters_is_a_concentration() -> None:
    (row,) = text_targets("全市PM2.5年均浓度控制在35μg/m3以下。").itertuples()
    assert (row.value, row.unit, row.kind, row.comparator) == (35.0, "μg/m3", "concentration", "<=")
