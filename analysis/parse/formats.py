"""Read a plan from a text, Word, PDF or HTML file, chosen by its content rather than its name.

Users save plans under whatever name the browser or mail client gave them (a PDF called
``.txt``, an HTML page called ``.doc``), so the bytes decide: ``%PDF-`` is a PDF, a zip holding
``word/document.xml`` is a Word file, an OLE2 compound file is an old Word/WPS file (converted
with LibreOffice when it is installed), text that opens with HTML markup is a web page, and
anything else is decoded as plain text.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UserError
from analysis.parse.docx import read_docx
from analysis.parse.html_page import read_html
from analysis.parse.pdf import read_pdf
from analysis.parse.read import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_PER_CHAR,
    RawDocument,
    decode,
    read_bytes,
    text_too_long,
)
from analysis.settings import ParseSettings

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# HTML markup near the start of a decoded file (after a BOM, comments or an XML prolog).
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|body|head)[\s>]", re.IGNORECASE)
_HTML_SNIFF_CHARS = 1024
_CONVERT_TIMEOUT_S = 180


@dataclass(frozen=True)
class Extracted:
    """The plain text of a plan file and how it was read.

    ``page_starts[i]`` is the offset in ``text`` where PDF page ``i`` begins (empty otherwise).
    """

    text: str
    format: str  # "txt" | "docx" | "pdf" | "html"
    encoding: str
    page_starts: tuple[int, ...] = ()


def sniff(data: bytes) -> str:
    """The container format of file bytes: "pdf", "zip", "ole2" or "text"."""
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow a few bytes of junk
        return "pdf"
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE2_MAGIC):
        return "ole2"
    return "text"


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.search(text[:_HTML_SNIFF_CHARS]))


def _convert_with_libreoffice(path: Path, settings: ParseSettings) -> str:
    """The text of an old binary Word (.doc) or WPS file, converted to .docx by LibreOffice."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise UserError(
            path,
            "this is an old Word/WPS file (.doc/.wps): install LibreOffice (soffice) to read it, or save it as .docx",
        )
    with tempfile.TemporaryDirectory() as out:
        try:
            subprocess.run(
                [soffice, "--headless", "--convert-to", "docx", "--outdir", out, str(path)],
                capture_output=True,
                timeout=_CONVERT_TIMEOUT_S,
                check=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            raise UserError(path, "LibreOffice (soffice) could not convert this .doc/.wps file to .docx") from None
        converted = list(Path(out).glob("*.docx"))
        if not converted:
            raise UserError(path, "LibreOffice (soffice) could not convert this .doc/.wps file to .docx")
        return read_docx(converted[0], settings)


def _is_docx(path: Path, data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        raise UserError(path, "this zip archive (.docx?) is damaged and cannot be read") from None


def _text_over(path: Path, max_bytes: int) -> int | None:
    """The size of a regular text file (not a PDF, Word or old Word file, by its first bytes) larger
    than ``max_bytes``; None otherwise, or when :func:`read_bytes` refuses it unread anyway (too
    large for any file, not readable: it says why)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or not max_bytes < info.st_size <= DEFAULT_MAX_BYTES:
            return None
        with open(path, "rb") as handle:
            head = handle.read(_HTML_SNIFF_CHARS)
    except OSError:
        return None
    return info.st_size if sniff(head) == "text" else None


def extract(path: Path | str, settings: ParseSettings | None = None) -> Extracted:
    """Read a plan file of any supported format into plain text (paragraphs separated by ``\\n``);
    a text longer than ``settings.max_text_chars`` is refused (as soon as that is certain)."""
    path, settings = Path(path), settings or ParseSettings()
    limit = settings.max_text_chars
    if (size := _text_over(path, MAX_BYTES_PER_CHAR * limit)) is not None:  # refused before it is read
        raise UserError(path, text_too_long(size // MAX_BYTES_PER_CHAR, limit, at_least=True))
    data = read_bytes(path)
    kind = sniff(data)
    if kind == "pdf":
        text, page_starts = read_pdf(path, limit)
        found = Extracted(text, "pdf", "utf-8", page_starts)
    elif kind == "zip":
        if not _is_docx(path, data):
            raise UserError(path, "this is a zip archive but not a Word .docx document")
        found = Extracted(read_docx(path, settings), "docx", "utf-8")
    elif kind == "ole2":
        found = Extracted(_convert_with_libreoffice(path, settings), "docx", "utf-8")
    elif len(data) > MAX_BYTES_PER_CHAR * limit:  # more characters than the limit whatever the encoding
        raise UserError(path, text_too_long(len(data) // MAX_BYTES_PER_CHAR, limit, at_least=True))
    else:
        text, encoding = decode(data, path)
        if looks_like_html(text.lstrip("\ufeff")):
            found = Extracted(read_html(text, path), "html", "utf-8")
        else:
            found = Extracted(text, "txt", encoding)
    if len(found.text) > limit:
        raise UserError(path, text_too_long(len(found.text), limit))
    return found


def read_plan(path: Path | str, settings: ParseSettings | None = None) -> RawDocument:
    """A plan file of any supported format as a :class:`RawDocument` (its format and page starts
    kept); a text file is decoded exactly as :func:`analysis.parse.read.read_document` does."""
    path = Path(path)
    found = extract(path, settings)
    return RawDocument(
        path=path, text=found.text, encoding=found.encoding, format=found.format, page_starts=found.page_starts
    )
