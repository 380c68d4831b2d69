"""Table contracts: every field of the tables the suite writes, declared once, and the tables.

A field (:mod:`analysis.schema.fields`) is a column name with its pandas dtype (as the Parquet
file keeps it), its meaning and its unit; a side family such as ``<side>_char_start`` is one field
for its ``source_`` and ``target_`` columns. A table (:mod:`analysis.schema.tables`) is an ordered
list of fields, each with at most a short note where the table narrows its meaning, and a primary
key: the columns whose values are unique per row. The stages take their column lists from here
(``schema.columns("tasks")``), the build checks every table against it before writing
(:func:`check`: names and order, dtypes, key), and the documentation's "Processed tables" reference
(docs/tables.md) is rendered from it (:func:`markdown`; ``make docs-reference`` rewrites it).

It sits at the bottom of the package: it imports nothing from the stages, the stages import it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.schema.fields import FIELDS, Dtype, Field
from analysis.schema.tables import (
    COMPARISON_LABEL,
    DECIDERS,
    FILE_PATH,
    INPUTS,
    MANIFEST_REQUIRED,
    REVIEW_COLUMNS,
    TABLES,
    Column,
    Table,
)

__all__ = [
    "COMPARISON_LABEL",
    "DECIDERS",
    "FIELDS",
    "FILE_PATH",
    "INPUTS",
    "MANIFEST_REQUIRED",
    "REVIEW_COLUMNS",
    "TABLES",
    "Column",
    "Dtype",
    "Field",
    "Table",
]

# Government levels, highest first: a ``parent`` must rank above its child.
LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "county": 3, "district": 3}

# Comparisons and the relations their alignment tables use: ``year`` (same issuer, earlier → later),
# ``level`` (parent → child) and ``peer`` (two plans of one level from different issuers, e.g. two cities).
KINDS = ("year", "level", "peer")
LINKS = ("same", "partial")
UNLINKED = {  # kind → (relation of an unmatched source task, of an unmatched target task)
    "year": ("dropped", "new"),
    "level": ("not_cascaded", "local"),
    "peer": ("only_in_a", "only_in_b"),
}


def table(name: str) -> Table:
    """The contract of a processed table or of an input (``manifest``, ``loaded_manifest``, ``comparisons``)."""
    found = TABLES.get(name) or INPUTS.get(name)
    if found is None:
        raise KeyError(f"no table {name!r} in the schema (tables: {', '.join([*TABLES, *INPUTS])})")
    return found


def columns(name: str) -> list[str]:
    """The column names of table ``name`` in order (a new list each call: callers may extend it)."""
    return [c.name for c in table(name).columns]


def model_columns(name: str) -> list[str]:
    """The columns of table ``name`` as the model makes it, before the build's :data:`REVIEW_COLUMNS`."""
    return [c for c in columns(name) if c not in REVIEW_COLUMNS.get(name, ())]


def dtypes(name: str) -> dict[str, Dtype]:
    """Column name → pandas dtype of table ``name`` (as its Parquet file keeps it)."""
    return {c.name: c.dtype for c in table(name).columns}


def empty(name: str) -> pd.DataFrame:
    """Table ``name`` with no rows, each column of its dtype (a table built from no rows at all)."""
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in table(name).columns})


# --- the write-time check ----------------------------------------------------------------------


class SchemaError(ValueError):
    """A table that breaks its contract: its columns, their dtypes or its key."""


def check(name: str, frame: pd.DataFrame) -> None:
    """Raise :class:`SchemaError` naming the table, the column and an example row unless ``frame``
    has table ``name``'s columns in order, each of its dtype, and a filled key unique per row.

    Vectorised (``duplicated`` on the key columns): a few hundred milliseconds for 10^6 rows."""
    contract = table(name)
    _check_names(contract, [str(c) for c in frame.columns])
    for declared in contract.columns:
        _check_dtype(name, declared, frame[declared.name])
    _check_key(contract, frame)


def _check_names(contract: Table, found: list[str]) -> None:
    expected = [c.name for c in contract.columns]
    if found == expected:
        return
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    details = [f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else ""]
    if not missing and not extra:
        details = [f"in the wrong order: {', '.join(found)}"]
    raise SchemaError(
        f"table {contract.name!r} does not match analysis/schema: "
        f"{'; '.join(d for d in details if d)} (expected: {', '.join(expected)})"
    )


def _check_dtype(name: str, declared: Column, values: pd.Series) -> None:
    found = str(values.dtype)
    if found == declared.dtype:
        return
    if declared.dtype == "str" and found == "object" and pd.api.types.infer_dtype(values) in ("string", "empty"):
        return  # strings held as Python objects: written as the same text
    missing = values.isna().to_numpy()
    at = int(missing.argmax()) if missing.any() else 0
    example = f"e.g. row {at}: {_value(values, at)}" if len(values) else "no rows"
    raise SchemaError(
        f"table {name!r}, column {declared.name!r}: dtype {found}, analysis/schema declares {declared.dtype} "
        f"({example})"
    )


def _filled(values: pd.Series) -> np.ndarray:
    filled = values.notna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return filled & (values != "").to_numpy()
    return filled


def _value(values: pd.Series, at: int) -> str:
    """Cell ``at`` as an error message shows it: ``empty``, or its Python repr (not NumPy's)."""
    if values.iloc[at : at + 1].isna().iloc[0]:
        return "empty"
    value = values.iloc[at]
    return repr(value.item() if isinstance(value, np.generic) else value)


def _row(frame: pd.DataFrame, at: int, key: tuple[str, ...]) -> str:
    return f"row {at}: " + ", ".join(f"{c}={_value(frame[c], at)}" for c in key)


def _check_key(contract: Table, frame: pd.DataFrame) -> None:
    key, name = contract.key, contract.name
    filled = {c: _filled(frame[c]) for c in key}
    for c in key:
        if c not in contract.sparse_key and not filled[c].all():
            at = int((~filled[c]).argmax())
            raise SchemaError(f"table {name!r}, key column {c!r} is empty ({_row(frame, at, key)})")
    if contract.sparse_key:
        none = ~np.logical_or.reduce([filled[c] for c in contract.sparse_key])
        if none.any():
            at = int(none.argmax())
            raise SchemaError(
                f"table {name!r}: key columns {', '.join(contract.sparse_key)} all empty ({_row(frame, at, key)})"
            )
    repeated = frame.duplicated(list(key)).to_numpy()
    if repeated.any():
        at = int(repeated.argmax())
        first = int((frame[list(key)].iloc[:at] == frame[list(key)].iloc[at]).all(axis=1).to_numpy().argmax())
        raise SchemaError(
            f"table {name!r}: {int(repeated.sum())} row(s) repeat a key ({', '.join(key)}), e.g. "
            f"{_row(frame, at, key)} repeats row {first}"
        )


# --- the documentation's reference (docs/tables.md) -------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _key_line(contract: Table) -> str:
    names = ", ".join(f"`{c}`" for c in contract.key)
    sparse = " or ".join(f"`{c}`" for c in contract.sparse_key)
    return f"Key: {names}" + (f" ({sparse} may be empty, not all at once)" if sparse else "") + "."


def markdown() -> str:
    """The "Processed tables" reference (docs/tables.md): each table's key, then its columns with their
    dtype, unit and meaning (the field's, then the table's note after "here:")."""
    blocks = []
    for contract in TABLES.values():
        lines = [
            f"`data/processed/{contract.name}.csv` — {contract.description}.",
            "",
            _key_line(contract),
            "",
            "| column | dtype | unit | meaning |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{c.name}` | {c.dtype} | {_cell(c.unit)} | {_cell(c.meaning)}"
            + (f"; here: {_cell(c.note)}" if c.note else "")
            + " |"
            for c in contract.columns
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
