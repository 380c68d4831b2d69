"""Read the text of a Word ``.docx`` file with the standard library.

Plans number their parts and sections with Word's automatic list numbering, which is not in the
paragraph text: without resolving it from ``word/numbering.xml`` a plan loses every ``一、`` and
``（一）`` marker the parser needs. Tables are read row by row (unit assignment tables), tracked
deletions are dropped and insertions kept, so the text is what the reader of the final file sees.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import overload

from analysis.errors import UserError
from analysis.parse.read import text_too_long
from analysis.settings import ParseSettings
from analysis.text.numerals import to_chinese

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Subtrees whose text the reader never sees: deletions, moved-away text, field codes, fallbacks.
_HIDDEN = {W + "del", W + "moveFrom", W + "instrText", W + "delText", W + "pPr", W + "rPr", _MC_FALLBACK}
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
# A part unpacking to less than this is never judged by its packing ratio (small repetitive
# parts pack tightly too).
_RATIO_FLOOR_BYTES = 1_000_000


def _roman(n: int) -> str:
    out = []
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """One counter value in a ``w:numFmt``; unknown formats fall back to decimal."""
    formats = {
        "decimalZero": lambda: f"{n:02d}",
        "decimalEnclosedParen": lambda: f"({n})",
        "decimalEnclosedFullstop": lambda: f"{n}.",
        "decimalEnclosedCircle": lambda: chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})",
        "decimalEnclosedCircleChinese": lambda: chr(0x2460 + n - 1) if 1 <= n <= 20 else f"({n})",
        "decimalFullWidth": lambda: str(n).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
        "chineseCounting": lambda: to_chinese(n),
        "chineseCountingThousand": lambda: to_chinese(n),
        "japaneseCounting": lambda: to_chinese(n),
        "taiwaneseCounting": lambda: to_chinese(n),
        "ideographDigital": lambda: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
        "taiwaneseDigital": lambda: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
        "chineseLegalSimplified": lambda: to_chinese(n, _LEGAL_DIGITS, "拾佰仟"),
        "ideographLegalTraditional": lambda: to_chinese(n, "零壹貳參肆伍陸柒捌玖", "拾佰仟"),
        "ideographTraditional": lambda: _STEMS[(n - 1) % 10],
        "ideographZodiac": lambda: _BRANCHES[(n - 1) % 12],
        "upperRoman": lambda: _roman(n),
        "lowerRoman": lambda: _roman(n).lower(),
        "upperLetter": lambda: _letters(n),
        "lowerLetter": lambda: _letters(n).lower(),
        "none": lambda: "",
    }
    return formats.get(fmt, lambda: str(n))()


@dataclass(frozen=True)
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = "\t"
    restart: int | None = None  # restart after a level below this (1-based); None: after any higher level
    legal: bool = False


@overload
def _val(element: ET.Element | None, default: str) -> str: ...
@overload
def _val(element: ET.Element | None, default: None = None) -> str | None: ...
def _val(element: ET.Element | None, default: str | None = None) -> str | None:
    return default if element is None else element.get(W + "val", default)


def _level(lvl: ET.Element) -> Level:
    suffix = {"tab": "\t", "space": " ", "nothing": ""}.get(_val(lvl.find(W + "suff"), "tab"), "\t")
    restart = _val(lvl.find(W + "lvlRestart"))
    return Level(
        start=int(_val(lvl.find(W + "start"), "1")),
        fmt=_val(lvl.find(W + "numFmt"), "decimal"),
        text=_val(lvl.find(W + "lvlText"), ""),
        suffix=suffix,
        restart=None if restart is None else int(restart),
        legal=lvl.find(W + "isLgl") is not None and _val(lvl.find(W + "isLgl"), "1") not in ("0", "false"),
    )


@dataclass
class Numbering:
    """The list definitions of a document and the running counters of its lists."""

    levels: dict[str, dict[int, Level]] = field(default_factory=dict)  # numId → ilvl → level
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def parse(cls, root: ET.Element | None, styles: dict[str, tuple[str | None, str | None]]) -> Numbering:
        if root is None:
            return cls()
        abstract = {a.get(W + "abstractNumId"): a for a in root.iter(W + "abstractNum")}
        nums: dict[str | None, ET.Element] = {}
        for num in root.iter(W + "num"):
            nums.setdefault(num.get(W + "numId"), num)  # the first of an id, as a lookup finds it
        levels: dict[str, dict[int, Level]] = {}
        for num in root.iter(W + "num"):
            definition = abstract.get(_val(num.find(W + "abstractNumId")))
            linked = None if definition is None else _val(definition.find(W + "numStyleLink"))
            if linked and styles.get(linked, (None, None))[0]:  # a list style: its numId holds the levels
                target = nums.get(styles[linked][0])
                definition = abstract.get(_val(target.find(W + "abstractNumId"))) if target is not None else None
            lvls = [] if definition is None else definition.iter(W + "lvl")
            by_level = {int(lvl.get(W + "ilvl", "0")): _level(lvl) for lvl in lvls}
            for override in num.iter(W + "lvlOverride"):
                ilvl = int(override.get(W + "ilvl", "0"))
                if (lvl := override.find(W + "lvl")) is not None:
                    by_level[ilvl] = _level(lvl)
                if (start := override.find(W + "startOverride")) is not None:
                    by_level[ilvl] = replace(by_level.get(ilvl, Level()), start=int(_val(start, "1")))
            if (num_id := num.get(W + "numId")) is not None:  # a list without an id cannot be referred to
                levels[num_id] = by_level
        return cls(levels)

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the list ``num_id`` at level ``ilvl`` and return the printed number with its suffix."""
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper, level in levels.items():
            if deeper > ilvl and deeper in counters and (level.restart is None or ilvl < level.restart):
                del counters[deeper]
        text = levels[ilvl].text
        for shown in range(len(levels) - 1, -1, -1):
            if f"%{shown + 1}" in text and shown in levels:
                value = counters.get(shown, levels[shown].start)
                fmt = "decimal" if levels[ilvl].legal else levels[shown].fmt
                text = text.replace(f"%{shown + 1}", format_number(value, fmt))
        # A bullet carries no number the parser needs, and its glyph is often a Symbol-font code point.
        return text + levels[ilvl].suffix if text and levels[ilvl].fmt != "bullet" else ""


def _styles(root: ET.Element | None) -> dict[str, tuple[str | None, str | None]]:
    """styleId → (numId, ilvl) of the paragraph styles that carry list numbering (via basedOn)."""
    if root is None:
        return {}
    own: dict[str, tuple[str | None, str | None]] = {}
    based: dict[str, str | None] = {}
    for style in root.iter(W + "style"):
        sid = style.get(W + "styleId")
        if sid is None:  # a style without an id: no paragraph or style can name it
            continue
        num_pr = style.find(f"{W}pPr/{W}numPr")
        if num_pr is not None:
            own[sid] = (_val(num_pr.find(W + "numId")), _val(num_pr.find(W + "ilvl")))
        based[sid] = _val(style.find(W + "basedOn"))
    found: dict[str, tuple[str | None, str | None] | None] = {}  # each style walked once (chains may be long)
    for sid in based:
        chain: dict[str, None] = {}
        current: str | None = sid
        while current and current not in own and current not in found and current not in chain:
            chain[current] = None
            current = based.get(current)
        result = own.get(current) if current in own else found.get(current) if current else None
        found.update(dict.fromkeys(chain, None if current in chain else result))
        found[sid] = None if current in chain else result
    return {sid: numbering for sid, numbering in found.items() if numbering is not None and sid in based}


def _preorder(
    elements: Iterable[ET.Element], below: Callable[[ET.Element], Iterable[ET.Element] | None]
) -> Iterator[ET.Element]:
    """``elements`` and what lies below them, depth first in document order, without recursion (a
    file may nest content controls or text boxes hundreds deep). ``below(element)`` gives what to
    visit under an element once it has been yielded (None: nothing)."""
    pending: list[Iterator[ET.Element]] = [iter(elements)]
    while pending:
        element = next(pending[-1], None)
        if element is None:
            pending.pop()
            continue
        yield element
        if (under := below(element)) is not None:
            pending.append(iter(under))


_RUN_MARKS = {W + "tab": "\t", W + "ptab": "\t", W + "br": "\n", W + "cr": "\n", W + "noBreakHyphen": "-"}


def _visible_children(element: ET.Element) -> ET.Element | None:
    """Below a paragraph's element, what the reader sees: not hidden subtrees, not a hidden run,
    not a nested paragraph (a text box, read as its own paragraph)."""
    tag = element.tag
    if tag in _HIDDEN or tag == W + "p" or (tag == W + "r" and element.find(f"{W}rPr/{W}vanish") is not None):
        return None
    return element


def _run_text(paragraph: ET.Element) -> str:
    out: list[str] = []
    for element in _preorder(paragraph, _visible_children):
        if element.tag == W + "t":
            out.append(element.text or "")
        elif element.tag in _RUN_MARKS:
            out.append(_RUN_MARKS[element.tag])
    return "".join(out)


def _text_boxes(element: ET.Element) -> Iterator[ET.Element]:
    """The text boxes drawn in a paragraph (not the duplicate of a compatibility fallback)."""
    skipped = (W + "txbxContent", _MC_FALLBACK)
    for inner in _preorder(element, lambda e: None if e.tag in skipped else e):
        if inner.tag == W + "txbxContent":
            yield inner


# Body-level elements whose children are read as body content.
_CONTAINERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"}


def _block_children(element: ET.Element) -> Iterable[ET.Element] | None:
    """What is read under a body-level element: a paragraph's text boxes' content (after the
    paragraph), a table's cells' content row by row, a container's children."""
    if element.tag == W + "p":
        return (child for box in _text_boxes(element) for child in box)
    if element.tag == W + "tbl":
        return (child for row in element.findall(W + "tr") for cell in row.findall(W + "tc") for child in cell)
    return element if element.tag in _CONTAINERS else None


class _Reader:
    def __init__(self, numbering: Numbering, styles: dict[str, tuple[str | None, str | None]]):
        self.numbering, self.styles = numbering, styles

    def block(self, elements: Iterable[ET.Element]) -> list[str]:
        """The lines of body-level elements in document order."""
        return [self.paragraph(e) for e in _preorder(elements, _block_children) if e.tag == W + "p"]

    def paragraph(self, p: ET.Element) -> str:
        text = _run_text(p)
        num_id, ilvl = self.list_of(p)
        label = self.numbering.label(num_id, ilvl) if num_id and num_id != "0" else ""
        return label + text if text.strip() else text

    def list_of(self, p: ET.Element) -> tuple[str | None, int]:
        style = _val(p.find(f"{W}pPr/{W}pStyle"))
        num_id, ilvl = self.styles.get(style, (None, None)) if style else (None, None)
        num_pr = p.find(f"{W}pPr/{W}numPr")
        if num_pr is not None:
            num_id = _val(num_pr.find(W + "numId"), num_id)
            ilvl = _val(num_pr.find(W + "ilvl"), ilvl)
        return num_id, int(ilvl or 0)


def _checked_part(
    archive: zipfile.ZipFile, name: str, path: Path | str, settings: ParseSettings, whole: bool = False
) -> zipfile.ZipInfo | None:
    """The entry ``name`` of the archive (None if absent), refused before it is unpacked when it
    would unpack to more than the limit (of a part read ``whole`` into memory, or as a stream) or
    is packed more tightly than any text (a zip bomb). zipfile never unpacks more than the size the
    archive declares."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    limit, setting = (
        (settings.max_style_part_bytes, "max_style_part_bytes")
        if whole
        else (settings.max_part_bytes, "max_part_bytes")
    )
    if info.file_size > limit:
        raise UserError(
            path,
            f"{name} would unpack to {info.file_size:,} bytes (the limit is {limit:,}): a zip bomb or not a "
            f"plan (raise ParseSettings.{setting} in analysis/settings.py if this is a real plan)",
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_FLOOR_BYTES and ratio > settings.max_part_ratio:
        raise UserError(
            path,
            f"{name} is packed {ratio:,.0f} times (a zip bomb; the limit is {settings.max_part_ratio:g} times, "
            "ParseSettings.max_part_ratio in analysis/settings.py)",
        )
    return info


def _part(archive: zipfile.ZipFile, name: str, path: Path | str, settings: ParseSettings) -> ET.Element | None:
    info = _checked_part(archive, name, path, settings, whole=True)
    return None if info is None else ET.fromstring(archive.read(info))


def _body_lines(
    archive: zipfile.ZipFile, path: Path | str, reader: _Reader, settings: ParseSettings
) -> list[str] | None:
    """The lines of ``word/document.xml``'s body (None when there is no body), read as a stream:
    each body-level element is read and dropped as soon as it ends, so memory holds one of them,
    and reading stops once the text passes ``settings.max_text_chars``."""
    info = _checked_part(archive, "word/document.xml", path, settings)
    if info is None:
        return None
    lines: list[str] = []
    chars, depth, body = 0, 0, None
    with archive.open(info) as part:
        for event, element in ET.iterparse(part, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 2 and body is None and element.tag == W + "body":
                    body = element
                continue
            depth -= 1
            if element is body:
                break
            if body is None or depth != 2:
                continue
            found = reader.block([element])
            body.clear()  # the element is read: drop it
            lines.extend(found)
            chars += sum(len(line) + 1 for line in found)  # each line and the line break after it
            if chars - 1 > settings.max_text_chars:
                raise UserError(path, text_too_long(chars - 1, settings.max_text_chars, at_least=True))
    return None if body is None else lines


def read_docx(path: Path | str, settings: ParseSettings | None = None) -> str:
    """The visible text of a ``.docx``: one line per paragraph (table cells row by row)."""
    settings = settings or ParseSettings()
    try:
        with zipfile.ZipFile(path) as archive:
            styles = _styles(_part(archive, "word/styles.xml", path, settings))
            numbering = Numbering.parse(_part(archive, "word/numbering.xml", path, settings), styles)
            lines = _body_lines(archive, path, _Reader(numbering, styles), settings)
    except (zipfile.BadZipFile, ET.ParseError, EOFError) as exc:
        raise UserError(path, f"this Word file is damaged and cannot be read ({exc})") from None
    if lines is None:
        raise UserError(path, "this zip archive has no Word document body (word/document.xml)")
    text = "\n".join(lines)
    if not text.strip():
        raise UserError(path, "the Word file holds no text")
    return text
