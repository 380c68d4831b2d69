"""The target evaluation's matching rule: tiers, scope rows, equal values told apart by their quote."""

from __future__ import annotations

import pandas as pd

from analysis.evaluate import evaluate_targets, match_targets


def gold_row(value: float, tier: str, unit: str = "%", quote: str = "达到", canonical: str = "x") -> dict[str, object]:
    return {
        "doc": "d",
        "indicator": "i",
        "canonical_indicator": canonical,
        "value": value,
        "unit": unit,
        "comparator": ">=",
        "deadline": "",
        "task_ref": "一",
        "quote_norm": quote,
        "tier": tier,
        "kind": "rate",
    }


def target_row(
    number: int, value: float, role: str = "commitment", unit: str = "%", comparator: str = "="
) -> dict[str, object]:
    return {
        "doc_id": "d",
        "target_id": f"d:1#{number}",
        "path": "一",
        "value": value,
        "unit": unit,
        "role": role,
        "indicator": "i",
        "indicator_id": "x",
        "comparator": comparator,
        "deadline": "",
        "quote": "达到",
    }


def test_optional_rows_are_neutral_and_scope_rows_are_not_claims() -> None:
    gold = pd.DataFrame(
        [gold_row(80, "core"), gold_row(12480, "optional", "个"), gold_row(100, "implicit"), gold_row(30, "core")]
    )
    found = pd.DataFrame(
        [target_row(1, 80), target_row(2, 12480, unit="个"), target_row(3, 5), target_row(4, 30, role="scope")]
    )
    scores = evaluate_targets(found, gold).iloc[0]
    assert (scores["n_gold_core"], scores["n_core_found"], scores["core_recall"]) == (2, 1, 0.5)
    assert (scores["n_matched_neutral"], scores["n_unmatched"], scores["precision"]) == (1, 1, 0.5)
    assert (scores["n_scope"], scores["n_scope_on_core"]) == (1, 1)
    assert scores["comparator_agreement"] == 1.0  # = for >= after 达到


def test_two_equal_values_in_one_task_match_by_quote() -> None:
    gold = pd.DataFrame([gold_row(80, "core", quote="完成80%溯源"), gold_row(80, "core", quote="完成80%的整治任务")])
    found = pd.DataFrame([target_row(1, 80), target_row(2, 80)])
    found["quote"] = ["完成80%的整治任务", "完成80%溯源"]
    matched = match_targets(found, gold)
    assert list(matched["target_id"]) == ["d:1#2", "d:1#1"]
