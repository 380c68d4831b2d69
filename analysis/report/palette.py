"""One palette for every chart and table, so a colour means the same thing in every report.

Documents are coloured by level (province blues, city oranges, …) with a shade per document;
relations and directions have fixed colours (continued = blue, new = green, dropped = grey …).
"""
from __future__ import annotations

from typing import Iterable

# Colour-blind-safe base hues (Okabe–Ito) by government level.
LEVEL_SHADES: dict[str, tuple[str, ...]] = {
    "national": ("#000000", "#4d4d4d"),
    "province": ("#0072B2", "#56B4E9", "#1f3b73"),
    "city": ("#E69F00", "#D55E00", "#CC79A7", "#8c510a"),
    "county": ("#009E73", "#5ab4ac", "#01665e"),
    "district": ("#009E73", "#5ab4ac", "#01665e"),
}
OTHER = "#999999"

RELATION_COLOURS = {
    "same": "#0072B2",
    "partial": "#56B4E9",
    "new": "#009E73",
    "local": "#009E73",
    "dropped": "#999999",
    "not_cascaded": "#D55E00",
    "only_in_a": "#E69F00",
    "only_in_b": "#009E73",
}

DIRECTION_COLOURS = {
    "raised": "#009E73",
    "stricter": "#009E73",
    "same": "#999999",
    "equal": "#999999",
    "lowered": "#D55E00",
    "looser": "#D55E00",
    "new": "#0072B2",
}

# Sequential scale for shares (coverage heatmaps): white → blue.
SHARE_SCALE = [[0.0, "#f7fbff"], [0.5, "#6baed6"], [1.0, "#08306b"]]

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'


def document_colours(documents: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A colour per ``(doc_id, level)``: the level's hue, a further shade per extra document."""
    colours: dict[str, str] = {}
    used: dict[str, int] = {}
    for doc_id, level in documents:
        if doc_id in colours:
            continue
        shades = LEVEL_SHADES.get(level, (OTHER,))
        colours[doc_id] = shades[used.get(level, 0) % len(shades)]
        used[level] = used.get(level, 0) + 1
    return colours
