"""The corpus build: document metadata and quality, duplicates, deterministic output."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.metadata import extract_metadata, merge_metadata
from analysis.pipeline import build
from analysis.quality import jaccard, near_duplicates, shingles


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
    first, _ = built
    build(tmp_path)
    for name in ("documents.csv", "tasks.csv"):
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


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
    ],
)
def test_extract_metadata(front: list[str], expected: dict[str, str]) -> None:
    assert extract_metadata(front) == expected


def test_the_manifest_fills_what_the_text_lacks() -> None:
    merged = merge_metadata({"title": "A"}, {"title": "B", "issuer": "C", "date": ""})
    assert merged == {"title": "A", "title_source": "text", "issuer": "C", "issuer_source": "manifest",
                      "doc_number": "", "doc_number_source": "", "date": "", "date_source": ""}
