"""Near-duplicate detection: shared text, not shared vocabulary, makes a copy."""

from __future__ import annotations

import numpy as np

from analysis.compare import duplicates
from analysis.compare.duplicates import jaccard, near_duplicates, shingles
from analysis.settings import DuplicateSettings

DEFAULTS = DuplicateSettings()


def test_near_duplicates_need_shared_text_not_shared_vocabulary() -> None:
    a = "深入打好蓝天保卫战推动重点行业深度治理强化柴油货车监管" * 3
    b = a.replace("柴油货车", "非道路机械")
    c = "完成一千五百七十一个行政村环境整治加快农村黑臭水体治理" * 3
    assert jaccard(shingles(a, DEFAULTS.shingle_size), shingles(b, DEFAULTS.shingle_size)) > 0.5
    found = near_duplicates(["a", "b", "c"], [a, b, c], [0.0, 5.0, 0.0], DEFAULTS)
    assert list(found["duplicate_of"]) == ["", "a", ""]
    assert np.isnan(found.loc[2, "duplicate_similarity"])


def test_one_text_listed_thousands_of_times_is_compared_once_as_a_group() -> None:
    """A manifest naming one file 3,000 times: each damaged copy is a copy of the first clean one,
    the clean ones of nobody (decided per group, not over 4.5 million pairs)."""
    a = "深入打好蓝天保卫战推动重点行业深度治理强化柴油货车监管" * 3
    b = a.replace("柴油货车", "非道路机械")
    texts = [a, b] * 1500
    rates = [5.0 if i % 4 == 2 else 0.0 for i in range(len(texts))]  # every other copy of a is damaged
    found = near_duplicates([f"d{i}" for i in range(len(texts))], texts, rates, DEFAULTS)
    expected = ["d0" if i % 4 == 2 else "" for i in range(len(texts))]
    assert list(found["duplicate_of"]) == expected
    assert set(found["duplicate_similarity"].dropna()) == {1.0}


def test_a_signature_hashed_a_block_at_a_time_is_the_minimum_over_the_whole_set(corpus) -> None:
    """Each set's MinHash row is the minimum of the multiply-shift hashes of all its values, whether
    the set is shorter than a block, a block long, or (a plan's) many blocks."""
    plan = shingles(corpus["hubei_province_2024"].clean.text, DEFAULTS.shingle_size)
    assert len(plan) > 4 * duplicates._MINHASH_ROWS
    sets = [plan, plan[: duplicates._MINHASH_ROWS], plan[:3], plan[:0]]
    found = duplicates.signatures(sets, DEFAULTS.minhash_permutations)
    rng = np.random.default_rng(duplicates._RNG_SEED)
    a = rng.integers(1, np.iinfo(np.int64).max, size=DEFAULTS.minhash_permutations, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, np.iinfo(np.int64).max, size=DEFAULTS.minhash_permutations, dtype=np.uint64)
    with np.errstate(over="ignore"):
        whole = [((np.outer(values, a) + b) >> np.uint64(32)).min(axis=0) for values in sets[:3]]
    np.testing.assert_array_equal(found[:3], np.array(whole))
    assert (found[3] == np.iinfo(np.uint64).max).all()  # an empty set's row stays at the maximum
