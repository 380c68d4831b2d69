"""Cleaning keeps a map back to the raw text while it normalises, strips and joins."""

from __future__ import annotations

import re

import pytest

from analysis.parse.clean import (
    PAGE_NUMBER,
    MappedText,
    boilerplate_lines,
    clean,
    find_damage,
    is_wrapped,
    starts_with_marker,
)
from analysis.settings import ParseSettings


def test_mapped_text_edits_keep_the_raw_span_of_every_character() -> None:
    raw = "ab**12**cd"
    doc = MappedText.from_raw(raw).sub(re.compile(r"\*\*"), "")
    assert doc.text == "ab12cd"
    start = doc.text.index("12")
    assert doc.raw_span(start, start + 2) == (4, 6)
    assert raw[slice(*doc.raw_span(0, len(doc.text)))] == raw


def test_a_replacement_of_another_length_maps_to_the_whole_replaced_span() -> None:
    raw = "严?ldquo;两高”"
    doc = MappedText.from_raw(raw).sub(re.compile(r"ldquo;"), "“")
    assert doc.text == "严?“两高”"
    assert doc.raw_span(2, 3) == (2, 8)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("（一）扎实推动，达到４６．５８％：", "(一)扎实推动,达到46.58%:"),
        ("2024 年 6月完成", "2024年6月完成"),
        ("劣 V 类断面", "劣V类断面"),
        ("推动**30**家以上", "推动30家以上"),
        ("[bookmark: _GoBack]2024年全市生态环境工作要点", "2024年全市生态环境工作要点"),
        ("（七）\t其他工作", "(七)其他工作"),
        ("严?ldquo;两高一?rdquo;项目", "严?“两高一?”项目"),
        ("总体要求、/p>", "总体要求"),
    ],
)
def test_cleaning_normalises_width_spaces_and_markup(raw: str, expected: str) -> None:
    assert clean(raw, ParseSettings()).text == expected


def test_a_question_mark_in_chinese_text_is_kept_full_width() -> None:
    assert clean("是否达标？", ParseSettings()).text == "是否达标？"


def test_pdf_hard_breaks_inside_sentences_are_joined_but_paragraphs_kept() -> None:
    raw = (
        "2024 年全省生态环境工作要点\n\n"
        "一、总体要求\n\n"
        "1.坚决完成环境质量改善目标。全省地表水国控断面达到国家考核目标要求；全省国考城市细颗\n\n"
        "粒物(PM2.5)平均浓度达到国家考核目标要求(牵头单位：\n\n"
        "流域处)。\n"
        "2.坚决打好污染防治攻坚战。\n"
    )
    paragraphs = clean(raw, ParseSettings()).text.split("\n")
    assert paragraphs == [
        "2024年全省生态环境工作要点",
        "一、总体要求",
        "1.坚决完成环境质量改善目标。全省地表水国控断面达到国家考核目标要求;全省国考城市细颗粒物(PM2.5)平均浓度达到国家考核目标要求(牵头单位:流域处)。",
        "2.坚决打好污染防治攻坚战。",
    ]


@pytest.mark.parametrize(
    ("previous", "following", "wrapped"),
    [
        ("全省地表水国控断面达到国家考核目标要求；全省国考城市细颗", "粒物(PM2.5)", True),
        ("确保污染防治攻坚战成效考核实现争先进位。", "二、重点工作", False),
        ("农村生活污水治理率达到50%以上(牵头单位:水科)", "某市生态环境局", False),  # a signature follows
        ("推进城镇污水处理厂提标改造并完成年度", "附件:2024年重点任务分工表", False),
        ("推进城镇污水处理厂提标改造并完成年度", "抄送:生态环境部,省委办公厅。", False),
        ("一、总体要求与主要目标", "以习近平新时代中国特色社会主义思想为指导", False),
        ("关于印发2024年全省生态环境工作要点的通知", "鄂环发〔2024〕1号", False),
        ("湖北省生态环境厅", "2024年2月5日", False),
        ("高水平、高质量办好 2024 年中国碳市场大会、美丽中国百人论坛", "3.加大向上争取力度", False),
    ],
)
def test_is_wrapped(previous: str, following: str, wrapped: bool) -> None:
    assert is_wrapped(previous, following, ParseSettings()) is wrapped


def test_a_download_site_footer_inside_a_sentence_is_removed_and_the_sentence_rejoined() -> None:
    raw = (
        "7.持续深入打好蓝天保卫战。加强污染管控和重污染天气应对,做实长江中游三省联防联控,做细武汉都市圈\n\n"
        "本文内容来自网络，由某某搜集整理，如有任何异议请联系我们，我们将酌情处理！\n\n\n\n"
        "和“襄荆荆宜”区域协同协作。\n"
    )
    assert (
        clean(raw, ParseSettings()).text
        == "7.持续深入打好蓝天保卫战。加强污染管控和重污染天气应对,做实长江中游三省联防联控,做细武汉都市圈和“襄荆荆宜”区域协同协作。"
    )


@pytest.mark.parametrize("footer", ["— 3 —", "－３－", "- 12 -", "第3页", "第 3 页 共 12 页", "3/12"])
def test_a_page_number_inside_a_sentence_is_removed_and_the_sentence_rejoined(footer: str) -> None:
    raw = f"1．推进重点行业深度治理。完成钢铁企业超低排放改造，\n{footer}\n淘汰老旧柴油货车。\n"
    assert clean(raw, ParseSettings()).text == "1.推进重点行业深度治理。完成钢铁企业超低排放改造,淘汰老旧柴油货车。"


def test_markdown_headings_and_dotted_part_markers_are_markers() -> None:
    assert (
        clean("## 一、重点工作\n### (一)大气\n一.水污染防治\n", ParseSettings()).text
        == "一、重点工作\n(一)大气\n一.水污染防治"
    )
    assert starts_with_marker("一.水污染防治")


def test_a_running_header_repeating_the_title_is_dropped_and_the_sentence_rejoined() -> None:
    raw = (
        "某市2024年生态环境保护工作要点\n一、重点任务\n1.推进超低排放改造。全面完成钢铁行业超低排放改造,年底前完成\n"
        "第 1 页 共 3 页\n某市2024年生态环境保护工作要点\n5家水泥企业深度治理。\n"
    )
    assert (
        clean(raw, ParseSettings()).text.split("\n")[2]
        == "1.推进超低排放改造。全面完成钢铁行业超低排放改造,年底前完成5家水泥企业深度治理。"
    )


def test_a_repeated_line_of_the_body_is_kept() -> None:
    lines = [
        "工作要点",
        "一、重点任务",
        "1.完成治理(责任单位:各市、州、直管市及神农",
        "架林区生态环境局)",
        "2.完成改造(责任单位:各市、州、直管市及神农",
        "架林区生态环境局)",
    ]
    assert not any(boilerplate_lines(lines, ParseSettings()))


def test_a_web_footer_with_an_address_is_boilerplate() -> None:
    assert boilerplate_lines(
        ["1.完成2个园区地下水调查。", "主办单位:某市生态环境局 地址:某市某大道1号"], ParseSettings()
    ) == [
        False,
        True,
    ]


@pytest.mark.parametrize("line", ["3.加强执法", "2024年", "第三批", "—"])
def test_numbered_text_is_not_a_page_number(line: str) -> None:
    assert not PAGE_NUMBER.match(line)


def test_web_page_chrome_and_footer_runs_are_boilerplate() -> None:
    lines = [
        "当前位置: 首页 政策法规",
        "2024年全省生态环境工作要点",
        "一、总体要求",
        "1.坚决完成环境质量改善目标。全省地表水国控断面达到国家考核目标要求。",
        "地区湖北",
        "实时把握 最新动态",
        "[ 加入收藏] [ 关闭窗口]",
        "Baidu",
        "页?",
    ]
    assert boilerplate_lines(lines, ParseSettings()) == [True, False, False, False, True, True, True, True, True]


def test_damage_is_found_on_the_raw_text() -> None:
    raw = "农村生活污水治理率达?6.58%;严?ldquo;两高、/p>\n(?系统推进流域综合治理\nWhy? Because."
    kinds = [d.kind for d in find_damage(raw)]
    assert kinds.count("replacement_char") == 3
    assert kinds.count("html_remnant") == 2
    assert kinds.count("broken_marker") == 1


def test_intact_html_is_markup_not_damage() -> None:
    assert find_damage("<p>一、总体要求</p>&ldquo;两高&rdquo;") == []
    assert find_damage('<p>达到80%以上,<span style="font-family:仿宋">完成</span></p>') == []  # a tag with attributes


@pytest.mark.parametrize("line", ["一、总体要求", "(三)持续深入", "12.加强", "(?系统推进", "3、开展", "1000.加强"])
def test_markers(line: str) -> None:
    assert starts_with_marker(line)


@pytest.mark.parametrize(
    "line", ["2024年", "(一般工业固体废物)", "一废一库", "2.5万吨", "(?)", "2024、2025年", "2024.3.1", "0999.加强"]
)
def test_not_markers(line: str) -> None:
    assert not starts_with_marker(line)


# --- entities decode to text, never to markup ----------------------------------------------------

PAGE = "<html><body><div><p>2024年工作要点</p><p>一、重点工作</p><p>{}</p></div></body></html>"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("甲&lt;script&gt;alert(1)&lt;/script&gt;乙", "甲<script>alert(1)</script>乙"),
        ("甲&lt;br&gt;乙", "甲<br>乙"),
        ('甲&lt;img src="x" onerror="alert(1)"&gt;乙', '甲<img src="x" onerror="alert(1)">乙'),
        ('甲&lt;/p&gt;乙&lt;span class="x"&gt;丙', '甲</p>乙<span class="x">丙'),
        ("甲&amp;lt;script&amp;gt;乙", "甲&lt;script&gt;乙"),
        ("甲&#42;&#42;乙&#60;b&#62;", "甲**乙<b>"),
        ("甲&#x5B;bookmark: x&#x5D;乙", "甲[bookmark: x]乙"),
    ],
    ids=["script", "br", "img-attributes", "closing-and-span", "escaped-entity", "bold-marks", "bookmark"],
)
def test_entities_of_an_html_page_decode_to_text_never_to_markup(body: str, text: str) -> None:
    raw = PAGE.format(body)
    doc = clean(raw, ParseSettings())
    assert text in doc.text
    at = doc.text.index(text)
    lo, hi = doc.raw_span(at, at + len(text))
    assert raw[lo:hi] == body  # the offsets still point at the entities


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("一、甲&amp;lt;b&amp;gt;乙", "一、甲&lt;b&gt;乙"),
        ("一、甲&lt;br/&gt;乙", "一、甲<br/>乙"),
        ('一、甲lt;img src="x"gt;乙', '一、甲<img src="x">乙'),
        ("一、default; salt;乙", "一、default; salt;乙"),
    ],
    ids=["escaped-entity", "br", "bare-remnants", "words-ending-in-an-entity-name"],
)
def test_entity_remnants_of_a_scrape_decode_to_text_never_to_markup(raw: str, text: str) -> None:
    assert clean(raw, ParseSettings()).text == text


def test_a_decoded_angle_bracket_maps_to_its_whole_entity() -> None:
    raw = "一、甲&lt;乙"
    doc = clean(raw, ParseSettings())
    assert doc.text == "一、甲<乙"
    assert doc.raw_span(3, 4) == (3, 7)
