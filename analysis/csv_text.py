"""The rows of a frame as CSV text, byte for byte as pandas writes them, made by Arrow's string
kernels a column at a time instead of the csv module a cell at a time.

pandas' ``to_csv`` turns every cell into a Python object and hands each row to the csv module: a
table of 180,000 rows and 17 columns (a national corpus's alignments) takes about 2 s, most of
a build's writing. Here each column's cells are formatted as pandas formats them (numbers as
NumPy's ``str``, missing values empty) and quoted as the csv module quotes them (the characters
that make it quote a field are asked of the module itself: :data:`QUOTED_CHARACTERS`), then the
columns are joined row by row in Arrow. A frame holding a column of another kind (dates, mixed
objects, categories), a single column, or repeated column names is left to pandas: ``None``.
``tests/test_csv_text.py`` checks the bytes against pandas on generated frames.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ROWS_PER_PIECE = 16_384  # rows formatted at a time: a large table's text is made in pieces (less memory held)


def _quoted_characters() -> str:
    """The ASCII characters that make the csv module (as pandas calls it: minimal quoting, ``\\n``
    line ends) quote a field; no other character does."""
    quoted = []
    for code in range(128):
        row = io.StringIO()
        csv.writer(row, lineterminator="\n").writerow([f"a{chr(code)}b", "c"])
        if row.getvalue().startswith('"'):
            quoted.append(chr(code))
    return "".join(quoted)


QUOTED_CHARACTERS = _quoted_characters()
_NEEDS_QUOTES = "[" + "".join(f"\\x{ord(c):02x}" for c in QUOTED_CHARACTERS) + "]"  # an RE2 class
_TEXT = pa.large_string()  # 64-bit offsets: a table's text may pass 2 GB
# pandas' nullable columns (analysis/schema's Int64, Float64) as NumPy values beside their mask
_NULLABLE = {"Int64": np.dtype(np.int64), "Float64": np.dtype(np.float64), "boolean": np.dtype(np.bool_)}


def _text_cells(values: pa.Array) -> pa.Array:
    """Text cells quoted where the csv module quotes them (a quote inside doubled)."""
    special = pc.fill_null(pc.match_substring_regex(values, _NEEDS_QUOTES), False)
    if not pc.any(special).as_py():
        return values
    quote = pa.scalar('"', _TEXT)
    inner = pc.replace_substring(values.filter(special), '"', '""')
    return pc.replace_with_mask(values, special, pc.binary_join_element_wise(quote, inner, quote, pa.scalar("", _TEXT)))


def _formatted(values: np.ndarray, missing: np.ndarray | None) -> pa.Array:
    """NumPy numbers or booleans as pandas writes them (``str`` of each), ``missing`` ones empty.
    Integers are formatted by Arrow (the same digits); floats and booleans by NumPy (Arrow
    writes ``100`` for 100.0 and ``true`` for True)."""
    mask = missing if missing is not None and missing.any() else None
    if values.dtype.kind in "iu":
        return pc.cast(pa.array(values, mask=mask), _TEXT)
    return pa.array(values.astype(str), type=_TEXT, mask=mask)


def _cells(column: pd.Series) -> pa.Array | None:
    """A column's cells as CSV text (null where pandas writes nothing), or None for a kind of
    column left to pandas."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        values = pa.array(column.array)  # Arrow's own array of an Arrow-backed column: no copy
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        return _text_cells(pc.cast(values, _TEXT))
    if isinstance(dtype, np.dtype):
        values = column.to_numpy()
        if dtype.kind == "f":
            return _formatted(values, np.isnan(values))
        if dtype.kind in "iub":
            return _formatted(values, None)
        if dtype.kind == "O":
            kinds = pd.api.types.infer_dtype(values, skipna=True)
            if kinds not in ("string", "empty"):
                return None
            cells = values.copy()
            cells[pd.isna(values)] = None
            return _text_cells(pa.array(cells, type=_TEXT))
        return None
    as_numpy = _NULLABLE.get(str(dtype))
    if as_numpy is None:
        return None
    return _formatted(column.to_numpy(dtype=as_numpy, na_value=0), column.isna().to_numpy())


def _rows(columns: list[pa.Array]) -> bytes:
    """The CSV lines of the rows of ``columns`` (cells of one row joined by commas, ``\\n`` ends)."""
    lines = pc.binary_join_element_wise(
        pc.binary_join_element_wise(*columns, pa.scalar(",", _TEXT), null_handling="replace", null_replacement=""),
        pa.scalar("\n", _TEXT),
        pa.scalar("", _TEXT),
    )
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return lines.buffers()[2].slice(offsets[0], offsets[-1] - offsets[0]).to_pybytes() if len(lines) else b""


def csv_rows(frame: pd.DataFrame) -> bytes | None:
    """The CSV rows (no header) of ``frame`` as ``frame.to_csv(index=False, header=False,
    lineterminator="\\n")`` encodes them in UTF-8, or None when pandas must write them."""
    if frame.shape[1] < 2 or not frame.columns.is_unique:
        return None
    pieces = []
    for start in range(0, len(frame), ROWS_PER_PIECE):
        piece = frame.iloc[start : start + ROWS_PER_PIECE]
        columns = [_cells(piece.iloc[:, k]) for k in range(frame.shape[1])]
        if any(column is None for column in columns):
            return None
        pieces.append(_rows(columns))
    return b"".join(pieces)
