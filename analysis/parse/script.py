"""Script fixes for the cleaner: traditional characters, Taiwan phrases and injected pinyin.

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
- **Taiwan vocabulary** (mirrors converted with Taiwan phrases, Taiwan sources: ``計畫``, ``最佳化``,
  ``資訊``, ``品質``). A traditional text holding at least :data:`_MIN_TAIWAN_TERMS` of
  :data:`TAIWAN_TERMS` is converted with OpenCC's phrase configuration ``tw2sp`` (Taiwan phrases to
  mainland ones: ``最佳化`` → ``优化``, ``資訊`` → ``信息``), then :data:`_MAINLAND_TERMS` (what
  ``tw2sp`` leaves: ``空氣品質`` → ``空气质量``). A phrase of another length is one edit mapping to
  the raw span of the phrase it replaces; sentence by sentence, everything else stays character
  for character.
- **Injected pinyin** (mirror sites that annotate characters: ``開(kāi)展(zhǎn)``, or toneless
  ``生(sheng)態(tai)``, repeated as ``會(hui)(hui)``). A bracket right after a Han character (or
  after another such bracket) that holds exactly one pinyin syllable (:data:`_SYLLABLE`, tone marks
  allowed) is pinyin when the text carries injected pinyin: at least one such bracket with a tone
  mark, or at least :data:`_MIN_TONELESS` without. Those brackets are removed; abbreviations in
  brackets (``(VOCs)``, ``(vocs)``, ``(PM2.5)``, ``(ppm)``) are not syllables and stay, and a text
  with one or two toneless ``(an)`` is left alone.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

# Frequent characters that are traditional only (their simplified forms differ).
_TRADITIONAL_HINTS = frozenset(
    "們個這來為與國環實發長區開關會經過動當還對說時設業處點護務廣級體際權質態氣縣鄉鎮"
    "頭單責負廳協劃規廢汙資產監測綜達進標準礎勵確階層構節約雙總濟"
)
_HINT = re.compile(f"[{''.join(sorted(_TRADITIONAL_HINTS))}]")
_MIN_HINTS = 3
_MIN_HINT_SHARE = 0.02
_HAN = re.compile(r"[\u3400-\u9fff]")
# Words a Taiwan source (or a mirror converted with Taiwan phrases) prints where the mainland
# prints another: the cue for phrase conversion.
TAIWAN_TERMS = ("計畫", "最佳化", "資訊", "軟體", "網路", "品質", "專案", "透過", "數位", "影片", "伺服器", "硬體")
_TAIWAN_TERM = re.compile("|".join(TAIWAN_TERMS))
_MIN_TAIWAN_TERMS = 2
# Taiwan terms ``tw2sp`` keeps (they are words in the mainland too) that plans print otherwise.
_MAINLAND_TERMS = {"空气品质": "空气质量", "环境品质": "环境质量", "水质品质": "水质"}
_MAINLAND_TERM = re.compile("|".join(_MAINLAND_TERMS))
_SENTENCE = re.compile(r"[^。;；!?！？\n]*[。;；!?！？\n]?")

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ", "aaaaeeeeiiiioooouuuuüüüünnnm")
_PINYIN_RUN = re.compile(rf"(?<=[\u3400-\u9fff])(?:\([a-zü{_TONED}]{{1,6}}\))+")
_BRACKET = re.compile(r"\(([^()]*)\)")
# One pinyin syllable, tone marks removed: an initial and a final (v stands for ü).
_SYLLABLE = re.compile(
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|iao|ian|uai|uan|üan|van|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|"
    r"ua|uo|ui|un|ue|üe|ün|ve|vn|a|o|e|i|u|ü|v)"
)
_TONE_MARK = re.compile(f"[{_TONED}]")
_MIN_TONELESS = 3


def looks_traditional(text: str) -> bool:
    """Whether a text is printed in traditional script (see the module doc)."""
    hints = len(_HINT.findall(text))
    if hints < _MIN_HINTS:
        return False
    return hints >= _MIN_HINT_SHARE * len(_HAN.findall(text))


@lru_cache(maxsize=2)
def _converter(config: str = "t2s"):
    import opencc  # a dependency (pyproject.toml); loaded only for traditional texts

    return opencc.OpenCC(config)


def has_taiwan_vocabulary(text: str) -> bool:
    """Whether a traditional text prints Taiwan vocabulary (see the module doc)."""
    return len(_TAIWAN_TERM.findall(text)) >= _MIN_TAIWAN_TERMS


def simplified_edits(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` edits that bring a traditional text to simplified (see the
    module doc): one same-length edit, or sentence by sentence with Taiwan phrases converted."""
    characters = simplified(text)
    if not has_taiwan_vocabulary(text):
        return [(0, len(text), characters)]
    phrases = _converter("tw2sp")
    edits: list[tuple[int, int, str]] = []
    for m in _SENTENCE.finditer(text):
        if m.start() == m.end():
            continue
        plain = characters[m.start() : m.end()]
        converted = _MAINLAND_TERM.sub(lambda t: _MAINLAND_TERMS[t.group(0)], phrases.convert(m.group(0)))
        edits.extend(_aligned(plain, converted, m.start()))
    return edits


def _aligned(plain: str, converted: str, offset: int) -> list[tuple[int, int, str]]:
    """Edits turning ``plain`` (offsets from ``offset``) into ``converted``: equal stretches
    character for character, each changed phrase one edit."""
    if len(plain) == len(converted):
        return [(offset, offset + len(plain), converted)]
    matcher = difflib.SequenceMatcher(None, plain, converted, autojunk=False)
    return [(offset + i1, offset + i2, converted[j1:j2]) for _, i1, i2, j1, j2 in matcher.get_opcodes()]


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
    found = [
        (m.start(), m.end(), m.group(1))
        for run in _PINYIN_RUN.finditer(text)
        for m in _BRACKET.finditer(text, run.start(), run.end())
    ]
    syllables = [(a, b, inside) for a, b, inside in found if _SYLLABLE.fullmatch(inside.translate(_TONELESS))]
    toned = sum(1 for _, _, inside in syllables if _TONE_MARK.search(inside))
    if not toned and len(syllables) < _MIN_TONELESS:
        return []
    return [(a, b) for a, b, _ in syllables]
