"""Read the text layer of a PDF with pypdfium2 (PDFium: BSD/Apache, good with CJK CID fonts).

A printed plan's PDF repeats the same running header or footer on every page, numbers its
pages (``— 3 —``, ``第3页``, ``3/12``) and, when saved from a browser, carries the print date,
page title and URL: these lines sit at the page edges and would otherwise break sentences in
the middle. PDF extraction also spaces CJK text (``2024 年 6 月``); both are removed here. Hard
line breaks inside paragraphs are kept: the cleaner joins them.

A page whose text layer is a table prints a row's cells on one line with wide gaps between them,
which PDFium gives as a single space like any other: a space standing for a gap wider than
:data:`CELL_GAP_EMS` times the height of the character before it is kept as a tab, so the cleaner
can read the row's cells (:mod:`analysis.parse.text_tables`), and a space between two characters
on different lines (rows PDFium joined) is a line break.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from analysis.errors import UserError
from analysis.parse.metadata import ISSUER_LINE, TITLE_LINE
from analysis.parse.read import text_too_long
from analysis.settings import ParseSettings

_CJK = "\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’《》〔〕…—·"
_SPACE_NEAR_CJK = re.compile(f"(?<=[{_CJK}])[ \u3000\u00a0]+|[ \u3000\u00a0]+(?=[{_CJK}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_UNMAPPED = re.compile(r"[\ue000-\uf8ff\ufffd]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# How many lines at the top and at the bottom of a page can be running headers or footers.
EDGE_LINES = 4
# A page number alone: "- 3 -", "— 3 —", "第3页", "第 3 页 共 12 页", "3/12", "Page 3 of 12".
_PAGE_NUMBER = re.compile(
    r"^[-—–―~·\s]*(?:第\s*)?\d{1,4}\s*页?(?:\s*(?:/|of|共)\s*\d{1,4}\s*页?)?[-—–―~·\s]*$"
    r"|^(?:page|p\.)\s*\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$",
    re.IGNORECASE,
)
# What a browser prints at the page edges: a URL, a date and time (alone or before the title).
_BROWSER_EDGE = re.compile(
    r"^(?:https?://|www\.|file:/)\S*(?:\s+\d{1,4}\s*/\s*\d{1,4})?$"
    r"|^\d{2,4}[/.-]\d{1,2}[/.-]\d{1,4}\s*(?:(?:上午|下午|AM|PM)?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:AM|PM)?)?(?:\s|$)",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
# A repeated line with sentence punctuation is a wrapped fragment of the text, not a header.
_SENTENCE_PUNCT = re.compile(r"[。；;，,、]")
_SPACE_BEFORE_PERCENT = re.compile(r"(?<=\d)[ \t\u00a0]+(?=[%‰])")
# Shares of unmapped characters (private use, U+FFFD) and of Han characters that tell a text
# layer without a ToUnicode map from a Chinese plan.
_MAX_UNMAPPED_SHARE = 0.05
_MIN_HAN_SHARE = 0.1
_MIN_CHARS_FOR_HAN_CHECK = 200
# A gap between two characters of a line wider than this many character heights separates cells.
CELL_GAP_EMS = 1.5


def _gapped_text(textpage) -> str:
    """The text of a page, a space standing for a cell gap made a tab, one between two lines a line
    break (see the module doc)."""
    text = textpage.get_text_range()
    chars = list(text)
    for i, char in enumerate(text):
        if char != " " or i == 0 or i + 1 >= len(text) or text[i - 1] in " \r\n" or text[i + 1] in " \r\n":
            continue
        _, bottom, right, top = textpage.get_charbox(i - 1, loose=True)
        next_left, next_bottom, _, _ = textpage.get_charbox(i + 1, loose=True)
        height = top - bottom
        if height > 0 and abs(next_bottom - bottom) > height / 2:
            chars[i] = "\n"  # the next character stands on another line: PDFium joined two rows with a space
        elif height > 0 and next_left - right > CELL_GAP_EMS * height:
            chars[i] = "\t"
    return "".join(chars)


def _page_lines(document: pdfium.PdfDocument, path: Path | str, max_chars: int) -> list[list[str]]:
    """Each page's lines; reading stops once they hold more than ``max_chars`` characters."""
    pages, chars = [], 0
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        text = _CONTROL.sub("", _gapped_text(textpage).replace("\r\n", "\n").replace("\r", "\n"))
        pages.append([line.strip() for line in text.split("\n") if line.strip()])
        textpage.close()
        page.close()
        chars += len(text)
        if chars > max_chars:
            raise UserError(path, text_too_long(chars, max_chars, at_least=True))
    return pages


def _edges(lines: list[str]) -> list[str]:
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:]


def remove_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Peel page numbers, browser print lines and running headers off the top and bottom of pages.

    A running header repeats with only its numbers changing (``第3页``, a print date), so edge
    lines are compared with their digits masked: one at the edges of at least half of the pages
    (and of two), without sentence punctuation, is furniture. At the top of the first page a
    repeated title or issuer line stays: there it is the plan's own title (which later pages
    repeat as their running header) or its issuer, the front matter metadata is read from.
    """
    keys: Counter[str] = Counter()
    for lines in pages:
        keys.update({_DIGITS.sub("#", line) for line in _edges(lines)})
    threshold = max(2, math.ceil(len(pages) / 2))

    def furniture(line: str, first_page_top: bool = False) -> bool:
        repeated = keys[_DIGITS.sub("#", line)] >= threshold and not _SENTENCE_PUNCT.search(line)
        if repeated and first_page_top and (TITLE_LINE.match(line) or ISSUER_LINE.match(line)):
            repeated = False
        return bool(repeated or _PAGE_NUMBER.match(line) or _BROWSER_EDGE.match(line))

    kept = []
    for number, lines in enumerate(pages):
        top, bottom = 0, len(lines)
        while top < min(EDGE_LINES, bottom) and furniture(lines[top], first_page_top=number == 0):
            top += 1
        while bottom > max(top, len(lines) - EDGE_LINES) and furniture(lines[bottom - 1]):
            bottom -= 1
        kept.append(lines[top:bottom])
    return kept


def close_cjk_spacing(line: str) -> str:
    """Remove the spaces PDF extraction puts next to CJK characters (``2024 年 6 月`` → ``2024年6月``)
    and before a percent sign (``3 %``)."""
    return _SPACE_BEFORE_PERCENT.sub("", _SPACE_NEAR_CJK.sub("", line))


def _check_text_layer(path: Path | str, text: str) -> None:
    chars = re.sub(r"\s", "", text)
    if not chars:
        raise UserError(path, "this PDF has no text layer (a scanned image?): run OCR on it first or supply its text")
    if len(_UNMAPPED.findall(chars)) > _MAX_UNMAPPED_SHARE * len(chars) or (
        len(chars) >= _MIN_CHARS_FOR_HAN_CHECK and len(_HAN.findall(chars)) < _MIN_HAN_SHARE * len(chars)
    ):
        raise UserError(
            path,
            "this PDF's fonts have no ToUnicode map, so its text layer is unreadable "
            "(private-use or garbage characters): supply a Word or text copy, or run OCR",
        )


def read_pdf(path: Path | str, max_chars: int = ParseSettings.max_text_chars) -> tuple[str, tuple[int, ...]]:
    """The text of a PDF (lines separated by ``\\n``) and the offset where each page begins; a
    text of more than ``max_chars`` characters is refused."""
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise UserError(path, "this PDF is encrypted with a password: save an unprotected copy first") from None
        raise UserError(path, "this PDF is damaged and cannot be read") from None
    try:
        pages = _page_lines(document, path, max_chars)
    finally:
        document.close()
    pages = remove_page_furniture(pages)
    texts = ["\n".join(close_cjk_spacing(line) for line in lines) for lines in pages]
    starts, offset = [], 0
    for page_text in texts:
        starts.append(offset)
        offset += len(page_text) + 1
    text = "\n".join(texts)
    _check_text_layer(path, text)
    return text, tuple(starts)
