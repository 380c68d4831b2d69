"""Reviewer decisions: the two corrections files a researcher edits, read and checked.

Two optional CSV files a researcher edits (in Excel too: UTF-8 with or without BOM, cells
stripped, a cell's spreadsheet-safe ``'`` undone, extra columns ignored, rows whose decision is
left empty skipped), described in
``data/corrections/README.md``:

- ``alignments.csv`` (:data:`ALIGNMENT_CORRECTION_COLUMNS`): ``none`` removes a link, ``same`` /
  ``partial`` add or relabel one. An added link replaces the unlinked rows of its two tasks; a
  task whose every link is removed gets its unlinked row back (the kind's relation of
  :data:`analysis.schema.UNLINKED`, its nearest remaining candidate as evidence).
- ``targets.csv`` (:data:`TARGET_CORRECTION_COLUMNS`): ``reject`` removes a target, ``fix`` sets
  the fields given (value, unit, comparator, indicator_id; an empty cell keeps the model's).

:mod:`analysis.review.apply` applies them after the model.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from analysis.errors import UserError
from analysis.schema import LINKS
from analysis.settings import ALIGNMENT_CORRECTIONS_PATH, TARGET_CORRECTIONS_PATH
from analysis.storage import unescape_formula

ALIGNMENT_CORRECTION_COLUMNS = ["source_doc", "source_task_id", "target_doc", "target_task_id", "relation", "note"]
TARGET_CORRECTION_COLUMNS = ["doc_id", "target_id", "action", "value", "unit", "comparator", "indicator_id", "note"]
REVIEW_RELATIONS = (*LINKS, "none")
TARGET_ACTIONS = ("reject", "fix")
COMPARATORS = (">=", "<=", "=", "striving")
FIXABLE = ("value", "unit", "comparator", "indicator_id")


# --- reading -----------------------------------------------------------------------------------


class LinkFix(NamedTuple):
    """One row of a link decisions table (:data:`ALIGNMENT_CORRECTION_COLUMNS` and ``line``)."""

    source_doc: str
    source_task_id: str
    target_doc: str
    target_task_id: str
    relation: str
    note: str
    line: int


class TargetFix(NamedTuple):
    """One row of a target decisions table (:data:`TARGET_CORRECTION_COLUMNS` and ``line``)."""

    doc_id: str
    target_id: str
    action: str
    value: str
    unit: str
    comparator: str
    indicator_id: str
    note: str
    line: int


def _text(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """The cells of ``columns`` (a decisions table holds text, and ``line``), column by column."""
    return {c: frame[c].astype(str).tolist() for c in columns}


def link_fixes(frame: pd.DataFrame) -> list[LinkFix]:
    """The rows of a link decisions table (:func:`read_alignment_corrections`), typed."""
    text, lines = _text(frame, ALIGNMENT_CORRECTION_COLUMNS), frame["line"].astype(int).tolist()
    return [
        LinkFix(
            source_doc=text["source_doc"][i],
            source_task_id=text["source_task_id"][i],
            target_doc=text["target_doc"][i],
            target_task_id=text["target_task_id"][i],
            relation=text["relation"][i],
            note=text["note"][i],
            line=lines[i],
        )
        for i in range(len(frame))
    ]


def target_fixes(frame: pd.DataFrame) -> list[TargetFix]:
    """The rows of a target decisions table (:func:`read_target_corrections`), typed."""
    text, lines = _text(frame, TARGET_CORRECTION_COLUMNS), frame["line"].astype(int).tolist()
    return [
        TargetFix(
            doc_id=text["doc_id"][i],
            target_id=text["target_id"][i],
            action=text["action"][i],
            value=text["value"][i],
            unit=text["unit"][i],
            comparator=text["comparator"][i],
            indicator_id=text["indicator_id"][i],
            note=text["note"][i],
            line=lines[i],
        )
        for i in range(len(frame))
    ]


def read_corrections(
    path: Path | str, columns: list[str], decision: str, allowed: tuple[str, ...], required: tuple[str, ...]
) -> pd.DataFrame:
    """The decided rows of a corrections file (``columns`` and ``line``, the row's first line in
    the file); no file → no rows. ``decision`` is the column holding the decision (``allowed``
    values, case-insensitive); a decided row must fill ``required``."""
    path = Path(path)
    empty = pd.DataFrame(columns=[*columns, "line"])
    if not path.is_file():
        return empty
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(path, f"not UTF-8 text (save it as 'CSV UTF-8'): {exc.reason} at byte {exc.start}") from None
    except OSError as exc:
        raise UserError(path, f"cannot read the corrections file ({exc.strerror})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, lines, line = [], [], 1
    try:
        header = [cell.strip() for cell in next(reader, [])]
        line = reader.line_num + 1
        for row in reader:
            rows.append(row)
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(f"{path}, line {line}", f"not readable as CSV ({exc})") from None
    if not header:
        return empty
    missing = [c for c in columns if c not in header]
    if missing:
        raise UserError(path, f"missing column(s): {', '.join(missing)} (expected {', '.join(columns)})")
    at = [header.index(c) for c in columns]
    records: list[dict[str, str | int]] = []
    for row, line in zip(rows, lines):
        cells = [unescape_formula(row[i]).strip() if i < len(row) else "" for i in at]
        record = dict(zip(columns, cells))
        record[decision] = record[decision].lower()
        if not record[decision]:
            continue  # not decided yet (a review queue's row left empty)
        if record[decision] not in allowed:
            raise UserError(
                f"{path}, line {line}",
                f"{decision} must be one of {', '.join(allowed)}, not {cells[columns.index(decision)]!r}",
            )
        blank = [c for c in required if not record[c]]
        if blank:
            raise UserError(f"{path}, line {line}", f"{', '.join(blank)} empty")
        records.append({**record, "line": line})
    return pd.DataFrame(records, columns=[*columns, "line"]).astype({"line": "int64"})


def read_alignment_corrections(path: Path | str) -> pd.DataFrame:
    """The link decisions of ``path``; two rows deciding one pair differently are an error."""
    found = read_corrections(
        path,
        ALIGNMENT_CORRECTION_COLUMNS,
        "relation",
        REVIEW_RELATIONS,
        ("source_doc", "source_task_id", "target_doc", "target_task_id"),
    )
    _refuse_conflicts(path, found, ["source_doc", "source_task_id", "target_doc", "target_task_id"], ["relation"])
    return found


def read_target_corrections(path: Path | str) -> pd.DataFrame:
    """The target decisions of ``path``: values checked (a number, a known comparator), a fix
    that sets nothing refused, two rows deciding one target differently refused."""
    found = read_corrections(path, TARGET_CORRECTION_COLUMNS, "action", TARGET_ACTIONS, ("doc_id", "target_id"))
    for row in target_fixes(found):
        where = f"{path}, line {row.line}"
        if row.value:
            try:
                float(row.value.replace(",", ""))
            except ValueError:
                raise UserError(where, f"value must be a number, not {row.value!r}") from None
        if row.comparator and row.comparator not in COMPARATORS:
            raise UserError(where, f"comparator must be one of {', '.join(COMPARATORS)}, not {row.comparator!r}")
        if row.action == "fix" and not any(getattr(row, c) for c in FIXABLE):
            raise UserError(where, f"a fix must give at least one of {', '.join(FIXABLE)}")
    _refuse_conflicts(path, found, ["doc_id", "target_id"], ["action", *FIXABLE])
    return found


def _refuse_conflicts(path, found: pd.DataFrame, keys: list[str], decision: list[str]) -> None:
    distinct = found.drop_duplicates([*keys, *decision])
    clash = distinct[distinct.duplicated(keys, keep=False)]
    if len(clash):
        first, second = clash["line"].iloc[0], clash["line"].iloc[1]
        raise UserError(f"{path}, line {second}", f"contradicts line {first} on the same {' / '.join(keys)}")


@dataclass(frozen=True)
class Corrections:
    """The reviewer's decisions a build applies: link and target corrections and their files."""

    links: pd.DataFrame
    targets: pd.DataFrame
    links_path: str = ""
    targets_path: str = ""

    @classmethod
    def read(cls, links_path: Path | str, targets_path: Path | str) -> Corrections:
        return cls(
            read_alignment_corrections(links_path),
            read_target_corrections(targets_path),
            str(links_path),
            str(targets_path),
        )

    @classmethod
    def read_default(cls) -> Corrections:
        """The project's corrections files (``data/corrections/``; optional)."""
        return cls.read(ALIGNMENT_CORRECTIONS_PATH, TARGET_CORRECTIONS_PATH)

    @classmethod
    def none(cls) -> Corrections:
        return cls(
            pd.DataFrame(columns=[*ALIGNMENT_CORRECTION_COLUMNS, "line"]),
            pd.DataFrame(columns=[*TARGET_CORRECTION_COLUMNS, "line"]),
        )

    def files(self) -> tuple[Path, ...]:
        """The corrections files that exist (a build records their SHA-256)."""
        return tuple(Path(p) for p in (self.links_path, self.targets_path) if p and Path(p).is_file())
