"""Near-duplicate documents: which documents of a corpus copy one another.

Near-duplicates are found from character shingles of the Chinese text (damage and markup
removed): MinHash signatures propose candidate pairs (banding), and the exact Jaccard
similarity of the shingle sets decides.

Similar text alone does not make a copy: sister cities write their plans from one template
(shingle similarity 0.7 and more) and both are plans of their own. A document is a *damaged
copy* of a similar one only when it is measurably more damaged (:func:`is_damaged_copy`), or
when the manifest says so (its optional ``duplicate_of`` column). A damaged copy is reported
as ``duplicate_of`` the cleaner one, and the build leaves it out of the comparisons
(:func:`left_out_log` names each one with its reason).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd

from analysis.settings import DuplicateSettings

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_RNG_SEED = 20240205
_MINHASH_ROWS = 256  # values of a set hashed at a time by :func:`signatures` (a 256 KB buffer)


def shingles(text: str, size: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character ``size``-grams of the Han text (``size``:
    the settings' ``shingle_size``)."""
    han = _NOT_HAN.sub("", text)
    if len(han) < size:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(han.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    hashes = np.zeros(len(codes) - size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):  # in place: no temporary of the text's length (see :func:`signatures`)
            hashes *= np.uint64(1_000_003)
            hashes += codes[offset : len(codes) - size + 1 + offset]
    return np.unique(hashes)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def signatures(sets: list[np.ndarray], permutations: int) -> np.ndarray:
    """MinHash signatures by multiply-shift hashing (no modulo: fast on uint64), one row per set
    (a set's row does not depend on the others: a build keeps each document's).

    The hashes are computed :data:`_MINHASH_ROWS` values at a time in one buffer, not as three
    temporaries of the whole set (a plan's: megabytes): a Dask worker's allocator (glibc with
    ``MALLOC_TRIM_THRESHOLD_`` set, as Dask sets it) maps and zeroes such arrays afresh each time,
    which made a plan's signature 4-5x slower there than in one process."""
    rng = np.random.default_rng(_RNG_SEED)
    a = rng.integers(1, np.iinfo(np.int64).max, size=permutations, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, np.iinfo(np.int64).max, size=permutations, dtype=np.uint64)
    signatures = np.full((len(sets), permutations), np.iinfo(np.uint64).max, dtype=np.uint64)
    block = np.empty((_MINHASH_ROWS, permutations), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row, values in enumerate(sets):
            for start in range(0, len(values), _MINHASH_ROWS):
                chunk = values[start : start + _MINHASH_ROWS]
                hashed = block[: len(chunk)]
                np.multiply.outer(chunk, a, out=hashed)
                hashed += b
                hashed >>= np.uint64(32)
                np.minimum(signatures[row], hashed.min(axis=0), out=signatures[row])
    return signatures


def candidate_pairs(sets: list[np.ndarray], signatures: np.ndarray, bands: int) -> set[tuple[int, int]]:
    """Pairs of (non-empty) documents sharing at least one of ``bands`` MinHash bands (the
    settings' ``minhash_bands``): likely similar."""
    rows = signatures.shape[1] // bands
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for doc, signature in enumerate(signatures[:, band * rows : (band + 1) * rows]):
            if len(sets[doc]):
                buckets.setdefault(signature.tobytes(), []).append(doc)
        for members in buckets.values():
            pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1 :])
    return pairs


def is_damaged_copy(copy_rate: float, original_rate: float, settings: DuplicateSettings) -> bool:
    """Whether a document damaged at ``copy_rate`` (events per 1k chars) is measurably more
    damaged than a similar one at ``original_rate``: by more than the settings' margin and ratio."""
    return (
        copy_rate > original_rate + settings.copy_min_extra_damage_per_1k
        and copy_rate >= settings.copy_min_damage_ratio * original_rate
    )


def similar_pairs(
    sets: list[np.ndarray], settings: DuplicateSettings, minhashes: np.ndarray | None = None
) -> list[tuple[int, int, float]]:
    """Pairs ``(x, y, similarity)`` (x < y) whose shingle sets share at least the settings'
    ``min_similarity`` (Jaccard); ``minhashes``: the sets' :func:`signatures` when known."""
    if minhashes is None:
        minhashes = signatures(sets, settings.minhash_permutations)
    found = []
    for x, y in sorted(candidate_pairs(sets, minhashes, settings.minhash_bands)):
        if np.mean(minhashes[x] == minhashes[y]) < settings.min_similarity - settings.estimate_margin:
            continue
        similarity = jaccard(sets[x], sets[y])
        if similarity >= settings.min_similarity:
            found.append((x, y, similarity))
    return found


class _Originals:
    """The documents of one group of identical texts, by damage: which of them a document can be a
    damaged copy of, found by bisection (a manifest listing one file 10,000 times stays linear)."""

    def __init__(self, members: list[int], damage_rates: list[float]) -> None:
        ordered = sorted(members, key=lambda i: damage_rates[i])
        self.rates = [damage_rates[i] for i in ordered]
        self.first = list(itertools.accumulate(ordered, min))  # the lowest index among the k least damaged

    def first_original(self, copy_rate: float, settings: DuplicateSettings) -> int | None:
        """The lowest-index member that a document damaged at ``copy_rate`` is a damaged copy of."""
        low, high = 0, len(self.rates)  # is_damaged_copy holds for the least damaged members, then never
        while low < high:
            middle = (low + high) // 2
            if is_damaged_copy(copy_rate, self.rates[middle], settings):
                low = middle + 1
            else:
                high = middle
        return self.first[low - 1] if low else None


def near_duplicates(
    doc_ids: list[str],
    texts: list[str],
    damage_rates: list[float],
    settings: DuplicateSettings,
    declared: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per document: ``duplicate_of`` (the cleaner copy) and the similarity to it
    (:func:`copies_among` the documents' shingle sets)."""
    sets = [shingles(text, settings.shingle_size) for text in texts]
    return copies_among(
        doc_ids, sets, signatures(sets, settings.minhash_permutations), damage_rates, settings, declared
    )


def copies_among(
    doc_ids: list[str],
    sets: list[np.ndarray],
    minhashes: np.ndarray,
    damage_rates: list[float],
    settings: DuplicateSettings,
    declared: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per document: ``duplicate_of`` (the cleaner copy) and the similarity to it, from the
    documents' shingle ``sets`` and their MinHash :func:`signatures` ``minhashes``.

    Of two similar documents the more damaged one is the copy when :func:`is_damaged_copy` says
    it is measurably more damaged; two equally clean ones (sister plans from one template) are
    no copies; of several originals the most similar, then the first listed. ``declared`` (doc id →
    the doc id it copies, from the manifest) decides for the documents it names, whatever their
    similarity. Documents of identical text are compared once, as a group.
    """
    groups: dict[bytes, list[int]] = {}
    for i, values in enumerate(sets):
        groups.setdefault(values.tobytes(), []).append(i)
    members = list(groups.values())
    group_of = {i: k for k, group in enumerate(members) for i in group}
    similar: dict[int, list[tuple[float, int]]] = {
        k: [(1.0, k)] for k, group in enumerate(members) if len(sets[group[0]])
    }
    firsts = [group[0] for group in members]
    for x, y, similarity in similar_pairs([sets[i] for i in firsts], settings, minhashes[firsts]):
        similar[x].append((similarity, y))
        similar[y].append((similarity, x))
    originals = [_Originals(group, damage_rates) for group in members]
    best: dict[int, tuple[float, int]] = {}
    for copy in range(len(sets)):
        by_similarity = sorted(similar.get(group_of[copy], []), key=lambda pair: -pair[0])
        for similarity, tied in itertools.groupby(by_similarity, key=lambda pair: pair[0]):
            found = [o for _, k in tied if (o := originals[k].first_original(damage_rates[copy], settings)) is not None]
            if found:
                best[copy] = (similarity, min(found))
                break
    index = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    for copy_id, original_id in (declared or {}).items():
        if original_id and copy_id in index and original_id in index:
            copy, original = index[copy_id], index[original_id]
            best[copy] = (jaccard(sets[copy], sets[original]), original)
    return pd.DataFrame(
        {
            "doc_id": doc_ids,
            "duplicate_of": [doc_ids[best[i][1]] if i in best else "" for i in range(len(doc_ids))],
            "duplicate_similarity": [round(best[i][0], 4) if i in best else np.nan for i in range(len(doc_ids))],
        }
    )


def left_out_log(
    documents: pd.DataFrame, declared: dict[str, str] | None = None, dropped: dict[str, list[str]] | None = None
) -> list[str]:
    """Build log lines naming every document left out of the comparisons as a damaged copy, with
    its reason (``declared``: the manifest's ``duplicate_of``; ``dropped``: doc id → the
    comparisons its manifest links would have made)."""
    lines = []
    damage = dict(zip(documents["doc_id"], documents["damage_per_1k_chars"]))
    for row in documents[documents["duplicate_of"].fillna("") != ""].to_dict(orient="records"):
        doc_id, original = str(row["doc_id"]), str(row["duplicate_of"])
        if (declared or {}).get(doc_id) == original:
            reason = f"the manifest declares it a duplicate of {original}"
        else:
            reason = (
                f"a damaged copy of {original} (shingle similarity {row['duplicate_similarity']:.2f}; "
                f"{row['damage_per_1k_chars']:g} damage events per 1k chars against {damage[original]:g})"
            )
        skipped = (dropped or {}).get(doc_id, [])
        lines.append(
            f"left out of comparisons: {doc_id}: {reason}; comparisons skipped: "
            + (", ".join(skipped) if skipped else "none (its manifest row links it to no plan)")
        )
    return lines
