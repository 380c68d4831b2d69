"""The article body of a Chinese government web page, as plain text (BeautifulSoup, stdlib parser).

A saved page holds the plan inside navigation, breadcrumbs, share bars, view counters and
footers. Government sites built on the usual CMSs (TRS, 政府网站集约化 templates) put the
article in a known container (``#zoom``, ``.TRS_Editor``…); other pages fall back to a
readability-style choice: the block holding the most Chinese sentences and the fewest links.
Entities are decoded to text, so ``&lt;script&gt;`` stays the literal text ``<script>``.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag

from analysis.errors import UserError

# Article containers of government site templates, most specific first.
BODY_CONTAINERS = (
    ".TRS_UEDITOR",
    ".TRS_Editor",
    "#zoom",
    "#Zoom",
    ".zoom",
    ".Zoom",
    "#xxgk_content",
    ".xxgk_content",
    ".article-content",
    "#article-content",
    ".main-text",
    "#main-text",
    ".pages_content",
    "#pages_content",
    "#content",
    ".content",
    "article",
    ".article",
    "#article",
    ".view",
    "#view",
)
_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "nav",
    "footer",
    "form",
    "button",
    "select",
    "input",
    "textarea",
    "svg",
    "canvas",
    "object",
    "head",
    "title",
    "meta",
    "link",
}
# Class or id words of page chrome (matched as whole words of the attribute).
_CHROME_WORDS = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|position|location|share|bshare|sharebar|"
    r"footer|foot|copyright|toolbar|tools|print|sidebar|related|pagination|pager|comment|qrcode|ewm)(?:$|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "table",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "main",
    "header",
    "aside",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "dl",
    "hr",
    "center",
    "tbody",
}
_CELL_TAGS = {"td", "th"}
# Lines of chrome that can sit inside an article container.
_CHROME_LINE = re.compile(
    r"浏览次数|阅读量|阅读次数|访问量|点击数|点击量|当前位置|您现在的位置|您的位置|【打印】|【关闭】|字号[:：]"
)
_CHROME_LINE_MAX = 80
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_SENTENCE_PUNCT = re.compile(r"[。；，、：！？;]")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
# A container or fallback block with less Chinese than this is not an article.
MIN_BODY_HAN = 50
_CANDIDATE_TAGS = ("div", "section", "article", "main", "td", "body")


def _is_chrome(tag: Tag) -> bool:
    if tag.name in _SKIP_TAGS:
        return True
    words = " ".join([*tag.get_attribute_list("id"), *(tag.get("class") or [])])
    return bool(words and _CHROME_WORDS.search(words)) or tag.get("role") in ("navigation", "banner", "contentinfo")


def _prune(root: Tag) -> None:
    for tag in root.find_all(_is_chrome):
        if not tag.decomposed:
            tag.decompose()


def block_text(root: Tag) -> str:
    """The text of an element: block boundaries become newlines, cells are tab-separated (walked
    without recursion: a page may nest its elements thousands deep)."""
    out: list[str] = []
    pending = [(iter(root.children), "")]  # each open element's remaining children, and its closing boundary
    while pending:
        children, closing = pending[-1]
        child = next(children, None)
        if child is None:
            pending.pop()
            out.append(closing)
        elif isinstance(child, PreformattedString):  # comments, CDATA, doctype: not page text
            continue
        elif isinstance(child, NavigableString):
            out.append(_SPACES.sub(" ", str(child)))
        elif isinstance(child, Tag):
            boundary = "\n" if child.name in _BLOCK_TAGS else "\t" if child.name in _CELL_TAGS else ""
            out.append(boundary)
            pending.append((iter(child.children), boundary))
    lines = (line.strip(" \t\u3000\u00a0") for line in "".join(out).split("\n"))
    return "\n".join(
        line for line in lines if line and not (len(line) <= _CHROME_LINE_MAX and _CHROME_LINE.search(line))
    )


def _han(text: str) -> int:
    return len(_HAN.findall(text))


def _link_density(tag: Tag) -> float:
    text = tag.get_text()
    linked = sum(len(a.get_text()) for a in tag.find_all("a"))
    return linked / len(text) if text else 1.0


def readable_block(body: Tag) -> Tag | None:
    """The block whose paragraphs hold the most Chinese prose (readability's scoring).

    Each paragraph scores its Han characters plus a bonus per sentence mark, penalised by its
    share of link text; its parent takes the score, its grandparent half of it.
    """
    scores: dict[int, float] = {}
    tags: dict[int, Tag] = {}
    for paragraph in body.find_all(["p", "div", "td", "li", "span", "font"]):
        direct = "".join(
            str(s) for s in paragraph.find_all(string=True, recursive=False) if not isinstance(s, PreformattedString)
        )
        if paragraph.name == "p":
            direct = paragraph.get_text()
        prose = _han(direct) + 10 * len(_SENTENCE_PUNCT.findall(direct))
        if prose <= 0:  # a wrapper without text of its own (its link density would walk all it holds)
            continue
        score = prose * (1 - _link_density(paragraph))
        if score <= 0:
            continue
        for ancestor, share in ((paragraph.parent, 1.0), (paragraph.parent.parent if paragraph.parent else None, 0.5)):
            if isinstance(ancestor, Tag) and ancestor.name in _CANDIDATE_TAGS:
                scores[id(ancestor)] = scores.get(id(ancestor), 0.0) + share * score
                tags[id(ancestor)] = ancestor
    if not scores:
        return None
    return tags[max(scores, key=scores.__getitem__)]


def _containers(body: Tag):
    """The elements :data:`BODY_CONTAINERS` name, selector by selector, each selector's in page
    order: one walk over the page (a CSS query per selector would walk a page of 300,000 tags
    twenty times)."""
    found: dict[str, list[Tag]] = {selector: [] for selector in BODY_CONTAINERS}
    for tag in body.find_all(True):
        for selector in (
            tag.name,
            *(f"#{i}" for i in tag.get_attribute_list("id") if i),
            *(f".{c}" for c in tag.get("class") or []),
        ):
            if selector in found:
                found[selector].append(tag)
    for selector in BODY_CONTAINERS:
        yield from found[selector]


def read_html(html: str, where: Path | str) -> str:
    """The article text of an HTML page, one paragraph per line."""
    soup = BeautifulSoup(html, "html.parser")
    body = soup.body or soup
    _prune(body)
    for container in _containers(body):
        text = block_text(container)
        if _han(text) >= MIN_BODY_HAN:
            return text
    block = readable_block(body)
    text = block_text(block) if block is not None else ""
    if _han(text) < MIN_BODY_HAN or not _SENTENCE_PUNCT.search(text):
        raise UserError(where, "this web page has no article body (no block of Chinese prose was found)")
    return text
