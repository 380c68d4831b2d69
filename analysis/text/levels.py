"""Level words: what differs between a province's plan and its cities' without changing what a
task does — 全省 / 全市, the names of provinces and cities, 省生态环境厅 / 市生态环境局 — made
neutral before two plans are matched.

A city restates a provincial instrument in its own name (《湖北省排污权储备与出让管理办法》 →
《鄂州市排污权储备与出让管理办法》; 坚持省级审批项目… → 坚持市级审批项目…); a province names its
cities (十堰、鄂州… 6个省级“无废城市”). Left as they are, these words make a city's tasks look less
like the province's than they are, and two tasks of one plan look alike for sharing its place
name. The lexicon ``lexicon/level_words.csv`` (``kind,term``; users add rows) lists:

- ``scope``: words that say whose plan it is (全省, 全市, 我市, 省级, 市委市政府, 厅机关 …);
- ``place``: every province and prefecture-level city of China, full and short (湖北省, 湖北,
  鄂州市, 鄂州; short names that are also common words, such as 日照 or 天水, are left out);
  a user adds the districts or counties of their own plans the same way;
- ``department``: the stems of government departments (生态环境, 公安, 水利 …): a level's unit
  named ``省<stem>厅`` (or ``湖北省<stem>厅``) and the other's ``市<stem>局`` both become
  ``<stem>``.

:meth:`LevelWords.neutral` replaces a department by its stem and every other level word by a
space (so no character n-gram or word is made across it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from analysis.errors import UserError
from analysis.settings import LEVEL_WORDS_PATH
from analysis.storage import read_checked_csv

KINDS = ("scope", "place", "department")
_LEVELS = "省市州盟区县"
_UNIT_ENDINGS = "委员会|办公室|厅|局|委"
_TERM = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True, eq=False)
class LevelWords:
    """The level words of a lexicon, compiled into one pattern (longest terms first)."""

    scope: tuple[str, ...]
    places: tuple[str, ...]
    departments: tuple[str, ...]
    pattern: re.Pattern = field(init=False, repr=False)

    def __post_init__(self) -> None:
        departments, places = _alternation(self.departments), _alternation(self.places)
        prefix = f"(?:{places}|[{_LEVELS}])" if places else f"[{_LEVELS}]"
        words = _alternation(self.scope + self.places)
        parts = [f"{prefix}(?P<department>{departments})(?:{_UNIT_ENDINGS})"] if self.departments else []
        parts += [f"(?:{words})"] if words else []
        object.__setattr__(self, "pattern", re.compile("|".join(parts) or r"(?!)"))

    def neutral(self, text: str) -> str:
        """``text`` with its level words made neutral: a department unit by its stem, any other
        level word by a space."""
        return self.pattern.sub(_replacement, text)


def _alternation(terms: tuple[str, ...]) -> str:
    return "|".join(re.escape(t) for t in sorted(set(terms), key=lambda t: (-len(t), t)))


def _replacement(match: re.Match) -> str:
    return match.groupdict().get("department") or " "


def load_level_words(path: Path | str = LEVEL_WORDS_PATH) -> LevelWords:
    """The level words of the lexicon at ``path``; a clear error naming the line of a bad row."""
    frame = read_checked_csv(path, ["kind", "term"], "level-words lexicon")
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for line, (kind, term) in enumerate(zip(frame["kind"], frame["term"]), start=2):
        if kind not in KINDS:
            raise UserError(path, f"line {line}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if not _TERM.fullmatch(term):
            raise UserError(path, f"line {line}: term {term!r} must be Chinese characters only")
        found[kind].append(term)
    return LevelWords(tuple(found["scope"]), tuple(found["place"]), tuple(found["department"]))
