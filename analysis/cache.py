"""A content-keyed cache of computed pieces (a parsed plan, a comparison's model tables …).

An entry is stored under the key of everything it was computed from (:func:`content_key`: the
input file's hash, the settings, the package's version and :func:`code_fingerprint`), so an entry
found is an entry that is still right: nothing is ever invalidated, a change of input, setting or
code simply asks for another key. A developer changing the code without bumping the version gets
new keys too, since every key holds the fingerprint of the package's code and lexicon files.

Entries are files ``<folder>/<key[:2]>/<key>``: a header, the SHA-256 of the payload, the payload
(a pickle). Each is written atomically (:func:`analysis.storage.write_bytes`); one whose header or
checksum does not match (a damaged or truncated file) is deleted and reported as missing, so it is
recomputed, never trusted. The cache is bounded: :meth:`EntryCache.prune` removes the least
recently used entries (an entry read or written is used) until the folder holds at most
``max_bytes``. Its owner (the build, under the build lock) is the only writer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from analysis import __version__, storage

PACKAGE_DIR = Path(__file__).resolve().parent
_MAGIC = b"workplan-cache-1\n"
_DIGEST_BYTES = 32
T = TypeVar("T")


def code_fingerprint(*extra: str) -> str:
    """SHA-256 of the package's Python files and lexicon files (names and bytes), and of the files
    matching the ``extra`` glob patterns (relative to the package, e.g. ``"report/templates/*"``):
    what a result computed by this code depends on besides its inputs and settings."""
    digest = hashlib.sha256(__version__.encode())
    patterns = ("**/*.py", "lexicon/*", *extra)
    files = sorted({p for pattern in patterns for p in PACKAGE_DIR.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def content_key(*parts: Any) -> str:
    """A key for what ``parts`` (JSON-ready values: hashes, settings dicts, ids) determine."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def frame_digest(frame: pd.DataFrame) -> bytes:
    """SHA-256 of a frame's columns, dtypes and values (row by row, the index left out): what a
    piece computed from a table is keyed by."""
    digest = hashlib.sha256(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.digest()


def dumps(value: Any) -> bytes:
    """An entry's bytes: header, checksum, pickle (made where the value is computed, e.g. a worker)."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _payload(data: bytes) -> bytes:
    """An entry's pickle; ``ValueError`` unless its header and checksum match (damaged, truncated)."""
    head = len(_MAGIC)
    payload = data[head + _DIGEST_BYTES :]
    if data[:head] != _MAGIC or hashlib.sha256(payload).digest() != data[head : head + _DIGEST_BYTES]:
        raise ValueError("damaged cache entry")
    return payload


def loads(data: bytes) -> Any:
    """The value of an entry's bytes; ``ValueError`` if they are damaged."""
    return pickle.loads(_payload(data))


class EntryCache:
    """The entries of one folder (``<out>/.cache/entries``); ``enabled=False``: a cache that holds
    nothing (every piece is computed, nothing is written)."""

    def __init__(self, folder: Path | str, max_bytes: int, enabled: bool = True) -> None:
        self.folder, self.max_bytes, self.enabled = Path(folder), max_bytes, enabled
        self.hits = self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str, kind: type[T]) -> T | None:
        """The value of type ``kind`` stored under ``key``, or None: missing, or damaged (then
        removed: recomputed, never trusted)."""
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            value = loads(path.read_bytes())
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # damaged, or a pickle of classes changed since
            value = None
        if not isinstance(value, kind):
            path.unlink(missing_ok=True)
            self.misses += 1
            return None
        self.hits += 1
        _touch(path)
        return value

    def made(self, key: str, kind: type[T], make: Callable[[], T]) -> T:
        """The value stored under ``key``, else ``make()``, stored."""
        found = self.get(key, kind)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def storing(self, keys: list[str]) -> Callable[[int, Any], Any]:
        """A ``received`` of :meth:`analysis.corpus.scheduler.Session.map`: each result stored
        under its call's key as it arrives (while the other calls run, not all after the last)."""

        def stored(position: int, value: Any) -> Any:
            self.put(keys[position], value)
            return value

        return stored

    def has(self, key: str) -> bool:
        return self.enabled and self._path(key).is_file()

    def put(self, key: str, value: Any) -> None:
        if self.enabled:  # a cache that holds nothing pickles nothing
            self.put_bytes(key, dumps(value))

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store an entry made by :func:`dumps` (on a worker, say)."""
        if self.enabled:
            storage.write_bytes(self._path(key), data)

    def size_bytes(self) -> int:
        return sum(size for _, _, size in _entries(self.folder))

    def prune(self) -> int:
        """Remove the least recently used entries until the folder holds at most ``max_bytes``;
        the bytes removed."""
        if not self.enabled:
            return 0
        entries = sorted(_entries(self.folder), key=lambda entry: entry[1])
        total, removed = sum(size for _, _, size in entries), 0
        for path, _, size in entries:
            if total - removed <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            removed += size
        return removed


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only cache still serves
        os.utime(path)


def _entries(folder: Path) -> list[tuple[Path, int, int]]:
    """(path, last use in ns, size) of every entry file under ``folder``."""
    found: list[tuple[Path, int, int]] = []
    if not folder.is_dir():
        return found
    for shard in os.scandir(folder):
        if not shard.is_dir():
            continue
        for entry in os.scandir(shard.path):
            if entry.is_file() and not entry.name.startswith("."):
                stat = entry.stat()
                found.append((Path(entry.path), stat.st_mtime_ns, stat.st_size))
    return found
