"""Script fixes for the cleaner: traditional characters and injected pinyin.

Both return plain-string edits, which :func:`analysis.parse.clean.clean` applies through its
offset map, so every span found afterwards still points into the raw text.

- **Traditional script** (Hong Kong, Macao and Taiwan mirrors, some reprints: ``個``, ``牽頭``,
  ``責任單位``, ``環境``). The cues of the parser (``牵头单位``, ``责任单位``, ``总体要求``, units,
  boilerplate) are simplified, so a text that *looks traditional* — at least
  :data:`_MIN_HINTS` characters of :data:`_TRADITIONAL_HINTS` (frequent characters that exist only
  in traditional script), making up at least :data:`_MIN_HINT_SHARE` of its Han characters — is
  converted to simplified with OpenCC's ``t2s`` dictionaries (the ``opencc`` wheel, Apache-2.0).
  The conversion is character for character (same length), so it is a 1:1 substitution that keeps
  every offset; a conversion that would change the length is replaced by a per-character one. A
  simplified text is never touched (a single quoted traditional name does not make a text
  traditional).
- **Injected pinyin** (mirror sites that annotate characters: ``開(kāi)展(zhǎn)``). A bracket of
  1–6 Latin letters right after a Han character is pinyin when it carries a tone mark; a toneless
  one (the neutral tone, ``的(de)``) is pinyin too when a toned one stands at most two characters
  before or after it. Those brackets are removed; abbreviations in brackets (``(VOCs)``,
  ``(PM2.5)``) carry no tone mark and stay.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Frequent characters that are traditional only (their simplified forms differ).
_TRADITIONAL_HINTS = frozenset(
    "們個這來為與國環實發長區開關會經過動當還對說時設業處點護務廣級體際權質態氣縣鄉鎮"
    "頭單責負廳協劃規廢汙資產監測綜達進標準礎勵確階層構節約雙總濟"
)
_MIN_HINTS = 3
_MIN_HINT_SHARE = 0.02
_HAN = re.compile(r"[\u3400-\u9fff]")

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_BRACKET = re.compile(rf"(?<=[\u3400-\u9fff])\([a-zü{_TONED}]{{1,6}}\)")
_TONE_MARK = re.compile(f"[{_TONED}]")
_NEIGHBOUR_GAP = 2  # Han characters between a toneless bracket and a toned one


def looks_traditional(text: str) -> bool:
    """Whether a text is printed in traditional script (see the module doc)."""
    hints = sum(1 for char in text if char in _TRADITIONAL_HINTS)
    if hints < _MIN_HINTS:
        return False
    return hints >= _MIN_HINT_SHARE * len(_HAN.findall(text))


@lru_cache(maxsize=1)
def _converter():
    import opencc  # a dependency (pyproject.toml); loaded only for traditional texts

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """The text in simplified characters, of the same length (a character-for-character map)."""
    converter = _converter()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    table = {}
    for char in set(text):
        if _HAN.match(char) and len(mapped := converter.convert(char)) == 1:
            table[ord(char)] = mapped
    return text.translate(table)


def pinyin_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the injected pinyin brackets of a text, in order (see the module doc)."""
    found = list(_PINYIN_BRACKET.finditer(text))
    toned = [m for m in found if _TONE_MARK.search(m.group(0))]
    spans = []
    for m in found:
        gaps = (t.start() - m.end() if t.start() >= m.end() else m.start() - t.end() for t in toned)
        if m in toned or any(0 <= gap <= _NEIGHBOUR_GAP for gap in gaps):
            spans.append((m.start(), m.end()))
    return spans
