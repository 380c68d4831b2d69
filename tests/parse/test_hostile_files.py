"""A hostile or broken plan file is read within bounds or refused in one line naming it: a Word
zip bomb, content controls nested hundreds deep, a text far longer than any plan."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from analysis.errors import UserError
from analysis.parse.document import parse_document
from analysis.parse.formats import extract
from analysis.settings import ParseSettings
from benchmarks import formats as mf
from benchmarks import hostile


def test_a_word_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    hostile.zip_bomb(path, unpacked=20_000_000)
    info = zipfile.ZipFile(path).getinfo("word/document.xml")
    assert info.file_size > 100 * info.compress_size  # packed like a bomb, not like text
    with pytest.raises(UserError, match=r"word/document\.xml is packed [\d,]+ times \(a zip bomb") as refused:
        extract(path)
    assert refused.value.where == str(path)


def test_a_word_part_over_the_size_limit_is_refused_naming_the_setting(tmp_path: Path) -> None:
    path = mf.write_docx(tmp_path / "big.docx", "".join(hostile._item(i) for i in range(1, 2000)))
    size = zipfile.ZipFile(path).getinfo("word/document.xml").file_size
    with pytest.raises(UserError, match=rf"would unpack to {size:,} bytes .*ParseSettings\.max_part_bytes"):
        extract(path, ParseSettings(max_part_bytes=size - 1))
    assert extract(path, ParseSettings(max_part_bytes=size)).text.count("\n") == 1998


def test_content_controls_nested_500_deep_are_read(tmp_path: Path) -> None:
    path = tmp_path / "nested.docx"
    hostile.nested_sdt(path, depth=500)
    doc = parse_document(path)
    assert doc.format == "docx"
    assert list(doc.tasks["item_no"]) == [1, 2, 3, 4, 5]


def test_text_boxes_and_tables_nested_deep_keep_their_order(tmp_path: Path) -> None:
    inner = mf.paragraph(mf.run("最里层"))
    for depth in range(300):  # a text box inside a table cell inside a text box ...
        box = f"<w:r><w:pict><w:txbxContent>{inner}</w:txbxContent></w:pict></w:r>"
        inner = f"<w:tbl><w:tr><w:tc>{mf.paragraph(mf.run(f'框{depth}') + box)}</w:tc></w:tr></w:tbl>"
    text = extract(mf.write_docx(tmp_path / "boxes.docx", inner)).text
    assert text.splitlines() == [f"框{depth}" for depth in reversed(range(300))] + ["最里层"]


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory) -> dict[str, Path]:
    return mf.plan_in_every_format(hostile.PINNED_PLAN, tmp_path_factory.mktemp("formats"))


@pytest.mark.parametrize("fmt", ["txt", "docx", pytest.param("pdf", marks=pytest.mark.slow), "html"])
def test_a_text_over_the_length_limit_is_refused_saying_how_to_raise_it(plan_files, fmt: str) -> None:
    plan = plan_files[fmt]
    length = len(extract(plan).text)
    with pytest.raises(UserError, match=r"the text is too long for a plan .*ParseSettings\.max_text_chars") as refused:
        extract(plan, ParseSettings(max_text_chars=length // 2))
    assert refused.value.where == str(plan)
    room = 2 * length if fmt == "pdf" else length  # a PDF's pages hold headers and page numbers its text loses
    assert len(extract(plan, ParseSettings(max_text_chars=room)).text) == length


def test_a_text_file_certainly_too_long_is_refused_from_its_size_unread(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(hostile.PINNED_PLAN.read_bytes() * 4)
    monkeypatch.setattr("analysis.parse.formats.read_bytes", lambda *args: pytest.fail("read"))
    with pytest.raises(UserError, match=r"at least [\d,]+ characters; the limit is 1,000\)"):
        extract(path, ParseSettings(max_text_chars=1000))


def test_a_web_page_nesting_its_plan_thousands_deep_is_read(tmp_path: Path) -> None:
    items = "".join(f"<p>{i}.深入打好蓝天保卫战，推进钢铁行业超低排放改造。</p>" for i in range(1, 6))
    nest = "<div>" * 3000 + "<p>2024年全省生态环境工作要点</p><p>一、重点任务</p>" + items + "</div>" * 3000
    for page in (f"<html><body>{nest}</body></html>", f'<html><body><div id="zoom">{nest}</div></body></html>'):
        path = tmp_path / "deep.html"
        path.write_text(page, encoding="utf-8")
        assert list(parse_document(path).tasks["item_no"]) == [1, 2, 3, 4, 5]


def test_a_chain_of_10000_styles_passes_its_list_numbering_down_at_once(tmp_path: Path) -> None:
    chain = "".join(
        f'<w:style w:type="paragraph" w:styleId="S{i}"><w:basedOn w:val="{"PlanPart" if i == 0 else f"S{i - 1}"}"/></w:style>'
        for i in range(10_000)
    )
    styles = mf.styles_xml({"PlanPart": (1, 0)}).replace("</w:styles>", chain + "</w:styles>")
    body = mf.paragraph(mf.run("总体要求"), style="S9999") + mf.paragraph(mf.run("重点工作"), style="S7")
    path = mf.write_docx(tmp_path / "styles.docx", body, mf.numbering_xml({1: mf.PLAN_LEVELS}), styles)
    assert extract(path).text.split("\n") == ["一、\t总体要求", "二、\t重点工作"]
    size = zipfile.ZipFile(path).getinfo("word/styles.xml").file_size
    with pytest.raises(UserError, match=r"word/styles\.xml would unpack to .*ParseSettings\.max_style_part_bytes"):
        extract(path, ParseSettings(max_style_part_bytes=size - 1))
