"""Task alignment: which tasks of a later (or lower-level) plan continue which tasks of an earlier
(or higher-level) plan.

The *source* plan (the earlier year, or the parent level) is compared with a *target* plan.
Each task is first paired with its most similar tasks on the other side (blocking: the
``CANDIDATES_PER_TASK`` best by character n-gram cosine, in both directions), and every
candidate pair gets signals, each in [0, 1]:

- ``chars``: cosine of character 2–3-gram TF-IDF vectors (IDF over the tasks being compared);
- ``words``: cosine of word TF-IDF vectors (jieba search-mode terms; boilerplate weighted down);
- ``clauses``: similarity of the best-matching clause pair (one sub-action carried over);
- ``coverage``: share of the smaller task's clauses (by length) that find a match in the other;
- ``fuzzy``: rapidfuzz ``token_sort_ratio`` of the two tasks' jieba words joined by spaces
  (boilerplate words left out: shared 持续/推进 is no evidence);
- ``units``: cosine of the lead/responsible unit stems (province 水处 ↔ city 水科 share 水);
- ``indicators``: overlap of the quantitative indicators both tasks set targets for (optional).

They are combined into one ``score``, the weighted mean of ``settings.ALIGNMENT_WEIGHTS`` over
the signals measured for the pair: a signal that cannot be measured (no units printed, no
indicators known) is left out rather than counted as a mismatch. A pair of tasks of different
*roles* (:func:`task_roles`: a plan's goal block vs its action tasks, told apart by their part
and section titles: the section context) keeps ``ROLE_MISMATCH_FACTOR`` of its score: a goal
paragraph continues the other plan's goals, and an action task that shares an indicator with it
is not its successor.

Decisions are many-to-many (``decide``). A link needs a score of at least ``link_min``.
``same`` links are one-to-one (the successor / the implementation; a merge or split keeps one
``same``): the pairs of the maximum-weight assignment. Any other pair is ``partial`` when its
score is at least ``partial_ratio`` of the best score of one of its two tasks (a real, if
smaller, overlap next to that task's main link). Tasks left without a link get a row
of their own: ``new``/``dropped`` across years, ``local``/``not_cascaded`` across levels.

Cost: a text's features (n-grams, words) are computed once per process and kept as rows of
integer feature ids; a plan's tasks and clauses once per plan (:func:`plan_of`). A comparison
stacks those rows into sparse matrices, weighs them by IDF over the two plans and needs a few
sparse products: no Python loop over pairs of tasks, and clause similarities are computed in
blocks of bounded size, so memory stays flat for large plans.
"""
from __future__ import annotations

import re
import weakref
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from analysis import segment
from analysis.attribution import find_attributions
from analysis.settings import (
    ALIGNMENT_THRESHOLDS,
    ALIGNMENT_WEIGHTS,
    CANDIDATES_PER_TASK,
    CLAUSE_MATCH_MIN,
    EVIDENCE_TERMS,
    HEADING_PAIR_WEIGHT,
    ROLE_MISMATCH_FACTOR,
)

if TYPE_CHECKING:
    from analysis.pipeline import ParsedDocument

KINDS = ("year", "level")
UNLINKED = {  # kind → (relation of an unmatched source task, of an unmatched target task)
    "year": ("dropped", "new"),
    "level": ("not_cascaded", "local"),
}
LINKS = ("same", "partial")
SIGNALS = ("chars", "words", "clauses", "coverage", "fuzzy", "units", "indicators")
GOAL, ACTION = "goal", "action"
ALIGNMENT_COLUMNS = ["source_doc", "source_task_id", "target_doc", "target_task_id", "score", "relation", "evidence"]
TASK_DETAIL_COLUMNS = [
    "source_doc", "source_task_id", "source_heading", "source_char_start", "source_char_end",
    "target_doc", "target_task_id", "target_heading", "target_char_start", "target_char_end",
    "score", "relation", "evidence",
]
CLAUSE_COLUMNS = ["doc_id", "task_id", "clause_no", "text", "char_start", "char_end"]
PAIR_COLUMNS = ["source_index", "target_index", "source_task_id", "target_task_id", *SIGNALS, "same_role", "score",
                "relation"]
CLAUSE_MATCH_COLUMNS = [
    "source_doc", "source_task_id", "source_clause_no", "source_clause", "source_char_start", "source_char_end",
    "target_doc", "target_task_id", "target_clause_no", "target_clause", "target_char_start", "target_char_end",
    "relation", "score",
]

_CLAUSE_BLOCK = 250_000  # clause pairs per block of clause similarities (bounds memory and waste)
_CLAUSE_KEPT = 4_000_000  # clause pairs of candidate blocks kept for the links' clause matches
_PRODUCT_ROWS = 512  # task rows per block of a task × task product
_PLANS_KEPT = 512  # plans whose features stay cached (a plan recurs in its neighbours' comparisons)
_CLAUSE_END = re.compile(r"[。;!?]")
_WORD_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%.]+")
_SPACES = re.compile(r"\s+")
# Units named for everyone (各市、州…局, 局系统相关单位, 厅机关各处室): no evidence of a shared task.
_GENERIC_UNIT = re.compile(r"^(各|相关|有关|局系统|厅机关|机关各|市直|区直)")
# Endings of unit names, longest first: what is left is the unit's stem (水处 / 水科 → 水).
UNIT_ENDINGS = ("中心站", "分局", "支队", "大队", "中心", "处室", "处", "科", "局", "站", "室", "办", "委", "院", "队", "所")
_UNIT_LEVEL_PREFIX = re.compile(r"^(省|市|区|县)")
# A plan's goal block: part or section titles 主要目标, 重要目标, 主要工作目标 … (共性目标任务 and
# 其他工作目标 are lists of duties), a paragraph headed 主要目标, goals listed by medium
# (水环境质量方面).
_GOAL_TITLE = re.compile(r"(?:主要|重要|工作|预期|总体)目标")
_DUTY_TITLE = re.compile(r"共性|其他")
_GOAL_HEADING = re.compile(r"^(?:主要|重要|工作|预期|总体)目标|方面$")


# --- clauses ------------------------------------------------------------------------------------


def task_clauses(doc: "ParsedDocument") -> pd.DataFrame:
    """The clauses of every task, in task order: sentences split on 。 and ;, and at attribution
    brackets (which are dropped). ``clause_no`` counts from 0 (the heading sentence) within its
    task; ``raw[char_start:char_end]`` is the clause's source span."""
    columns: dict[str, list] = {name: [] for name in CLAUSE_COLUMNS}
    text = doc.clean.text
    for task_id, span in zip(doc.tasks["task_id"], doc.spans):
        body = text[span.content_start:span.end]
        cuts = [0]
        for attribution in find_attributions(body):
            cuts += [attribution.start, attribution.end]
        cuts.append(len(body))
        pieces = []
        for piece_start, piece_end in zip(cuts[::2], cuts[1::2]):
            start = piece_start
            for m in _CLAUSE_END.finditer(body, piece_start, piece_end):
                pieces.append((start, m.end()))
                start = m.end()
            pieces.append((start, piece_end))
        number = 0
        for start, end in pieces:
            clause = _clause(doc, span.content_start + start, span.content_start + end)
            if clause:
                for name, value in zip(("task_id", "clause_no", "text", "char_start", "char_end"), (task_id, number, *clause)):
                    columns[name].append(value)
                number += 1
    columns["doc_id"] = [doc.doc_id] * len(columns["task_id"])
    return pd.DataFrame({name: np.array(values, dtype=np.int64) if name in ("clause_no", "char_start", "char_end") else values
                         for name, values in columns.items()}, columns=CLAUSE_COLUMNS)


def _clause(doc: "ParsedDocument", start: int, end: int) -> tuple[str, int, int] | None:
    """The clause ``clean[start:end]`` trimmed of punctuation, with its raw span, or None if it
    has no words."""
    piece = doc.clean.text[start:end]
    trimmed = piece.strip(" \n\t,.:;。、")
    if not _WORD_RUN.search(trimmed):
        return None
    first = start + piece.index(trimmed)
    return (_SPACES.sub("", trimmed), *doc.clean.raw_span(first, first + len(trimmed)))


# --- features of one text -----------------------------------------------------------------------


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> Counter:
    """Character n-grams inside runs of word characters (never across punctuation)."""
    grams: Counter = Counter()
    for run in _WORD_RUN.findall(text):
        for n in sizes:
            grams.update(run[i:i + n] for i in range(len(run) - n + 1))
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
    return np.array([_role(str(part), str(section), str(heading)) for part, section, heading
                     in zip(tasks["part_title"], tasks["section_title"], tasks["heading"])], dtype=object)


@lru_cache(maxsize=16_384)
def _role(part_title: str, section_title: str, heading: str) -> str:
    if _DUTY_TITLE.search(f"{part_title} {section_title}"):
        return ACTION
    goal = _GOAL_TITLE.search(f"{part_title} {section_title}") or _GOAL_HEADING.search(heading)
    return GOAL if goal else ACTION


class FeatureIds:
    """Column numbers of features (n-grams, words, unit stems, indicators), one numbering for the
    whole process: a text's feature row is computed once, whichever comparison it is part of.

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
            self._flag_array = np.concatenate([self._flag_array, np.array(self._flags[len(self._flag_array):], dtype=bool)])
        return self._flag_array


CHAR_IDS = FeatureIds()
WORD_IDS = FeatureIds(flag=segment.BOILERPLATE_WORDS.__contains__)
UNIT_IDS = FeatureIds()
INDICATOR_IDS = FeatureIds()

# A text's features: ids (ascending) and sublinear term frequencies 1 + ln(count).
Row = tuple[np.ndarray, np.ndarray]


def feature_row(ids_of: FeatureIds, counts: Counter) -> Row:
    ids = ids_of.of(counts)
    frequencies = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    order = np.argsort(ids)
    return ids[order], frequencies[order]


@lru_cache(maxsize=262_144)
def _run_grams(run: str) -> Row:
    """The n-gram ids and counts of a run of word characters (runs recur across texts and plans)."""
    grams = char_ngrams(run)
    return CHAR_IDS.of(grams), np.fromiter(grams.values(), dtype=np.float64, count=len(grams))


@lru_cache(maxsize=262_144)
def _run_words(words: tuple[str, ...]) -> Row:
    """The word ids and counts of a run's words."""
    counts = Counter(words)
    return WORD_IDS.of(counts), np.fromiter(counts.values(), dtype=np.float64, count=len(counts))


def char_rows(texts: Sequence[str]) -> "Rows":
    return Rows.summed([[_run_grams(run) for run in _WORD_RUN.findall(text)] for text in texts])


def word_rows(texts: Sequence[str]) -> "Rows":
    """Rows of jieba's search-mode terms (:func:`segment.index_terms` without a vocabulary)."""
    return Rows.summed([[_run_words(run) for run in segment.search_word_runs(text)] for text in texts])


@lru_cache(maxsize=16_384)
def _unit_row(lead_units: str, responsible_units: str) -> Row:
    return feature_row(UNIT_IDS, unit_features(lead_units, responsible_units))


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
    def stack(cls, rows: Sequence[Row]) -> "Rows":
        lengths = np.fromiter((len(ids) for ids, _ in rows), dtype=np.int64, count=len(rows))
        return cls(np.r_[0, np.cumsum(lengths)], np.concatenate([ids for ids, _ in rows]) if rows else np.zeros(0, dtype=np.int64),
                   np.concatenate([w for _, w in rows]) if rows else np.zeros(0))

    @classmethod
    def summed(cls, parts: Sequence[Sequence[Row]]) -> "Rows":
        """Rows of texts made of parts (feature ids and counts each): a text's counts summed,
        weighed as sublinear term frequencies 1 + ln(count); features ascending in each row."""
        flat = [part for text_parts in parts for part in text_parts]
        if not flat:
            return cls(np.zeros(len(parts) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
        sizes = [sum(len(ids) for ids, _ in text_parts) for text_parts in parts]
        ids = np.concatenate([ids for ids, _ in flat])
        width = int(ids.max()) + 1 if len(ids) else 1
        keys, inverse = np.unique(np.repeat(np.arange(len(parts)), sizes) * width + ids, return_inverse=True)
        counts = np.bincount(inverse, np.concatenate([counts for _, counts in flat]))
        return cls(np.searchsorted(keys // width, np.arange(len(parts) + 1)), keys % width, 1.0 + np.log(counts))

    def holds(self, row: int, feature: int) -> bool:
        """Whether ``row`` has ``feature`` (rows made by :meth:`summed`, features ascending)."""
        features = self.feature[self.indptr[row]:self.indptr[row + 1]]
        at = np.searchsorted(features, feature)
        return bool(at < len(features) and features[at] == feature)

    def plus(self, row: np.ndarray, feature: np.ndarray) -> "Rows":
        """These rows with more features of weight 1 (``row[i]`` gets ``feature[i]``)."""
        own_row = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        order = np.argsort(np.concatenate([own_row, row]), kind="stable")
        counts = np.diff(self.indptr) + np.bincount(row, minlength=self.n_rows)
        return Rows(np.r_[0, np.cumsum(counts)], np.concatenate([self.feature, feature])[order],
                    np.concatenate([self.weight, np.ones(len(row))])[order])

    def matrix(self, n_features: int) -> sparse.csr_matrix:
        return sparse.csr_matrix((self.weight, self.feature, self.indptr), shape=(self.n_rows, n_features))


def document_frequency(n_features: int, *rows: Rows) -> np.ndarray:
    """In how many rows of ``rows`` each feature occurs (a feature occurs once per row)."""
    return np.bincount(np.concatenate([r.feature for r in rows]), minlength=n_features)


def smoothed_idf(frequency: np.ndarray, n_documents: int) -> np.ndarray:
    return 1.0 + np.log((1 + n_documents) / (1 + frequency.astype(np.float64)))


def weighted(matrix: sparse.csr_matrix, weight_of: Callable[[np.ndarray], np.ndarray]) -> sparse.csr_matrix:
    """Rows of ``matrix`` with each feature scaled by ``weight_of(feature ids)``, L2-normalised
    (cosines are dot products). Weights are computed for the features present only, so the cost
    does not grow with the number of features the process has seen."""
    matrix = matrix.copy()
    matrix.data *= weight_of(matrix.indices)
    norms = np.sqrt(np.bincount(np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)),
                                matrix.data ** 2, minlength=matrix.shape[0]))
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
    return matrix


def paired_tfidf(left: Rows, right: Rows, ids: FeatureIds) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """TF-IDF rows of two lists weighed together (the IDF is smoothed over both sides)."""
    n_features = len(ids)
    frequency, n_documents = document_frequency(n_features, left, right), left.n_rows + right.n_rows
    idf = lambda features: smoothed_idf(frequency[features], n_documents)  # noqa: E731
    return weighted(left.matrix(n_features), idf), weighted(right.matrix(n_features), idf)


# --- a plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A plan's tasks and clauses with what every comparison of it needs, computed once.

    ``clauses`` come grouped by task in task order (as :func:`task_clauses` gives them).
    """

    tasks: pd.DataFrame
    clauses: pd.DataFrame

    @cached_property
    def doc_id(self) -> str:
        return str(self.tasks["doc_id"].iloc[0]) if len(self.tasks) else ""

    @cached_property
    def task_ids(self) -> np.ndarray:
        return self.tasks["task_id"].to_numpy(dtype=object)

    @cached_property
    def texts(self) -> list[str]:
        return [str(t) for t in self.tasks["text"]]

    @cached_property
    def clause_texts(self) -> list[str]:
        return [str(t) for t in self.clauses["text"]]

    @cached_property
    def clause_task(self) -> np.ndarray:
        """The task number of each clause."""
        number = {task: i for i, task in enumerate(self.task_ids)}
        return np.array([number[task] for task in self.clauses["task_id"]], dtype=np.int64)

    @cached_property
    def clause_counts(self) -> np.ndarray:
        return np.bincount(self.clause_task, minlength=len(self.tasks))

    @cached_property
    def clause_starts(self) -> np.ndarray:
        return _starts(self.clause_counts)

    @cached_property
    def clause_lengths(self) -> np.ndarray:
        return np.array([len(t) for t in self.clause_texts], dtype=np.float64)

    @cached_property
    def task_sizes(self) -> np.ndarray:
        """The length of each task's clauses together."""
        return np.bincount(self.clause_task, self.clause_lengths, minlength=len(self.tasks))

    @cached_property
    def heading_clauses(self) -> np.ndarray:
        """The heading clause of each task that has more than its heading."""
        return (self.clauses["clause_no"].to_numpy() == 0) & (self.clause_counts[self.clause_task] > 1)

    @cached_property
    def roles(self) -> np.ndarray:
        return task_roles(self.tasks)

    @cached_property
    def terms(self) -> frozenset[str]:
        """Whole words the plan brings (units, quoted terms, places)."""
        return frozenset(segment.corpus_terms(self.tasks))

    @cached_property
    def token_strings(self) -> list[str]:
        """Each task's jieba words but boilerplate, joined by spaces (what rapidfuzz's token
        scorers split on)."""
        return [" ".join(w for w in segment.tokens(t) if w not in segment.BOILERPLATE_WORDS) for t in self.texts]

    @cached_property
    def task_chars(self) -> Rows:
        return char_rows(self.texts)

    @cached_property
    def clause_chars(self) -> Rows:
        return char_rows(self.clause_texts)

    @cached_property
    def task_words(self) -> Rows:
        return word_rows(self.texts)

    @cached_property
    def clause_words(self) -> Rows:
        return word_rows(self.clause_texts)

    @cached_property
    def _term_hits(self) -> dict[str, tuple[list[int], list[int]]]:
        return {}

    def vocabulary_rows(self, vocabulary: frozenset[str]) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
        """For tasks, then clauses: ``(row, word id)`` of each ``vocabulary`` term a text holds
        as a string but not as a word (each term is looked for once per plan, and only if the
        plan's texts hold its first two characters)."""
        hits = self._term_hits
        new = [term for term in vocabulary if term not in hits]
        for term in new:
            hits[term] = ([], [])
        new = [term for term, held in zip(new, self._may_hold(new)) if held]
        for side, (texts, words) in enumerate(((self.texts, self.task_words), (self.clause_texts, self.clause_words))):
            for i, term in segment.vocabulary_hits(texts, new):
                if not words.holds(i, WORD_IDS.known(term)):
                    hits[term][side].append(i)
        terms = sorted(vocabulary)
        return tuple((np.array([i for term in terms for i in hits[term][side]], dtype=np.int64),
                      WORD_IDS.of(term for term in terms for _ in hits[term][side])) for side in (0, 1))

    def _may_hold(self, terms: list[str]) -> np.ndarray:
        """False for the terms whose first two characters no text of the plan holds as a
        character bigram (a term starting outside the characters bigrams are counted on is
        always looked for)."""
        features = np.concatenate([self.task_chars.feature, self.clause_chars.feature])  # first: numbers the n-grams
        countable = np.array([len(term) >= 2 and bool(_WORD_RUN.fullmatch(term[:2])) for term in terms], dtype=bool)
        bigrams = np.array([CHAR_IDS.known(term[:2]) for term in terms], dtype=np.int64)
        return ~countable | np.isin(bigrams, features)

    def indicator_rows(self, by_task: dict[tuple[str, str], tuple[str, ...]]) -> Rows:
        """Which indicators of ``by_task`` (see :func:`_indicators_by_task`) each task sets
        targets for; kept for the last ``by_task`` asked about."""
        kept = self._indicators
        if kept.get("of") is not by_task:
            kept["of"] = by_task
            kept["rows"] = Rows.stack([_indicator_row(by_task.get((self.doc_id, task), ())) for task in self.task_ids])
        return kept["rows"]

    @cached_property
    def _indicators(self) -> dict:
        return {}

    @cached_property
    def units(self) -> Rows:
        return Rows.stack([_unit_row(str(lead), str(responsible)) for lead, responsible
                           in zip(self.tasks["lead_units"], self.tasks["responsible_units"])])


def _starts(counts: np.ndarray) -> np.ndarray:
    return np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64) if len(counts) else np.zeros(0, dtype=np.int64)


_plans: OrderedDict[tuple[str, str], Plan] = OrderedDict()


def plan_of(doc: "ParsedDocument") -> Plan:
    """The plan of a parsed document, its features kept for the next comparisons it takes part in."""
    key = (doc.doc_id, doc.raw.text)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = Plan(doc.tasks, task_clauses(doc))
        if len(_plans) > _PLANS_KEPT:
            _plans.popitem(last=False)
    else:
        _plans.move_to_end(key)
    return plan


# --- the comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Two plans compared source → target; optional indicator links (a frame with at least
    ``doc_id, task_id, indicator_id``, e.g. the targets table)."""

    source: Plan
    target: Plan
    indicators: pd.DataFrame | None = None

    @classmethod
    def of(cls, source: "ParsedDocument", target: "ParsedDocument", indicators: pd.DataFrame | None = None) -> "Comparison":
        return cls(plan_of(source), plan_of(target), indicators)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Whole words both plans bring (units, quoted terms, places)."""
        return self.source.terms | self.target.terms

    @cached_property
    def kept_blocks(self) -> list[tuple[np.ndarray, np.ndarray, list["ClauseBlock"]]]:
        """The clause similarities of the candidate pairs (rows, cols, blocks), kept by the clause
        signal when they are small, for the links' clause pairs."""
        return []

    @cached_property
    def words(self) -> tuple[Rows, Rows, Rows, Rows]:
        """Word rows of source tasks, target tasks, source clauses, target clauses, with the
        vocabulary terms a text holds as a string but not as a word (counted once)."""
        (source_tasks, source_clauses), (target_tasks, target_clauses) = (
            plan.vocabulary_rows(self.vocabulary) for plan in (self.source, self.target))
        return (self.source.task_words.plus(*source_tasks), self.target.task_words.plus(*target_tasks),
                self.source.clause_words.plus(*source_clauses), self.target.clause_words.plus(*target_clauses))

    @cached_property
    def _word_frequency(self) -> np.ndarray:
        """In how many tasks of the two plans each word occurs, by word id."""
        return document_frequency(len(WORD_IDS), *self.words[:2])

    def idf(self, words: np.ndarray) -> np.ndarray:
        """Weights of word ids over the tasks being compared (boilerplate weighted down); a word
        no task holds as a whole weighs 1."""
        frequency = self._word_frequency[words]
        n_tasks = self.words[0].n_rows + self.words[1].n_rows
        return np.where(frequency > 0, segment.idf_weights(frequency, n_tasks, WORD_IDS.flags()[words]), 1.0)

    def _word_vectors(self, left: Rows, right: Rows) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        n_words = len(self._word_frequency)
        return weighted(left.matrix(n_words), self.idf), weighted(right.matrix(n_words), self.idf)

    @cached_property
    def task_vectors(self) -> dict[str, tuple[sparse.csr_matrix, sparse.csr_matrix]]:
        """Source and target rows of the task-level signals: chars, words, units."""
        source_words, target_words = self.words[:2]
        return {
            "chars": paired_tfidf(self.source.task_chars, self.target.task_chars, CHAR_IDS),
            "words": self._word_vectors(source_words, target_words),
            "units": paired_tfidf(self.source.units, self.target.units, UNIT_IDS),
        }

    @cached_property
    def clause_vectors(self) -> tuple[tuple[sparse.csr_matrix, sparse.csr_matrix], ...]:
        """Character and word TF-IDF rows of both sides' clauses."""
        source_words, target_words = self.words[2:]
        return (paired_tfidf(self.source.clause_chars, self.target.clause_chars, CHAR_IDS),
                self._word_vectors(source_words, target_words))

    @cached_property
    def indicator_rows(self) -> tuple[sparse.csr_matrix, sparse.csr_matrix] | None:
        """Which indicators each task sets targets for (0/1 rows), or None without indicators."""
        if self.indicators is None or self.indicators.empty:
            return None
        by_task = _indicators_by_task(self.indicators)
        source, target = (plan.indicator_rows(by_task) for plan in (self.source, self.target))
        return source.matrix(len(INDICATOR_IDS)), target.matrix(len(INDICATOR_IDS))


def _indicator_row(indicators: tuple[str, ...]) -> Row:
    return INDICATOR_IDS.of(indicators), np.ones(len(indicators))


_indicator_index: dict[int, tuple[weakref.ref, dict[tuple[str, str], tuple[str, ...]]]] = {}


def _indicators_by_task(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
    """(doc_id, task_id) → the indicator ids the task sets targets for; kept while ``frame`` lives
    (the same targets table serves every comparison of a build)."""
    kept = _indicator_index.get(id(frame))
    if kept is not None and kept[0]() is frame:
        return kept[1]
    known = frame["indicator_id"].notna() & (frame["indicator_id"].astype(str) != "")
    rows = frame.loc[known, ["doc_id", "task_id", "indicator_id"]].astype(str).drop_duplicates()
    index = {key: tuple(sorted(group["indicator_id"])) for key, group in rows.groupby(["doc_id", "task_id"], sort=False)}
    _indicator_index[id(frame)] = (weakref.ref(frame, lambda _, key=id(frame): _indicator_index.pop(key, None)), index)
    return index


# --- signals ------------------------------------------------------------------------------------


def candidate_pairs(left: sparse.csr_matrix, right: sparse.csr_matrix, k: int = CANDIDATES_PER_TASK,
                    chunk: int = _PRODUCT_ROWS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column indices of the pairs among each row's and each column's ``k`` best by
    ``left · right``, with that product; sorted by (row, col).

    The product is computed in blocks of rows (a running best ``k`` per column), so memory stays
    bounded for large plans.
    """
    n_left, n_right = left.shape[0], right.shape[0]
    if n_left == 0 or n_right == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    k_row, k_col = min(k, n_right), min(k, n_left)
    found_rows, found_cols, found_values = [], [], []
    column_best = np.zeros((0, n_right))
    column_rows = np.zeros((0, n_right), dtype=np.int64)
    right_t = right.T.tocsr()
    for start in range(0, n_left, chunk):
        block = (left[start:start + chunk] @ right_t).toarray()
        best = np.argpartition(-block, k_row - 1, axis=1)[:, :k_row]
        found_rows.append(np.repeat(np.arange(start, start + len(block)), k_row))
        found_cols.append(best.ravel())
        found_values.append(np.take_along_axis(block, best, axis=1).ravel())
        column_best = np.vstack([column_best, block])
        column_rows = np.vstack([column_rows, np.broadcast_to(np.arange(start, start + len(block))[:, None], block.shape)])
        if len(column_best) > k_col:
            keep = np.argpartition(-column_best, k_col - 1, axis=0)[:k_col]
            column_best = np.take_along_axis(column_best, keep, axis=0)
            column_rows = np.take_along_axis(column_rows, keep, axis=0)
    rows = np.concatenate(found_rows + [column_rows.ravel()])
    cols = np.concatenate(found_cols + [np.tile(np.arange(n_right), len(column_rows))])
    values = np.concatenate(found_values + [column_best.ravel()])
    keys, first = np.unique(rows * n_right + cols, return_index=True)
    return keys // n_right, keys % n_right, np.clip(values[first], 0.0, 1.0)


def products_at(left: sparse.csr_matrix, right: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray,
                chunk: int = _PRODUCT_ROWS, clip: bool = True) -> np.ndarray:
    """``left[rows[i]] · right[cols[i]]`` for pairs sorted by row, computed in blocks of rows;
    clipped to [0, 1] (cosines of unit rows) unless ``clip`` is False."""
    values = np.zeros(len(rows))
    right_t = right.T.tocsr()
    bounds = np.searchsorted(rows, np.arange(0, left.shape[0] + chunk, chunk))
    for start, a, b in zip(range(0, left.shape[0], chunk), bounds[:-1], bounds[1:]):
        if b > a:
            block = (left[start:start + chunk] @ right_t).toarray()
            values[a:b] = block[rows[a:b] - start, cols[a:b]]
    return np.clip(values, 0.0, 1.0) if clip else values


@dataclass(frozen=True)
class ClauseBlock:
    """Clause similarities for a block of candidate pairs: every clause of ``source_tasks`` with
    every clause of ``target_tasks`` (a dense matrix), the mean of the character and word cosines."""

    pairs: np.ndarray  # the block's pairs, as positions in the pair arrays it was made from
    pair_source: np.ndarray  # each pair's source task, as a position in source_tasks
    pair_target: np.ndarray
    source_clauses: np.ndarray  # clause rows, task by task
    target_clauses: np.ndarray
    source_bounds: np.ndarray  # where each task's clauses start in the block
    target_bounds: np.ndarray
    similarity: np.ndarray
    heading_pairs: np.ndarray  # heading ↔ heading (each task with more than its heading)

    def discounted(self) -> np.ndarray:
        """Similarities with a heading matched to a heading counting ``HEADING_PAIR_WEIGHT``: similar
        headings can carry different substance (守住 vs 守牢 生态环境安全底线)."""
        return np.where(self.heading_pairs, self.similarity * HEADING_PAIR_WEIGHT, self.similarity)

    def pair_entries(self, local: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every clause pair of the block's pairs ``local`` (positions in ``pairs``): the pair (a
        position in ``local``), its row and its column in the block; by pair, then source clause,
        then target clause."""
        source_counts = np.diff(np.r_[self.source_bounds, len(self.source_clauses)])
        target_counts = np.diff(np.r_[self.target_bounds, len(self.target_clauses)])
        source_task, target_task = self.pair_source[local], self.pair_target[local]
        width = target_counts[target_task]
        sizes = source_counts[source_task] * width
        pair = np.repeat(np.arange(len(local)), sizes)
        offset = np.arange(sizes.sum()) - np.repeat(_starts(sizes), sizes)
        return (pair, self.source_bounds[source_task][pair] + offset // width[pair],
                self.target_bounds[target_task][pair] + offset % width[pair])


def _clause_blocks(comparison: Comparison, rows: np.ndarray, cols: np.ndarray) -> Iterator[ClauseBlock]:
    """The clause similarities of pairs (sorted by row; both tasks with clauses), in blocks of at
    most ``_CLAUSE_BLOCK`` clause pairs where the pairs allow (a block holds whole source tasks)."""
    source, target = comparison.source, comparison.target
    for a, b in _block_bounds(rows, cols, source.clause_counts, target.clause_counts):
        source_tasks, pair_source = np.unique(rows[a:b], return_inverse=True)
        target_tasks, pair_target = np.unique(cols[a:b], return_inverse=True)
        source_clauses = _clause_index(source.clause_starts, source.clause_counts, source_tasks)
        target_clauses = _clause_index(target.clause_starts, target.clause_counts, target_tasks)
        similarity = sum(np.minimum((_rows_of(left, source_clauses) @ _rows_of(right, target_clauses).T).toarray(), 1.0)
                         for left, right in comparison.clause_vectors) / len(comparison.clause_vectors)  # cosines ≥ 0
        yield ClauseBlock(np.arange(a, b), pair_source, pair_target, source_clauses, target_clauses,
                          _starts(source.clause_counts[source_tasks]), _starts(target.clause_counts[target_tasks]),
                          similarity, np.outer(source.heading_clauses[source_clauses], target.heading_clauses[target_clauses]))


def _rows_of(matrix: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
    """``matrix[rows]`` (the matrix itself when ``rows`` are all of its rows in order)."""
    return matrix if len(rows) == matrix.shape[0] and (len(rows) == 0 or rows[-1] == len(rows) - 1) else matrix[rows]


def _block_bounds(rows: np.ndarray, cols: np.ndarray, source_counts: np.ndarray, target_counts: np.ndarray
                  ) -> Iterator[tuple[int, int]]:
    """Slices of the pairs (sorted by row) whose source clauses × the clauses of their target
    tasks stay within ``_CLAUSE_BLOCK``."""
    if len(rows) == 0:
        return
    if source_counts[np.unique(rows)].sum() * target_counts[np.unique(cols)].sum() <= _CLAUSE_BLOCK:
        yield 0, len(rows)  # all in one block
        return
    groups = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1], True])
    in_block = np.zeros(len(target_counts), dtype=bool)
    start, source_clauses, target_clauses = 0, 0, 0
    for first, last in zip(groups[:-1], groups[1:]):
        targets = np.unique(cols[first:last])
        added = targets[~in_block[targets]]
        grown = (source_clauses + source_counts[rows[first]]) * (target_clauses + target_counts[added].sum())
        if first > start and grown > _CLAUSE_BLOCK:
            yield start, first
            in_block[:] = False
            start, source_clauses, target_clauses, added = first, 0, 0, targets
        source_clauses += source_counts[rows[first]]
        target_clauses += target_counts[added].sum()
        in_block[added] = True
    yield start, len(rows)


def _clause_index(starts: np.ndarray, counts: np.ndarray, tasks: np.ndarray) -> np.ndarray:
    """The clause rows of ``tasks``, task by task."""
    lengths = counts[tasks]
    offsets = np.arange(lengths.sum()) - np.repeat(_starts(lengths), lengths)
    return np.repeat(starts[tasks], lengths) + offsets


def _with_clauses(comparison: Comparison, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Positions of the pairs whose two tasks both have clauses."""
    return np.flatnonzero((comparison.source.clause_counts[rows] > 0) & (comparison.target.clause_counts[cols] > 0))


def _clause_signals(comparison: Comparison, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate pair: best clause-pair similarity and coverage.

    Coverage is the length-weighted share of the smaller task's clauses matched by a clause of
    the other task (soft recall: one moved sub-action covers little of a big task, a successor
    most of it); on equal sizes the larger of the two shares (so it is symmetric).
    """
    source, target = comparison.source, comparison.target
    best, coverage = np.zeros(len(rows)), np.zeros(len(rows))
    measured = _with_clauses(comparison, rows, cols)
    kept, kept_size = [], 0
    for block in _clause_blocks(comparison, rows[measured], cols[measured]):
        kept_size += block.similarity.size
        kept = kept + [block] if kept is not None and kept_size <= _CLAUSE_KEPT else None
        similarity = block.discounted()
        at = (block.pair_source, block.pair_target)
        per_target_task = np.maximum.reduceat(similarity, block.target_bounds, axis=1)  # source clause × target task
        per_source_task = np.maximum.reduceat(similarity, block.source_bounds, axis=0)  # source task × target clause
        pairs = measured[block.pairs]
        best[pairs] = np.maximum.reduceat(per_target_task, block.source_bounds, axis=0)[at]
        covered_source = np.add.reduceat(per_target_task * source.clause_lengths[block.source_clauses][:, None],
                                         block.source_bounds, axis=0)[at]
        covered_target = np.add.reduceat(per_source_task * target.clause_lengths[block.target_clauses][None, :],
                                         block.target_bounds, axis=1)[at]
        size_source, size_target = source.task_sizes[rows[pairs]], target.task_sizes[cols[pairs]]
        of_source, of_target = covered_source / size_source, covered_target / size_target
        coverage[pairs] = np.where(size_source < size_target, of_source,
                                   np.where(size_source > size_target, of_target, np.fmax(of_source, of_target)))
    if kept is not None:  # small enough to keep: the links' clause pairs are read from it
        comparison.kept_blocks[:] = [(rows[measured], cols[measured], kept)]
    return best, np.clip(coverage, 0.0, 1.0)


def _indicator_signal(comparison: Comparison, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Overlap coefficient of the pair's indicator sets; NaN where either task has none."""
    result = np.full(len(rows), np.nan)
    if comparison.indicator_rows is None:
        return result
    source, target = comparison.indicator_rows
    shared = products_at(source, target, rows, cols, clip=False)
    smaller = np.minimum(source.getnnz(axis=1)[rows], target.getnnz(axis=1)[cols])
    measured = smaller > 0
    result[measured] = shared[measured] / smaller[measured]
    return result


def pair_signals(comparison: Comparison, weights: dict[str, float] = ALIGNMENT_WEIGHTS) -> pd.DataFrame:
    """Every candidate pair with its signals (NaN where not measurable), whether the two tasks
    share their role, and the combined ``score``."""
    return pd.DataFrame(_pair_arrays(comparison, weights), columns=PAIR_COLUMNS)


def _pair_arrays(comparison: Comparison, weights: dict[str, float]) -> dict[str, np.ndarray]:
    """The columns of :func:`pair_signals`."""
    source, target = comparison.source, comparison.target
    vectors = comparison.task_vectors
    rows, cols, chars = candidate_pairs(*vectors["chars"])
    units = vectors["units"]
    has_units = (units[0].getnnz(axis=1)[rows] > 0) & (units[1].getnnz(axis=1)[cols] > 0)
    best_clause, coverage = _clause_signals(comparison, rows, cols)
    signals = {
        "chars": chars,
        "words": products_at(*vectors["words"], rows, cols),
        "clauses": best_clause,
        "coverage": coverage,
        "fuzzy": fuzzy_similarity(source.token_strings, target.token_strings, rows, cols),
        "units": np.where(has_units, products_at(*units, rows, cols), np.nan),
        "indicators": _indicator_signal(comparison, rows, cols),
    }
    same_role = source.roles[rows] == target.roles[cols]
    score = np.round(combine(signals, weights) * np.where(same_role, 1.0, ROLE_MISMATCH_FACTOR), 6)
    return {"source_index": rows, "target_index": cols, "source_task_id": source.task_ids[rows],
            "target_task_id": target.task_ids[cols], **signals, "same_role": same_role, "score": score,
            "relation": np.full(len(rows), "", dtype=object)}


def fuzzy_similarity(left: list[str], right: list[str], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """rapidfuzz ``token_sort_ratio`` of the pairs ``(left[rows[k]], right[cols[k]])``, in [0, 1]
    (``process.cpdist``: pair by pair in C++, no Python loop)."""
    if not len(rows):
        return np.zeros(0)
    return process.cpdist([left[i] for i in rows], [right[j] for j in cols], scorer=fuzz.token_sort_ratio,
                          dtype=np.float64, workers=1) / 100.0


def combine(signals, weights: dict[str, float] = ALIGNMENT_WEIGHTS) -> np.ndarray:
    """Weighted mean of the signals measured for each pair (a NaN signal is left out);
    ``signals`` maps each signal's name to its values (a dict or a DataFrame)."""
    values = np.column_stack([np.asarray(signals[name], dtype=np.float64) for name in weights])
    w = np.array(list(weights.values()), dtype=np.float64)
    measured = ~np.isnan(values)
    total = np.where(measured, values, 0.0) @ w
    used = measured.astype(np.float64) @ w
    return np.divide(total, used, out=np.zeros(len(values)), where=used > 0)


# --- decisions ----------------------------------------------------------------------------------


# ``pairs`` below: the pair table of :func:`pair_signals`, or any mapping of its columns to arrays.


def one_to_one(pairs, n_source: int, n_target: int) -> np.ndarray:
    """Which pairs the maximum-weight one-to-one assignment of scores picks."""
    score = np.asarray(pairs["score"])
    chosen = np.zeros(len(score), dtype=bool)
    if len(score) == 0:
        return chosen
    source, target = np.asarray(pairs["source_index"]), np.asarray(pairs["target_index"])
    matrix = np.zeros((n_source, n_target))
    matrix[source, target] = score
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    keys = source * n_target + target
    order = np.argsort(keys)
    picked = rows * n_target + cols
    at = order[np.minimum(np.searchsorted(keys, picked, sorter=order), len(keys) - 1)]
    chosen[at[keys[at] == picked]] = True
    return chosen


def best_ratio(pairs, n_source: int, n_target: int) -> np.ndarray:
    """Score of each pair relative to the best score of the weaker-linked of its two tasks."""
    score = np.asarray(pairs["score"])
    source, target = np.asarray(pairs["source_index"]), np.asarray(pairs["target_index"])
    source_best = np.zeros(n_source)
    target_best = np.zeros(n_target)
    np.maximum.at(source_best, source, score)
    np.maximum.at(target_best, target, score)
    reference = np.minimum(source_best[source], target_best[target])
    return np.divide(score, reference, out=np.zeros(len(score)), where=reference > 0)


def decide(pairs, n_source: int, n_target: int, thresholds: dict[str, float] = ALIGNMENT_THRESHOLDS,
           assigned: np.ndarray | None = None, ratio: np.ndarray | None = None) -> np.ndarray:
    """The relation of every candidate pair: ``same``, ``partial`` or ``""`` (no link).

    ``assigned`` and ``ratio`` (from :func:`one_to_one` and :func:`best_ratio`) may be passed in
    when deciding the same pairs under many thresholds.
    """
    assigned = one_to_one(pairs, n_source, n_target) if assigned is None else assigned
    ratio = best_ratio(pairs, n_source, n_target) if ratio is None else ratio
    score = np.asarray(pairs["score"])
    relation = np.full(len(score), "", dtype=object)
    strong = score >= thresholds["link_min"]
    relation[strong & (ratio >= thresholds["partial_ratio"])] = "partial"
    relation[strong & assigned] = "same"
    return relation


# --- output tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """The result of aligning two plans: the contract table, clause matches, and the candidate
    pairs (:func:`pair_signals`' table with the decided ``relation``, built when asked for)."""

    alignments: pd.DataFrame
    clause_matches: pd.DataFrame
    pair_columns: dict[str, np.ndarray]

    @cached_property
    def pairs(self) -> pd.DataFrame:
        return pd.DataFrame(self.pair_columns, columns=PAIR_COLUMNS)


@dataclass(frozen=True)
class Links:
    """The linked pairs of an alignment, with every clause pair of each (``clause_link`` numbers
    the link): which sub-actions were carried over, and the evidence."""

    source_index: np.ndarray
    target_index: np.ndarray
    relation: np.ndarray
    clause_link: np.ndarray
    source_clause: np.ndarray
    target_clause: np.ndarray
    similarity: np.ndarray  # mean of the clause pair's character and word cosines
    discounted: np.ndarray  # as the clause signal counts it (heading ↔ heading discounted)


def align(comparison: Comparison, kind: str, thresholds: dict[str, float] = ALIGNMENT_THRESHOLDS,
          weights: dict[str, float] = ALIGNMENT_WEIGHTS) -> Alignment:
    """Align the source plan's tasks with the target plan's (``kind`` is ``year`` or ``level``)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    pairs = _pair_arrays(comparison, weights)
    relation = pairs["relation"] = decide(pairs, len(comparison.source.tasks), len(comparison.target.tasks), thresholds)
    linked = np.flatnonzero(relation != "")
    links = _links(comparison, pairs["source_index"][linked], pairs["target_index"][linked], relation[linked])
    return Alignment(alignment_table(comparison, pairs, kind, links), clause_matches(comparison, links), pairs)


def _links(comparison: Comparison, rows: np.ndarray, cols: np.ndarray, relation: np.ndarray) -> Links:
    """The linked pairs (sorted) with every clause pair of each: read from the candidates' clause
    blocks when the clause signal kept them, else computed."""
    measured = _with_clauses(comparison, rows, cols)
    width = len(comparison.target.tasks)
    if comparison.kept_blocks:
        block_rows, block_cols, blocks = comparison.kept_blocks[0]
    else:
        block_rows, block_cols = rows[measured], cols[measured]
        blocks = _clause_blocks(comparison, block_rows, block_cols)
    keys = rows[measured] * width + cols[measured]
    parts: list[tuple[np.ndarray, ...]] = []
    for block in blocks:
        block_keys = block_rows[block.pairs] * width + block_cols[block.pairs]
        at = np.minimum(np.searchsorted(block_keys, keys), len(block_keys) - 1)
        links = np.flatnonzero(block_keys[at] == keys)
        pair, i, j = block.pair_entries(at[links])
        parts.append((measured[links[pair]], block.source_clauses[i], block.target_clauses[j],
                      block.similarity[i, j], block.discounted()[i, j]))
    columns = [np.concatenate(c) for c in zip(*parts)] if parts else [np.zeros(0, dtype=np.int64)] * 3 + [np.zeros(0)] * 2
    return Links(rows, cols, relation, *columns)


def alignment_table(comparison: Comparison, pairs: pd.DataFrame, kind: str, links: Links) -> pd.DataFrame:
    """The contract table: one row per link, and one per task left unlinked (other side empty).

    For an unlinked task, ``score`` is its best candidate's and ``evidence`` names that nearest
    candidate, so a reader sees how close it came. Rows in source task order, then the unlinked
    target tasks in their order.
    """
    source, target = comparison.source, comparison.target
    n_source, n_target = len(source.tasks), len(target.tasks)
    source_index, target_index = np.asarray(pairs["source_index"]), np.asarray(pairs["target_index"])
    score = np.asarray(pairs["score"])
    linked_score = score[np.asarray(pairs["relation"]) != ""]
    unlinked_source = np.setdiff1d(np.arange(n_source), links.source_index)
    unlinked_target = np.setdiff1d(np.arange(n_target), links.target_index)
    source_near_score, source_near = _nearest(source_index, target_index, score, n_source)
    target_near_score, target_near = _nearest(target_index, source_index, score, n_target)
    dropped, new = UNLINKED[kind]
    n_links, n_dropped, n_new = len(links.relation), len(unlinked_source), len(unlinked_target)
    blank_source, blank_target = np.full(n_new, "", dtype=object), np.full(n_dropped, "", dtype=object)
    table = {
        "source_doc": np.r_[np.full(n_links + n_dropped, source.doc_id, dtype=object), blank_source],
        "source_task_id": np.r_[source.task_ids[links.source_index], source.task_ids[unlinked_source], blank_source],
        "target_doc": np.r_[np.full(n_links, target.doc_id, dtype=object), blank_target,
                            np.full(n_new, target.doc_id, dtype=object)],
        "target_task_id": np.r_[target.task_ids[links.target_index], blank_target, target.task_ids[unlinked_target]],
        "score": np.r_[linked_score, source_near_score[unlinked_source], target_near_score[unlinked_target]],
        "relation": np.r_[links.relation, np.full(n_dropped, dropped, dtype=object), np.full(n_new, new, dtype=object)],
        "evidence": np.array(_evidence(comparison, links)
                             + _nearest_evidence(target.task_ids, source_near[unlinked_source], source_near_score[unlinked_source])
                             + _nearest_evidence(source.task_ids, target_near[unlinked_target], target_near_score[unlinked_target]),
                             dtype=object),
    }
    order = np.lexsort((np.r_[links.target_index, np.full(n_dropped, -1), unlinked_target],
                        np.r_[links.source_index, unlinked_source, np.full(n_new, n_source)]))
    return pd.DataFrame({name: values[order] for name, values in table.items()}, columns=ALIGNMENT_COLUMNS)


def _nearest(own: np.ndarray, other: np.ndarray, score: np.ndarray, n_own: int) -> tuple[np.ndarray, np.ndarray]:
    """Each task's best candidate score and that candidate (ties: the first), -1 without any."""
    order = np.lexsort((other, -score))
    tasks, first = np.unique(own[order], return_index=True)
    best_score, best = np.zeros(n_own), np.full(n_own, -1)
    best_score[tasks], best[tasks] = score[order][first], other[order][first]
    return best_score, best


def _nearest_evidence(other_ids: np.ndarray, nearest: np.ndarray, score: np.ndarray) -> list[str]:
    return [f"nearest: {other_ids[k]} ({s:.2f})" if k >= 0 else "" for k, s in zip(nearest, score)]


def with_task_details(alignments: pd.DataFrame, source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """The alignment table with each side's heading and raw offsets (empty for the missing side)."""
    columns = {name: alignments[name].to_numpy() for name in ALIGNMENT_COLUMNS}
    for side, tasks in (("source", source), ("target", target)):
        position = pd.Index(tasks["task_id"]).get_indexer(alignments[f"{side}_task_id"])
        missing = position < 0
        columns[f"{side}_heading"] = _taken(tasks["heading"].to_numpy(dtype=object), position, "")
        for column in ("char_start", "char_end"):
            columns[f"{side}_{column}"] = pd.arrays.IntegerArray(_taken(tasks[column].to_numpy(dtype=np.int64), position, 0),
                                                                 missing)
    return pd.DataFrame(columns, columns=TASK_DETAIL_COLUMNS)


def _taken(values: np.ndarray, position: np.ndarray, missing) -> np.ndarray:
    """``values[position]``, ``missing`` where the position is -1."""
    if len(values) == 0:
        return np.full(len(position), missing, dtype=values.dtype)
    return np.where(position >= 0, values[position], missing).astype(values.dtype)


def shared_terms(comparison: Comparison, rows: np.ndarray, cols: np.ndarray, limit: int = EVIDENCE_TERMS
                 ) -> list[list[str]]:
    """For each pair, the most informative words its two tasks share (highest IDF first, then
    alphabetical; boilerplate left out)."""
    if len(rows) == 0:
        return []
    left, right = comparison.task_vectors["words"]
    both = left[rows].multiply(right[cols]).tocsr()  # weights are positive: non-zero where both tasks hold the word
    pair, words = np.repeat(np.arange(len(rows)), np.diff(both.indptr)), both.indices
    informative = ~WORD_IDS.flags()[words]
    pair, words = pair[informative], words[informative]
    distinct, word_of = np.unique(words, return_inverse=True)
    names = [WORD_IDS.names[w] for w in distinct]
    alphabetical = np.empty(len(names), dtype=np.int64)
    alphabetical[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    order = np.lexsort((alphabetical[word_of], -comparison.idf(words), pair))
    rank = np.arange(len(order)) - np.searchsorted(pair[order], pair[order])
    found: list[list[str]] = [[] for _ in rows]
    for p, w in zip(pair[order][rank < limit], word_of[order][rank < limit]):
        found[p].append(names[w])
    return found


def _evidence(comparison: Comparison, links: Links) -> list[str]:
    """Readable evidence for each link: shared terms and the best clause pair with its similarity."""
    source_texts, target_texts = comparison.source.clause_texts, comparison.target.clause_texts
    best = np.full(len(links.relation), -1)
    if len(links.clause_link):  # each link's best clause pair (the first of equals)
        order = np.lexsort((np.arange(len(links.clause_link)), -links.discounted, links.clause_link))
        linked, first = np.unique(links.clause_link[order], return_index=True)
        best[linked] = order[first]
    evidence = []
    for terms, at in zip(shared_terms(comparison, links.source_index, links.target_index), best):
        parts = [f"shared: {', '.join(terms)}"] if terms else []
        if at >= 0 and links.discounted[at] > 0:
            parts.append(f"best clauses ({links.discounted[at]:.2f}): 「{_short(source_texts[links.source_clause[at]])}」 ≈ "
                         f"「{_short(target_texts[links.target_clause[at]])}」")
        evidence.append(" | ".join(parts))
    return evidence


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clause_matches(comparison: Comparison, links: Links, minimum: float = CLAUSE_MATCH_MIN) -> pd.DataFrame:
    """For every linked pair, each source clause's best clause in the target task, kept where
    their similarity reaches ``minimum``: which sub-actions of a task were carried over."""
    similarity = np.round(links.similarity, 6)
    order = np.lexsort((links.target_clause, -similarity, links.source_clause, links.clause_link))
    first = np.r_[True, (np.diff(links.clause_link[order]) != 0) | (np.diff(links.source_clause[order]) != 0)]
    best = order[first[:len(order)]]
    best = best[similarity[best] >= minimum]
    i, j = links.source_clause[best], links.target_clause[best]
    columns = {}
    for side, plan, rows in (("source", comparison.source, i), ("target", comparison.target, j)):
        clauses = plan.clauses
        columns.update({f"{side}_doc": np.full(len(rows), plan.doc_id, dtype=object),
                        f"{side}_task_id": plan.task_ids[plan.clause_task[rows]],
                        f"{side}_clause_no": clauses["clause_no"].to_numpy()[rows],
                        f"{side}_clause": np.array(plan.clause_texts, dtype=object)[rows],
                        f"{side}_char_start": clauses["char_start"].to_numpy()[rows],
                        f"{side}_char_end": clauses["char_end"].to_numpy()[rows]})
    columns.update({"relation": links.relation[links.clause_link[best]], "score": similarity[best]})
    return pd.DataFrame(columns, columns=CLAUSE_MATCH_COLUMNS)
