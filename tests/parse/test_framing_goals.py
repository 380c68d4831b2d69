"""Framing never a task, goal blocks wherever they stand, a repost's news lead, Taiwan vocabulary,
item numbers of any width and title lines with markup (invented plans)."""

from __future__ import annotations

import pandas as pd

from analysis.parse.clean import ITEM_MARKER, clean
from analysis.parse.metadata import extract_metadata
from analysis.parse.structure import parse_blocks, plan_start, tasks_table
from analysis.settings import ParseSettings


def tasks_of(raw: str) -> pd.DataFrame:
    return tasks_table(clean(raw, ParseSettings()), "doc", ParseSettings())


# --- framing ------------------------------------------------------------------------------------


def test_guiding_ideology_and_principles_under_general_requirements_are_never_tasks() -> None:
    raw = (
        "一、总体要求\n(一)指导思想\n以习近平生态文明思想为指导,统筹推进山水林田湖草系统治理。\n"
        "(二)基本原则\n1、坚持生态优先。处理好保护与开发的关系。\n2、坚持系统治理。统筹上下游。\n"
        "二、主要任务\n(一)治理黑臭水体。完成4条黑臭水体整治。\n"
        "三、保障措施\n(一)加强组织领导。各镇要成立专班。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["二(一)"]


def test_action_principles_with_dashes_and_a_basic_approach_are_framing() -> None:
    raw = (
        "一、行动原则\n——坚持绿色发展。推动产业绿色转型。\n——坚持共同参与。形成工作合力。\n"
        "二、基本思路\n以改善空气质量为核心,突出精准治污。\n三、重点任务\n1.淘汰老旧车辆200辆。\n"
    )
    assert list(tasks_of(raw)["path"]) == ["三1"]


def test_a_goal_section_under_general_requirements_is_a_task_even_without_a_figure() -> None:
    raw = (
        "一、总体要求\n(一)指导思想。以习近平生态文明思想为指导。\n"
        "(二)工作目标。全面完成省下达的空气质量改善目标,协同控制温室气体排放。\n"
        "二、重点任务\n1.淘汰老旧车辆200辆。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(二)", "二1"]
    assert list(tasks["flags"]) == ["goal", ""]
    assert tasks.loc[0, "heading"] == "工作目标"


def test_the_items_of_a_goal_section_under_general_requirements_are_goal_tasks() -> None:
    raw = (
        "一、总体要求\n(一)指导思想\n以习近平生态文明思想为指导。\n(二)主要目标\n到2026年底:\n"
        "1.农村卫生厕所普及率达到88%以上。\n2.农村生活污水治理率达到55%以上。\n"
        "二、重点任务\n(一)推进改厕。完成改厕3000户。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(二)1", "一(二)2", "二(一)"]
    assert list(tasks["flags"]) == ["goal", "goal", ""]


def test_a_goal_heading_after_a_list_bullet_is_a_block() -> None:
    raw = (
        "  • 来源:市水利局\n  • 一、总体目标\n"
        "全年完成水利投资80亿元以上,用水总量控制在12亿立方米以下。\n"
        "  • 二、主要任务\n1.推进水库除险加固12座。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一", "二1"]
    assert tasks.loc[0, "part_title"] == "一、总体目标"
    assert tasks.loc[0, "text"].startswith("全年完成水利投资80亿元以上")


def test_a_goal_paragraph_without_a_number_before_the_blocks_is_a_goal_task() -> None:
    raw = (
        "某县2024年农业农村工作要点\n"
        "主要目标:粮食播种面积稳定在50万亩,高标准农田新增3万亩。\n"
        "一、稳定粮食生产\n1.落实大豆扩种任务2万亩。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["", "一1"]
    assert tasks.loc[0, "flags"] == "goal"
    assert tasks.loc[0, "heading"] == "主要目标"
    assert raw[tasks.loc[0, "char_start"] : tasks.loc[0, "char_end"]].startswith("主要目标:粮食播种面积")


def test_a_part_of_one_sentence_of_clauses_is_a_task_and_a_contact_line_is_closing_matter() -> None:
    raw = (
        "关于做好污水纳管工作的通知\n一、各单位要高度重视污水纳管工作,确保年度任务圆满完成。\n"
        "二、严格实行月报制度。每月5日前报送进展。\n联系人:区环保局 王五\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一", "二"]
    assert tasks.loc[1, "text"] == "每月5日前报送进展。"


def test_a_circulars_attachment_list_and_a_list_of_member_units_are_not_tasks() -> None:
    raw = (
        "关于印发2024年河长制工作要点的通知\n各乡镇:现将有关文件印发给你们。\n"
        "附件:1.2024年河长制工作要点\n2.河长制成员单位名单\n3.重点任务分工表\n某县河长办\n2024年3月1日\n"
        "2024年河长制工作要点\n一、成员单位\n县水利局、县生态环境分局、县农业农村局。\n"
        "二、重点任务\n1.完成河道清淤5公里。\n"
    )
    assert list(tasks_of(raw)["path"]) == ["二1"]


def test_a_read_more_control_after_the_plan_began_ends_the_text() -> None:
    raw = (
        "一、水安全\n投资2000万元推进水闸除险加固。\n二、水生态\n阅读全文\n"
        "如果喜欢本篇内容,请打赏!\n尚未有人打赏,赶紧来一个吧\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一"]


# --- a repost's news lead ----------------------------------------------------------------------


def test_a_repost_lead_before_the_full_text_cue_is_kept_out_of_the_plan() -> None:
    raw = (
        "日前,某市印发《2024年河湖长制工作要点》,要求完成80%入河排污口整治,\n"
        "1.要新建污水管网30公里。\n原文如下:\n"
        "2024年河湖长制工作要点\n一、强化河湖长履职\n1.开展巡河4次以上。\n"
    )
    doc = clean(raw, ParseSettings())
    outline = parse_blocks(doc, ParseSettings())
    assert [doc.text[s:e] for s, e in outline.lead][-1] == "原文如下:"
    assert set(outline.lead) <= set(outline.front_matter)
    assert list(tasks_table(doc, "doc", ParseSettings())["path"]) == ["一1"]


# --- Taiwan vocabulary ------------------------------------------------------------------------


def test_taiwan_vocabulary_is_converted_as_phrases_with_offsets_kept() -> None:
    raw = "某市空氣品質改善計畫\n一、重點工作\n1.最佳化能源結構,加強資訊化建設,完成10個計畫。\n"
    tasks = tasks_of(raw)
    assert tasks.loc[0, "text"] == "优化能源结构,加强信息化建设,完成10个计划。"
    doc = clean(raw, ParseSettings())
    at = doc.text.index("信息化")
    assert raw[slice(*doc.raw_span(at, at + 3))] == "資訊化"
    at = doc.text.index("空气质量")
    assert raw[slice(*doc.raw_span(at, at + 4))] == "空氣品質"


def test_a_traditional_text_without_taiwan_vocabulary_is_converted_character_for_character() -> None:
    raw = "一、重點工作\n1.嚴格執行排放標準,完成10個企業治理。\n"
    assert tasks_of(raw).loc[0, "text"] == "严格执行排放标准,完成10个企业治理。"


# --- item numbers of any width ------------------------------------------------------------------


def test_long_item_numbers_continue_and_one_out_of_sequence_is_never_merged_silently() -> None:
    raw = "一、清单\n999.整治排口甲。\n1000.整治排口乙。\n1001.整治排口丙。\n20240.整治排口丁。\n"
    tasks = tasks_of(raw)
    assert list(tasks["item_no"]) == [999, 1000, 1001]
    assert tasks.loc[2, "text"] == "整治排口丙。20240.整治排口丁。"
    assert list(tasks["flags"]) == ["", "", "merged_number"]
    assert ITEM_MARKER.match("12345.推进").group(1) == "12345"
    assert ITEM_MARKER.match("2024.5万吨") is None  # a decimal


# --- a title line with trailing markup ---------------------------------------------------------


def test_a_title_line_with_trailing_markup_is_the_title() -> None:
    found = extract_metadata(["2024年全市水利工作要点</strong>", "某市水利局"])
    assert found["title"] == "2024年全市水利工作要点"
    assert extract_metadata(["**某县2024年河长制工作要点** [打印]"])["title"] == "某县2024年河长制工作要点"
    paragraphs = ["关于印发工作要点的通知", "一、请认真贯彻。", "2024年工作要点.docx", "一、重点任务"]
    markers = [None, ("part", 1, 2, []), None, ("part", 1, 2, [])]
    assert plan_start(paragraphs, markers) == 3
