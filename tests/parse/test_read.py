"""Decoding: the encodings real documents arrive in, and the files that are not documents."""

from __future__ import annotations

import codecs
import contextlib

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


# --- files that are not regular files, or too large, or unreadable --------------------------------


def _finishes(function, seconds: float = 5.0):
    """Run ``function`` in a thread; return its outcome, or fail if it does not return in time."""
    import threading

    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the reader blocked"
    return outcome


def test_a_fifo_is_refused_without_blocking(tmp_path) -> None:
    import os

    fifo = tmp_path / "plan.txt"
    os.mkfifo(fifo)
    try:
        outcome = _finishes(lambda: read_document(fifo))
    finally:
        with contextlib.suppress(
            OSError
        ):  # unblock a reader stuck in open(), so its thread can end (none waiting: OSError)
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    error = outcome.get("error")
    assert isinstance(error, UserError), outcome
    assert "not a regular file" in error.problem and "FIFO" in error.problem


def test_a_device_is_refused_without_reading_it(monkeypatch) -> None:
    import analysis.parse.read as read

    opened = []
    monkeypatch.setattr(
        read.os, "open", lambda *a, **k: opened.append(a) or (_ for _ in ()).throw(AssertionError("opened"))
    )
    with pytest.raises(UserError, match=r"not a regular file.*device") as info:
        read_document("/dev/zero")
    assert info.value.where == "/dev/zero"
    assert not opened


def test_a_file_over_the_size_limit_is_refused(tmp_path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(SAMPLE.encode("utf-8") * 10)
    limit = len(SAMPLE.encode("utf-8")) * 10 - 1
    with pytest.raises(UserError, match=f"too large.*limit is {limit} bytes"):
        read_document(path, max_bytes=limit)
    assert read_document(path, max_bytes=limit + 1).text == SAMPLE * 10


def test_a_symbolic_link_loop_is_named(tmp_path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(UserError, match="symbolic link loop"):
        read_document(a)


def test_a_broken_symbolic_link_is_named(tmp_path) -> None:
    link = tmp_path / "plan.txt"
    link.symlink_to(tmp_path / "gone.txt")
    with pytest.raises(UserError, match="broken symbolic link"):
        read_document(link)


def test_an_unreadable_file_is_named(tmp_path, monkeypatch) -> None:
    import analysis.parse.read as read

    path = tmp_path / "plan.txt"
    path.write_text(SAMPLE, encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(read.os, "open", denied)  # the tests may run as root, for whom chmod 000 denies nothing
    with pytest.raises(UserError, match="permission denied"):
        read_document(path)


# --- damaged encodings -------------------------------------------------------------------------

LONG_SAMPLE = SAMPLE * 40


def test_a_utf8_bom_before_invalid_bytes_is_not_a_traceback() -> None:
    data = codecs.BOM_UTF8 + b"\xff\xfe\xfa" * 200
    with pytest.raises(UserError, match=r"at byte 3\b"):
        decode(data, "plan.txt")


def test_a_gbk_file_saved_behind_a_utf8_bom_is_read_as_gb18030() -> None:
    text, used = decode(codecs.BOM_UTF8 + LONG_SAMPLE.encode("gbk"))
    assert text == LONG_SAMPLE
    assert used == "gb18030"


def test_a_few_invalid_utf8_bytes_are_replaced_and_counted() -> None:
    data = bytearray(LONG_SAMPLE.encode("utf-8"))
    at = len(SAMPLE.encode("utf-8")) * 5 + 3  # the first byte of a character
    data[at : at + 3] = b"\xff\xfe\xff"
    text, used = decode(bytes(data))
    assert used == "utf-8 (3 invalid bytes replaced)"
    assert text.count("\ufffd") == 3
    assert len(text) == len(LONG_SAMPLE) + 2  # one character's three bytes, each replaced


def test_a_few_invalid_bytes_behind_a_bom_are_replaced_and_counted() -> None:
    data = codecs.BOM_UTF8 + LONG_SAMPLE.encode("utf-8") + b"\xff"
    text, used = decode(data)
    assert used == "utf-8-sig (1 invalid byte replaced)"
    assert text == LONG_SAMPLE + "\ufffd"


def test_a_mostly_invalid_file_is_refused_naming_the_first_bad_byte() -> None:
    data = b"abc\n" + b"\xff" * 601
    with pytest.raises(UserError, match=r"at byte 4\b"):
        decode(data, "plan.txt")


def test_replaced_bytes_are_measured_as_damage() -> None:
    from analysis.parse.clean import find_damage

    text, _ = decode(LONG_SAMPLE.encode("utf-8") + b"\xff")
    assert [d.kind for d in find_damage(text)] == ["replacement_char"]


def test_a_user_error_survives_a_trip_between_processes() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(UserError("plan.txt", "no tasks found")))
    assert (error.where, error.problem, str(error)) == ("plan.txt", "no tasks found", "plan.txt: no tasks found")
