"""Write plans as real .docx, .pdf and .html files (the formats users bring): for the tests of
ingestion and for its benchmark.

The .docx is written part by part with zipfile, numbering its part, section and item markers
with Word's automatic list numbering (numbering.xml; parts through a paragraph style), as Word
would save a plan typed with list styles. The PDF is drawn with ReportLab's built-in Chinese CID
font on pages with running headers, page numbers and a browser's print header and footer. The
HTML page wraps the plan in the chrome of a government site.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from analysis.settings import ParseSettings
from analysis.text.numerals import chinese_number

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PART = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*")
_SECTION = re.compile(r"^[(（]([一二三四五六七八九十]{1,3})[)）]\s*")
_ITEM = re.compile(r"^(\d{1,3})[.．](?!\d)\s*")
# --- docx --------------------------------------------------------------------------------------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""
_DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
</Relationships>"""
# Parts 一、 (style-linked), sections （一） (restart with each part), items 1. (restart only
# with a new part: lvlRestart 1, so item numbers run on across the sections of a part).
PLAN_LEVELS = (
    {"fmt": "chineseCounting", "text": "%1、", "suff": "tab"},
    {"fmt": "chineseCounting", "text": "（%2）", "suff": "tab"},
    {"fmt": "decimal", "text": "%3.", "suff": "nothing", "restart": 1},
)


def numbering_xml(lists: dict[int, tuple[dict, ...]], starts: dict[int, dict[int, int]] | None = None) -> str:
    """numbering.xml with one abstract list per numId (levels as dicts), optional startOverrides."""
    abstract, nums = [], []
    for num_id, levels in lists.items():
        lvls = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="{lvl.get("start", 1)}"/><w:numFmt w:val="{lvl["fmt"]}"/>'
            + (f'<w:lvlRestart w:val="{lvl["restart"]}"/>' if "restart" in lvl else "")
            + (f'<w:pStyle w:val="{lvl["style"]}"/>' if "style" in lvl else "")
            + f'<w:suff w:val="{lvl.get("suff", "tab")}"/><w:lvlText w:val="{escape(lvl["text"])}"/></w:lvl>'
            for i, lvl in enumerate(levels)
        )
        abstract.append(
            f'<w:abstractNum w:abstractNumId="{num_id}"><w:multiLevelType w:val="multilevel"/>{lvls}</w:abstractNum>'
        )
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
            for i, v in (starts or {}).get(num_id, {}).items()
        )
        nums.append(f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/>{overrides}</w:num>')
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering xmlns:w="{W_NS}">{"".join(abstract + nums)}</w:numbering>'


def styles_xml(numbered_styles: dict[str, tuple[int, int]]) -> str:
    """styles.xml: a heading style, and list styles (styleId → numId, ilvl) based on it."""
    styles = ['<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>']
    for style_id, (num_id, ilvl) in numbered_styles.items():
        styles.append(
            f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{style_id}"/><w:basedOn w:val="Heading1"/>'
            f'<w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr></w:style>'
        )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W_NS}">{"".join(styles)}</w:styles>'


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def paragraph(runs: str, num: tuple[int, int] | None = None, style: str | None = None) -> str:
    ppr = (f'<w:pStyle w:val="{style}"/>' if style else "") + (
        f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>' if num else ""
    )
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{runs}</w:p>"


def table(rows: list[list[list[str]]]) -> str:
    """A table: rows of cells of paragraphs."""

    def cells(row: list[list[str]]) -> str:
        return "".join(f"<w:tc>{''.join(paragraph(run(p)) for p in cell)}</w:tc>" for cell in row)

    return "<w:tbl>" + "".join(f"<w:tr>{cells(row)}</w:tr>" for row in rows) + "</w:tbl>"


def write_docx(path: Path, body: str, numbering: str | None = None, styles: str | None = None) -> Path:
    """A .docx holding ``body`` (the children of w:body) and the given numbering and styles parts."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/_rels/document.xml.rels", _DOC_RELS)
        archive.writestr("word/document.xml", document)
        archive.writestr("word/styles.xml", styles or styles_xml({}))
        archive.writestr("word/numbering.xml", numbering or numbering_xml({}))
    return path


def _runs_of(text: str, index: int) -> str:
    """A paragraph's runs as Word splits them, with tracked changes now and then."""
    cut = max(text.find("("), text.find("（"), 1)
    if index % 7 != 3:
        return run(text[:cut]) + run(text[cut:])
    # an edit made with track changes on: deleted words, and the rest of the paragraph inserted
    deleted = f'<w:del w:id="{index}" w:author="t"><w:r><w:delText>已删除的旧文字。</w:delText></w:r></w:del>'
    inserted = f'<w:ins w:id="{index + 10_000}" w:author="t">{run(text[cut:])}</w:ins>'
    return deleted + run(text[:cut]) + '<w:bookmarkStart w:id="0" w:name="_GoBack"/>' + inserted


def _list_marker(text: str, counters: list[int]) -> tuple[int, str] | None:
    """(level, text after the marker) if the plan list would print this marker here."""
    for level, pattern in enumerate((_PART, _SECTION, _ITEM)):
        m = pattern.match(text)
        if not m:
            continue
        value = int(m.group(1)) if level == 2 else chinese_number(m.group(1))
        if value != counters[level] + 1 or not text[m.end() :].strip():
            return None
        counters[level] = value
        if level == 0:
            counters[1] = counters[2] = 0
        return level, text[m.end() :]
    return None


def plan_docx(path: Path, paragraphs: list[str]) -> Path:
    """A plan as Word saves it: part, section and item numbers are list numbering, not text.

    A marker becomes list numbering when the list would print that very number (the plan's own
    numbering follows the list's rules); any other marker stays typed text.
    """
    counters = [0, 0, 0]
    body = []
    for index, text in enumerate(paragraphs):
        numbered = _list_marker(text, counters)
        if numbered is None:
            body.append(paragraph(_runs_of(text, index)))
        else:
            level, rest = numbered
            props = {"style": "PlanPart"} if level == 0 else {"num": (1, level)}
            body.append(paragraph(_runs_of(rest, index), **props))
    return write_docx(path, "".join(body), numbering_xml({1: PLAN_LEVELS}), styles_xml({"PlanPart": (1, 0)}))


# --- pdf ---------------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"  # one of ReportLab's built-in Adobe CID fonts: no font file needed
PAGE_WIDTH, PAGE_HEIGHT, MARGIN, FONT_SIZE, LEADING = 595, 842, 50, 9, 13
_HAN_PAIR = re.compile(r"[\u4e00-\u9fff]")
# Lines that a wrap must not start or end with: they would read as a new paragraph.
_BLOCK_OPENING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、.]|附件|抄送|抄报|此件|主动公开|公开方式)")
MIN_LAST_LINE = 24  # longer than the short lines the cleaner may take for page chrome
_TITLE_ENDINGS = ("要点", "通知", "方案", "计划", "意见", "办法", "规划", "报告")


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def _canvas(path: Path, **options):
    from reportlab.pdfgen import canvas

    _register_font()
    return canvas.Canvas(str(path), pagesize=(PAGE_WIDTH, PAGE_HEIGHT), **options)


def write_pdf(path: Path, pages: list[list[str]], **options) -> Path:
    """A PDF with the given lines drawn top-down on each page (``options`` go to the Canvas)."""
    pdf = _canvas(path, **options)
    for lines in pages:
        pdf.setFont(PDF_FONT, FONT_SIZE)
        for i, line in enumerate(lines):
            pdf.drawString(MARGIN, PAGE_HEIGHT - MARGIN - i * LEADING, line)
        pdf.showPage()
    pdf.save()
    return path


def scanned_pdf(path: Path) -> Path:
    """A PDF whose page is only an image, as a scanner makes it."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).rectangle((40, 40, 360, 160), outline=0)
    pdf = _canvas(path)
    pdf.drawInlineImage(image, MARGIN, PAGE_HEIGHT - 300, 400, 200)
    pdf.showPage()
    pdf.save()
    return path


def wrap(line: str) -> list[str]:
    """Break a long line to the page width, between two Han characters, where the break reads
    as a wrap inside a sentence (not before a marker, not after a title word), leaving no short
    last line (a short line reads as a paragraph's end)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_font()
    width = PAGE_WIDTH - 2 * MARGIN
    out = []
    while stringWidth(line, PDF_FONT, FONT_SIZE) > width:
        cut = 1
        while stringWidth(line[: cut + 1], PDF_FONT, FONT_SIZE) <= width:
            cut += 1
        cut = min(cut, len(line) - MIN_LAST_LINE)
        while cut > 1 and not (
            _HAN_PAIR.match(line[cut - 1])
            and _HAN_PAIR.match(line[cut])
            and not _BLOCK_OPENING.match(line[cut:])
            and not line[:cut].endswith(_TITLE_ENDINGS)
        ):
            cut -= 1
        out.append(line[:cut])
        line = line[cut:]
    return out + [line]


def plan_pdf(path: Path, text: str, running_title: str, lines_per_page: int = 56) -> Path:
    """A plan printed from a browser: print date and title on top, the plan's running title
    from page 2 on, and at the bottom a page number and the page's URL with ``n/N``."""
    lines = [wrapped for line in text.split("\n") if line.strip() for wrapped in wrap(line.rstrip())]
    chunks = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    total = len(chunks)
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        header = [f"2024/3/{n} 下午3:{10 + n:02d}    {running_title} - 湖北省生态环境厅"]
        header.append(running_title if n > 1 else "")
        footer = ["", f"— {n} —", f"https://sthjt.hubei.gov.cn/fbjd/xxgkml/t2024_{n}.shtml    {n}/{total}"]
        pages.append(header + chunk + footer)
    return write_pdf(path, pages)


# --- html --------------------------------------------------------------------------------------


def government_page(title: str, body_html: str, container: str = '<div id="zoom" class="TRS_Editor">') -> str:
    """A page of a government site around an article body: navigation, breadcrumb, view
    counter, share bar, scripts and footer."""
    closing = "</" + container[1 : container.index(" ") if " " in container else -1] + ">"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}_湖北省生态环境厅</title>
<style>.nav {{ color: red; }} p {{ text-indent: 2em; }}</style>
<script>var _hmt = _hmt || []; document.write("<p>统计代码</p>");</script></head>
<body>
<div class="header"><img src="logo.png" alt="湖北省生态环境厅"></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zcwj/">政策文件</a> &gt; 正文</div>
<div class="article">
<h1>{html.escape(title)}</h1>
<div class="info">发布时间：2024-02-20 来源：湖北省生态环境厅 浏览次数：<span id="hits">1234</span></div>
<!-- 正文开始 -->
{container}
{body_html}
{closing}
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer"><p>主办单位：湖北省生态环境厅 版权所有</p><p>鄂ICP备05003302号 网站标识码：4200000055</p></div>
<script src="/js/share.js"></script>
</body></html>
"""


def paragraphs_html(paragraphs: list[str]) -> str:
    """Paragraphs as a CMS editor saves them: indented with ideographic spaces, entities escaped."""
    return "\n".join(f'<p style="text-indent:2em">&#12288;&#12288;{html.escape(p)}</p>' for p in paragraphs)


def plan_html(path: Path, paragraphs: list[str], title: str) -> Path:
    path.write_text(government_page(title, paragraphs_html(paragraphs)), encoding="utf-8")
    return path


# --- one plan in every format --------------------------------------------------------------------


def plan_in_every_format(path: Path, out: Path) -> dict[str, Path]:
    """A plan's text file written again as .docx, .pdf and .html into ``out`` (its paragraphs as
    the cleaner reads them; the PDF from the raw text, with a browser's print header and footer)."""
    from analysis.parse import clean, read

    raw = read.read_document(path)
    paragraphs = clean.clean(raw.text, ParseSettings()).text.split("\n")
    title = next((p for p in paragraphs if p.endswith("要点")), paragraphs[0])
    stem = Path(path).stem
    return {
        "txt": Path(path),
        "docx": plan_docx(out / f"{stem}.docx", paragraphs),
        "pdf": plan_pdf(out / f"{stem}.pdf", raw.text, title),
        "html": plan_html(out / f"{stem}.html", paragraphs, title),
    }
