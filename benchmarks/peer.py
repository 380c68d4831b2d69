"""The aligner against the peer a researcher would write (issue #26): a character 2–3-gram TF-IDF
cosine over every pair of tasks (sparse vectors, as scikit-learn's ``TfidfVectorizer(analyzer=
"char", ngram_range=(2, 3))`` makes them: raw counts, smoothed idf, rows scaled to unit length),
each later task linked to its best earlier one when the cosine reaches :data:`PEER_MIN_COSINE`.

Both run on the same synthetic pair (:func:`synthetic_pair`), timed in the same process from the
parsed plans to the links (the aligner's segmentation included), and are scored on the pair's
true lineage (precision, recall, F1 of ``same`` links: :func:`same_link_scores`).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from analysis import storage
from analysis.settings import PROCESSED_DIR, ParseSettings

GRAM_SIZES = (2, 3)
PEER_MIN_COSINE = 0.5  # the peer's one threshold, a round value (not fitted: it is the baseline)

# The large cases measure scale beyond the default text limit of a plan (ParseSettings.max_text_chars).
LARGE_PARSE = ParseSettings(max_text_chars=100_000_000)


def synthetic_pair(n: int, seed: int, folder: Path):
    """A synthetic plan of ``n`` tasks and its next-year successor, written and parsed; and their
    true lineage (:func:`benchmarks.synthetic.lineage`)."""
    from analysis.parse.document import parse_document
    from benchmarks import synthetic

    bank = synthetic.clause_bank(storage.read_table("tasks", PROCESSED_DIR))
    rng = random.Random(seed)
    earlier = synthetic.random_plan(bank, rng, "earlier", n)
    later = synthetic.next_year(earlier, bank, rng, "later")
    docs = []
    for plan in (earlier, later):
        path = folder / f"{plan.doc_id}.txt"
        path.write_text(synthetic.render(plan, rng), encoding="utf-8")
        docs.append(parse_document(path, plan.doc_id, LARGE_PARSE))
    return docs, synthetic.lineage([earlier, later])


def same_link_scores(links: set[tuple[str, str]], source, target, truth: pd.DataFrame) -> dict[str, float]:
    """Precision, recall and F1 of ``links`` (source task id, target task id) against the lineage."""
    position = {doc.doc_id: dict(zip(doc.tasks["task_id"], range(len(doc.tasks)))) for doc in (source, target)}
    uid_at = truth.set_index(["doc_id", "position"])["uid"]
    predicted = {
        (uid_at[("earlier", position[source.doc_id][s])], uid_at[("later", position[target.doc_id][t])])
        for s, t in links
    }
    later = truth[(truth["doc_id"] == "later") & (truth["origin"] != "")]
    true_links = set(zip(later["origin"], later["uid"]))
    hits = len(predicted & true_links)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(true_links) if true_links else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {"same_precision": round(precision, 3), "same_recall": round(recall, 3), "same_f1": round(f1, 3)}


def tfidf_vectors(texts: list[str]) -> sparse.csr_matrix:
    """Each text's character 2–3-gram TF-IDF vector, of unit length (rows of one matrix)."""
    vocabulary: dict[str, int] = {}
    columns, rows = [], []
    for row, text in enumerate(texts):
        for size in GRAM_SIZES:
            for start in range(len(text) - size + 1):
                columns.append(vocabulary.setdefault(text[start : start + size], len(vocabulary)))
                rows.append(row)
    counts = sparse.csr_matrix(
        (np.ones(len(columns)), (np.array(rows), np.array(columns))), shape=(len(texts), len(vocabulary))
    )
    counts.sum_duplicates()
    document_frequency = np.bincount(counts.indices, minlength=len(vocabulary))
    idf = np.log((1 + len(texts)) / (1 + document_frequency)) + 1
    weighted = counts @ sparse.diags(idf)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1 / np.where(norms > 0, norms, 1)) @ weighted)


def tfidf_links(source_texts: list[str], target_texts: list[str]) -> list[tuple[int, int]]:
    """(source row, target row) of each target's best source by cosine, when it reaches
    :data:`PEER_MIN_COSINE`; every pair scored."""
    vectors = tfidf_vectors(source_texts + target_texts)
    cosines = (vectors[len(source_texts) :] @ vectors[: len(source_texts)].T).toarray()
    best = cosines.argmax(axis=1)
    kept = cosines[np.arange(len(target_texts)), best] >= PEER_MIN_COSINE
    return [(int(s), int(t)) for t, s in enumerate(best) if kept[t]]


def align_case(n: int, seed: int) -> dict:
    """The aligner on one synthetic pair of ``n`` tasks (its seconds, task pairs per second and
    scores), and beside it the TF-IDF peer on the same pair (``tfidf``) and the ratio of the
    aligner's seconds to the peer's (``over_tfidf``; the goal: at most 1)."""
    import tempfile

    from analysis.align import PlanPair, align
    from analysis.settings import AlignmentSettings
    from analysis.text import segment

    segment.tokens("生态环境")  # jieba loads once per process: not part of the cost measured
    with tempfile.TemporaryDirectory() as folder:
        (source, target), truth = synthetic_pair(n, seed, Path(folder))
    pairs = len(source.tasks) * len(target.tasks)
    started = time.perf_counter()
    result = align(PlanPair.of(source, target, AlignmentSettings()), "year")
    seconds = time.perf_counter() - started
    same = result.alignments[result.alignments["relation"] == "same"]
    started = time.perf_counter()
    found = tfidf_links(list(source.tasks["text"]), list(target.tasks["text"]))
    peer_seconds = time.perf_counter() - started
    source_ids, target_ids = list(source.tasks["task_id"]), list(target.tasks["task_id"])
    peer = same_link_scores({(source_ids[s], target_ids[t]) for s, t in found}, source, target, truth)
    return {
        "n": n,
        "source_tasks": len(source.tasks),
        "target_tasks": len(target.tasks),
        "seconds": float(f"{seconds:.4g}"),  # significant figures: a 30-task case takes milliseconds
        "pairs_per_second": round(pairs / seconds),
        **same_link_scores(set(zip(same["source_task_id"], same["target_task_id"])), source, target, truth),
        "tfidf": {"seconds": float(f"{peer_seconds:.4g}"), "pairs_per_second": round(pairs / peer_seconds), **peer},
        "over_tfidf": round(seconds / peer_seconds, 2),
    }
