"""Plans of other regions and departments: layouts, scripts and attributions beyond the bundled
corpus, each on a small invented example."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.parse.clean import clean
from analysis.parse.script import looks_traditional, pinyin_spans
from analysis.parse.structure import parse_blocks, require_tasks, task_spans, tasks_table
from analysis.settings import ParseSettings
from analysis.targets.extract import text_targets


def tasks_of(raw: str) -> pd.DataFrame:
    return tasks_table(clean(raw, ParseSettings()), "doc", ParseSettings())


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
    assert TRADITIONAL[first["char_start"] : first["char_end"]].startswith("1.完成10個重點企業")
    assert TRADITIONAL[first["char_start"] : first["char_end"]].endswith("各區政府）")


def test_a_simplified_text_with_a_few_traditional_characters_is_left_alone() -> None:
    assert not looks_traditional("一、重点任务\n1.推进《環境》杂志合作,完成3个项目。\n")
    assert looks_traditional(TRADITIONAL)
    assert (
        clean("一、重点任务\n1.推进《環境》杂志合作。\n", ParseSettings()).text
        == "一、重点任务\n1.推进《環境》杂志合作。"
    )


# --- 10. injected pinyin ------------------------------------------------------------------------


def test_pinyin_injected_after_characters_is_removed_with_offsets_kept() -> None:
    raw = "一、大气污染防治\n1.開(kāi)展(zhǎn)扬尘治理的(de)專(zhuān)项行动，完成10家企业深度治理。\n"
    tasks = tasks_of(raw)
    assert tasks.loc[0, "text"] == "開展扬尘治理的專项行动,完成10家企业深度治理。"
    assert raw[tasks.loc[0, "char_start"] : tasks.loc[0, "char_end"]] == raw.split("\n")[1]


def test_toneless_pinyin_repeated_after_characters_is_removed_when_the_text_carries_it() -> None:
    raw = "一、重(zhong)點(dian)任務\n1.推(tui)(tui)進大(da)氣污染防治,完成10個(ge)企業深度治理。\n"
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一1"]
    assert tasks.loc[0, "text"] == "推进大气污染防治,完成10个企业深度治理。"
    assert tasks.loc[0, "part_title"] == "一、重点任务"
    assert pinyin_spans("措施(an)和方案(ban)") == []  # one or two toneless brackets: not a mirror's annotation


def test_abbreviations_in_brackets_are_not_pinyin() -> None:
    text = "挥发性有机物(vocs)和细颗粒物(PM2.5)协同治理,重点行业(ppm)"
    assert pinyin_spans(text) == []
    assert pinyin_spans("開(kāi)展(zhǎn)") == [(1, 6), (7, 13)]


# --- 1. goal paragraphs in framing parts --------------------------------------------------------


def test_a_goal_paragraph_in_a_general_requirements_part_is_a_goal_task() -> None:
    raw = (
        "某市2024年生态环境保护工作要点\n"
        "一、总体要求\n"
        "以习近平新时代中国特色社会主义思想为指导,深入贯彻全国生态环境保护大会精神。"
        "基本目标:PM2.5平均浓度控制在35.6微克/立方米以下,优良天数比率达到85%左右;\n"
        "农村生活污水治理率提高到50%。\n"
        "各级各部门要坚持稳中求进。\n"
        "二、重点任务\n"
        "(一)大气污染防治\n1.完成10家重点企业深度治理。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一", "二(一)1"]
    goal = tasks.iloc[0]
    assert goal["flags"] == "goal" and goal["heading"] == "基本目标"
    assert goal["text"].startswith("基本目标:PM2.5平均浓度控制在35.6微克/立方米以下")
    assert goal["text"].endswith("农村生活污水治理率提高到50%。")
    assert raw[goal["char_start"] : goal["char_end"]].startswith("基本目标:")


def test_a_goal_section_under_a_framing_part_is_a_goal_task() -> None:
    raw = (
        "一、总体要求\n(一)指导思想\n以习近平生态文明思想为指导,全面加强生态环境保护。\n"
        "(二)主要目标\n到2024年底,全县地表水国控断面水质优良比例达到100%,县城空气质量优良天数比率达到90%以上。\n"
        "二、重点任务\n(一)水污染防治。完成3个入河排污口整治。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(二)", "二(一)"]
    assert list(tasks["flags"]) == ["goal", ""]
    assert list(tasks["heading"]) == ["主要目标", "水污染防治"]


def test_a_framing_part_without_a_figure_or_a_goal_label_stays_framing() -> None:
    raw = "一、总体要求\n坚持精准治污、科学治污、依法治污,目标明确。\n二、重点任务\n1.完成8家企业改造。\n"
    assert list(tasks_of(raw)["path"]) == ["二1"]


def test_a_plan_of_framing_blocks_only_has_no_task_and_is_refused_saying_so() -> None:
    raw = (
        "某县2024年生态环境工作计划\n一、指导思想\n以习近平生态文明思想为指导,持续改善生态环境质量。\n"
        "二、工作要求\n各乡镇要落实属地责任,加强督查考核。\n"
    )
    doc = clean(raw, ParseSettings())
    outline = parse_blocks(doc, ParseSettings())
    tasks = tasks_table(doc, "doc", ParseSettings(), task_spans(doc, outline))
    assert tasks.empty
    with pytest.raises(UserError, match="or framing"):
        require_tasks(tasks, outline, "plan.txt")


# --- 2, 3. parts with items, items numbered across parts ----------------------------------------


def test_parts_followed_directly_by_items() -> None:
    raw = (
        "一、大气污染防治\n1.完成10家重点企业深度治理。\n2.淘汰老旧车辆500辆。\n"
        "二、水污染防治\n1.完成5个入河排污口整治。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一1", "一2", "二1"]
    assert list(tasks["part_title"]) == ["一、大气污染防治"] * 2 + ["二、水污染防治"]
    assert tasks["section_no"].isna().all() and tasks["flags"].eq("").all()
    assert tasks["task_id"].is_unique


def test_items_numbered_continuously_across_parts() -> None:
    raw = (
        "一、大气污染防治\n1.完成10家重点企业深度治理。\n2.淘汰老旧车辆500辆。\n3.开展扬尘专项整治。\n"
        "二、水污染防治\n4.完成5个入河排污口整治。\n5.推进河湖长制。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一1", "一2", "一3", "二4", "二5"]
    assert list(tasks["part_no"]) == [1, 1, 1, 2, 2]
    assert tasks["flags"].eq("").all()  # 4 follows 3: no numbering gap


# --- 6, 7, 8. attributions ----------------------------------------------------------------------


def test_attribution_lines_attach_to_the_task_above() -> None:
    raw = (
        "一、大气污染防治\n1.完成10家重点企业深度治理。\n牵头单位:市生态环境局\n责任单位:各区政府、市工信局\n"
        "2.淘汰老旧车辆500辆。\n牵头单位:市公安局\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["text"]) == ["完成10家重点企业深度治理。", "淘汰老旧车辆500辆。"]
    assert list(tasks["lead_units"]) == ["市生态环境局", "市公安局"]
    assert list(tasks["responsible_units"]) == ["各区政府;市工信局", ""]
    assert tasks["flags"].eq("").all()


def test_the_first_unit_listed_leads_when_the_plan_says_so() -> None:
    raw = (
        "一、水污染防治\n1.完成5个入河排污口整治。(市生态环境局、市发展改革委、市住建局按职责分工负责,列第一位者为牵头部门)\n"
        "2.推进污水管网建设。(市住建局、市水务局,排在首位的为牵头单位)\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["lead_units"]) == ["市生态环境局", "市住建局"]
    assert list(tasks["responsible_units"]) == ["市发展改革委;市住建局", "市水务局"]
    assert list(tasks["text"]) == ["完成5个入河排污口整治。", "推进污水管网建设。"]


def test_first_listed_lead_needs_no_organisation_ending_and_masks_the_rank_words() -> None:
    raw = "一、农业农村污染治理\n1.开展秸秆禁烧专项督查,全年不少于6次。(县农业农村局、各乡镇按职责分工负责,列第一位者为牵头部门)\n"
    tasks = tasks_of(raw)
    assert list(tasks["lead_units"]) == ["县农业农村局"]
    assert list(tasks["responsible_units"]) == ["各乡镇"]
    body = raw.split("\n")[1][2:]  # the item's text with its bracket: the bracket is masked for targets
    assert list(text_targets(body)["value_text"]) == ["6次"]  # not 第一位 (a rank) from 列第一位者


def test_a_section_lead_is_inherited_by_its_tasks_that_name_none() -> None:
    raw = (
        "一、重点任务\n(一)深入打好蓝天保卫战(市生态环境局总牵头)\n1.完成10家重点企业深度治理。\n"
        "2.淘汰老旧车辆500辆。(牵头单位:市公安局)\n(二)深入打好碧水保卫战\n3.完成5个排污口整治。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["lead_units"]) == ["市生态环境局", "市公安局", ""]
    assert list(tasks["flags"]) == ["inherited_units", "", ""]
    assert tasks.loc[0, "section_title"] == "(一)深入打好蓝天保卫战"


# --- 11. a truncated web excerpt ----------------------------------------------------------------


def test_the_last_task_of_an_excerpt_cut_mid_sentence_is_kept_and_flagged() -> None:
    raw = (
        "一、大气污染防治\n1.完成10家重点企业深度治理。\n2.淘汰老旧车辆500辆,推进重点行业清洁\n"
        "相关阅读\n上一篇:某某新闻\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["text"]) == ["完成10家重点企业深度治理。", "淘汰老旧车辆500辆,推进重点行业清洁"]
    assert list(tasks["flags"]) == ["", "truncated"]


def test_an_ellipsis_marks_a_cut_and_closing_matter_means_no_cut() -> None:
    assert list(tasks_of("一、重点任务\n1.完成8家企业改造。\n2.推进重点行业清洁运输……\n")["flags"]) == ["", "truncated"]
    assert list(tasks_of("一、重点任务\n1.完成8家企业改造\n某县生态环境局\n2024年3月1日\n")["flags"]) == [""]


# --- 4. a marker alone on its line ---------------------------------------------------------------


def test_a_marker_alone_on_its_line_takes_the_heading_on_the_next_line() -> None:
    raw = (
        "某市2024年生态环境工作要点\n一、\n深入打好污染防治攻坚战推动生态环境质量持续改善\n1.完成10家重点企业深度治理。\n"
        "二、\n加强生态保护修复和监管\n持续推进国土绿化,完成造林2万亩。\n三、\n（一）\n强化执法监管\n全年开展专项执法行动4次。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一1", "二", "三(一)"]
    assert list(tasks["part_title"]) == [
        "一、深入打好污染防治攻坚战推动生态环境质量持续改善",
        "二、加强生态保护修复和监管",
        "三、",
    ]
    assert list(tasks["section_title"]) == ["", "", "(一)强化执法监管"]
    assert list(tasks["text"])[1] == "持续推进国土绿化,完成造林2万亩。"  # the heading is not glued to the body
    second = tasks.iloc[1]
    assert raw[second["char_start"] : second["char_end"]] == "持续推进国土绿化,完成造林2万亩。"


# --- 5. task-division tables flattened to one cell per line -------------------------------------

TABLE = (
    "某区2024年生态环境重点工作任务分工表\n"
    "序号\n工作任务\n牵头单位\n责任单位\n完成时限\n"
    "1\n完成10家重点企业超低排放改造,推动钢铁行业全流程深度治理\n区生态环境分局\n各街道办事处\n2024年底\n"
    "2\n新建城镇污水管网50公里\n区住建局\n各街道办事处、区水务局\n2024年10月底\n"
    "3\n开展入河排污口排查整治\n区生态环境分局(牵头)、区水务局\n全年\n"
)


def test_a_flattened_task_division_table_is_read_as_tasks_with_their_units() -> None:
    tasks = tasks_of(TABLE)
    assert list(tasks["item_no"]) == [1, 2, 3]
    assert list(tasks["text"]) == [
        "完成10家重点企业超低排放改造,推动钢铁行业全流程深度治理",
        "新建城镇污水管网50公里",
        "开展入河排污口排查整治",
    ]
    assert list(tasks["lead_units"]) == ["区生态环境分局", "区住建局", "区生态环境分局"]
    assert list(tasks["responsible_units"]) == ["各街道办事处", "各街道办事处;区水务局", "区水务局"]
    assert tasks["flags"].eq("table").all()
    first = tasks.iloc[0]
    assert TABLE[first["char_start"] : first["char_end"]] == "完成10家重点企业超低排放改造,推动钢铁行业全流程深度治理"


def test_a_table_inside_a_part_belongs_to_it_and_blank_lines_between_cells_are_skipped() -> None:
    raw = (
        "一、大气污染防治\n1.完成8家企业深度治理。\n二、重点任务分工\n"
        + TABLE.split("\n", 1)[1].replace("\n", "\n\n")
        + "三、工作要求\n各单位要按时报送进展。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一1", "二1", "二2", "二3"]
    assert list(tasks["lead_units"])[1:] == ["区生态环境分局", "区住建局", "区生态环境分局"]


def test_an_attachment_table_after_the_plan_is_read_too() -> None:
    raw = (
        "一、重点任务\n1.完成8家企业深度治理。\n某区生态环境分局\n2024年3月1日\n附件\n重点任务分工表\n"
        + TABLE.split("\n", 1)[1]
    )
    doc = clean(raw, ParseSettings())
    outline = parse_blocks(doc, ParseSettings())
    tasks = tasks_table(doc, "doc", ParseSettings(), task_spans(doc, outline))
    assert list(tasks["path"]) == ["一1", "1", "2", "3"]
    assert [doc.text[s:e] for s, e in outline.back_matter] == [
        "某区生态环境分局",
        "2024年3月1日",
        "附件",
        "重点任务分工表",
    ]


def test_a_goals_and_requirements_part_skips_its_ideology_paragraph() -> None:
    raw = (
        "一、工作目标和要求\n以习近平生态文明思想为指导,坚持稳中求进。\n"
        "到2024年底,全区PM2.5平均浓度下降到32微克/立方米,重污染天数控制在2天以内。\n各单位要加强协作。\n"
        "二、重点任务\n1.完成6家企业深度治理。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一", "二1"]
    assert tasks.loc[0, "heading"] == "工作目标和要求"
    assert tasks.loc[0, "text"] == "到2024年底,全区PM2.5平均浓度下降到32微克/立方米,重污染天数控制在2天以内。"


def test_table_serials_printed_with_a_dot_are_rows_not_items() -> None:
    raw = TABLE.replace("\n1\n", "\n1.\n").replace("\n2\n", "\n2.\n").replace("\n3\n", "\n3.\n")
    tasks = tasks_of(raw)
    assert list(tasks["item_no"]) == [1, 2, 3]
    assert list(tasks["text"])[1] == "新建城镇污水管网50公里"
    assert list(tasks["lead_units"]) == ["区生态环境分局", "区住建局", "区生态环境分局"]
