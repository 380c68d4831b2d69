"""Read a document from disk: decode its bytes and refuse what is not a text document.

The decoded string is the document's *raw* text: every offset in every table points into it.
Decoding is UTF-8 (with or without BOM; the BOM is not part of the raw text), UTF-16 (with a
BOM, or detected from its NUL-byte pattern) and GB18030 (a superset of GBK and GB2312).
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UserError

# Share of control characters (other than tab/newline/CR/form feed) above which a file is binary.
_MAX_CONTROL_SHARE = 0.01
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PLAIN_CHARS = re.compile(
    r"[\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2150-\u218f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)
# Share of plain characters below which a decoding is judged wrong.
_MIN_PLAUSIBILITY = 0.9
# Share of invalid bytes up to which a UTF-8 file is read with replacement characters (damage,
# measured downstream) rather than refused.
_MAX_INVALID_UTF8_SHARE = 0.01
# Largest file read (bytes); ``read_document(max_bytes=...)`` changes it. (A plan's text has its
# own limit, ``ParseSettings.max_text_chars``: a PDF or Word file may hold images.)
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# A character takes at most this many bytes in the encodings read (UTF-8, UTF-16, GB18030).
MAX_BYTES_PER_CHAR = 4
_SURROGATE_ESCAPE = re.compile("[\udc80-\udcff]")


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
    and GB18030 gives the most plausible Chinese text. A UTF-8 file with a few invalid bytes (at
    most 1 %) is read with U+FFFD in their place, and its encoding says how many were replaced,
    e.g. ``"utf-8 (3 invalid bytes replaced)"``.
    """
    if not data:
        raise UserError(where, "the file is empty")
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _utf8_with_bom(data, where)
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


def _utf8_with_bom(data: bytes, where: object) -> tuple[str, str]:
    """A file opening with a UTF-8 BOM: UTF-8 (a few bad bytes replaced), else a GBK file saved
    behind a BOM, else refused naming the first bad byte."""
    body = data[len(codecs.BOM_UTF8) :]
    try:
        return body.decode("utf-8"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        first_bad = exc.start + len(codecs.BOM_UTF8)
    if (replaced := _utf8_replacing(body, "utf-8-sig")) is not None:
        return replaced
    if (guessed := _most_plausible(body, ("gb18030",))) is not None:
        return guessed
    raise UserError(
        where, f"starts with a UTF-8 byte-order mark but is not UTF-8 text (invalid byte at byte {first_bad})"
    )


def _utf8_replacing(data: bytes, encoding: str) -> tuple[str, str] | None:
    """UTF-8 with each invalid byte replaced by U+FFFD, if at most 1 % of the bytes are invalid."""
    invalid = len(_SURROGATE_ESCAPE.findall(data.decode("utf-8", errors="surrogateescape")))
    if invalid > _MAX_INVALID_UTF8_SHARE * len(data):
        return None
    text = _SURROGATE_ESCAPE.sub("\ufffd", data.decode("utf-8", errors="surrogateescape"))
    return text, f"{encoding} ({invalid} invalid byte{'s' if invalid != 1 else ''} replaced)"


def _strict(data: bytes, encoding: str, where: object) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UserError(where, f"not valid {encoding} text ({exc.reason} at byte {exc.start})") from None


def _guess(data: bytes, where: object) -> tuple[str, str]:
    first_bad = None
    if b"\x00" not in data:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            first_bad = exc.start
    if (guessed := _most_plausible(data, ("utf-16-le", "utf-16-be", "gb18030"))) is not None:
        return guessed
    if b"\x00" in data:
        raise UserError(where, "this is a binary file, not a text document (it contains NUL bytes)")
    if (replaced := _utf8_replacing(data, "utf-8")) is not None:
        return replaced
    raise UserError(
        where, f"cannot decode the file as UTF-8, UTF-16 or GB18030 text (first invalid UTF-8 byte at byte {first_bad})"
    )


def _most_plausible(data: bytes, encodings: tuple[str, ...]) -> tuple[str, str] | None:
    """The strict decoding that gives the most plausible Chinese text, if plausible enough."""
    best: tuple[float, str, str] = (0.0, "", "")
    for encoding in encodings:
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
    return (text, encoding) if score >= _MIN_PLAUSIBILITY else None


_FILE_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be read as a document (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "this is a folder, not a file"
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
    return f"not a regular file: this is {kind}"


def _os_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "broken symbolic link (its target does not exist)" if path.is_symlink() else "no such file"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: the links point at each other"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied: cannot read the file"
    if exc.errno == errno.ENOTDIR:
        return "no such file (a folder on its path is a file)"
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    return f"cannot read the file ({exc.strerror or exc})"


def read_document(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read and decode one text file (a plan of any format: :func:`analysis.parse.formats.read_plan`)."""
    path = Path(path)
    text, encoding = decode(read_bytes(path, max_bytes), path)
    return RawDocument(path=path, text=text, encoding=encoding)


def read_bytes(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a document file: a regular file of at most ``max_bytes`` bytes.

    A FIFO, a device or a socket is refused before it is opened (reading it could block or
    never end); the file is opened non-blocking and checked again, in case it was swapped.
    """
    path = Path(path)
    try:
        problem = _not_regular(path.stat().st_mode)
        if problem:
            raise UserError(path, problem)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UserError(path, _os_problem(path, exc)) from None
    try:
        info = os.fstat(fd)
        if problem := _not_regular(info.st_mode):
            raise UserError(path, problem)
        if info.st_size > max_bytes:
            raise UserError(path, _too_large(info.st_size, max_bytes))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UserError(path, _os_problem(path, exc)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UserError(path, _too_large(len(data), max_bytes))
    return data


def text_too_long(chars: int, limit: int, at_least: bool = False) -> str:
    """Why a plan whose text passes ``ParseSettings.max_text_chars`` is refused, and what to do."""
    count = f"{'at least ' if at_least else ''}{chars:,} characters"
    return (
        f"the text is too long for a plan ({count}; the limit is {limit:,}): split the file, or raise "
        "ParseSettings.max_text_chars in analysis/settings.py"
    )


def _too_large(size: int, max_bytes: int) -> str:
    return f"the file is too large ({size:,} bytes; the limit is {max_bytes} bytes)"
