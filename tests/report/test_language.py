"""Each edition in its own language: the English glossaries, the plans' own words quoted as
Chinese, the Chinese edition free of English leftovers, numbers that commit to nothing left
unmarked, tables a reader can take in (fast, no build; the built pages: slow)."""

from __future__ import annotations

import ast
import csv
import html
import re
from pathlib import Path

import nbformat
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.report import glossary, page, reading
from analysis.report.i18n import Messages
from analysis.settings import NOTEBOOKS_DIR

CJK = glossary.CJK
MAX_TABLE_COLUMNS = 8


def _rows() -> list[dict[str, str]]:
    with glossary.GLOSSARY.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_glossary_is_english_bare_and_says_each_phrase_once() -> None:
    rows = _rows()
    assert {r["kind"] for r in rows} == set(glossary.KINDS)
    seen = set()
    for row in rows:
        assert None not in row and None not in row.values(), row  # three fields: an English comma is quoted
        assert (row["kind"], row["zh"]) not in seen, row
        seen.add((row["kind"], row["zh"]))
        assert CJK.search(row["zh"]) and not CJK.search(row["en"]), row
        assert row["en"] or row["kind"] == "measure", row  # a count's measure word may say nothing (7个 → 7)
        assert row["en"] == row["en"].strip()
        if row["kind"] == "head":
            assert glossary.bare_heading(row["zh"]) == row["zh"], row  # looked up without numbering


def test_headings_units_positions_and_measures_read_in_english() -> None:
    assert glossary.bare_heading("(二)重要目标。") == "重要目标"
    assert glossary.gloss_heading("（一）总体要求") == "General requirements"
    assert glossary.gloss_heading("三、重点任务") == "Key tasks"
    assert glossary.gloss_heading("开展一项没人听说过的行动") == ""
    assert glossary.english_position("三(一)4") == "3.1.4"
    assert glossary.english_position("十二(十一)20") == "12.11.20"
    assert glossary.split_units("各市、州;水处会同土壤处") == ["各市", "州", "水处", "土壤处"]
    assert glossary.gloss_unit("水处") == "Water Division"
    assert page.Report("en").unit_name("湖北省生态环境厅") == "Department of Ecology and Environment, Hubei Province"
    assert page.Report("en").unit_name("湖北省某某办") == ""  # the place alone names no unit
    assert glossary.chart_heading("三、主要目标", "en") == "3. Main targets"
    assert glossary.chart_heading("三、主要目标", "zh") == "三、主要目标"
    assert glossary.chart_unit("水处会同法规处", "en") == "Water Division with Regulations Division"
    english = Messages("en")
    assert english.value(7, "个") == "7" and english.value(35, "微克/立方米") == "35 μg/m³"
    assert english.value(46.58, "%") == "46.58%" and Messages("zh").value(7, "个") == "7个"


def test_a_heading_the_glossary_does_not_know_is_labelled_with_the_topics_its_words_name() -> None:
    english, chinese = page.Report("en"), page.Report("zh")
    assert glossary.gloss_heading("全面整治城区河道黑臭水体和扬尘") == ""  # invented: no gloss
    assert glossary.heading_topics("(二)全面整治城区河道黑臭水体和扬尘。") == ["Water", "Air"]
    assert glossary.heading_topics("整治扬尘、油烟和黑臭水体") == ["Air", "Water"]  # the most named first
    assert english.heading_html("全面整治城区河道黑臭水体和扬尘") == (
        'about Water; Air <span lang="zh">全面整治城区河道黑臭水体和扬尘</span>'
    )
    assert english.task_label("三(二)1", "全面整治城区河道黑臭水体和扬尘") == (
        "task 3.2.1 (about Water; Air) 「全面整治城区河道黑臭水体和扬尘」"
    )
    many = "统筹水质、空气质量、土壤、固体废物、噪声和核安全工作"
    assert len(glossary.heading_topics(many)) > page.HEADING_TOPICS_SHOWN
    assert english.heading_gloss(many).startswith("about Water; Air; Soil and groundwater (and ")
    assert english.heading_html("开展一项没人听说过的行动") == '<span lang="zh">开展一项没人听说过的行动</span>'
    assert english.heading_gloss("三、重点任务") == "Key tasks"  # a known phrase keeps its gloss
    assert chinese.heading_html("全面整治城区河道黑臭水体和扬尘") == "全面整治城区河道黑臭水体和扬尘"


def test_the_english_edition_quotes_the_plans_words_and_names_what_it_knows() -> None:
    report = page.Report("en")
    frame = pd.DataFrame(
        {
            "path": ["二(三)5"],
            "heading": ["(一)总体要求"],
            "text": ["推进<农村>污水治理"],
            "lead_units": ["水处会同某某新设处"],
            "task_id": ["plan_2024:2-3-5"],
        }
    )
    columns = [page.Column(c, "col.task_id" if c == "task_id" else "col.text") for c in frame.columns]
    shown = report.table(frame, columns, "t")
    assert "<td>2.3.5</td>" in shown
    assert 'General requirements <span lang="zh">(一)总体要求</span>' in shown
    assert '<span lang="zh">推进&lt;农村&gt;污水治理</span>' in shown
    assert 'Water Division; <span lang="zh">某某新设处</span>' in shown
    assert "plan_2024:2-3-5" not in re.sub(r'title="[^"]*"|<t[hd] hidden.*?</t[hd]>', "", shown)  # out of sight
    assert 'title="task id (provenance): plan_2024:2-3-5"' in shown and "<td hidden>plan_2024:2-3-5</td>" in shown
    sentence = report.task_label("二(一)3", "主要目标")
    assert sentence == "task 2.1.3 (Main targets) 「主要目标」"
    assert '<span lang="zh">「主要目标」</span>' in report.findings([sentence])
    assert glossary.chinese_share(str(report.findings([sentence]))) == 0


def test_the_chinese_edition_says_yes_no_shared_words_and_none_in_chinese() -> None:
    report = page.Report("zh")
    frame = pd.DataFrame(
        {
            "flag": [True, False],
            "evidence": ["shared: 污水, 治理 | best clauses (0.70): 「甲」 ≈ 「乙」", "nearest: plan:1-2 (0.15)"],
        }
    )
    shown = report.table(frame, [page.Column("flag", "col.note"), page.Column("evidence", "col.evidence")], "t")
    assert "<td>是</td>" in shown and "<td>否</td>" in shown and "True" not in shown
    assert "共有词" in shown and "shared:" not in shown and "best clauses" not in shown
    assert "最相近的候选（0.15）" in shown and 'title="plan:1-2"' in shown
    data = pd.DataFrame({"unit": ["(none)", "水处"], "share_linked": [0.5, 1.0], "higher_is_better": [True, False]})
    chart = report.figure(go.Figure(), data, "c")
    head = re.search(r'<table class="chart-data" hidden><thead>(.*?)</thead>', chart).group(1)
    assert not re.search(r"<th>[A-Za-z_ ]+</th>", head), head
    assert "(none)" not in chart and "True" not in chart and "<td>是</td>" in chart


# One escalation note of every sentence analysis.compare.escalation writes, joined as it joins them.
EVERY_NOTE_SENTENCE = " | ".join(
    [
        "implied by «全面完成» (no number printed); striving (力争) target; approximate (左右) target",
        "counted cumulatively (累计) here, per year in plan_a; counted per year here, cumulatively in plan_b",
        "also 100% (力争) «力争达到100%»; also 34条 «完成34条»; also 2个 (左右) «2个左右»",
        "not compared with plan_a: scope differs: lake·tributary vs none",
        "not compared with plan_b: units differ: 次/季度 vs 次/月",
        "compared with a value implied by the wording in plan_a",
        "worded «农村生活污水治理率» here, «农村生活污水治理» in plan_b",
        "a money is not compared across levels: change_vs_parent is its ratio to the parent's",
    ]
)


def test_the_escalation_notes_read_in_each_editions_language_with_plans_by_name() -> None:
    for lang in ("zh", "en"):
        report = page.Report(lang)
        report.names = {"plan_a": "甲省2023", "plan_b": "乙市2024"}
        shown = html.unescape(
            re.sub(r"<[^>]+>", "", report.cell(EVERY_NOTE_SENTENCE, page.Column("note", "col.note"))[0])
        )
        assert "plan_a" not in shown and "plan_b" not in shown and "甲省2023" in shown and "乙市2024" in shown
        assert all(
            quoted in shown for quoted in ("「全面完成」", "「力争达到100%」", "次/季度", "「农村生活污水治理」")
        )
        if lang == "zh":
            assert not re.search(r"[A-Za-z]{2,}", shown), shown  # not a word of English left
            assert "湖泊·支流" in shown and "金额" in shown
        else:
            assert "lakes·tributaries vs not stated" in shown and "amount of money" in shown
    reviewer_note = "checked with the plan's annex | 见附件"  # a sentence no pattern knows is shown as written
    assert page.Report("zh").cell(reviewer_note, page.Column("note", "col.note"))[1] == html.escape(reviewer_note)


@pytest.mark.parametrize(
    ("text", "other", "marked_numbers"),
    [
        ("2024年完成第3批,6月底前治理率达到46.58%", "2023年完成第2批,5月底前治理率达到32%", ["46.58%"]),
        ("PM2.5浓度下降到35微克/立方米", "PM10浓度下降到30微克/立方米", ["35微克/立方米"]),
        ("2025年新建7个站点", "2024年新建7个站点", []),
    ],
)
def test_only_numbers_that_commit_are_marked_as_changed(text, other, marked_numbers) -> None:
    shown = reading.marked(text, other)
    assert re.findall(r'<mark class="num">(.*?)</mark>', shown) == marked_numbers
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", shown)) == text


def test_chinese_share_counts_only_visible_text_outside_lang_zh() -> None:
    page_html = (
        '<html lang="en"><head><title>标题</title><script>var a="中文";</script></head><body>'
        '<p>ab 中</p><span lang="zh">长长长长长</span><td hidden>隐藏</td></body></html>'
    )
    assert glossary.chinese_share(page_html) == pytest.approx(1 / 3)
    assert glossary.chinese_share('<html lang="zh-CN"><body>全部中文</body></html>') == 0


def _table_columns(path: Path) -> list[tuple[str, int]]:
    """(table name, visible columns) of every ``r.table(...)`` call of a notebook."""
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "table" and len(node.args) >= 3:
                columns = [page.Column(*(a.value for a in c.args)) for c in node.args[1].elts if _literal(c)]
                found.append((ast.unparse(node.args[2]), sum(c.kind != "id" for c in columns)))
    return found


def _literal(call) -> bool:
    return isinstance(call, ast.Call) and all(isinstance(a, ast.Constant) for a in call.args)


def test_the_method_reports_tables_show_at_most_eight_columns() -> None:
    """A policy reader takes in a table of eight columns; the figures of every link and of the
    high-confidence links are two tables."""
    tables = _table_columns(NOTEBOOKS_DIR / "05_method_quality.ipynb")
    assert len(tables) >= 6
    assert [t for t in tables if t[1] > MAX_TABLE_COLUMNS] == []


def test_built_english_pages_are_english_outside_quoted_plan_text(built_reports_en) -> None:
    """The goal of issue 21: at most 2% of the visible characters outside lang="zh" are Chinese."""
    shares = {p.name: glossary.chinese_share(p.read_text(encoding="utf-8")) for p in built_reports_en.glob("*.html")}
    assert len(shares) >= 7
    assert {name: share for name, share in shares.items() if share > 0.02} == {}


def test_built_chinese_pages_leak_no_english_leftovers(built_reports) -> None:
    for path in built_reports.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<td[^>]*>(?:<div class=\"cell\">)?(?:True|False)<", text), path.name
        assert "shared:" not in text and "(none)" not in text, path.name
        assert not re.search(r"worded «|implied by «|not compared (?:with|across)|counted (?:cumulatively|per)", text)
        assert not re.search(r'<mark class="num">(?:19|20)\d\d年?</mark>', text), path.name


def test_each_legend_entry_of_the_f1_chart_has_its_own_colour() -> None:
    from analysis.report import charts

    summary = pd.DataFrame(
        {
            "comparison": ["a → b"] * 4,
            "gold": ["development"] * 4,
            "method": ["model", "model", "model", "baseline"],
            "setting": ["as built", "in-sample", "cross-validated", "no fitting"],
            "f1": [0.9, 0.8, 0.7, 0.5],
            "precision": 0.5,
            "recall": 0.5,
            "label_accuracy": 0.5,
            "n_gold": 10,
        }
    )
    figure = charts.f1_bars(summary, page.Report("en"))
    colours = [trace.marker.color for trace in figure.data]
    assert len(colours) == 4 and len(set(colours)) == 4


def test_a_standalone_page_leaves_out_links_to_pages_that_are_not_there(tmp_path) -> None:
    from analysis.report import site

    (tmp_path / "en").mkdir()
    (tmp_path / "index.html").write_text("x")
    (tmp_path / "en" / "a.html").write_text("x")
    document = (
        '<nav><a href="index.html">← All</a> <a href="method.html">Method</a> <a href="en/a.html">EN</a> '
        '<a href="#sec-1">here</a> <a href="https://example.org/x.html">web</a></nav>'
        "<script>var s = '<a href=\"gone.html\">';</script>"
    )
    kept = site.without_dead_links(document, tmp_path)
    assert 'href="index.html"' in kept and 'href="en/a.html"' in kept and 'href="#sec-1"' in kept
    assert "method.html" not in kept.split("<script>")[0] and "Method" not in kept
    assert 'href="https://example.org/x.html"' in kept and "gone.html" in kept  # scripts untouched


def test_the_method_findings_say_shares_as_a_reader_does() -> None:
    from analysis.report import quality

    english = Messages("en")
    assert quality._span(pd.Series([1.0, 1.0]), english) == "100%"  # not "at least 1.00"
    assert quality._span(pd.Series([0.92, 1.0]), english) == "92%–100%"


def test_an_id_column_with_a_kind_of_its_own_stays_visible() -> None:
    assert page.Column("doc_id", "col.plan", "doc").kind == "doc"
    assert page.Column("doc_id", "col.doc_id").kind == "id"
    assert page.Column("char_start", "col.char_start", "int").kind == "id"


def test_every_indicator_has_an_english_name() -> None:
    from analysis.targets import indicators

    lexicon = indicators.load_lexicon()
    missing = [i for i, name in zip(lexicon["indicator_id"], lexicon["name_en"]) if not str(name).strip()]
    chinese = [name for name in lexicon["name_en"] if CJK.search(str(name))]
    assert missing == [] and chinese == []
