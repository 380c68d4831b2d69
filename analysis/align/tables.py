"""The alignment's output tables: one row per link or unlinked task (the contract table), the
tasks' headings and offsets beside it, the evidence of each link, and the matched clauses."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis import schema
from analysis.align.features import group_starts
from analysis.align.plans import PlanPair
from analysis.align.signals import Links
from analysis.schema import UNLINKED

# The processed tables' columns (analysis/schema/) without the comparison label; the contract
# table of the `align` command leaves out each side's heading and offsets.
TASK_DETAIL_COLUMNS = [c for c in schema.model_columns("alignments") if c not in schema.COMPARISON_LABEL]
CLAUSE_MATCH_COLUMNS = [c for c in schema.columns("alignment_clauses") if c not in schema.COMPARISON_LABEL]
ALIGNMENT_COLUMNS = [c for c in TASK_DETAIL_COLUMNS if not c.endswith(("_heading", "_char_start", "_char_end"))]


def alignment_columns(
    plan_pair: PlanPair, pairs: Mapping[str, np.ndarray], kind: str, links: Links
) -> dict[str, np.ndarray]:
    """The columns of the contract table (:data:`ALIGNMENT_COLUMNS`, in order): one row per link,
    and one per task left unlinked (other side empty).

    For an unlinked task, ``score`` is its best candidate's and ``evidence`` names that nearest
    candidate, so a reader sees how close it came. Rows in source task order, then the unlinked
    target tasks in their order.
    """
    source, target = plan_pair.source, plan_pair.target
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
        "target_doc": np.r_[
            np.full(n_links, target.doc_id, dtype=object), blank_target, np.full(n_new, target.doc_id, dtype=object)
        ],
        "target_task_id": np.r_[target.task_ids[links.target_index], blank_target, target.task_ids[unlinked_target]],
        "score": np.r_[linked_score, source_near_score[unlinked_source], target_near_score[unlinked_target]],
        "relation": np.r_[links.relation, np.full(n_dropped, dropped, dtype=object), np.full(n_new, new, dtype=object)],
        "evidence": np.array(
            _evidence(plan_pair, links)
            + _nearest_evidence(target.task_ids, source_near[unlinked_source], source_near_score[unlinked_source])
            + _nearest_evidence(source.task_ids, target_near[unlinked_target], target_near_score[unlinked_target]),
            dtype=object,
        ),
    }
    order = np.lexsort(
        (
            np.r_[links.target_index, np.full(n_dropped, -1), unlinked_target],
            np.r_[links.source_index, unlinked_source, np.full(n_new, n_source)],
        )
    )
    return {name: values[order] for name, values in table.items()}


def _nearest(own: np.ndarray, other: np.ndarray, score: np.ndarray, n_own: int) -> tuple[np.ndarray, np.ndarray]:
    """Each task's best candidate score and that candidate (ties: the first), -1 without any."""
    order = np.lexsort((other, -score))
    tasks, first = np.unique(own[order], return_index=True)
    best_score, best = np.zeros(n_own), np.full(n_own, -1)
    best_score[tasks], best[tasks] = score[order][first], other[order][first]
    return best_score, best


def _nearest_evidence(other_ids: np.ndarray, nearest: np.ndarray, score: np.ndarray) -> list[str]:
    return [f"nearest: {other_ids[k]} ({s:.2f})" if k >= 0 else "" for k, s in zip(nearest, score)]


def with_task_details(
    alignments: pd.DataFrame | Mapping[str, np.ndarray], source: pd.DataFrame, target: pd.DataFrame, **more
) -> pd.DataFrame:
    """The alignment table (a frame, or its columns) with each side's heading and raw offsets
    (empty for the missing side), and the columns ``more`` after them: one frame made, not one
    per added column."""
    columns: dict[str, np.ndarray | pd.arrays.IntegerArray] = {
        name: np.asarray(alignments[name]) for name in ALIGNMENT_COLUMNS
    }
    for side, tasks in (("source", source), ("target", target)):
        position = pd.Index(tasks["task_id"]).get_indexer(alignments[f"{side}_task_id"])
        missing = position < 0
        columns[f"{side}_heading"] = _taken(tasks["heading"].to_numpy(dtype=object), position, "")
        for column in ("char_start", "char_end"):
            columns[f"{side}_{column}"] = pd.arrays.IntegerArray(
                _taken(tasks[column].to_numpy(dtype=np.int64), position, 0), missing
            )
    return pd.DataFrame({**columns, **more}, columns=[*TASK_DETAIL_COLUMNS, *more])


def _taken(values: np.ndarray, position: np.ndarray, missing) -> np.ndarray:
    """``values[position]``, ``missing`` where the position is -1."""
    if len(values) == 0:
        return np.full(len(position), missing, dtype=values.dtype)
    return np.where(position >= 0, values[position], missing).astype(values.dtype)


def shared_terms(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray, limit: int | None = None) -> list[list[str]]:
    """For each pair, the most informative words its two tasks share (highest IDF first, then
    alphabetical); at most ``limit`` (the settings' ``evidence_terms``). Only whole words: a word
    jieba cuts from one of the two texts, or a term of the plans' vocabulary (units, quoted terms);
    not boilerplate, a single character, or a word inside a longer shared word (规范化, not 规范)."""
    limit = plan_pair.settings.evidence_terms if limit is None else limit
    if len(rows) == 0:
        return []
    left, right = plan_pair.task_vectors["words"]
    both = left[rows].multiply(right[cols]).tocsr()  # weights are positive: non-zero where both tasks hold the word
    pair, words = np.repeat(np.arange(len(rows)), np.diff(both.indptr)), both.indices
    present = np.zeros(len(plan_pair.space.words), dtype=bool)
    present[words] = True
    distinct, word_of = np.flatnonzero(present), (np.cumsum(present) - 1)[words]  # np.unique's, without a sort
    names = [plan_pair.space.words.names[w] for w in distinct]
    informative = ~plan_pair.space.words.flags()[distinct]
    alphabetical = np.empty(len(names), dtype=np.int64)
    alphabetical[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    length = np.array([len(name) for name in names], dtype=np.int64)
    candidate = informative & (length > 1)
    # a candidate can only hide in a longer shared word: of three characters at least, boilerplate included (进一步)
    wanted = candidate[word_of] | (length[word_of] > 2)
    pair, words, word_of = pair[wanted], words[wanted], word_of[wanted]
    order = np.lexsort((alphabetical[word_of], -plan_pair.idf(words), pair))
    pair, word_of = pair[order], word_of[order]
    kept = candidate[word_of] & _whole(plan_pair, names, distinct, rows[pair], cols[pair], word_of)
    kept &= ~_hidden(names, pair, word_of, length > 2, candidate)
    kept &= _rank_in_group(pair, kept) < limit  # the first ``limit`` of each pair
    bounds = np.searchsorted(pair[kept], np.arange(len(rows) + 1)).tolist()
    ordered = np.array(names, dtype=object)[word_of[kept]].tolist()
    return [ordered[start:end] for start, end in itertools.pairwise(bounds)]


def _whole(
    plan_pair: PlanPair, names: list[str], ids: np.ndarray, rows: np.ndarray, cols: np.ndarray, word: np.ndarray
) -> np.ndarray:
    """Whether each word (a position in ``names``, of word id ``ids``) is a whole word of the
    source task ``rows`` or of the target task ``cols`` (as jieba cuts it), or a term of the
    plans' vocabulary."""
    found = np.array([name in plan_pair.vocabulary for name in names], dtype=bool)[word]
    for plan, tasks in ((plan_pair.source, rows), (plan_pair.target, cols)):
        whole = plan.whole_word_keys
        if len(whole):
            asked = ids[word] * len(plan.tasks) + tasks
            found |= whole[np.minimum(np.searchsorted(whole, asked), len(whole) - 1)] == asked
    return found


def _hidden(names: list[str], pair: np.ndarray, word: np.ndarray, long: np.ndarray, asked: np.ndarray) -> np.ndarray:
    """Whether each word (a position in ``names``) of a pair sits inside a longer word of ``long``
    that the same pair holds; for the words ``asked`` about only (else False)."""
    number = {names[k]: k for k in np.flatnonzero(asked).tolist()}
    inside = [  # (a longer word, a word inside it), by longer word
        (k, found)
        for k in np.flatnonzero(long).tolist()
        for part in _parts(names[k])
        if (found := number.get(part)) is not None
    ]
    if not inside:
        return np.zeros(len(word), dtype=bool)
    outer, inner = np.array(inside, dtype=np.int64).T
    held = np.flatnonzero(long[word])  # the entries of long words
    count = np.bincount(outer, minlength=len(names))[word[held]]
    at = np.repeat(group_starts(np.bincount(outer, minlength=len(names)))[word[held]], count)
    at += np.arange(len(at)) - np.repeat(group_starts(count), count)
    covered = np.sort(np.repeat(pair[held], count) * len(names) + inner[at])  # (pair, a word inside its long words)
    keys = pair * len(names) + word
    return covered[np.minimum(np.searchsorted(covered, keys), len(covered) - 1)] == keys


@lru_cache(maxsize=65_536)
def _parts(word: str) -> tuple[str, ...]:
    """The distinct strings inside ``word``, shorter than it (a word's parts, asked of many pairs)."""
    return tuple(
        dict.fromkeys(
            word[start:end]
            for start in range(len(word))
            for end in range(start + 1, len(word) + 1)
            if end - start < len(word)
        )
    )


def _rank_in_group(group: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """For entries sorted by ``group``: how many ``counted`` entries of their group precede each."""
    before = np.cumsum(counted) - counted
    return before - before[np.searchsorted(group, group)]


def shared_evidence(plan_pair: PlanPair, rows: np.ndarray, cols: np.ndarray) -> list[str]:
    """``shared: <terms>`` of each pair (empty when its tasks share no informative word): the
    first part of a link's evidence, and all of a near miss's (its reviewer reads both texts)."""
    return [f"shared: {', '.join(terms)}" if terms else "" for terms in shared_terms(plan_pair, rows, cols)]


def best_clause_pairs(links: Links) -> np.ndarray:
    """For each pair of ``links``, the position of its best clause pair in the clause arrays (the
    first of equals, to 6 decimals as in clause_matches: the last bits of a similarity depend on
    the order features were numbered in, i.e. on which comparisons the process ran before); -1
    when its tasks share no clause."""
    best = np.full(len(links.relation), -1)
    if len(links.clause_link):
        order = np.lexsort((np.arange(len(links.clause_link)), -np.round(links.discounted, 6), links.clause_link))
        linked, first = np.unique(links.clause_link[order], return_index=True)
        best[linked] = order[first]
    return best


def best_clause_texts(plan_pair: PlanPair, links: Links) -> tuple[np.ndarray, np.ndarray]:
    """The texts of each pair's best clause pair (:func:`best_clause_pairs`), source and target;
    empty where the pair's clauses share nothing."""
    best = best_clause_pairs(links)
    found = np.flatnonzero(best >= 0)
    found = found[links.discounted[best[found]] > 0]
    texts = []
    for plan, clause in ((plan_pair.source, links.source_clause), (plan_pair.target, links.target_clause)):
        side = np.full(len(best), "", dtype=object)
        side[found] = np.array(plan.clause_texts, dtype=object)[clause[best[found]]]
        texts.append(side)
    return texts[0], texts[1]


def _evidence(plan_pair: PlanPair, links: Links) -> list[str]:
    """Readable evidence for each link: shared terms and the best clause pair with its similarity."""
    source_texts, target_texts = plan_pair.source.clause_texts, plan_pair.target.clause_texts
    best = best_clause_pairs(links)
    evidence = []
    for shared, at in zip(shared_evidence(plan_pair, links.source_index, links.target_index), best):
        parts = [shared] if shared else []
        if at >= 0 and links.discounted[at] > 0:
            parts.append(
                f"best clauses ({links.discounted[at]:.2f}): 「{_short(source_texts[links.source_clause[at]])}」 ≈ "
                f"「{_short(target_texts[links.target_clause[at]])}」"
            )
        evidence.append(" | ".join(parts))
    return evidence


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clause_matches(plan_pair: PlanPair, links: Links) -> pd.DataFrame:
    """For every linked pair, each source clause's best clause in the target task, kept where
    their similarity reaches the settings' ``clause_match_min``: which sub-actions of a task were
    carried over."""
    minimum = plan_pair.settings.clause_match_min
    similarity = np.round(links.similarity, 6)
    order = np.lexsort((links.target_clause, -similarity, links.source_clause, links.clause_link))
    first = np.r_[True, (np.diff(links.clause_link[order]) != 0) | (np.diff(links.source_clause[order]) != 0)]
    best = order[first[: len(order)]]
    best = best[similarity[best] >= minimum]
    i, j = links.source_clause[best], links.target_clause[best]
    columns = {}
    for side, plan, rows in (("source", plan_pair.source, i), ("target", plan_pair.target, j)):
        clauses = plan.clauses
        columns.update(
            {
                f"{side}_doc": np.full(len(rows), plan.doc_id, dtype=object),
                f"{side}_task_id": plan.task_ids[plan.clause_task[rows]],
                f"{side}_clause_no": clauses["clause_no"].to_numpy()[rows],
                f"{side}_clause": np.array(plan.clause_texts, dtype=object)[rows],
                f"{side}_char_start": pd.array(clauses["char_start"].to_numpy()[rows], dtype="Int64"),
                f"{side}_char_end": pd.array(clauses["char_end"].to_numpy()[rows], dtype="Int64"),
            }
        )
    columns.update({"relation": links.relation[links.clause_link[best]], "score": similarity[best]})
    return pd.DataFrame(columns, columns=CLAUSE_MATCH_COLUMNS)
