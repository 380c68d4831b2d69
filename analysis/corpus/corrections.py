"""Reviewer corrections: a researcher's decisions on links and targets, applied after the model.

Two optional CSV files a researcher edits (in Excel too: UTF-8 with or without BOM, cells
stripped, extra columns ignored, rows whose decision is left empty skipped), described in
``data/corrections/README.md``:

- ``alignments.csv`` (:data:`ALIGNMENT_CORRECTION_COLUMNS`): ``none`` removes a link, ``same`` /
  ``partial`` add or relabel one. An added link replaces the unlinked rows of its two tasks; a
  task whose every link is removed gets its unlinked row back (the kind's relation of
  :data:`analysis.schema.UNLINKED`, its nearest remaining candidate as evidence).
- ``targets.csv`` (:data:`TARGET_CORRECTION_COLUMNS`): ``reject`` removes a target, ``fix`` sets
  the fields given (value, unit, comparator, indicator_id; an empty cell keeps the model's).

Rows decided by a reviewer carry ``decided_by == "reviewer"`` (and confidence 1), the others
``"model"``. A correction naming a comparison, task or target that no longer exists is *stale*:
it changes nothing and is listed, by file and line, in the ``corrections`` table (the build's
log prints one line each).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis import schema
from analysis.align.aligner import Alignment
from analysis.align.confidence import LinkModel, link_probability, near_misses, nearest_candidates, with_confidence
from analysis.errors import UserError
from analysis.schema import LINKS, UNLINKED

# A comparison's candidate pairs: :func:`analysis.align.pair_signals`' table, or its columns as arrays.
PairColumns = pd.DataFrame | Mapping[str, np.ndarray]

ALIGNMENT_CORRECTION_COLUMNS = ["source_doc", "source_task_id", "target_doc", "target_task_id", "relation", "note"]
TARGET_CORRECTION_COLUMNS = ["doc_id", "target_id", "action", "value", "unit", "comparator", "indicator_id", "note"]
REVIEW_RELATIONS = (*LINKS, "none")
TARGET_ACTIONS = ("reject", "fix")
COMPARATORS = (">=", "<=", "=", "striving")
FIXABLE = ("value", "unit", "comparator", "indicator_id")
LOG_COLUMNS = schema.columns("corrections")
MODEL, REVIEWER = schema.DECIDERS


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
        cells = [row[i].strip() if i < len(row) else "" for i in at]
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
    def none(cls) -> Corrections:
        return cls(
            pd.DataFrame(columns=[*ALIGNMENT_CORRECTION_COLUMNS, "line"]),
            pd.DataFrame(columns=[*TARGET_CORRECTION_COLUMNS, "line"]),
        )

    def files(self) -> tuple[Path, ...]:
        """The corrections files that exist (a build records their SHA-256)."""
        return tuple(Path(p) for p in (self.links_path, self.targets_path) if p and Path(p).is_file())


# --- targets -----------------------------------------------------------------------------------


def correct_targets(
    targets: pd.DataFrame, fixes: pd.DataFrame, lexicon: pd.DataFrame, path: Path | str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The targets table with the reviewer's fixes and rejections applied and a ``decided_by``
    column; and the log of every correction (applied or stale)."""
    targets = targets.assign(decided_by=MODEL)
    names = dict(zip(lexicon["indicator_id"], lexicon["name_zh"]))
    position = pd.Index(targets["target_id"]).get_indexer(fixes["target_id"]) if len(fixes) else np.zeros(0, dtype=int)
    doc_ids = targets["doc_id"].astype(str).tolist()
    rejected: list[int] = []
    log: list[dict[str, object]] = []
    for row, at in zip(target_fixes(fixes), position):
        what = f"target {row.doc_id} {row.target_id}: {row.action}"
        if at < 0 or doc_ids[at] != row.doc_id:
            log.append(_log(path, row.line, what, f"no target {row.target_id} in {row.doc_id}"))
            continue
        if row.indicator_id and row.indicator_id not in names:
            raise UserError(
                f"{path}, line {row.line}", f"indicator_id {row.indicator_id!r} is not in the indicator lexicon"
            )
        log.append(_log(path, row.line, what))
        if row.action == "reject":
            rejected.append(at)
            continue
        label = targets.index[at]
        if row.value:
            targets.loc[label, "value"] = float(row.value.replace(",", ""))
        for column in ("unit", "comparator"):
            if getattr(row, column):
                targets.loc[label, column] = getattr(row, column)
        if row.indicator_id:
            targets.loc[label, ["indicator_id", "indicator_name"]] = [row.indicator_id, names[row.indicator_id]]
        targets.loc[label, "decided_by"] = REVIEWER
    kept = np.setdiff1d(np.arange(len(targets)), rejected)
    return targets.iloc[kept].reset_index(drop=True), pd.DataFrame(log, columns=LOG_COLUMNS)


def _log(path, line: int, what: str, stale: str = "") -> dict:
    return {
        "file": str(path),
        "line": int(line),
        "correction": what,
        "status": "stale" if stale else "applied",
        "problem": stale,
    }


# --- alignments --------------------------------------------------------------------------------


def alignment_log(
    fixes: pd.DataFrame, comparisons: pd.DataFrame, task_ids: dict[str, set[str]], path: Path | str = ""
) -> pd.DataFrame:
    """Every link decision, applied or stale: stale when no comparison of the build goes from its
    source document to its target document, or when a task it names is not in its document."""
    planned = set(zip(comparisons["source_doc"], comparisons["target_doc"])) if len(comparisons) else set()
    log = []
    for row in link_fixes(fixes):
        what = f"link {row.source_task_id} → {row.target_task_id}: {row.relation}"
        problems = (
            [f"no comparison {row.source_doc} → {row.target_doc}"]
            if (row.source_doc, row.target_doc) not in planned
            else []
        )
        problems += [
            f"no task {task} in {doc}"
            for doc, task in ((row.source_doc, row.source_task_id), (row.target_doc, row.target_task_id))
            if task not in task_ids.get(doc, ())
        ]
        log.append(_log(path, row.line, what, "; ".join(problems)))
    return pd.DataFrame(log, columns=LOG_COLUMNS)


class ReviewedAlignment(NamedTuple):
    """One comparison after the reviewer: its alignment table and its near misses (with each
    pair's task positions, ``source_index`` and ``target_index``, as in the pair arrays)."""

    alignments: pd.DataFrame
    near_misses: pd.DataFrame


def reviewed_alignment(
    result: Alignment,
    model: LinkModel,
    fixes: pd.DataFrame | None,
    kind: str,
    source_ids,
    target_ids,
    near_miss_min: float,
) -> ReviewedAlignment:
    """The model's alignment table of one comparison with each row's ``confidence``, then the
    reviewer's decisions applied (:func:`correct_alignment`); and the candidate pairs left
    unlinked with a link probability of at least ``near_miss_min`` that no reviewer decided."""
    pairs = result.pair_columns  # the arrays themselves: no table of them to build
    chance = link_probability(pairs, model, len(source_ids), len(target_ids))
    table = with_confidence(result.alignments, pairs, chance, source_ids, target_ids)
    corrected = correct_alignment(table, fixes, kind, source_ids, target_ids, pairs, chance)
    # to 6 decimals, as the confidence: the last bits depend on the order features were numbered in
    rounded = np.round(chance, 6)
    at = near_misses(pairs["relation"], rounded, near_miss_min)
    linked = corrected["relation"].isin(LINKS).to_numpy()
    decided = set(zip(corrected["source_task_id"].to_numpy()[linked], corrected["target_task_id"].to_numpy()[linked]))
    if fixes is not None and len(fixes):
        decided.update(zip(fixes["source_task_id"], fixes["target_task_id"]))
    at = at[[pair not in decided for pair in zip(pairs["source_task_id"][at], pairs["target_task_id"][at])]]
    missed = pd.DataFrame(
        {
            "source_index": pairs["source_index"][at],
            "target_index": pairs["target_index"][at],
            "source_task_id": pairs["source_task_id"][at],
            "target_task_id": pairs["target_task_id"][at],
            "score": pairs["score"][at],
            "best_clause_score": np.round(pairs["clauses"][at], 6),
            "link_probability": rounded[at],
        }
    )
    return ReviewedAlignment(corrected, missed)


def correct_alignment(
    alignments: pd.DataFrame,
    fixes: pd.DataFrame | None,
    kind: str,
    source_ids,
    target_ids,
    pairs: PairColumns,
    probability: np.ndarray,
) -> pd.DataFrame:
    """One comparison's alignment table (with ``confidence``) corrected by the reviewer's link
    decisions ``fixes`` (those naming tasks of other documents or unknown tasks are ignored:
    :func:`alignment_log` reports them), with ``decided_by``.

    ``pairs`` and ``probability``: the comparison's candidate pairs and their P(link), for the
    score of an added link and the nearest remaining candidate of a task left unlinked.
    """
    table = alignments.assign(decided_by=MODEL)
    source_ids, target_ids = pd.Index(source_ids), pd.Index(target_ids)
    if fixes is not None and len(table):
        source_doc = next((d for d in table["source_doc"] if d), "")
        target_doc = next((d for d in table["target_doc"] if d), "")
        fixes = fixes[
            (fixes["source_doc"] == source_doc)
            & (fixes["target_doc"] == target_doc)
            & fixes["source_task_id"].isin(source_ids)
            & fixes["target_task_id"].isin(target_ids)
        ]
    if fixes is None or not len(table) or not len(fixes):
        return table
    relation = table["relation"].to_numpy()
    linked = np.isin(relation, LINKS)
    links = table[linked].set_index(["source_task_id", "target_task_id"], drop=False)
    pair_at = pd.MultiIndex.from_arrays([pairs["source_task_id"], pairs["target_task_id"]])
    score = np.asarray(pairs["score"], dtype=np.float64)
    for row in link_fixes(fixes):
        key = (row.source_task_id, row.target_task_id)
        if row.relation == "none":
            links = links.drop(index=[key], errors="ignore")
            continue
        if key in links.index:
            evidence = str(links.loc[key, "evidence"]) + (f" | reviewer: {row.note}" if row.note else "")
            reviewed: list[str | float] = [row.relation, evidence, 1.0, REVIEWER]
            links.loc[key, ["relation", "evidence", "confidence", "decided_by"]] = reviewed
            continue
        at = pair_at.get_indexer(pd.MultiIndex.from_tuples([key]))[0]
        added = {
            "source_doc": source_doc,
            "source_task_id": key[0],
            "target_doc": target_doc,
            "target_task_id": key[1],
            "score": score[at] if at >= 0 else 0.0,
            "relation": row.relation,
            "evidence": "reviewer" + (f": {row.note}" if row.note else ""),
            "confidence": 1.0,
            "decided_by": REVIEWER,
        }
        links = pd.concat([links, pd.DataFrame([added], index=pd.MultiIndex.from_tuples([key]))])
    links = links.reset_index(drop=True)
    removed = fixes.loc[fixes["relation"] == "none", ["source_task_id", "target_task_id"]]
    unlinked = _unlinked_rows(
        table[~linked], links, removed, kind, source_doc, target_doc, source_ids, target_ids, pairs, score, probability
    )
    corrected = pd.concat([links, unlinked], ignore_index=True)[table.columns]
    source_at = source_ids.get_indexer(corrected["source_task_id"])
    target_at = target_ids.get_indexer(corrected["target_task_id"])
    order = np.lexsort((target_at, np.where(source_at >= 0, source_at, len(source_ids))))
    return corrected.iloc[order].reset_index(drop=True).astype(table.dtypes.to_dict())


def correct_clause_matches(clause_matches: pd.DataFrame, alignments: pd.DataFrame) -> pd.DataFrame:
    """The clause matches of the links the corrected ``alignments`` keep, with their relation
    (a link the reviewer removed loses its clause matches; one the reviewer added has none)."""
    linked = alignments["relation"].isin(LINKS).to_numpy()
    relation_of = dict(
        zip(
            zip(alignments["source_task_id"].to_numpy()[linked], alignments["target_task_id"].to_numpy()[linked]),
            alignments["relation"].to_numpy()[linked],
        )
    )
    relation = np.array(
        [
            relation_of.get(pair, "")
            for pair in zip(clause_matches["source_task_id"].to_numpy(), clause_matches["target_task_id"].to_numpy())
        ],
        dtype=object,
    )
    kept = relation != ""
    if kept.all() and (relation == clause_matches["relation"].to_numpy()).all():
        return clause_matches
    return clause_matches[kept].assign(relation=relation[kept]).reset_index(drop=True)


def _unlinked_rows(
    model_rows: pd.DataFrame,
    links: pd.DataFrame,
    removed: pd.DataFrame,
    kind: str,
    source_doc: str,
    target_doc: str,
    source_ids: pd.Index,
    target_ids: pd.Index,
    pairs: PairColumns,
    score: np.ndarray,
    probability: np.ndarray,
) -> pd.DataFrame:
    """The unlinked rows after the corrections: the model's for tasks still unlinked, new ones
    (the reviewer's) for tasks whose every link was removed."""
    keep = ~(model_rows["source_task_id"].isin(links["source_task_id"]) & (model_rows["target_task_id"] == "")) & ~(
        model_rows["target_task_id"].isin(links["target_task_id"]) & (model_rows["source_task_id"] == "")
    )
    rows = [model_rows[keep]]
    rejected = (
        pd.MultiIndex.from_frame(removed).get_indexer(
            pd.MultiIndex.from_arrays([pairs["source_task_id"], pairs["target_task_id"]])
        )
        >= 0
    )
    usable = ~rejected
    source_index, target_index = np.asarray(pairs["source_index"])[usable], np.asarray(pairs["target_index"])[usable]
    for side, ids, own, other, other_ids in (
        ("source", source_ids, source_index, target_index, target_ids),
        ("target", target_ids, target_index, source_index, source_ids),
    ):
        had = set(model_rows[f"{side}_task_id"])
        orphans = [t for t in ids if t not in had and t not in set(links[f"{side}_task_id"])]
        if not orphans:
            continue
        nearest = nearest_candidates(own, other, score[usable], len(ids))[ids.get_indexer(pd.Index(orphans))]
        near_score = np.where(nearest >= 0, score[usable][np.maximum(nearest, 0)] if usable.any() else 0.0, 0.0)
        near_chance = np.where(nearest >= 0, probability[usable][np.maximum(nearest, 0)] if usable.any() else 0.0, 0.0)
        near_task = [other_ids[other[k]] if k >= 0 else "" for k in nearest]
        blank = [""] * len(orphans)
        rows.append(
            pd.DataFrame(
                {
                    "source_doc": [source_doc] * len(orphans) if side == "source" else blank,
                    "source_task_id": orphans if side == "source" else blank,
                    "target_doc": [target_doc] * len(orphans) if side == "target" else blank,
                    "target_task_id": orphans if side == "target" else blank,
                    "score": near_score,
                    "relation": UNLINKED[kind][0 if side == "source" else 1],
                    "evidence": [f"nearest: {t} ({s:.2f})" if t else "" for t, s in zip(near_task, near_score)],
                    "confidence": np.round(1.0 - near_chance, 6),
                    "decided_by": REVIEWER,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def log_table(*logs: pd.DataFrame) -> pd.DataFrame:
    """The ``corrections`` table: the logs of both files, typed as the schema says."""
    return pd.concat(logs, ignore_index=True).astype(schema.dtypes("corrections"))


def log_lines(log: pd.DataFrame) -> list[str]:
    """The build log's ``corrections`` section: counts, then one line per stale correction."""
    if not len(log):
        return ["corrections: none"]
    stale = log[log["status"] == "stale"]
    lines = [f"corrections: {len(log) - len(stale)} applied, {len(stale)} stale"]
    lines += [f"  stale: {row.file}, line {row.line}: {row.correction} ({row.problem})" for row in stale.itertuples()]
    return lines
