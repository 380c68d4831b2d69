"""Decoding: the encodings real documents arrive in, and the files that are not documents."""
from __future__ import annotations

import codecs

import pytest

from analysis.errors import UserError
from analysis.parse.read import decode, read_document

SAMPLE = "一、总体要求\n(一)深入打好蓝天保卫战。推动30家以上水泥企业完成深度治理。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("gbk"), "gb18030"),
        (SAMPLE.encode("utf-16"), "utf-16"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_decodes_the_encodings_documents_arrive_in(data: bytes, encoding: str) -> None:
    text, used = decode(data)
    assert text == SAMPLE
    assert used == encoding


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b" \n\t\r\n   \n", "only whitespace"),
        ("\u3000\u3000\n".encode("utf-8"), "only whitespace"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 50, "binary"),
    ],
)
def test_refuses_what_is_not_a_document(data: bytes, problem: str) -> None:
    with pytest.raises(UserError, match=problem) as info:
        decode(data, "plan.txt")
    assert info.value.where == "plan.txt"


def test_read_document_names_the_missing_file(tmp_path) -> None:
    with pytest.raises(UserError) as info:
        read_document(tmp_path / "nope.txt")
    assert "nope.txt" in str(info.value) and "no such file" in str(info.value)
