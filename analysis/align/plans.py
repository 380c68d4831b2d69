"""A plan as alignment sees it (its tasks, clauses and their features, computed once) and the
pair of two plans compared (their features weighed together)."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.align.clauses import WORD_RUN, task_clauses
from analysis.align.features import (
    FeatureSpace,
    Rows,
    document_frequency,
    group_starts,
    paired_tfidf,
    task_roles,
    weighted,
)
from analysis.parse.document import ParsedDocument
from analysis.settings import AlignmentSettings
from analysis.text import segment


@dataclass(frozen=True)
class Plan:
    """A plan's tasks and clauses with what every comparison of it needs, computed once.

    ``clauses`` come grouped by task in task order (as :func:`task_clauses` gives them); the
    features are numbered in ``space``, shared with every plan it is compared with. With
    ``neutral``, the features are read from the texts with their level words made neutral
    (:mod:`analysis.text.levels`: 全省/全市, place names, 省X厅/市X局).
    """

    tasks: pd.DataFrame
    clauses: pd.DataFrame
    space: FeatureSpace
    neutral: bool = False

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
    def match_texts(self) -> list[str]:
        """The task texts the features are read from (level words neutral with ``neutral``)."""
        return [self.space.levels.neutral(t) for t in self.texts] if self.neutral else self.texts

    @cached_property
    def match_clause_texts(self) -> list[str]:
        return [self.space.levels.neutral(t) for t in self.clause_texts] if self.neutral else self.clause_texts

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
        return group_starts(self.clause_counts)

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
        return [" ".join(w for w in segment.tokens(t) if w not in segment.BOILERPLATE_WORDS) for t in self.match_texts]

    @cached_property
    def whole_words(self) -> list[frozenset[str]]:
        """Each task's words as jieba cuts the text (precise mode): the words a reader sees, not
        the fragments the search-mode word features add (臭水 of 黑臭水体)."""
        return [frozenset(segment.tokens(t)) for t in self.match_texts]

    @cached_property
    def whole_word_keys(self) -> np.ndarray:
        """``word id × tasks + task`` of each task's whole words, sorted: what the evidence asks of
        many pairs. Only words numbered when the plan's word features were: a word numbered later
        is in none of this plan's word rows, so the evidence never asks about it here."""
        words, n_tasks = self.space.words, len(self.tasks)
        self.task_words  # noqa: B018  (the plan's words are numbered first)
        keys = [
            word * n_tasks + task
            for task, found in enumerate(self.whole_words)
            for word in map(words.known, found)
            if word >= 0
        ]
        return np.sort(np.array(keys, dtype=np.int64))

    @cached_property
    def task_chars(self) -> Rows:
        return self.space.char_rows(self.match_texts)

    @cached_property
    def clause_chars(self) -> Rows:
        return self.space.char_rows(self.match_clause_texts)

    @cached_property
    def task_words(self) -> Rows:
        return self.space.word_rows(self.match_texts)

    @cached_property
    def clause_words(self) -> Rows:
        return self.space.word_rows(self.match_clause_texts)

    @cached_property
    def clause_topics(self) -> np.ndarray:
        """Which of the lexicon's topics each clause touches (clauses × topics, 0/1; a topic list
        is short, so the rows are dense)."""
        return (self.space.topics.counts(self.match_clause_texts).toarray() > 0).astype(np.float64)

    @cached_property
    def task_topics(self) -> np.ndarray:
        """Each task's topic profile: in how many of its clauses each topic occurs (tasks × topics)."""
        profile = np.zeros((len(self.tasks), self.clause_topics.shape[1]))
        np.add.at(profile, self.clause_task, self.clause_topics)
        return profile

    @cached_property
    def group_members(self) -> sparse.csr_matrix:
        """Which tasks each group (:attr:`groups`) holds (groups × tasks, 0/1)."""
        n_groups = int(self.groups.max()) + 1 if len(self.groups) else 0
        tasks = np.arange(len(self.groups))
        return sparse.csr_matrix((np.ones(len(tasks)), (self.groups, tasks)), shape=(n_groups, len(tasks)))

    @cached_property
    def groups(self) -> np.ndarray:
        """Each task's group in the plan's structure: its section when the section holds more than
        one task, else its part (a plan whose sections are single tasks is grouped by part)."""
        part = np.array([str(t) for t in self.tasks["part_title"]], dtype=object)
        keys = part + "\x00" + np.array([str(t) for t in self.tasks["section_title"]], dtype=object)
        _, inverse, counts = np.unique(keys.astype(str), return_inverse=True, return_counts=True)
        return _numbered(np.where(counts[inverse] > 1, keys, part).astype(str))

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
        sides = ((self.match_texts, self.task_words), (self.match_clause_texts, self.clause_words))
        for side, (texts, words) in enumerate(sides):
            for i, term in segment.vocabulary_hits(texts, new):
                if not words.holds(i, self.space.words.known(term)):
                    hits[term][side].append(i)
        terms = sorted(vocabulary)
        return tuple(
            (
                np.array([i for term in terms for i in hits[term][side]], dtype=np.int64),
                self.space.words.of(term for term in terms for _ in hits[term][side]),
            )
            for side in (0, 1)
        )

    def _may_hold(self, terms: list[str]) -> np.ndarray:
        """False for the terms whose first two characters no text of the plan holds as a
        character bigram (a term starting outside the characters bigrams are counted on is
        always looked for)."""
        features = np.concatenate([self.task_chars.feature, self.clause_chars.feature])  # first: numbers the n-grams
        countable = np.array([len(term) >= 2 and bool(WORD_RUN.fullmatch(term[:2])) for term in terms], dtype=bool)
        bigrams = np.array([self.space.chars.known(term[:2]) for term in terms], dtype=np.int64)
        return ~countable | np.isin(bigrams, features)

    def indicator_rows(self, by_task: dict[tuple[str, str], tuple[str, ...]]) -> Rows:
        """Which indicators of ``by_task`` (see :func:`_indicators_by_task`) each task sets
        targets for; kept for the last ``by_task`` asked about."""
        kept = self._indicators
        if kept.get("of") is not by_task:
            kept["of"] = by_task
            kept["rows"] = self.space.indicator_rows([by_task.get((self.doc_id, task), ()) for task in self.task_ids])
        return kept["rows"]

    @cached_property
    def _indicators(self) -> dict:
        return {}

    @cached_property
    def units(self) -> Rows:
        return self.space.unit_rows(list(self.tasks["lead_units"]), list(self.tasks["responsible_units"]))


def indicator_links(frame: pd.DataFrame) -> pd.DataFrame:
    """All the alignment reads of a targets table (its indicator signal): the ``doc_id, task_id,
    indicator_id`` of each target mapped to an indicator, as strings, without repeats. A build's
    cache keys a comparison by its two plans' rows of it."""
    known = frame["indicator_id"].notna() & (frame["indicator_id"].astype(str) != "")
    return frame.loc[known, ["doc_id", "task_id", "indicator_id"]].astype(str).drop_duplicates()


class PlanCache:
    """The plans of one build, their features numbered in one :class:`FeatureSpace`: a plan takes
    part in several comparisons (its parent, its predecessor, its children) and its features are
    computed once. Owned by whoever aligns; bounded to ``size`` plans."""

    def __init__(self, space: FeatureSpace | None = None, size: int = 512) -> None:
        self.space = space or FeatureSpace()
        self._size = size
        self._plans: OrderedDict[tuple[str, str, bool], Plan] = OrderedDict()
        self._indicators: dict[int, tuple[weakref.ref, dict[tuple[str, str], tuple[str, ...]]]] = {}

    def plan_of(self, doc: ParsedDocument, neutral: bool = False) -> Plan:
        """The plan of a parsed document (its level words neutral with ``neutral``), computed on
        its first comparison."""
        key = (doc.doc_id, doc.raw.text, neutral)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = Plan(doc.tasks, task_clauses(doc), self.space, neutral)
            if len(self._plans) > self._size:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        return plan

    def indicators_by_task(self, frame: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
        """(doc_id, task_id) → the indicator ids the task sets targets for; kept while ``frame``
        lives (the same targets table serves every comparison of a build)."""
        kept = self._indicators.get(id(frame))
        if kept is not None and kept[0]() is frame:
            return kept[1]
        rows = indicator_links(frame)
        found: dict[tuple[str, str], list[str]] = {}
        for doc_id, task_id, indicator_id in zip(rows["doc_id"], rows["task_id"], rows["indicator_id"]):
            found.setdefault((doc_id, task_id), []).append(indicator_id)  # a loop: ~100× a groupby's cost less
        index = {task: tuple(sorted(ids)) for task, ids in found.items()}
        key = id(frame)

        def forget(_: object) -> None:  # the frame is gone: so is its entry
            self._indicators.pop(key, None)

        self._indicators[key] = (weakref.ref(frame, forget), index)
        return index


@dataclass(frozen=True)
class PlanPair:
    """Two plans compared source → target (their features numbered in one space); optional
    indicator links (a frame with at least ``doc_id, task_id, indicator_id``, e.g. the targets
    table); the settings every step of the alignment reads."""

    source: Plan
    target: Plan
    settings: AlignmentSettings
    indicators: pd.DataFrame | None = None
    indicator_index: dict[tuple[str, str], tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if self.source.space is not self.target.space:
            raise ValueError("the two plans of a comparison must share one feature space")

    @classmethod
    def of(
        cls,
        source: ParsedDocument,
        target: ParsedDocument,
        settings: AlignmentSettings,
        indicators: pd.DataFrame | None = None,
        plans: PlanCache | None = None,
    ) -> PlanPair:
        """The pair of two parsed documents; ``plans`` (a build's cache) keeps their features
        for the next comparisons, else they are computed for this one alone."""
        plans = plans or PlanCache()
        index = plans.indicators_by_task(indicators) if indicators is not None and not indicators.empty else None
        neutral = settings.neutral_level_words
        return cls(plans.plan_of(source, neutral), plans.plan_of(target, neutral), settings, indicators, index)

    @property
    def space(self) -> FeatureSpace:
        return self.source.space

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Whole words both plans bring (units, quoted terms, places)."""
        return self.source.terms | self.target.terms

    @cached_property
    def words(self) -> tuple[Rows, Rows, Rows, Rows]:
        """Word rows of source tasks, target tasks, source clauses, target clauses, with the
        vocabulary terms a text holds as a string but not as a word (counted once)."""
        (source_tasks, source_clauses), (target_tasks, target_clauses) = (
            plan.vocabulary_rows(self.vocabulary) for plan in (self.source, self.target)
        )
        return (
            self.source.task_words.plus(*source_tasks),
            self.target.task_words.plus(*target_tasks),
            self.source.clause_words.plus(*source_clauses),
            self.target.clause_words.plus(*target_clauses),
        )

    @cached_property
    def _word_frequency(self) -> np.ndarray:
        """In how many tasks of the two plans each word occurs, by word id."""
        return document_frequency(len(self.space.words), *self.words[:2])

    def idf(self, words: np.ndarray) -> np.ndarray:
        """Weights of word ids over the tasks being compared (boilerplate weighted down); a word
        no task holds as a whole weighs 1."""
        frequency = self._word_frequency[words]
        n_tasks = self.words[0].n_rows + self.words[1].n_rows
        return np.where(
            frequency > 0,
            segment.idf_weights(frequency, n_tasks, self.space.words.flags()[words], self.settings.boilerplate_weight),
            1.0,
        )

    def _word_vectors(self, left: Rows, right: Rows) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        n_words = len(self._word_frequency)
        return weighted(left.matrix(n_words), self.idf), weighted(right.matrix(n_words), self.idf)

    @cached_property
    def task_vectors(self) -> dict[str, tuple[sparse.csr_matrix, sparse.csr_matrix]]:
        """Source and target rows of the task-level signals: chars, words, units."""
        source_words, target_words = self.words[:2]
        return {
            "chars": paired_tfidf(self.source.task_chars, self.target.task_chars, self.space.chars),
            "words": self._word_vectors(source_words, target_words),
            "units": paired_tfidf(self.source.units, self.target.units, self.space.units),
        }

    @cached_property
    def clause_vectors(self) -> tuple[tuple[sparse.csr_matrix, sparse.csr_matrix], ...]:
        """Character and word TF-IDF rows of both sides' clauses."""
        source_words, target_words = self.words[2:]
        return (
            paired_tfidf(self.source.clause_chars, self.target.clause_chars, self.space.chars),
            self._word_vectors(source_words, target_words),
        )

    @cached_property
    def _topic_idf(self) -> np.ndarray:
        """Weights of the topics over the tasks compared: a topic few tasks touch says more."""
        held = (self.source.task_topics > 0).sum(axis=0) + (self.target.task_topics > 0).sum(axis=0)
        return segment.smoothed_idf(held, len(self.source.tasks) + len(self.target.tasks))

    def _topic_rows(self, profiles: np.ndarray) -> np.ndarray:
        return _unit_rows(profiles * self._topic_idf)

    @cached_property
    def topic_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and target tasks' topic profiles, weighted and L2-normalised (cosines are dot
        products; a task touching no topic is a zero row)."""
        return self._topic_rows(self.source.task_topics), self._topic_rows(self.target.task_topics)

    @cached_property
    def clause_topic_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Source and target clauses' topics, weighted and L2-normalised."""
        return self._topic_rows(self.source.clause_topics), self._topic_rows(self.target.clause_topics)

    @cached_property
    def group_alignment(self) -> np.ndarray:
        """How well each source group (section, or part: :attr:`Plan.groups`) aligns with each
        target group, in [0, 1]: their similarity (the mean of the cosines of their tasks' words
        summed and of their topic profiles summed) relative to the best match of one of the two
        (1 where one is the other's best match)."""
        source, target = self.source.group_members, self.target.group_members
        (source_words, target_words), (source_topics, target_topics) = self.task_vectors["words"], self.topic_vectors
        words = weighted(source @ source_words, _unweighted) @ weighted(target @ target_words, _unweighted).T
        topics = _unit_rows(source @ source_topics) @ _unit_rows(target @ target_topics).T
        similarity = (words.toarray() + topics) / 2
        if similarity.size == 0:
            return similarity
        best = np.minimum(similarity.max(axis=1, keepdims=True), similarity.max(axis=0, keepdims=True))
        return np.divide(similarity, best, out=np.zeros_like(similarity), where=best > 0)

    @cached_property
    def indicator_rows(self) -> tuple[sparse.csr_matrix, sparse.csr_matrix] | None:
        """Which indicators each task sets targets for (0/1 rows), or None without indicators."""
        if self.indicators is None or self.indicators.empty:
            return None
        by_task = self.indicator_index
        if by_task is None:
            by_task = PlanCache(self.space).indicators_by_task(self.indicators)
        source, target = (plan.indicator_rows(by_task) for plan in (self.source, self.target))
        return source.matrix(len(self.space.indicators)), target.matrix(len(self.space.indicators))


def _numbered(values: np.ndarray) -> np.ndarray:
    """Each value's number, in the order values first occur."""
    _, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse].astype(np.int64)


def _unweighted(features: np.ndarray) -> np.ndarray:
    return np.ones(len(features))


def _unit_rows(rows: np.ndarray) -> np.ndarray:
    """Dense rows L2-normalised (a zero row stays zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)
