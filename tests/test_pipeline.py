"""The corpus build: document metadata and quality, duplicates, deterministic output."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.corpus.manifest import load_manifest
from analysis.parse.metadata import extract_metadata, merge_metadata
from analysis.corpus.build import build, planned_comparisons
from analysis.parse.document import parse_document
from analysis.compare.duplicates import jaccard, near_duplicates, shingles


def test_documents_table_reports_metadata_with_its_source(built) -> None:
    _, tables = built
    docs = tables["documents"].set_index("doc_id")
    assert docs.at["hubei_province_2024", "doc_number"] == "鄂环发〔2024〕1号"
    assert docs.at["hubei_province_2024", "doc_number_source"] == "text"
    assert docs.at["hubei_province_2024", "date"] == "2024-02-05"
    assert docs.at["wuhan_city_2025", "doc_number"] == "武环〔2025〕25号"
    assert docs.at["wuhan_city_2025", "issuer"] == "武汉市生态环境局"
    assert docs.at["hubei_province_2023", "issuer_source"] == "manifest"  # not printed in the text
    assert docs.at["hubei_province_2024_web", "doc_number_source"] == "manifest"  # printed, but damaged
    assert (docs["title_source"] == "text").all()


def test_the_web_copy_is_a_damaged_duplicate_of_the_clean_plan(built) -> None:
    _, tables = built
    docs = tables["documents"].set_index("doc_id")
    web = docs.loc["hubei_province_2024_web"]
    assert web["duplicate_of"] == "hubei_province_2024"
    assert web["duplicate_similarity"] > 0.7
    assert web["damage_events"] > 100 and web["damaged_task_share"] > 0.5
    others = docs.drop(index="hubei_province_2024_web")
    assert (others["duplicate_of"] == "").all() and (others["damage_events"] == 0).all()


def test_near_duplicates_need_shared_text_not_shared_vocabulary() -> None:
    a = "深入打好蓝天保卫战推动重点行业深度治理强化柴油货车监管" * 3
    b = a.replace("柴油货车", "非道路机械")
    c = "完成一千五百七十一个行政村环境整治加快农村黑臭水体治理" * 3
    assert jaccard(shingles(a), shingles(b)) > 0.5
    found = near_duplicates(["a", "b", "c"], [a, b, c], [0.0, 5.0, 0.0])
    assert list(found["duplicate_of"]) == ["", "a", ""]
    assert np.isnan(found.loc[2, "duplicate_similarity"])


def test_two_builds_are_byte_identical(built, tmp_path) -> None:
    first, tables = built
    build(tmp_path)
    assert {"targets", "escalation", "alignments", "coverage_indicators"} <= set(tables)
    for name in tables:
        for suffix in (".csv", ".parquet"):
            assert (first / f"{name}{suffix}").read_bytes() == (tmp_path / f"{name}{suffix}").read_bytes(), name + suffix


def test_parallel_workers_give_the_same_tables(built, tmp_path) -> None:
    first, tables = built
    build(tmp_path, workers=2)
    for name in tables:
        assert (first / f"{name}.csv").read_bytes() == (tmp_path / f"{name}.csv").read_bytes(), name


def test_parquet_and_csv_hold_the_same_tasks(built) -> None:
    out, tables = built
    from_parquet = pd.read_parquet(out / "tasks.parquet")
    pd.testing.assert_frame_equal(from_parquet, tables["tasks"], check_dtype=False)


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (["关于印发2024年全省生态环境工作要点的通知", "鄂环发〔2024〕1号", "湖北省生态环境厅", "2024年2月5日", "2024年全省生态环境工作要点"],
         {"title": "2024年全省生态环境工作要点", "doc_number": "鄂环发〔2024〕1号", "issuer": "湖北省生态环境厅", "date": "2024-02-05"}),
        (["市生态环境局关于印发2025年全市生态环境保护工作要点的通知"],
         {"title": "2025年全市生态环境保护工作要点", "issuer": "市生态环境局"}),
        (["2024年全市生态环境工作要点", "根据省生态环境厅和市委、市政府工作要求,现对2024年全市生态环境工作作出如下安排。"],
         {"title": "2024年全市生态环境工作要点"}),
        (["某市生态环境局", "二〇二四年十二月三十一日"], {"issuer": "某市生态环境局", "date": "2024-12-31"}),
    ],
)
def test_extract_metadata(front: list[str], expected: dict[str, str]) -> None:
    assert extract_metadata(front) == expected


def test_a_closing_signature_gives_the_issuer_and_date(tmp_path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("2024年全市生态环境工作要点\n一、重点任务\n(一)推进治理。完成1次调查。\n某市生态环境局\n2024年3月1日\n",
                    encoding="utf-8")
    printed = extract_metadata(parse_document(path).printed_matter())
    assert printed == {"title": "2024年全市生态环境工作要点", "issuer": "某市生态环境局", "date": "2024-03-01"}


def test_the_manifest_fills_what_the_text_lacks() -> None:
    merged = merge_metadata({"title": "A"}, {"title": "B", "issuer": "C", "date": ""})
    assert merged == {"title": "A", "title_source": "text", "issuer": "C", "issuer_source": "manifest",
                      "doc_number": "", "doc_number_source": "", "date": "", "date_source": ""}


COMPARISONS = {
    "hubei_province_2023__hubei_province_2024": "year",
    "hubei_province_2024__ezhou_city_2024": "level",
    "hubei_province_2024__wuhan_city_2025": "level",
}


def test_build_aligns_every_comparison_the_manifest_implies(built, corpus) -> None:
    out, tables = built
    alignments = tables["alignments"]
    assert dict(alignments.groupby("comparison_id")["kind"].first()) == COMPARISONS
    for comparison_id, rows in alignments.groupby("comparison_id"):
        source, target = comparison_id.split("__")
        assert set(rows["source_task_id"]) - {""} == set(corpus[source].tasks["task_id"])
        assert set(rows["target_task_id"]) - {""} == set(corpus[target].tasks["task_id"])
        linked = rows[rows["relation"].isin(["same", "partial"])]
        raw = corpus[source].raw.text
        spans = corpus[source].tasks.set_index("task_id")
        for task_id, start, end in zip(linked["source_task_id"], linked["source_char_start"], linked["source_char_end"]):
            assert raw[start:end] == raw[spans.at[task_id, "char_start"]:spans.at[task_id, "char_end"]]
    written = pd.read_csv(out / "alignments.csv", dtype=str, keep_default_na=False)
    assert len(written) == len(alignments) and set(written["comparison_id"]) == set(COMPARISONS)


def test_clause_matches_point_into_both_raw_texts(built, corpus) -> None:
    _, tables = built
    clauses = tables["alignment_clauses"]
    assert set(clauses["comparison_id"]) == set(COMPARISONS)
    for side in ("source", "target"):
        for row in clauses.sample(20, random_state=0).itertuples():
            doc = corpus[getattr(row, f"{side}_doc")]
            span = doc.raw.text[getattr(row, f"{side}_char_start"):getattr(row, f"{side}_char_end")]
            assert span.replace(" ", "").replace("\n", "").replace("*", "")[:4] == getattr(row, f"{side}_clause")[:4]


def test_coverage_tables_summarise_each_child_plan(built) -> None:
    _, tables = built
    summary = tables["coverage"]
    overall = summary[summary["scope"] == "overall"].set_index(["comparison_id", "side"])
    assert len(overall) == 2 * len(COMPARISONS)
    assert overall["share_linked"].between(0, 1).all()
    ezhou = overall.loc[("hubei_province_2024__ezhou_city_2024", "source")]
    assert ezhou["share_linked"] >= 0.8  # Ezhou mirrors the province closely
    tasks = tables["coverage_tasks"]
    level = tasks[tasks["kind"] == "level"]
    assert set(level["relation"]) <= {"same", "partial", "not_cascaded", "local"}
    assert {"not_cascaded", "local"} <= set(level["relation"])
    indicators = tables["coverage_indicators"]
    if "targets" not in tables:  # the shared indicators need the targets table of the build
        assert indicators.empty
    else:
        villages = indicators[indicators["indicator_id"] == "village_env_remediation_count"].set_index("target_doc")
        assert villages.loc["ezhou_city_2024", ["source_value", "target_value"]].tolist() == [1571, 10]


def test_damaged_duplicate_copies_are_not_compared(built) -> None:
    _, tables = built
    listed = load_manifest()
    listed.loc[listed["doc_id"] == "ezhou_city_2024", "parent"] = "hubei_province_2024_web"
    planned = planned_comparisons(listed, tables["documents"])
    assert "hubei_province_2024_web" not in set(planned["source_doc"])
    assert list(planned["comparison_id"]) == ["hubei_province_2023__hubei_province_2024", "hubei_province_2024__wuhan_city_2025"]
