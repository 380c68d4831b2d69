"""The escalation table: changes across years and levels, verdicts against the parent, and the build."""

from __future__ import annotations

import pandas as pd

from analysis.compare.escalation import (
    ESCALATION_COLUMNS,
    escalation_table,
    primary_targets,
    wording_note,
)


def test_wording_notes_ignore_place_words() -> None:
    assert wording_note("全市受污染耕地安全利用率", "全省受污染耕地安全利用率", "p") == ""
    assert "淮河干流" in wording_note("重点支流排污口整治任务", "淮河干流、重点支流、重点湖库入河排污口整治任务", "p23")


# --- the table on tiny frames ---------------------------------------------------------------------

DOCUMENTS = pd.DataFrame(
    {
        "doc_id": ["p23", "p24", "p24_web", "city"],
        "region": ["省", "省", "省", "市"],
        "level": ["province", "province", "province", "city"],
        "year": [2023, 2024, 2024, 2024],
        "parent": ["", "", "", "p24"],
        "previous": ["", "p23", "", ""],
        "duplicate_of": ["", "", "p24", ""],
    }
)
LEXICON = pd.DataFrame(
    {
        "indicator_id": ["sewage", "villages", "lonely"],
        "name_zh": ["农村生活污水治理率", "行政村环境整治", "孤"],
        "higher_is_better": [True, True, True],
    }
)


def target(
    doc_id: str,
    number: int,
    indicator_id: str,
    value: float,
    unit: str = "%",
    kind: str = "rate",
    comparator: str = ">=",
    flags: str = "",
    wording: str = "农村生活污水治理率",
    role: str = "commitment",
    score: float = 100.0,
    scope: str = "",
) -> dict[str, object]:
    return {
        "doc_id": doc_id,
        "target_id": f"{doc_id}:1#{number}",
        "indicator": wording,
        "indicator_id": indicator_id,
        "indicator_score": score,
        "value": value,
        "value_text": f"{value:g}{unit}",
        "unit": unit,
        "kind": kind,
        "comparator": comparator,
        "deadline": "",
        "role": role,
        "quote": f"q{value:g}",
        "char_start": number * 10,
        "char_end": number * 10 + 5,
        "flags": flags,
        "scope_words": scope,
    }


TARGETS = pd.DataFrame(
    [
        target("p23", 1, "sewage", 32.0),
        target("p24", 1, "sewage", 46.58),
        target("p24_web", 1, "sewage", 6.58, flags="damaged_text;damaged_value"),
        target("city", 1, "sewage", 78.02),
        target("city", 2, "sewage", 100.0, comparator="striving", score=90.0),
        target("p23", 2, "villages", 750.0, "个", "count", "=", wording="行政村环境整治"),
        target("p24", 2, "villages", 1571.0, "个", "count", "=", wording="行政村环境整治"),
        target("city", 3, "villages", 10.0, "个", "count", "=", flags="cumulative", wording="行政村环境整治"),
        target("p24", 3, "lonely", 1.0),  # in one document only
        target("p23", 3, "", 5.0),  # unmapped
        target("p24", 4, "villages", 3.0, "个", "count", role="scope"),
    ]
)


def test_escalation_rows_changes_and_verdicts() -> None:
    table = escalation_table(TARGETS, DOCUMENTS, LEXICON)
    assert list(table.columns) == ESCALATION_COLUMNS
    expected = pd.DataFrame(
        {
            "indicator_id": ["sewage", "sewage", "sewage", "villages", "villages", "villages"],
            "doc_id": ["p23", "p24", "city", "p23", "p24", "city"],
            "value": [32.0, 46.58, 78.02, 750.0, 1571.0, 10.0],
            "change_vs_previous": pd.array([None, 14.58, None, None, 2.0947, None], dtype="Float64"),
            "change_vs_parent": pd.array([None, None, 31.44, None, None, 0.0064], dtype="Float64"),
            "change_unit": ["pp", "pp", "pp", "ratio", "ratio", "ratio"],
            "direction": ["new", "raised", "new", "new", "raised", "new"],
            "vs_parent": ["", "", "stricter", "", "", ""],
        }
    )
    pd.testing.assert_frame_equal(table[expected.columns], expected)


def test_escalation_notes_say_what_differs() -> None:
    notes = escalation_table(TARGETS, DOCUMENTS, LEXICON).set_index(["indicator_id", "doc_id"])["note"]
    assert "also 100% (力争)" in notes[("sewage", "city")]  # the striving target is not the one compared
    assert "counted cumulatively (累计) here, per year in p24" in notes[("villages", "city")]
    assert "not compared across levels" in notes[("villages", "city")]
    assert notes[("sewage", "p24")] == ""


def test_the_binding_undamaged_target_represents_a_document() -> None:
    primary = primary_targets(TARGETS).set_index(["doc_id", "indicator_id"])
    assert primary.at[("city", "sewage"), "value"] == 78.02
    assert ("p24", "") not in primary.index and ("p23", "") not in primary.index


def test_a_document_level_commitment_counts_a_task_commitment_first_and_a_baseline_never() -> None:
    outside = pd.DataFrame(
        [
            target("p23", 7, "lonely", 2.0, role="document"),  # the only commitment of p23 to "lonely"
            target("p24", 7, "lonely", 9.0, role="document"),  # p24's task commits to 1.0
            target("p24", 8, "lonely", 0.5, role="baseline"),
        ]
    )
    primary = primary_targets(pd.concat([TARGETS, outside], ignore_index=True)).set_index(["doc_id", "indicator_id"])
    assert primary.at[("p23", "lonely"), "value"] == 2.0
    assert primary.at[("p24", "lonely"), "value"] == 1.0
    assert "also 9%" in primary.at[("p24", "lonely"), "others"]
    assert "0.5" not in primary.at[("p24", "lonely"), "others"]


def test_a_target_of_another_scope_is_not_compared_and_an_implied_one_is_flagged() -> None:
    lexicon = pd.concat(
        [LEXICON, pd.DataFrame({"indicator_id": ["outfalls"], "name_zh": ["排污口整治"], "higher_is_better": [True]})]
    )
    rows = [
        target("p23", 4, "outfalls", 30.0, scope="lake;tributary;into_river"),
        target("p24", 5, "outfalls", 70.0, scope="tributary"),
        target("city", 4, "outfalls", 100.0, "%", "rate", "=", role="implied", scope="tributary"),
    ]
    table = escalation_table(pd.DataFrame(rows), DOCUMENTS, lexicon).set_index("doc_id")
    p24, city = table.loc["p24"], table.loc["city"]
    assert (p24["direction"], pd.isna(p24["change_vs_previous"])) == ("check", True)
    assert "not compared with p23: scope differs: lake·tributary·into_river vs tributary" in p24["note"]
    assert (city["vs_parent"], city["change_vs_parent"], city["change_unit"]) == ("stricter", 30.0, "pp")
    assert "implied by" in city["note"]


def test_a_printed_target_represents_a_plan_before_an_implied_one() -> None:
    rows = [
        target("city", 1, "sewage", 100.0, role="implied"),
        target("city", 2, "sewage", 78.02, score=80.0),
    ]
    primary = primary_targets(pd.DataFrame(rows)).set_index(["doc_id", "indicator_id"])
    assert primary.at[("city", "sewage"), "value"] == 78.02
    assert "also 100%" in primary.at[("city", "sewage"), "others"]


# --- from the build (conftest's ``built``: these tests are slow) -------------------------------------


def test_the_rural_sewage_chain_comes_out_of_escalation_csv(built) -> None:
    out, _ = built
    escalation = pd.read_csv(out / "escalation.csv")
    escalation[["note", "parent_doc"]] = escalation[["note", "parent_doc"]].fillna("")
    chain = escalation[escalation["indicator_id"] == "rural_sewage_treatment_rate"].reset_index(drop=True)
    assert list(chain["doc_id"]) == ["hubei_province_2023", "hubei_province_2024", "ezhou_city_2024", "wuhan_city_2025"]
    assert list(chain["value"]) == [32.0, 46.58, 78.02, 65.76]
    province = chain.iloc[1]
    assert (province["change_vs_previous"], province["change_unit"], province["direction"]) == (14.58, "pp", "raised")
    for city, gap in (("ezhou_city_2024", 31.44), ("wuhan_city_2025", 19.18)):
        row = chain[chain["doc_id"] == city].iloc[0]
        assert (row["parent_doc"], row["change_vs_parent"], row["vs_parent"]) == (
            "hubei_province_2024",
            gap,
            "stricter",
        )
    assert list(chain["quote"]) == [
        "农村生活污水治理率达32%",
        "农村生活污水治理率达到46.58%",
        "农村生活污水治理率达到78.02%",
        "农村生活污水治理(管控)率达到65.76%",
    ]
    assert "管控" in chain.iloc[3]["note"]  # the wording (scope) difference is a note, not silence


def test_the_damaged_copy_is_not_a_document_of_its_own(built) -> None:
    _, tables = built
    assert "hubei_province_2024_web" not in set(tables["escalation"]["doc_id"])
    counted = tables["escalation"].groupby("indicator_id")["doc_id"].nunique()
    assert (counted >= 2).all()


def test_wuhan_counts_ab_grade_enterprises_cumulatively(built) -> None:
    _, tables = built
    rows = tables["escalation"].set_index(["indicator_id", "doc_id"])
    assert "累计" in rows.at[("ab_performance_grade_enterprises", "wuhan_city_2025"), "note"]


def test_escalation_output_is_deterministic(built, tmp_path) -> None:
    from analysis.corpus.build import build

    out, _ = built
    build(tmp_path)
    for name in ("targets.csv", "escalation.csv"):
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "escalation.parquet"), built[1]["escalation"], check_dtype=False
    )
