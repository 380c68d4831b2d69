"""The HTML reports render their charts in a real browser, offline (headless Chromium, no network).

Reads the reports conftest's ``built_reports`` builds once into a temporary folder (from tables built
there too), so a clean clone needs no `make reports`. Chromium comes from Debian's `chromium` package
(`.ci/run` installs it). Outside CI, a missing browser skips the rendering test with the reason; in
CI (``CI`` set) it fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.settings import REPORT_MAX_BYTES

pytestmark = pytest.mark.slow  # every test reads the whole report batch (conftest's ``built_reports``)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless, with every connection refused (a proxy nobody listens on, names never resolved).
OFFLINE_HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
_REMOTE_ASSET = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)


def _require(condition: bool, reason: str) -> None:
    if not condition:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(reason)


def _reports(folder: Path) -> list[dict]:
    return json.loads((folder / "build.json").read_text(encoding="utf-8"))


def _no_network_prefix() -> list[str]:
    """Run in a network namespace with no interfaces when the system allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def render(page: Path, tmp_path: Path) -> str:
    """The DOM of a page after its scripts ran, loaded from file:// with the network off."""
    _require(CHROMIUM is not None, "chromium not installed (Debian package `chromium`)")
    command = _no_network_prefix() + [
        CHROMIUM,
        *OFFLINE_HEADLESS,
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=20000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_every_report_was_built_and_is_small_enough(built_reports) -> None:
    results = _reports(built_reports)
    assert results, "no reports planned"
    failed = [(r["report_id"], r["error"]) for r in results if r["status"] == "failed"]
    assert not failed
    for r in results:
        size = (built_reports / r["html"]).stat().st_size
        assert size < REPORT_MAX_BYTES, (r["html"], size)


def test_reports_load_nothing_from_the_network(built_reports) -> None:
    for page in [built_reports / "index.html"] + [built_reports / r["html"] for r in _reports(built_reports)]:
        text = page.read_text(encoding="utf-8")
        assert not _REMOTE_ASSET.search(text), page.name
        assert "plotly.js v" in text or 'src="assets/plotly.min.js"' in text, f"{page.name}: plotly.js not loaded"


@pytest.mark.browser
def test_the_index_and_every_report_render_their_charts_offline(built_reports, tmp_path) -> None:
    pages = [built_reports / "index.html"] + [built_reports / r["html"] for r in _reports(built_reports)]
    for page in pages:
        dom = render(page, tmp_path)
        assert 'class="main-svg"' in dom, f"{page.name}: no plotly chart rendered"


def test_the_index_links_every_report(built_reports) -> None:
    index = (built_reports / "index.html").read_text(encoding="utf-8")
    for r in _reports(built_reports):
        assert f'href="{r["html"]}"' in index
        assert r["summary"], f"{r['report_id']} has no summary line"
