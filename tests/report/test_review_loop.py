"""The reviewer's whole loop in a real browser: decide in the page, download the decisions, build,
see the links change.

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
    spec = batch.REPORT_KINDS["level"]
    job = ReportJob(
        f"level__{COMPARISON}",
        "level",
        "level",
        NOTEBOOKS_DIR / spec.notebook,
        dict(zip(spec.parameter_names, (SOURCE, TARGET))),
        (SOURCE, TARGET),
    )
    (result,) = batch.build_reports(folder / "reports", folder / "processed", jobs=[job], workers=1, progress=False)
    assert result.status == "built", result.error
    return folder / "reports" / result.html


OPEN_GROUPS = "document.querySelectorAll('details').forEach(function (d) { d.open = true; })"


def _pair(page, row):
    return page.locator(f'.decide[data-source-task="{row.source_task_id}"][data-target-task="{row.target_task_id}"]')


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
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_path.resolve().as_uri())
        page.evaluate(OPEN_GROUPS)  # the close reading's sections, folded but the first three
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
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        box = page.locator("section.review").bounding_box()
        top = {"x": box["x"], "y": box["y"], "width": box["width"], "height": min(box["height"], 2400)}
        page.screenshot(path=str(SCREENSHOTS / "review_section.png"), clip=top, full_page=True)
        with page.expect_download() as download:
            page.locator('[data-action="download-corrections"]').click()
        assert download.value.suggested_filename == "alignments.csv"
        download.value.save_as(corrections / "alignments.csv")
        browser.close()
    assert not errors

    data = (corrections / "alignments.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + ",".join(ALIGNMENT_CORRECTION_COLUMNS).encode())
    assert "'=HYPERLINK(" in data.decode("utf-8-sig")  # spreadsheet-safe
    decided = read_alignment_corrections(corrections / "alignments.csv").set_index(["source_task_id", "target_task_id"])
    assert decided.loc[(added.source_task_id, added.target_task_id), "note"] == FORMULA_NOTE  # read back as written
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
