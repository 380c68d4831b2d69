"""Property-based tests: the parser never crashes, and its offsets always point at the source."""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cli import main
from analysis.errors import UserError
from analysis.parse.clean import clean
from analysis.parse.read import decode
from analysis.parse.structure import tasks_table
from analysis.settings import ParseSettings

PHRASES = [
    "深入打好蓝天保卫战",
    "推动30家以上水泥企业完成深度治理",
    "农村生活污水治理率达到46.58%",
    "完成1571个行政村环境整治",
    "加强“三湖一库”流域专项治理",
    "持续推进“无废城市”建设",
    "确保2024年底前完成95%的整治任务",
    "严格“两高一低”项目环境准入",
    "强化PM2.5与臭氧协同控制",
]
NOISE = ["", " ", "\n", "\n\n", "**", "　", "\t"]
FOOTER = "\n本文内容来自网络，由某站搜集整理，如有任何异议请联系我们！\n"
NUMERALS = "一二三四五六七八九十"

_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if code != 0xFF1F}


def squash(text: str) -> str:
    """Width-normalised text without whitespace or bold marks, as tasks' text is."""
    return re.sub(r"\s|\*\*", "", text.translate(_WIDTH))


def is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


@st.composite
def sentences(draw) -> str:
    words = draw(st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3))
    sentence = "，".join(words) + draw(st.sampled_from(["。", "。", ";"]))
    if draw(st.booleans()):
        lead = draw(st.sampled_from(["水处", "大气处、执法局", "土壤处会同厅机关各处室、单位"]))
        bracket = draw(st.sampled_from(["(牵头单位:{};责任单位:各市、州)", "（牵头单位：{}）", "(责任单位:{})"]))
        sentence = sentence[:-1] + bracket.format(lead) + "。"
    return sentence


@st.composite
def wrapped(draw, text: str) -> str:
    """Insert PDF-like hard breaks and stray spaces at random places."""
    cuts = sorted(draw(st.lists(st.integers(0, max(len(text) - 1, 0)), max_size=4)))
    pieces, last = [], 0
    for cut in cuts:
        pieces.append(text[last:cut])
        pieces.append(draw(st.sampled_from(NOISE)))
        last = cut
    pieces.append(text[last:])
    return "".join(pieces)


@st.composite
def work_plans(draw) -> str:
    lines = [draw(st.sampled_from(["2024年全省生态环境工作要点", "关于印发2025年全市生态环境保护工作要点的通知"]))]
    item = 0
    for part in range(draw(st.integers(1, 3))):
        lines.append(f"{NUMERALS[part]}、{draw(st.sampled_from(PHRASES))}")
        for section in range(draw(st.integers(0, 3))):
            bracket = draw(st.sampled_from(["({})", "（{}）"]))
            lines.append(
                bracket.format(NUMERALS[section])
                + draw(st.sampled_from(PHRASES))
                + draw(st.sampled_from(["", "。" + draw(sentences())]))
            )
            for _ in range(draw(st.integers(0, 3))):
                item += 1
                body = "".join(draw(st.lists(sentences(), min_size=1, max_size=3)))
                lines.append(
                    draw(wrapped(f"{item}{draw(st.sampled_from(['.', '．']))}{draw(st.sampled_from(PHRASES))}。{body}"))
                )
        if draw(st.booleans()):
            lines.append(draw(wrapped("".join(draw(st.lists(sentences(), min_size=1, max_size=2))))))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, FOOTER)
    return draw(st.sampled_from(["\n", "\n\n", "\r\n"])).join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_the_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    tasks = tasks_table(clean(text, ParseSettings()), "doc", ParseSettings())
    assert (
        (tasks["char_start"] >= 0) & (tasks["char_end"] <= len(text)) & (tasks["char_start"] < tasks["char_end"])
    ).all()


@pytest.mark.slow  # hypothesis: about 2 s
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(work_plans())
def test_every_task_offset_slices_the_raw_text_to_its_source(raw: str) -> None:
    tasks = tasks_table(clean(raw, ParseSettings()), "doc", ParseSettings())
    for task in tasks.itertuples():
        assert 0 <= task.char_start < task.char_end <= len(raw)
        source = squash(raw[task.char_start : task.char_end])
        assert is_subsequence(squash(task.text), source), (task.text, source)
        assert is_subsequence(squash(task.heading), source)
        if not pd.isna(task.item_no):
            assert source.startswith(f"{task.item_no}."), source[:20]
    assert tasks["task_id"].is_unique


# --- bytes in: nothing escapes but a UserError --------------------------------------------------

BOMS = [b"", b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]


@st.composite
def damaged_bytes(draw) -> bytes:
    """A plan's bytes (any supported encoding, behind any BOM), with random bytes spliced in; or noise."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=600))
    data = bytearray(draw(work_plans()).encode(draw(st.sampled_from(["utf-8", "gb18030", "utf-16-le", "utf-16-be"]))))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        data[at : at + draw(st.integers(0, 3))] = draw(st.binary(min_size=1, max_size=4))
    return draw(st.sampled_from(BOMS)) + bytes(data)


@pytest.mark.slow  # hypothesis: 200 examples, several seconds
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_bytes())
def test_decoding_arbitrary_bytes_raises_nothing_but_a_user_error(data: bytes) -> None:
    try:
        text, encoding = decode(data, "plan.txt")
    except UserError as exc:
        assert exc.where == "plan.txt" and exc.problem and "\n" not in exc.problem
        return
    assert isinstance(text, str) and text.strip() and encoding


@pytest.mark.slow  # hypothesis: 200 runs of the tasks command, several seconds
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_bytes())
def test_the_command_line_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.txt"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["--manifest", str(Path(folder) / "no-manifest.csv"), "tasks", str(path)])
    assert status in (0, 2), err.getvalue()
    if status == 2:
        assert err.getvalue().startswith(f"error: {path}: ") and err.getvalue().count("\n") == 1
    else:
        assert out.getvalue().startswith("doc_id,task_id,")
