"""Two editions from one message catalogue per language; pages that read well (fast, no build)."""

from __future__ import annotations

import ast
import html
import re
import string
from pathlib import Path

import nbformat
import pandas as pd
import plotly.graph_objects as go
import pytest

from analysis.report import batch, charts, i18n, page, palette, plots, reading, render, site
from analysis.settings import NOTEBOOKS_DIR

PACKAGE = Path(page.__file__).resolve().parent
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
REPORT_NOTEBOOKS = [NOTEBOOKS_DIR / kind.notebook for kind in batch.REPORT_KINDS.values()]
CJK = re.compile(r"[\u3400-\u9fff]")
# Keys built from a variable: each is checked with every value the variable takes.
DYNAMIC = {
    "relation": ("same", "partial", "new", "dropped", "local", "not_cascaded", "only_in_a", "only_in_b"),
    "verdict": ("raised", "lowered", "same", "new", "stricter", "looser", "equal", "share of parent's"),
    "level": ("national", "province", "city", "county", "district"),
    "kind": tuple(batch.REPORT_KINDS),
    "metric": ("f1", "precision", "recall"),
    "threshold": ("link_min", "partial_ratio", "clause_min"),
    "corpus.link": ("previous", "parent", "duplicate_of"),
    "chart.no": ("lead_units", "responsible_units"),
    "chart.unit_load": ("lead_units", "responsible_units"),
    "review.decide": reading.DECISIONS,
}


# Keys whose languages use different values of the ones passed (第三部分 / Part 3).
LANGUAGE_SPECIFIC = {"legend.part"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_hold_the_same_keys_with_the_same_placeholders() -> None:
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert _placeholders(zh[key]) == _placeholders(en[key]) or key in LANGUAGE_SPECIFIC, key


def _used_keys() -> set[str]:
    sources = [p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py")]
    sources += ["\n".join(c.source for c in nbformat.read(p, as_version=4).cells) for p in NOTEBOOKS]
    text = "\n".join(sources)
    keys = set(
        re.findall(r'(?:msg|self\.msg|report\.msg|r\.title|r\.heading|r\.text|msg\.get)\(\s*"([a-z][a-z0-9_.]*)"', text)
    )
    keys |= set(re.findall(r'(?:C|Column)\("[a-z_0-9]+",\s*"([a-z][a-z0-9_.]*)"', text))
    keys |= set(re.findall(r'caption_key="([a-z][a-z0-9_.]*)"', text))
    return keys


def test_every_key_the_reports_use_is_in_both_catalogues() -> None:
    used = _used_keys()
    assert len(used) > 100
    for lang in i18n.LANGS:
        table = i18n.catalogue(lang)
        assert not sorted(used - set(table)), (lang, sorted(used - set(table)))
        for prefix, values in DYNAMIC.items():
            for value in values:
                assert f"{prefix}.{value}" in table or f"{prefix}_{value}" in table, (lang, prefix, value)
        assert not sorted(set(reading.REASON_KEYS.values()) - set(table)), lang
        for kind in ("year", "level", "peer"):
            for stem in (
                "findings.{}.coverage",
                "findings.{}.not_taken_up",
                "findings.{}.new",
                "heading.{}.relations",
                "heading.{}.flows",
                "text.{}.relations",
                "text.{}.targets",
                "title.{}",
                "intro.{}",
            ):
                assert stem.format(kind) in table, (lang, stem.format(kind))


@pytest.mark.parametrize("path", REPORT_NOTEBOOKS, ids=lambda p: p.stem)
def test_report_notebooks_show_catalogue_text_only(path) -> None:
    """No Chinese and no prose in the code: every word a report shows is a catalogue key (its
    markdown cells are the researcher's guide, left out of the report: tests/report/test_pages.py)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []) or cell.cell_type == "markdown":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                assert not CJK.search(value), (path.name, value)
                assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", value) or "==" in value, (path.name, value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_take_a_language_parameter(path) -> None:
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    assigned = {t.id: n.value for n in ast.parse(cell.source).body for t in n.targets}
    assert ast.literal_eval(assigned["lang"]) == "zh"


DOCUMENTS = pd.DataFrame(
    {
        "doc_id": ["hubei_province_2024", "hubei_province_2024_web", "ezhou_city_2024", "xianning_city_2024"],
        "region": ["湖北省", "湖北省", "鄂州市", "咸宁市"],
        "level": ["province", "province", "city", "city"],
        "year": [2024, 2024, 2024, 2024],
        "duplicate_of": ["", "hubei_province_2024", "", ""],
    }
)


def test_plans_are_named_for_people() -> None:
    zh, en = i18n.plan_names(DOCUMENTS, "zh"), i18n.plan_names(DOCUMENTS, "en")
    assert zh["hubei_province_2024"] == "湖北省2024年" and zh["ezhou_city_2024"] == "鄂州市2024年"
    assert en["hubei_province_2024"] == "Hubei Province 2024" and en["ezhou_city_2024"] == "Ezhou 2024"
    assert en["xianning_city_2024"] == "Xianning 2024"  # no catalogue entry: from the doc id
    assert zh["hubei_province_2024_web"] != zh["hubei_province_2024"]
    named = DOCUMENTS.assign(name_en=["", "", "Ezhou City 2024", ""])
    assert i18n.plan_names(named, "en")["ezhou_city_2024"] == "Ezhou City 2024"


def test_titles_name_the_plans_and_reports_come_in_reading_order(tmp_path) -> None:
    links = pd.DataFrame(
        {
            "comparison_id": ["hubei_province_2024__ezhou_city_2024", "a__b"],
            "kind": ["level", "year"],
            "source_doc": ["hubei_province_2024", "hubei_province_2024"],
            "target_doc": ["ezhou_city_2024", "xianning_city_2024"],
        }
    )
    jobs = batch.plan_reports(DOCUMENTS, links, notebooks_dir=tmp_path, lang="zh")
    assert [j.kind for j in jobs] == ["overview", "year", "level", "escalation", "method"]
    level = jobs[2]
    assert "湖北省2024年 → 鄂州市2024年" in level.title and "hubei" not in level.title
    en = batch.plan_reports(DOCUMENTS, links, notebooks_dir=tmp_path, lang="en")
    assert "Hubei Province 2024 → Ezhou 2024" in en[2].title


def test_the_editions_link_each_page_to_its_twin_by_a_relative_path() -> None:
    assert i18n.edition_href("index.html", "zh") == "en/index.html"
    assert i18n.edition_href("level__a__b.html", "en") == "../level__a__b.html"
    job = batch.ReportJob("level__a__b", "level", "T", Path("x.ipynb"), {}, ("a", "b"))
    links = site.report_links(job, [job], i18n.Messages("en"))
    assert '<a class="edition" href="../level__a__b.html" hreflang="zh-CN" lang="zh-CN">中文版</a>' in links


def test_numbers_read_as_people_write_them() -> None:
    zh, en = i18n.Messages("zh"), i18n.Messages("en")
    assert zh.integer(1571.0) == "1571" and en.integer(1571.0) == "1,571"
    assert zh.ratio(2.0869) == "2.09" and zh.ratio(float("nan")) == ""
    assert en.points(14.58) == "+14.58 pp" and en.points(-1) == "-1 pp" and en.points(0) == "±0 pp"
    assert zh.points(2.5) == "+2.5 个百分点"


def test_shared_wording_and_changed_numbers_are_marked_on_escaped_text() -> None:
    left = "水质优良比例达到32%，<script>alert(1)</script>持续改善"
    right = "水质优良比例达到46.58%，持续改善"
    shown = reading.marked(left, right)
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert '<mark class="num">32%</mark>' in shown
    assert "<mark>水质优良比例达到</mark>" in shown
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", shown)) == left  # nothing lost, nothing added
    assert '<mark class="num">46.58%</mark>' in reading.marked(right, left)
    assert reading.marked("a < b", "") == "a &lt; b"


def test_evidence_terms_are_whole_words() -> None:
    words = reading.evidence_words(
        "化学需氧量排放总量下降，农村生活污水治理率达到80%", "农村生活污水治理率提升，化学需氧量减排"
    )
    assert "农村生活污水治理率" in words and "化学需氧量" in words
    assert "化学" not in words and "需氧" not in words


def test_a_plan_keeps_its_colour_whatever_else_is_in_the_corpus() -> None:
    full = plots.document_colours(DOCUMENTS)
    alone = plots.document_colours(DOCUMENTS[DOCUMENTS["doc_id"] == "ezhou_city_2024"])
    assert alone["ezhou_city_2024"] == full["ezhou_city_2024"] == palette.plan_colour("ezhou_city_2024")
    assert full["ezhou_city_2024"] in palette.PLAN_COLOURS


def test_parts_come_in_document_order() -> None:
    titles = ["三、强化保障", "一、总体要求", "十、其他", "二、重点工作"]
    assert sorted(titles, key=plots.part_rank) == ["一、总体要求", "二、重点工作", "三、强化保障", "十、其他"]
    coverage = pd.DataFrame(
        {
            "side": "source",
            "scope": "part",
            "group": titles,
            "share_linked": [0.5, 1, 0, 0.25],
            "n_linked": [1, 2, 0, 1],
            "n_tasks": [2, 2, 1, 4],
            "n_same": [1, 2, 0, 1],
            "n_partial": 0,
        }
    )
    figure = charts.coverage_by_part(coverage, "source", page.Report("en"))
    # in document order; in English the glossary's standard heads by number and gloss
    assert list(figure.data[0].y) == ["1. General requirements", "2. Key work", "三、强化保障", "十、其他"]
    assert figure.data[0].text[0].startswith("100%")  # values on the bars


def test_tables_for_people_clip_sort_and_download() -> None:
    report = page.Report("en")
    frame = pd.DataFrame({"text": ["长" * 200 + "<b>", "short"], "n": [3.0, 12.0], "d": [0.1234, -2.0]})
    shown = report.table(
        frame,
        [
            page.Column("text", "col.text"),
            page.Column("n", "col.n_tasks", "int"),
            page.Column("d", "col.change_vs_parent", "points"),
        ],
        "sample",
    )
    assert 'class="clip"' in shown and "&lt;b&gt;" in shown and "<b>" not in shown
    assert '<td class="num" data-sort="3.000000">3</td>' in shown
    assert "+0.12 pp" in shown and "-2 pp" in shown
    assert 'data-name="sample.csv"' in shown and "Download CSV" in shown
    assert 'id="tbl-1"' in shown and 'id="tbl-2"' in report.table(frame.head(0), [page.Column("text", "col.text")], "x")


def test_the_csp_lets_the_pages_load_their_shared_assets() -> None:
    policy = dict(part.strip().split(" ", 1) for part in render.CONTENT_SECURITY_POLICY.split(";") if part.strip())
    assert "'self'" in policy["script-src"] and "'self'" in policy["style-src"]
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'none'"
    tags = site.asset_tags(False) + site.asset_tags(False, "body")
    assert (
        'src="assets/plotly.min.js"' in tags and 'href="assets/report.css"' in tags and 'src="assets/report.js"' in tags
    )
    assert not re.search(r"(?:src|href)=\"assets/", site.asset_tags(True) + site.asset_tags(True, "body"))


def test_the_csp_runs_no_inline_script_but_the_inlined_shared_ones() -> None:
    import base64
    import hashlib

    policy = dict(part.strip().split(" ", 1) for part in render.CONTENT_SECURITY_POLICY.split(";") if part.strip())
    assert policy["script-src"] == "'self'"  # neither 'unsafe-inline' nor 'unsafe-eval'
    assert (
        render.csp_meta(False)
        == f'<meta http-equiv="Content-Security-Policy" content="{render.CONTENT_SECURITY_POLICY}">'
    )
    inlined = re.findall(r"<script>(.*?)</script>", site.asset_tags(True) + site.asset_tags(True, "body"), re.DOTALL)
    digests = [base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() for script in inlined]
    assert len(digests) == 2
    assert f"script-src 'self' 'sha256-{digests[0]}' 'sha256-{digests[1]}';" in render.csp_meta(True)


def test_the_stylesheet_declares_a_cjk_font_stack_and_prints_on_a4() -> None:
    css = (PACKAGE / "assets" / "report.css").read_text(encoding="utf-8")
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "sans-serif"):
        assert font in css
    assert "@media print" in css and "size:A4" in css and "break-before:page" in css
    js = (PACKAGE / "assets" / "report.js").read_text(encoding="utf-8")
    assert "\\ufeff" in js  # CSV with a BOM (Excel reads it as UTF-8)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", ["前一 / 上级文件", "同一任务", "更严", "省级", "百分点", "other_code", "是", "力争目标"]),
        (
            "en",
            [
                "earlier or parent plan",
                "same",
                "stricter",
                "province",
                "percentage points",
                "other_code",
                "yes",
                "striving (「力争」) target",
            ],
        ),
    ],
)
def test_a_charts_data_names_its_codes_in_the_reports_language(lang: str, expected: list[str]) -> None:
    report = page.Report(lang)
    data = pd.DataFrame(
        {
            "side": ["source"],
            "relation": ["same"],
            "vs_parent": ["stricter"],
            "level": ["province"],
            "change_unit": ["pp"],
            "kind": ["other_code"],  # a code without a message: as is
            "higher_is_better": [True],
            "note": ["striving (力争) target"],  # an escalation note (analysis.report.notes)
        }
    )
    shown = report.figure(go.Figure(), data, "codes")
    hidden = shown[shown.index('class="chart-data"') :]
    assert re.findall(r"<td>(.*?)</td>", hidden) == expected
