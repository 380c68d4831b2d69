"""Cascade coverage: tasks taken up, summaries by part/section/lead unit, indicators side by side."""

from __future__ import annotations

import pandas as pd
from pandas.testing import assert_frame_equal

from analysis.align import coverage

PARENT = pd.DataFrame(
    {
        "doc_id": "p",
        "task_id": ["p:1", "p:2", "p:3"],
        "path": ["二1", "二2", "三1"],
        "heading": ["蓝天", "碧水", "协同"],
        "part_title": ["二、重点工作", "二、重点工作", "三、重要举措"],
        "section_title": ["(一)污染防治", "(一)污染防治", ""],
        "lead_units": ["大气处", "水处;大气处", "厅机关各处室会同人事处"],
        "char_start": [0, 10, 20],
        "char_end": [9, 19, 29],
    }
)
CHILD = pd.DataFrame(
    {
        "doc_id": "c",
        "task_id": ["c:1", "c:2"],
        "path": ["一", "二"],
        "heading": ["蓝天", "招商"],
        "part_title": ["一、重点", "一、重点"],
        "section_title": ["", ""],
        "lead_units": ["", ""],
        "char_start": [5, 15],
        "char_end": [14, 24],
    }
)
ALIGNMENTS = pd.DataFrame(
    {
        "source_doc": ["p", "p", "p", ""],
        "source_task_id": ["p:1", "p:2", "p:3", ""],
        "target_doc": ["c", "c", "", "c"],
        "target_task_id": ["c:1", "c:1", "", "c:2"],
        "score": [0.8, 0.3, 0.1, 0.05],
        "relation": ["same", "partial", "not_cascaded", "local"],
        "evidence": "",
    }
)


def test_every_task_gets_its_relation_and_linked_tasks() -> None:
    table = coverage.task_coverage(ALIGNMENTS, PARENT, CHILD, "p__c", "level")
    assert list(table.columns) == coverage.TASK_COVERAGE_COLUMNS
    assert_frame_equal(
        table[["side", "task_id", "relation", "linked_task_ids", "best_score"]],
        pd.DataFrame(
            {
                "side": ["source", "source", "source", "target", "target"],
                "task_id": ["p:1", "p:2", "p:3", "c:1", "c:2"],
                "relation": ["same", "partial", "not_cascaded", "same", "local"],
                "linked_task_ids": ["c:1", "c:1", "", "p:1;p:2", ""],
                "best_score": [0.8, 0.3, 0.0, 0.8, 0.0],
            }
        ),
    )
    assert list(table["char_start"]) == [0, 10, 20, 5, 15]


def test_summary_shares_by_part_section_and_lead_unit() -> None:
    tasks = coverage.task_coverage(ALIGNMENTS, PARENT, CHILD, "p__c", "level")
    summary = coverage.coverage_summary(tasks, PARENT, CHILD, "p__c", "level")
    assert list(summary.columns) == coverage.SUMMARY_COLUMNS
    source = summary[summary["side"] == "source"].set_index(["scope", "group"])
    assert source.loc[("overall", "all tasks"), ["n_tasks", "n_linked", "n_unlinked"]].tolist() == [3, 2, 1]
    assert source.loc[("overall", "all tasks"), "share_linked"] == 0.6667
    assert source.loc[("part", "三、重要举措"), "share_linked"] == 0.0
    assert source.loc[("section", "(一)污染防治"), ["n_same", "n_partial"]].tolist() == [1, 1]
    assert source.loc[("section", "三、重要举措"), "n_tasks"] == 1  # a task without a section counts under its part
    assert source.loc[("lead_unit", "大气处"), "n_tasks"] == 2  # each lead unit of a task counts it
    assert source.loc[("lead_unit", "厅机关各处室"), "n_linked"] == 0  # X会同… counts for X
    target = summary[summary["side"] == "target"].set_index(["scope", "group"])
    assert target.loc[("overall", "all tasks"), ["n_tasks", "n_linked"]].tolist() == [2, 1]
    assert "lead_unit" not in target.index.get_level_values("scope")


def test_shared_indicators_side_by_side() -> None:
    targets = pd.DataFrame(
        {
            "doc_id": ["p", "p", "c", "c"],
            "task_id": ["p:1", "p:2", "c:1", "c:2"],
            "indicator_id": ["villages", "outfalls", "villages", ""],
            "value": [1571, 95, 10, 3],
            "unit": ["个", "%", "个", "个"],
            "char_start": [1, 11, 6, 16],
            "char_end": [5, 14, 8, 17],
        }
    )
    comparisons = pd.DataFrame({"comparison_id": ["p__c"], "kind": ["level"], "source_doc": ["p"], "target_doc": ["c"]})
    table = coverage.indicator_comparison(ALIGNMENTS.assign(comparison_id="p__c"), targets, comparisons)
    assert list(table.columns) == coverage.INDICATOR_COLUMNS
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["indicator_id"], row["source_value"], row["target_value"], row["tasks_aligned"]) == (
        "villages",
        1571,
        10,
        True,
    )
    assert (row["source_char_start"], row["target_char_start"]) == (1, 6)
    assert pd.isna(row["source_comparator"])  # not in the targets frame: carried as missing
    assert coverage.indicator_comparison(ALIGNMENTS, None, comparisons).empty


def test_a_shared_indicator_is_compared_like_with_like_or_listed_to_check() -> None:
    """Scope counts are not compared, nor two implied values; a pair whose scope words differ is
    kept with ``check``; every row says why."""
    rows = [
        ("p", "p:1", "outfalls", 80.0, "commitment", "yangtze;into_river"),
        ("p", "p:1", "outfalls", 12480.0, "scope", "yangtze;into_river"),
        ("p", "p:2", "share", 30.0, "commitment", ""),
        ("p", "p:2", "lake", 80.0, "implied", "lake"),
        ("c", "c:1", "outfalls", 65.0, "commitment", "yangtze;into_river"),
        ("c", "c:1", "outfalls", 100.0, "commitment", "lake;into_lake"),
        ("c", "c:2", "share", 100.0, "implied", ""),
        ("c", "c:2", "lake", 100.0, "implied", "lake"),
    ]
    targets = pd.DataFrame(rows, columns=["doc_id", "task_id", "indicator_id", "value", "role", "scope_words"])
    targets = targets.assign(unit="%", value_text="全面完成", target_id=[f"t{i}" for i in range(len(rows))])
    comparisons = pd.DataFrame({"comparison_id": ["p__c"], "kind": ["level"], "source_doc": ["p"], "target_doc": ["c"]})
    table = coverage.indicator_comparison(ALIGNMENTS.assign(comparison_id="p__c"), targets, comparisons)
    found = list(zip(table["indicator_id"], table["source_value"], table["target_value"], table["pairing"]))
    assert found == [
        ("outfalls", 80.0, 65.0, "compare"),
        ("outfalls", 80.0, 100.0, "check"),
        ("share", 30.0, 100.0, "implied"),
    ]
    assert table["reason"].str.len().gt(0).all()
    assert "scope differs: yangtze·into_river vs lake·into_lake" in table["reason"].iloc[1]
