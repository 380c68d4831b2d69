"""The manifest: which documents the suite compares, and how they are linked.

``data/raw/manifest.csv`` declares each document (file, title, issuer, region, level, year) and
its links: ``parent`` (the higher-level plan it implements) and ``previous`` (the same issuer's
plan of an earlier year). Every comparison the suite makes is derived from these links.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import UserError
from analysis.schema import LEVEL_RANK
from analysis.settings import MANIFEST_PATH

MANIFEST_COLUMNS = ["doc_id", "file", "title", "issuer", "region", "level", "year", "parent", "previous", "doc_number", "date",
                    "duplicate_of"]  # optional: the doc id of the plan this file is a (damaged) copy of
REQUIRED_COLUMNS = ["doc_id", "file", "region", "level", "year", "parent", "previous"]
COMPARISON_COLUMNS = ["comparison_id", "kind", "source_doc", "target_doc"]


def _where(path: Path, line: int, doc_id: str = "") -> str:
    return f"{path} line {line}" + (f" ({doc_id})" if doc_id else "")


def _follow(links: dict[str, str], start: str) -> list[str] | None:
    """The chain of links from ``start``; None if it ends, the cycle if it loops."""
    chain = [start]
    while (step := links.get(chain[-1], "")):
        if step in chain:
            return chain[chain.index(step):] + [step]
        chain.append(step)
    return None


def load_manifest(path: Path | str = MANIFEST_PATH) -> pd.DataFrame:
    """Read and validate the manifest; raise :class:`UserError` naming the offending row."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(path, "manifest not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(path, f"not a readable CSV manifest ({exc})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise UserError(path, f"missing column(s): {', '.join(missing)}")
    for column in MANIFEST_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.apply(lambda col: col.str.strip())
    first_line: dict[str, int] = {}
    for index, row in frame.iterrows():
        line = int(index) + 2  # header is line 1
        doc_id = row["doc_id"]
        if not doc_id:
            raise UserError(_where(path, line), "empty doc_id")
        if doc_id in first_line:
            raise UserError(_where(path, line, doc_id), f"duplicate doc_id (first on line {first_line[doc_id]})")
        first_line[doc_id] = line
        if not row["file"] or not (path.parent / row["file"]).is_file():
            raise UserError(_where(path, line, doc_id), f"file not found: {row['file'] or '(empty)'}")
        if row["level"] not in LEVEL_RANK:
            raise UserError(_where(path, line, doc_id), f"unknown level {row['level']!r} (use one of {', '.join(LEVEL_RANK)})")
        if not row["year"].isdigit():
            raise UserError(_where(path, line, doc_id), f"year must be a number, not {row['year']!r}")
    by_id = frame.set_index("doc_id")
    for index, row in frame.iterrows():
        where = _where(path, int(index) + 2, row["doc_id"])
        for link in ("parent", "previous", "duplicate_of"):
            target = row[link]
            if target and target not in by_id.index:
                raise UserError(where, f"unknown {link} {target!r}")
            if target == row["doc_id"]:
                raise UserError(where, f"{link} is the document itself")
    for link in ("parent", "previous"):
        links = dict(zip(frame["doc_id"], frame[link]))
        for index, doc_id in frame["doc_id"].items():
            cycle = _follow(links, doc_id)
            if cycle:
                raise UserError(_where(path, int(index) + 2, doc_id), f"{link} links form a cycle: {' → '.join(cycle)}")
    for index, row in frame.iterrows():
        where = _where(path, int(index) + 2, row["doc_id"])
        if row["previous"] and int(by_id.at[row["previous"], "year"]) >= int(row["year"]):
            raise UserError(where, f"previous {row['previous']!r} is not from an earlier year")
        if row["parent"] and LEVEL_RANK[by_id.at[row["parent"], "level"]] >= LEVEL_RANK[row["level"]]:
            raise UserError(where, f"parent {row['parent']!r} is not a higher level than {row['level']}")
    frame["year"] = frame["year"].astype(int)
    frame["path"] = [str((path.parent / f).resolve()) for f in frame["file"]]
    return frame[MANIFEST_COLUMNS + ["path"]]


def comparisons(manifest: pd.DataFrame, exclude: set[str] = frozenset()) -> pd.DataFrame:
    """Every comparison the links imply: ``year`` (previous → doc) and ``level`` (parent → doc)."""
    rows = []
    for _, row in manifest.iterrows():
        if row["doc_id"] in exclude:
            continue
        for kind, link in (("year", "previous"), ("level", "parent")):
            source = row[link]
            if source and source not in exclude:
                rows.append({"comparison_id": f"{source}__{row['doc_id']}", "kind": kind,
                             "source_doc": source, "target_doc": row["doc_id"]})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
