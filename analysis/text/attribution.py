"""Attribution brackets: who leads a task and who is responsible for it.

Plans print them as ``(牵头单位:水处;责任单位:各市、州、直管市及神农架林区生态环境局)``, in
either width (or in ``【】``/``[]``), with or without colons, several per task; city plans may
print only one role, or ``(相关单位分工负责)``. Scraped copies may have lost the opening bracket to
encoding damage (``工作?牵头单位:…``), which is accepted too. Other plans put the roles on lines of
their own (``牵头单位:县生态环境分局``, no bracket, a colon) or name the units before a verb
(``(县林业局牵头,县生态环境分局配合)``, ``(市生态环境局总牵头)``).

A bracket that lists units and closes with the convention ``列第一位者为牵头部门`` (``排在首位的为
牵头单位``…) — ``(市生态环境局、市发展改革委、市住建局按职责分工负责,列第一位者为牵头部门)`` —
makes the first unit listed the lead and the others responsible (an explicit ``X牵头`` in the list
still wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEAD_ROLES = ("牵头单位", "牵头部门", "主办单位", "主责单位", "主责部门")
RESPONSIBLE_ROLES = ("责任单位", "责任部门", "配合单位", "配合部门", "协办单位", "参与单位", "协同单位", "协同部门")
ROLES = LEAD_ROLES + RESPONSIBLE_ROLES
_ROLE = "|".join(ROLES)
SHARED_RESPONSIBILITY = re.compile(r"(相关单位|各有关单位|有关单位|各相关单位)(?:分工)?负责")

_OPEN, _CLOSE = r"(【\[", r")】\]"
# An attribution bracket: an opening bracket (or the '?' that replaced it), a role keyword, and
# everything up to the closing bracket (or a '?' that replaced it before a full stop).
# One level of brackets may nest inside (各乡镇(街道), 各县(市、区), 市农业农村局(牵头)).
_INSIDE = rf"(?:[^{_OPEN}{_CLOSE}\n]|\([^()\n]*\))"
ATTRIBUTION = re.compile(
    rf"[{_OPEN}?](?P<body>(?:{_ROLE}){_INSIDE}*?|{SHARED_RESPONSIBILITY.pattern})"
    rf"(?:[{_CLOSE}]|\?(?=[。;,]|$))",
    re.MULTILINE,
)
# Roles printed without a bracket: a line (or the sentence closing a paragraph) that opens with
# a role keyword and a colon, to the end of the line.
ATTRIBUTION_LINE = re.compile(rf"(?:^|(?<=。))(?P<body>(?:{_ROLE})[:：][^\n]*?)。?$", re.MULTILINE)
# Units named before the verb of their role: (县林业局牵头,县生态环境分局配合).
LEAD_VERBS = ("总牵头", "牵头负责", "牵头")
RESPONSIBLE_VERBS = ("按职责分工负责", "按职责负责", "分工负责", "配合", "参与", "协助", "协办", "负责")
_VERBS = sorted(LEAD_VERBS + RESPONSIBLE_VERBS, key=len, reverse=True)  # the longest reading first
ATTRIBUTION_BY_VERB = re.compile(rf"[{_OPEN}](?P<body>{_INSIDE}{{2,200}}?(?:{'|'.join(_VERBS)}))[{_CLOSE}]")
# "列第一位者为牵头部门": the first unit of the list leads.
FIRST_IS_LEAD = r"(?:列|排)?(?:在)?(?:第一位|首位|第一)(?:者|的|的单位|的部门)?(?:为|是)牵头(?:单位|部门)?"
ATTRIBUTION_FIRST_LEADS = re.compile(rf"[{_OPEN}](?P<body>{_INSIDE}{{2,200}}?)[,，;；]\s*{FIRST_IS_LEAD}[{_CLOSE}]")
_SHORT_FRAGMENT = 2
_UNIT_MAX = 30  # characters of one unit's name
_SENTENCE_MARK = re.compile(r"[。;；:：]")
_SEGMENT_SPLIT = re.compile(rf"[;；]|(?=(?:{_ROLE})[:：])")
# A labelled segment that names no role (完成时限:2024年10月底前) ends the units of the last role.
_OTHER_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,6}[:：]")
_VERB_SEGMENT_SPLIT = re.compile(r"[,，;；]")
_LEAD_MARK = "(牵头)"
_ROLE_PREFIX = re.compile(rf"^(?P<role>{_ROLE})[:：;；]?\s*")
_UNIT_SPLIT = re.compile(r"[、,，]")
# Endings of organisation names: a fragment that does not end like one (各市, 州) is joined to
# the following fragments, so 各市、州、直管市及神农架林区生态环境局 stays one unit.
UNIT_SUFFIXES = (
    "处",
    "局",
    "室",
    "办",
    "委",
    "院",
    "站",
    "科",
    "队",
    "中心",
    "单位",
    "会",
    "组",
    "所",
    "部",
    "厅",
    "司",
    "馆",
    "团",
    "政府",
    "公司",
    "集团",
)
GENERIC_TAILS = ("单位", "单位等", "部门")
JOINT = "会同"


@dataclass(frozen=True)
class Attribution:
    """One attribution bracket found in a text: its span and the units of each role."""

    start: int
    end: int
    lead: tuple[str, ...]
    responsible: tuple[str, ...]


def split_units(listing: str) -> list[str]:
    """Split a list of units on ``、``/``,``, keeping multi-part names and ``X会同…`` phrases whole."""
    listing = listing.strip(" 。.;；:：")
    if not listing:
        return []
    units: list[str] = []
    pending = ""
    for fragment in _split_outside_brackets(listing):
        fragment = fragment.strip()
        if not fragment:
            continue
        if units and not pending and (JOINT in units[-1] or fragment in GENERIC_TAILS):
            units[-1] = f"{units[-1]}、{fragment}"
            continue
        pending = f"{pending}、{fragment}" if pending else fragment
        if pending.endswith(UNIT_SUFFIXES + (")",)) or JOINT in pending:  # 各乡镇(街道) ends a name too
            units.append(pending)
            pending = ""
    if pending:
        units.append(pending)
    return units


def _split_outside_brackets(listing: str) -> list[str]:
    """``listing`` split at 、/, that are not inside brackets (各县(市、区) is one fragment)."""
    if "(" not in listing:
        return _UNIT_SPLIT.split(listing)
    fragments, depth, start = [], 0, 0
    for i, char in enumerate(listing):
        depth += (char == "(") - (char == ")")
        if depth <= 0 and _UNIT_SPLIT.match(char):
            fragments.append(listing[start:i])
            start = i + 1
    return fragments + [listing[start:]]


def parse_attribution_body(body: str) -> tuple[list[str], list[str]]:
    """Units of each role in the inside of one bracket (``牵头单位:…;责任单位:…``)."""
    if (shared := SHARED_RESPONSIBILITY.fullmatch(body.strip())) is not None:
        return [], [shared.group(1)]
    lead: list[str] = []
    responsible: list[str] = []
    current: list[str] | None = None
    for segment in _SEGMENT_SPLIT.split(body):
        segment = segment.strip()
        m = _ROLE_PREFIX.match(segment)
        if m:
            current = lead if m.group("role") in LEAD_ROLES else responsible
            segment = segment[m.end() :]
        elif _OTHER_LABEL.match(segment):
            current = None
        if current is not None:
            for unit in split_units(segment):  # 市农业农村局(牵头) leads whatever its bracket says
                (lead if unit.endswith(_LEAD_MARK) else current).append(unit.removesuffix(_LEAD_MARK))
    return lead, responsible


def parse_verb_body(body: str) -> tuple[list[str], list[str]] | None:
    """Units of each role in ``县林业局牵头,县生态环境分局配合``; None unless every segment names
    units (a name ending like an organisation's) followed by a role verb."""
    lead: list[str] = []
    responsible: list[str] = []
    for segment in filter(None, (s.strip() for s in _VERB_SEGMENT_SPLIT.split(body))):
        verb = next((v for v in _VERBS if segment.endswith(v)), None)
        units = split_units(segment[: -len(verb)]) if verb else []
        if not units or not all(u.endswith(UNIT_SUFFIXES) or JOINT in u for u in units):
            return None
        (lead if verb in LEAD_VERBS else responsible).extend(units)
    return (lead, responsible) if lead or responsible else None


def parse_first_leads_body(body: str) -> tuple[list[str], list[str]] | None:
    """Units of a list whose first unit leads (``A、B、C按职责分工负责``, or the bare list ``A、B、C``).

    The closing convention marks the bracket as an attribution, so units need not end like an
    organisation's name here (各乡镇, 各区县: each fragment of three characters or more is a unit);
    None if the list is empty or reads like a sentence."""
    roles = parse_verb_body(body)
    if roles is None:
        verb = next((v for v in _VERBS if body.endswith(v)), "")
        units: list[str] = []
        pending = ""
        for fragment in _split_outside_brackets(body[: len(body) - len(verb)].strip(" 。.;；:：")):
            pending = f"{pending}、{fragment.strip()}" if pending else fragment.strip()
            if len(fragment.strip()) > _SHORT_FRAGMENT:  # 各市、州、直管市…生态环境局 stays one unit
                units.append(pending)
                pending = ""
        units += [pending] if pending else []
        if not units or any(len(u) > _UNIT_MAX or _SENTENCE_MARK.search(u) for u in units):
            return None
        roles = ([], units)
    lead, responsible = roles
    if lead:
        return lead, responsible
    return responsible[:1], responsible[1:]


def find_attributions(text: str) -> list[Attribution]:
    """All attributions in a (clean) text, in order: brackets, role lines, lists whose first unit
    leads, units before verbs."""
    found = []
    for pattern in (ATTRIBUTION, ATTRIBUTION_LINE):
        for m in pattern.finditer(text):
            lead, responsible = parse_attribution_body(m.group("body"))
            found.append(Attribution(m.start(), m.end(), tuple(lead), tuple(responsible)))
    for m in ATTRIBUTION_FIRST_LEADS.finditer(text):
        if (roles := parse_first_leads_body(m.group("body"))) is not None:
            found.append(Attribution(m.start(), m.end(), tuple(roles[0]), tuple(roles[1])))
    for m in ATTRIBUTION_BY_VERB.finditer(text):
        if (roles := parse_verb_body(m.group("body"))) is not None:
            found.append(Attribution(m.start(), m.end(), tuple(roles[0]), tuple(roles[1])))
    kept: list[Attribution] = []
    for attribution in sorted(found, key=lambda a: a.start):
        if not kept or attribution.start >= kept[-1].end:  # a span found by two patterns counts once
            kept.append(attribution)
    return kept


def unique(items: list[str] | tuple[str, ...]) -> list[str]:
    """Items in order of first appearance, each once."""
    return list(dict.fromkeys(items))
