"""Chinese numerals read and written the way plans number parts, dates and quantities."""

from __future__ import annotations

import pytest

from analysis.text.numerals import chinese_number, number_value, to_chinese, year_value


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("三十五", 35),
        ("两", 2),
        ("一百二十三", 123),
        ("三千", 3000),
        ("五万", 50000),
        ("一二", None),
        ("十十", None),
        ("第", None),
        ("", None),
    ],
)
def test_chinese_numbers(numeral: str, value: int | None) -> None:
    assert chinese_number(numeral) == value


def test_written_and_read_back_agree_for_every_outline_number() -> None:
    assert all(chinese_number(to_chinese(n)) == n for n in range(1, 100))


def test_arabic_or_chinese_and_years_digit_by_digit() -> None:
    assert (number_value("12"), number_value("十二"), number_value("²")) == (12, 12, None)
    assert (year_value("二〇二四"), year_value("2024")) == ("2024", "2024")
