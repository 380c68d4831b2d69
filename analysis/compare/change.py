"""How a target changed from one plan to another, by what kind of number it is.

- rates and shares (``rate``, ``percentage_points``): the difference in percentage points (``pp``);
- counts and amounts (``count``, ``money``, ``quantity``, ``frequency``): the ratio of the two values
  (money brought to one unit first); across levels the ratio is the lower plan's share of the
  parent's (a city's 10 villages are part of the province's 1571, not a looser target);
- concentrations and ranks (``concentration``, ``rank``): the difference in the unit, and for a
  concentration the relative difference too.

The sign of the number, the direction (raised / lowered / same) and the verdict word always come
from the same two values: equal values are ``same`` (``equal`` across levels), whatever the kind.
"""

from __future__ import annotations

from typing import NamedTuple

from analysis.targets.extract import unit_factor

POINT_KINDS = frozenset({"rate", "percentage_points"})
DIFFERENCE_KINDS = frozenset({"concentration", "rank"})
RELATIVE_KINDS = frozenset({"concentration"})
# Kinds whose values a lower-level plan can be stricter or looser on (a count is a share instead).
LEVEL_COMPARABLE_KINDS = POINT_KINDS | DIFFERENCE_KINDS | {"frequency"}
_ROUND = 4
_EQUAL = 1e-9


def measure(kind: str) -> str:
    """How a change of this kind is stated: ``pp``, ``difference`` or ``ratio``."""
    return "pp" if kind in POINT_KINDS else "difference" if kind in DIFFERENCE_KINDS else "ratio"


class Change(NamedTuple):
    """A change from ``before`` to ``after`` (``after``'s unit; money in yuan for the arithmetic).

    ``value``: the number :func:`measure` states (points, difference or ratio; None when the ratio
    is undefined); ``relative``: the relative difference of a concentration, else None;
    ``direction``: raised / lowered / same; ``verdict``: the direction across years, and across
    levels stricter / looser / equal (level-comparable kinds) or ``share of parent's``.
    """

    measure: str
    value: float | None
    relative: float | None
    direction: str
    verdict: str


def direction(value: float, previous: float, unit: str = "", previous_unit: str = "") -> str:
    """raised / lowered / same against the other value (money in one unit first)."""
    difference = value * unit_factor(unit) - previous * unit_factor(previous_unit)
    return "same" if abs(difference) < _EQUAL else ("raised" if difference > 0 else "lowered")


def vs_parent(value: float, parent_value: float, higher_is_better: bool, kind: str) -> str:
    """stricter / looser / equal than the parent's value; ``share of parent's`` for a count or an
    amount (not compared across levels)."""
    if kind not in LEVEL_COMPARABLE_KINDS:
        return "share of parent's"
    if abs(value - parent_value) < _EQUAL:
        return "equal"
    return "stricter" if (value > parent_value) == higher_is_better else "looser"


def describe(
    before: float,
    after: float,
    kind: str,
    *,
    units: tuple[str, str] = ("", ""),
    level: bool = False,
    higher_is_better: bool = True,
) -> Change:
    """The change from ``before`` to ``after`` (``units``: theirs, in that order); ``level``: the
    two are a parent's and its lower-level plan's (else an earlier and a later plan's)."""
    how = measure(kind)
    moved = direction(after, before, units[1], units[0])
    base, top = before * unit_factor(units[0]), after * unit_factor(units[1])
    if how == "ratio":
        value = round(top / base, _ROUND) if base else None
    else:
        value = round(top - base, _ROUND) if moved != "same" else 0.0
    relative = round((top - base) / base, _ROUND) if kind in RELATIVE_KINDS and base else None
    verdict = vs_parent(after, before, higher_is_better, kind) if level else moved
    return Change(how, value, relative, moved, verdict)
