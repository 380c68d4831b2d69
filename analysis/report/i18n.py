"""The reports' words: one message catalogue per language, and the plans' display names.

Every heading, sentence, label, column header, legend entry and verdict a reader sees comes from
``messages/<lang>.json`` (``zh`` by default, ``en``), looked up by key with :class:`Messages`.
Both catalogues hold the same keys (a test checks it). Plans are named for people
(湖北省2024年 / Hubei Province 2024) from the documents table: the optional manifest columns
``name_zh`` / ``name_en`` when present, otherwise region and year (the English region name from
the catalogue's ``region.<name>`` key, else from the doc id); ids stay in provenance columns.
"""

from __future__ import annotations

import functools
import json
import math
import posixpath
import re
from pathlib import Path

import pandas as pd

from analysis.report.glossary import gloss_measure

MESSAGES_DIR = Path(__file__).resolve().parent / "messages"
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}
# Where each edition lives in a site of both, from the site's root: reports/ and reports/en/.
EDITION_FOLDERS = {"zh": "", "en": "en"}
_LEVEL_WORDS = ("province", "city", "county", "district", "national")


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    return json.loads((MESSAGES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


class Messages:
    """``msg("findings.year.new", n=3, total=40, target=…)``: the catalogue's text for ``key`` in this language, formatted."""

    def __init__(self, lang: str = DEFAULT_LANG):
        self.lang = lang
        self.table = catalogue(lang)

    def __call__(self, key: str, **values) -> str:
        text = self.table[key]
        return text.format(**values) if values else text

    def get(self, key: str, default: str = "") -> str:
        return self.table.get(key, default)

    def relation(self, relation: str) -> str:
        return self.table.get(f"relation.{relation}", relation)

    def verdict(self, verdict: str) -> str:
        return self.table.get(f"verdict.{verdict}", verdict) if verdict else ""

    # numbers as people read them
    def integer(self, value) -> str:
        if _missing(value):
            return ""
        number = round(float(value))
        return f"{number:,}" if self.lang == "en" else f"{number}"

    def ratio(self, value) -> str:
        return "" if _missing(value) else f"{float(value):.2f}"

    def share(self, value) -> str:
        return "" if _missing(value) else f"{float(value) * 100:.0f}%"

    def points(self, value) -> str:
        """A change in percentage points, signed."""
        return "" if _missing(value) else self("unit.pp", value=_signed(value))

    def value(self, value, unit: str = "") -> str:
        """A target's value with its measure: 7个, 46.58%; in English 7, 46.58%, 35 μg/m³."""
        if _missing(value):
            return ""
        if self.lang == "zh" or unit in ("", "%", "‰"):
            return f"{float(value):g}{unit}"
        measure = gloss_measure(unit)
        return f"{float(value):g} {measure}" if measure else f"{float(value):g}"

    def change(self, measure: str, value, relative=None, unit: str = "", verdict: str = "") -> str:
        """A change as its kind says it (:mod:`analysis.compare.change`): ``+14.58 个百分点``,
        ``×0.72``, ``占上级的 0.64%``, ``-2 微克/立方米（-5.4%）``; equal values: ``不变``."""
        if _missing(value):
            return ""
        number = float(value)
        if verdict == "share of parent's":
            return self("change.share_of_parent", share=_percent(number))
        if number == (1.0 if measure == "ratio" else 0.0):
            return self("change.none")
        if measure == "ratio":
            return self("change.ratio", ratio=_decimals(number, 2))
        if measure == "pp":
            return self.points(number)
        shown = self("change.difference", value=_signed(number), unit=unit)
        return shown + ("" if _missing(relative) else self("change.relative", share=_percent(float(relative), True)))

    def scope_words(self, words: str) -> str:
        """Scope words (``yangtze;into_river``) as the reader says them: 长江·入河."""
        labels = [w for w in str(words or "").split(";") if w]
        return "·".join(self.get(f"scope.{w}", w) for w in labels) if labels else self("scope.none")

    def doubt(self, doubt: str, source_words: str, target_words: str, source_unit: str, target_unit: str) -> str:
        """Why a pair of targets is to check: its scope words or its units differ."""
        if doubt == "scope":
            return self(
                "pairing.scope_differs", source=self.scope_words(source_words), target=self.scope_words(target_words)
            )
        return self("pairing.units_differ", source=source_unit, target=target_unit)

    def join(self, items) -> str:
        return self("list.separator").join(items)


def other_edition(lang: str) -> str:
    """The language of the other edition (en for zh, zh for en)."""
    return next(other for other in LANGS if other != lang)


def edition_href(page: str, lang: str) -> str:
    """The relative link from ``page`` of the ``lang`` edition to the same page of the other:
    ``en/<page>`` from the Chinese, ``../<page>`` from the English."""
    other = EDITION_FOLDERS[other_edition(lang)]
    return posixpath.relpath(posixpath.join(other, page), EDITION_FOLDERS[lang] or ".")


def _signed(value) -> str:
    number = float(value)
    text = _decimals(number, 2, signed=True).rstrip("0").rstrip(".")
    return "±0" if text in ("+0", "-0") else text


def _decimals(number: float, places: int, signed: bool = False) -> str:
    """``number`` to ``places`` decimals, more where those would hide that it differs from the
    nearest round value (0.004 is not 0, 1.004 is not 1): the digits never contradict the sign."""
    for digits in range(places, places + 6):
        text = f"{number:+.{digits}f}" if signed else f"{number:.{digits}f}"
        if float(text) != round(number) or number == round(number):
            return text
    return f"{number:+g}" if signed else f"{number:g}"


def _percent(share: float, signed: bool = False) -> str:
    """A share as a percentage with two significant digits below 10% (0.64%), none above (40%)."""
    percent = share * 100
    places = 0 if abs(percent) >= 10 or percent == round(percent) else (1 if abs(percent) >= 1 else 2)
    text = _decimals(percent, places, signed)
    return f"{text}%"


def _missing(value) -> bool:
    if value is None or value is pd.NA or value == "":
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _english_region(doc_id: str, region: str, msg: Messages) -> str:
    known = msg.get(f"region.{region}")
    if known:
        return known
    words = [w for w in re.split(r"[_\W]+", doc_id) if w and not w.isdigit()]
    head = []
    for word in words:
        if word in _LEVEL_WORDS:
            if word == "province":
                head.append("Province")
            break
        head.append(word.capitalize())
    return " ".join(head) or region or doc_id


def plan_names(documents: pd.DataFrame, lang: str = DEFAULT_LANG) -> dict[str, str]:
    """A display name per doc id: 湖北省2024年 / Hubei Province 2024; a damaged copy says so."""
    msg = Messages(lang)
    names: dict[str, str] = {}
    for row in documents.to_dict("records"):
        doc_id = str(row["doc_id"])
        given = row.get(f"name_{lang}")
        if isinstance(given, str) and given.strip():
            names[doc_id] = given.strip()
            continue
        region, year = str(row.get("region") or ""), row.get("year")
        if not region or year is None or _missing(year):
            names[doc_id] = doc_id
            continue
        place = region if lang == "zh" else _english_region(doc_id, region, msg)
        name = msg("name.plan", place=place, year=int(year))
        if str(row.get("duplicate_of") or ""):
            name += msg("name.copy_suffix")
        names[doc_id] = name
    return names


def comparison_title(kind: str, names: dict[str, str], source: str, target: str, lang: str = DEFAULT_LANG) -> str:
    msg = Messages(lang)
    return msg("title.pair", source=names.get(source, source), target=names.get(target, target))
