"""The reviewer's whole loop in a real browser: decide in the page, download the decisions, build,
see the links change (the page of the new build marks them as the reviewer's).

Playwright drives Debian's Chromium (``executable_path``: no browser is downloaded) over the level
report of two plans of the pinned corpus, built into a temporary copy of the corpus (never
``data/``). A screenshot of the review section is kept under ``reports/screenshots/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pinned_corpus import PINNED_CORRECTIONS_DIR, PINNED_DIR
from test_browser import CHROMIUM, _require  # beside this file

from analysis.corpus.build import build
from analysis.report import batch
from analysis.report.jobs import ReportJob
from analysis.review import ALIGNMENT_CORRECTION_COLUMNS, export_queue, read_alignment_corrections
from analysis.settings import NOTEBOOKS_DIR, PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SOURCE, TARGET = "hubei_province_2024", "ezhou_city_2024"
COMPARISON = f"{SOURCE}__{TARGET}"
FORMULA_NOTE = '=HYPERLINK("http://example.invalid","看")'  # a spreadsheet must show it as text
SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"


def _two_plans(folder: Path) -> tuple[Path, Path]:
    """A corpus of the province's 2024 plan and Ezhou's (one comparison), and its corrections folder."""
    raw, corrections = folder / "raw", folder / "corrections"
    raw.mkdir(parents=True)
    listed = pd.read_csv(PINNED_DIR / "manifest.csv", dtype=str, keep_default_na=False)
    kept = listed[listed["doc_id"].isin([SOURCE, TARGET])].assign(previous="")  # the 2023 plan is left out
    kept.to_csv(raw / "manifest.csv", index=False)
    for doc_id in (SOURCE, TARGET):
        shutil.copy(PINNED_DIR / f"{doc_id}.txt", raw)
    shutil.copytree(PINNED_CORRECTIONS_DIR, corrections)  # the files as shipped: a header each
    return raw / "manifest.csv", corrections


def _build(folder: Path, manifest: Path, corrections: Path) -> dict[str, pd.DataFrame]:
    return build(
        folder / "processed",
        manifest,
        alignment_corrections=corrections / "alignments.csv",
        target_corrections=corrections / "targets.csv",
    )


def _report(folder: Path) -> Path:
    """The comparison's report, rendered again on every call (the tables changed in between)."""
    spec = batch.REPORT_KINDS["level"]
    job = ReportJob(
        f"level__{COMPARISON}",
        "level",
        "level",
        NOTEBOOKS_DIR / spec.notebook,
        dict(zip(spec.parameter_names, (SOURCE, TARGET))),
        (SOURCE, TARGET),
    )
    built = batch.build_reports(
        folder / "reports", folder / "processed", jobs=[job], force=True, workers=1, progress=False
    )
    (result,) = built
    assert result.status == "built", result.error
    return folder / "reports" / result.html


OPEN_GROUPS = "document.querySelectorAll('details').forEach(function (d) { d.open = true; })"


def _pair(page, row):
    return page.locator(f'.decide[data-source-task="{row.source_task_id}"][data-target-task="{row.target_task_id}"]')


def _open(context, page_path: Path):
    """A new tab of ``context`` on the page (its sections unfolded), and the page's script errors."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.resolve().as_uri())
    page.evaluate(OPEN_GROUPS)  # the close reading's sections, folded but the first three
    return page, errors


def _screenshot(page) -> None:
    """The top of the review section, in use (page coordinates: a reload keeps the scroll)."""
    box = page.evaluate(
        "(() => { const r = document.querySelector('section.review').getBoundingClientRect();"
        " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: Math.min(r.height, 2400)}; })()"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review_section.png"), clip=box, full_page=True)


def _decide_and_download(context, page_path: Path, chosen, saved: Path) -> None:
    """Click the decisions and notes of ``chosen``, check they outlive a reload, download them to ``saved``."""
    page, errors = _open(context, page_path)
    for row, relation, note in chosen:
        _pair(page, row).locator(f'[data-relation="{relation}"]').click()
        if note:
            _pair(page, row).locator("[data-note]").fill(note)
    page.locator('[data-relation="same"]').first.click()  # a decision changed twice, then taken back
    page.locator('[data-relation="none"]').first.click()
    page.locator('[data-relation="none"]').first.click()
    page.reload()  # kept in the browser
    page.evaluate(OPEN_GROUPS)
    for row, relation, note in chosen:
        assert _pair(page, row).locator(f'[data-relation="{relation}"]').get_attribute("aria-pressed") == "true"
        assert _pair(page, row).locator("[data-note]").input_value() == note
    assert re.search(r"\b3\b", page.locator(".review-count").inner_text())
    _screenshot(page)
    with page.expect_download() as download:
        page.locator('[data-action="download-corrections"]').click()
    assert download.value.suggested_filename == "alignments.csv"
    download.value.save_as(saved)
    page.close()
    assert not errors


def _shown_after_the_build(context, page_path: Path, chosen) -> None:
    """The page of the new build: the decided pairs are links marked as the reviewer's (or gone),
    no longer offered to decide, and the old build's decisions are not carried over."""
    page, errors = _open(context, page_path)
    kept = [(row, relation) for row, relation, _ in chosen if relation != "none"]
    for row, relation in kept:
        card = page.locator(".pair[data-decided-by='reviewer']", has_text=str(row.target_text)[:30])
        assert card.count() >= 1 and card.first.get_attribute("data-rel") == relation
        assert card.first.locator(".by-reviewer").is_visible()
    assert page.locator(".pair[data-decided-by='reviewer']").count() == len(kept)  # a removal shows no link
    for row, _, _ in chosen:
        assert _pair(page, row).count() == 0
    assert page.locator('[aria-pressed="true"]').count() == 0
    page.close()
    assert not errors


def test_a_reviewer_decides_in_the_page_and_the_build_applies_the_download(tmp_path) -> None:
    _require(CHROMIUM is not None, "chromium not installed (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    manifest, corrections = _two_plans(tmp_path)
    before = _build(tmp_path, manifest, corrections)
    page_path = _report(tmp_path)
    queue = export_queue(COMPARISON, tmp_path / "queue.csv", tmp_path / "processed")
    sure = queue[queue["reason"] == "link"]
    removed, relabelled = sure.iloc[0], sure[sure["model_relation"] == "same"].iloc[1]
    added = queue[queue["reason"] == "near miss"].iloc[0]
    chosen = [(removed, "none", ""), (relabelled, "partial", ""), (added, "partial", FORMULA_NOTE)]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1800})
        _decide_and_download(context, page_path, chosen, corrections / "alignments.csv")

        data = (corrections / "alignments.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf" + ",".join(ALIGNMENT_CORRECTION_COLUMNS).encode())
        assert "'=HYPERLINK(" in data.decode("utf-8-sig")  # spreadsheet-safe
        decided = read_alignment_corrections(corrections / "alignments.csv")
        decided = decided.set_index(["source_task_id", "target_task_id"])
        assert decided.loc[(added.source_task_id, added.target_task_id), "note"] == FORMULA_NOTE  # read back
        assert len(decided) == 3
        after = _build(tmp_path, manifest, corrections)  # the file as downloaded, where the build reads it
        assert after["corrections"]["status"].tolist() == ["applied"] * 3
        links = after["alignments"].set_index(["source_task_id", "target_task_id"])
        assert (removed.source_task_id, removed.target_task_id) not in links.index
        for row in (relabelled, added):
            link = links.loc[(row.source_task_id, row.target_task_id)]
            assert (link["relation"], link["decided_by"]) == ("partial", "reviewer")
        assert "=HYPERLINK" in links.loc[(added.source_task_id, added.target_task_id), "evidence"]
        model = before["alignments"].set_index(["source_task_id", "target_task_id"])
        assert model.loc[(removed.source_task_id, removed.target_task_id), "decided_by"] == "model"
        assert (added.source_task_id, added.target_task_id) not in model.index

        _shown_after_the_build(context, _report(tmp_path), chosen)  # in the browser that decided
        browser.close()
