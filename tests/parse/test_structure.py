"""Structure: parts, sections and items become a task table; gold for the provincial plans."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.parse.clean import clean
from analysis.parse.structure import TASK_COLUMNS, parse_blocks, task_path, tasks_table
from analysis.settings import ParseSettings


def tasks_of(raw: str) -> pd.DataFrame:
    return tasks_table(clean(raw, ParseSettings()), "doc", ParseSettings())


def test_items_run_on_across_sections_and_restart_in_a_later_part() -> None:
    raw = (
        "2024年全省生态环境工作要点\n"
        "一、重点工作\n(一)流域治理。\n1.推进试点。内容一。\n2.保护长江。内容二。\n"
        "(二)污染防治。\n3.蓝天保卫战。内容三。\n"
        "二、重要举措\n(一)联保共治。\n1.联合执法。内容四。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(一)1", "一(一)2", "一(二)3", "二(一)1"]
    assert list(tasks["heading"]) == ["推进试点", "保护长江", "蓝天保卫战", "联合执法"]
    assert list(tasks["section_title"]) == ["(一)流域治理", "(一)流域治理", "(二)污染防治", "(一)联保共治"]
    assert tasks["flags"].eq("").all()
    assert tasks["task_id"].is_unique


def test_sections_without_items_are_the_tasks_and_headings_are_context() -> None:
    raw = (
        "一、主要工作目标\n"
        "(一)水环境质量方面。水质优良比例不低于90.9%。(牵头单位:水处)\n"
        "(二)农村环境方面。农村生活污水治理(管控)率达到65.76%。(牵头单位:生态处)\n"
        "二、持续推动绿色低碳发展\n(一)积极应对气候变化。服务“中碳登”建设。(牵头单位:大气处)\n"
        "(二)其他工作\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(一)", "一(二)", "二(一)"]
    assert list(tasks["heading"]) == ["水环境质量方面", "农村环境方面", "积极应对气候变化"]
    assert list(tasks["lead_units"]) == ["水处", "生态处", "大气处"]
    assert tasks["item_no"].isna().all()
    assert tasks.loc[1, "text"] == "农村环境方面。农村生活污水治理(管控)率达到65.76%。"


def test_a_part_without_sub_structure_is_one_task_but_framing_paragraphs_are_not() -> None:
    raw = (
        "一、总体要求与主要目标\n"
        "以习近平新时代中国特色社会主义思想为指导,全面贯彻党的二十大精神。\n"
        "主要目标是:农村生活污水治理率达32%。\n"
        "二、总体要求\n(一)坚持稳中求进。各单位要提高认识。\n"
        "三、其他工作\n全面加强精神文明建设等工作。(相关单位分工负责)\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一", "三"]
    assert list(tasks["heading"]) == ["主要目标", "全面加强精神文明建设等工作"]
    assert list(tasks["responsible_units"]) == ["", "相关单位"]


def test_a_damaged_section_marker_gets_the_next_number_and_a_flag() -> None:
    raw = "一、重点工作\n(一)第一节。\n1.任务甲。内容。\n(?第二节\n2.任务乙。内容?0%。\n"
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(一)1", "一(二)2"]
    assert tasks.loc[1, "flags"] == "damaged_text;damaged_marker"


def test_numbering_gaps_are_flagged() -> None:
    tasks = tasks_of("一、重点工作\n1.任务甲。内容。\n3.任务丙。内容。\n")
    assert list(tasks["flags"]) == ["", "numbering_gap"]


@pytest.mark.parametrize(
    "closing",
    [
        "附件:2024年重点任务分工表\n抄送:生态环境部,省委办公厅。\n某省生态环境厅办公室 2024年2月6日印发",
        "某市生态环境局\n2024年3月1日",
        "(此件主动公开)",
        "某市生态环境局\n二〇二四年三月五日\n附件1 重点任务分工表\n1 完成矿山修复120公顷 市自然资源局",
    ],
)
def test_closing_matter_is_not_part_of_the_last_task(closing: str) -> None:
    raw = (
        "2024年工作要点\n一、重点任务\n(一)深入打好碧水保卫战。农村生活污水治理率达到50%以上。(牵头单位:水科)\n"
        + closing
        + "\n"
    )
    doc = clean(raw, ParseSettings())
    outline = parse_blocks(doc, ParseSettings())
    (text,) = tasks_of(raw)["text"]
    assert text == "深入打好碧水保卫战。农村生活污水治理率达到50%以上。"
    assert "\n".join(doc.text[s:e] for s, e in outline.back_matter) == clean(closing, ParseSettings()).text


def test_a_title_on_a_line_of_its_own_stays_apart_from_the_text_after_it() -> None:
    tasks = tasks_of(
        "一、重点任务\n(一)大气污染防治\n持续推进扬尘治理,落实率达到95%以上。\n(二)分区管控\n1.更新分区管控成果\n年内完成动态更新。\n"
    )
    assert list(tasks["text"]) == [
        "大气污染防治 持续推进扬尘治理,落实率达到95%以上。",
        "更新分区管控成果 年内完成动态更新。",
    ]


@pytest.mark.parametrize("title", ["工作保障", "有关要求", "保障措施"])
def test_framing_parts_hold_no_tasks(title: str) -> None:
    tasks = tasks_of(
        f"一、重点任务\n1.完成8家企业改造。\n二、{title}\n各部门要加强协作。\n(一)强化督查。每季度通报1次。\n"
    )
    assert list(tasks["path"]) == ["一1"]


def test_an_item_whose_text_opens_with_a_date_is_an_item() -> None:
    tasks = tasks_of(
        "一、重点任务\n1.2024年底前完成15家企业改造。\n2.3月底前完成3个排污口整治。\n3.1.5万吨以上的项目不是第3项。\n"
    )
    assert list(tasks["path"]) == ["一1", "一2"]
    assert tasks["text"].iloc[0] == "2024年底前完成15家企业改造。"
    assert tasks["text"].iloc[1].endswith("3.1.5万吨以上的项目不是第3项。")  # a decimal opens no item


def test_a_cover_letter_with_numbered_points_is_front_matter() -> None:
    raw = (
        "关于印发《某县2024年生态环境保护工作要点》的通知\n一、提高思想认识。各单位要高度重视。\n二、按时报送进展。\n"
        "某县人民政府办公室\n2024年3月1日\n某县2024年生态环境保护工作要点\n一、大气污染防治\n1.完成8家企业深度治理。\n"
        "2.完成3个排污口整治。\n附件:重点任务分工表\n"
    )
    doc = clean(raw, ParseSettings())
    outline = parse_blocks(doc, ParseSettings())
    assert list(tasks_of(raw)["path"]) == ["一1", "一2"]
    assert doc.text[slice(*outline.front_matter[-1])] == "某县2024年生态环境保护工作要点"
    assert [doc.text[s:e] for s, e in outline.back_matter] == ["附件:重点任务分工表"]


def test_a_date_line_before_the_first_marker_is_front_matter() -> None:
    raw = "某市生态环境局\n2024年3月1日\n2024年工作要点\n一、重点任务\n(一)推进治理。完成1次调查。\n"
    outline = parse_blocks(clean(raw, ParseSettings()), ParseSettings())
    assert len(outline.front_matter) == 3 and outline.back_matter == []


def test_a_plan_scraped_onto_one_line_is_read_by_its_markers() -> None:
    raw = (
        "某县2024年生态环境工作要点 一、重点任务 (一)大气污染防治 1.完成8家企业超低排放改造。(责任单位:县生态环境分局) "
        "2.优良天数比率达到85%以上。 (二)水污染防治 3.完成10个入河排污口整治。\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["path"]) == ["一(一)1", "一(一)2", "一(二)3"]
    assert list(tasks["responsible_units"]) == ["县生态环境分局", "", ""]


def test_bare_markers_make_no_tasks() -> None:
    assert list(tasks_of("一、重点任务\n1.\n2.完成3个排污口整治。\n3.\n")["path"]) == ["一2"]


def test_text_without_hierarchy_markers_has_no_tasks() -> None:
    tasks = tasks_of("这是一段没有层级标记的普通文字。\n第二段也没有。\n")
    assert tasks.empty
    assert list(tasks.columns) == TASK_COLUMNS


def test_offsets_slice_the_raw_text_to_the_task_source() -> None:
    raw = "一、重点工作\n\n1.推进**30**家企业治理。(牵头单位：大气处)\n\n2.保护长江。\n"
    tasks = tasks_of(raw)
    spans = [raw[s:e] for s, e in zip(tasks["char_start"], tasks["char_end"])]
    assert spans == ["1.推进**30**家企业治理。(牵头单位：大气处)", "2.保护长江。"]
    assert list(tasks["line_start"]) == [3, 5]
    assert list(tasks["text"]) == ["推进30家企业治理。", "保护长江。"]


@pytest.mark.parametrize(
    ("numbers", "path"),
    [((2, 3, 8), "二(三)8"), ((1, None, None), "一"), ((2, 1, None), "二(一)"), ((12, None, 3), "十二3")],
)
def test_task_path(numbers: tuple, path: str) -> None:
    assert task_path(*numbers) == path


# --- the bundled corpus ------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", ["hubei_province_2023", "hubei_province_2024"])
def test_provincial_plans_match_the_gold_task_by_task(corpus, gold_tasks, doc_id: str) -> None:
    ours = corpus[doc_id].tasks
    gold = gold_tasks[gold_tasks["doc"] == doc_id].reset_index(drop=True)
    assert len(ours) == len(gold)
    numbers = ours["item_no"].astype("string").fillna("(unnumbered)")
    assert list(numbers) == list(gold["number"])
    for column in ("part_title", "section_title", "heading", "lead_units", "responsible_units"):
        assert list(ours[column]) == list(gold[column]), column


def test_every_corpus_document_parses(corpus) -> None:
    counts = {doc_id: len(doc.tasks) for doc_id, doc in corpus.items()}
    assert counts["ezhou_city_2024"] >= 28 and counts["wuhan_city_2025"] >= 30
    assert counts["hubei_province_2024_web"] == counts["hubei_province_2024"]
    for doc in corpus.values():
        tasks = doc.tasks
        assert tasks["task_id"].is_unique
        assert (tasks["heading"].str.len() > 0).all()
        assert (tasks["char_start"] < tasks["char_end"]).all()
        assert tasks["char_end"].max() <= len(doc.raw.text)


def test_city_plans_keep_their_own_structure(corpus) -> None:
    wuhan = corpus["wuhan_city_2025"].tasks
    assert wuhan["item_no"].isna().all()  # its (一) blocks are the tasks
    assert wuhan.iloc[-1]["path"] == "九" and wuhan.iloc[-1]["responsible_units"] == "相关单位"
    ezhou = corpus["ezhou_city_2024"].tasks
    assert (ezhou["lead_units"] == "").all()  # Ezhou prints only 责任单位
    assert (ezhou["responsible_units"] != "").mean() > 0.9


def test_the_damaged_web_copy_is_parsed_best_effort_and_flagged(corpus) -> None:
    clean_copy = corpus["hubei_province_2024"].tasks
    web = corpus["hubei_province_2024_web"].tasks
    assert list(web["path"]) == list(clean_copy["path"])
    assert web["flags"].str.contains("damaged_text").mean() > 0.5
    assert web["flags"].str.contains("damaged_marker").any()
    assert not clean_copy["flags"].str.contains("damaged").any()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_line_numbers_are_right_whatever_the_line_endings(newline: str) -> None:
    raw = newline.join(["2024年工作要点", "一、重点工作", "", "1.推进30家企业治理。", "", "2.保护长江。", ""])
    tasks = tasks_of(raw)
    assert list(tasks["line_start"]) == [4, 6]
    assert [raw[s:e] for s, e in zip(tasks["char_start"], tasks["char_end"])] == [
        "1.推进30家企业治理。",
        "2.保护长江。",
    ]


def test_item_numbers_run_on_past_999() -> None:
    items = "".join(f"{n}.任务{n}。完成第{n}项。\n" for n in range(1, 1003))
    tasks = tasks_of("2024年工作要点\n一、重点工作\n" + items)
    assert len(tasks) == 1002
    assert list(tasks["item_no"].iloc[-4:]) == [999, 1000, 1001, 1002]
    assert tasks["text"].iloc[998] == "任务999。完成第999项。"  # item 1000 is not merged into it
    assert tasks["flags"].eq("").all()


@pytest.mark.parametrize(
    "year_line",
    ["2024.全年目标完成。", "2024、全年目标完成。", "2024年全年目标完成。", "1000.不是第4项。", "10000.不是第4项。"],
)
def test_a_year_or_a_number_that_does_not_continue_the_items_is_not_an_item(year_line: str) -> None:
    tasks = tasks_of(f"2024年工作要点\n一、重点工作\n1.甲。\n2.乙。\n3.丙。\n{year_line}\n")
    assert list(tasks["item_no"]) == [1, 2, 3]
    assert tasks["text"].iloc[-1].endswith(year_line)
