"""Read the text of a Word ``.docx`` file with the standard library.

Plans number their parts and sections with Word's automatic list numbering, which is not in the
paragraph text: without resolving it from ``word/numbering.xml`` a plan loses every ``一、`` and
``（一）`` marker the parser needs. Tables are read row by row (unit assignment tables), tracked
deletions are dropped and insertions kept, so the text is what the reader of the final file sees.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import overload

from analysis.errors import UserError
from analysis.text.numerals import to_chinese

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Subtrees whose text the reader never sees: deletions, moved-away text, field codes, fallbacks.
_HIDDEN = {W + "del", W + "moveFrom", W + "instrText", W + "delText", W + "pPr", W + "rPr", _MC_FALLBACK}
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


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
        levels: dict[str, dict[int, Level]] = {}
        for num in root.iter(W + "num"):
            definition = abstract.get(_val(num.find(W + "abstractNumId")))
            linked = None if definition is None else _val(definition.find(W + "numStyleLink"))
            if linked and styles.get(linked, (None, None))[0]:  # a list style: its numId holds the levels
                target = root.find(f"{W}num[@{W}numId='{styles[linked][0]}']")
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
    resolved: dict[str, tuple[str | None, str | None]] = {}
    for sid in based:
        seen: set[str] = set()
        current: str | None = sid
        while current and current not in own and current not in seen:
            seen.add(current)
            current = based.get(current)
        if current in own:
            resolved[sid] = own[current]
    return resolved


def _run_text(paragraph: ET.Element) -> str:
    out: list[str] = []

    def walk(element: ET.Element) -> None:
        for child in element:
            tag = child.tag
            if tag in _HIDDEN or (tag == W + "r" and child.find(f"{W}rPr/{W}vanish") is not None):
                continue
            if tag == W + "t":
                out.append(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                out.append("\t")
            elif tag in (W + "br", W + "cr"):
                out.append("\n")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            elif tag != W + "p":  # a nested paragraph (text box) is read as its own paragraph
                walk(child)

    walk(paragraph)
    return "".join(out)


def _text_boxes(element: ET.Element):
    """The text boxes drawn in a paragraph (not the duplicate of a compatibility fallback)."""
    for child in element:
        if child.tag == W + "txbxContent":
            yield child
        elif child.tag != _MC_FALLBACK:
            yield from _text_boxes(child)


class _Reader:
    def __init__(self, numbering: Numbering, styles: dict[str, tuple[str | None, str | None]]):
        self.numbering, self.styles = numbering, styles

    def block(self, element: ET.Element) -> list[str]:
        """The lines of a body-level element in document order."""
        lines: list[str] = []
        for child in element:
            if child.tag == W + "p":
                lines.append(self.paragraph(child))
                lines.extend(line for box in _text_boxes(child) for line in self.block(box))
            elif child.tag == W + "tbl":
                for row in child.findall(W + "tr"):
                    for cell in row.findall(W + "tc"):
                        lines.extend(self.block(cell))
            elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo"):
                lines.extend(self.block(child))
        return lines

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


def _part(archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    try:
        return ET.fromstring(archive.read(name))
    except KeyError:
        return None


def read_docx(path: Path | str) -> str:
    """The visible text of a ``.docx``: one line per paragraph (table cells row by row)."""
    try:
        with zipfile.ZipFile(path) as archive:
            document = _part(archive, "word/document.xml")
            styles = _styles(_part(archive, "word/styles.xml"))
            numbering = Numbering.parse(_part(archive, "word/numbering.xml"), styles)
    except (zipfile.BadZipFile, ET.ParseError, EOFError) as exc:
        raise UserError(path, f"this Word file is damaged and cannot be read ({exc})") from None
    body = None if document is None else document.find(W + "body")
    if body is None:
        raise UserError(path, "this zip archive has no Word document body (word/document.xml)")
    text = "\n".join(_Reader(numbering, styles).block(body))
    if not text.strip():
        raise UserError(path, "the Word file holds no text")
    return text
