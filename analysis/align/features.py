"""Features of texts for alignment: character n-grams, jieba words, unit stems, indicators, as
sparse TF-IDF rows; and each task's role (goal block or action).

Features are numbered by a :class:`FeatureSpace` that a build or a comparison owns; a text's
row is a list of feature ids with sublinear term frequencies, and plans stack their rows into
sparse matrices.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.align.clauses import WORD_RUN
from analysis.text import segment
from analysis.text.levels import LevelWords, load_level_words
from analysis.text.segment import smoothed_idf
from analysis.text.topics import TopicLexicon, load_topics

GOAL, ACTION = "goal", "action"
# Units named for everyone (各市、州…局, 局系统相关单位, 厅机关各处室): no evidence of a shared task.
_GENERIC_UNIT = re.compile(r"^(各|相关|有关|局系统|厅机关|机关各|市直|区直)")
# Endings of unit names, longest first: what is left is the unit's stem (水处 / 水科 → 水).
UNIT_ENDINGS = (
    "中心站",
    "分局",
    "支队",
    "大队",
    "中心",
    "处室",
    "处",
    "科",
    "局",
    "站",
    "室",
    "办",
    "委",
    "院",
    "队",
    "所",
)
_UNIT_LEVEL_PREFIX = re.compile(r"^(省|市|区|县)")
# A plan's goal block: part or section titles 主要目标, 重要目标, 主要工作目标 … (共性目标任务 and
# 其他工作目标 are lists of duties), a paragraph headed 主要目标, goals listed by medium
# (水环境质量方面).
_GOAL_TITLE = re.compile(r"(?:主要|重要|工作|预期|总体)目标")
_DUTY_TITLE = re.compile(r"共性|其他")
_GOAL_HEADING = re.compile(r"^(?:主要|重要|工作|预期|总体)目标|方面$")


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> Counter:
    """Character n-grams inside runs of word characters (never across punctuation)."""
    grams: Counter = Counter()
    for run in WORD_RUN.findall(text):
        for n in sizes:
            grams.update(run[i : i + n] for i in range(len(run) - n + 1))
    return grams


def unit_stem(unit: str) -> str:
    """The stem of a unit name: 水处 → 水, 固废科 → 固废, 人事教育科 → 人事教育, 执法支队 → 执法.

    A name that is only an ending (支队) has no stem.
    """
    stem = _UNIT_LEVEL_PREFIX.sub("", unit.strip())
    for ending in UNIT_ENDINGS:
        if stem.endswith(ending):
            return stem[: -len(ending)]
    return stem


def unit_features(lead_units: str, responsible_units: str) -> Counter:
    """Stem and first-character features of a task's named (non-generic) units.

    Units of different levels share a stem (水处 ↔ 水科) or its first character (土壤处 ↔ 土科,
    固体处 ↔ 固废科); a full stem match shares two features, a head match one.
    """
    features: Counter = Counter()
    for unit in segment.unit_names(f"{lead_units};{responsible_units}"):
        if _GENERIC_UNIT.match(unit):
            continue
        stem = unit_stem(unit)
        if stem:
            features[f"stem:{stem}"] = 1
            features[f"head:{stem[0]}"] = 1
    return features


def task_roles(tasks: pd.DataFrame) -> np.ndarray:
    """``goal`` for the tasks of a plan's goal block, ``action`` for every other task."""
    return np.array(
        [
            _role(str(part), str(section), str(heading))
            for part, section, heading in zip(tasks["part_title"], tasks["section_title"], tasks["heading"])
        ],
        dtype=object,
    )


@lru_cache(maxsize=16_384)
def _role(part_title: str, section_title: str, heading: str) -> str:
    if _DUTY_TITLE.search(f"{part_title} {section_title}"):
        return ACTION
    goal = _GOAL_TITLE.search(f"{part_title} {section_title}") or _GOAL_HEADING.search(heading)
    return GOAL if goal else ACTION


class FeatureIds:
    """Column numbers of features of one kind (n-grams, words, unit stems or indicators).

    ``flag`` marks features (e.g. boilerplate words) in :meth:`flags`.
    """

    def __init__(self, flag: Callable[[str], bool] | None = None) -> None:
        self._ids: dict[str, int] = {}
        self.names: list[str] = []  # the feature of each id
        self._flag = flag
        self._flags: list[bool] = []
        self._flag_array = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self._ids)

    def of(self, features: Iterable[str]) -> np.ndarray:
        """The ids of ``features``, numbering new ones."""
        ids = self._ids
        found = []
        for feature in features:
            number = ids.get(feature)
            if number is None:
                number = ids[feature] = len(ids)
                self.names.append(feature)
                if self._flag is not None:
                    self._flags.append(self._flag(feature))
            found.append(number)
        return np.array(found, dtype=np.int64)

    def known(self, feature: str) -> int:
        """The id of ``feature``, -1 if it has none."""
        return self._ids.get(feature, -1)

    def flags(self) -> np.ndarray:
        """``flag(feature)`` of every feature numbered so far, by id."""
        if len(self._flag_array) != len(self._flags):
            self._flag_array = np.concatenate(
                [self._flag_array, np.array(self._flags[len(self._flag_array) :], dtype=bool)]
            )
        return self._flag_array


# A text's features: ids (ascending) and sublinear term frequencies 1 + ln(count).
Row = tuple[np.ndarray, np.ndarray]


def feature_row(ids_of: FeatureIds, counts: Counter) -> Row:
    ids = ids_of.of(counts)
    frequencies = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    order = np.argsort(ids)
    return ids[order], frequencies[order]


@dataclass(frozen=True)
class Rows:
    """Feature rows stacked: the parts of a sparse CSR matrix (row pointers, feature ids, weights)."""

    indptr: np.ndarray
    feature: np.ndarray
    weight: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def stack(cls, rows: Sequence[Row]) -> Rows:
        lengths = np.fromiter((len(ids) for ids, _ in rows), dtype=np.int64, count=len(rows))
        return cls(
            np.r_[0, np.cumsum(lengths)],
            np.concatenate([ids for ids, _ in rows]) if rows else np.zeros(0, dtype=np.int64),
            np.concatenate([w for _, w in rows]) if rows else np.zeros(0),
        )

    @classmethod
    def summed(cls, parts: Sequence[Sequence[Row]]) -> Rows:
        """Rows of texts made of parts (feature ids and counts each): a text's counts summed,
        weighed as sublinear term frequencies 1 + ln(count); features ascending in each row."""
        flat = [part for text_parts in parts for part in text_parts]
        if not flat:
            return cls(np.zeros(len(parts) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        sizes = [sum(len(ids) for ids, _ in text_parts) for text_parts in parts]
        ids = np.concatenate([ids for ids, _ in flat])
        width = int(ids.max()) + 1 if len(ids) else 1
        counts = np.concatenate([counts for _, counts in flat])
        # scipy sums a row's repeated features and sorts them (in C, row by row: no sort of all keys)
        matrix = sparse.csr_matrix((counts, (np.repeat(np.arange(len(parts)), sizes), ids)), shape=(len(parts), width))
        matrix.sum_duplicates()
        return cls(matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64), 1.0 + np.log(matrix.data))

    def holds(self, row: int, feature: int) -> bool:
        """Whether ``row`` has ``feature`` (rows made by :meth:`summed`, features ascending)."""
        features = self.feature[self.indptr[row] : self.indptr[row + 1]]
        at = np.searchsorted(features, feature)
        return bool(at < len(features) and features[at] == feature)

    def plus(self, row: np.ndarray, feature: np.ndarray) -> Rows:
        """These rows with more features of weight 1 (``row[i]`` gets ``feature[i]``)."""
        own_row = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        order = np.argsort(np.concatenate([own_row, row]), kind="stable")
        counts = np.diff(self.indptr) + np.bincount(row, minlength=self.n_rows)
        return Rows(
            np.r_[0, np.cumsum(counts)],
            np.concatenate([self.feature, feature])[order],
            np.concatenate([self.weight, np.ones(len(row))])[order],
        )

    def matrix(self, n_features: int) -> sparse.csr_matrix:
        return sparse.csr_matrix((self.weight, self.feature, self.indptr), shape=(self.n_rows, n_features))


def document_frequency(n_features: int, *rows: Rows) -> np.ndarray:
    """In how many rows of ``rows`` each feature occurs (a feature occurs once per row)."""
    return np.bincount(np.concatenate([r.feature for r in rows]), minlength=n_features)


def weighted(matrix: sparse.csr_matrix, weight_of: Callable[[np.ndarray], np.ndarray]) -> sparse.csr_matrix:
    """Rows of ``matrix`` with each feature scaled by ``weight_of(feature ids)``, L2-normalised
    (cosines are dot products). Weights are computed for the features present only, so the cost
    does not grow with the number of features the process has seen."""
    matrix = matrix.copy()
    matrix.data *= weight_of(matrix.indices)
    norms = np.sqrt(
        np.bincount(
            np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)), matrix.data**2, minlength=matrix.shape[0]
        )
    )
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
    return matrix


def paired_tfidf(left: Rows, right: Rows, ids: FeatureIds) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """TF-IDF rows of two lists weighed together (the IDF is smoothed over both sides)."""
    n_features = len(ids)
    frequency, n_documents = document_frequency(n_features, left, right), left.n_rows + right.n_rows
    idf = lambda features: smoothed_idf(frequency[features], n_documents)  # noqa: E731
    return weighted(left.matrix(n_features), idf), weighted(right.matrix(n_features), idf)


class FeatureSpace:
    """One numbering of features (n-grams, words, unit stems, indicators) shared by the plans
    compared in one build, with each text run's row computed once within it, and the lexicons
    the plans are read with (the field's topics, the level words; those of ``lexicon/`` unless
    given).

    A build (or a single comparison) owns its space: nothing is kept process-wide, so results do
    not depend on what was aligned before. The run caches only save time; they are emptied when
    they reach ``cache_size`` entries (a run met again gets the same ids).
    """

    def __init__(
        self, cache_size: int = 262_144, topics: TopicLexicon | None = None, levels: LevelWords | None = None
    ) -> None:
        self.topics = topics or load_topics()
        self.levels = levels or load_level_words()
        self.chars = FeatureIds()
        self.words = FeatureIds(flag=segment.BOILERPLATE_WORDS.__contains__)
        self.units = FeatureIds()
        self.indicators = FeatureIds()
        self._cache_size = cache_size
        self._grams: dict[str, Row] = {}
        self._words: dict[tuple[str, ...], Row] = {}

    def _cached(self, cache: dict, key, make: Callable[[], Row]) -> Row:
        found = cache.get(key)
        if found is None:
            if len(cache) >= self._cache_size:
                cache.clear()
            found = cache[key] = make()
        return found

    def _run_grams(self, run: str) -> Row:
        """The n-gram ids and counts of a run of word characters (runs recur across texts and plans)."""

        def make() -> Row:
            grams = char_ngrams(run)
            return self.chars.of(grams), np.fromiter(grams.values(), dtype=np.float64, count=len(grams))

        return self._cached(self._grams, run, make)

    def _run_words(self, words: tuple[str, ...]) -> Row:
        """The word ids and counts of a run's words."""

        def make() -> Row:
            counts = Counter(words)
            return self.words.of(counts), np.fromiter(counts.values(), dtype=np.float64, count=len(counts))

        return self._cached(self._words, words, make)

    def char_rows(self, texts: Sequence[str]) -> Rows:
        known = self._grams  # most runs were met before: looked up here, without a call
        return Rows.summed([[known.get(run) or self._run_grams(run) for run in WORD_RUN.findall(t)] for t in texts])

    def word_rows(self, texts: Sequence[str]) -> Rows:
        """Rows of jieba's search-mode terms (:func:`segment.index_terms` without a vocabulary)."""
        known = self._words
        return Rows.summed(
            [[known.get(run) or self._run_words(run) for run in segment.search_word_runs(t)] for t in texts]
        )

    def unit_rows(self, lead_units: Sequence[str], responsible_units: Sequence[str]) -> Rows:
        return Rows.stack(
            [
                feature_row(self.units, unit_features(str(lead), str(responsible)))
                for lead, responsible in zip(lead_units, responsible_units)
            ]
        )

    def indicator_rows(self, indicators: Sequence[tuple[str, ...]]) -> Rows:
        return Rows.stack([(self.indicators.of(ids), np.ones(len(ids))) for ids in indicators])


def group_starts(counts: np.ndarray) -> np.ndarray:
    """Where each group of ``counts`` starts in the flat order."""
    return np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64) if len(counts) else np.zeros(0, dtype=np.int64)
