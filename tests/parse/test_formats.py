"""Plans brought as .docx, .pdf or .html read into the same tasks as their text; format by content."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pinned_corpus import PINNED_DIR

from analysis.errors import UserError
from analysis.parse import read
from analysis.parse.docx import format_number
from analysis.parse.formats import extract
from analysis.settings import ParseSettings, TargetSettings
from analysis.text.numerals import to_chinese
from benchmarks import formats as mf  # the writers the ingestion benchmark uses too

RAW = PINNED_DIR
# The damaged web copy is no clean source: its tasks are not the reference for a clean rendering.
PLANS = sorted(p.stem for p in RAW.glob("*.txt") if p.stem != "hubei_province_2024_web")
COMPARED = ["task_id", "heading", "text", "lead_units", "responsible_units"]


def parsed(path: Path, text: str, encoding: str, doc_id: str):
    """A decoded plan, parsed."""
    from analysis.parse.document import parse_raw

    return parse_raw(read.RawDocument(path, text, encoding), doc_id, ParseSettings())


def plan_tasks(path: Path, text: str, encoding: str, doc_id: str) -> pd.DataFrame:
    return parsed(path, text, encoding, doc_id).tasks


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each bundled plan written as .txt, .docx, .pdf and .html."""
    out = tmp_path_factory.mktemp("formats")
    return {stem: mf.plan_in_every_format(RAW / f"{stem}.txt", out) for stem in PLANS}


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf", "html"])
@pytest.mark.parametrize("stem", PLANS)
def test_every_format_of_a_plan_gives_the_tasks_of_its_text(plan_files, stem: str, fmt: str) -> None:
    reference = read.read_document(RAW / f"{stem}.txt")
    expected = plan_tasks(reference.path, reference.text, reference.encoding, stem)
    extracted = extract(plan_files[stem][fmt])
    assert extracted.format == fmt
    got = plan_tasks(plan_files[stem][fmt], extracted.text, extracted.encoding, stem)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got[COMPARED], expected[COMPARED])


TARGET_FIELDS = ["task_id", "value", "unit", "kind", "comparator", "deadline", "role", "indicator_id"]


@pytest.mark.parametrize("fmt", ["docx", "pdf", "html"])
@pytest.mark.parametrize("stem", PLANS)
def test_every_format_of_a_plan_gives_the_targets_of_its_text(plan_files, stem: str, fmt: str) -> None:
    from analysis.targets.extract import targets_table

    reference = read.read_document(RAW / f"{stem}.txt")
    expected = targets_table(parsed(reference.path, reference.text, reference.encoding, stem), None, TargetSettings())
    extracted = extract(plan_files[stem][fmt])
    got = targets_table(parsed(plan_files[stem][fmt], extracted.text, extracted.encoding, stem), None, TargetSettings())
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got[TARGET_FIELDS], expected[TARGET_FIELDS])


# --- docx --------------------------------------------------------------------------------------


def test_chinese_counting_and_number_formats() -> None:
    assert [to_chinese(n) for n in (1, 9, 10, 11, 19, 20, 21, 99, 100, 105, 110)] == [
        "一",
        "九",
        "十",
        "十一",
        "十九",
        "二十",
        "二十一",
        "九十九",
        "一百",
        "一百零五",
        "一百一十",
    ]
    assert format_number(3, "ideographTraditional") == "丙"
    assert format_number(3, "decimalEnclosedParen") == "(3)"
    assert format_number(12, "chineseCountingThousand") == "十二"


def test_docx_list_numbering_is_resolved(tmp_path: Path) -> None:
    p, r = mf.paragraph, mf.run
    body = "".join(
        [
            p(r("总体要求"), style="PlanPart"),
            p(r("工作目标。"), num=(1, 1)),
            p(r("第一项。"), num=(1, 2)),
            p(r("第二项。"), num=(1, 1)),  # a new section: items run on (lvlRestart 1)
            p(r("第二项任务。"), num=(1, 2)),
            p(r("重点工作"), style="PartTitle"),  # numbered through its base style; sections and items restart
            p(r("分节。"), num=(1, 1)),
            p(r("任务。"), num=(1, 2)),
            p(r("甲项"), num=(2, 0)),
            p(r("乙项"), num=(2, 0)),
            p(r("括号项"), num=(3, 0)),
        ]
    )
    numbering = mf.numbering_xml(
        {
            1: mf.PLAN_LEVELS,
            2: ({"fmt": "ideographTraditional", "text": "%1.", "suff": "nothing"},),
            3: ({"fmt": "decimalEnclosedParen", "text": "%1", "suff": "space"},),
        },
        starts={3: {0: 4}},
    )
    derived = '<w:style w:type="paragraph" w:styleId="PartTitle"><w:basedOn w:val="PlanPart"/></w:style>'
    styles = mf.styles_xml({"PlanPart": (1, 0)}).replace("</w:styles>", derived + "</w:styles>")
    path = mf.write_docx(tmp_path / "n.docx", body, numbering, styles)
    assert extract(path).text.split("\n") == [
        "一、\t总体要求",
        "（一）\t工作目标。",
        "1.第一项。",
        "（二）\t第二项。",
        "2.第二项任务。",
        "二、\t重点工作",
        "（一）\t分节。",
        "1.任务。",
        "甲.甲项",
        "乙.乙项",
        "(4) 括号项",
    ]


def test_docx_eleventh_part_reads_shi_yi(tmp_path: Path) -> None:
    body = "".join(mf.paragraph(mf.run(f"第{i}部分"), num=(1, 0)) for i in range(1, 12))
    path = mf.write_docx(tmp_path / "p.docx", body, mf.numbering_xml({1: mf.PLAN_LEVELS}))
    assert [line.split("\t")[0] for line in extract(path).text.split("\n")][9:] == ["十、", "十一、"]


def test_docx_tables_are_read_row_by_row(tmp_path: Path) -> None:
    body = mf.paragraph(mf.run("任务分工表")) + mf.table(
        [
            [["任务"], ["牵头单位"]],
            [["加强大气污染防治。", "开展臭氧治理。"], ["大气处"]],
            [["加强水污染防治。"], ["水处"]],
        ]
    )
    assert extract(mf.write_docx(tmp_path / "t.docx", body)).text.split("\n") == [
        "任务分工表",
        "任务",
        "牵头单位",
        "加强大气污染防治。",
        "开展臭氧治理。",
        "大气处",
        "加强水污染防治。",
        "水处",
    ]


def test_docx_tracked_changes_tabs_and_breaks(tmp_path: Path) -> None:
    runs = (
        mf.run("保留")
        + '<w:del w:id="1" w:author="a"><w:r><w:delText>删掉</w:delText></w:r></w:del>'
        + '<w:ins w:id="2" w:author="a">'
        + mf.run("插入")
        + "</w:ins>"
        + "<w:r><w:tab/><w:t>制表</w:t><w:br/><w:t>换行</w:t></w:r>"
    )
    assert extract(mf.write_docx(tmp_path / "c.docx", mf.paragraph(runs))).text == "保留插入\t制表\n换行"


def test_docx_without_text_is_refused(tmp_path: Path) -> None:
    path = mf.write_docx(tmp_path / "empty.docx", mf.paragraph("") + mf.paragraph(mf.run("  ")))
    with pytest.raises(UserError, match="holds no text"):
        extract(path)


# --- pdf ---------------------------------------------------------------------------------------


def _page(n: int, total: int, body: list[str]) -> list[str]:
    return [
        "2024/3/5 下午3:12 2024年全省生态环境工作要点",
        "2024年全省生态环境工作要点",
        *body,
        f"— {n} —",
        f"第 {n} 页 共 {total} 页",
        f"https://sthjt.hubei.gov.cn/a.shtml {n}/{total}",
    ]


def test_pdf_page_furniture_is_removed_and_cjk_spacing_closed(tmp_path: Path) -> None:
    bodies = [
        ["一、总体要求", "到 2024 年 6 月底前,PM2.5 浓度下降 3 %。"],
        ["(一)加强大气污染防治。"],
        ["1.开展臭氧治理 (牵头单位:大气处)。"],
    ]
    pages = [_page(n, 3, body) for n, body in enumerate(bodies, start=1)]
    extracted = extract(mf.write_pdf(tmp_path / "plan.pdf", pages))
    assert extracted.format == "pdf"
    # the running title stays where it is the plan's own title: at the top of the first page
    assert extracted.text.split("\n") == [
        "2024年全省生态环境工作要点",
        "一、总体要求",
        "到2024年6月底前,PM2.5浓度下降3%。",
        "(一)加强大气污染防治。",
        "1.开展臭氧治理(牵头单位:大气处)。",
    ]
    assert len(extracted.page_starts) == 3
    assert extracted.text[extracted.page_starts[1] :].startswith("(一)")
    assert extracted.text[extracted.page_starts[2] :].startswith("1.")


def test_scanned_pdf_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no text layer"):
        extract(mf.scanned_pdf(tmp_path / "scan.pdf"))


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    path = mf.write_pdf(tmp_path / "locked.pdf", [["一、总体要求"]], encrypt=StandardEncryption("secret"))
    with pytest.raises(UserError, match="encrypted"):
        extract(path)


def test_pdf_without_unicode_map_is_refused_not_read_as_garbage(tmp_path: Path) -> None:
    # What PDFium returns for glyphs whose font has no ToUnicode map: private-use code points.
    path = mf.write_pdf(tmp_path / "glyphs.pdf", [["".join(chr(0xE000 + i) for i in range(40))]])
    with pytest.raises(UserError, match="ToUnicode"):
        extract(path)


def test_damaged_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EO")
    with pytest.raises(UserError, match="damaged"):
        extract(path)


# --- html --------------------------------------------------------------------------------------

PROSE = [
    "一、总体要求",
    "(一)加强大气污染防治。深入开展臭氧污染防治,推进重点行业深度治理,确保空气质量持续改善。",
    "1.开展臭氧治理。推进挥发性有机物综合治理,加强油品储运销监管(牵头单位:大气处)。",
]


def test_html_body_container_is_read_without_the_chrome(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(mf.government_page("2024年工作要点", mf.paragraphs_html(PROSE)), encoding="utf-8")
    extracted = extract(path)
    assert (extracted.format, extracted.text.split("\n")) == ("html", PROSE)


def test_html_without_a_known_container_falls_back_to_the_densest_prose(tmp_path: Path) -> None:
    links = "".join(f'<p><a href="/{i}">相关链接第{i}条新闻标题</a></p>' for i in range(30))
    page = (
        "<html><body><div class='left'>"
        + links
        + "</div><div class='wrap'><div class='txt'>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</div></div><div class='bottom'>网站地图</div></body></html>"
    )
    path = tmp_path / "plain.htm"
    path.write_text(page, encoding="utf-8")
    assert extract(path).text.split("\n") == PROSE


def test_html_entities_stay_text_never_markup(tmp_path: Path) -> None:
    body = mf.paragraphs_html([*PROSE, "示例:<script>alert(1)</script> 与 A&B"])
    assert "&lt;script&gt;" in body
    path = tmp_path / "entities.html"
    path.write_text(mf.government_page("要点", body), encoding="utf-8")
    lines = extract(path).text.split("\n")
    assert lines[-1] == "示例:<script>alert(1)</script> 与 A&B"
    assert "统计代码" not in "\n".join(lines)  # a real script's output is not text


def test_html_page_without_an_article_body_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    path.write_text(mf.government_page("首页", "", container='<div class="content">'), encoding="utf-8")
    with pytest.raises(UserError, match="no article body"):
        extract(path)


# --- detection by content ----------------------------------------------------------------------


def test_format_is_chosen_by_content_not_by_name(tmp_path: Path) -> None:
    pdf = mf.write_pdf(tmp_path / "plan.txt", [["一、总体要求"]])
    assert extract(pdf).format == "pdf"
    docx = mf.write_docx(tmp_path / "plan.pdf", mf.paragraph(mf.run("一、总体要求")))
    assert extract(docx).format == "docx"
    page = tmp_path / "plan.doc"  # sites serve HTML pages as "Word" downloads
    page.write_text(mf.government_page("要点", mf.paragraphs_html(PROSE)), encoding="gb18030")
    assert extract(page).format == "html"


def test_plain_text_keeps_its_decoding(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("\n".join(PROSE).encode("gb18030"))
    assert (extract(path).format, extract(path).encoding, extract(path).page_starts) == ("txt", "gb18030", ())


def test_old_word_file_without_libreoffice_names_soffice(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    path = tmp_path / "plan.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(UserError, match="soffice"):
        extract(path)


def test_zip_that_is_not_a_word_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(UserError, match="not a Word"):
        extract(path)
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UserError, match="damaged"):
        extract(path)
