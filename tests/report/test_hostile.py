"""Nothing a document or the manifest says can run in a reviewer's browser.

A work plan whose task text, unit names and target quotes carry script, event-handler and SVG
payloads goes through the whole pipeline (tables, a cross-level report, the index); the pages
are opened in headless Chromium and the DOM after its scripts ran is searched for anything of
the payload that became markup rather than text.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from analysis.corpus import manifest
from analysis.corpus.build import build
from analysis.corpus.documents import planned_comparisons
from analysis.report import batch, plots, render

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=document.title='pwned-img'>"
SVG = "<svg onload=document.title='pwned-svg'>"

PARENT = f"""2024年全省生态环境工作要点
一、重点任务
1.深入打好蓝天保卫战。{SCRIPT}推进钢铁行业超低排放改造，完成10家企业改造。(牵头单位：{IMG})
2.深入打好碧水保卫战。{SVG}全省地表水国控断面水质优良比例达到90%。(牵头单位：省生态环境厅{SVG})
3.加强固体废物污染防治。推进无废城市建设。(牵头单位：省生态环境厅)
"""

CHILD = f"""2024年全市生态环境工作要点
根据全省工作部署，结合我市实际，现将本年度工作安排如下。
一、大气污染防治
1.深入打好蓝天保卫战。{SCRIPT}督促辖区钢铁企业开展超低排放改造，完成2家企业改造。(牵头单位：{IMG})
2.开展餐饮油烟专项整治，督促城区餐饮单位安装油烟净化设施并定期清洗维护。(牵头单位：市城管执法委)
二、水污染防治
3.深入打好碧水保卫战。全市地表水断面水质优良比例达到{IMG}95%。(牵头单位：市生态环境局{SVG})
4.推进乡镇污水处理厂提质增效，新建改造配套管网30公里，完成黑臭水体排查。(牵头单位：市水务局)
三、土壤与固废
5.加强固体废物污染防治。推进无废城市建设{SVG}。(牵头单位：市生态环境局)
6.做好农用地土壤安全利用，落实受污染耕地分类管控措施。(牵头单位：市农业农村局)
"""

MANIFEST = """doc_id,file,title,issuer,region,level,year,parent,previous,doc_number,date
evil_province_2024,province.txt,2024年全省生态环境工作要点{img},省生态环境厅{svg},某省,province,2024,,,,
evil_city_2024,city.txt,2024年全市生态环境工作要点,市生态环境局{img},某市,city,2024,evil_province_2024,,,
""".format(img=IMG.replace("'", ""), svg=SVG.replace("'", ""))


def hostile_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "province.txt").write_text(PARENT, encoding="utf-8")
    (folder / "city.txt").write_text(CHILD, encoding="utf-8")
    path = folder / "manifest.csv"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


_PAYLOAD_MARKUP = re.compile(r"<(?:script|img|svg)\b[^>]*(?:pwned|\bonerror=|\bonload=|\bsrc=x\b)", re.IGNORECASE)


def test_style_table_and_hover_text_escape_document_text() -> None:
    import pandas as pd

    html = plots.style_table(pd.DataFrame({"text": [SCRIPT, IMG], SVG: ["a", "b"]})).to_html()
    assert "<script>" not in html and "<img" not in html and "<svg" not in html
    assert "&lt;script&gt;" in html and "&lt;svg onload" in html
    assert "<" not in plots.hover_text(SCRIPT).replace("<br>", "")
    assert "<svg" not in render.provenance_footer([(SVG, IMG)], "now")


@pytest.mark.slow
@pytest.mark.browser
def test_a_hostile_plan_runs_nothing_in_the_reports(tmp_path) -> None:
    from test_browser import render  # beside this file

    manifest_path = hostile_corpus(tmp_path / "raw")
    processed = tmp_path / "processed"
    tables = build(processed, manifest_path)
    assert tables["tasks"]["text"].str.contains("<script>", regex=False).any()
    assert tables["tasks"]["lead_units"].str.contains("onerror", regex=False).any()
    assert tables["targets"]["quote"].str.contains("<", regex=False).any()
    links = planned_comparisons(manifest.load_manifest(manifest_path), tables["documents"])
    assert list(links["kind"]) == ["level"]
    jobs = [j for j in batch.plan_reports(tables["documents"], links) if j.kind in ("overview", "level")]
    out = tmp_path / "reports"
    results = batch.build_reports(out, processed, jobs=jobs, workers=2, progress=False)
    assert [r.status for r in results] == ["built", "built"], [r.error for r in results]
    for page in [out / r.html for r in reversed(results)] + [out / "index.html"]:
        source = page.read_text(encoding="utf-8")
        dom = render(page, tmp_path)
        title = re.search(r"<title>(.*?)</title>", dom, re.DOTALL)
        assert title and "pwned" not in title.group(1), (page.name, title and title.group(1))
        assert not _PAYLOAD_MARKUP.search(dom), (page.name, _PAYLOAD_MARKUP.search(dom).group(0))
        assert not _PAYLOAD_MARKUP.search(source), (page.name, _PAYLOAD_MARKUP.search(source).group(0))
        assert 'http-equiv="Content-Security-Policy"' in source and "default-src 'none'" in source
        assert 'class="main-svg"' in dom, f"{page.name}: plotly drew no chart under the Content-Security-Policy"
    level = (out / results[1].html).read_text(encoding="utf-8")
    assert "&lt;script&gt;" in level or "\\u003cscript\\u003e" in level or "&amp;lt;script&amp;gt;" in level


@pytest.mark.slow
@pytest.mark.browser
def test_the_reports_csv_downloads_escape_formulas_as_the_python_rule_does(tmp_path) -> None:
    """report.js's ``csvCell`` (the «下载 CSV» buttons), run in Chromium on the cases of the
    Python rule (``analysis.storage.escape_formula``), gives the same cells."""
    from test_browser import render  # beside this file
    from test_spreadsheet_csv import FORMULA_CASES

    from analysis.report.site import ASSETS_DIR

    script = (ASSETS_DIR / "report.js").read_text(encoding="utf-8")
    function = re.search(r"\n  function csvCell\(v\) \{\n.*?\n  \}\n", script, re.DOTALL)
    assert function, "csvCell not found in report.js"
    cells = [cell for cell, _ in FORMULA_CASES]
    page = tmp_path / "csv.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><pre id='out'></pre><script>"
        f"{function.group(0)}\nvar cells = {json.dumps(cells)};\n"
        "document.getElementById('out').textContent = JSON.stringify(cells.map(csvCell));</script></body></html>",
        encoding="utf-8",
    )
    dom = render(page, tmp_path)
    shown = re.search(r'<pre id="out">(.*?)</pre>', dom, re.DOTALL)
    assert shown, dom[-2000:]
    expected = []
    for _, safe in FORMULA_CASES:  # then quoted as CSV, as tableCsv does
        expected.append('"' + safe.replace('"', '""') + '"' if any(c in safe for c in '",\n\r') else safe)
    assert json.loads(html.unescape(shown.group(1))) == expected


@pytest.mark.slow
@pytest.mark.browser
def test_a_script_inserted_into_a_page_by_hand_does_not_run(built, built_reports, tmp_path) -> None:
    """The pages' Content-Security-Policy runs the shared scripts only (by hash when inlined): a
    script, an event handler or an SVG handler inserted into a saved page runs nothing, and the
    charts still draw."""
    from test_browser import render  # beside this file

    standalone = tmp_path / "standalone"
    batch.build_reports(standalone, built[0], only=["overview"], progress=False, standalone=True)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "assets").symlink_to(built_reports / "assets")
    for name in ("overview.html", "index.html"):
        (shared / name).write_text((built_reports / name).read_text(encoding="utf-8"), encoding="utf-8")
    payload = SCRIPT + IMG + SVG.replace(">", "></svg>")
    for page in (shared / "overview.html", shared / "index.html", standalone / "overview.html"):
        source = page.read_text(encoding="utf-8")
        assert "<script>" not in source or page.parent == standalone  # no inline script but the inlined shared ones
        page.write_text(source.replace("</h1>", "</h1>" + payload, 1), encoding="utf-8")
        dom = render(page, tmp_path)
        title = re.search(r"<title>(.*?)</title>", dom, re.DOTALL)
        assert title and "pwned" not in title.group(1), (page, title and title.group(1))
        assert 'class="main-svg"' in dom, f"{page}: no chart drawn"
