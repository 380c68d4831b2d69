"""The indicator phrase of a target: the words before or after its number that name what is
measured (农村生活污水治理率), trimmed of cue words, fillers and other numbers."""

from __future__ import annotations

import re

from analysis.targets.mentions import (
    _BASE_YEAR,
    _DANGLING_BRACKETS,
    _HEAD_OPENER,
    _LEADING_FILLER,
    _LEADING_JOINERS,
    _MODIFIER_MAX,
    _NUMBERED_BRACKET,
    _PARALLEL_MAX,
    _PHRASE_EDGES,
    _TRAILING_CUES,
    _TRAILING_JOINERS,
    _VERBAL_NOUN,
    Clause,
    Mention,
    _content_tokens,
    _outside_brackets,
)
from analysis.text.segment import tokens

# --- indicator phrases ------------------------------------------------------------------------------


def clean_phrase(phrase: str) -> str:
    """An indicator phrase without fillers, cue words and dangling joiners around it."""
    previous = None
    phrase = phrase.strip(_PHRASE_EDGES)
    while previous != phrase:
        previous = phrase
        phrase = _LEADING_FILLER.sub("", _BASE_YEAR.sub("", phrase))
        phrase = _LEADING_JOINERS.sub("", phrase)
        phrase = _TRAILING_CUES.sub("", phrase)
        phrase = _DANGLING_BRACKETS.sub("", phrase.strip(_PHRASE_EDGES))
    return phrase


def _without_mentions(text: str, start: int, end: int, mentions: list[Mention]) -> str:
    """``text[start:end]`` with the numbers (and units) of mentions cut out."""
    pieces, position = [], start
    for m in mentions:
        if m.end <= start or m.start >= end:
            continue
        pieces.append(text[position : max(m.start, position)])
        position = max(position, m.end)
    pieces.append(text[position:end])
    return "".join(pieces)


def conjunct_head(other: str, last: str) -> str:
    """What the last conjunct of a list adds as the shared head of all.

    ``国控、省控断面水质优良比例``: the last conjunct parallels ``国控`` up to the character both
    end on (控), so its head is ``断面水质优良比例``. Otherwise the head starts at the first word
    that usually opens one (``氨氮、…挥发性有机物重点工程减排量`` → ``重点工程减排量``), or after the
    last conjunct's first word (``湖泊、…水库水质环境监测`` → ``水质环境监测``).
    """
    at = last.find(other[-1]) if other else -1
    if 0 <= at < _PARALLEL_MAX and at < len(last) - 1:
        return last[at + 1 :]
    opener = _HEAD_OPENER.search(last, 2)
    if opener:
        return last[opener.start() :]
    words = tokens(last)
    return "".join(words[1:]) if len(words) > 1 else ""


def _words_after(text: str, mention: Mention, clause: Clause, mentions: list[Mention]) -> tuple[str, bool]:
    """The words after a mention up to the next number of the clause (bracketed numbers skipped).

    A top-level 、 ends them too once they name something (``1571个行政村环境整治、123条…``), not
    inside a short modifier list (``14处国、省、市控监测孔``). Returns the words and whether they
    stopped before another number of the same kind (a list: ``4个国家级和…6个省级“无废城市”``).
    """
    starts = {m.start: m for m in mentions if mention.end <= m.start < clause.end}
    words: list[str] = []
    depth = 0
    for i in range(mention.end, clause.end):
        char = text[i]
        if depth == 0 and (i in starts or (char == "、" and len(words) > _MODIFIER_MAX)):
            later = [m for m in starts.values() if m.start >= i]
            return _without_numbered_brackets("".join(words)), bool(later) and later[0].kind == mention.kind
        if char in "(（":
            depth += 1
        elif char in ")）":
            if depth == 0:
                break  # the number sits inside a bracket: its words end with it
            depth -= 1
        words.append(char)
    return _without_numbered_brackets("".join(words)), False


def _without_numbered_brackets(text: str) -> str:
    """A text without the bracket groups that hold a number (其中(葛店4家…)); qualifiers such as
    ``(管控)``, ``(水域)`` or ``(市、区)`` belong to the indicator's wording and stay."""
    previous = None
    while previous != text:
        previous, text = text, _NUMBERED_BRACKET.sub("", text)
    return text


def _words_before(
    text: str, mention: Mention, clause: Clause, mentions: list[Mention], kinds: dict[Mention, str]
) -> str:
    """The words before a mention, from the previous number of its kind (or the clause start)."""
    same_kind = [
        m for m in mentions if clause.start <= m.start and m.end <= mention.start and kinds[m] == kinds[mention]
    ]
    start = same_kind[-1].end if same_kind else clause.start
    before = _without_numbered_brackets(_without_mentions(text, start, mention.start, mentions)).rstrip()
    if _TRAILING_JOINERS.search(before):
        if same_kind:
            return ""  # 80%溯源和30%整治: the words before belong to the previous number
        # 排污口溯源和70%的整治任务: drop the other conjunct (a two-character verbal noun)
        before = _TRAILING_JOINERS.sub("", before)[:-_VERBAL_NOUN]
    return clean_phrase(before)


def local_phrase(
    text: str, mention: Mention, clause: Clause, mentions: list[Mention], kinds: dict[Mention, str]
) -> str:
    """The words that name what a number measures, as the text says them.

    A count names what it counts after it (完成1571个行政村环境整治), or before it when nothing
    follows (项目100个以上); a rate names its subject before it and what it is a share of after it
    (重点湖泊排污口80%的整治任务).
    """
    after, listed = _words_after(text, mention, clause, mentions)
    if listed:
        after = re.split(r"和|与|以及", after)[0]
    after = clean_phrase(after)
    if kinds[mention] in ("count", "frequency"):
        phrase = after or _words_before(text, mention, clause, mentions, kinds)
        later = [m for m in mentions if mention.start < m.start < clause.end and kinds[m] == kinds[mention]]
        if listed and later and len(phrase) <= _MODIFIER_MAX:
            last_after, _ = _words_after(text, later[-1], clause, mentions)
            phrase += conjunct_head(phrase, clean_phrase(last_after))
        return phrase
    return _words_before(text, mention, clause, mentions, kinds) + after


def context_phrase(text: str, clause: Clause, sentence: list[Clause], mentions: list[Mention]) -> str:
    """The topic of a target's sentence: the nearest earlier clause with words (深入推进长江入河排污口整治)."""
    for previous in reversed([c for c in sentence if c.end <= clause.start]):
        words = clean_phrase(_outside_brackets(_without_mentions(text, previous.start, previous.end, mentions)))
        if len(_content_tokens(words)) >= 2:
            return words
    return ""
