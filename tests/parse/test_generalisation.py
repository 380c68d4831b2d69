"""Plans of other regions and departments: layouts, scripts and attributions beyond the bundled
corpus, each on a small invented example."""
from __future__ import annotations

import pandas as pd

from analysis.parse.clean import clean
from analysis.parse.script import looks_traditional, pinyin_spans
from analysis.parse.structure import parse_blocks, task_spans, tasks_table


def tasks_of(raw: str) -> pd.DataFrame:
    return tasks_table(clean(raw), "doc")


# --- 9. traditional script ----------------------------------------------------------------------

TRADITIONAL = (
    "某市2024年生態環境工作要點\n"
    "一、大氣污染防治\n"
    "1.完成10個重點企業超低排放改造。（牽頭單位：市生態環境局；責任單位：各區政府）\n"
    "2.淘汰國三及以下排放標準營運柴油貨車300輛。（牽頭單位：市公安局）\n"
)


def test_a_traditional_plan_is_read_in_simplified_with_offsets_into_the_raw_text() -> None:
    tasks = tasks_of(TRADITIONAL)
    assert list(tasks["path"]) == ["一1", "一2"]
    assert list(tasks["lead_units"]) == ["市生态环境局", "市公安局"]
    assert list(tasks["responsible_units"]) == ["各区政府", ""]
    assert tasks.loc[0, "text"] == "完成10个重点企业超低排放改造。"
    first = tasks.iloc[0]
    assert TRADITIONAL[first["char_start"]:first["char_end"]].startswith("1.完成10個重點企業")
    assert TRADITIONAL[first["char_start"]:first["char_end"]].endswith("各區政府）")


def test_a_simplified_text_with_a_few_traditional_characters_is_left_alone() -> None:
    assert not looks_traditional("一、重点任务\n1.推进《環境》杂志合作,完成3个项目。\n")
    assert looks_traditional(TRADITIONAL)
    assert clean("一、重点任务\n1.推进《環境》杂志合作。\n").text == "一、重点任务\n1.推进《環境》杂志合作。"


# --- 10. injected pinyin ------------------------------------------------------------------------

def test_pinyin_injected_after_characters_is_removed_with_offsets_kept() -> None:
    raw = "一、大气污染防治\n1.開(kāi)展(zhǎn)扬尘治理的(de)專(zhuān)项行动，完成10家企业深度治理。\n"
    tasks = tasks_of(raw)
    assert tasks.loc[0, "text"] == "開展扬尘治理的專项行动,完成10家企业深度治理。"
    assert raw[tasks.loc[0, "char_start"]:tasks.loc[0, "char_end"]] == raw.split("\n")[1]


def test_abbreviations_in_brackets_are_not_pinyin() -> None:
    text = "挥发性有机物(vocs)和细颗粒物(PM2.5)协同治理,重点行业(ppm)"
    assert pinyin_spans(text) == []
    assert pinyin_spans("開(kāi)展(zhǎn)") == [(1, 6), (7, 13)]
