"""The documentation: its generated parts are current, the README names every module, and the
site builds offline (no script, style or font fetched from the network)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from test_layout import RANKS

from analysis import docs
from analysis.cli import make_parser
from analysis.settings import MANIFEST_PATH, PROJECT_ROOT, AlignmentSettings


@pytest.mark.parametrize("section", docs.SECTIONS, ids=lambda s: f"{s.page}:{s.name}")
def test_the_generated_section_is_current(section: docs.Section) -> None:
    page = (PROJECT_ROOT / section.page).read_text(encoding="utf-8")
    assert docs.marked(page, section) == section.generate(), f"{section.page} is stale: run `make docs-reference`"


def _readme_rows() -> dict[str, str]:
    """The README stage table's rows by their first cell (`text/`, `cli.py` …)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in docs.marked(readme, docs.SECTIONS[0]).splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if cells[0].startswith("`"):
            rows[cells[0].strip("`")] = line
    return rows


def test_the_readme_names_every_module_of_the_package() -> None:
    rows = _readme_rows()
    missing = []
    for path in sorted((PROJECT_ROOT / "analysis").rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT / "analysis")
        if len(relative.parts) == 1:
            named = relative.name in rows
        else:
            row = rows.get(f"{relative.parts[0]}/", "")
            named = relative.name == "__init__.py" or f"`{path.stem}`" in row
        if not named and relative.name != "__init__.py":
            missing.append(str(relative))
    assert not missing


def test_the_pipeline_order_is_the_import_order_of_the_layout_test() -> None:
    assert set(docs.PIPELINE) == set(RANKS)
    stage_ranks = [RANKS[name] for name in docs.STAGES]
    assert stage_ranks == sorted(stage_ranks)
    assert min(RANKS[name] for name in docs.ENTRY_POINTS) > max(stage_ranks)
    assert max(RANKS[name] for name in docs.BOTTOM) < min(stage_ranks)


def test_a_part_the_pipeline_does_not_place_is_refused(tmp_path) -> None:
    for name in ("text", "newstage"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text('"""A stage."""\n', encoding="utf-8")
    (tmp_path / "errors.py").write_text('"""Errors."""\n', encoding="utf-8")
    with pytest.raises(ValueError, match="does not place newstage"):
        docs.package_parts(tmp_path)
    (tmp_path / "newstage" / "__init__.py").unlink()
    (tmp_path / "newstage").rmdir()
    assert [(part.name, part.label) for part in docs.package_parts(tmp_path)] == [
        ("text", "text/"),
        ("errors", "errors.py"),
    ]


@pytest.mark.parametrize("prefix", ["", "Stage 3, targets: ", "Stage 8 (beside report), evaluate: "])
def test_a_summary_is_the_first_sentence_of_the_docstring_in_markdown(tmp_path, prefix: str) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        f'"""{prefix}the ``value`` of a :class:`Target`, read\nfrom its clause. More words.\n\nDetails."""\n',
        encoding="utf-8",
    )
    assert docs.summary(module) == "The `value` of a `Target`, read from its clause."
    module.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no docstring"):
        docs.summary(module)


def test_the_command_reference_holds_every_command_and_option() -> None:
    reference = docs.command_reference()
    commands = next(a for a in make_parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name, command in commands.items():
        assert f"### {name}\n" in reference
        for action in command._actions:
            for option in action.option_strings:
                assert option == "-h" or option == "--help" or f"`{option}" in reference, (name, option)


def test_the_command_reference_shows_the_defaults_without_the_environment() -> None:
    # the tests run with ANALYSIS_MANIFEST pointing at their pinned corpus (tests/pinned_corpus.py)
    assert "tests/data/corpus" in str(MANIFEST_PATH)
    reference = docs.command_reference()
    assert "tests/data" not in reference and str(PROJECT_ROOT) not in reference
    assert "manifest CSV (default: data/raw/manifest.csv)" in reference


def test_the_settings_reference_gives_each_field_its_default_and_comment() -> None:
    reference = docs.settings_reference()
    row = next(line for line in reference.splitlines() if line.startswith("| `near_miss_min`"))
    assert f"| `{AlignmentSettings().near_miss_min!r}` |" in row and "review queue" in row
    assert "| `strong_cue_max_line`, `weak_cue_max_line` | `300`, `20` |" in reference  # one comment, two fields


def test_rewrite_replaces_only_the_marked_lines_atomically(tmp_path) -> None:
    section = docs.Section("page.md", "demo", lambda: "new line\n")
    page = tmp_path / "page.md"
    page.write_text(f"# Page\n\nbefore\n{section.start}\nold\n{section.end}\nafter\n", encoding="utf-8")
    assert docs.rewrite(tmp_path, (section,)) == ["page.md"]
    assert page.read_text(encoding="utf-8") == f"# Page\n\nbefore\n{section.start}\nnew line\n{section.end}\nafter\n"
    assert docs.rewrite(tmp_path, (section,)) == []  # already current: nothing written
    assert list(tmp_path.iterdir()) == [page]  # no temporary file left
    page.write_text("# Page without markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"page\.md has no"):
        docs.rewrite(tmp_path, (section,))


class _Resources(HTMLParser):
    """The URLs a page loads when it is shown: scripts, styles, fonts, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "embed") and values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))


def _remote(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url.strip(), re.IGNORECASE))


@pytest.mark.slow  # runs mkdocs
def test_the_site_builds_and_loads_nothing_from_the_network(tmp_path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=PROJECT_ROOT,
        check=True,
    )
    pages = sorted(site.rglob("*.html"))
    assert {"index.html", "commands.html", "tables.html", "architecture.html"} <= {p.name for p in pages}
    remote = []
    for page in pages:
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        remote += [f"{page.name}: {url}" for url in parser.urls if _remote(url)]
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text) + re.findall(r"@import\s+['\"]([^'\"]+)", text)
        remote += [f"{sheet.name}: {url}" for url in urls if _remote(url)]
    assert not remote


def test_a_page_that_loads_a_script_from_a_cdn_is_caught() -> None:
    parser = _Resources()
    parser.feed(
        '<link href="css/base.css"><script src="https://cdn.example/highlight.js"></script><a href="https://x">'
    )
    assert [url for url in parser.urls if _remote(url)] == ["https://cdn.example/highlight.js"]


def test_the_readme_links_to_pages_that_exist() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert targets and [t for t in targets if not t.startswith("http") and not (PROJECT_ROOT / t).exists()] == []


def test_the_screenshot_is_small() -> None:
    image = PROJECT_ROOT / "docs" / "images" / "report.png"
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size < 300_000
