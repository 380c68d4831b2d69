"""Chinese numerals, both ways: 二十三 → 23 for markers, dates and quantities; 23 → 二十三 for
outline positions (二(三)8)."""

from __future__ import annotations

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_SCALES = {"十": 10, "百": 100, "千": 1000, "万": 10_000}


def chinese_number(numeral: str) -> int | None:
    """Value of a Chinese numeral up to the ten thousands (两 → 2, 二十三 → 23, 三百 → 300); None
    for what is not one (一二三: digits in a row; 十十: a scale not below the one before)."""
    if not numeral:
        return None
    total, section, digit, last_scale = 0, 0, None, None
    for char in numeral:
        if char in _DIGITS:
            if digit is not None:
                return None
            digit = _DIGITS[char]
        elif char in _SCALES:
            scale = _SCALES[char]
            if scale == 10_000:
                total += (section + (digit or 0)) * scale
                section, digit, last_scale = 0, None, None
                continue
            if last_scale is not None and scale >= last_scale:
                return None
            section += (1 if digit is None else digit) * scale
            digit, last_scale = None, scale
        else:
            return None
    return total + section + (digit or 0)


def number_value(text: str) -> int | None:
    """An arabic or a Chinese number: 3 → 3, 十二 → 12."""
    return int(text) if text.isascii() and text.isdigit() else chinese_number(text)


def year_value(text: str) -> str:
    """A year written digit by digit: 二〇二四 → 2024 (arabic years unchanged)."""
    return text if text.isdigit() else "".join(str(chinese_number(c)) for c in text)


def to_chinese(number: int, digits: str = "零一二三四五六七八九", units: str = "十百千") -> str:
    """23 → 二十三, 105 → 一百零五 (below 10,000), as plans number their parts and sections and Word's
    ``chineseCounting`` lists count; ``digits`` and ``units`` give other scripts (壹贰…, 拾佰仟)."""
    if number <= 0:
        return digits[0]
    if number >= 10_000:
        return str(number)
    out, zero = [], False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit, number = divmod(number, power)
        if digit:
            if zero:
                out.append(digits[0])
            out.append(("" if unit == units[0] and digit == 1 and not out else digits[digit]) + unit)
            zero = False
        elif out:
            zero = True
    return "".join(out)
