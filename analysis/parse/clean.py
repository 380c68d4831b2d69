"""Clean a decoded document into paragraphs fit for parsing, keeping a map back to the raw text.

Every edit (width normalisation, markup removal, boilerplate removal, joining of hard line
breaks, and of a marker printed alone on its line to the heading on the next line: ``一、`` then
``深入打好污染防治攻坚战``) goes through :class:`MappedText`, which records for each clean
character the raw span it came from. So any span found in the clean text can be reported as ``raw[char_start:char_end]``.

A text in traditional script is converted to simplified character for character (the parser's
cues are simplified; offsets are unchanged), Taiwan vocabulary phrase by phrase where the text
prints it (``最佳化`` → ``优化``, each phrase mapping to its raw span), and pinyin that mirror sites
inject after characters (``開(kāi)展(zhǎn)``) is removed: see :mod:`analysis.parse.script`. List bullets
opening a line are removed, and tables written with pipes or one row per line are brought to one
cell per line (:mod:`analysis.parse.text_tables`).

Damage (encoding damage, HTML remnants, broken hierarchy markers) is measured on the raw text
and kept as raw spans, so that tasks and targets touching it can be flagged.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from analysis.parse.framing import REPOST_CUE
from analysis.parse.script import looks_traditional, pinyin_spans, simplified_edits
from analysis.parse.tables import find_tables
from analysis.parse.text_tables import EDGE_PIPE, INNER_PIPE, PIPE_LINE, row_breaks
from analysis.settings import ParseSettings
from analysis.text.attribution import ROLES, find_attributions

# --- character classes -------------------------------------------------------------------------

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’《》〔〕…—·"
_CJK_CHAR = re.compile(f"[{CJK}]")

# Full-width ASCII variants (！ to ～, but not the question mark, whose half-width form marks
# encoding damage in scraped copies) and the ideographic space map one-to-one to ASCII.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if code != 0xFF1F}
_WIDTH_TABLE.update({0x3000: 0x20, 0x00A0: 0x20})

# --- hierarchy markers (on clean, width-normalised paragraphs) --------------------------------

PART_MARKER = re.compile(r"([一二三四五六七八九十]{1,3})[、.]")
# "(?" is a section marker whose number was eaten by encoding damage.
SECTION_MARKER = re.compile(r"\((?:([一二三四五六七八九十]{1,3})\)|(\?)(?=[^\s)?]))")
# An item number is not followed by a digit (1.5万吨 is a decimal) unless a date follows (1.2024年底前…).
# One of four digits or more (item 1000, item 10000 of a long plan) is followed by text only, and is
# an item only where it continues the numbering (structure.py): 2024. or 2024、 is more often a year.
ITEM_MARKER = re.compile(r"(\d{1,3}|[1-9]\d{3,}(?=[.、](?![\d年月日])))[.、](?:(?!\d)|(?=20\d{2}年|\d{1,2}月))")


def starts_with_marker(line: str) -> bool:
    """True if a (stripped) line opens a part, a section or a numbered item."""
    return bool(PART_MARKER.match(line) or SECTION_MARKER.match(line) or ITEM_MARKER.match(line))


# --- damage ------------------------------------------------------------------------------------

# A half-width '?' glued to text (not an English question mark before a space), the Unicode
# replacement character, HTML tag or entity remnants, and '(?' where a section number was eaten.
_DAMAGE_PATTERNS: dict[str, re.Pattern[str]] = {
    "replacement_char": re.compile(r"\ufffd+|\?+(?=[^\s?a-zA-Z])|(?<=[^\x00-\x7f])\?+"),
    "html_remnant": re.compile(
        r"(?<!<)[^<]?/(?:p|td|th|tr|div|span|strong|font|a|li|b|em|h\d)>"
        r"|(?<!&)(?:ldquo|rdquo|lsquo|rsquo|middot|mdash|ndash|hellip|nbsp|quot);"
        r"|(?<!<)[^<\s]?(?:br|span|font|a|div|img)(?:\s+[a-z-]+=\"[^\"]*\")+\s*/?>|[^<\s]br/?>"
    ),
    "broken_marker": re.compile(r"^[ \t]*[(（]\?", re.MULTILINE),
}


@dataclass(frozen=True)
class Damage:
    """A damaged raw span and what kind of damage it is."""

    start: int
    end: int
    kind: str


def find_damage(raw: str) -> list[Damage]:
    """Every damaged span of the raw text, in order.

    Intact HTML (``<p>``, ``&ldquo;``) is markup, not damage; only the remnants left when
    encoding damage ate the ``<`` or ``&`` count.
    """
    found = [
        Damage(m.start(), m.end(), kind) for kind, pattern in _DAMAGE_PATTERNS.items() for m in pattern.finditer(raw)
    ]
    return sorted(found, key=lambda d: (d.start, d.end, d.kind))


# --- the offset-keeping text -------------------------------------------------------------------


class MappedText:
    """A string whose every character knows the raw span ``[start[i], end[i])`` it came from."""

    __slots__ = ("end", "raw_length", "start", "text")

    def __init__(self, text: str, start: np.ndarray, end: np.ndarray, raw_length: int):
        self.text, self.start, self.end, self.raw_length = text, start, end, raw_length

    @classmethod
    def from_raw(cls, raw: str) -> MappedText:
        dtype = np.int32 if len(raw) < 2**31 - 1 else np.int64
        start = np.arange(len(raw), dtype=dtype)
        return cls(raw, start, start + 1, len(raw))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span covered by clean characters ``[start, end)``."""
        if end <= start:
            pos = int(self.start[start]) if start < len(self.text) else self.raw_length
            return pos, pos
        return int(self.start[start]), int(self.end[end - 1])

    def translate(self, table: dict[int, int]) -> MappedText:
        """Replace characters one for one (offsets are unchanged)."""
        return MappedText(self.text.translate(table), self.start, self.end, self.raw_length)

    def edit(self, edits: Iterable[tuple[int, int, str]]) -> MappedText:
        """Apply non-overlapping ``(start, end, replacement)`` edits given in order.

        A replacement of the same length maps character for character; otherwise every new
        character maps to the whole replaced raw span.
        """
        texts: list[str] = []
        starts: list[np.ndarray] = []
        ends: list[np.ndarray] = []
        pos = 0
        for a, b, replacement in edits:
            texts.append(self.text[pos:a])
            starts.append(self.start[pos:a])
            ends.append(self.end[pos:a])
            if replacement:
                if len(replacement) == b - a:
                    starts.append(self.start[a:b])
                    ends.append(self.end[a:b])
                else:
                    lo, hi = self.raw_span(a, b)
                    starts.append(np.full(len(replacement), lo, dtype=self.start.dtype))
                    ends.append(np.full(len(replacement), hi, dtype=self.end.dtype))
                texts.append(replacement)
            pos = b
        if pos == 0 and not texts:
            return self
        texts.append(self.text[pos:])
        starts.append(self.start[pos:])
        ends.append(self.end[pos:])
        return MappedText("".join(texts), np.concatenate(starts), np.concatenate(ends), self.raw_length)

    def sub(self, pattern: re.Pattern[str], replacement: str | Callable[[re.Match[str]], str]) -> MappedText:
        """Like :func:`re.sub`, keeping offsets; matches replaced by themselves are not edits."""
        edits = []
        for m in pattern.finditer(self.text):
            new = replacement(m) if callable(replacement) else replacement
            if new != m.group(0):
                edits.append((m.start(), m.end(), new))
        return self.edit(edits) if edits else self


# --- markup ------------------------------------------------------------------------------------

_HTML_PAGE = re.compile(r"<(?:html|body|p|div|br|table|span)\b", re.IGNORECASE)
_HTML_SKIP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|div|br|tr|li|h[1-6]|table|section|article|ul|ol)\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]{1,500}>")
_HTML_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
# Remnants in damaged scrapes: the '<' or '&' was eaten together with the character before it.
_TAG_REMNANT = re.compile(r"(?<!<)[^<]?/(?:p|td|th|tr|div|span|strong|font|a|li|b|em|h\d)>|[^<\s]?br/?>")
_ATTRIBUTE_REMNANT = re.compile(r"\S?(?:span|font|a|div|img)(?:\s+[a-z-]+=\"[^\"]*\")+\s*/?>")
_ENTITY_NAMES = "ldquo|rdquo|lsquo|rsquo|middot|mdash|ndash|hellip|nbsp|amp|quot|lt|gt"
# A remnant's name stands alone: not the end of a word (default;) nor of an entity (&amp;lt; is "&lt;").
_ENTITY_REMNANT = re.compile(rf"&({_ENTITY_NAMES});|(?<![A-Za-z0-9;&])({_ENTITY_NAMES});")
_ENTITY_OR_REMNANT = re.compile(f"{_HTML_ENTITY.pattern}|{_ENTITY_REMNANT.pattern}")
_ENTITY_CHARS = {
    "ldquo": "“",
    "rdquo": "”",
    "lsquo": "‘",
    "rsquo": "’",
    "middot": "·",
    "mdash": "—",
    "ndash": "–",
    "hellip": "…",
    "nbsp": " ",
    "amp": "&",
    "quot": '"',
    "lt": "<",
    "gt": ">",
}
# A list bullet opening a line (a web page's <li> or a markdown list): never text, and it hides the
# hierarchy marker after it (• 一、总体目标).
_LIST_BULLET = re.compile(r"^[ \t]*(?:[•·●○◆◇■□▪▫►▶➢➤√✓][ \t]*|[-*+][ \t]+(?=[^\s\d-]))", re.MULTILINE)
_WORD_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_MARKDOWN_BOLD = re.compile(r"\*\*|__")
_MARKDOWN_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]*", re.MULTILINE)
_CARRIAGE_RETURN = re.compile(r"\r\n?")


def looks_like_html_page(raw: str) -> bool:
    return len(_HTML_PAGE.findall(raw[:200_000])) >= 3


def strip_markup(doc: MappedText, html_page: bool) -> MappedText:
    """Remove HTML (a whole page, or the remnants of one in a scrape), bookmarks, markdown bold
    marks and heading hashes; then decode entities, in one last pass, to text: what they decode
    to (``&lt;b&gt;`` → ``<b>``, ``&amp;lt;`` → ``&lt;``) is never read as markup again."""
    doc = doc.sub(_CARRIAGE_RETURN, "\n")
    if html_page:
        doc = doc.sub(_HTML_SKIP, "").sub(_HTML_BLOCK_TAG, "\n").sub(_HTML_TAG, "")
    doc = doc.sub(_TAG_REMNANT, "").sub(_ATTRIBUTE_REMNANT, "")
    doc = doc.sub(_WORD_BOOKMARK, "").sub(_MARKDOWN_BOLD, "").sub(_MARKDOWN_HEADING, "")
    return doc.sub(_ENTITY_OR_REMNANT if html_page else _ENTITY_REMNANT, _entity_text)


def _one_cell_per_line(doc: MappedText) -> MappedText:
    """Tables written with pipes or one row per line brought to one cell per line
    (:mod:`analysis.parse.text_tables`)."""
    if "|" in doc.text:
        doc = doc.sub(PIPE_LINE, "").sub(EDGE_PIPE, "").sub(INNER_PIPE, "\n")
    return doc.edit(row_breaks(doc.text))


def _entity_text(m: re.Match[str]) -> str:
    name = next((group for group in m.groups() if group), None)
    return _ENTITY_CHARS[name] if name else html.unescape(m.group(0))


# --- boilerplate -------------------------------------------------------------------------------

# Phrases of web-page chrome, download-site footers and copyright notices: a line holding one is
# not part of the document (unless it opens a hierarchy marker or is a long body paragraph).
STRONG_BOILERPLATE_CUES = (
    "本文内容来自",
    "来自网络",
    "搜集整理",
    "如有任何异议",
    "酌情处理",
    "当前位置",
    "您的位置",
    "扫描二维",
    "二维码",
    "扫码",
    "放大字体",
    "缩小字体",
    "浏览次数",
    "阅读次数",
    "点击数",
    "核心提示",
    "发布文号",
    "发布日期",
    "生效日期",
    "废止日期",
    "有效性",
    "版权",
    "转载",
    "凡本网",
    "本网站",
    "邮箱",
    "电询",
    "联系电话",
    "传真",
    "联系我们",
    "关于我们",
    "广告业务",
    "关闭窗口",
    "加入收藏",
    "告诉好友",
    "点击排行",
    "打印本文",
    "打印本页",
    "上一篇",
    "下一篇",
    "相关阅读",
    "责任编辑",
    "ICP备",
    "阅读全文",
    "展开全文",
    "查看全文",
    "查看更多",
    "先登录",
    "先登陆",
    "公网安备",
    "网站标识码",
    "地址:",
    "技术支持",
    "Processed in",
    "Copyright",
    "©",
)
# Short labels of the same chrome: only a short line holding one is dropped.
WEAK_BOILERPLATE_CUES = (
    "首页",
    "分享",
    "发布单位",
    "属性",
    "备注",
    "标签",
    "地区",
    "声明",
    "推荐",
    "浏览",
    "来源",
    "字号",
    "打印",
    "收藏",
    "返回顶部",
)
# Closing matter after a plan's last block (not part of its last task): an attachment's header,
# the distribution list, a publication note, a contact line, the printing colophon.
BACK_MATTER = re.compile(
    r"^(?:附件\s*(?:\d|[:：]|$)|抄送|抄报|\(?此件|主动公开|公开方式|联系人\s*[:：])|\d{4}年\d{1,2}月\d{1,2}日印发$"
)
# A printed page number: "- 3 -", "— 3 —", "第3页", "第 3 页 共 12 页", "3/12" (after width folding).
PAGE_NUMBER = re.compile(r"^[-—–―~·\s]*(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*(?:/|共)\s*\d{1,4}\s*页?)?[-—–―~·\s]*$")
_SENTENCE_PUNCT = re.compile(r"[。,;:，；：]")


def _is_boilerplate_line(line: str, settings: ParseSettings) -> bool:
    stripped = line.strip()
    if not stripped or starts_with_marker(stripped):
        return False
    if len(stripped) <= settings.strong_cue_max_line and any(cue in stripped for cue in STRONG_BOILERPLATE_CUES):
        return True
    if len(stripped) <= settings.weak_cue_max_line and any(cue in stripped for cue in WEAK_BOILERPLATE_CUES):
        return True
    if PAGE_NUMBER.match(stripped):
        return True
    # page numbers ("- 3 -"), stray ASCII (site names, counters): no Chinese at all
    return len(stripped) <= settings.ascii_line_max and not _CJK_CHAR.search(stripped)


def _is_chrome_fragment(line: str, settings: ParseSettings) -> bool:
    """A short line without sentence punctuation: a menu entry, a label, a footer fragment."""
    stripped = line.strip()
    return (
        len(stripped) <= settings.chrome_line_max
        and not starts_with_marker(stripped)
        and not _SENTENCE_PUNCT.search(stripped)
    )


def is_block_boundary(line: str) -> bool:
    """A (stripped) line that opens a block or the closing matter: it ends a flattened table."""
    return starts_with_marker(line) or bool(BACK_MATTER.search(line))


def table_lines(lines: list[str]) -> set[int]:
    """Indices of the lines of flattened tables (see :mod:`analysis.parse.tables`): kept as they are."""
    return {i for table in find_tables(lines, is_block_boundary) for i in table.indices}


def boilerplate_lines(lines: list[str], settings: ParseSettings) -> list[bool]:
    """Mark boilerplate lines: cue lines, repeats in the body of a short unpunctuated line of the
    front matter (running headers: the title or the issuer), then runs of chrome fragments fenced
    in by boilerplate.

    A run of short unpunctuated lines between two dropped lines (or a dropped line and the end
    of the text) is page chrome too: navigation menus, footer fragments.
    """
    in_table = table_lines(lines)  # short unpunctuated cells and bare serial numbers are not chrome
    dropped = [_is_boilerplate_line(line, settings) and i not in in_table for i, line in enumerate(lines)]
    first_marker = next((i for i, line in enumerate(lines) if starts_with_marker(line.strip())), len(lines))
    heading_lines = {
        line.strip()
        for line in lines[:first_marker]
        if _is_chrome_fragment(line, settings) and len(line.strip()) <= settings.running_header_max
    }
    for i in range(first_marker, len(lines)):  # a running header: the title or issuer printed again on each page
        if lines[i].strip() in heading_lines and i not in in_table:
            dropped[i] = True
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not any(dropped):
        return dropped
    run: list[int] = []
    left_fence = "kept"  # the start of a document is its title, not chrome
    for at in [*content, None]:
        if at is not None and not dropped[at] and _is_chrome_fragment(lines[at], settings) and at not in in_table:
            run.append(at)
            continue
        right_fence = "edge" if at is None else ("dropped" if dropped[at] else "kept")
        if run and "kept" not in (left_fence, right_fence) and "dropped" in (left_fence, right_fence):
            for j in run:
                dropped[j] = True
        run = []
        left_fence = right_fence
    return dropped


# A "read more" control: a page that prints it after the plan has begun shows no more of the plan.
READ_MORE = re.compile(r"^[\s(（]*(?:点击)?(?:阅读|查看|展开)(?:剩余)?全文[\s)）>»]*$")


def _cut_at_read_more(lines: list[str], dropped: list[bool]) -> list[bool]:
    """Every line from a read-more control on dropped, when a hierarchy marker precedes it."""
    seen_marker = False
    for i, line in enumerate(lines):
        seen_marker = seen_marker or starts_with_marker(line.strip())
        if seen_marker and READ_MORE.match(line):
            return dropped[:i] + [True] * (len(lines) - i)
    return dropped


def drop_boilerplate(doc: MappedText, settings: ParseSettings) -> MappedText:
    lines = doc.text.split("\n")
    edits, pos = [], 0
    for line, drop in zip(lines, _cut_at_read_more(lines, boilerplate_lines(lines, settings))):
        if drop:
            edits.append((pos, pos + len(line), ""))
        pos += len(line) + 1
    return doc.edit(edits)


# --- line breaks and spaces --------------------------------------------------------------------

_NEWLINE_RUN = re.compile(r"[ \t\f\v]*\n[\s]*")
_LINE_END_TERMINAL = tuple("。！？!?")
_TITLE_ENDINGS = ("要点", "通知", "方案", "计划", "意见", "办法", "规划", "报告")
_SPACE_NEAR_CJK = re.compile(f"(?<=[{CJK}])[ \\t\\f\\v]+|[ \\t\\f\\v]+(?=[{CJK}])")
_EDGE_SPACE = re.compile(r"^[ \t\f\v]+|[ \t\f\v]+$", re.MULTILINE)
_EMPTY_EDGES = re.compile(r"^\n+|\n+$")


def _is_bare_marker(line: str) -> bool:
    m = PART_MARKER.match(line) or SECTION_MARKER.match(line) or ITEM_MARKER.match(line)
    return m is not None and m.end() == len(line)


def is_wrapped(previous: str, following: str, settings: ParseSettings) -> bool:
    """Whether a line break between two stripped lines is a hard wrap inside a sentence."""
    if not previous or not following or starts_with_marker(following) or BACK_MATTER.search(following):
        return False
    if _is_bare_marker(previous):
        return True  # "一、" alone on its line: its heading is on the next line
    if (
        previous.endswith(_LINE_END_TERMINAL)
        or previous.endswith(_TITLE_ENDINGS)
        or _ends_with_attribution(previous, settings.attribution_tail)
        or REPOST_CUE.search(previous)  # 原文如下: the plan follows on its own line
    ):
        return False
    if starts_with_marker(previous) and len(previous) <= settings.heading_max and "。" not in previous:
        return False
    return len(previous) >= settings.wrapped_line_min


# Where a marker opens a block inside a line: after spaces, or after the end of a sentence or bracket.
_INLINE_MARKER = re.compile(
    r"(?:(?<=[。;)])[ \t\u3000]*|[ \t\u3000]+)(?=[一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|\d{1,3}[.、](?!\d))"
)


def _ends_with_attribution(line: str, reach: int) -> bool:
    """A line closed by an attribution (a bracket, or a role line, opening at most ``reach``
    characters before the line's end) ends its paragraph."""
    tail = line[-reach:]
    if not tail.endswith((")", "】", "]")) and not any(role in tail for role in ROLES):
        return False  # the cheap test first: this runs at every line break
    found = find_attributions(tail)
    return bool(found) and found[-1].end == len(tail)


def join_wrapped_lines(doc: MappedText, settings: ParseSettings) -> MappedText:
    """Join PDF hard line breaks (and page breaks) inside sentences; one newline per paragraph.
    The cells of a flattened table stay one per line."""
    text = doc.text
    lines = text.split("\n")
    line_starts = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]]).tolist()
    table_starts = {line_starts[i] for i in table_lines(lines)}
    line_index = {start: i for i, start in enumerate(line_starts)}

    def line_above(line_start: int) -> str:
        """The last non-blank line before the line that starts at ``line_start``."""
        i = line_index.get(line_start, 0) - 1
        while i >= 0 and not lines[i].strip():
            i -= 1
        return lines[i].strip() if i >= 0 else ""

    def decide(m: re.Match[str]) -> str:
        line_start = text.rfind("\n", 0, m.start()) + 1
        next_end = text.find("\n", m.end())
        previous = text[line_start : m.start()].strip()
        following = text[m.end() : len(text) if next_end < 0 else next_end].strip()
        if table_starts and (line_start in table_starts or text.rfind("\n", 0, m.end()) + 1 in table_starts):
            return "\n"
        if previous and not starts_with_marker(previous) and _is_bare_marker(above := line_above(line_start)):
            previous = above + previous  # joined to its bare marker
        return "" if is_wrapped(previous, following, settings) else "\n"

    doc = doc.sub(_NEWLINE_RUN, decide)
    doc = doc.sub(_SPACE_NEAR_CJK, "").sub(_EDGE_SPACE, "")
    return doc.sub(_EMPTY_EDGES, "")


# --- the whole cleaning step -------------------------------------------------------------------


@dataclass(frozen=True)
class CleanDocument:
    """A cleaned document: paragraphs separated by ``\\n``, the offset map, and its damage."""

    raw: str
    mapped: MappedText
    damage: list[Damage] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.mapped.text

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.mapped.raw_span(start, end)

    def paragraphs(self) -> list[tuple[int, int]]:
        """Clean-text spans of the non-empty paragraphs."""
        spans, pos = [], 0
        for line in self.text.split("\n"):
            if line:
                spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans

    @cached_property
    def _damage_index(self) -> tuple[np.ndarray, np.ndarray]:
        starts = np.array([d.start for d in self.damage], dtype=np.int64)
        reach = np.maximum.accumulate(np.array([d.end for d in self.damage], dtype=np.int64)) if self.damage else starts
        return starts, reach

    def damaged_between(self, raw_start: int, raw_end: int) -> bool:
        """True if any damage touches the raw span (a glued '?' right after it counts)."""
        starts, reach = self._damage_index
        last = int(np.searchsorted(starts, raw_end + 1, side="left")) - 1
        return last >= 0 and bool(reach[last] > raw_start)


def clean(raw: str, settings: ParseSettings) -> CleanDocument:
    """Clean a raw document: markup, width, boilerplate, hard line breaks, spaces."""
    doc = MappedText.from_raw(raw)
    doc = strip_markup(doc, looks_like_html_page(raw))
    doc = doc.translate(_WIDTH_TABLE)
    if looks_traditional(doc.text):  # characters 1:1; Taiwan phrases map to their raw span
        doc = doc.edit(simplified_edits(doc.text))
    doc = doc.edit((a, b, "") for a, b in pinyin_spans(doc.text))
    doc = _one_cell_per_line(doc.sub(_LIST_BULLET, ""))
    doc = drop_boilerplate(doc, settings)
    if not any(starts_with_marker(line.strip()) for line in doc.text.split("\n")):
        doc = doc.sub(_INLINE_MARKER, "\n")  # a plan scraped onto one line: its markers open paragraphs
    doc = join_wrapped_lines(doc, settings)
    return CleanDocument(raw=raw, mapped=doc, damage=find_damage(raw))
