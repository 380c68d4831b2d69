"""Canonical indicators: the curated lexicon, and the fuzzy mapping of a phrase onto it.

Plans word one indicator many ways (农村生活污水治理率 / 农村生活污水治理(管控)率, 验收销号比例 /
整治验收率). The lexicon (``lexicon/indicators.csv``) gives each indicator an id, a Chinese name,
``|``-separated aliases, an English label, its unit and kind, whether higher is better and, for an
indicator split by scope (the Yangtze's outfalls, the lakes'), its scope words
(:mod:`analysis.targets.scope`). A phrase is mapped by rapidfuzz over jieba tokens
(``analysis.segment.token_string``) against every name and alias of the indicators whose kind fits
the number's kind and whose scope the target's scope words do not contradict; the best score is
kept, and below the settings' ``indicator_min_score`` (:class:`analysis.settings.TargetSettings`)
the phrase stays unmapped (its own words, empty id), never dropped.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from analysis.errors import UserError
from analysis.settings import TargetSettings
from analysis.storage import read_checked_csv
from analysis.targets.scope import by_dimension, contradicts
from analysis.text.segment import INDICATOR_LEXICON, token_string

LEXICON_COLUMNS = [
    "indicator_id",
    "name_zh",
    "aliases",
    "name_en",
    "unit",
    "kind",
    "higher_is_better",
    "domain",
    "note",
]
# Optional: an indicator split by scope names its scope words (analysis.targets.scope); empty if absent.
OPTIONAL_COLUMNS = ["scope"]
# Which lexicon kinds a number of a given kind may measure (any other kind: its own).
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


class IndicatorMatch(TypedDict):
    """A phrase mapped onto the lexicon (:meth:`Matcher.map`): the wording scored, the indicator
    (empty below the threshold) and the score (0–100)."""

    indicator: str
    indicator_id: str
    indicator_score: float


def load_lexicon(path: Path | str = INDICATOR_LEXICON) -> pd.DataFrame:
    """Read and check the indicator lexicon."""
    lexicon = read_checked_csv(path, LEXICON_COLUMNS, "indicator lexicon")
    duplicated = lexicon["indicator_id"][lexicon["indicator_id"].duplicated()]
    if len(duplicated):
        raise UserError(path, f"duplicate indicator_id {duplicated.iloc[0]!r}")
    if not lexicon["higher_is_better"].isin(["true", "false"]).all():
        raise UserError(path, "higher_is_better must be true or false")
    for column in OPTIONAL_COLUMNS:
        if column not in lexicon.columns:
            lexicon[column] = ""
    for indicator_id, scope in zip(lexicon["indicator_id"], lexicon["scope"]):
        try:
            by_dimension(scope)
        except ValueError as exc:
            raise UserError(path, f"{indicator_id}: {exc}") from None
    lexicon = lexicon[LEXICON_COLUMNS + OPTIONAL_COLUMNS].copy()
    lexicon["higher_is_better"] = lexicon["higher_is_better"] == "true"
    return lexicon


def phrase_tokens(phrase: str) -> str:
    """A phrase as rapidfuzz compares it: jieba tokens joined by spaces, Roman numerals as letters."""
    return token_string(phrase.translate(_ROMAN_NUMERALS))


def alias_table(lexicon: pd.DataFrame) -> pd.DataFrame:
    """One row per (indicator, name or alias), with the alias's token string."""
    rows = [
        {"indicator_id": indicator_id, "kind": kind, "alias": alias}
        for indicator_id, kind, name_zh, aliases in zip(
            lexicon["indicator_id"].astype(str).tolist(),
            lexicon["kind"].astype(str).tolist(),
            lexicon["name_zh"].astype(str).tolist(),
            lexicon["aliases"].astype(str).tolist(),
        )
        for alias in [name_zh, *aliases.split("|")]
        if alias
    ]
    frame = pd.DataFrame(rows, columns=["indicator_id", "kind", "alias"])
    frame["tokens"] = [phrase_tokens(a) for a in frame["alias"]]
    return frame


def phrase_score(phrase_tokens: str, alias_tokens: str, settings: TargetSettings | None = None, **_: object) -> float:
    """How well a phrase (jieba tokens joined by spaces) names an alias (0–100).

    The better of two readings: the token-sorted similarity of the two, and — when the alias is
    the shorter — how much of the alias the phrase holds in order (its characters' longest
    common subsequence, from rapidfuzz's Indel distance; counted from the settings'
    ``alias_contained_min``, 80%, on), scaled down as the phrase holds more words the alias does
    not explain, to at least ``unexplained_floor`` (``纳入全国碳市场…的在汉企业履约率``
    holds ``企业履约率``). A short generic phrase (``整治任务``) is never found "inside" a longer
    alias. Equal readings are told apart by the token-sorted similarity (a hundredth of it is
    added).
    """
    if settings is None:  # optional only in the signature rapidfuzz's scorers have
        raise TypeError("phrase_score needs the target settings (scorer_kwargs)")
    sorted_score = fuzz.token_sort_ratio(phrase_tokens, alias_tokens)
    phrase_chars, alias_chars = phrase_tokens.replace(" ", ""), alias_tokens.replace(" ", "")
    if not alias_chars or len(alias_chars) >= len(phrase_chars):
        return sorted_score
    common = (len(alias_chars) + len(phrase_chars) - Indel.distance(alias_chars, phrase_chars)) / 2
    found = 100 * common / len(alias_chars)
    if found < settings.alias_contained_min:
        return sorted_score
    explained = len(alias_chars) / len(phrase_chars)
    floor = settings.unexplained_floor
    contained = found * (floor + (1 - floor) * explained)
    return min(max(sorted_score, contained) + sorted_score / 100, 100.0)


class Matcher:
    """A lexicon's names and aliases, segmented once and grouped by kind, with the scores of
    phrases already seen remembered (plans repeat their phrases); scored and mapped with its
    ``settings``."""

    def __init__(self, lexicon: pd.DataFrame, settings: TargetSettings):
        self.settings = settings
        aliases = alias_table(lexicon)
        self.names = dict(zip(lexicon["indicator_id"], lexicon["name_zh"]))
        self.scopes = dict(zip(lexicon["indicator_id"], lexicon["scope"])) if "scope" in lexicon else {}
        self._by_kind: dict[str, tuple[np.ndarray, list[str], np.ndarray]] = {}
        for kind in {*COMPATIBLE_KINDS, *lexicon["kind"]}:
            accepted = COMPATIBLE_KINDS.get(kind, {kind})
            candidates = aliases[aliases["kind"].isin(accepted)]
            ids = list(dict.fromkeys(candidates["indicator_id"]))  # first appearance order
            position = {indicator_id: i for i, indicator_id in enumerate(ids)}
            self._by_kind[kind] = (
                np.array(ids, dtype=object),
                list(candidates["tokens"]),
                np.array([position[i] for i in candidates["indicator_id"]], dtype=np.int64),
            )
        self._scores = lru_cache(maxsize=65_536)(self._score_array)
        self._ruled_out = lru_cache(maxsize=4_096)(self._ruled_out_by)

    def _score_array(self, phrase: str, kind: str) -> np.ndarray | None:
        ids, tokens, group = self._by_kind.get(kind, (np.array([], dtype=object), [], np.array([], dtype=np.int64)))
        if not phrase or not tokens:
            return None
        scores = process.cdist(
            [phrase_tokens(phrase)], tokens, scorer=phrase_score, workers=1, scorer_kwargs={"settings": self.settings}
        )[0]
        best = np.full(len(ids), -np.inf)
        np.maximum.at(best, group, scores)
        return best

    def scores(self, phrase: str, kind: str) -> pd.Series:
        """Score of a phrase for each indicator of a compatible kind (its best name or alias)."""
        found = self._scores(phrase, kind)
        if found is None:
            return pd.Series(dtype=float)
        return pd.Series(found, index=self._by_kind[kind][0])

    def map(
        self, phrase: str, kind: str, context: str = "", min_score: float | None = None, scope: str = ""
    ) -> IndicatorMatch:
        """Map a phrase to an indicator; a phrase too generic alone is read in its sentence's context.

        ``min_score``: the settings' ``indicator_min_score`` unless given; ``scope``: the target's
        scope words (an indicator whose declared scope they contradict is never chosen).

        In context the phrase is scored as ``context + phrase``, and equal scores are told apart
        by the phrase alone (``…入河排污口排查整治`` + ``整治任务`` is rectification, not traceability).
        """
        min_score = self.settings.indicator_min_score if min_score is None else min_score
        local = self._in_scope(self._scores(phrase, kind), kind, scope)
        wording, scores = phrase, local
        local_best = local.max() if local is not None else 0.0
        if context and local_best < min_score:
            joined = self._in_scope(self._scores(context + phrase, kind), kind, scope)
            if joined is not None and joined.max() > local_best:
                wording = f"{context}{CONTEXT_JOINER}{phrase}" if phrase else context
                scores = np.minimum(joined + (local if local is not None else 0.0) / 100, 100.0)
        if scores is None or not np.isfinite(scores).any():
            return {"indicator": wording, "indicator_id": "", "indicator_score": 0.0}
        best = int(np.argmax(scores))
        score = float(scores[best])
        return {
            "indicator": wording,
            "indicator_id": self._by_kind[kind][0][best] if score >= min_score else "",
            "indicator_score": round(score, 1),
        }

    def _in_scope(self, scores: np.ndarray | None, kind: str, scope: str) -> np.ndarray | None:
        """``scores`` with the indicators whose declared scope ``scope`` contradicts ruled out."""
        if scores is None or not scope:
            return scores
        ruled_out = self._ruled_out(kind, scope)
        return np.where(ruled_out, -np.inf, scores) if ruled_out is not None else scores

    def _ruled_out_by(self, kind: str, scope: str) -> np.ndarray | None:
        """Which indicators of ``kind`` the scope words ``scope`` contradict (None: none of them)."""
        ids = self._by_kind[kind][0]
        ruled_out = np.array([contradicts(scope, self.scopes.get(i, "")) for i in ids], dtype=bool)
        return ruled_out if ruled_out.any() else None


def indicator_scores(phrase: str, kind: str, lexicon: pd.DataFrame, settings: TargetSettings) -> pd.Series:
    """Score of a phrase for each indicator of a compatible kind (its best name or alias)."""
    return matcher(lexicon, settings).scores(phrase, kind)


def map_phrase(
    phrase: str,
    kind: str,
    lexicon: pd.DataFrame,
    context: str = "",
    min_score: float | None = None,
    *,
    settings: TargetSettings,
) -> IndicatorMatch:
    """Map one phrase (see :meth:`Matcher.map`)."""
    return matcher(lexicon, settings).map(phrase, kind, context, min_score)


def map_targets(
    targets: pd.DataFrame, lexicon: pd.DataFrame, settings: TargetSettings, min_score: float | None = None
) -> pd.DataFrame:
    """Add ``indicator``, ``indicator_id``, ``indicator_name``, ``indicator_score`` to a target table."""
    found = matcher(lexicon, settings)
    mapped = pd.DataFrame(
        [found.map(p, k, c, min_score) for p, k, c in zip(targets["phrase"], targets["kind"], targets["context"])],
        columns=["indicator", "indicator_id", "indicator_score"],
        index=targets.index,
    )
    mapped["indicator_name"] = [found.names.get(i, "") for i in mapped["indicator_id"]]
    return pd.concat([targets, mapped], axis=1)


def matcher(lexicon: pd.DataFrame, settings: TargetSettings) -> Matcher:
    """The matcher of a lexicon, built once per distinct lexicon content and settings."""
    scope = lexicon["scope"].tolist() if "scope" in lexicon.columns else [""] * len(lexicon)
    columns = [lexicon[c].tolist() for c in ("indicator_id", "name_zh", "aliases", "kind")]
    key = tuple(zip(*columns, scope))
    return _matcher_of(key, settings)


@lru_cache(maxsize=4)
def _matcher_of(rows: tuple[tuple[str, str, str, str, str], ...], settings: TargetSettings) -> Matcher:
    frame = pd.DataFrame(list(rows), columns=["indicator_id", "name_zh", "aliases", "kind", "scope"])
    return Matcher(frame, settings)
