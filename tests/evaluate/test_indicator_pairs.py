"""The targets the project compares across plans against the hand-made list of the bundled plans'
pairs (data/gold/indicator_pairs.csv)."""

from __future__ import annotations

import pandas as pd

from analysis.evaluate.pairs import load_gold_pairs, pair_scores, pairs_report
from analysis.targets.pairing import COMPARED


def test_the_compared_pairs_are_the_listed_ones(built) -> None:
    _, tables = built
    paths = dict(zip(tables["tasks"]["task_id"], tables["tasks"]["path"]))
    scores = pair_scores(tables["coverage_indicators"], load_gold_pairs(), paths)
    assert scores.n_gold >= 15 and scores.n_compared >= 15
    assert scores.precision >= 0.95 and scores.recall >= 0.90, pairs_report(scores)


def test_every_change_of_the_escalation_table_is_a_compared_pair(built) -> None:
    _, tables = built
    pairs = tables["coverage_indicators"]
    compared = set(
        zip(pairs["source_doc"], pairs["target_doc"], pairs["target_target_id"], pairs["pairing"].isin(COMPARED))
    )
    escalation = tables["escalation"]
    for against in ("previous", "parent"):
        changed = escalation[escalation[f"change_vs_{against}"].notna()]
        assert len(changed)
        for row in changed.itertuples():
            assert (getattr(row, f"{against}_doc"), row.doc_id, row.target_id, True) in compared


GOLD = pd.DataFrame(
    {
        "source_doc": ["p", "p", "p"],
        "source_path": ["一", "二", "三"],
        "source_value": [80.0, 30.0, 5.0],
        "source_text": ["达到80%", "30%", "5个"],
        "target_doc": ["c", "c", "c"],
        "target_path": ["1", "2", "3"],
        "target_value": [65.0, 70.0, 2.0],
        "target_text": ["65%", "70%", "华容区"],
        "decision": ["compare", "check", "implied"],
        "note": ["", "", ""],
    }
)


def pair(source_task: str, source_value: float, source_quote: str, target_task: str, target_value: float, quote: str):
    return {
        "comparison_id": "p__c",
        "source_doc": "p",
        "source_task_id": source_task,
        "source_value": source_value,
        "source_quote": source_quote,
        "target_doc": "c",
        "target_task_id": target_task,
        "target_value": target_value,
        "target_quote": quote,
    }


def test_pair_scores_count_the_listed_the_doubted_and_the_missing() -> None:
    paths = {"p:1": "一", "p:2": "二", "p:3": "三", "c:1": "1", "c:2": "2", "c:3": "3"}
    pairs = pd.DataFrame(
        [
            pair("p:1", 80.0, "验收销号比例达到80%", "c:1", 65.0, "完成65%以上") | {"pairing": "compare"},
            pair("p:1", 80.0, "验收销号比例达到80%", "c:1", 65.0, "完成65%以上") | {"pairing": "compare"},  # once
            pair("p:2", 30.0, "30%整治任务", "c:2", 70.0, "70%的整治任务") | {"pairing": "compare"},  # doubted
            pair("p:2", 30.0, "30%整治任务", "c:2", 70.0, "70%的整治任务") | {"pairing": "check"},  # not compared
        ]
    )
    scores = pair_scores(pairs, GOLD, paths)
    assert (scores.n_compared, scores.n_correct, scores.n_gold) == (2, 1, 2)
    assert (scores.precision, scores.recall) == (0.5, 0.5)
    assert list(scores.wrong["gold_decision"]) == ["check"]
    assert list(scores.missed["target_text"]) == ["华容区"]
    before = pairs.drop(columns="pairing")  # a table from before pairings: every row is compared
    assert pair_scores(before, GOLD, paths).n_compared == 2
