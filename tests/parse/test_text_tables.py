"""Tables written as text (invented plans): one cell per line, one row per line with cells split by
runs of spaces or tabs, cells marked by pipes, header names wrapped over two lines, and a PDF page
whose text layer is a table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.parse.clean import clean
from analysis.parse.document import parse_document
from analysis.parse.structure import parse_blocks, tasks_table
from analysis.parse.tables import find_tables
from analysis.settings import ParseSettings
from benchmarks import formats as mf


def tasks_of(raw: str) -> pd.DataFrame:
    return tasks_table(clean(raw, ParseSettings()), "doc", ParseSettings())


ROWS_BY_SPACES = (
    "某县2024年河湖长制重点任务分工\n"
    "序号    工作任务                              牵头单位        责任单位          完成时限\n"
    "1    完成县城污水管网改造12公里,推进雨污分流    县住建局        各乡镇人民政府    2024年10月底\n"
    "2    开展入河排污口溯源整治                      县生态环境分局  县水利局          2024年底\n"
    "二、工作要求\n各乡镇要按月报送进展。\n"
)


def test_rows_with_cells_split_by_runs_of_spaces_are_tasks_with_their_units() -> None:
    tasks = tasks_of(ROWS_BY_SPACES)
    assert list(tasks["item_no"]) == [1, 2]
    assert list(tasks["text"]) == ["完成县城污水管网改造12公里,推进雨污分流", "开展入河排污口溯源整治"]
    assert list(tasks["lead_units"]) == ["县住建局", "县生态环境分局"]
    assert list(tasks["responsible_units"]) == ["各乡镇人民政府", "县水利局"]
    assert tasks["flags"].eq("table").all()
    first = tasks.iloc[0]
    assert ROWS_BY_SPACES[first["char_start"] : first["char_end"]] == "完成县城污水管网改造12公里,推进雨污分流"


def test_rows_with_cells_split_by_tabs_are_read_the_same() -> None:
    raw = re.sub(r" {2,}", "\t", ROWS_BY_SPACES)
    assert list(tasks_of(raw)["lead_units"]) == ["县住建局", "县生态环境分局"]


def test_a_line_with_double_spaces_but_no_header_is_prose() -> None:
    raw = "一、重点任务\n1.完成5家企业治理  推进3个园区整治。\n"
    assert list(tasks_of(raw)["text"]) == ["完成5家企业治理推进3个园区整治。"]


def test_cells_closed_by_pipes_and_pipes_alone_on_a_line_are_cell_separators() -> None:
    raw = (
        "某区2024年重点工作任务分解表\n序号 |\n目标与任务 |\n分 管 区领导 |\n牵头责任单位 |\n责任单位 |\n"
        "7 |\n新建城市绿道15公里。 |\n张 三 |\n区城管局 |\n各街道 |\n"
        "8\n|\n改造老旧小区20个。\n|\n李四\n|\n区住建局\n|\n区财政局\n|\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["item_no"]) == [7, 8]
    assert list(tasks["text"]) == ["新建城市绿道15公里。", "改造老旧小区20个。"]
    assert list(tasks["lead_units"]) == ["区城管局", "区住建局"]
    assert list(tasks["responsible_units"]) == ["各街道", "区财政局"]
    assert "|" not in "".join(tasks["text"])


def test_a_markdown_table_is_read_row_by_row() -> None:
    raw = (
        "| 序号 | 工作任务 | 牵头单位 | 完成时限 |\n|---|---|---|---|\n"
        "| 1 | 完成8家企业深度治理 | 市生态环境局 | 2024年底 |\n| 2 | 新增充电桩300个 | 市发改委 | 全年 |\n"
    )
    tasks = tasks_of(raw)
    assert list(tasks["text"]) == ["完成8家企业深度治理", "新增充电桩300个"]
    assert list(tasks["lead_units"]) == ["市生态环境局", "市发改委"]


def test_a_header_name_wrapped_over_two_lines_is_one_column() -> None:
    lines = ["序号", "重点工作", "责任", "科室", "完成", "时限", "1", "完成河道清淤8公里", "水利站", "2024年6月底"]
    (table,) = find_tables(lines)
    assert table.columns == ["task", "responsible", "deadline"]
    assert table.labels == ("重点工作", "责任科室", "完成时限")
    raw = "\n".join(lines) + "\n"
    tasks = tasks_of(raw)
    assert list(tasks["responsible_units"]) == ["水利站"]


def test_an_indicator_table_is_kept_apart_from_the_tasks() -> None:
    raw = (
        "一、主要指标\n序号\n指标\n单位\n基准值\n2024年\n2025年\n牵头单位\n"
        "1\n地表水优良水体比例\n%\n88.5\n≥90\n≥92\n市生态环境局\n"
        "2\n城市生活污水集中收集率\n%\n65\n70\n75\n市住建局\n"
        "二、重点任务\n1.完成6家企业深度治理。\n"
    )
    doc = clean(raw, ParseSettings())
    outline = parse_blocks(doc, ParseSettings())
    assert [row.serial for row in outline.indicators] == [1, 2]
    first = outline.indicators[0]
    assert [doc.text[s:e] for s, e in first.cells["indicator"]] == ["地表水优良水体比例"]
    assert {first.labels[column] for column in first.cells if column.startswith("target")} == {"2024年", "2025年"}
    assert list(tasks_table(doc, "doc", ParseSettings())["path"]) == ["二1"]


def test_a_pdf_page_whose_text_layer_is_a_table(tmp_path: Path) -> None:
    mf._register_font()
    from reportlab.pdfgen import canvas

    path = tmp_path / "table.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.setFont(mf.PDF_FONT, 10)
    rows = [
        ["序号", "工作任务", "牵头单位", "完成时限"],
        ["1", "完成燃煤锅炉淘汰10台", "县市场监管局", "2024年9月底"],
        ["2", "新建污水管网6公里", "县住建局", "2024年底"],
    ]
    for i, row in enumerate(rows):
        for x, cell in zip((40, 80, 300, 420), row):
            pdf.drawString(x, 780 - i * 20, cell)
    pdf.save()
    doc = parse_document(path)
    assert list(doc.tasks["text"]) == ["完成燃煤锅炉淘汰10台", "新建污水管网6公里"]
    assert list(doc.tasks["lead_units"]) == ["县市场监管局", "县住建局"]
