"""Implied values: what a plan's wording fixes without printing the number.

Two cue rules, read clause by clause in a task's text (a clause already holding a commitment of
its own is left alone):

- *all of it done*: ``全面完成`` / ``全部完成`` / ``完成全部`` (全面完成长江入河排污口整治), or every
  unit done: ``各区完成`` / ``各县完成`` (组织各区完成生态保护红线基础调查): 100% of the share the
  words after the cue name (a ``rate`` indicator);
- *the places named are the count*: a list of place names that are to create something
  (推动华容区、鄂城区创建国家生态文明建设示范区): as many as the names listed, of the ``count``
  indicator the words after the verb name.

Only fillers (推动, 确保, a deadline …) may stand before the cue: a named subject (鸿泰钢铁全面完成
超低排放改造) commits one unit, not a share. A quota set elsewhere (全面完成省下达…任务, …目标任务) is
not all of the work. An implied target has role ``implied`` and flag ``implied``: the comparison of
two plans sets it beside a value the other plan states (never beside another implied one).
"""

from __future__ import annotations

import re
from dataclasses import replace

from analysis.targets.mentions import _DEADLINE, _LEADING_FILLER, Clause, Mention, Target, _outside_brackets
from analysis.targets.phrases import _without_mentions, clean_phrase
from analysis.targets.scope import scope_words

IMPLIED_ROLE = "implied"
IMPLIED_FLAG = "implied"
ALL_DONE = re.compile(r"(?:全面|全部)完成|完成全部|各(?:区|县|市|州|地|乡镇)(?:均|都)?完成")
# Words saying the work is a quota someone else sets, or a target rather than the work itself.
QUOTA_CUES = ("下达", "目标", "要求", "考核")
_PLACE = r"[\u4e00-\u9fff]{1,8}?(?:区|县|市|州|镇|乡)"
CREATED_BY_PLACES = re.compile(rf"(?P<places>{_PLACE}(?:[、和及]{_PLACE})*)(?P<verb>创建|创成|建成)")
# A place list opening with these is not names (全市、各区 …).
_NOT_A_NAME = ("全", "各", "本", "我", "城区", "市区", "辖区")


def implied_targets(text: str, clauses: list[Clause], stated: list[Target]) -> list[Target]:
    """The implied targets of a task's ``text`` (its ``clauses``; ``stated``: the targets found
    in it), in text order."""
    committed = {t.clause for t in stated if t.role != "scope"}
    found = []
    for clause in clauses:
        if clause in committed:
            continue
        numbers = [t.mention for t in stated if t.clause == clause]
        for target in (_all_done(text, clause, numbers), _created(text, clause)):
            if target is not None:
                found.append(
                    replace(target, scope=scope_words(text[clause.start : clause.end], _earlier(text, clauses, clause)))
                )
    return found


def _earlier(text: str, clauses: list[Clause], clause: Clause) -> list[str]:
    """The texts of the clauses before ``clause`` in its sentence, nearest first."""
    return [text[c.start : c.end] for c in reversed(clauses) if c.sentence == clause.sentence and c.end <= clause.start]


def _only_fillers(prefix: str) -> bool:
    return not _LEADING_FILLER.sub("", _DEADLINE.sub("", prefix)).strip(" ,，、")


def _all_done(text: str, clause: Clause, numbers: list[Mention]) -> Target | None:
    """100% of what follows 全面完成 (the clause's scope counts cut out of the phrase)."""
    body = text[clause.start : clause.end]
    cue = ALL_DONE.search(body)
    if cue is None or not _only_fillers(_outside_brackets(body[: cue.start()])) or any(q in body for q in QUOTA_CUES):
        return None
    phrase = clean_phrase(_without_mentions(text, clause.start + cue.end(), clause.end, numbers))
    return _implied(clause, cue.start(), cue.end(), cue.group(), 100.0, "%", "rate", phrase, body)


def _created(text: str, clause: Clause) -> Target | None:
    """As many as the places listed before 创建 (of what follows the verb)."""
    body = text[clause.start : clause.end]
    match = CREATED_BY_PLACES.search(body)
    if match is None:
        return None
    first_start = match.start()
    places = re.split(r"[、和及]", match.group("places"))
    lead = _LEADING_FILLER.match(places[0])
    if lead:
        places[0] = places[0][lead.end() :]
        first_start += lead.end()
    if not _only_fillers(body[:first_start]) or any(p.startswith(_NOT_A_NAME) or len(p) < 2 for p in places):
        return None
    phrase = clean_phrase(body[match.end() :])
    value_text = "、".join(places)
    return _implied(
        clause, first_start, match.start("verb"), value_text, float(len(places)), "个", "count", phrase, body
    )


def _implied(
    clause: Clause, start: int, end: int, value_text: str, value: float, unit: str, kind: str, phrase: str, body: str
) -> Target | None:
    if not phrase:
        return None
    mention = Mention(clause.start + start, clause.start + end, value, value_text, unit, kind)
    comparator = "striving" if "力争" in body[:start] else "="
    return Target(mention, clause, comparator, "", IMPLIED_ROLE, phrase, "", (IMPLIED_FLAG,))
