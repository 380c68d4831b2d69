"""Document metadata: read from the printed front and closing matter, the manifest filling the gaps."""

from __future__ import annotations

import pytest

from analysis.parse.document import parse_document
from analysis.parse.metadata import extract_metadata, merge_metadata


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (
            [
                "关于印发2024年全省生态环境工作要点的通知",
                "鄂环发〔2024〕1号",
                "湖北省生态环境厅",
                "2024年2月5日",
                "2024年全省生态环境工作要点",
            ],
            {
                "title": "2024年全省生态环境工作要点",
                "doc_number": "鄂环发〔2024〕1号",
                "issuer": "湖北省生态环境厅",
                "date": "2024-02-05",
            },
        ),
        (
            ["市生态环境局关于印发2025年全市生态环境保护工作要点的通知"],
            {"title": "2025年全市生态环境保护工作要点", "issuer": "市生态环境局"},
        ),
        (
            [
                "2024年全市生态环境工作要点",
                "根据省生态环境厅和市委、市政府工作要求,现对2024年全市生态环境工作作出如下安排。",
            ],
            {"title": "2024年全市生态环境工作要点"},
        ),
        (["某市生态环境局", "二〇二四年十二月三十一日"], {"issuer": "某市生态环境局", "date": "2024-12-31"}),
    ],
)
def test_extract_metadata(front: list[str], expected: dict[str, str]) -> None:
    assert extract_metadata(front) == expected


def test_a_closing_signature_gives_the_issuer_and_date(tmp_path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        "2024年全市生态环境工作要点\n一、重点任务\n(一)推进治理。完成1次调查。\n某市生态环境局\n2024年3月1日\n",
        encoding="utf-8",
    )
    printed = extract_metadata(parse_document(path).printed_matter())
    assert printed == {"title": "2024年全市生态环境工作要点", "issuer": "某市生态环境局", "date": "2024-03-01"}


def test_the_manifest_fills_what_the_text_lacks() -> None:
    merged = merge_metadata({"title": "A"}, {"title": "B", "issuer": "C", "date": ""})
    assert merged == {
        "title": "A",
        "title_source": "text",
        "issuer": "C",
        "issuer_source": "manifest",
        "doc_number": "",
        "doc_number_source": "",
        "date": "",
        "date_source": "",
    }
