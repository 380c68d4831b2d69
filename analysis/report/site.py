"""The site around the reports: the files every page shares (plotly.js, the page's script and
style under ``assets/``, or inlined with ``standalone``), the links between pages, and the index
(reports in reading order, each with its finding)."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from pathlib import Path

from analysis import __version__, storage
from analysis.report import i18n, page, plots, views
from analysis.report.findings import escalation_findings

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
# The files every page shares, written once to ``<out>/assets/`` (inlined with ``standalone``).
ASSET_FILES = ("plotly.min.js", "report.js", "report.css", "notebook.css")
# The notebook template's own style blocks (JupyterLab's CSS, ~250 kB): in assets/notebook.css.
TEMPLATE_STYLE = re.compile(r"<style\b[^>]*>(?:(?!</style>).){2000,}?</style>\s*", re.DOTALL)
READING_ORDER = {"overview": 0, "year": 1, "level": 2, "peer": 3, "escalation": 4, "method": 5}


# The shared files' folder as a page of the edition written in ``<out>`` links it.
ASSETS = "assets/"


def shared_assets(page_folder: Path, site_folder: Path) -> str:
    """The link prefix from a page in ``page_folder`` to the shared files of ``site_folder``:
    ``assets/`` for the first edition, ``../assets/`` for a second one in ``<out>/en``."""
    return Path(os.path.relpath(Path(site_folder) / "assets", Path(page_folder))).as_posix() + "/"


def write_assets(out_dir: Path) -> None:
    """plotly.js and the page's script and style, once for every page, under ``<out>/assets/``."""
    from plotly.offline import get_plotlyjs

    folder = Path(out_dir) / "assets"  # made by the first write (an unwritable folder: a UserError)
    wanted = {
        "plotly.min.js": get_plotlyjs(),
        "report.js": (ASSETS_DIR / "report.js").read_text(encoding="utf-8"),
        "report.css": (ASSETS_DIR / "report.css").read_text(encoding="utf-8"),
        "notebook.css": notebook_css(),
    }
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            storage.write_text(path, text)


def notebook_css() -> str:
    """The style blocks the report template puts in every page, as one stylesheet."""
    import nbformat
    from nbconvert import HTMLExporter

    templates = Path(__file__).resolve().parent / "templates"
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(templates)], exclude_input=True)
    empty, _ = exporter.from_notebook_node(nbformat.v4.new_notebook())
    return "\n".join(
        re.sub(r"^<style\b[^>]*>|</style>\s*$", "", block.strip()) for block in TEMPLATE_STYLE.findall(empty)
    )


def shared_styles(document: str, assets: str = ASSETS) -> str:
    """The page with the template's style blocks replaced by a link to ``notebook.css`` in
    ``assets`` (the shared files' folder, relative to the page)."""
    blocks = TEMPLATE_STYLE.findall(document)
    if not blocks:
        return document
    first = document.index(blocks[0])
    document = TEMPLATE_STYLE.sub("", document)
    return document[:first] + f'<link rel="stylesheet" href="{assets}notebook.css">\n' + document[first:]


def _inline_scripts() -> tuple[str, str]:
    """plotly.js and report.js, as a standalone page inlines them."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs(), (ASSETS_DIR / "report.js").read_text(encoding="utf-8")


def inline_script_hashes() -> list[str]:
    """The CSP hashes (``sha256-…``) of the scripts a standalone page inlines: the only ones it runs."""
    return [
        "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
        for text in _inline_scripts()
    ]


def asset_tags(standalone: bool, where: str = "head", assets: str = ASSETS) -> str:
    """The tags that load the shared files: relative links (``assets/…``, or ``../assets/…`` from
    a second edition's folder), or the files inlined."""
    plotly_js, report_js = _inline_scripts() if standalone else ("", "")
    if where == "head":
        if standalone:
            css = (ASSETS_DIR / "report.css").read_text(encoding="utf-8")
            return f"<style>{css}</style>\n<script>{plotly_js}</script>\n"
        return f'<link rel="stylesheet" href="{assets}report.css">\n<script src="{assets}plotly.min.js"></script>\n'
    if standalone:
        return f"<script>{report_js}</script>"
    return f'<script src="{assets}report.js"></script>'


def edition_link(page_name: str, msg: i18n.Messages) -> str:
    """A link to the same page in the other edition (relative: ``en/…`` from the Chinese, ``../…``
    from the English), named in that edition's language."""
    other = i18n.HTML_LANG[i18n.other_edition(msg.lang)]
    href = html.escape(i18n.edition_href(page_name, msg.lang))
    text = html.escape(msg("page.other_language"))
    return f'<a class="edition" href="{href}" hreflang="{other}" lang="{other}">{text}</a>'


def report_links(job, jobs: list, msg: i18n.Messages) -> str:
    """Links back to the index and to the method report, to the same page in the other edition,
    and to the sibling reports (``job`` and ``jobs``: :class:`analysis.report.batch.ReportJob`)."""
    parts = [f'<a href="index.html">← {html.escape(msg("page.index"))}</a>']
    if job.kind != "method":
        parts.append(f'<a href="method.html">{html.escape(msg("page.method_link"))}</a>')
    parts.append(edition_link(f"{job.report_id}.html", msg))
    siblings = [
        j
        for j in jobs
        if j.report_id != job.report_id
        and j.kind not in ("method",)
        and (
            j.kind == job.kind
            or (set(j.doc_ids) & set(job.doc_ids) and len(j.doc_ids) == 2)
            or job.kind in ("overview", "escalation")
        )
    ]
    if siblings:
        parts.append(
            f'<span class="small">{html.escape(msg("page.related"))}:</span> '
            + " ".join(f'<a href="{html.escape(j.report_id)}.html">{html.escape(j.title)}</a>' for j in siblings[:8])
        )
    return '<nav class="report-links">' + " ".join(parts) + "</nav>"


def index_page(
    results: list,
    figures_html: str,
    generated: str,
    csp_meta: str,
    lang: str = i18n.DEFAULT_LANG,
    standalone: bool = False,
    assets: str = ASSETS,
) -> str:
    """``index.html``: the reports in reading order, each with its finding; failures with their error."""
    msg = i18n.Messages(lang)
    e = html.escape
    quoted = page.Report(lang).quote_marked  # a plan's 「words」 inside lang="zh" in the English edition
    rows: list[str] = []
    failures: list[str] = []
    ordered = sorted(results, key=lambda r: READING_ORDER.get(r.kind, 9))
    for r in ordered:
        if r.status == "failed":
            notebook = f'<a href="{e(r.notebook)}">{e(r.notebook)}</a>' if r.notebook else ""
            earlier = (
                f'<br><span class="small">{e(msg("index.earlier_page"))}<a href="{e(r.html)}">{e(r.html)}</a></span>'
                if r.html
                else ""
            )
            failures.append(
                f'<tr><td>{e(r.title)}{earlier}</td><td class="failed">{e(r.error)}</td><td>{notebook}</td></tr>'
            )
            continue
        note = f' <span class="small">({e(msg("index.earlier"))})</span>' if r.status == "earlier" else ""
        kind = msg.get(f"kind.{r.kind}", r.kind)
        rows.append(
            f'<tr><td class="num">{len(rows) + 1}</td><td><a href="{e(r.html)}">{e(r.title)}</a>{note}</td><td>{e(kind)}</td>'
            f'<td>{quoted(e(r.summary))}</td><td class="num">{r.size_bytes / 1e6:.1f} MB</td></tr>'
        )
    failed = ""
    if failures:
        failed = (
            f'<h2 class="failed">{e(msg("index.failed", n=len(failures)))}</h2><table class="data"><tr><th>{e(msg("index.col_report"))}</th>'
            f"<th>{e(msg('index.col_error'))}</th><th>{e(msg('index.col_notebook'))}</th></tr>{''.join(failures)}</table>"
        )
    return f"""<!DOCTYPE html>
<html lang="{i18n.HTML_LANG.get(lang, lang)}"><head><meta charset="utf-8">{csp_meta}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(msg("index.title"))}</title>
{asset_tags(standalone, assets=assets)}<style>.failed{{color:#b30000}}</style></head>
<body>
<nav class="report-links">{edition_link("index.html", msg)}</nav>
<h1>{e(msg("index.title"))}</h1>
<p class="lead-in">{quoted(e(msg("index.intro")))}</p>
{failed}
<h2 id="reading-order">{e(msg("index.reading_order"))}</h2>
<div class="tbl-scroll"><table class="data"><thead><tr><th>#</th><th>{e(msg("index.col_report"))}</th><th>{e(msg("index.col_kind"))}</th>
<th>{e(msg("index.col_finding"))}</th><th>{e(msg("index.col_size"))}</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>
{figures_html}
<p class="small">{e(msg("index.generated", time=generated, version=__version__))}</p>
{asset_tags(standalone, "body", assets)}
</body></html>
"""


def index_figures(processed_dir: Path, lang: str = i18n.DEFAULT_LANG) -> str:
    """The headline charts of the index (the corpus, the headline target chain)."""

    plots.setup()
    documents = storage.read_table("documents", processed_dir)
    report = page.Report(lang, documents)
    msg = report.msg
    figures = [
        (msg("index.corpus"), plots.corpus_map(documents, report), documents[["doc_id", "level", "year"]], "corpus_map")
    ]
    escalation_path = Path(processed_dir) / "escalation.parquet"
    if escalation_path.is_file():
        escalation = report.indicator_names(storage.read_table("escalation", processed_dir))
        headline = views.headline_indicator(escalation)
        if headline:
            chain = escalation[escalation["indicator_id"] == headline]
            sentence = escalation_findings(escalation, headline, report)[0]
            figures.insert(
                0,
                (
                    sentence,
                    plots.escalation_chain(escalation, headline, documents, report),
                    chain.drop(columns=["quote"]),
                    "headline_chain",
                ),
            )
    parts = []
    for title, figure, data, name in figures:
        parts.append(f"<h2>{report.quote_marked(html.escape(title))}</h2>")
        parts.append(str(report.figure(figure, data, name, height="460px")))
    return "".join(parts)


_SCRIPT = re.compile(r"(<script\b.*?</script>)", re.DOTALL | re.IGNORECASE)
_LOCAL_LINK = re.compile(r'<a\b[^>]*\bhref="(?![a-z][a-z0-9+.-]*:|#|/)([^"#?]+)[^"]*"[^>]*>.*?</a>\s*', re.DOTALL)


def without_dead_links(document: str, folder: Path) -> str:
    """``document`` (a page in ``folder``) without its links to pages that do not exist there: a
    standalone page is read where it lies, so a link to a report not built (another edition, a
    report left out with ``--only``) is left out instead of leading nowhere. Scripts are untouched."""

    def keep(link: re.Match) -> str:
        target = folder / html.unescape(link.group(1))
        return link.group() if target.exists() else ""

    parts = _SCRIPT.split(document)
    return "".join(part if i % 2 else _LOCAL_LINK.sub(keep, part) for i, part in enumerate(parts))


def drop_dead_links(pages: list[Path]) -> None:
    """Rewrite each page without its links to pages that do not exist (:func:`without_dead_links`)."""
    for path in pages:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            kept = without_dead_links(text, path.parent)
            if kept != text:
                storage.write_text(path, kept)
