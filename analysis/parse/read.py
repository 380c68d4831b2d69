"""Read a document from disk: decode its bytes and refuse what is not a text document.

The decoded string is the document's *raw* text: every offset in every table points into it.
Decoding is UTF-8 (with or without BOM; the BOM is not part of the raw text), UTF-16 (with a
BOM, or detected from its NUL-byte pattern) and GB18030 (a superset of GBK and GB2312).
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UserError

# Share of control characters (other than tab/newline/CR/form feed) above which a file is binary.
_MAX_CONTROL_SHARE = 0.01
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PLAIN_CHARS = re.compile(r"[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2150-\u218f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# Share of plain characters below which a decoding is judged wrong.
_MIN_PLAUSIBILITY = 0.9


@dataclass(frozen=True)
class RawDocument:
    """A decoded file: its text, the encoding it was read with, and where it came from.

    ``format`` is the file's format as :func:`analysis.parse.formats.extract` chose it ("txt",
    "docx", "pdf" or "html"); ``page_starts[i]`` is the offset in ``text`` where PDF page ``i``
    begins (empty for the other formats).
    """

    path: Path
    text: str
    encoding: str
    format: str = "txt"
    page_starts: tuple[int, ...] = ()


def plausibility(text: str) -> float:
    """Share of characters that a Chinese plan is made of: CJK, punctuation, ASCII, spaces."""
    if not text:
        return 0.0
    return len(_PLAIN_CHARS.findall(text)) / len(text)


def decode(data: bytes, where: object = "<bytes>") -> tuple[str, str]:
    """Decode document bytes; return ``(text, encoding)`` or raise :class:`UserError`.

    A BOM decides; otherwise UTF-8 if it decodes, else whichever of UTF-16 (either byte order)
    and GB18030 gives the most plausible Chinese text.
    """
    if not data:
        raise UserError(where, "the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = data.decode("utf-8-sig", errors="strict"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict(data, "utf-16", where), "utf-16"
    else:
        text, encoding = _guess(data, where)
    if not text.strip():
        raise UserError(where, "the file holds only whitespace")
    controls = len(_CONTROL_CHARS.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise UserError(where, "this is a binary file, not a text document (control characters)")
    return text, encoding


def _strict(data: bytes, encoding: str, where: object) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UserError(where, f"not valid {encoding} text ({exc.reason} at byte {exc.start})") from None


def _guess(data: bytes, where: object) -> tuple[str, str]:
    if b"\x00" not in data:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    best: tuple[float, str, str] = (0.0, "", "")
    for encoding in ("utf-16-le", "utf-16-be", "gb18030"):
        if encoding.startswith("utf-16") and len(data) % 2:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = plausibility(text[:200_000])
        if score > best[0]:
            best = (score, text, encoding)
    score, text, encoding = best
    if score >= _MIN_PLAUSIBILITY:
        return text, encoding
    if b"\x00" in data:
        raise UserError(where, "this is a binary file, not a text document (it contains NUL bytes)")
    raise UserError(where, "cannot decode the file as UTF-8, UTF-16 or GB18030 text")


def read_bytes(path: Path) -> bytes:
    """The bytes of a document file, or a :class:`UserError` saying why they cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except IsADirectoryError:
        raise UserError(path, "this is a folder, not a file") from None
    except OSError as exc:
        raise UserError(path, f"cannot read the file ({exc.strerror})") from None


def read_document(path: Path | str) -> RawDocument:
    """Read and decode one text file (a plan of any format: :func:`analysis.parse.formats.read_plan`)."""
    path = Path(path)
    text, encoding = decode(read_bytes(path), path)
    return RawDocument(path=path, text=text, encoding=encoding)
