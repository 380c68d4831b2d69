"""English for what the plans say in Chinese: curated glosses of standard heads and known task
headings, of unit names, and of measure words, from ``messages/glossary_en.csv`` (kind, zh, en).

The English edition names a plan's heading by its gloss when the heading is a known phrase and
always quotes the Chinese beside it (inside ``lang="zh"``). A heading the glossary does not know
(most task headings of a new plan) is labelled with the topics its own words name, from the topic
lexicon (:func:`heading_topics`: what it is about, not a translation); a unit it has no gloss for
is quoted as Chinese. :func:`chinese_share` measures what is left: the share of a page's visible characters
outside ``lang="zh"`` elements that are Chinese.
"""

from __future__ import annotations

import csv
import functools
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from analysis.text.topics import TopicLexicon, load_topics

GLOSSARY = Path(__file__).resolve().parent / "messages" / "glossary_en.csv"
KINDS = ("head", "unit", "measure")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A heading's own numbering and closing stop: 一、 (二) （三） 1. 2、 and a trailing 。
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．])\s*")
# What joins the units of one task: 、 ; ， and 会同 (X together with Y).
_UNIT_SEPARATORS = re.compile(r"[、;；,，]|会同")


@functools.cache
def glossary() -> dict[str, dict[str, str]]:
    """``{kind: {zh: en}}`` of the curated glossary."""
    table: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    with GLOSSARY.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table[row["kind"]][row["zh"]] = row["en"]
    return table


def bare_heading(heading: str) -> str:
    """A heading without its numbering, spaces and closing stop: ``(二)重要目标。`` → ``重要目标``."""
    return _NUMBERING.sub("", str(heading)).strip().rstrip("。.：:").strip()


def gloss_heading(heading: str) -> str:
    """The English of a known heading (a standard head or a known phrase), ``""`` otherwise."""
    return glossary()["head"].get(bare_heading(heading), "")


@functools.cache
def _topic_lexicon() -> TopicLexicon:
    return load_topics()


def heading_topics(heading: str) -> list[str]:
    """The English names of the topics a heading's own words name (``深入打好碧水保卫战`` → Water),
    the most named first (ties in the topic lexicon's order); none when its words name no topic."""
    lexicon = _topic_lexicon()
    counts = lexicon.counts([bare_heading(heading)]).toarray()[0]
    named = sorted(np.flatnonzero(counts).tolist(), key=lambda k: -counts[k])  # a stable sort
    return [lexicon.names_en[k] for k in named]


def gloss_unit(unit: str) -> str:
    """The English of one unit's name, ``""`` when the glossary does not know it."""
    return glossary()["unit"].get(str(unit).strip(), "")


def split_units(units: str) -> list[str]:
    """The unit names of a task's ``lead_units`` / ``responsible_units`` text, in order."""
    return [u.strip() for u in _UNIT_SEPARATORS.split(str(units or "")) if u.strip()]


def gloss_measure(measure: str) -> str:
    """The English of a target's measure word (个, 吨, 微克/立方米); the measure itself when it is
    not Chinese or not known (a number is never dropped for want of a word)."""
    measure = str(measure or "")
    return glossary()["measure"].get(measure, measure)


class _VisibleText(HTMLParser):
    """Characters a reader sees, split by whether they sit inside a ``lang="zh…"`` element."""

    _SKIP = frozenset({"script", "style", "template", "title", "head"})
    _VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr", "col", "area", "base", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # tag, inside lang="zh", hidden
        self.quoted: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self._VOID:
            return
        values = dict(attrs)
        zh, hidden = self.stack[-1][1:] if self.stack else (False, False)
        lang = values.get("lang")
        if lang is not None:
            zh = str(lang).lower().startswith("zh")
        hidden = hidden or tag in self._SKIP or "hidden" in values
        self.stack.append((tag, zh, hidden))

    def handle_endtag(self, tag) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data) -> None:
        zh, hidden = self.stack[-1][1:] if self.stack else (False, False)
        if not hidden:
            (self.quoted if zh else self.other).append(data)


def chinese_share(page_html: str) -> float:
    """Share of the visible non-space characters outside ``lang="zh"`` elements that are Chinese
    (a Chinese page's ``<html lang="zh-CN">`` puts all of it inside)."""
    parser = _VisibleText()
    parser.feed(page_html)
    text = re.sub(r"\s+", "", "".join(parser.other))
    return len(CJK.findall(text)) / len(text) if text else 0.0


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}
_POSITION_PART = re.compile(r"[一二三四五六七八九十]+|\d+")


def _numeral(text: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23; Arabic digits as they are."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return int("".join(str(_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def english_position(path: str) -> str:
    """A task's position as English readers number it: ``三(一)4`` → ``3.1.4``, ``八(二)`` → ``8.2``;
    the path itself when it holds no number."""
    numbers = [str(_numeral(n)) for n in _POSITION_PART.findall(str(path or ""))]
    return ".".join(numbers) or str(path or "")


def chart_heading(heading: str, lang: str) -> str:
    """A part's or section's heading on a chart, whose SVG text cannot be marked as Chinese: in
    English its number and gloss (``三、重点工作安排`` → ``3. Key work arrangements``) when the
    glossary knows the phrase, the heading itself otherwise (and always in Chinese)."""
    heading = str(heading or "")
    gloss = gloss_heading(heading) if lang != "zh" else ""
    if not gloss:
        return heading
    numbering = _NUMBERING.match(heading)
    return f"{english_position(numbering.group())}. {gloss}" if numbering else gloss


def chart_unit(unit: str, lang: str) -> str:
    """A unit's name on a chart (``X会同Y``: X together with Y): in English each name's gloss when
    the glossary knows it."""
    if lang == "zh":
        return str(unit)
    return " with ".join(gloss_unit(u) or u for u in str(unit).split("会同"))
