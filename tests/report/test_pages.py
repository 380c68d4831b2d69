"""The built pages of both editions: named plans, findings first, close reading, shared assets,
small and deterministic pages; in Chromium, every page draws offline with no console error
(a screenshot of each kept under ``reports/screenshots/``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_browser import CHROMIUM, OFFLINE_HEADLESS, _require  # beside this file

from analysis.report import batch, i18n, site
from analysis.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow

MAX_PAGE_BYTES = 1_500_000
SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
_GENERATED = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC")


def _results(folder: Path) -> list[dict]:
    return json.loads((folder / "build.json").read_text(encoding="utf-8"))


@pytest.fixture(params=["zh", "en"])
def edition(request, built_reports, built_reports_en) -> tuple[str, Path]:
    return request.param, (built_reports if request.param == "zh" else built_reports_en)


def test_pages_name_plans_not_ids_and_open_with_their_findings(edition) -> None:
    lang, folder = edition
    doc_ids = {"hubei_province_2023", "hubei_province_2024", "ezhou_city_2024", "wuhan_city_2025"}
    for result in _results(folder):
        assert result["status"] == "built", result
        text = (folder / result["html"]).read_text(encoding="utf-8")
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in text
        title = re.search(r"<title>(.*?)</title>", text, re.DOTALL).group(1)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.DOTALL).group(1)
        assert not any(d in title or d in h1 for d in doc_ids), (result["html"], title, h1)
        assert not any(d in result["summary"] for d in doc_ids), result["summary"]
        findings = text.index('class="findings"')
        assert text.index("<h1") < findings < text.index('class="report-contents"')
        assert 1 <= text[findings : text.index("</section>", findings)].count("<li>") <= 6
        assert 'href="index.html"' in text
        assert result["kind"] == "method" or 'href="method.html"' in text
        assert len(text.encode("utf-8")) <= MAX_PAGE_BYTES, (result["html"], len(text))
        assets = "assets/" if lang == "zh" else "../assets/"  # one copy for both editions, in the site's root
        assert f'src="{assets}plotly.min.js"' in text and "plotly.js v" not in text  # shipped once, not per page
        assert f'href="{assets}notebook.css"' in text and "jp-RenderedHTMLCommon{" not in text.replace(" ", "")
        for link in re.findall(r'(?:src|href)="((?:\.\./)?assets/[^"]+)"', text):
            assert (folder / link).resolve().is_file(), (result["html"], link)
    if lang == "zh":
        level = (folder / "level__hubei_province_2024__ezhou_city_2024.html").read_text(encoding="utf-8")
        assert "上下级承接：湖北省2024年 → 鄂州市2024年" in level
    else:
        level = (folder / "level__hubei_province_2024__ezhou_city_2024.html").read_text(encoding="utf-8")
        assert "Hubei Province 2024 → Ezhou 2024" in level
    root = folder if lang == "zh" else folder.parent
    for name in site.ASSET_FILES:
        assert (root / "assets" / name).is_file()
    assert not (root / "en" / "assets").exists()


def test_the_index_gives_a_reading_order_with_each_finding(edition) -> None:
    _, folder = edition
    index = (folder / "index.html").read_text(encoding="utf-8")
    positions = [index.index(f'href="{r["html"]}"') for r in _results(folder)]
    kinds = [r["kind"] for r in _results(folder)]
    assert kinds == sorted(kinds, key=site.READING_ORDER.get)
    assert positions == sorted(positions)
    for result in _results(folder):
        assert result["summary"] and result["summary"] in index.replace("&#x27;", "'")


def test_every_page_links_the_same_page_in_the_other_edition(edition) -> None:
    lang, folder = edition
    other = "en" if lang == "zh" else "zh"
    pages = [folder / "index.html"] + [folder / r["html"] for r in _results(folder)]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        links = re.findall(r'<a class="edition" href="([^"]+)" hreflang="([^"]+)" lang="[^"]+">([^<]+)</a>', text)
        assert len(links) == 1, (page.name, links)
        href, hreflang, label = links[0]
        assert href == (f"en/{page.name}" if lang == "zh" else f"../{page.name}")
        assert hreflang == i18n.HTML_LANG[other] and label == i18n.Messages(lang)("page.other_language")
        target = (page.parent / href).resolve()
        assert target.is_file(), (page.name, href)
        assert f'<html lang="{i18n.HTML_LANG[other]}">' in target.read_text(encoding="utf-8")
        assert f'href="{i18n.edition_href(target.name, other)}"' in target.read_text(encoding="utf-8")  # and back


def test_the_close_reading_marks_shared_wording_and_changed_numbers(edition) -> None:
    _, folder = edition
    for result in _results(folder):
        if result["kind"] not in ("year", "level"):
            continue
        text = (folder / result["html"]).read_text(encoding="utf-8")
        assert text.count("<mark>") > 50 and '<mark class="num">' in text
        assert '<details class="group"' in text and 'class="rel-filter"' in text and 'class="close-search"' in text
        assert 'data-rel="same"' in text and 'data-uncertain="1"' in text
        assert re.search(r'class="score">[^<]*0\.\d\d', text)


def test_comparison_pages_list_the_possible_links_to_check(edition) -> None:
    lang, folder = edition
    heading = i18n.Messages(lang)("heading.possible_links")
    for result in _results(folder):
        if result["kind"] not in ("year", "level"):
            continue
        text = (folder / result["html"]).read_text(encoding="utf-8")
        table = text[
            text.index('data-name="possible_links.csv"') : text.index("</table>", text.index("possible_links"))
        ]
        assert f">{heading}</h2>" in text and len(re.findall(r"<tr[ >]", table)) > 1  # its header and at least one pair
        assert re.search(r"<td[^>]*>\d+%</td>", table) and ",partial," in table


def test_the_method_page_gives_each_pair_and_the_reliability_of_the_confidence(edition) -> None:
    lang, folder = edition
    msg = i18n.Messages(lang)
    text = (folder / "method.html").read_text(encoding="utf-8")
    for heading in ("heading.method.pairs", "heading.method.confidence"):
        assert f">{msg(heading)}</h2>" in text
    for table in ("pair_figures_all", "pair_figures_high", "confidence_scores", "reliability", "near_misses"):
        start = text.index(f'data-name="{table}.csv"')
        assert len(re.findall(r"<tr[ >]", text[start : text.index("</table>", start)])) > 3, table
    for title in ("chart.reliability", "chart.pair_f1"):  # in the charts' JSON, non-ASCII escaped
        assert json.dumps(msg(title))[1:-1] in text, title


def test_a_rebuild_gives_the_same_page_but_the_time(built, built_reports, tmp_path) -> None:
    batch.build_reports(tmp_path, built[0], only=["escalation"], force=True, progress=False)
    again = _GENERATED.sub("", (tmp_path / "escalation.html").read_text(encoding="utf-8"))
    first = _GENERATED.sub("", (built_reports / "escalation.html").read_text(encoding="utf-8"))
    assert again == first
    assert str(tmp_path) not in again and " at 0x" not in again


def test_standalone_pages_embed_everything(built, tmp_path) -> None:
    batch.build_reports(tmp_path, built[0], only=["method"], progress=False, standalone=True)
    text = (tmp_path / "method.html").read_text(encoding="utf-8")
    assert 'src="assets/' not in text and 'href="assets/' not in text
    assert "plotly.js v" in text and "tableCsv" in text and "@media print" in text and "--jp-" in text
    outside_scripts = re.sub(r"<script\b.*?</script>", "", text, flags=re.DOTALL)
    local = [h for h in re.findall(r'<a\b[^>]*href="([^"#][^"]*)"', outside_scripts) if ":" not in h]
    assert 'href="index.html"' in outside_scripts  # built with the page
    assert [h for h in local if not (tmp_path / h).is_file()] == []  # no link to a page not built (en/, siblings)


@pytest.mark.browser
def test_every_page_of_both_editions_draws_offline_without_errors(edition) -> None:
    """One offline Chromium (connections refused, as in test_browser) opens every page in turn: no
    script error or refused load, a chart drawn, shared wording marked; a screenshot of each page."""
    _require(CHROMIUM is not None, "chromium not installed (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    lang, folder = edition
    shots = SCREENSHOTS / lang
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        args = [a for a in OFFLINE_HEADLESS if a != "--headless"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        view = browser.new_page(viewport={"width": 1400, "height": 2000})
        view.on("pageerror", lambda error: errors.append(f"Uncaught {error}"))
        view.on("console", lambda message: "Refused" in message.text and errors.append(message.text))
        for page in [folder / "index.html"] + [folder / r["html"] for r in _results(folder)]:
            view.goto(page.resolve().as_uri(), wait_until="load")
            view.wait_for_selector(".main-svg", state="attached", timeout=20_000)  # times out: no chart drawn
            dom = view.content()
            assert not errors, (page.name, errors[:3])
            if page.stem.startswith(("year__", "level__")):
                assert "<mark>" in dom and '<mark class="num">' in dom
            view.screenshot(path=shots / (page.stem + ".png"))
            assert (shots / (page.stem + ".png")).stat().st_size > 10_000
        browser.close()
