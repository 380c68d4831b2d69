"""The tables: each an ordered list of fields (:mod:`analysis.schema.fields`) with at most a short
note where the table narrows a field's meaning, what one row is, and its primary key."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.schema.fields import FIELDS, SIDE, SIDES, Dtype, Field


@dataclass(frozen=True)
class Column:
    """A field as a table holds it: the field's dtype, meaning and unit (a family's with its side
    filled in), and the table's note where it narrows the meaning."""

    name: str
    dtype: Dtype
    meaning: str
    unit: str
    note: str
    field: str  # the field's name in FIELDS (a family's: `<side>_char_start`)


def field_of(column: str) -> tuple[Field, str]:
    """The field declaring ``column`` and the side it is of (``""`` unless a side family's)."""
    if column in FIELDS:
        return FIELDS[column], ""
    side, _, rest = column.partition("_")
    family = FIELDS.get(f"{SIDE}_{rest}") if side in SIDES else None
    if family is None:
        raise KeyError(f"column {column!r} is not declared in analysis/schema/fields.py")
    return family, side


def column(name: str, note: str = "") -> Column:
    """``name`` as a table holds it (:class:`Column`), with the table's ``note``."""
    field, side = field_of(name)
    plan, other = SIDES.get(side, ("", ""))
    meaning, unit = (text.format(side=side, plan=plan, other=other) for text in (field.meaning, field.unit))
    return Column(name, field.dtype, meaning, unit, note, field.name)


@dataclass(frozen=True)
class Table:
    """A table's contract: its columns in order, what one row is, and its primary key.

    ``key`` is the columns whose values are unique per row and filled; ``sparse_key`` those of
    them that may be empty on a row, though never all at once (an unlinked task's missing side)."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    sparse_key: tuple[str, ...] = ()


def _table(
    name: str, description: str, key: tuple[str, ...], *columns: str | tuple[str, str], sparse_key: tuple[str, ...] = ()
) -> Table:
    declared = tuple(column(c) if isinstance(c, str) else column(*c) for c in columns)
    names = [c.name for c in declared]
    problems = [f"{n} listed twice" for n in dict.fromkeys(n for n in names if names.count(n) > 1)]
    problems += [f"key column {k} not among the columns" for k in key if k not in names]
    problems += [f"sparse key column {k} not in the key" for k in sparse_key if k not in key]
    if problems or not key:
        raise ValueError(f"table {name!r} in analysis/schema/tables.py: {'; '.join(problems) or 'no key'}")
    return Table(name, description, declared, key, sparse_key)


# The columns that label a comparison's rows in the stacked comparison tables.
COMPARISON_LABEL = ("comparison_id", "kind")
_LABEL = ("comparison_id", ("kind", "of a comparison"))
_SIDE_TASK = ("source_doc", "source_task_id", "source_heading", "target_doc", "target_task_id", "target_heading")
_TASK_SPAN = "the task's span"

# --- the inputs: the manifest (data/raw/manifest.csv) and the comparisons its links imply ------

_MANIFEST_COLUMNS = (
    "doc_id",
    ("file", "the plan's file, relative to the manifest's folder (`data/raw/`)"),
    ("title", "used where the text itself does not print it"),
    ("issuer", "used where the text itself does not print it"),
    "region",
    "level",
    "year",
    "parent",
    "previous",
    ("doc_number", "used where the text itself does not print it"),
    ("date", "used where the text itself does not print it"),
    ("duplicate_of", "optional"),
)
INPUTS = {
    "manifest": _table("manifest", "one row per document", ("doc_id",), *_MANIFEST_COLUMNS),
    "loaded_manifest": _table(
        "loaded_manifest", "the manifest as `load_manifest` returns it", ("doc_id",), *_MANIFEST_COLUMNS, "file_path"
    ),
    "comparisons": _table(
        "comparisons",
        "one row per comparison the manifest's links imply",
        ("comparison_id",),
        *_LABEL,
        "source_doc",
        "target_doc",
    ),
}
MANIFEST_REQUIRED = ("doc_id", "file", "region", "level", "year", "parent", "previous")
# The column ``load_manifest`` adds to the manifest it read: where each file is. Named apart from
# the tasks' ``path`` (a task's outline position, e.g. 二(三)8).
FILE_PATH = FIELDS["file_path"]

# --- the evaluation against the gold, written with the tables when the gold's plans are in the
# manifest (analysis/evaluate/run.py): what the method report shows --------------------------------

_SCORES = ("precision", "recall", "f1", "label_accuracy", "n_gold", "n_predicted", "n_correct")
_PREDICTIONS = ("gold", "comparison", "setting")
EVALUATION = (
    _table(
        "evaluation_alignment",
        "the aligner and its naive baseline on each gold comparison: one row per comparison, gold, method and setting",
        ("comparison", "gold", "method", "setting"),
        *("comparison", "gold", "method", "setting", *_SCORES),
    ),
    _table(
        "evaluation_sensitivity",
        "F1 on the development gold as one decision threshold moves over its grid, the others as selected",
        ("threshold", "threshold_value"),
        *("threshold", "threshold_value", "selected", "precision", "recall", "f1", "label_accuracy"),
    ),
    _table(
        "evaluation_folds",
        "the thresholds chosen in each cross-validation fold of the development gold, and the held-out F1",
        ("fold",),
        *("fold", "link_min", "partial_ratio", "clause_min", "topic_clause_min", "goal_media_min"),
        *("held_out_f1", "held_out_n_gold"),
    ),
    _table(
        "evaluation_errors",
        "the model's errors on each gold comparison (the development gold's under the selected thresholds)",
        ("comparison", "source_task_id", "target_task_id"),
        *("comparison", "error", "source_task_id", "target_task_id", "relation_predicted", "relation_gold"),
        *("source_heading", "target_heading"),
    ),
    _table(
        "evaluation_pairs",
        "each gold comparison under each method and protocol (thresholds as built, chosen on the year pair or on "
        "all pairs, in-sample, cross-validated or on the other pairs), on every link and on high-confidence links",
        ("comparison", "method", "selection", "setting", "gold"),
        *("comparison", "method", "selection", "setting", "gold", *_SCORES),
    ),
    _table(
        "evaluation_confidence",
        "the link confidence's fit on each gold's candidate pairs (cross-validated on the development gold, held "
        "out on the team checks)",
        _PREDICTIONS,
        *_PREDICTIONS,
        *("n_pairs", "n_links", "gold_links_not_candidates", "log_loss", "brier"),
    ),
    _table(
        "evaluation_reliability",
        "the link confidence's reliability: candidate pairs binned by predicted probability, against the share "
        "the gold links",
        (*_PREDICTIONS, "bin"),
        *_PREDICTIONS,
        *("bin", "n_pairs", "mean_confidence", "observed_link_rate", "n_links"),
    ),
    _table(
        "evaluation_near_misses",
        "the near misses a reviewer is offered on each gold comparison, and how many of the links the model "
        "misses they hold",
        _PREDICTIONS,
        *_PREDICTIONS,
        *("near_miss_min", "n_near_misses", "gold_links_missed", "missed_in_near_misses"),
    ),
)

# --- the processed tables (data/processed/<name>.csv and .parquet) ----------------------------

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        _table(
            "documents",
            "one row per document",
            ("doc_id",),
            "doc_id",
            ("file", "the raw file, relative to the manifest's folder (`data/raw/`), never changed"),
            *("sha256", "encoding", "format", "extracted_text"),
            *("title", "title_source", "issuer", "issuer_source", "doc_number", "doc_number_source"),
            *("date", "date_source", "region", "level", "year", "parent", "previous"),
            *("n_chars", "n_parts", "n_sections", "n_items", ("n_tasks", "of the plan")),
            *("n_lead_units", "n_responsible_units", "damage_events", "damage_replacement_chars"),
            *("damage_html_remnants", "damage_broken_markers", "damage_per_1k_chars", "damaged_task_share"),
            *("duplicate_of", "duplicate_similarity"),
        ),
        _table(
            "tasks",
            "one row per task (a leaf block that carries content; part and section headings are context; framing "
            "(指导思想, 基本原则, 总体要求, 工作要求, 保障措施) is never a task, the goals in it are; closing matter after the "
            "last block — 附件 headers, 抄送 lists, the 印发 colophon, a signature of issuer and date (digits or "
            "二〇二四年三月五日) — is not part of the last task, and the signature is read for the metadata)",
            ("task_id",),
            *("doc_id", "task_id", "part_no", "part_title", "section_no", "section_title", "item_no", "path"),
            *("heading", "text", "lead_units", "responsible_units"),
            *(("char_start", _TASK_SPAN), ("char_end", _TASK_SPAN), "line_start", "flags"),
        ),
        _table(
            "targets",
            "one row per quantitative target (a number a task, or the plan outside its tasks, commits to, a scope "
            "count that says what a commitment applies to, or a value its wording implies; see "
            "[what is not a target](#what-is-not-a-target))",
            ("target_id",),
            *("doc_id", ("task_id", "empty for a document-level target"), "target_id"),
            *(("path", "empty for a document-level target"), "indicator", "indicator_id", "indicator_name"),
            *("indicator_score", "value", "value_text", "unit", ("kind", "of a target"), "comparator", "deadline"),
            *("role", "scope_words", "quote", ("char_start", "the quote's span"), ("char_end", "the quote's span")),
            *("value_char_start", "value_char_end", ("line_start", "of the quote"), "flags"),
            ("lead_units", "an indicator table row's"),
            *("clean_value", "clean_unit", "clean_quote", "clean_source", "clean_char_start", "clean_char_end"),
            ("decided_by", "data/corrections/targets.csv"),
        ),
        _table(
            "escalation",
            "for each canonical indicator committed to in two or more documents (a damaged duplicate is not a "
            "document of its own), one row per document in year and level order",
            ("indicator_id", "doc_id"),
            *("indicator_id", "indicator_name", "doc_id", "region", "level", "year"),
            ("value", "the binding, printed, undamaged target if a plan has several (the others are in `note`)"),
            *("unit", "comparator", "deadline", "previous_doc", "change_vs_previous", "parent_doc"),
            *("change_vs_parent", "change_unit", "direction", "vs_parent", "higher_is_better", "wording", "quote"),
            *(("char_start", "the quote's span"), ("char_end", "the quote's span"), "target_id", "note"),
        ),
        _table(
            "alignments",
            "every comparison the manifest's links imply (`previous` → year, `parent` → level; damaged duplicate "
            "copies such as the web copy are left out): one row per link, and one per task left unlinked (the "
            "other side empty)",
            ("comparison_id", "source_task_id", "target_task_id"),
            *_LABEL,
            *_SIDE_TASK[:3],
            *(("source_char_start", _TASK_SPAN), ("source_char_end", _TASK_SPAN)),
            *_SIDE_TASK[3:],
            *(("target_char_start", _TASK_SPAN), ("target_char_end", _TASK_SPAN)),
            ("score", "of a link, the link's; of an unlinked task, its nearest candidate's"),
            "relation",
            (
                "evidence",
                "of a link, the shared terms and its best clause pair; of an unlinked task, "
                "`nearest: <task_id> (<score>)`",
            ),
            *("confidence", ("decided_by", "data/corrections/alignments.csv")),
            sparse_key=("source_task_id", "target_task_id"),
        ),
        _table(
            "alignment_clauses",
            "for each linked pair, each source clause's best clause in the target task (similarity ≥ "
            "`clause_match_min`): which sub-actions were carried over",
            ("comparison_id", "source_task_id", "target_task_id", "source_clause_no"),
            *_LABEL,
            *("source_doc", "source_task_id", "source_clause_no", "source_clause"),
            *(("source_char_start", "the clause's span"), ("source_char_end", "the clause's span")),
            *("target_doc", "target_task_id", "target_clause_no", "target_clause"),
            *(("target_char_start", "the clause's span"), ("target_char_end", "the clause's span")),
            *(("relation", "the link's"), ("score", "the two clauses' similarity")),
        ),
        _table(
            "near_misses",
            "candidate pairs of each comparison the model left unlinked although they may be links (chance of "
            "hiding a link ≥ `near_miss_min`), most probable first: what `analysis review` offers a reviewer besides "
            "the doubtful links and unlinked tasks (typically a city task carrying one clause of a broad provincial "
            "task)",
            ("comparison_id", "source_task_id", "target_task_id"),
            *_LABEL,
            *_SIDE_TASK,
            *("score", "best_clause_score"),
            ("source_clause", "of the pair's best clause pair (empty when the two tasks share no clause)"),
            ("target_clause", "of the pair's best clause pair: what a reviewer compares first"),
            *("link_probability", "hidden_link_probability", "evidence"),
        ),
        _table(
            "coverage",
            "shares of tasks linked, per side of each comparison. For a level comparison the source rows answer "
            '"how much of the province did the city take up", the target rows "how much of the city plan is local"',
            ("comparison_id", "side", "scope", "group"),
            *(*_LABEL, "side", ("doc_id", "the side's plan"), "scope", "group"),
            *(("n_tasks", "of the group"), "n_linked", "share_linked", "n_same", "n_partial", "n_unlinked"),
        ),
        _table(
            "coverage_tasks",
            "one row per task of both plans of each comparison",
            ("comparison_id", "side", "task_id"),
            *(*_LABEL, "side", "doc_id", "task_id", "path", "heading"),
            ("relation", "the task's: `same` if any of its links is, else `partial`, else the unlinked relation"),
            *("linked_task_ids", "best_score", ("char_start", _TASK_SPAN), ("char_end", _TASK_SPAN)),
        ),
        _table(
            "coverage_indicators",
            "for indicators both plans set targets for, the values side by side: every pairing of a source and a "
            "target value of the same indicator (not scope counts, not two implied values), like with like or not",
            ("comparison_id", "source_target_id", "target_target_id"),
            *(*_LABEL, ("indicator_id", "one both plans set targets for")),
            *("source_doc", ("source_task_id", "the task setting the target"), "source_target_id", "source_role"),
            *("source_scope_words", "source_value", "source_unit", "source_comparator", "source_quote"),
            *(("source_char_start", "the quote's span"), ("source_char_end", "the quote's span")),
            *("target_doc", ("target_task_id", "the task setting the target"), "target_target_id", "target_role"),
            *("target_scope_words", "target_value", "target_unit", "target_comparator", "target_quote"),
            *(("target_char_start", "the quote's span"), ("target_char_end", "the quote's span")),
            *("tasks_aligned", "pairing", "reason"),
        ),
        _table(
            "corrections",
            "one row per reviewer correction (data/corrections/), applied or stale",
            ("file", "line"),
            *(("file", "the corrections file"), "line", "correction", "status", "problem"),
        ),
        *EVALUATION,
    )
}

# Columns the build adds after the model (analysis/align/confidence.py, analysis/review/apply.py);
# ``decided_by`` is one of DECIDERS.
REVIEW_COLUMNS = {"alignments": ("confidence", "decided_by"), "targets": ("decided_by",)}
DECIDERS = ("model", "reviewer")
