"""The build from cached pieces: a build computes only what is new or changed since the last one.

- **Keys.** A plan's key is the content key (:func:`analysis.cache.content_key`) of its file's
  SHA-256, its doc id and file name, the parse settings and the code fingerprint (the package's
  version, code and lexicon files: :func:`analysis.cache.code_fingerprint`). Its profile (the
  ``documents`` row, shingles and MinHash) adds the duplicate settings, its model targets the
  target settings. A comparison's model key holds its kind, both plans' keys, the alignment
  settings and what the alignment reads of the two plans' corrected targets
  (:func:`analysis.align.indicator_links`).
- **Entries.** Each piece is an entry of :class:`analysis.cache.EntryCache` in
  ``<out>/.cache/entries``: a parsed plan, its profile, its model targets, a comparison's model
  tables with the candidate pairs' columns that applying decisions reads
  (:data:`analysis.review.DECISION_PAIR_COLUMNS`). The reviewer's decisions are applied after the
  cache: recording a decision never makes a comparison again.
- **Rows.** The big tables are assembled in blocks (:mod:`analysis.corpus.blocks`): a plan's
  tasks, its corrected targets, a comparison's reviewed rows in the five comparison tables, each
  block keyed by what it is made of (decisions included). Unchanged blocks are taken from the
  previous table set (its Parquet rows and CSV bytes), the others from the cache or computed. The
  small corpus-wide tables (documents with the near-duplicates, coverage of indicators,
  corrections) are made again in every build, from the profiles and the blocks; the escalation
  table is an entry keyed by the corrected targets, the documents table and the lexicon.
- **Where.** Misses are computed on the build's session (here, or on Dask workers: a new
  comparison's entry comes back as bytes beside its tables); only this process reads and writes
  the cache, so a remote scheduler needs no shared folder.
- **Bounded.** After the build the cache is pruned to ``CacheSettings.max_bytes``, least recently
  used entries first; it is read and written only under the build lock.

Measured on the simulated national corpus (1,233 plans, 1,962 comparisons): see the benchmark's
``incremental`` cases (``make bench``) and the README.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import align, cache, review, schema, storage
from analysis.align import coverage
from analysis.compare import escalation
from analysis.corpus import blocks
from analysis.corpus import scheduler as scheduling
from analysis.corpus.documents import DocumentProfile, document_profile, documents_frame, planned_comparisons
from analysis.corpus.manifest import FILE_PATH
from analysis.evaluate import tables as evaluate
from analysis.parse import structure
from analysis.parse.document import ParsedDocument, parse_document
from analysis.settings import LINK_CONFIDENCE_PATH, BuildSettings, CacheSettings, DuplicateSettings
from analysis.targets import compared_targets, extract, indicators

CACHE_FOLDER = ".cache"
PLANS_PER_PROCESS = 64  # plans a process keeps for its next comparisons (the national benchmark: each made once)
# The blocked tables and the column naming each row's item.
ITEM_COLUMNS = {"tasks": "doc_id", "targets": "doc_id", **dict.fromkeys(align.COMPARISON_TABLES, "comparison_id")}


@contextlib.contextmanager
def timed(timings: dict[str, float] | None, stage: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[stage]`` (when given)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


@dataclass
class BuildCache:
    """A build's cache: the entries, the previous table set's index, the code fingerprint."""

    folder: Path
    entries: cache.EntryCache
    previous: blocks.PreviousSet | None
    code: str

    @classmethod
    @contextlib.contextmanager
    def opened(cls, out_dir: Path, settings: CacheSettings, first: bool = False) -> Iterator[BuildCache]:
        """The cache of ``out_dir`` (hold its build lock); ``first``: the folder's first build,
        whose cache goes with it if it fails (a first build that fails leaves no folder behind)."""
        folder = Path(out_dir) / CACHE_FOLDER
        entries = cache.EntryCache(folder / "entries", settings.max_bytes, settings.enabled)
        previous = blocks.read_previous(Path(out_dir), folder) if settings.enabled else None
        code = cache.code_fingerprint()
        if previous is not None and previous.code == code:  # its rows are likely taken: read them meanwhile
            previous.read_ahead(list(ITEM_COLUMNS))
        try:
            yield cls(folder, entries, previous, code)
        except BaseException:
            if first:
                shutil.rmtree(folder, ignore_errors=True)
            raise

    def reusable(self, names: Sequence[str], items: Sequence[str], keys: Sequence[str]) -> set[str]:
        if self.previous is None:
            return set()
        reused = self.previous.reusable(names, items, keys)
        if not reused:
            self.previous.forget(names)
        return reused

    def previous_rows(self, name: str, items: set[str]) -> pd.DataFrame | None:
        if not items or self.previous is None:
            return None
        return self.previous.rows(name, ITEM_COLUMNS[name], items)

    def finish(self, build_id: str, indexes: dict[str, blocks.TableIndex]) -> None:
        """Record the new set's index and prune: entries to the size limit, indexes of old sets."""
        if not self.entries.enabled:
            return
        blocks.write_index(self.folder, build_id, indexes, self.code)
        keep = {build_id} | ({self.previous.build_id} if self.previous is not None else set())
        blocks.prune_indexes(self.folder, keep)
        self.entries.prune()


def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parsed_plan(row: dict, settings: BuildSettings) -> ParsedDocument:
    """A manifest row's plan, parsed; one without tasks is refused (never a build of 0 tasks)."""
    doc = parse_document(row[FILE_PATH], row["doc_id"], settings.parse)
    structure.require_tasks(doc.tasks, doc.outline, f"{row[FILE_PATH]} ({row['doc_id']})")
    return doc


class Plans:
    """The manifest's plans: their keys, and their parsed documents — from the cache, parsed (on
    the build's session) when missing."""

    def __init__(self, listed: pd.DataFrame, settings: BuildSettings, store: BuildCache, run: scheduling.Session):
        self.listed, self.settings, self.store, self.run = listed, settings, store, run
        self.rows = {str(row["doc_id"]): row for row in listed.to_dict(orient="records")}
        self.order = list(self.rows)
        self.file_sha256 = {doc_id: _sha256(row[FILE_PATH]) for doc_id, row in self.rows.items()}
        # each stage's settings as one key (made once: a build keys thousands of pieces)
        self.settings_key = {stage: cache.content_key(part) for stage, part in settings.as_dict().items()}
        self.key = {
            doc_id: cache.content_key(
                "plan", store.code, self.settings_key["parse"], doc_id, row["file"], self.file_sha256[doc_id]
            )
            for doc_id, row in self.rows.items()
        }
        self._docs: dict[str, ParsedDocument] = {}

    def forget_documents(self) -> None:
        """Drop the parsed documents this process holds (read again, or parsed, if asked for)."""
        self._docs.clear()

    def new(self) -> list[str]:
        """The plans the cache does not hold yet."""
        return [d for d in self.order if not self.store.entries.has(self.key[d])]

    def documents(self, ids: Sequence[str]) -> dict[str, ParsedDocument]:
        """The parsed documents of ``ids``: read from the cache, or parsed."""
        wanted = [d for d in dict.fromkeys(ids) if d not in self._docs]
        read = {d: self.store.entries.get(self.key[d], ParsedDocument) for d in wanted}
        loaded = {d: doc for d, doc in read.items() if doc is not None}
        self.run.share(list(loaded.values()))
        self._docs.update(loaded)
        missing = [d for d in wanted if d not in loaded]
        if missing:
            calls = [(self.rows[d],) for d in missing]
            stored = self.store.entries.storing([self.key[d] for d in missing])
            parsed = self.run.map(parsed_plan, calls, "parse", keep=True, settings=self.settings, received=stored)
            self._docs.update(zip(missing, parsed))
        return {d: self._docs[d] for d in ids}


def _profile_of(doc: ParsedDocument, file_sha256: str, settings: DuplicateSettings) -> DocumentProfile:
    return document_profile(doc, file_sha256, settings)


def profiles(plans: Plans) -> list[DocumentProfile]:
    """Every plan's :class:`DocumentProfile`, in manifest order."""
    settings = plans.settings.duplicates
    entries = plans.store.entries
    keys = {d: cache.content_key("profile", plans.key[d], plans.settings_key["duplicates"]) for d in plans.order}
    found = {d: entries.get(keys[d], DocumentProfile) for d in plans.order}
    missing = [d for d in plans.order if found[d] is None]
    if missing:
        docs = plans.documents(missing)
        calls = [(docs[d], plans.file_sha256[d]) for d in missing]
        stored = entries.storing([keys[d] for d in missing])
        found.update(zip(missing, plans.run.map(_profile_of, calls, "profiles", settings=settings, received=stored)))
    return [profile for profile in found.values() if profile is not None]


def model_targets(doc: ParsedDocument, lexicon: pd.DataFrame, settings: BuildSettings) -> pd.DataFrame:
    """A parsed plan's targets as the model finds them (before the reviewer's decisions)."""
    return extract.targets_table(doc, lexicon, settings.targets)


def _decisions_by(fixes: pd.DataFrame, columns: list[str]) -> dict[tuple, list]:
    """The decisions of a corrections table grouped by ``columns``, each as its cells (no line
    number: moving a row in the file changes no table)."""
    cells = [c for c in fixes.columns if c != "line"]
    grouped: dict[tuple, list] = {}
    for row in fixes[cells].astype(str).itertuples(index=False):
        grouped.setdefault(tuple(getattr(row, c) for c in columns), []).append(list(row))
    return grouped


@dataclass
class Blocked:
    """A blocked table's items (in order), their keys, and the items taken from the previous set."""

    items: list[str]
    keys: list[str]
    reused: set[str] = field(default_factory=set)


def targets_table(
    plans: Plans, documents: pd.DataFrame, lexicon: pd.DataFrame, reviewed: review.Corrections
) -> tuple[pd.DataFrame, pd.DataFrame, Blocked]:
    """The corrected targets table, the log of the target decisions, and its blocks.

    A plan's rows are taken from the previous set when neither its model targets, nor those of the
    plan it is a damaged copy of, nor the decisions naming it changed; the others (and every plan
    a decision names, for the log) are made from their model targets (cached or extracted)."""
    settings, store = plans.settings, plans.store
    copies = {d: o for d, o in zip(documents["doc_id"], documents["duplicate_of"].fillna("")) if o}
    model_key = {d: cache.content_key("targets", plans.key[d], plans.settings_key["targets"]) for d in plans.order}
    decided = _decisions_by(reviewed.targets, ["doc_id"])
    keys = [
        cache.content_key(
            model_key[d],
            [copies[d], model_key[copies[d]], plans.key[copies[d]]] if d in copies else None,
            decided.get((d,), []),
        )
        for d in plans.order
    ]
    reused = store.reusable(["targets"], plans.order, keys) - {d for (d,) in decided}
    made = {d for d in plans.order if d not in reused}
    made |= {copies[d] for d in made if d in copies}
    order = [d for d in plans.order if d in made]
    model = _model_targets_of(plans, order, model_key, lexicon)
    found = (
        pd.concat([model[d] for d in order], ignore_index=True)
        if order
        else schema.empty("targets")[extract.TARGET_COLUMNS]
    )
    originals = [d for d in order if d in copies] + [copies[d] for d in order if d in copies]
    texts = {d: doc.raw.text for d, doc in plans.documents(originals).items()}
    found = extract.with_clean_values(found, documents, texts, settings.targets)
    corrected, log = review.correct_targets(found, reviewed.targets, lexicon, reviewed.targets_path)
    kept = reused - made
    table = blocks.assemble("doc_id", plans.order, store.previous_rows("targets", kept), [corrected])
    return table, log, Blocked(plans.order, keys, kept)


def _model_targets_of(
    plans: Plans, ids: list[str], keys: dict[str, str], lexicon: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The model targets of ``ids`` (before any decision): cached, or extracted."""
    entries = plans.store.entries
    found = {d: entries.get(keys[d], pd.DataFrame) for d in ids}
    missing = [d for d in ids if found[d] is None]
    if missing:
        docs = plans.documents(missing)
        calls = [(docs[d],) for d in missing]
        stored = entries.storing([keys[d] for d in missing])
        made = plans.run.map(model_targets, calls, "targets", lexicon=lexicon, settings=plans.settings, received=stored)
        found.update(zip(missing, made))
    return {d: frame for d, frame in found.items() if frame is not None}


# --- comparisons -------------------------------------------------------------------------------


def _indicator_keys(targets: pd.DataFrame) -> dict[str, str]:
    """Per plan, a key of what the alignment reads of its targets (:func:`analysis.align.indicator_links`)."""
    links = align.indicator_links(targets)
    found: dict[str, list[tuple[str, str]]] = {}
    for doc_id, task_id, indicator_id in zip(links["doc_id"], links["task_id"], links["indicator_id"]):
        found.setdefault(doc_id, []).append((task_id, indicator_id))
    return {doc_id: cache.content_key(sorted(pairs)) for doc_id, pairs in found.items()}


def model_entry(model: align.PlanComparison) -> dict:
    """What the cache keeps of a comparison the model made: its tables and the candidate pairs'
    columns that applying decisions reads."""
    pairs = model.pairs or {}
    return {"tables": model.model_tables(), "pairs": {c: pairs[c] for c in review.DECISION_PAIR_COLUMNS}}


def _compared(
    plan: dict,
    source: ParsedDocument,
    target: ParsedDocument,
    targets: pd.DataFrame,
    settings: BuildSettings,
    link_model: align.LinkModel,
    link_fixes: pd.DataFrame | None,
    state: scheduling.ProcessState | scheduling.BuildState | None = None,
    cached: bool = True,
) -> tuple[dict[str, str], dict[str, pd.DataFrame], bytes | None]:
    """A comparison made by the model (``state`` keeps the plans' features for the next ones of the
    process), its reviewed tables, and its cache entry's bytes (None without ``cached``: a build
    without the cache neither pickles nor sends them)."""
    plans = state.get("plans", lambda: align.PlanCache(size=PLANS_PER_PROCESS)) if state is not None else None
    model = align.compare_plans(source, target, plan["kind"], settings.alignment, link_model, targets, plans)
    entry = cache.dumps(model_entry(model)) if cached else None
    reviewed = review.apply_link_decisions(model, link_fixes)
    return reviewed.labels(), reviewed.model_tables(), entry


def _stacked_with_entries(results: list) -> tuple[dict[str, pd.DataFrame], list[bytes | None]]:
    """Comparisons' tables stacked (:func:`analysis.align.stack_tables`) and their entries, in order."""
    return align.stack_tables([(labels, tables) for labels, tables, _ in results]), [e for _, _, e in results]


def _from_entry(
    plan: dict, entry: dict, plans: Plans, targets: pd.DataFrame, link_fixes: pd.DataFrame, decided: bool
) -> dict[str, pd.DataFrame]:
    """A cached comparison's tables, the reviewer's decisions applied (when any name it)."""
    if not decided:
        return entry["tables"]
    docs = plans.documents([plan["source_doc"], plan["target_doc"]])
    source, target = docs[plan["source_doc"]], docs[plan["target_doc"]]
    tables = entry["tables"]
    model = align.PlanComparison(
        comparison_id=plan["comparison_id"],
        kind=plan["kind"],
        source_doc=plan["source_doc"],
        target_doc=plan["target_doc"],
        source_tasks=source.tasks,
        target_tasks=target.tasks,
        alignments=tables["alignments"],
        clause_matches=tables["alignment_clauses"],
        near_misses=tables["near_misses"],
        settings=plans.settings.alignment,
        targets=targets,
        pairs=entry["pairs"],
    )
    return review.apply_link_decisions(model, link_fixes).model_tables()


def comparison_tables(
    plans: Plans, planned: pd.DataFrame, targets: pd.DataFrame, reviewed: review.Corrections
) -> tuple[dict[str, pd.DataFrame], Blocked]:
    """The comparison tables (:data:`analysis.align.COMPARISON_TABLES` and coverage of indicators)
    and their blocks: a comparison's rows from the previous set when its key and the decisions
    naming it are unchanged, else from its cache entry (decisions applied), else made."""
    store = plans.store
    rows = planned.to_dict(orient="records")
    ids = [str(row["comparison_id"]) for row in rows]
    indicator_key = _indicator_keys(targets)
    model_key = {
        row["comparison_id"]: cache.content_key(
            "comparison",
            row["kind"],
            plans.key[row["source_doc"]],
            plans.key[row["target_doc"]],
            plans.settings_key["alignment"],
            indicator_key.get(row["source_doc"]),
            indicator_key.get(row["target_doc"]),
        )
        for row in rows
    }
    decided = _decisions_by(reviewed.links, ["source_doc", "target_doc"])
    keys = [
        cache.content_key(model_key[row["comparison_id"]], decided.get((row["source_doc"], row["target_doc"]), []))
        for row in rows
    ]
    reused = store.reusable(align.COMPARISON_TABLES, ids, keys)
    others = [row for row in rows if row["comparison_id"] not in reused]
    cached = (
        (row["comparison_id"], store.entries.get(model_key[row["comparison_id"]], dict))
        for row in others
        if store.entries.has(model_key[row["comparison_id"]])
    )
    entries = {comparison_id: entry for comparison_id, entry in cached if entry is not None}
    fresh = _made(
        plans,
        [row for row in others if row["comparison_id"] not in entries],
        model_key,
        targets,
        reviewed.links,
    )
    from_cache: list[tuple[Mapping[str, str], Mapping[str, pd.DataFrame]]] = [
        (
            {k: str(row[k]) for k in ("comparison_id", "kind", "source_doc", "target_doc")},
            _from_entry(
                row,
                entries[row["comparison_id"]],
                plans,
                targets,
                reviewed.links,
                (row["source_doc"], row["target_doc"]) in decided,
            ),
        )
        for row in others
        if row["comparison_id"] in entries
    ]
    if from_cache:
        fresh.append(align.stack_tables(from_cache))
    tables = {
        name: blocks.assemble(
            "comparison_id",
            ids,
            store.previous_rows(name, reused),
            [stack[name] for stack in fresh] or [align.stack_tables([])[name]],
        )
        for name in align.COMPARISON_TABLES
    }
    tables["coverage_indicators"] = coverage.indicator_comparison(tables["alignments"], targets, planned)
    return tables, Blocked(ids, keys, reused)


def _made(
    plans: Plans, rows: list[dict], model_key: dict[str, str], targets: pd.DataFrame, link_fixes: pd.DataFrame
) -> list[dict[str, pd.DataFrame]]:
    """The comparisons of ``rows`` made by the model (on the build's session), their entries
    stored as each batch arrives (not all held until the last: a few hundred MB for a national
    corpus); stacks of their reviewed tables, in order."""
    if not rows:
        return []
    docs = plans.documents([d for row in rows for d in (row["source_doc"], row["target_doc"])])
    calls = [(row, docs[row["source_doc"]], docs[row["target_doc"]]) for row in rows]

    def stored(first: int, piece: tuple[dict[str, pd.DataFrame], list[bytes | None]]) -> dict[str, pd.DataFrame]:
        stack, entries = piece
        for entry, row in zip(entries, rows[first : first + len(entries)]):
            if entry is not None:
                plans.store.entries.put_bytes(model_key[row["comparison_id"]], entry)
        return stack

    return plans.run.map(
        _compared,
        calls,
        "compare",
        state_as="state",
        targets=targets,
        settings=plans.settings,
        link_model=align.LinkModel.load(LINK_CONFIDENCE_PATH),
        link_fixes=link_fixes,
        cached=plans.store.entries.enabled,
        combine=_stacked_with_entries,
        received=stored,
    )


# --- corpus-wide tables from the cache --------------------------------------------------------


def evaluation_tables(plans: Plans, targets: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], tuple[Path, ...]]:
    """The evaluation against the gold (:func:`analysis.evaluate.tables.evaluation_tables`, on the
    ``targets`` the comparisons see) and the gold files read: cached while its plans, their targets,
    the gold files, settings and code are unchanged; empty without one of the gold's plans."""
    gold_plans = evaluate.gold_plans()
    if not set(gold_plans) <= set(plans.order):
        return evaluate.evaluation_tables([], targets, plans.settings)
    gold_targets = targets[targets["doc_id"].isin(gold_plans)]
    key = cache.content_key(
        "evaluation",
        [plans.key[d] for d in gold_plans],
        cache.frame_digest(gold_targets).hex(),
        [_sha256(str(path)) for path in evaluate.GOLD_FILES],
        plans.settings_key,
    )

    def made() -> tuple:
        docs = plans.documents(gold_plans)
        return evaluate.evaluation_tables([docs[d] for d in gold_plans], targets, plans.settings)

    return plans.store.entries.made(key, tuple, made)


def escalation_table(
    plans: Plans, targets: pd.DataFrame, documents: pd.DataFrame, lexicon: pd.DataFrame
) -> pd.DataFrame:
    """:func:`analysis.compare.escalation.escalation_table`, cached while the corrected targets, the
    documents table and the lexicon are unchanged (after link decisions alone, say)."""
    digests = (cache.frame_digest(frame).hex() for frame in (targets, documents, lexicon))
    key = cache.content_key("escalation", plans.store.code, *digests)
    return plans.store.entries.made(key, pd.DataFrame, lambda: escalation.escalation_table(targets, documents, lexicon))


# --- the whole build ---------------------------------------------------------------------------


@dataclass
class Built:
    """A build's tables, the blocks of its blocked tables, the text extracted from each Word, PDF
    or web page (kept beside the tables), every plan file's SHA-256 and the gold files the
    evaluation read."""

    tables: dict[str, pd.DataFrame]
    blocked: dict[str, Blocked]
    extracted_texts: dict[str, str]
    file_sha256: dict[str, str]
    gold_files: tuple[Path, ...] = ()


def tasks_table(plans: Plans) -> tuple[pd.DataFrame, Blocked]:
    """Every plan's tasks, a plan's rows from the previous set while its key is unchanged."""
    keys = [plans.key[d] for d in plans.order]
    reused = plans.store.reusable(["tasks"], plans.order, keys)
    others = [d for d in plans.order if d not in reused]
    docs = plans.documents(others)
    fresh = [pd.concat([docs[d].tasks for d in others], ignore_index=True)] if others else []
    table = blocks.assemble("doc_id", plans.order, plans.store.previous_rows("tasks", reused), fresh)
    return table, Blocked(plans.order, keys, reused)


def build_tables(
    listed: pd.DataFrame,
    settings: BuildSettings,
    reviewed: review.Corrections,
    store: BuildCache,
    run: scheduling.Session,
    timings: dict[str, float] | None = None,
    computed: Callable[[], None] | None = None,
) -> Built:
    """Every processed table of the manifest's plans (``reviewed``: the reviewer's decisions,
    applied after the model; the evaluation against the gold among them), each checked against
    :mod:`analysis.schema`; computed on ``run`` where ``store`` does not hold it. ``timings``: filled with each stage's seconds;
    ``computed``: called once no later stage runs on ``run`` (the build stops a session it started:
    a local cluster's workers, and their memory, are gone before the corpus tables are made)."""
    lexicon = indicators.load_lexicon()
    with timed(timings, "parse"):
        plans = Plans(listed, settings, store, run)
        plans.documents(plans.new())
    with timed(timings, "documents"):
        found = profiles(plans)
        documents = documents_frame(found, listed, settings.duplicates)
        texts = {p.doc_id: p.extracted_text for p in found if p.fields["format"] != "txt"}
        del found  # the shingles (near-duplicates found): not kept for the stages that follow
    with timed(timings, "targets"):
        target_table, target_log, target_blocks = targets_table(plans, documents, lexicon, reviewed)
        tasks, task_blocks = tasks_table(plans)
    planned = planned_comparisons(listed, documents)
    with timed(timings, "align"):
        targets_compared = compared_targets(target_table)
        compared, comparison_blocks = comparison_tables(plans, planned, targets_compared, reviewed)
    with timed(timings, "evaluation"):
        evaluated, gold_files = evaluation_tables(plans, targets_compared)
    plans.forget_documents()  # no stage that follows reads a parsed plan
    if computed is not None:
        computed()
    with timed(timings, "corpus tables"):
        named = set(reviewed.links["source_doc"]) | set(reviewed.links["target_doc"])
        task_ids = tasks.loc[tasks["doc_id"].isin(named), ["doc_id", "task_id"]].groupby("doc_id")["task_id"]
        link_log = review.alignment_log(
            reviewed.links, planned, {str(d): set(ids) for d, ids in task_ids}, reviewed.links_path
        )
        tables = {
            "documents": documents,
            "tasks": tasks,
            "targets": target_table,
            "escalation": escalation_table(plans, target_table, documents, lexicon),
            **compared,
            "corrections": review.log_table(link_log, target_log),
            **evaluated,
        }
        for name, frame in tables.items():
            schema.check(name, frame)
    blocked = {
        "tasks": task_blocks,
        "targets": target_blocks,
        **dict.fromkeys(align.COMPARISON_TABLES, comparison_blocks),
    }
    return Built(tables, blocked, texts, plans.file_sha256, gold_files)


def write_tables(built: Built, folder: Path, store: BuildCache) -> dict[str, blocks.TableIndex]:
    """Write every table into ``folder`` (a blocked one reusing the previous set's CSV bytes);
    the blocked tables' indexes. The Parquet files are written on a thread beside the CSV files:
    Arrow's writer leaves the interpreter free while it encodes."""
    indexes = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        parquet = [
            pool.submit(storage.write_parquet, frame, folder / f"{name}.parquet")
            for name, frame in built.tables.items()
        ]
        for name, frame in built.tables.items():
            found = built.blocked.get(name)
            if found is None:
                storage.write_csv(frame, folder / f"{name}.csv")
                continue
            indexes[name] = blocks.write_blocked_csv(
                frame, folder, name, ITEM_COLUMNS[name], found.items, found.keys, store.previous, found.reused
            )
        for written in parquet:
            written.result()
    return {name: blocks.with_files(index, folder, name) for name, index in indexes.items()}
