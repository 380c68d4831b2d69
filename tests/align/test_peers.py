"""Peers: two plans of one level from different issuers (two cities) are compared as peers."""

from __future__ import annotations

import io

import invented_plans as ip
import pandas as pd
import pytest

from analysis import align
from analysis.align import coverage
from analysis.corpus.resolve import comparison_kind, document_profile
from analysis.errors import UserError
from analysis.parse.document import parse_document
from analysis.schema import KINDS, UNLINKED
from analysis.settings import AlignmentSettings


def _row(doc_id: str, level: str, region: str, parent: str = "", previous: str = "") -> dict:
    return {"doc_id": doc_id, "level": level, "region": region, "parent": parent, "previous": previous}


@pytest.mark.parametrize(
    ("source", "target", "requested", "expected"),
    [
        (_row("a", "city", "甲市"), _row("b", "city", "乙市"), None, "peer"),
        (_row("a", "city", "甲市"), _row("b", "city", "甲市"), None, "year"),
        (_row("a", "province", "某省"), _row("b", "city", "乙市"), None, "level"),
        (
            _row("a", "city", "甲市"),
            _row("b", "city", "乙市", previous="a"),
            None,
            "year",
        ),  # the manifest's link decides
        (_row("a", "city", "甲市"), _row("b", "city", "乙市"), "level", "level"),  # as asked
    ],
)
def test_comparison_kind(source: dict, target: dict, requested: str | None, expected: str) -> None:
    profiles = ((source["level"], source["region"]), (target["level"], target["region"]))
    assert comparison_kind("a", source, "b", target, profiles, requested) == expected


def test_a_manifest_link_is_not_overridden_by_peer() -> None:
    source, target = _row("a", "province", "某省"), _row("b", "city", "乙市", parent="a")
    with pytest.raises(UserError, match="level comparison, not peer"):
        comparison_kind("a", source, "b", target, (("province", "某省"), ("city", "乙市")), "peer")


@pytest.fixture
def two_cities(tmp_path):
    paths = []
    for name, city, key, n in (("jia.txt", "甲市", "alpha", 20), ("yi.txt", "乙市", "beta", 35)):
        path = tmp_path / name
        path.write_text(ip.city_plan(city, key, n), encoding="utf-8")
        paths.append(path)
    return paths


def test_two_city_plans_outside_the_manifest_are_peers(two_cities) -> None:
    docs = [parse_document(p) for p in two_cities]
    profiles = tuple(document_profile(doc, None) for doc in docs)
    assert profiles == (("city", "甲市"), ("city", "乙市"))
    assert comparison_kind("jia", None, "yi", None, profiles) == "peer"


def test_peer_alignment_and_coverage_label_the_unlinked_tasks_by_side(two_cities) -> None:
    assert "peer" in KINDS and UNLINKED["peer"] == ("only_in_a", "only_in_b")
    source, target = (parse_document(p) for p in two_cities)
    result = align.align(align.PlanPair.of(source, target, AlignmentSettings()), "peer").alignments
    assert set(result["relation"]) <= {"same", "partial", "only_in_a", "only_in_b"}
    tasks = coverage.task_coverage(result, source.tasks, target.tasks, "jia__yi", "peer")
    by_heading = dict(zip(tasks["heading"] + "/" + tasks["side"], tasks["relation"]))
    assert by_heading["推进东湖流域水环境综合治理/source"] == "only_in_a"
    assert by_heading["建设国家储能产业示范基地/target"] == "only_in_b"
    assert by_heading["深入打好蓝天保卫战/source"] == by_heading["深入打好蓝天保卫战/target"] == "same"


def test_align_command_on_two_peer_cities(run_cli, two_cities) -> None:
    result = run_cli("align", *two_cities)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    relations = set(table["relation"])
    assert {"same", "only_in_a", "only_in_b"} <= relations
    assert not relations & {"not_cascaded", "local", "new", "dropped"}
    assert (table["relation"] == "same").sum() == 6  # the template's six shared tasks


def test_report_views_summarise_a_peer_comparison(two_cities) -> None:
    from analysis.report import palette, views
    from analysis.settings import LINK_CONFIDENCE_PATH

    docs = [parse_document(p) for p in two_cities]
    comparison = align.compare_plans(
        docs[0], docs[1], "peer", AlignmentSettings(), align.LinkModel.load(LINK_CONFIDENCE_PATH)
    )
    assert comparison.comparison_id == "jia__yi"
    counts = views.relation_counts(comparison["coverage_tasks"])
    assert list(counts.columns) == ["side", "doc_id", "same", "only_in_a", "only_in_b", "tasks"]
    summary = views.comparison_summary(comparison)
    assert "jia and yi share 86% of the 7 tasks of jia" in summary
    assert "1 of its tasks and 1 of the 7 of yi have no counterpart" in summary
    assert {"only_in_a", "only_in_b"} <= set(palette.RELATION_COLOURS)
    assert set(views.section_flows(comparison)["relation"]) == {"same", "only_in_a", "only_in_b"}
