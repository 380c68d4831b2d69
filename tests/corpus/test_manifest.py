"""The manifest is validated, and comparisons are derived from its links."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pinned_corpus import PINNED_MANIFEST

from analysis.corpus.manifest import comparisons, load_manifest
from analysis.errors import UserError

HEADER = "doc_id,file,title,issuer,region,level,year,parent,previous,doc_number,date\n"
GOOD_ROWS = [
    "prov_2023,p23.txt,,,湖北省,province,2023,,,,",
    "prov_2024,p24.txt,,,湖北省,province,2024,,prov_2023,,",
    "city_2024,c24.txt,,,鄂州市,city,2024,prov_2024,,,",
]


def write_manifest(folder: Path, rows: list[str]) -> Path:
    for name in ("p23.txt", "p24.txt", "c24.txt"):
        (folder / name).write_text("一、重点工作\n1.任务。内容。\n", encoding="utf-8")
    path = folder / "manifest.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_bundled_manifest_is_valid_and_implies_three_comparisons() -> None:
    listed = load_manifest(PINNED_MANIFEST)
    assert len(listed) == 5
    found = comparisons(listed, exclude={"hubei_province_2024_web"})
    assert set(zip(found["kind"], found["source_doc"], found["target_doc"])) == {
        ("year", "hubei_province_2023", "hubei_province_2024"),
        ("level", "hubei_province_2024", "ezhou_city_2024"),
        ("level", "hubei_province_2024", "wuhan_city_2025"),
    }


def test_comparisons_come_from_the_links(tmp_path) -> None:
    found = comparisons(load_manifest(write_manifest(tmp_path, GOOD_ROWS)))
    expected = pd.DataFrame(
        {
            "comparison_id": ["prov_2023__prov_2024", "prov_2024__city_2024"],
            "kind": ["year", "level"],
            "source_doc": ["prov_2023", "prov_2024"],
            "target_doc": ["prov_2024", "city_2024"],
        }
    )
    pd.testing.assert_frame_equal(found, expected)


@pytest.mark.parametrize(
    ("rows", "where", "problem"),
    [
        (
            GOOD_ROWS[:2] + ["city_2024,c24.txt,,,鄂州市,city,2024,prov_2025,,,"],
            "line 4 (city_2024)",
            "unknown parent 'prov_2025'",
        ),
        (
            GOOD_ROWS + ["prov_2023,p23.txt,,,湖北省,province,2023,,,,"],
            "line 5 (prov_2023)",
            "duplicate doc_id (first on line 2)",
        ),
        (GOOD_ROWS + ["extra,missing.txt,,,湖北省,province,2022,,,,"], "line 5 (extra)", "file not found: missing.txt"),
        (
            ["a,p23.txt,,,x,province,2023,,b,,", "b,p24.txt,,,x,province,2023,,,,"],
            "line 2 (a)",
            "not from an earlier year",
        ),
        (["a,p23.txt,,,x,city,2023,b,,,", "b,p24.txt,,,x,city,2023,,,,"], "line 2 (a)", "not a higher level"),
        (["a,p23.txt,,,x,province,2023,,a,,"], "line 2 (a)", "previous is the document itself"),
        (["a,p23.txt,,,x,planet,2023,,,,"], "line 2 (a)", "unknown level 'planet'"),
        (["a,p23.txt,,,x,province,soon,,,,"], "line 2 (a)", "year must be a number"),
        (
            ["prov_2023,p23.txt,,,x,province,2023,,,,", "city_2024,c24.txt,,,y,city,2024,prov_2023,prov_2023,,"],
            "line 3 (city_2024)",
            "parent and previous are both 'prov_2023'",
        ),
    ],
)
def test_a_bad_manifest_is_refused_naming_the_row(tmp_path, rows: list[str], where: str, problem: str) -> None:
    path = write_manifest(tmp_path, rows)
    with pytest.raises(UserError) as info:
        load_manifest(path)
    assert where in info.value.where and str(path) in info.value.where
    assert problem in info.value.problem


@pytest.mark.parametrize("link", ["parent", "previous"])
def test_a_cycle_of_links_is_refused_naming_the_row(tmp_path, link: str) -> None:
    column = {"parent": 7, "previous": 8}[link]
    rows = []
    for doc, target in (("a", "b"), ("b", "c"), ("c", "a")):
        fields = [doc, "p23.txt", "", "", "x", "province", "2023", "", "", "", ""]
        fields[column] = target
        rows.append(",".join(fields))
    with pytest.raises(UserError) as info:
        load_manifest(write_manifest(tmp_path, rows))
    assert "line 2 (a)" in info.value.where
    assert f"{link} links form a cycle: a → b → c → a" in info.value.problem


def test_a_manifest_without_its_link_columns_is_refused(tmp_path) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text("doc_id,file\nx,x.txt\n", encoding="utf-8")
    with pytest.raises(UserError, match="missing column"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("rows", "where", "problem"),
    [
        (
            ["../../x,p23.txt,,,x,province,2023,,,,"],
            "line 2",
            "doc_id '../../x' may hold only letters, digits, _ and -",
        ),
        (["/etc/passwd,p23.txt,,,x,province,2023,,,,"], "line 2", "may hold only letters"),
        (["a<b>,p23.txt,,,x,province,2023,,,,"], "line 2", "may hold only letters"),
        ([f"{'a' * 65},p23.txt,,,x,province,2023,,,,"], "line 2", "is 65 characters long (at most 64)"),
        (["-rf,p23.txt,,,x,province,2023,,,,"], "line 2", "doc_id '-rf' starts with '-'"),
        (["hubei__2024,p23.txt,,,x,province,2023,,,,"], "line 2", "holds '__', which joins two doc ids"),
        (["a,p23.txt,,,x,province,²,,,,"], "line 2 (a)", "year must be a number"),
        (["a,p23.txt,,,x,province,２０２４,,,,"], "line 2 (a)", "year must be a number"),
        (["a,.,,,x,province,2023,,,,"], "line 2 (a)", "is a folder, not a file"),
    ],
)
def test_unsafe_ids_odd_years_and_folders_are_refused_naming_the_row(tmp_path, rows, where, problem) -> None:
    path = write_manifest(tmp_path, rows)
    with pytest.raises(UserError) as info:
        load_manifest(path)
    assert where in info.value.where
    assert problem in info.value.problem


def test_a_device_named_as_a_file_is_refused(tmp_path) -> None:
    path = write_manifest(tmp_path, ["a,/dev/zero,,,x,province,2023,,,,"])
    with pytest.raises(UserError, match="not a regular file") as info:
        load_manifest(path)
    assert "line 2 (a)" in info.value.where


def test_a_regular_file_outside_the_manifest_folder_is_allowed(tmp_path) -> None:
    outside = tmp_path / "elsewhere" / "plan.txt"
    outside.parent.mkdir()
    outside.write_text("一、重点工作\n1.任务。内容。\n", encoding="utf-8")
    (tmp_path / "m").mkdir()
    listed = load_manifest(write_manifest(tmp_path / "m", [f"a,{outside},,,x,province,2023,,,,"]))
    assert list(listed["file_path"]) == [str(outside.resolve())]


def test_a_header_only_manifest_lists_no_documents(tmp_path) -> None:
    path = write_manifest(tmp_path, [])
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(UserError, match="the manifest lists no documents") as info:
        load_manifest(path)
    assert info.value.where == str(path)


def test_unknown_columns_are_named(tmp_path) -> None:
    path = write_manifest(tmp_path, [])
    path.write_text(
        "doc_id,file,region,level,year,parent,previous,colour,size\na,p23.txt,x,city,2024,,,red,2\n", encoding="utf-8"
    )
    with pytest.raises(UserError, match="unknown column\\(s\\): colour, size"):
        load_manifest(path)


def test_line_numbers_count_blank_lines(tmp_path) -> None:
    path = write_manifest(tmp_path, [])
    path.write_text(HEADER + "\n" + GOOD_ROWS[0] + "\n\n\n" + "a,missing.txt,,,x,province,2024,,,,\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_manifest(path)
    assert "line 6 (a)" in info.value.where, info.value.where


def test_a_row_with_too_many_fields_is_refused_naming_its_line(tmp_path) -> None:
    path = write_manifest(tmp_path, [])
    path.write_text(HEADER + GOOD_ROWS[0] + "\n\n" + GOOD_ROWS[1] + ",extra\n", encoding="utf-8")
    with pytest.raises(UserError, match="12 fields") as info:
        load_manifest(path)
    assert "line 4" in info.value.where


def test_the_loaded_manifest_names_its_files_file_path_not_path(tmp_path) -> None:
    """A task's ``path`` is its outline position (二(三)8); the manifest's files are ``file_path``."""
    listed = load_manifest(write_manifest(tmp_path, GOOD_ROWS))
    assert "path" not in listed.columns
    assert list(listed["file_path"]) == [str((tmp_path / name).resolve()) for name in ("p23.txt", "p24.txt", "c24.txt")]


def test_a_long_chain_of_links_is_validated_walking_each_document_once(tmp_path) -> None:
    """3,000 plans, each the previous year's successor: valid (each chain walked once, not from
    every row again); a loop closed at the far end is found from the first row."""
    rows = [f"p{y},p23.txt,,,x,province,{y},,{f'p{y - 1}' if y else ''},," for y in range(3000)]
    assert len(load_manifest(write_manifest(tmp_path, rows))) == 3000
    looped = [rows[0].replace(",0,,,,", ",0,,p2999,,")] + rows[1:]
    with pytest.raises(UserError) as info:
        load_manifest(write_manifest(tmp_path, looped))
    assert info.value.where.endswith("line 2 (p0)")
    assert info.value.problem.startswith("previous links form a cycle: p0 → p2999 → p2998")


def test_a_file_name_with_a_double_underscore_gives_a_doc_id_without_one() -> None:
    from analysis.corpus.register import default_doc_id

    assert default_doc_id("hubei__2024 plan.txt") == "hubei_2024_plan"
