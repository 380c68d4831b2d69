"""Atomic writes: every output goes to a temporary file beside its target, then is renamed.

A reader never sees a half-written table, and an interrupted build leaves the previous
output in place. Curated input tables (lexicon, annotations) are read through
:func:`read_checked_csv`, which names the file and the problem when one is missing or malformed.

The processed tables are one unit (:func:`table_set`): a build writes them all, with its
``build.json``, into a staging folder beside the output, renames that to ``tables-<build id>``
and then switches the symlink ``current`` to it with one rename. Killed at any moment, the
folder holds the previous complete set or the new one, never a mix. ``<out>/<name>.csv`` and
``.parquet`` are symlinks through ``current`` (so paths such as ``data/processed/tasks.csv`` keep
working), and :func:`read_table` reads through ``current`` too. A lock (``<out>/.lock``) keeps a
second build from writing into the same folder at the same time: it is refused at once.

Every CSV written for people (:func:`write_csv`, the review queue, the command line's output) is
spreadsheet-safe: a text cell that Excel or WPS would run as a formula gets a leading ``'``
(:func:`escape_formula`); Parquet keeps the raw text, and a reader of a file a person edited undoes
it (:func:`unescape_formula`). The report's CSV downloads apply the same rule in
``analysis/report/assets/report.js``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on POSIX: no lock between concurrent builds
    fcntl = None  # type: ignore[assignment]

import pandas as pd

from analysis import csv_text
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


# Errors of a write that cannot succeed however often it is tried: a full disk or quota, a read-only folder.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
LEFTOVERS = ".*.tmp*"  # the temporary files of atomic_path (and of a report's notebook run)


def remove_leftovers(folder: Path | str) -> None:
    """Remove the temporary files a killed writer left in ``folder`` (call it holding the folder's
    :func:`build_lock`: a live writer's files look the same)."""
    for path in Path(folder).glob(LEFTOVERS):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)


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


# OWASP's CSV injection rule: a cell starting with =, +, -, @, TAB or CR is read by a spreadsheet as
# a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``@SUM(…)``); a plain number is not. Leading
# ``'`` are looked through, so that an escaped cell (and a text that began with ``'=``) reads back.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_QUOTED_NUMBER = re.compile(r"'*[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?")


def _formula_like(text: str) -> bool:
    return bool(_FORMULA.match(text)) and not _QUOTED_NUMBER.fullmatch(text)


def escape_formula(value):
    """A cell as a spreadsheet shows it as text: ``'`` before a text starting with ``=``, ``+``,
    ``-``, ``@``, TAB or CR (or ``'`` and one of them); numbers, and text that is a plain number
    (``-5``, ``+3.5%``), unchanged. Anything not a string is returned as it is."""
    return "'" + value if isinstance(value, str) and _formula_like(value) else value


def unescape_formula(text: str) -> str:
    """A cell read back from a CSV written with :func:`escape_formula`: as it was before."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


_CARRIAGE_RETURN = re.compile(r"\r\n?")


def _csv_cell(value):
    """A cell as :func:`to_spreadsheet_csv` writes it: a CR written as a line break (the csv module
    leaves a cell holding a bare CR unquoted, and a reader starts a new row there: a row of the
    cell's text, unescaped), then through :func:`escape_formula`."""
    return escape_formula(_CARRIAGE_RETURN.sub("\n", value)) if isinstance(value, str) else value


def _csv_column(column: pd.Series) -> pd.Series:
    """:func:`_csv_cell` over a column (by regular expressions over the whole column when it holds
    text only: a table of a million cells is not a million Python calls)."""
    textual = isinstance(column.dtype, pd.StringDtype) or pd.api.types.infer_dtype(column) in ("string", "empty")
    if not textual:
        return column.map(_csv_cell)
    if column.str.contains("\r", regex=True, na=False).any():  # (scanning is cheaper than replacing)
        column = column.str.replace(_CARRIAGE_RETURN.pattern, "\n", regex=True)
    risky = column.str.match(_FORMULA.pattern, na=False).astype(bool)
    if not risky.any():
        return column
    risky &= ~column.str.fullmatch(_QUOTED_NUMBER.pattern, na=False).astype(bool)
    return column.mask(risky, "'" + column)


def _spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell through :func:`_csv_cell` (numbers untouched)."""
    text = [name for name, dtype in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
    return frame.assign(**{str(name): _csv_column(frame[name]) for name in text})


def to_spreadsheet_csv(frame: pd.DataFrame, target, encoding: str = "utf-8") -> None:
    """``frame`` as CSV for people (no index, ``\\n`` line ends) into a path or a stream, every text
    cell spreadsheet-safe (:func:`_csv_cell`)."""
    _spreadsheet_safe(frame).to_csv(target, index=False, encoding=encoding, lineterminator="\n")


def csv_bytes(frame: pd.DataFrame, header: bool = True) -> bytes:
    """``frame`` as :func:`write_csv` writes it (``header=False``: its rows alone). A row's bytes
    depend on its values and the columns' dtypes only, never on the other rows. The bytes are
    pandas' ``to_csv``; the rows are made by :func:`analysis.csv_text.csv_rows` where it can."""
    safe = _spreadsheet_safe(frame)
    rows = csv_text.csv_rows(safe)
    if rows is None:
        return safe.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")
    return (safe.iloc[:0].to_csv(index=False, lineterminator="\n").encode("utf-8") if header else b"") + rows


def write_csv(frame: pd.DataFrame, target: Path | str) -> None:
    """Spreadsheet-safe CSV in UTF-8 with a header, ``\\n`` line ends, no index: byte-identical
    for equal frames."""
    write_bytes(target, csv_bytes(frame))


def write_parquet(frame: pd.DataFrame, target: Path | str) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> None:
    """Write ``name.csv`` and ``name.parquet`` into ``folder``."""
    write_csv(frame, folder / f"{name}.csv")
    write_parquet(frame, folder / f"{name}.parquet")


def read_table(name: str, folder: Path | str) -> pd.DataFrame:
    """Read a processed table (Parquet keeps the column types); a clear error if it was never built.

    Reads from the current table set of ``folder`` (see :func:`table_folder`); a reader that reads
    several tables and must see one build resolves :func:`table_folder` once and reads from it.
    """
    path = table_folder(folder) / f"{name}.parquet"
    if not path.is_file():
        raise UserError(path, "table not built yet: run `make data` (or `python -m analysis build`)")
    with _damaged_table(path):
        return pd.read_parquet(path)


def check_tables(folder: Path | str) -> None:
    """Refuse a table set holding a damaged Parquet file (its footer unreadable), naming it: one
    line before a batch of readers each fails on it."""
    import pyarrow.parquet as pq

    for path in sorted(table_folder(folder).glob("*.parquet")):
        with _damaged_table(path):
            pq.read_metadata(path)


@contextlib.contextmanager
def _damaged_table(path: Path) -> Iterator[None]:
    import pyarrow as pa

    try:
        yield
    except (OSError, ValueError, pa.ArrowException) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise UserError(
            path, f"the table is damaged ({reason}): rebuild it with `make data` (or `python -m analysis build`)"
        ) from None


# --- the processed tables as one unit ----------------------------------------------------------

CURRENT = "current"
BUILD_RECORD = "build.json"
LOCK_NAME = ".lock"
_SET_PREFIX = "tables-"
_STAGING_PREFIX = ".staging-"
_LINK_PREFIX = ".current.tmp-"


def table_folder(folder: Path | str) -> Path:
    """The folder of the current table set: ``<folder>/tables-<id>`` that ``<folder>/current``
    points to, or ``folder`` itself when it holds tables written before table sets (flat files)."""
    folder = Path(folder)
    current = folder / CURRENT
    if current.is_symlink():
        return folder / os.readlink(current)
    return folder


@contextlib.contextmanager
def build_lock(folder: Path | str) -> Iterator[None]:
    """Hold ``<folder>/.lock`` for the duration; another holder gets a :class:`UserError` at once."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UserError(folder, f"cannot write here ({exc.strerror})") from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                raise UserError(folder, f"another build is writing here (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@dataclass(frozen=True)
class StagedSet:
    """A table set being written: its staging folder and the id it will be known by."""

    folder: Path
    build_id: str


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_symlink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` with one rename (a reader sees the old link or the new one)."""
    tmp = link.parent / f"{_LINK_PREFIX}{os.getpid()}-{link.name}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


@contextlib.contextmanager
def table_set(folder: Path | str) -> Iterator[StagedSet]:
    """Write a complete set of tables into ``folder`` as one unit.

    Holds the folder's lock, removes what an interrupted build left (staging folders, temporary
    links), and yields a staging folder to write every table (and the build record) into. On
    success the set is renamed to ``tables-<build id>`` and ``current`` switched to it with one
    rename; then the flat links are made and sets older than the previous one removed. On any
    exception the staging folder is removed and the current set stays as it was.
    """
    folder = Path(folder)
    created = not folder.exists()
    try:
        with build_lock(folder):
            yield from _write_set(folder)
    except BaseException:
        if created:  # a first build that failed leaves no folder behind
            with contextlib.suppress(OSError):
                (folder / LOCK_NAME).unlink(missing_ok=True)
                folder.rmdir()
        raise


def _write_set(folder: Path) -> Iterator[StagedSet]:
    """:func:`table_set` with the lock held."""
    for leftover in [*folder.glob(f"{_STAGING_PREFIX}*"), *folder.glob(f"{_LINK_PREFIX}*")]:
        _remove(leftover)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    staged = StagedSet(folder / f"{_STAGING_PREFIX}{os.getpid()}", f"{stamp}-{os.getpid()}")
    try:
        staged.folder.mkdir()
    except OSError as exc:
        raise UserError(folder, f"cannot write here ({exc.strerror})") from None
    try:
        yield staged
        for path in staged.folder.iterdir():
            _fsync(path)
        _fsync(staged.folder)
        final = folder / f"{_SET_PREFIX}{staged.build_id}"
        os.rename(staged.folder, final)
    except BaseException:
        _remove(staged.folder)
        raise
    previous = table_folder(folder)
    _replace_symlink(folder / CURRENT, final.name)  # the commit point
    _fsync(folder)
    _link_flat_names(folder, final)
    keep = {final.name, previous.name}
    for old in folder.glob(f"{_SET_PREFIX}*"):
        if old.name not in keep and old.is_dir() and not old.is_symlink():
            _remove(old)


def _link_flat_names(folder: Path, current_set: Path) -> None:
    """``<folder>/<file>`` → ``current/<file>`` for each file of the set; links to files the set
    no longer has are removed (tables written before table sets are replaced by links)."""
    names = {p.name for p in current_set.iterdir()}
    for name in names:
        link = folder / name
        target = f"{CURRENT}/{name}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_dir() and not link.is_symlink():
            continue  # not ours
        _replace_symlink(link, target)
    for link in folder.iterdir():
        if (
            link.is_symlink()
            and link.name != CURRENT
            and os.readlink(link).startswith(f"{CURRENT}/")
            and link.name not in names
        ):
            link.unlink(missing_ok=True)
