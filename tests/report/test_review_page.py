"""The review in the page, any pair on demand, the notebooks on a peer pair (built reports).

A comparison page offers every pair a reviewer may decide, with the stable contract of
:mod:`analysis.report.reading`, in the order ``analysis review`` lists them; ``reports --pair``
renders any two plans, peers in a report of their own; every comparison notebook runs on a peer pair.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from analysis import storage
from analysis.report import batch, i18n, reading
from analysis.report.jobs import ReportJob
from analysis.review import ALIGNMENT_CORRECTION_COLUMNS, export_queue
from analysis.settings import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow

LEVEL = "hubei_province_2024__ezhou_city_2024"
PEER = ("ezhou_city_2024", "wuhan_city_2025")
_KEYS = ["source_doc", "source_task_id", "target_doc", "target_task_id"]


def _tags(text: str, name: str) -> list[dict[str, str]]:
    """The attributes of every ``name`` tag of ``text`` (in whatever order the page writes them)."""
    found: list[dict[str, str]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == name:
                found.append({key: value or "" for key, value in attrs})

    Tags().feed(text)
    return found


def page_pairs(text: str) -> list[tuple[str, ...]]:
    """The pairs a page offers to decide, in document order."""
    names = ["data-source-doc", "data-source-task", "data-target-doc", "data-target-task"]
    return [tuple(a[n] for n in names) for a in _tags(text, "div") if "data-source-task" in a]


def queue_pairs(queue: pd.DataFrame) -> list[tuple[str, ...]]:
    return [tuple(row) for row in queue[_KEYS].itertuples(index=False)]


@pytest.fixture(params=["zh", "en"])
def edition(request, built_reports, built_reports_en) -> tuple[str, Path]:
    return request.param, (built_reports if request.param == "zh" else built_reports_en)


def test_comparison_pages_offer_every_pair_to_decide(edition) -> None:
    lang, folder = edition
    msg = i18n.Messages(lang)
    for page in sorted(folder.glob("*__*.html")):
        text = page.read_text(encoding="utf-8")
        review = text[text.index('<section class="review"') : text.index("</section>", text.index('class="review"'))]
        assert f">{html.escape(msg('heading.review'))}</h2>" in review
        assert f">{html.escape(msg('heading.possible_links'))}</h2>" in text  # the findings point there
        assert f">{html.escape(msg('review.reason.near_miss'))}</span>" in review  # and the review decides them
        assert re.search(r'data-review-key="\d{8}T\d+Z-\d+/[a-z0-9_]+__[a-z0-9_]+"', review)
        (button,) = [a for a in _tags(review, "button") if a.get("data-action") == "download-corrections"]
        assert (button["data-name"], button["data-columns"]) == (
            "alignments.csv",
            ",".join(ALIGNMENT_CORRECTION_COLUMNS),
        )
        pairs = page_pairs(text)
        assert len(pairs) == len(set(pairs)) > 20, page.name  # each pair once
        decide = [a for a in _tags(text, "div") if "decide" in a.get("class", "").split()]
        assert len(decide) == len(pairs), page.name
        buttons = [a.get("data-relation") for a in _tags(text, "button") if "data-relation" in a]
        assert all(buttons.count(r) == len(pairs) for r in reading.DECISIONS) and len(buttons) == 3 * len(pairs)
        assert len([a for a in _tags(text, "input") if "data-note" in a]) == len(pairs)
        assert review.count('<span class="clause">') > 20  # the best-matching clauses, boxed
        close = text[text.index('class="close-reading"') :]
        assert len([a for a in _tags(close, "div") if "data-source-task" in a]) > 10  # the model's links
        assert [a for a in _tags(close, "a") if a.get("class") == "to-review" and a["href"].startswith("#review-")]
        for stray in ("**Parameters**", "papermill -p", "## Findings"):  # the notebooks' markdown guides stay out
            assert stray not in text, (page.name, stray)


def test_the_page_and_analysis_review_list_the_same_pairs_in_the_same_order(built, built_reports, tmp_path) -> None:
    queue = export_queue(LEVEL, tmp_path / "queue.csv", built[0])
    page = (built_reports / f"level__{LEVEL}.html").read_text(encoding="utf-8")
    assert page_pairs(page) == queue_pairs(queue)
    assert set(queue["reason"]) == {"uncertain", "low confidence", "near miss", "link"}


@pytest.fixture(scope="module")
def peer_site(built, tmp_path_factory) -> Path:
    """The report of two cities, by `analysis reports --pair` (one by display name), both editions."""
    out = tmp_path_factory.mktemp("pair")
    command = ["reports", "--pair", "鄂州市2024年", PEER[1], "--processed", built[0], "--out", out, "--lang", "all"]
    done = subprocess.run(
        [sys.executable, "-m", "analysis", *map(str, command)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_any_two_plans_get_a_report_and_peers_a_kind_of_their_own(peer_site, built, run_cli, tmp_path) -> None:
    report_id = f"peer__{PEER[0]}__{PEER[1]}"
    for lang, folder in (("zh", peer_site), ("en", peer_site / "en")):
        msg = i18n.Messages(lang)
        text = (folder / f"{report_id}.html").read_text(encoding="utf-8")
        names = i18n.plan_names(storage.read_table("documents", built[0]), lang)
        title = msg("title.peer", source=names[PEER[0]], target=names[PEER[1]])
        assert f">{html.escape(title)}</h1>" in text
        for key, values in (
            ("heading.peer.shared", {}),
            ("heading.peer.only_a", {"plan": names[PEER[0]]}),
            ("heading.peer.only_b", {"plan": names[PEER[1]]}),
            ("heading.targets", {}),
            ("heading.review", {}),
            ("heading.close_reading", {}),
        ):
            assert f">{html.escape(msg(key, **values))}</h2>" in text, (lang, key)
        assert 'href="assets/report.css"' in text or 'href="../assets/report.css"' in text  # the report style
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert f'href="{report_id}.html"' in index and html.escape(msg("kind.peer")) in index
    # the same pairs as `analysis review` of the two plans, computed on the spot
    done = run_cli("review", *PEER, "--out", tmp_path / "queue.csv", "--processed", built[0])
    assert done.returncode == 0, done.stderr
    queue = pd.read_csv(tmp_path / "queue.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    page = (peer_site / f"{report_id}.html").read_text(encoding="utf-8")
    assert page_pairs(page) == queue_pairs(queue) and len(queue) > 20


def test_every_comparison_notebook_runs_on_a_peer_pair(built, tmp_path) -> None:
    """The year and level notebooks given two cities (the peer notebook runs in ``peer_site``):
    the findings and the words follow the comparison's kind."""
    jobs = [
        ReportJob(
            f"{kind}_on_peers", kind, kind, NOTEBOOKS_DIR / spec.notebook, dict(zip(spec.parameter_names, PEER)), PEER
        )
        for kind, spec in batch.REPORT_KINDS.items()
        if kind in ("year", "level")
    ]
    results = batch.build_reports(tmp_path, built[0], jobs=jobs, workers=2, progress=False)
    assert [r.status for r in results] == ["built", "built"], [r.error for r in results]
    for result in results:
        text = (tmp_path / result.html).read_text(encoding="utf-8")
        assert "同级比较：鄂州市2024年 ↔ 武汉市2025年" in text and "在武汉市2025年中也有" in result.summary
