"""Ingestion throughput: the bundled plans written as Word, PDF and web pages, read back by
:func:`analysis.parse.formats.extract` (PDF pages per second, Word and HTML files per second)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from analysis.corpus.manifest import load_manifest
from analysis.parse.formats import extract
from analysis.settings import MANIFEST_PATH
from benchmarks.formats import plan_in_every_format


def ingest_case(repeats: int, manifest: Path | str = MANIFEST_PATH) -> dict:
    """Each text plan of the manifest in every format, extracted ``repeats`` times per format."""
    listed = load_manifest(manifest)
    with tempfile.TemporaryDirectory() as folder:
        files = [
            plan_in_every_format(Path(path), Path(folder)) for path in listed["file_path"] if path.endswith(".txt")
        ]
        results: dict = {"plans": len(files)}
        for fmt in ("txt", "docx", "pdf", "html"):
            extract(files[0][fmt])  # warm imports
            started, pages = time.perf_counter(), 0
            for _ in range(repeats):
                for plan in files:
                    pages += max(1, len(extract(plan[fmt]).page_starts))
            seconds = time.perf_counter() - started
            done = repeats * len(files)
            results[fmt] = {"files": done, "seconds": round(seconds, 3), "files_per_second": round(done / seconds, 1)}
            if fmt == "pdf":
                results[fmt].update(pages=pages, pages_per_second=round(pages / seconds, 1))
    return results
