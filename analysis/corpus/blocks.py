"""Processed tables as blocks of rows, one block per item, reused from the previous table set.

A table such as ``tasks`` or ``alignments`` is a sequence of blocks: the rows of one item (a
document's tasks, a comparison's alignments), items in the build's order, every row naming its
item in the table's item column (``doc_id``, ``comparison_id``). Each item has a key: the content
key of everything its rows are made of (:mod:`analysis.cache`). For the table set it writes, a
build records each such table's items, their keys and the bytes of each item's rows in the CSV
(:class:`TableIndex`, one JSON file per set in ``<out>/.cache/sets/``). The next build takes the
rows of every item whose key is unchanged from that set — from its Parquet file (read ahead on a
thread, beside the build's first stages, when the set was written by the same code), and its CSV
bytes copied as they are — and makes and formats only the others: a table of 140,000 rows gaining one
comparison costs a read of its Parquet file and a copy of its CSV, not 140,000 rows formatted
again. A CSV row's bytes depend only on its values and the columns' dtypes
(:func:`analysis.storage.csv_bytes`), so the copy is taken only when the header and every dtype
are unchanged; and the previous set's files are used only while their size and modification time
are those recorded (a file edited since is not trusted: its items are made again).
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import storage

INDEX_FORMAT = 1


@dataclass(frozen=True)
class TableIndex:
    """What a table set holds of one blocked table: its items in order, their keys, the bytes of
    each item's rows in the CSV after its header, the columns' dtypes, and the files' size and
    modification time (ns) when written."""

    item_column: str
    items: list[str]
    keys: list[str]
    csv_sizes: list[int]
    header: str
    dtypes: dict[str, str]
    files: dict[str, list[int]]

    def key_of(self) -> dict[str, str]:
        return dict(zip(self.items, self.keys))

    def intact(self, folder: Path, name: str) -> bool:
        """Whether ``folder``'s files of this table are still those written (size, mtime)."""
        for suffix, (size, mtime) in self.files.items():
            try:
                stat = (folder / f"{name}.{suffix}").stat()
            except OSError:
                return False
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                return False
        return True


@dataclass(frozen=True)
class PreviousSet:
    """The current table set of an output folder, as the next build reuses it: its folder, the
    index of each blocked table whose files are intact, and the code fingerprint of the build that
    wrote it (:func:`analysis.cache.code_fingerprint`)."""

    folder: Path
    build_id: str
    tables: dict[str, TableIndex]
    code: str = ""
    _reading: dict[str, Future] = field(default_factory=dict, compare=False, repr=False)

    def read_ahead(self, names: Sequence[str]) -> None:
        """Start reading the Parquet files of the tables ``names`` (in that order) on a thread, for
        :meth:`rows` to take: Arrow's reader leaves the interpreter free for the build meanwhile."""
        reader = ThreadPoolExecutor(max_workers=1)
        for name in names:
            if name in self.tables and name not in self._reading:
                self._reading[name] = reader.submit(pd.read_parquet, self.folder / f"{name}.parquet")
        reader.shutdown(wait=False)

    def forget(self, names: Iterable[str]) -> None:
        """Drop what :meth:`read_ahead` read of the tables ``names`` (none of their rows is taken)."""
        for name in names:
            reading = self._reading.pop(name, None)
            if reading is not None:
                reading.cancel()

    def reusable(self, names: Sequence[str], items: Sequence[str], keys: Sequence[str]) -> set[str]:
        """The items whose rows every table of ``names`` can take from this set: the same key in
        each (tables made together, such as a comparison's, are reused together or not at all)."""
        indexes = [self.tables.get(name) for name in names]
        if not items or any(index is None for index in indexes):
            return set()
        recorded = [index.key_of() for index in indexes if index is not None]
        return {item for item, key in zip(items, keys) if all(known.get(item) == key for known in recorded)}

    def rows(self, name: str, item_column: str, items: Iterable[str]) -> pd.DataFrame:
        """The rows of ``items`` in the set's table ``name``, in the set's order."""
        reading = self._reading.pop(name, None)
        frame = reading.result() if reading is not None else pd.read_parquet(self.folder / f"{name}.parquet")
        wanted = set(items)
        if wanted >= set(self.tables[name].items):  # all of them (a plan added): no selection to make
            return frame
        return frame[frame[item_column].isin(list(wanted)).to_numpy()]


def index_path(cache_folder: Path, build_id: str) -> Path:
    return Path(cache_folder) / "sets" / f"{build_id}.json"


def read_previous(out_dir: Path, cache_folder: Path) -> PreviousSet | None:
    """The current set of ``out_dir`` with its index (None: no set, or no index for it)."""
    folder = storage.table_folder(out_dir)
    try:
        build_id = json.loads((folder / storage.BUILD_RECORD).read_text(encoding="utf-8"))["build_id"]
        recorded = json.loads(index_path(cache_folder, build_id).read_text(encoding="utf-8"))
        if recorded.get("format") != INDEX_FORMAT:
            return None
        tables = {name: TableIndex(**fields) for name, fields in recorded["tables"].items()}
        code = str(recorded.get("code", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    intact = {name: index for name, index in tables.items() if index.intact(folder, name)}
    return PreviousSet(folder, build_id, intact, code)


def write_index(cache_folder: Path, build_id: str, tables: dict[str, TableIndex], code: str) -> None:
    """Record the blocked tables' indexes of the set ``build_id``, written by the code ``code``."""
    record = {"format": INDEX_FORMAT, "code": code, "tables": {name: vars(index) for name, index in tables.items()}}
    storage.write_text(index_path(cache_folder, build_id), json.dumps(record, ensure_ascii=False) + "\n")


def prune_indexes(cache_folder: Path, keep: set[str]) -> None:
    """Remove the indexes of sets other than the build ids ``keep``."""
    for path in (Path(cache_folder) / "sets").glob("*.json"):
        if path.stem not in keep:
            path.unlink(missing_ok=True)


def assemble(
    item_column: str, items: Sequence[str], reused: pd.DataFrame | None, fresh: Sequence[pd.DataFrame]
) -> pd.DataFrame:
    """One table from the ``reused`` rows of some items and the ``fresh`` rows of the others (each
    frame's rows grouped by item, in item order), every item's rows in the order of ``items``."""
    parts = ([reused] if reused is not None and len(reused) else []) + list(fresh)
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    position = pd.Index(items).get_indexer(pd.Index(frame[item_column]))
    if (np.diff(position) >= 0).all():  # already in order (the new items come last)
        return frame
    return frame.take(np.argsort(position, kind="stable")).reset_index(drop=True)


def _item_sizes(rows: bytes, counts: np.ndarray) -> list[int] | None:
    """The bytes of each item's rows in ``rows`` (CSV rows, ``counts`` rows per item in order); None
    when a cell holds a line break (lines are then no rows)."""
    ends = np.flatnonzero(np.frombuffer(rows, dtype=np.uint8) == ord("\n")) + 1
    if len(ends) != int(counts.sum()):
        return None
    bounds = np.concatenate([[0], ends])[np.concatenate([[0], np.cumsum(counts)])]
    return np.diff(bounds).astype(int).tolist()


def _fresh_csv(frame: pd.DataFrame, item_column: str, items: list[str]) -> tuple[bytes, list[int]]:
    """The CSV rows of ``frame`` (rows of ``items``, in order) and the bytes of each item's rows."""
    at = pd.Index(items).get_indexer(pd.Index(frame[item_column]))
    counts = np.bincount(at, minlength=len(items))
    rows = storage.csv_bytes(frame, header=False)
    sizes = _item_sizes(rows, counts)
    if sizes is None:  # a line break inside a cell: item by item
        starts = np.concatenate([[0], np.cumsum(counts)])
        pieces = [storage.csv_bytes(frame.iloc[starts[i] : starts[i + 1]], header=False) for i in range(len(items))]
        rows, sizes = b"".join(pieces), [len(piece) for piece in pieces]
    return rows, sizes


def write_blocked_csv(
    frame: pd.DataFrame,
    folder: Path,
    name: str,
    item_column: str,
    items: list[str],
    keys: list[str],
    previous: PreviousSet | None = None,
    reused: set[str] = frozenset(),  # type: ignore[assignment]
) -> TableIndex:
    """Write ``name.csv`` of a blocked table into ``folder``, the CSV bytes of the ``reused`` items
    copied from ``previous`` when its header and dtypes are this frame's; return the table's index
    for the next build, without its files' stats (:func:`with_files`, once its Parquet file is
    written too)."""
    header = storage.csv_bytes(frame.iloc[:0]).decode("utf-8")
    dtypes = {str(column): str(dtype) for column, dtype in frame.dtypes.items()}
    before = previous.tables.get(name) if previous is not None else None
    if before is None or before.header != header or before.dtypes != dtypes:
        reused = set()
    copied = frame[item_column].isin(list(reused)).to_numpy() if reused else np.zeros(len(frame), dtype=bool)
    made = [item for item in items if item not in reused]
    rows, made_sizes = _fresh_csv(frame[~copied], item_column, made)
    sizes = dict(zip(made, made_sizes))
    with storage.atomic_path(folder / f"{name}.csv") as tmp, tmp.open("wb") as out:
        out.write(header.encode("utf-8"))
        if reused and before is not None and previous is not None:
            with (
                (previous.folder / f"{name}.csv").open("rb") as source,
                mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as old,
            ):
                _write_in_order(out, old, rows, sizes, before, items, reused)
        else:
            out.write(rows)
    return TableIndex(item_column, list(items), list(keys), [sizes[item] for item in items], header, dtypes, {})


def with_files(index: TableIndex, folder: Path, name: str) -> TableIndex:
    """``index`` with the size and modification time of the table's files in ``folder``."""
    files = {suffix: (folder / f"{name}.{suffix}").stat() for suffix in ("csv", "parquet")}
    return replace(index, files={suffix: [stat.st_size, stat.st_mtime_ns] for suffix, stat in files.items()})


def _write_in_order(
    out, old: mmap.mmap, rows: bytes, sizes: dict[str, int], before: TableIndex, items: list[str], reused: set[str]
) -> None:
    """Write every item's rows in order: a reused item's bytes from ``old`` (the previous CSV, as
    ``before`` indexes it), the others' from ``rows`` (their fresh CSV rows, in order, ``sizes``
    bytes each); the reused items' sizes are added to ``sizes``."""
    offset = len(before.header.encode("utf-8"))
    where = {}
    for item, size in zip(before.items, before.csv_sizes):
        where[item] = (offset, size)
        offset += size
    view, fresh_at = memoryview(old), 0
    try:
        for item in items:
            if item in reused:
                start, size = where[item]
                out.write(view[start : start + size])
                sizes[item] = size
            else:
                out.write(rows[fresh_at : fresh_at + sizes[item]])
                fresh_at += sizes[item]
    finally:
        view.release()
