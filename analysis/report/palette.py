"""One palette for every chart and table, so a colour means the same thing in every report.

Each plan has one colour, picked by the hash of its doc id (the same in every report);
relations and directions have fixed colours (continued = blue, new = green, dropped = grey …).
"""

from __future__ import annotations

from collections.abc import Iterable

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

FONT_FAMILY = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'

# One colour per plan, the same in every report whatever else the corpus holds: the doc id's hash
# picks it (not its position among the documents).
PLAN_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8c510a",
    "#1f3b73",
    "#01665e",
    "#762a83",
    "#b2182b",
    "#4d4d4d",
)


def plan_colour(doc_id: str) -> str:
    """The plan's colour: the md5 of its doc id (last four bytes) into :data:`PLAN_COLOURS`. Two
    plans may share a colour (12 colours); none changes colour when others join the corpus."""
    import hashlib

    digest = hashlib.md5(str(doc_id).encode("utf-8"), usedforsecurity=False).digest()
    return PLAN_COLOURS[int.from_bytes(digest[-4:], "big") % len(PLAN_COLOURS)]


def document_colours(documents: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A colour per ``(doc_id, level)``: :func:`plan_colour` of the doc id (stable across reports)."""
    return {doc_id: plan_colour(doc_id) for doc_id, _level in documents}
