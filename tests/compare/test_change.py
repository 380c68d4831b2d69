"""A change stated by the kind of number: points for rates, ratios (or shares of the parent's) for
counts and amounts, differences (and relative differences) for concentrations; the sign, the
direction and the verdict always agree."""

from __future__ import annotations

import pytest

from analysis.compare.change import describe, direction, measure, vs_parent


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [(32.0, 46.58, (14.58, "raised")), (80.0, 65.0, (-15.0, "lowered")), (92.0, 92.0, (0.0, "same"))],
)
def test_a_rate_changes_in_percentage_points(before, after, expected) -> None:
    found = describe(before, after, "rate", units=("%", "%"))
    assert (found.measure, (found.value, found.direction)) == ("pp", expected)
    assert found.relative is None and found.verdict == found.direction


@pytest.mark.parametrize(
    ("before", "after", "units", "expected"),
    [
        (170.0, 123.0, ("条", "条"), (0.7235, "lowered")),
        (750.0, 1571.0, ("个", "个"), (2.0947, "raised")),
        (7.0, 7.0, ("个", "个"), (1.0, "same")),
        (5000.0, 1.0, ("万元", "亿元"), (2.0, "raised")),  # money in one unit first
        (0.0, 5.0, ("个", "个"), (None, "raised")),  # no ratio to nothing, still raised
    ],
)
def test_a_count_or_an_amount_changes_by_its_ratio(before, after, units, expected) -> None:
    found = describe(before, after, "money" if "元" in units[0] else "count", units=units)
    assert (found.measure, (found.value, found.direction)) == ("ratio", expected)


def test_a_count_across_levels_is_a_share_of_the_parents() -> None:
    found = describe(100.0, 3.0, "count", units=("家", "家"), level=True)
    assert (found.value, found.direction, found.verdict) == (0.03, "lowered", "share of parent's")
    same = describe(100.0, 100.0, "count", units=("家", "家"), level=True)
    assert (same.value, same.verdict) == (1.0, "share of parent's")


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [(37.0, 35.0, (-2.0, -0.0541, "lowered", "stricter")), (35.0, 35.0, (0.0, 0.0, "same", "equal"))],
)
def test_a_concentration_changes_absolutely_and_relatively(before, after, expected) -> None:
    year = describe(before, after, "concentration", units=("微克/立方米", "微克/立方米"))
    level = describe(before, after, "concentration", units=("微克/立方米",) * 2, level=True, higher_is_better=False)
    assert (year.measure, year.value, year.relative, year.direction, level.verdict) == ("difference", *expected)


def test_a_rank_changes_by_places() -> None:
    found = describe(3.0, 1.0, "rank", units=("位", "位"), level=True, higher_is_better=False)
    assert (found.measure, found.value, found.relative, found.verdict) == ("difference", -2.0, None, "stricter")


@pytest.mark.parametrize("kind", ["rate", "count", "money", "concentration", "rank", "frequency", "quantity"])
@pytest.mark.parametrize(("before", "after"), [(10.0, 12.0), (12.0, 10.0), (10.0, 10.0)])
def test_sign_direction_and_verdict_agree_for_every_kind(kind, before, after) -> None:
    found = describe(before, after, kind, units=("个", "个"))
    sign = {"ratio": (found.value or 1.0) - 1.0}.get(found.measure, found.value or 0.0)
    assert found.direction == ("raised" if sign > 0 else "lowered" if sign < 0 else "same")
    assert found.direction == direction(after, before)
    level = describe(before, after, kind, units=("个", "个"), level=True)
    if measure(kind) != "ratio":
        assert level.verdict == {"raised": "stricter", "lowered": "looser", "same": "equal"}[found.direction]


@pytest.mark.parametrize(
    ("value", "parent", "higher_is_better", "kind", "expected"),
    [
        (78.02, 46.58, True, "rate", "stricter"),
        (65.0, 80.0, True, "rate", "looser"),
        (92.0, 92.0, True, "rate", "equal"),
        (30.0, 35.0, False, "concentration", "stricter"),  # lower PM2.5 is stricter
        (10.0, 1571.0, True, "count", "share of parent's"),  # a city's count is part of its parent's
    ],
)
def test_vs_parent_honours_higher_is_better(value, parent, higher_is_better, kind, expected) -> None:
    assert vs_parent(value, parent, higher_is_better, kind) == expected
