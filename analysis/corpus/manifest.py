"""The manifest: which documents the suite compares, and how they are linked.

``data/raw/manifest.csv`` declares each document (file, title, issuer, region, level, year) and
its links: ``parent`` (the higher-level plan it implements) and ``previous`` (the same issuer's
plan of an earlier year). Every comparison the suite makes is derived from these links.
"""

from __future__ import annotations

import csv
import os
import re
import stat
from collections.abc import Set as AbstractSet
from pathlib import Path

import pandas as pd

from analysis import schema
from analysis.errors import UserError
from analysis.schema import LEVEL_RANK
from analysis.settings import MANIFEST_PATH

MANIFEST_COLUMNS = schema.columns("manifest")
REQUIRED_COLUMNS = list(schema.MANIFEST_REQUIRED)
COMPARISON_COLUMNS = schema.columns("comparisons")
FILE_PATH = schema.FILE_PATH.name  # the column load_manifest adds: each file's absolute path
LOADED_COLUMNS = schema.columns("loaded_manifest")
# A doc id names files and pages: letters (ASCII or Chinese), digits, _ and -; never a path, never
# longer than a file name allows beside its suffixes, never read as a command-line option.
DOC_ID = re.compile(r"[0-9A-Za-z_\-\u4e00-\u9fff]+")
DOC_ID_MAX_CHARS = 64
YEAR = re.compile(r"[0-9]{1,4}")


def _where(path: Path, line: int, doc_id: str = "") -> str:
    return f"{path} line {line}" + (f" ({doc_id})" if doc_id else "")


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as plain dicts: a row costs microseconds, a pandas row (``iterrows``,
    ``.at``) about a millisecond, which a manifest of 10,000 rows feels."""
    return [dict(zip(frame.columns, values)) for values in zip(*(frame[c].tolist() for c in frame.columns))]


def doc_id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` cannot be a doc id (None when it can)."""
    if not doc_id:
        return "empty doc_id"
    if len(doc_id) > DOC_ID_MAX_CHARS:
        return f"doc_id {doc_id[:20]!r}… is {len(doc_id)} characters long (at most {DOC_ID_MAX_CHARS})"
    if doc_id.startswith("-"):
        return f"doc_id {doc_id!r} starts with '-' (a command line would take it for an option)"
    if not DOC_ID.fullmatch(doc_id):
        return f"doc_id {doc_id!r} may hold only letters, digits, _ and -"
    if "__" in doc_id:
        return f"doc_id {doc_id!r} holds '__', which joins two doc ids in a comparison's id"
    return None


def _first_cycle(starts: list[str], links: dict[str, str]) -> tuple[str, list[str]] | None:
    """The first start (in order) whose chain of links loops, and the loop (``a → b → a``); None
    if no chain loops. Each document is walked once however long the chains (linear in rows)."""
    ends: set[str] = set()  # documents whose chain ends without a loop
    for start in starts:
        path: dict[str, int] = {}
        step = start
        while step and step not in ends:
            if step in path:
                chain = list(path)
                return start, chain[path[step] :] + [step]
            path[step] = len(path)
            step = links.get(step, "")
        ends.update(path)
    return None


def load_manifest(path: Path | str = MANIFEST_PATH) -> pd.DataFrame:
    """Read and validate the manifest; raise :class:`UserError` naming the offending row.

    The frame has the manifest's columns and ``file_path``, each file's absolute path (a task's
    ``path`` is its outline position: another thing).
    """
    path = Path(path)
    frame, lines = _read_rows(path)
    _check_columns(path, frame)
    for column in MANIFEST_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.apply(lambda col: col.str.strip())
    rows = records(frame)
    first_line = _check_rows(path, rows, lines)
    _check_links(path, rows, lines, first_line)
    frame["year"] = frame["year"].astype(int)
    frame[FILE_PATH] = _resolved(path.parent, frame["file"].tolist())
    return frame[LOADED_COLUMNS]


def _check_columns(path: Path, frame: pd.DataFrame) -> None:
    """The required columns present, no unknown one, at least one row."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise UserError(path, f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in frame.columns if c not in MANIFEST_COLUMNS]
    if unknown:
        raise UserError(
            path, f"unknown column(s): {', '.join(unknown)} (the columns are {', '.join(MANIFEST_COLUMNS)})"
        )
    if frame.empty:
        raise UserError(path, "the manifest lists no documents")


def _check_rows(path: Path, rows: list[dict[str, str]], lines: list[int]) -> dict[str, int]:
    """Each row on its own: its doc id (once), file, level and year; the line of each doc id."""
    first_line: dict[str, int] = {}
    for row, line in zip(rows, lines):
        doc_id = row["doc_id"]
        if problem := doc_id_problem(doc_id):
            raise UserError(_where(path, line), problem)
        if doc_id in first_line:
            raise UserError(_where(path, line, doc_id), f"duplicate doc_id (first on line {first_line[doc_id]})")
        first_line[doc_id] = line
        if problem := _file_problem(path.parent, row["file"]):
            raise UserError(_where(path, line, doc_id), problem)
        if row["level"] not in LEVEL_RANK:
            raise UserError(
                _where(path, line, doc_id), f"unknown level {row['level']!r} (use one of {', '.join(LEVEL_RANK)})"
            )
        if not YEAR.fullmatch(row["year"]):
            raise UserError(
                _where(path, line, doc_id), f"year must be a number in ASCII digits (e.g. 2024), not {row['year']!r}"
            )
    return first_line


def _check_links(path: Path, rows: list[dict[str, str]], lines: list[int], first_line: dict[str, int]) -> None:
    """The links between rows: to a listed document other than itself, parent and previous not one
    document (its comparison would be made twice), no cycle, previous earlier, parent higher."""
    by_id = {row["doc_id"]: row for row in rows}
    for row, line in zip(rows, lines):
        where = _where(path, line, row["doc_id"])
        for link in ("parent", "previous", "duplicate_of"):
            target = row[link]
            if target and target not in by_id:
                raise UserError(where, f"unknown {link} {target!r}")
            if target == row["doc_id"]:
                raise UserError(where, f"{link} is the document itself")
        if row["parent"] and row["parent"] == row["previous"]:
            raise UserError(
                where, f"parent and previous are both {row['parent']!r}: a plan is one or the other of them"
            )
    for link in ("parent", "previous"):
        if found := _first_cycle([row["doc_id"] for row in rows], {row["doc_id"]: row[link] for row in rows}):
            start, cycle = found
            raise UserError(_where(path, first_line[start], start), f"{link} links form a cycle: {' → '.join(cycle)}")
    for row, line in zip(rows, lines):
        where = _where(path, line, row["doc_id"])
        if row["previous"] and int(by_id[row["previous"]]["year"]) >= int(row["year"]):
            raise UserError(where, f"previous {row['previous']!r} is not from an earlier year")
        if row["parent"] and LEVEL_RANK[by_id[row["parent"]]["level"]] >= LEVEL_RANK[row["level"]]:
            raise UserError(where, f"parent {row['parent']!r} is not a higher level than {row['level']}")


def _read_rows(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """The manifest's rows as strings, and the physical line each row starts on (blank lines
    are skipped but counted)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            records, lines, line = [], [], reader.line_num
            for record in reader:
                start, line = line + 1, reader.line_num
                if not record:
                    continue  # a blank line
                if len(record) > len(header):
                    raise UserError(_where(path, start), f"{len(record)} fields, but the header names {len(header)}")
                records.append(record + [""] * (len(header) - len(record)))
                lines.append(start)
    except FileNotFoundError:
        raise UserError(path, "manifest not found") from None
    except IsADirectoryError:
        raise UserError(path, "the manifest is a folder, not a file") from None
    except (csv.Error, UnicodeDecodeError, OSError) as exc:
        raise UserError(path, f"not a readable CSV manifest ({exc})") from None
    if not header:
        raise UserError(path, "not a readable CSV manifest (the file is empty)")
    header = [name.strip() for name in header]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise UserError(path, f"duplicate column(s): {', '.join(duplicated)}")
    return pd.DataFrame(records, columns=header, dtype=str), lines


def _resolved(folder: Path, files: list[str]) -> list[str]:
    """Each file's absolute path with symbolic links resolved; the folder is resolved once (a
    plain name in it that is no link needs nothing more)."""
    base = folder.resolve()
    return [
        str(base / f) if "/" not in f and "\\" not in f and not (base / f).is_symlink() else str((folder / f).resolve())
        for f in files
    ]


def _file_problem(folder: Path, file: str) -> str | None:
    """Why a manifest's ``file`` cannot be read as a document; None if it is a regular file.

    A relative name is taken from the manifest's folder; an absolute one anywhere, if it is a
    regular file (a file without tasks is then refused when it is parsed)."""
    if not file:
        return "file not found: (empty)"
    try:
        mode = os.stat(folder / file).st_mode
    except FileNotFoundError:
        return f"file not found: {file}"
    except OSError as exc:
        return f"cannot read the file {file} ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return f"{file} is a folder, not a file"
    if not stat.S_ISREG(mode):
        return f"{file} is not a regular file (a device, FIFO or socket)"
    return None


def comparisons(manifest: pd.DataFrame, exclude: AbstractSet[str] = frozenset()) -> pd.DataFrame:
    """Every comparison the links imply: ``year`` (previous → doc) and ``level`` (parent → doc)."""
    rows = []
    for row in records(manifest):
        if row["doc_id"] in exclude:
            continue
        for kind, link in (("year", "previous"), ("level", "parent")):
            source = row[link]
            if source and source not in exclude:
                rows.append(
                    {
                        "comparison_id": f"{source}__{row['doc_id']}",
                        "kind": kind,
                        "source_doc": source,
                        "target_doc": row["doc_id"],
                    }
                )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
