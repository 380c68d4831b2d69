"""An executed notebook rendered as a reviewer's HTML page: no code, a contents list, the page's
findings first, provenance at the foot, a Content-Security-Policy forbidding every network request."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import nbformat

from analysis import __version__
from analysis.report import i18n, site
from analysis.report.jobs import HIDDEN_IN_REPORT_TAG, ReportJob
from analysis.report.site import asset_tags, report_links

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


# --- the page --------------------------------------------------------------------------------------

# Script tags that fetch from the web, here the MathJax plotly's notebook renderer asks for in
# every chart's output (the reports have no LaTeX; the page template fetches nothing either).
# Every page forbids every network request, plugin, form and <base>, and runs no script but the
# shared files (plotly.js and report.js, which draws the charts from the JSON in the page; with
# ``standalone`` those two inlined, allowed by their hashes): a document's text that got past the
# escaping could neither run nor fetch nor send anything. plotly.js needs no eval; it sets inline
# styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def csp_meta(standalone: bool = False) -> str:
    """The page's Content-Security-Policy: :data:`CONTENT_SECURITY_POLICY`, with the hashes of the
    inlined shared scripts when ``standalone``."""
    policy = CONTENT_SECURITY_POLICY
    if standalone:
        hashes = " ".join(f"'{digest}'" for digest in site.inline_script_hashes())
        policy = policy.replace("script-src 'self'", f"script-src 'self' {hashes}")
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.IGNORECASE)
_HEADING = re.compile(r'<h([1-3])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
CONTENTS_MARK = "<!--contents-->"


def contents_list(document: str, label: str = "Contents") -> str:
    """A ``<nav>`` listing the report's headings (level 2 and 3) as links."""
    items = []
    for level, anchor, inner in _HEADING.findall(document):
        if level == "1":
            continue
        text = html.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        items.append(f'<li class="h{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>')
    if not items:
        return ""
    return f'<nav class="report-contents"><strong>{html.escape(label)}</strong><ol>' + "".join(items) + "</ol></nav>"


def provenance_footer(inputs: list[tuple[str, str]], generated: str, msg: i18n.Messages | None = None) -> str:
    msg = msg or i18n.Messages("en")
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>sha256 {html.escape(digest)}</td></tr>" for name, digest in inputs
    )
    return (
        f'<footer class="report-provenance"><p>{html.escape(msg("page.generated", time=generated, version=__version__))}'
        f"</p><table>{rows}</table></footer>"
    )


def render_html(
    executed: nbformat.NotebookNode,
    job: ReportJob,
    summary: str,
    stamp: str,
    inputs: list[tuple[str, str]],
    jobs: list[ReportJob] | None = None,
    lang: str = i18n.DEFAULT_LANG,
    standalone: bool = False,
    assets: str = site.ASSETS,
) -> str:
    """Reviewer HTML: no code, no kernel noise, a contents list on top, provenance at the bottom.

    Cells tagged ``hide_in_report`` (plain-text copies of styled tables, kept for nbval) show no
    output here, and markdown cells (the notebook's guide for a researcher, in one language) are
    left out: the page's words are its blocks', from the message catalogue of its edition.
    """
    from nbconvert import HTMLExporter

    notebook = nbformat.from_dict(json.loads(json.dumps(executed)))  # a copy to trim
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number:02d}"  # papermill's injected cell has a random id: the page would differ
        if cell.cell_type == "code":
            hidden = HIDDEN_IN_REPORT_TAG in cell.get("metadata", {}).get("tags", [])
            cell.outputs = [] if hidden else [o for o in cell.get("outputs", []) if o.get("name") != "stderr"]
    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_markdown=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    document, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": job.title}})
    document = _REMOTE_SCRIPT.sub("", document)
    if not standalone:
        document = site.shared_styles(document, assets)
    msg = i18n.Messages(lang)
    document = re.sub(r"<html\b[^>]*>", f'<html lang="{i18n.HTML_LANG.get(lang, lang)}">', document, count=1)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta = (
        f'{csp_meta(standalone)}\n<meta name="workplan-fingerprint" content="{html.escape(stamp)}">\n'
        f'<meta name="workplan-summary" content="{html.escape(summary, quote=True)}">\n'
        f'<meta name="workplan-lang" content="{html.escape(lang)}">\n'
    )
    document = document.replace("<head>", "<head>\n" + meta, 1)
    head_end = document.find("</head>")
    document = document[:head_end] + asset_tags(standalone, assets=assets) + document[head_end:]
    nav = contents_list(document, msg("page.contents"))
    if nav and CONTENTS_MARK in document:
        document = document.replace(CONTENTS_MARK, nav, 1)
    elif nav and (first_h1 := re.search(r"</h1>", document)):
        document = document[: first_h1.end()] + nav + document[first_h1.end() :]
    links = report_links(job, jobs or [job], msg)
    body = re.search(r"<body\b[^>]*>", document)
    if body:
        document = document[: body.end()] + links + document[body.end() :]
    footer = provenance_footer(inputs, generated, msg)
    close = document.rfind("</main>") if "</main>" in document else document.rfind("</body>")
    document = document[:close] + footer + document[close:]
    close = document.rfind("</body>")
    return document[:close] + asset_tags(standalone, "body", assets) + document[close:]
