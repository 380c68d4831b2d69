"""Like with like: whether two plans' targets of one indicator are compared, and why.

A pair of targets is made only within one canonical indicator (the caller's join); this module
says what becomes of it: ``compare`` (the same measure of the same scope), ``implied`` (the same,
but one side's value is implied by its wording, :mod:`analysis.targets.implied`: flagged), or
``check`` (a pair it doubts: the scope words differ, 长江 vs 湖泊 or 支流+湖泊 vs 支流, or the units
cannot be brought to one): a doubted pair is listed for a reviewer and never reported as a
change. Two implied values are no pair at all (neither plan prints a number). Every decision
carries its reason, in plain words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from analysis.targets.implied import IMPLIED_ROLE
from analysis.targets.scope import NOTED_DIMENSIONS, SCOPE_CUES, SEPARATOR, differences, dimension

COMPARE, IMPLIED, CHECK = "compare", "implied", "check"
COMPARED = (COMPARE, IMPLIED)
# Targets that say what a commitment applies to are not themselves compared.
NOT_COMPARED_ROLES = ("scope",)
_MONEY_UNITS = ("元", "万元", "亿元")


class Pairing(NamedTuple):
    decision: str  # compare, implied or check
    reason: str


def units_comparable(unit: str, other_unit: str) -> bool:
    """The same unit, or two money units (brought to yuan before they are compared)."""
    return unit == other_unit or (unit in _MONEY_UNITS and other_unit in _MONEY_UNITS)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _shown(words: str) -> str:
    return "·".join(w for w in words.split(SEPARATOR) if w) or "none"


def pairing(source: Mapping[str, object], target: Mapping[str, object]) -> Pairing | None:
    """The decision on two targets of one indicator (rows with ``role``, ``scope_words``, ``unit``,
    ``value_text``), source (earlier or parent) first; None when both values are implied."""
    roles = (_text(source.get("role")), _text(target.get("role")))
    if roles == (IMPLIED_ROLE, IMPLIED_ROLE):
        return None
    words = (_text(source.get("scope_words")), _text(target.get("scope_words")))
    units = (_text(source.get("unit")), _text(target.get("unit")))
    if differences(*words):
        return Pairing(CHECK, f"scope differs: {_shown(words[0])} vs {_shown(words[1])}")
    if not units_comparable(*units):
        return Pairing(CHECK, f"units differ: {units[0]} vs {units[1]}")
    mine, theirs = (set(w.split(SEPARATOR)) - {""} for w in words)
    common = [w for w in SCOPE_CUES if w in mine & theirs and dimension(w) not in NOTED_DIMENSIONS]
    reasons = ["same indicator"] + ([f"scope {'·'.join(common)} in both"] if common else [])
    for side, row, own, other in (("source", source, mine, theirs), ("target", target, theirs, mine)):
        noted = [w for w in SCOPE_CUES if w in own - other and dimension(w) in NOTED_DIMENSIONS]
        if noted:
            reasons.append(f"worded with {'·'.join(noted)} in the {side} only")
        if row.get("role") == IMPLIED_ROLE:
            reasons.append(f"the {side} value is implied by «{row.get('value_text', '')}»")
    return Pairing(IMPLIED if IMPLIED_ROLE in roles else COMPARE, "; ".join(reasons))
