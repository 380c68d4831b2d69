"""No comparison page and no target-chain page of either edition contradicts itself, read as a
reviewer reads it: from the rendered page (its findings and the tables beside them), not from the
facts they were made from.

:func:`page_contradictions` lists what one page states twice in ways that cannot both hold:

- a target change whose sign, ratio or verdict disagrees with its two values, or a count changed
  by percentage points (the 170条 → 123条 "+0.72 个百分点 降低" of issue 21);
- one indicator of one page stated as moving both ways (stricter and looser, raised and lowered);
- a task listed as not taken up (or new, local) without a "to check" mark while the page gives
  it a link of probability 50% or more (more likely linked than not);
- a coverage headline that states no unsure part, or a list of tasks not taken up that is empty,
  while the close reading marks linked pairs as uncertain;
- on the target chain's page, a change against its verdict, or the findings' counts of raised,
  lowered, stricter ... targets against the rows of its tables.
"""

from __future__ import annotations

import html
import re

import pytest

from analysis.report.i18n import LANGS, Messages

PROBABLE = 0.5  # a link of at least this probability is more likely than not
PAGES = [
    "year__hubei_province_2023__hubei_province_2024.html",
    "level__hubei_province_2024__ezhou_city_2024.html",
    "level__hubei_province_2024__wuhan_city_2025.html",
    "escalation.html",
]
VALUE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\S*)")


def _text(cell: str) -> str:
    """A cell's visible text without its caveat marks (措辞不同, implied, ...)."""
    cell = re.sub(r'<span class="caveat">.*?</span>', "", cell, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def table_rows(page: str, name: str) -> list[list[str]]:
    """The body rows of the table a page offers as ``name`` (its CSV download), as cell texts;
    [] when the page has no such table or it is empty."""
    start = page.find(f'data-name="{name}"')
    if start < 0:
        return []
    table = page[start : page.index("</table>", start)]
    rows = [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr(?: [^>]*)?>(.*?)</tr>", table, re.S)
    ]
    return [[_text(c) for c in row] for row in rows if len(row) > 1]


def findings(page: str) -> list[str]:
    start = page.find('<section class="findings">')
    if start < 0:
        return []
    section = page[start : page.index("</section>", start)]
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", section, re.S)]


class Words:
    """The words of one edition a page states its verdicts, changes and doubts in."""

    def __init__(self, msg: Messages) -> None:
        self.up = {msg.verdict("raised")}
        self.down = {msg.verdict("lowered")}
        self.equal = {msg.verdict("same"), msg.verdict("equal"), msg("change.none")}
        self.both_ways = {msg.verdict("stricter"): "+", msg.verdict("looser"): "-", **dict.fromkeys(self.up, "+")}
        self.both_ways |= dict.fromkeys(self.down, "-")
        self.points = msg("unit.pp", value="").strip()
        self.share = {msg.verdict("share of parent's"), msg("change.share_of_parent", share="").strip()}
        self.unsure = {msg("label.unsure"), msg("close.uncertain")}


def change_contradictions(before: str, after: str, change: str, verdict: str, words: Words) -> list[str]:
    """What a stated change (``change``, ``verdict``) of a pair of values contradicts."""
    first, second = VALUE.match(before), VALUE.match(after)
    if not first or not second:
        return []
    (a, unit_a), (b, unit_b) = (float(first[1]), first[2]), (float(second[1]), second[2])
    said = f"{before} → {after}: {change} {verdict}"
    found = []
    if words.points in change and not (unit_a.startswith("%") and unit_b.startswith("%")):
        found.append(f"a count changed by percentage points ({said})")
    if any(s and s in change for s in words.share) or verdict in words.share:
        return found
    moved = (b > a) - (b < a)
    shown = shown_direction(change, words)
    if shown is not None and shown != moved and not (moved and change.startswith("×1.00")):  # rounds a small change
        found.append(f"the change's sign disagrees with the values ({said})")
    stated = stated_direction(verdict, words)
    if stated is not None and stated != moved:
        found.append(f"the verdict disagrees with the values ({said})")
    return found


def shown_direction(change: str, words: Words) -> int | None:
    """+1, -1 or 0 as a change reads (+3 pp, ×0.72, 不变), None when it shows none (a share)."""
    ratio = re.match(r"×(\d+(?:\.\d+)?)", change)
    if ratio:
        return (float(ratio[1]) > 1) - (float(ratio[1]) < 1)
    if change in words.equal or re.match(r"±0(?:\D|$)", change):
        return 0
    signed = re.match(r"([+-])\d", change)
    return (1 if signed[1] == "+" else -1) if signed else None


def stated_direction(verdict: str, words: Words) -> int | None:
    return 1 if verdict in words.up else -1 if verdict in words.down else 0 if verdict in words.equal else None


def stated_changes(sentences: list[str], msg: Messages) -> list[tuple[str, str, str, str, str]]:
    """The (indicator, before, after, change, verdict) the findings state, read with the edition's
    sentence template."""
    separator = re.escape(msg("list.separator"))
    pattern = re.escape(msg.table["findings.target_change"])
    for name, group in (
        ("indicator", rf"(?:(?!{separator})[^：:])+?"),
        ("before", r"\S+?"),
        ("after", r"\S+?"),
        ("change", r".+?"),
        ("verdict", r"[^,，)）]+"),
        ("implied", r"[^)）]*"),
    ):
        pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>{group})")
    found = [m for s in sentences for m in re.finditer(pattern, s)]
    return [(m["indicator"].strip(), m["before"], m["after"], m["change"], m["verdict"]) for m in found]


def target_contradictions(page: str, msg: Messages, words: Words) -> list[str]:
    """Each target change (of the targets table and the findings) against its own values; one
    indicator moving both ways."""
    found: list[str] = []
    ways: dict[str, set[str]] = {}
    rows = [tuple(row[:5]) for row in table_rows(page, "targets.csv")]
    for indicator, before, after, change, verdict in dict.fromkeys(rows + stated_changes(findings(page), msg)):
        found += [f"{indicator}: {c}" for c in change_contradictions(before, after, change, verdict, words)]
        if verdict in words.both_ways:
            ways.setdefault(indicator, set()).add(words.both_ways[verdict])
    found += [f"{indicator} stated as moving both ways" for indicator, way in ways.items() if len(way) > 1]
    return found


def task_contradictions(page: str, words: Words) -> list[str]:
    """A task said to be not taken up (or new) for sure while the page gives it a probable link."""
    probable: dict[int, set[str]] = {2: set(), 4: set()}  # the position columns of possible_links
    for row in table_rows(page, "possible_links.csv"):
        if float(row[0].rstrip("%")) / 100 >= PROBABLE:
            probable[2].add(row[2])
            probable[4].add(row[4])
    found = []
    for name, column in (("not_taken_up.csv", 2), ("new_or_local.csv", 4)):
        for row in table_rows(page, name):
            if row[0] in probable[column] and not words.unsure & set(row):
                found.append(f"{row[0]}「{row[1]}」 listed in {name} for sure and a probable link")
    return found


def certainty_contradictions(page: str, words: Words) -> list[str]:
    """A headline or a list surer than the close reading: uncertain linked pairs, yet a coverage
    count without an unsure part or nothing listed as not taken up."""
    uncertain = [pair for pair in re.findall(r'<div class="pair"[^>]*>', page) if 'data-uncertain="1"' in pair]
    linked = [pair for pair in uncertain if re.search(r'data-rel="(same|partial)"', pair)]
    if not linked:
        return []
    found = []
    said = findings(page)
    if said and not any(word in said[0] for word in words.unsure):
        found.append(f"the coverage headline states no unsure part while {len(linked)} linked pairs are uncertain")
    start = page.find('data-name="not_taken_up.csv"')
    if start >= 0 and not table_rows(page, "not_taken_up.csv"):
        found.append(f"nothing listed as not taken up while {len(linked)} linked pairs are uncertain")
    return found


def escalation_contradictions(page: str, msg: Messages, words: Words) -> list[str]:
    """The target chain's page: each change against its verdict (against the parent only equal
    values are checked: stricter depends on the indicator), and the findings' counts of raised,
    lowered, ... against the rows of its tables."""
    found = []
    counted: dict[str, int] = {}
    for name in ("changes_pp.csv", "changes_ratio.csv"):
        for indicator, plan, _, year_change, year_verdict, parent_change, parent_verdict, *_ in table_rows(page, name):
            for change, verdict in ((year_change, year_verdict), (parent_change, parent_verdict)):
                counted[verdict] = counted.get(verdict, 0) + 1
                shown, stated = shown_direction(change, words), stated_direction(verdict, words)
                if shown is not None and stated is not None and shown != stated:
                    found.append(f"{indicator}, {plan}: {change} {verdict}")
    for key, verdicts in (("years", ("raised", "lowered", "same")), ("levels", ("stricter", "looser", "equal"))):
        template = msg.table[f"findings.escalation.{key}"]
        pattern = re.escape(template[: template.index("{" + verdicts[-1] + "}") + len(verdicts[-1]) + 2])
        for verdict in verdicts:
            pattern = pattern.replace(re.escape("{" + verdict + "}"), rf"(?P<{verdict.replace(' ', '_')}>\d+)")
        said = next((m for m in (re.search(pattern, s) for s in findings(page)) if m), None)
        for verdict in verdicts if said else ():
            if int(said[verdict]) != counted.get(msg.verdict(verdict), 0):
                found.append(
                    f"the findings count {said[verdict]} {verdict}, the tables {counted.get(msg.verdict(verdict), 0)}"
                )
    return found


def page_contradictions(page: str, msg: Messages) -> list[str]:
    words = Words(msg)
    if 'data-name="changes_pp.csv"' in page:
        return escalation_contradictions(page, msg, words)
    return (
        target_contradictions(page, msg, words)
        + task_contradictions(page, words)
        + certainty_contradictions(page, words)
    )


# --- the checker on invented pages (fast) ------------------------------------------------------------


def _table(name: str, rows: list[list[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<button data-name="{name}">CSV</button><table><tr><th>h</th></tr>{body}</table>'


@pytest.mark.parametrize(
    ("before", "after", "change", "verdict", "wrong"),
    [
        ("170条", "123条", "+0.72 个百分点", "降低", 2),  # points for a count, a rise that fell
        ("7个", "7个", "+1 个百分点", "不变", 2),
        ("750个", "1571个", "×2.09", "降低", 1),
        ("80%", "65%", "-15 个百分点", "更宽", 0),
        ("170条", "123条", "×0.72", "降低", 0),
        ("7个", "7个", "不变", "不变", 0),
        ("100家", "3家", "占上级的 3%", "占上级份额", 0),
        ("92%", "92%", "不变", "相同", 0),
    ],
)
def test_a_change_is_checked_against_its_values(before, after, change, verdict, wrong) -> None:
    assert len(change_contradictions(before, after, change, verdict, Words(Messages("zh")))) == wrong


def invented_page(headline: str, second_verdict: str, local_decision: str, not_taken_up: list[list[str]]) -> str:
    """A level page: one uncertain linked pair, two targets of one indicator, a local task the
    model gives 84% of a link."""
    return (
        f'<section class="findings"><ul><li>{headline}</li>'
        "<li>Both plans set targets for 2 indicators; the largest changes: "
        "Share of outfalls from 80% to 100% (+20 pp, stricter).</li></ul></section>"
        '<div class="pair" data-rel="same" data-uncertain="1">'
        + _table(
            "targets.csv",
            [
                ["Share of outfalls", "80%", "100%", "+20 pp", "stricter", "True", "", "", "outfall_ratio"],
                ["Share of outfalls", "90%", "95%", "+5 pp", second_verdict, "True", "", "", "outfall_ratio"],
            ],
        )
        + _table("not_taken_up.csv", not_taken_up)
        + _table("new_or_local.csv", [["3", "a local task", "local", local_decision]])
        + _table("possible_links.csv", [["84%", "0.15", "1", "a task", "3", "a local task"]])
    )


def test_the_checker_finds_each_kind_of_contradiction_on_an_invented_page() -> None:
    msg = Messages("en")
    page = invented_page("B takes up 3 of the 3 tasks of A (100%).", "looser", "sure", [])
    found = page_contradictions(page, msg)
    assert len(found) == 4, found
    assert "Share of outfalls stated as moving both ways" in found
    assert any("a local task" in f and "probable link" in f for f in found)
    assert sum("while 1 linked pairs are uncertain" in f for f in found) == 2
    consistent = invented_page(
        "B takes up 3 of the 3 tasks of A: 2 surely, 1 to check.",
        "stricter",
        "to check",
        [["2", "a linked task", "same", "to check"]],
    )
    assert page_contradictions(consistent, msg) == []


# --- the built pages (slow) -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_no_page_contradicts_itself(built_reports, lang, name) -> None:
    folder = built_reports if lang == "zh" else built_reports / "en"
    page = (folder / name).read_text(encoding="utf-8")
    tables = ("changes_pp.csv", "changes_ratio.csv") if name == "escalation.html" else ("targets.csv",)
    assert findings(page) and all(table_rows(page, t) for t in tables), "the page's findings or tables were not found"
    assert page_contradictions(page, Messages(lang)) == []


def test_the_checker_reads_the_target_chain_page_on_an_invented_page() -> None:
    msg = Messages("zh")
    years = msg("findings.escalation.years", raised=2, lowered=0, same=0, implied=0, check=0)
    rows = [
        ["农村生活污水治理率", "湖北省2024年", "46.58%", "+14.58 个百分点", "提高", "", "", ">="],
        ["受污染耕地安全利用率", "湖北省2024年", "92%", "+1 个百分点", "降低", "", "", ">="],
        ["受污染耕地安全利用率", "鄂州市2024年", "92%", "", "新设", "+3 个百分点", "相同", ">="],
    ]
    page = f'<section class="findings"><ul><li>{years}</li></ul></section>' + _table("changes_pp.csv", rows)
    assert page_contradictions(page, msg) == [
        "受污染耕地安全利用率, 湖北省2024年: +1 个百分点 降低",
        "受污染耕地安全利用率, 鄂州市2024年: +3 个百分点 相同",
        "the findings count 2 raised, the tables 1",
        "the findings count 0 lowered, the tables 1",
    ]
