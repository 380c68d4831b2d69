"""Canonical indicators: the curated lexicon, and the fuzzy mapping of a phrase onto it.

Plans word one indicator many ways (农村生活污水治理率 / 农村生活污水治理(管控)率, 验收销号比例 /
整治验收率). The lexicon (``lexicon/indicators.csv``) gives each indicator an id, a Chinese name,
``|``-separated aliases, an English label, its unit and kind, and whether higher is better. A
phrase is mapped by rapidfuzz over jieba tokens (``analysis.segment.token_string``) against every
name and alias of the indicators whose kind fits the number's kind; the best score is kept, and
below ``INDICATOR_MIN_SCORE`` the phrase stays unmapped (its own words, empty id), never dropped.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from analysis.errors import UserError
from analysis.segment import INDICATOR_LEXICON, token_string
from analysis.settings import INDICATOR_MIN_SCORE
from analysis.storage import read_checked_csv

LEXICON_COLUMNS = ["indicator_id", "name_zh", "aliases", "name_en", "unit", "kind", "higher_is_better", "domain", "note"]
# Which lexicon kinds a number of a given kind may measure.
COMPATIBLE_KINDS = {
    "rate": {"rate"},
    "percentage_points": {"rate"},
    "count": {"count"},
    "money": {"money"},
    "concentration": {"concentration"},
    "frequency": {"frequency"},
    "rank": {"rank"},
    "quantity": {"quantity"},
}
CONTEXT_JOINER = " / "
# 劣Ⅴ类 and 劣V类 are one word (plans print either).
_ROMAN_NUMERALS = str.maketrans({"Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "Ⅴ": "V", "Ⅵ": "VI"})
# Weight a contained alias keeps however many extra words the phrase holds.
_UNEXPLAINED_FLOOR = 0.6
# Share (%) of an alias's characters a longer phrase must hold, in order, to contain it.
_CONTAINED_MIN = 80


def load_lexicon(path: Path | str = INDICATOR_LEXICON) -> pd.DataFrame:
    """Read and check the indicator lexicon."""
    lexicon = read_checked_csv(path, LEXICON_COLUMNS, "indicator lexicon")
    duplicated = lexicon["indicator_id"][lexicon["indicator_id"].duplicated()]
    if len(duplicated):
        raise UserError(path, f"duplicate indicator_id {duplicated.iloc[0]!r}")
    if not lexicon["higher_is_better"].isin(["true", "false"]).all():
        raise UserError(path, "higher_is_better must be true or false")
    lexicon = lexicon[LEXICON_COLUMNS].copy()
    lexicon["higher_is_better"] = lexicon["higher_is_better"] == "true"
    return lexicon


def phrase_tokens(phrase: str) -> str:
    """A phrase as rapidfuzz compares it: jieba tokens joined by spaces, Roman numerals as letters."""
    return token_string(phrase.translate(_ROMAN_NUMERALS))


def alias_table(lexicon: pd.DataFrame) -> pd.DataFrame:
    """One row per (indicator, name or alias), with the alias's token string."""
    rows = [
        {"indicator_id": row.indicator_id, "kind": row.kind, "alias": alias}
        for row in lexicon.itertuples(index=False)
        for alias in [row.name_zh, *row.aliases.split("|")]
        if alias
    ]
    frame = pd.DataFrame(rows, columns=["indicator_id", "kind", "alias"])
    frame["tokens"] = [phrase_tokens(a) for a in frame["alias"]]
    return frame


def phrase_score(phrase_tokens: str, alias_tokens: str, **_: object) -> float:
    """How well a phrase (jieba tokens joined by spaces) names an alias (0–100).

    The better of two readings: the token-sorted similarity of the two, and — when the alias is
    the shorter — how much of the alias the phrase holds in order (its characters' longest
    common subsequence, from rapidfuzz's Indel distance; counted from 80% on), scaled down as
    the phrase holds more words the alias does not explain (``纳入全国碳市场…的在汉企业履约率``
    holds ``企业履约率``). A short generic phrase (``整治任务``) is never found "inside" a longer
    alias. Equal readings are told apart by the token-sorted similarity (a hundredth of it is
    added).
    """
    sorted_score = fuzz.token_sort_ratio(phrase_tokens, alias_tokens)
    phrase_chars, alias_chars = phrase_tokens.replace(" ", ""), alias_tokens.replace(" ", "")
    if not alias_chars or len(alias_chars) >= len(phrase_chars):
        return sorted_score
    common = (len(alias_chars) + len(phrase_chars) - Indel.distance(alias_chars, phrase_chars)) / 2
    found = 100 * common / len(alias_chars)
    if found < _CONTAINED_MIN:
        return sorted_score
    explained = len(alias_chars) / len(phrase_chars)
    contained = found * (_UNEXPLAINED_FLOOR + (1 - _UNEXPLAINED_FLOOR) * explained)
    return min(max(sorted_score, contained) + sorted_score / 100, 100.0)


def indicator_scores(phrase: str, kind: str, aliases: pd.DataFrame) -> pd.Series:
    """Score of a phrase for each indicator of a compatible kind (its best name or alias)."""
    candidates = aliases[aliases["kind"].isin(COMPATIBLE_KINDS.get(kind, {kind}))]
    if not phrase or candidates.empty:
        return pd.Series(dtype=float)
    scores = process.cdist([phrase_tokens(phrase)], list(candidates["tokens"]), scorer=phrase_score, workers=1)[0]
    return pd.Series(scores, index=candidates["indicator_id"].to_numpy()).groupby(level=0, sort=False).max()


def map_phrase(phrase: str, kind: str, lexicon: pd.DataFrame, context: str = "",
               min_score: float = INDICATOR_MIN_SCORE) -> dict[str, object]:
    """Map a phrase to an indicator; a phrase too generic alone is read in its sentence's context.

    In context the phrase is scored as ``context + phrase``, and equal scores are told apart by
    the phrase alone (``…入河排污口排查整治`` + ``整治任务`` is rectification, not traceability).
    """
    aliases = _aliases(lexicon)
    local = indicator_scores(phrase, kind, aliases)
    wording, scores = phrase, local
    if context and (local.empty or local.max() < min_score):
        joined = indicator_scores(context + phrase, kind, aliases)
        if not joined.empty and joined.max() > (local.max() if not local.empty else 0):
            wording = f"{context}{CONTEXT_JOINER}{phrase}" if phrase else context
            scores = (joined + local.reindex(joined.index).fillna(0) / 100).clip(upper=100)
    if scores.empty:
        return {"indicator": wording, "indicator_id": "", "indicator_score": 0.0}
    indicator_id, score = scores.idxmax(), float(scores.max())
    return {"indicator": wording, "indicator_id": indicator_id if score >= min_score else "",
            "indicator_score": round(score, 1)}


def map_targets(targets: pd.DataFrame, lexicon: pd.DataFrame, min_score: float = INDICATOR_MIN_SCORE) -> pd.DataFrame:
    """Add ``indicator``, ``indicator_id``, ``indicator_name``, ``indicator_score`` to a target table."""
    mapped = pd.DataFrame(
        [map_phrase(p, k, lexicon, c, min_score) for p, k, c in zip(targets["phrase"], targets["kind"], targets["context"])],
        columns=["indicator", "indicator_id", "indicator_score"], index=targets.index,
    )
    names = dict(zip(lexicon["indicator_id"], lexicon["name_zh"]))
    mapped["indicator_name"] = [names.get(i, "") for i in mapped["indicator_id"]]
    return pd.concat([targets, mapped], axis=1)


def _aliases(lexicon: pd.DataFrame) -> pd.DataFrame:
    """The alias table of a lexicon, segmented once per distinct lexicon content."""
    return _alias_table_of(tuple(zip(lexicon["indicator_id"], lexicon["name_zh"], lexicon["aliases"], lexicon["kind"])))


@lru_cache(maxsize=4)
def _alias_table_of(rows: tuple[tuple[str, str, str, str], ...]) -> pd.DataFrame:
    return alias_table(pd.DataFrame(list(rows), columns=["indicator_id", "name_zh", "aliases", "kind"]))
