"""Near-duplicate documents: which documents of a corpus copy one another.

Near-duplicates are found from character shingles of the Chinese text (damage and markup
removed): MinHash signatures propose candidate pairs (banding), and the exact Jaccard
similarity of the shingle sets decides. The damaged member of a duplicate pair is reported
as ``duplicate_of`` the cleaner one.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.settings import DuplicateSettings

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_RNG_SEED = 20240205


def shingles(text: str, size: int | None = None) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character ``size``-grams of the Han text (``size``:
    the settings' ``shingle_size`` unless given)."""
    size = DuplicateSettings().shingle_size if size is None else size
    han = _NOT_HAN.sub("", text)
    if len(han) < size:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(han.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    hashes = np.zeros(len(codes) - size + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(size):
            hashes = hashes * np.uint64(1_000_003) + codes[offset: len(codes) - size + 1 + offset]
    return np.unique(hashes)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def _minhash(sets: list[np.ndarray], permutations: int) -> np.ndarray:
    """MinHash signatures by multiply-shift hashing (no modulo: fast on uint64)."""
    rng = np.random.default_rng(_RNG_SEED)
    a = rng.integers(1, np.iinfo(np.int64).max, size=permutations, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, np.iinfo(np.int64).max, size=permutations, dtype=np.uint64)
    signatures = np.full((len(sets), permutations), np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row, values in enumerate(sets):
            if len(values):
                signatures[row] = ((np.outer(values, a) + b) >> np.uint64(32)).min(axis=0)
    return signatures


def candidate_pairs(sets: list[np.ndarray], signatures: np.ndarray, bands: int | None = None) -> set[tuple[int, int]]:
    """Pairs of (non-empty) documents sharing at least one of ``bands`` MinHash bands (the
    settings' ``minhash_bands`` unless given): likely similar."""
    bands = DuplicateSettings().minhash_bands if bands is None else bands
    rows = signatures.shape[1] // bands
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for doc, signature in enumerate(signatures[:, band * rows:(band + 1) * rows]):
            if len(sets[doc]):
                buckets.setdefault(signature.tobytes(), []).append(doc)
        for members in buckets.values():
            pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1:])
    return pairs


def near_duplicates(doc_ids: list[str], texts: list[str], damage_rates: list[float],
                    settings: DuplicateSettings | None = None) -> pd.DataFrame:
    """One row per document: ``duplicate_of`` (the cleaner copy) and the similarity to it."""
    settings = settings or DuplicateSettings()
    sets = [shingles(text, settings.shingle_size) for text in texts]
    signatures = _minhash(sets, settings.minhash_permutations)
    best: dict[int, tuple[float, int]] = {}
    for x, y in sorted(candidate_pairs(sets, signatures, settings.minhash_bands)):
        if np.mean(signatures[x] == signatures[y]) < settings.min_similarity - settings.estimate_margin:
            continue
        similarity = jaccard(sets[x], sets[y])
        if similarity < settings.min_similarity:
            continue
        # the copy is the more damaged one; on a tie, the one listed later
        copy, original = (x, y) if (damage_rates[x], x) > (damage_rates[y], y) else (y, x)
        if similarity > best.get(copy, (0.0, -1))[0]:
            best[copy] = (similarity, original)
    return pd.DataFrame({
        "doc_id": doc_ids,
        "duplicate_of": [doc_ids[best[i][1]] if i in best else "" for i in range(len(doc_ids))],
        "duplicate_similarity": [round(best[i][0], 4) if i in best else np.nan for i in range(len(doc_ids))],
    })
