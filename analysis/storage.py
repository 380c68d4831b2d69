"""Atomic writes: every output goes to a temporary file beside its target, then is renamed.

A reader never sees a half-written table, and an interrupted build leaves the previous
output in place. Curated input tables (lexicon, annotations) are read through
:func:`read_checked_csv`, which names the file and the problem when one is missing or malformed.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from analysis.errors import UserError


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    except OSError as exc:
        raise UserError(target.parent, f"cannot write here ({exc.strerror})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def read_checked_csv(path: Path | str, required: list[str], what: str) -> pd.DataFrame:
    """A CSV of strings (empty cells as ``""``) that must hold the ``required`` columns."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise UserError(path, f"{what} not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(path, f"not a readable CSV {what} ({exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise UserError(path, f"missing column(s): {', '.join(missing)}")
    return frame


def write_text(target: Path | str, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: Path | str, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_csv(frame: pd.DataFrame, target: Path | str) -> None:
    """CSV in UTF-8 with a header, ``\\n`` line ends, no index: byte-identical for equal frames."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def write_parquet(frame: pd.DataFrame, target: Path | str) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> None:
    """Write ``name.csv`` and ``name.parquet`` into ``folder``."""
    write_csv(frame, folder / f"{name}.csv")
    write_parquet(frame, folder / f"{name}.parquet")


def read_table(name: str, folder: Path | str) -> pd.DataFrame:
    """Read a processed table (Parquet keeps the column types); a clear error if it was never built."""
    path = Path(folder) / f"{name}.parquet"
    if not path.is_file():
        raise UserError(path, "table not built yet: run `make data` (or `python -m analysis build`)")
    return pd.read_parquet(path)
