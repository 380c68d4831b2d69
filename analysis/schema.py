"""Table contracts: the columns of every table the suite writes, and the vocabularies they use.

This module is the one home of the processed tables' columns: :data:`TABLES` gives each table's
columns in order, with their pandas dtype (as the Parquet file keeps it) and a one-line meaning.
The stages take their column lists from here (``schema.columns("tasks")``), the build checks
every table against it before writing (:func:`check`), and the README's "Processed tables"
reference is rendered from it (:func:`markdown`; ``make readme-tables`` rewrites it).

It sits at the bottom of the package: it imports nothing from the stages, the stages import it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Government levels, highest first: a ``parent`` must rank above its child.
LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "county": 3, "district": 3}

# Comparisons and the relations their alignment tables use: ``year`` (same issuer, earlier → later),
# ``level`` (parent → child) and ``peer`` (two plans of one level from different issuers, e.g. two cities).
KINDS = ("year", "level", "peer")
LINKS = ("same", "partial")
UNLINKED = {  # kind → (relation of an unmatched source task, of an unmatched target task)
    "year": ("dropped", "new"),
    "level": ("not_cascaded", "local"),
    "peer": ("only_in_a", "only_in_b"),
}


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, pandas dtype and what it means."""

    name: str
    dtype: str
    meaning: str


def _columns(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


# --- the manifest (an input: data/raw/manifest.csv) and the comparisons its links imply --------

MANIFEST = _columns(
    ("doc_id", "str", "unique id used in every table"),
    ("file", "str", "file name, relative to `data/raw/`"),
    ("title", "str", "used where the text itself does not print it"),
    ("issuer", "str", "used where the text itself does not print it"),
    ("region", "str", "the region the plan governs"),
    ("level", "str", "one of `national`, `province`, `city`, `county`, `district`"),
    ("year", "int64", "the plan's year"),
    ("parent", "str", "`doc_id` of the higher-level plan this one implements (a level comparison)"),
    ("previous", "str", "`doc_id` of the same issuer's plan of an earlier year (a year comparison)"),
    ("doc_number", "str", "used where the text itself does not print it"),
    ("date", "str", "used where the text itself does not print it"),
    ("duplicate_of", "str", "optional: `doc_id` of the plan this file is a (damaged) copy of; left out of comparisons"),
)
MANIFEST_REQUIRED = ("doc_id", "file", "region", "level", "year", "parent", "previous")
# The column ``load_manifest`` adds to the manifest it read: where each file is. Named apart from
# the tasks' ``path`` (a task's outline position, e.g. 二(三)8).
FILE_PATH = Column("file_path", "str", "the document's file, as an absolute path (added by `load_manifest`)")
COMPARISONS = _columns(
    ("comparison_id", "str", "`<source>__<target>`"),
    ("kind", "str", "`year` (`previous` → doc) or `level` (`parent` → doc)"),
    ("source_doc", "str", "the earlier or higher-level plan"),
    ("target_doc", "str", "the later or lower-level plan"),
)

# --- the processed tables (data/processed/<name>.csv and .parquet) ----------------------------

_COMPARISON_LABEL = _columns(
    ("comparison_id", "str", "`<source>__<target>`"),
    ("kind", "str", "`year` (`previous` → target) or `level` (`parent` → target)"),
)
# The columns that label a comparison's rows in the stacked comparison tables.
COMPARISON_LABEL = tuple(column.name for column in _COMPARISON_LABEL)


def _side(side: str, plan: str, unlinked: str) -> tuple[Column, ...]:
    """A side of an alignment row: its document, task, heading and raw offsets."""
    return _columns(
        (f"{side}_doc", "str", f"`doc_id` of the {plan} plan; empty for an unlinked {unlinked} task"),
        (f"{side}_task_id", "str", f"the {plan} plan's task, as in `tasks.csv`; empty for an unlinked {unlinked} task"),
        (f"{side}_heading", "str", "the task's heading; empty for the missing side"),
        (f"{side}_char_start", "Int64", "the task's raw offsets, as in `tasks.csv`; empty for the missing side"),
        (f"{side}_char_end", "Int64", "the task's raw offsets, as in `tasks.csv`; empty for the missing side"),
    )


def _clause_side(side: str, plan: str) -> tuple[Column, ...]:
    return _columns(
        (f"{side}_doc", "str", f"`doc_id` of the {plan} plan"),
        (f"{side}_task_id", "str", "the linked task"),
        (f"{side}_clause_no", "int64", "the clause's number within its task"),
        (f"{side}_clause", "str", "the clause's text"),
        (f"{side}_char_start", "int64", "`raw[char_start:char_end]` is the clause's source"),
        (f"{side}_char_end", "int64", "`raw[char_start:char_end]` is the clause's source"),
    )


def _indicator_side(side: str, plan: str) -> tuple[Column, ...]:
    return _columns(
        (f"{side}_doc", "str", f"the {plan} plan"),
        (f"{side}_task_id", "str", "the task setting the target"),
        (f"{side}_value", "float64", "the target, as in `targets.csv`"),
        (f"{side}_unit", "str", "the target, as in `targets.csv`"),
        (f"{side}_comparator", "str", "the target, as in `targets.csv`"),
        (f"{side}_quote", "str", "the target, as in `targets.csv`"),
        (f"{side}_char_start", "int64", "the target, as in `targets.csv`"),
        (f"{side}_char_end", "int64", "the target, as in `targets.csv`"),
    )


_SOURCE = "`source` = parent/earlier"
_RAW_SPAN = "`raw[char_start:char_end]` is the source (`raw` = the decoded file, BOM excluded)"

TABLES: dict[str, tuple[Column, ...]] = {
    "documents": _columns(
        ("doc_id", "str", "the document"),
        ("file", "str", "the raw file, relative to the manifest's folder (`data/raw/`), never changed"),
        ("sha256", "str", "SHA-256 of the raw file's bytes"),
        ("encoding", "str", "how a text file was decoded (`utf-8`, `gb18030` …; `utf-8` for extracted text)"),
        ("format", "str", "the raw file's format, read from its content: `txt`, `docx`, `pdf` or `html`"),
        (
            "extracted_text",
            "str",
            "for a Word, PDF or HTML file: the text extracted from it, written beside the tables "
            "(`texts/<doc_id>.txt` in the table set), into which every offset of the document's rows points; empty for a "
            "text file, whose offsets point into the decoded file itself",
        ),
        ("title", "str", "metadata: the plan's title"),
        ("title_source", "str", "`text` (printed) or `manifest`"),
        ("issuer", "str", "metadata: the issuing authority"),
        ("issuer_source", "str", "`text` (printed) or `manifest`"),
        ("doc_number", "str", "metadata: the document number (文号)"),
        ("doc_number_source", "str", "`text` (printed) or `manifest`"),
        ("date", "str", "metadata: the date of issue"),
        ("date_source", "str", "`text` (printed) or `manifest`"),
        ("region", "str", "from the manifest"),
        ("level", "str", "from the manifest"),
        ("year", "int64", "from the manifest"),
        ("parent", "str", "from the manifest"),
        ("previous", "str", "from the manifest"),
        ("n_chars", "int64", "size and structure"),
        ("n_parts", "int64", "size and structure"),
        ("n_sections", "int64", "size and structure"),
        ("n_items", "int64", "size and structure"),
        ("n_tasks", "int64", "size and structure"),
        ("n_lead_units", "int64", "distinct units named"),
        ("n_responsible_units", "int64", "distinct units named"),
        ("damage_events", "int64", "encoding damage found in the raw text"),
        ("damage_replacement_chars", "int64", "encoding damage found in the raw text"),
        ("damage_html_remnants", "int64", "encoding damage found in the raw text"),
        ("damage_broken_markers", "int64", "encoding damage found in the raw text"),
        ("damage_per_1k_chars", "float64", "damage events per 1,000 raw characters"),
        ("damaged_task_share", "float64", "share of tasks flagged `damaged_text`"),
        ("duplicate_of", "str", "the cleaner document this one copies (empty if none)"),
        ("duplicate_similarity", "float64", "their shingle Jaccard similarity"),
    ),
    "tasks": _columns(
        ("doc_id", "str", "the document"),
        ("task_id", "str", "`<doc_id>:<part>-<section>-<item>` (0 where absent): deterministic"),
        ("part_no", "Int64", "e.g. `2`"),
        ("part_title", "str", "e.g. `二、重点工作`"),
        ("section_no", "Int64", "e.g. `4` (empty where there is none)"),
        ("section_title", "str", "e.g. `(四)深入打好污染防治攻坚战` (empty where there is none)"),
        ("item_no", "Int64", "the printed item number (empty where the plan has none, e.g. Wuhan)"),
        ("path", "str", "the task's outline path: its human-readable position, e.g. `二(三)8` (not a file path)"),
        ("heading", "str", "the task's title sentence"),
        ("text", "str", "the cleaned full text, attributions removed"),
        (
            "lead_units",
            "str",
            "`;`-separated; `X会同…` phrases are one unit. Read from brackets `(牵头单位:…;责任单位:…)` "
            "(either width, `【】`, `[]`, several per task, one role or both, `(相关单位分工负责)`), from role lines without a "
            "bracket (`牵头单位:县生态环境分局` on a line of its own), and from units named before their verb "
            "(`(县林业局牵头,县生态环境分局配合)`)",
        ),
        ("responsible_units", "str", "`;`-separated, read as `lead_units`"),
        ("char_start", "int64", f"{_RAW_SPAN}: the task's span"),
        ("char_end", "int64", f"{_RAW_SPAN}: the task's span"),
        ("line_start", "int64", "1-based line of `char_start` in the raw file"),
        (
            "flags",
            "str",
            "`;`-separated: `damaged_text` (encoding damage in the span), `damaged_marker` (a section number "
            "inferred), `numbering_gap`, `goal` (a goal paragraph with figures inside a framing block such as 总体要求), "
            "`framing` (a plan with framing blocks only: their text is read as tasks rather than none), `inherited_units` "
            "(units taken from the heading above), `table` (a row of a task-division table flattened to one cell per line), "
            "`truncated` (the last task of a text cut mid-sentence, e.g. a web excerpt)",
        ),
    ),
    "targets": _columns(
        ("doc_id", "str", "the document"),
        ("task_id", "str", "the task, as in `tasks.csv`"),
        ("target_id", "str", "`<task_id>#<n>`, the n-th target of the task: deterministic"),
        ("path", "str", "the task's outline path, as in `tasks.csv`"),
        (
            "indicator",
            "str",
            "the document's own phrase for what is measured (`农村生活污水治理(管控)率`); a phrase too generic "
            "alone carries its sentence's topic: `长江入河排污口整治 / 整治任务`",
        ),
        ("indicator_id", "str", "the canonical indicator of the lexicon; empty below the threshold"),
        ("indicator_name", "str", "its Chinese name"),
        ("indicator_score", "float64", "the fuzzy-match score (0–100)"),
        (
            "value",
            "float64",
            "`46.58` (`46.58%`, `%`); `9000` `万元`; `1` `次/月`; `两场` is 2 `场`; `1.2万个` is 12000 `个`",
        ),
        ("value_text", "str", "the number as printed"),
        ("unit", "str", "the unit"),
        (
            "kind",
            "str",
            "`rate` (a percentage level), `percentage_points`, `count`, `money`, `concentration`, `frequency`, "
            "`rank`, `quantity` (吨, 公里, 亩 …)",
        ),
        (
            "comparator",
            "str",
            "`>=` (以上, 不低于, 不少于, 至少, 达/达到, 实现), `<=` (以内, 以下, 控制在, 不超过), `~` (左右 after the "
            "number: approximate), `=` (完成, 保持, 为, a bare number), `striving` (力争)",
        ),
        (
            "deadline",
            "str",
            "as printed: `2024年底前`, `到2024年底`, `2024年6月`, `2024年初`, `年内`, `全年`, `年度`, a month of the "
            "plan's year `6月底前`, a period from the plan's start `5年内`, `三年内`, `6个月内` (not `年内`, this year); a deadline "
            "holds for the later clauses of its sentence (flag `shared_deadline`)",
        ),
        (
            "role",
            "str",
            "`commitment`, or `scope`: a count saying what a commitment applies to (`纳入国家考核的3个断面…达到100%`, "
            "`12480个排污口…完成80%的整治任务`, `…等4项主要污染物`)",
        ),
        ("quote", "str", "the clause quoted (clean text)"),
        ("char_start", "int64", "`raw[char_start:char_end]` is the quote's source"),
        ("char_end", "int64", "`raw[char_start:char_end]` is the quote's source"),
        ("value_char_start", "int64", "where the number itself is printed"),
        ("value_char_end", "int64", "where the number itself is printed"),
        ("line_start", "int64", "the 1-based line of the quote"),
        (
            "flags",
            "str",
            "`;`-separated: `damaged_text` (encoding damage in the quote), `damaged_value` (damage touching the "
            "number: never read it as clean), `shared_deadline`, `distributed` (分别), `continued` (a clause holding only a "
            "number continues the previous target: `,1次客商接待`), `cumulative` (累计), `range` (`3—5个`: the value is the "
            "lower bound, comparator `>=`; `value_text` keeps the range), `table_deadline` (a table row's target without a "
            "deadline of its own takes the row's deadline column)",
        ),
        (
            "clean_value",
            "Float64",
            "for a damaged duplicate (`documents.duplicate_of`): the matched target of the clean copy "
            "(same task path, most alike quote and characters before the number)",
        ),
        ("clean_unit", "str", "its unit"),
        ("clean_quote", "str", "its quote"),
        ("clean_source", "str", "its `target_id`"),
        ("clean_char_start", "Int64", "its offsets"),
        ("clean_char_end", "Int64", "its offsets"),
        (
            "decided_by",
            "str",
            "`model`, or `reviewer` for a target a reviewer fixed (data/corrections/targets.csv; a "
            "rejected target is left out)",
        ),
    ),
    "escalation": _columns(
        ("indicator_id", "str", "the canonical indicator"),
        ("indicator_name", "str", "its Chinese name (as in `targets.csv`; the plan's own phrase is `wording`)"),
        ("doc_id", "str", "the document, from the manifest"),
        ("region", "str", "the document, from the manifest"),
        ("level", "str", "the document, from the manifest"),
        ("year", "int64", "the document, from the manifest"),
        ("value", "float64", "its target (the binding, undamaged one if a plan has several; the others are in `note`)"),
        ("unit", "str", "its target"),
        ("comparator", "str", "its target"),
        ("deadline", "str", "its target"),
        ("previous_doc", "str", "the same issuer's earlier plan (`previous` link)"),
        ("change_vs_previous", "Float64", "the change against it"),
        ("parent_doc", "str", "the higher-level plan (`parent` link)"),
        ("change_vs_parent", "Float64", "the change against it"),
        (
            "change_unit",
            "str",
            "`pp` (percentage points, for rates) or `ratio` (everything else; money in one unit first)",
        ),
        (
            "direction",
            "str",
            "against the previous plan: `raised`, `lowered`, `same`; `new` when the issuer's earlier plan in "
            "the corpus does not commit to the indicator, or there is none",
        ),
        (
            "vs_parent",
            "str",
            "`stricter`, `looser` or `equal` than the parent, honouring `higher_is_better`; empty for counts, "
            "money and quantities (a city's count is a share of its province's: only the ratio is given)",
        ),
        ("higher_is_better", "bool", "from the lexicon"),
        ("wording", "str", "the document's own phrase"),
        ("quote", "str", "the source"),
        ("char_start", "int64", "the source's raw offsets"),
        ("char_end", "int64", "the source's raw offsets"),
        ("target_id", "str", "the target, as in `targets.csv`"),
        (
            "note",
            "str",
            "what differs besides the number: a striving (力争) target, a count kept cumulatively (累计) where the "
            "other plan counts per year, a different wording (a possible scope difference: `农村生活污水治理(管控)率` vs "
            "`农村生活污水治理率`; 2023's `淮河干流、重点支流、重点湖库` vs 2024's `重点支流`), other targets of the same indicator "
            "in the plan",
        ),
    ),
    "alignments": (
        *_COMPARISON_LABEL,
        *_side("source", "source (parent or earlier)", "target"),
        *_side("target", "target (child or later)", "source"),
        *_columns(
            ("score", "float64", "the link's score in [0, 1]; of an unlinked task, its nearest candidate's"),
            (
                "relation",
                "str",
                "`same` or `partial` for a link; an unlinked task: `dropped`/`new` (year) or "
                "`not_cascaded`/`local` (level)",
            ),
            (
                "evidence",
                "str",
                "shared terms and the best clause pair of a link; `nearest: <task_id> (<score>)` of an unlinked task",
            ),
            (
                "confidence",
                "float64",
                "of a link, the probability that it is one; of an unlinked task, that it has no "
                "counterpart (1 − that of its nearest candidate); fitted on the development gold; 1 for a reviewer's row",
            ),
            (
                "decided_by",
                "str",
                "`model`, or `reviewer` for a row the reviewer's corrections made (data/corrections/alignments.csv)",
            ),
        ),
    ),
    "alignment_clauses": (
        *_COMPARISON_LABEL,
        *_clause_side("source", "source"),
        *_clause_side("target", "target"),
        *_columns(
            ("relation", "str", "the relation of the link"),
            ("score", "float64", "the clauses' similarity"),
        ),
    ),
    "near_misses": (
        *_COMPARISON_LABEL,
        *_columns(
            ("source_doc", "str", "`doc_id` of the source plan"),
            ("source_task_id", "str", "the source plan's task, as in `tasks.csv`"),
            ("source_heading", "str", "its heading"),
            ("target_doc", "str", "`doc_id` of the target plan"),
            ("target_task_id", "str", "the target plan's task, as in `tasks.csv`"),
            ("target_heading", "str", "its heading"),
            ("score", "float64", "the pair's score in [0, 1]"),
            ("best_clause_score", "float64", "similarity of the pair's best clause pair"),
            (
                "link_probability",
                "float64",
                "the probability that the pair is a link (the calibrated confidence model), at least `near_miss_min`",
            ),
            (
                "evidence",
                "str",
                "`shared: <terms>`: the most informative whole words both tasks hold, as in a link's evidence",
            ),
        ),
    ),
    "coverage": (
        *_COMPARISON_LABEL,
        *_columns(
            ("side", "str", f"{_SOURCE}, `target` = child/later"),
            ("doc_id", "str", "the side's document"),
            (
                "scope",
                "str",
                "`overall`, `part`, `section` (a task without a section counts under its part) or, for the "
                "source plan, `lead_unit` (a task counts for each lead unit, `X会同…` for X, none → `(none)`)",
            ),
            ("group", "str", "the part, section or lead unit (`all tasks` for `overall`)"),
            ("n_tasks", "int64", "tasks of the group"),
            ("n_linked", "int64", "of which linked"),
            ("share_linked", "float64", "`n_linked / n_tasks`"),
            ("n_same", "int64", "tasks with a `same` link"),
            ("n_partial", "int64", "tasks with `partial` links only"),
            ("n_unlinked", "int64", "tasks without a link"),
        ),
    ),
    "coverage_tasks": (
        *_COMPARISON_LABEL,
        *_columns(
            ("side", "str", f"{_SOURCE}, `target` = child/later"),
            ("doc_id", "str", "the task, as in `tasks.csv`"),
            ("task_id", "str", "the task, as in `tasks.csv`"),
            ("path", "str", "the task's outline path, as in `tasks.csv`"),
            ("heading", "str", "the task's heading"),
            (
                "relation",
                "str",
                "`same` if any of its links is, else `partial`, else the unlinked relation (the "
                "not-cascaded parent tasks and the city-only tasks)",
            ),
            ("linked_task_ids", "str", "`;`-separated, best first"),
            ("best_score", "float64", "its best link's score (0 without one)"),
            ("char_start", "int64", "the task's raw offsets"),
            ("char_end", "int64", "the task's raw offsets"),
        ),
    ),
    "coverage_indicators": (
        *_COMPARISON_LABEL,
        *_columns(("indicator_id", "str", "an indicator both plans set targets for")),
        *_indicator_side("source", "source"),
        *_indicator_side("target", "target"),
        *_columns(("tasks_aligned", "bool", "whether the two tasks are linked")),
    ),
    "corrections": _columns(
        ("file", "str", "the corrections file"),
        ("line", "int64", "the correction's line in it"),
        (
            "correction",
            "str",
            "what it decides: `link <source_task_id> → <target_task_id>: <relation>` or "
            "`target <doc_id> <target_id>: <action>`",
        ),
        ("status", "str", "`applied`, or `stale`: it names a comparison, task or target that no longer exists"),
        ("problem", "str", "why it is stale"),
    ),
}

# Columns the build adds after the model (analysis/align/confidence.py, analysis/review/apply.py);
# ``decided_by`` is one of DECIDERS.
REVIEW_COLUMNS = {"alignments": ("confidence", "decided_by"), "targets": ("decided_by",)}
DECIDERS = ("model", "reviewer")

# What each processed table holds, one row of it: the reference's line above its columns.
DESCRIPTIONS: dict[str, str] = {
    "documents": "one row per document",
    "tasks": "one row per task (a leaf block that carries content; part and section headings are context; framing blocks "
    "such as 总体要求 are not tasks; closing matter after the last block — 附件 headers, 抄送 lists, the 印发 "
    "colophon, a signature of issuer and date (digits or 二〇二四年三月五日) — is not part of the last task, and "
    "the signature is read for the metadata)",
    "targets": "one row per quantitative target (a number a task commits to, or a scope count that says what a commitment "
    "applies to; see [what is not a target](#what-is-not-a-target))",
    "escalation": "for each canonical indicator committed to in two or more documents (a damaged duplicate is not a "
    "document of its own), one row per document in year and level order",
    "alignments": "every comparison the manifest's links imply (`previous` → year, `parent` → level; damaged duplicate "
    "copies such as the web copy are left out): one row per link, and one per task left unlinked (the "
    "other side empty)",
    "alignment_clauses": "for each linked pair, each source clause's best clause in the target task (similarity ≥ "
    "`clause_match_min`): which sub-actions were carried over",
    "near_misses": "candidate pairs of each comparison the model left unlinked although they may be links (link "
    "probability ≥ `near_miss_min`), most probable first: what `analysis review` offers a reviewer besides the "
    "doubtful links and unlinked tasks (typically a city task carrying one clause of a broad provincial task)",
    "coverage": "shares of tasks linked, per side of each comparison. For a level comparison the source rows answer "
    '"how much of the province did the city take up", the target rows "how much of the city plan is local"',
    "coverage_tasks": "one row per task of both plans of each comparison",
    "coverage_indicators": "for indicators both plans set targets for, the values side by side: every pairing of a "
    "source and a target value of the same indicator",
    "corrections": "one row per reviewer correction (data/corrections/), applied or stale",
}


def _table(name: str) -> tuple[Column, ...]:
    if name in TABLES:
        return TABLES[name]
    others = {"manifest": MANIFEST, "loaded_manifest": (*MANIFEST, FILE_PATH), "comparisons": COMPARISONS}
    if name in others:
        return others[name]
    raise KeyError(f"no table {name!r} in the schema (tables: {', '.join([*TABLES, *others])})")


def columns(table: str) -> list[str]:
    """The column names of ``table`` in order (a new list each call: callers may extend it)."""
    return [column.name for column in _table(table)]


def model_columns(table: str) -> list[str]:
    """The columns of ``table`` as the model makes it, before the build's :data:`REVIEW_COLUMNS`."""
    return [name for name in columns(table) if name not in REVIEW_COLUMNS.get(table, ())]


def dtypes(table: str) -> dict[str, str]:
    """Column name → pandas dtype of ``table`` (as its Parquet file keeps it)."""
    return {column.name: column.dtype for column in _table(table)}


class SchemaError(ValueError):
    """A table whose columns are not its schema's."""


def check(table: str, frame_columns) -> None:
    """Raise :class:`SchemaError` naming the table and the columns when ``frame_columns`` (names,
    in order) differ from the schema's."""
    expected, found = columns(table), [str(c) for c in frame_columns]
    if found == expected:
        return
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    details = [f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else ""]
    if not missing and not extra:
        details = [f"in the wrong order: {', '.join(found)}"]
    raise SchemaError(
        f"table {table!r} does not match analysis/schema.py: "
        f"{'; '.join(d for d in details if d)} (expected: {', '.join(expected)})"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The "Processed tables" reference of the README: each table's columns as a markdown table.

    Consecutive columns of the same dtype and meaning share a row.
    """
    blocks = []
    for name, table in TABLES.items():
        rows: list[tuple[list[str], str, str]] = []
        for column in table:
            if rows and rows[-1][1:] == (column.dtype, column.meaning):
                rows[-1][0].append(column.name)
            else:
                rows.append(([column.name], column.dtype, column.meaning))
        lines = [
            f"`data/processed/{name}.csv` — {DESCRIPTIONS[name]}:",
            "",
            "| column | dtype | meaning |",
            "|---|---|---|",
        ]
        lines += [
            f"| {', '.join(f'`{n}`' for n in names)} | {dtype} | {_cell(meaning)} |" for names, dtype, meaning in rows
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# --- the README's reference, between two marker comments ---------------------------------------

README_START = "<!-- schema:start -->"
README_END = "<!-- schema:end -->"


def readme_section(readme: str) -> str:
    """The text between the README's schema markers (without the markers' own lines)."""
    start, end = readme.index(README_START), readme.index(README_END)
    return readme[readme.index("\n", start) + 1 : end]


def with_readme_section(readme: str) -> str:
    """``readme`` with the text between its schema markers replaced by :func:`markdown`."""
    if README_START not in readme or README_END not in readme:
        raise ValueError(f"the README has no {README_START} … {README_END} markers")
    start, end = readme.index(README_START), readme.index(README_END)
    return readme[: readme.index("\n", start) + 1] + markdown() + readme[end:]


def main(readme_path: str | None = None) -> None:
    """Rewrite the README's "Processed tables" reference from this module (``make readme-tables``).

    Atomic, as :mod:`analysis.storage` writes (which this bottom module does not import): a
    temporary file beside the README, then renamed onto it.
    """
    import os
    import tempfile
    from pathlib import Path

    path = Path(readme_path) if readme_path else Path(__file__).resolve().parent.parent / "README.md"
    text = path.read_text(encoding="utf-8")
    updated = with_readme_section(text)
    if updated != text:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(updated)
            os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
    print(f"{path}: {'rewritten' if updated != text else 'already current'}")


if __name__ == "__main__":
    import sys

    main(*sys.argv[1:2])
