"""The processed tables' CSV rows made by Arrow (:mod:`analysis.csv_text`) are pandas' ``to_csv``
to the byte, on generated frames of every kind of column the tables hold, and on hostile text."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import csv_text, storage

TEXT = st.text(alphabet=st.sampled_from(list("ab,\"\n\r\t =+-@'.5生态，。“”") + ["\u2028", "\x00"]), max_size=12)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.1, 100.0, 1e16, 1e-5, -0.0, 1 / 3])
INTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def _column(kind: str, n: int) -> st.SearchStrategy[pd.Series]:
    """A column of ``n`` values of one kind the processed tables hold."""
    if kind in ("str", "object"):
        cells = st.lists(TEXT | st.none(), min_size=n, max_size=n)
        return cells.map(lambda values: pd.Series(values, dtype=kind))
    if kind == "float64":
        return st.lists(FLOATS, min_size=n, max_size=n).map(lambda values: pd.Series(values, dtype="float64"))
    if kind == "int64":
        return st.lists(INTS, min_size=n, max_size=n).map(lambda values: pd.Series(values, dtype="int64"))
    if kind == "bool":
        return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda values: pd.Series(values, dtype="bool"))
    nullable = {"Int64": INTS, "boolean": st.booleans(), "Float64": FLOATS}[kind]
    return st.lists(nullable | st.none(), min_size=n, max_size=n).map(lambda values: pd.Series(values, dtype=kind))


KINDS = ["str", "object", "float64", "int64", "bool", "Int64", "boolean", "Float64"]


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(min_value=0, max_value=8))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=5))
    return pd.DataFrame({f"c{k}": draw(_column(kind, n)) for k, kind in enumerate(kinds)})


def _pandas_csv(frame: pd.DataFrame, header: bool = True) -> bytes:
    return storage._spreadsheet_safe(frame).to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")


@given(frames())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_rows_are_pandas_csv_to_the_byte(frame: pd.DataFrame) -> None:
    assert csv_text.csv_rows(storage._spreadsheet_safe(frame)) is not None  # every kind here is made by Arrow
    assert storage.csv_bytes(frame) == _pandas_csv(frame)
    assert storage.csv_bytes(frame, header=False) == _pandas_csv(frame, header=False)


def test_the_csv_modules_own_quoting_rule_is_followed() -> None:
    """The characters that make a field quoted are asked of the csv module, so a Python whose
    module quotes more (a CR, say) is followed too."""
    assert set(csv_text.QUOTED_CHARACTERS) >= {",", '"', "\n"}
    frame = pd.DataFrame({"a": ['他说"好"', "x,y", "行\n行", "\r"], "b": [1, 2, 3, 4]})
    assert storage.csv_bytes(frame) == _pandas_csv(frame)


def test_a_table_in_pieces_is_the_table_whole(monkeypatch) -> None:
    frame = pd.DataFrame({"text": [f"任务{k}," * (k % 3) for k in range(50)], "score": np.linspace(0, 1, 50)})
    whole = storage.csv_bytes(frame)
    monkeypatch.setattr(csv_text, "ROWS_PER_PIECE", 7)
    assert storage.csv_bytes(frame) == whole == _pandas_csv(frame)


def test_columns_arrow_does_not_format_are_left_to_pandas() -> None:
    dates = pd.DataFrame({"day": pd.to_datetime(["2024-01-02", None]), "n": [1, 2]})
    mixed = pd.DataFrame({"cell": pd.Series(["a", 1.5], dtype=object), "n": [1, 2]})
    alone = pd.DataFrame({"only": ["", "a"]})  # a row of one empty cell is written as ""
    for frame in (dates, mixed, alone):
        assert csv_text.csv_rows(frame) is None
        assert storage.csv_bytes(frame) == _pandas_csv(frame)
