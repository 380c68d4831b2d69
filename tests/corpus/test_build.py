"""The corpus build: document metadata and quality, duplicates, deterministic output."""

from __future__ import annotations

import pandas as pd
import pytest
from pinned_corpus import PINNED_MANIFEST

from analysis.corpus.build import build
from analysis.corpus.documents import planned_comparisons
from analysis.corpus.manifest import load_manifest

pytestmark = pytest.mark.slow  # every test reads a full build (conftest's ``built``)


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


def test_two_builds_are_byte_identical(built, tmp_path) -> None:
    first, tables = built
    build(tmp_path)
    assert {"targets", "escalation", "alignments", "coverage_indicators"} <= set(tables)
    for name in tables:
        for suffix in (".csv", ".parquet"):
            assert (first / f"{name}{suffix}").read_bytes() == (tmp_path / f"{name}{suffix}").read_bytes(), (
                name + suffix
            )


def test_parallel_workers_give_the_same_tables(built, tmp_path) -> None:
    first, tables = built
    build(tmp_path, workers=2)
    for name in tables:
        assert (first / f"{name}.csv").read_bytes() == (tmp_path / f"{name}.csv").read_bytes(), name


def test_parquet_and_csv_hold_the_same_tasks(built) -> None:
    out, tables = built
    from_parquet = pd.read_parquet(out / "tasks.parquet")
    pd.testing.assert_frame_equal(from_parquet, tables["tasks"], check_dtype=False)


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
        for task_id, start, end in zip(
            linked["source_task_id"], linked["source_char_start"], linked["source_char_end"]
        ):
            assert raw[start:end] == raw[spans.at[task_id, "char_start"] : spans.at[task_id, "char_end"]]
    written = pd.read_csv(out / "alignments.csv", dtype=str, keep_default_na=False)
    assert len(written) == len(alignments) and set(written["comparison_id"]) == set(COMPARISONS)


def test_clause_matches_point_into_both_raw_texts(built, corpus) -> None:
    _, tables = built
    clauses = tables["alignment_clauses"]
    assert set(clauses["comparison_id"]) == set(COMPARISONS)
    for side in ("source", "target"):
        for row in clauses.sample(20, random_state=0).itertuples():
            doc = corpus[getattr(row, f"{side}_doc")]
            span = doc.raw.text[getattr(row, f"{side}_char_start") : getattr(row, f"{side}_char_end")]
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
    listed = load_manifest(PINNED_MANIFEST)
    listed.loc[listed["doc_id"] == "ezhou_city_2024", "parent"] = "hubei_province_2024_web"
    planned = planned_comparisons(listed, tables["documents"])
    assert "hubei_province_2024_web" not in set(planned["source_doc"])
    assert list(planned["comparison_id"]) == [
        "hubei_province_2023__hubei_province_2024",
        "hubei_province_2024__wuhan_city_2025",
    ]


def test_a_word_pdf_or_web_plan_keeps_its_extracted_text_beside_the_tables(tmp_path) -> None:
    from pinned_corpus import PINNED_DIR

    from analysis import storage
    from benchmarks.formats import plan_in_every_format

    raw = tmp_path / "raw"
    raw.mkdir()
    files = plan_in_every_format(PINNED_DIR / "ezhou_city_2024.txt", raw)
    rows = [f"ezhou_{fmt},{files[fmt].name},,,鄂州市,city,2024,,,," for fmt in ("docx", "pdf", "html")]
    (raw / "manifest.csv").write_text(
        "doc_id,file,title,issuer,region,level,year,parent,previous,doc_number,date\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    tables = build(tmp_path / "out", raw / "manifest.csv")
    documents = tables["documents"].set_index("doc_id")
    assert dict(documents["format"]) == {"ezhou_docx": "docx", "ezhou_pdf": "pdf", "ezhou_html": "html"}
    folder = storage.table_folder(tmp_path / "out")
    for doc_id, relative in documents["extracted_text"].items():
        text = (folder / relative).read_text(encoding="utf-8")
        tasks = tables["tasks"][tables["tasks"]["doc_id"] == doc_id]
        assert len(tasks) > 20
        for heading, start, end in zip(tasks["heading"], tasks["char_start"], tasks["char_end"]):
            assert heading[:4] in text[start:end].replace("\n", "")  # every offset points into the extracted text
