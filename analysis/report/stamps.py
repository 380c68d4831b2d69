"""What a report page depends on: the fingerprint of its inputs and the fingerprint of its page.

- **Inputs**: what running its notebook reads — the notebook, its parameters, the package's code
  (:func:`analysis.cache.code_fingerprint`, report templates, assets and messages included), the
  settings the build recorded, and the tables' rows it reads. A comparison page (a kind with
  parameters: ``year``, ``level``) reads its comparison's rows of the comparison tables and its two
  plans' rows of ``documents``, ``tasks`` and ``targets``; a corpus page (overview, escalation,
  method) reads every table. A notebook of a comparison kind must read nothing else: a report
  reading the corpus is a kind without parameters.
- **Page**: the inputs, plus what surrounds the notebook's output — the links to the related
  reports (a plan added gives its neighbours a new link) and how the shared files are reached.

A page whose page fingerprint is unchanged is not touched; one whose inputs are unchanged but not
its page is rendered again from the executed notebook kept beside it, without a kernel; the others
run. Adding a plan to a corpus of hundreds of comparisons then runs its own comparisons' pages and
the corpus pages, not every page.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from analysis import __version__, cache, storage
from analysis.report import i18n
from analysis.report.jobs import REPORT_KINDS, ReportJob
from analysis.report.site import report_links

CODE_FILES = ("report/templates/**/*", "report/assets/*", "report/messages/*")
PLAN_TABLES = ("documents", "tasks", "targets")
COMPARISON_TABLES = (
    "alignments",
    "alignment_clauses",
    "near_misses",
    "coverage_tasks",
    "coverage",
    "coverage_indicators",
)
_SEPARATOR = "."


def page_stamp(inputs: str, page: str) -> str:
    """The fingerprint a page carries: its inputs' and its page's."""
    return f"{inputs}{_SEPARATOR}{page}"


def inputs_of(stamp: str) -> str:
    """The inputs' fingerprint of a page's fingerprint (:func:`page_stamp`)."""
    return stamp.split(_SEPARATOR, 1)[0]


class PageInputs:
    """The fingerprints of the pages of one run, all reading one table set (``snapshot``)."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = Path(snapshot)
        self.code = cache.code_fingerprint(*CODE_FILES)
        record = self.snapshot / storage.BUILD_RECORD
        settings = json.loads(record.read_text(encoding="utf-8")).get("settings", {}) if record.is_file() else {}
        self.settings = json.dumps(settings, sort_keys=True)
        self._corpus: str | None = None
        self._tables: dict[str, tuple[pd.DataFrame, dict]] = {}

    def _corpus_digest(self) -> str:
        if self._corpus is None:
            digest = hashlib.sha256()
            for path in sorted(self.snapshot.glob("*.parquet")):
                digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
            self._corpus = digest.hexdigest()
        return self._corpus

    def _rows(self, name: str, column: str, value: str) -> bytes:
        """The digest of the rows of table ``name`` whose ``column`` holds ``value``."""
        if name not in self._tables:
            frame = storage.read_table(name, self.snapshot)
            self._tables[name] = (frame, frame.groupby(column, sort=False).indices)
        frame, groups = self._tables[name]
        return cache.frame_digest(frame.iloc[groups.get(value, [])])

    def inputs(self, job: ReportJob) -> str:
        """The fingerprint of everything running ``job``'s notebook reads."""
        digest = hashlib.sha256(json.dumps([job.report_id, job.parameters, __version__, self.code]).encode())
        digest.update(job.notebook.read_bytes() if job.notebook.is_file() else b"(missing)")
        digest.update(self.settings.encode())
        names = REPORT_KINDS[job.kind].parameter_names if job.kind in REPORT_KINDS else ()
        if not names:
            digest.update(self._corpus_digest().encode())
            return digest.hexdigest()
        source, target = (job.parameters[n] for n in names)
        for doc_id in (source, target):
            for name in PLAN_TABLES:
                digest.update(self._rows(name, "doc_id", doc_id))
        for name in COMPARISON_TABLES:
            digest.update(self._rows(name, "comparison_id", f"{source}__{target}"))
        return digest.hexdigest()

    def page(self, job: ReportJob, jobs: list[ReportJob], lang: str) -> str:
        """The fingerprint of what the page shows around its notebook's output."""
        return hashlib.sha256(report_links(job, jobs, i18n.Messages(lang)).encode()).hexdigest()
