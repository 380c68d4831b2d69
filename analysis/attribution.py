"""Attribution brackets: who leads a task and who is responsible for it.

Plans print them as ``(牵头单位:水处;责任单位:各市、州、直管市及神农架林区生态环境局)``, in
either width, with or without colons, several per task; city plans may print only one role, or
``(相关单位分工负责)``. Scraped copies may have lost the opening bracket to encoding damage
(``工作?牵头单位:…``), which is accepted too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LEAD_ROLES = ("牵头单位", "牵头部门", "主办单位")
RESPONSIBLE_ROLES = ("责任单位", "责任部门", "配合单位", "协办单位", "参与单位")
_ROLE = "|".join(LEAD_ROLES + RESPONSIBLE_ROLES)
SHARED_RESPONSIBILITY = re.compile(r"(相关单位|各有关单位|有关单位|各相关单位)(?:分工)?负责")

# An attribution bracket: an opening bracket (or the '?' that replaced it), a role keyword, and
# everything up to the closing bracket (or a '?' that replaced it before a full stop).
ATTRIBUTION = re.compile(
    rf"[(?](?P<body>(?:{_ROLE})[^()\n]*?|{SHARED_RESPONSIBILITY.pattern})(?:\)|\?(?=[。;,]|$))",
    re.MULTILINE,
)
_SEGMENT_SPLIT = re.compile(r"[;；]")
_ROLE_PREFIX = re.compile(rf"^(?P<role>{_ROLE})[:：;；]?\s*")
_UNIT_SPLIT = re.compile(r"[、,，]")
# Endings of organisation names: a fragment that does not end like one (各市, 州) is joined to
# the following fragments, so 各市、州、直管市及神农架林区生态环境局 stays one unit.
UNIT_SUFFIXES = (
    "处", "局", "室", "办", "委", "院", "站", "科", "队", "中心", "单位", "会", "组", "所", "部", "厅",
    "司", "馆", "团", "政府", "公司", "集团",
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
    for fragment in _UNIT_SPLIT.split(listing):
        fragment = fragment.strip()
        if not fragment:
            continue
        if units and not pending and (JOINT in units[-1] or fragment in GENERIC_TAILS):
            units[-1] = f"{units[-1]}、{fragment}"
            continue
        pending = f"{pending}、{fragment}" if pending else fragment
        if pending.endswith(UNIT_SUFFIXES) or JOINT in pending:
            units.append(pending)
            pending = ""
    if pending:
        units.append(pending)
    return units


def parse_attribution_body(body: str) -> tuple[list[str], list[str]]:
    """Units of each role in the inside of one bracket (``牵头单位:…;责任单位:…``)."""
    if SHARED_RESPONSIBILITY.fullmatch(body.strip()):
        return [], [SHARED_RESPONSIBILITY.fullmatch(body.strip()).group(1)]
    lead: list[str] = []
    responsible: list[str] = []
    current: list[str] | None = None
    for segment in _SEGMENT_SPLIT.split(body):
        segment = segment.strip()
        m = _ROLE_PREFIX.match(segment)
        if m:
            current = lead if m.group("role") in LEAD_ROLES else responsible
            segment = segment[m.end():]
        if current is not None:
            current.extend(split_units(segment))
    return lead, responsible


def find_attributions(text: str) -> list[Attribution]:
    """All attribution brackets in a (clean) text, in order."""
    found = []
    for m in ATTRIBUTION.finditer(text):
        lead, responsible = parse_attribution_body(m.group("body"))
        found.append(Attribution(m.start(), m.end(), tuple(lead), tuple(responsible)))
    return found


def unique(items: list[str] | tuple[str, ...]) -> list[str]:
    """Items in order of first appearance, each once."""
    return list(dict.fromkeys(items))
