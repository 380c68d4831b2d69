"""The fields of the suite's tables, each declared once: its pandas dtype, meaning and unit.

A field is a column name, or a side family such as ``<side>_char_start``: one field for the
``source_`` and ``target_`` columns of a comparison's rows (:data:`SIDES`). The tables
(:mod:`analysis.schema.tables`) list fields by name; no table redeclares one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# The two sides of a comparison, as a side family's columns are prefixed, and how each is described.
SIDES = {"source": ("parent or earlier", "target"), "target": ("child or later", "source")}
SIDE = "<side>"
# The dtypes a field may have, as pandas reports them (``str``: pandas' string dtype).
Dtype = Literal["str", "int64", "Int64", "float64", "Float64", "bool"]
DTYPES: tuple[Dtype, ...] = get_args(Dtype)

# Units of measure the fields share.
CHARACTERS = "characters"
SCORE_0_1 = "score, 0–1"
SHARE_0_1 = "share, 0–1"
PROBABILITY = "probability, 0–1"


@dataclass(frozen=True)
class Field:
    """One field, declared once: its pandas dtype, what it means and its unit (empty if none).

    A family's name holds ``<side>`` and its meaning ``{side}``, ``{plan}`` (``parent or earlier``)
    and ``{other}`` (the other side): one field for a source and a target column."""

    name: str
    dtype: Dtype
    meaning: str
    unit: str = ""


def _fields(*specs: tuple[str, ...]) -> dict[str, Field]:
    """The fields by name, from ``(name, dtype, meaning[, unit])``; a name declared twice is refused."""
    fields: dict[str, Field] = {}
    for name, dtype, *described in specs:
        if name in fields:
            raise ValueError(f"field {name!r} declared twice in analysis/schema/fields.py")
        if dtype not in DTYPES:
            raise ValueError(f"field {name!r}: unknown dtype {dtype!r} (one of {', '.join(DTYPES)})")
        fields[name] = Field(name, dtype, *described)
    return fields


_STATED = "`text` (printed in the plan) or `manifest` (the plan does not print it)"
_SIDE_EMPTY = "empty on an unlinked {other} task's row"

FIELDS = _fields(
    # --- documents and the manifest
    ("doc_id", "str", "a document's id, as in the manifest (letters, digits, `_`, `-`; unique)"),
    ("file", "str", "the file the row comes from, as a path"),
    ("file_path", "str", "the document's file, as an absolute path (added by `load_manifest`)"),
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
    ("title", "str", "the plan's title"),
    ("title_source", "str", f"where `title` comes from: {_STATED}"),
    ("issuer", "str", "the issuing authority"),
    ("issuer_source", "str", f"where `issuer` comes from: {_STATED}"),
    ("doc_number", "str", "the document number (文号)"),
    ("doc_number_source", "str", f"where `doc_number` comes from: {_STATED}"),
    ("date", "str", "the date of issue"),
    ("date_source", "str", f"where `date` comes from: {_STATED}"),
    ("region", "str", "the region the plan governs"),
    ("level", "str", "the plan's government level: `national`, `province`, `city`, `county` or `district`"),
    ("year", "int64", "the plan's year", "year"),
    ("parent", "str", "`doc_id` of the higher-level plan this one implements (a level comparison); empty if none"),
    ("previous", "str", "`doc_id` of the same issuer's plan of an earlier year (a year comparison); empty if none"),
    (
        "duplicate_of",
        "str",
        "`doc_id` of the plan this one is a (damaged) copy of, left out of comparisons; empty if none",
    ),
    ("duplicate_similarity", "float64", "the shingle Jaccard similarity of the copy and that plan", SHARE_0_1),
    ("n_chars", "int64", "length of the raw text", CHARACTERS),
    ("n_parts", "int64", "parts (`一、`) in the plan's outline"),
    ("n_sections", "int64", "sections (`(一)`) in the plan's outline"),
    ("n_items", "int64", "numbered items (`1.`) in the plan's outline"),
    ("n_tasks", "int64", "tasks counted"),
    ("n_lead_units", "int64", "distinct lead units the plan names"),
    ("n_responsible_units", "int64", "distinct responsible units the plan names"),
    ("damage_events", "int64", "encoding damage found in the raw text: events of every kind"),
    ("damage_replacement_chars", "int64", "encoding damage: `?` glued to text, or U+FFFD, where characters were lost"),
    ("damage_html_remnants", "int64", "encoding damage: remnants of HTML markup"),
    (
        "damage_broken_markers",
        "int64",
        "encoding damage: section markers whose number was lost (`(?` at a line's start)",
    ),
    ("damage_per_1k_chars", "float64", "damage events per 1,000 raw characters", "events per 1,000 characters"),
    ("damaged_task_share", "float64", "share of the plan's tasks flagged `damaged_text`", SHARE_0_1),
    # --- tasks
    ("task_id", "str", "a task's id: `<doc_id>:<part>-<section>-<item>` (0 where absent): deterministic"),
    ("part_no", "Int64", "the part's number, e.g. `2`"),
    ("part_title", "str", "the part's title, e.g. `二、重点工作`"),
    ("section_no", "Int64", "the section's number, e.g. `4` (empty where there is none)"),
    ("section_title", "str", "the section's title, e.g. `(四)深入打好污染防治攻坚战` (empty where there is none)"),
    ("item_no", "Int64", "the printed item number (empty where the plan has none, e.g. Wuhan)"),
    ("path", "str", "the task's outline path: its human-readable position, e.g. `二(三)8` (not a file path)"),
    ("heading", "str", "the task's title sentence"),
    ("text", "str", "the task's cleaned full text, attributions removed"),
    (
        "lead_units",
        "str",
        "`;`-separated; `X会同…` phrases are one unit. Read from brackets `(牵头单位:…;责任单位:…)` "
        "(either width, `【】`, `[]`, several per task, one role or both, `(相关单位分工负责)`), from role lines without a "
        "bracket (`牵头单位:县生态环境分局` on a line of its own), and from units named before their verb "
        "(`(县林业局牵头,县生态环境分局配合)`); of a target: an indicator table row's lead unit(s), empty otherwise",
    ),
    ("responsible_units", "str", "`;`-separated, read as `lead_units`"),
    (
        "char_start",
        "int64",
        "where the row's span starts in its document's raw text: `raw[char_start:char_end]` is the span "
        "(`raw` = the decoded file, BOM excluded, or the extracted text)",
        CHARACTERS,
    ),
    ("char_end", "int64", "where the row's span ends (exclusive): see `char_start`", CHARACTERS),
    ("line_start", "int64", "the line of `char_start` in the raw text", "line, 1-based"),
    (
        "flags",
        "str",
        "`;`-separated. Of a task: `damaged_text` (encoding damage in the span), `damaged_marker` (a section number "
        "inferred), `numbering_gap`, `merged_number` (an out-of-sequence item number read as text), `goal` (the goals "
        "in a framing block such as 总体要求, or a goal paragraph before the first block), `inherited_units` "
        "(units taken from the heading above), `table` (a row of a task-division table written as text: a cell, or a "
        "row, per line), `truncated` (the last task of a text cut mid-sentence, e.g. a web excerpt). Of a target: `damaged_text` "
        "(encoding damage in the quote), `damaged_value` (damage touching the number: never read it as clean), "
        "`shared_deadline`, `distributed` (分别), `continued` (a clause holding only a number continues the previous "
        "target: `,1次客商接待`), `cumulative` (累计), `range` (`3—5个`: the value is the lower bound, comparator `>=`; "
        "`value_text` keeps the range), `table_deadline` (a table row's target without a deadline of its own takes the "
        "row's deadline column), `implied` (role `implied`); a document-level target's place: `preamble`, `lead` (a "
        "repost's news lead), `table` (an indicator table)",
    ),
    # --- targets and their escalation
    (
        "target_id",
        "str",
        "a target's id: `<task_id>#<n>`, the n-th target of the task, or `<doc_id>:document#<n>`, the n-th "
        "document-level target: deterministic",
    ),
    (
        "indicator",
        "str",
        "the document's own phrase for what is measured (`农村生活污水治理(管控)率`); a phrase too generic "
        "alone carries its sentence's topic: `长江入河排污口整治 / 整治任务`",
    ),
    ("indicator_id", "str", "the canonical indicator of the lexicon; empty where the match scored below the threshold"),
    ("indicator_name", "str", "the canonical indicator's Chinese name, from the lexicon"),
    (
        "indicator_score",
        "float64",
        "how well `indicator` matched the canonical indicator (fuzzy match)",
        "score, 0–100",
    ),
    (
        "value",
        "float64",
        "the target's number, in `unit`: `46.58` (`46.58%`, `%`); `9000` `万元`; `1` `次/月`; `两场` is 2 `场`; "
        "`1.2万个` is 12000 `个`",
        "`unit`",
    ),
    ("value_text", "str", "the number as printed"),
    ("unit", "str", "the target's unit (`%`, `万元`, `个` …)"),
    (
        "kind",
        "str",
        "two vocabularies under one name. Of a comparison: `year` (`previous` → target), `level` (`parent` → target) "
        "or `peer`. Of a target: `rate` (a percentage level), `percentage_points`, `count`, `money`, `concentration`, "
        "`frequency`, `rank`, `quantity` (吨, 公里, 亩 …)",
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
        "`12480个排污口…完成80%的整治任务`, `…等4项主要污染物`); `document`: a number the plan commits to outside any task "
        "(a preamble sentence with a commitment cue such as 到2025年 or 力争, a repost's news lead before 原文如下 whose "
        "figure the plan does not state again, an indicator table's target column); `baseline`: an indicator table's "
        "starting value (基准值, 现状值, the earliest of its year columns), not a target; or `implied`: a value the "
        "wording fixes without printing it (`全面完成…整治` is 100%, `各区完成…` 100% of the districts, "
        "`华容区、鄂城区创建…` 2; `analysis/targets/implied.py`), compared only beside a value the other plan prints",
    ),
    (
        "scope_words",
        "str",
        "`;`-separated scope words of the target's sentence (`yangtze;into_river`, `lake;into_lake`, `tributary`, "
        "`control`: `analysis/targets/scope.py`): two targets of one indicator are like with like only when they agree",
    ),
    ("quote", "str", "the clause quoted (clean text)"),
    ("value_char_start", "int64", "where the number itself is printed in the raw text", CHARACTERS),
    ("value_char_end", "int64", "where the printed number ends (exclusive)", CHARACTERS),
    (
        "clean_value",
        "Float64",
        "for a damaged duplicate (`documents.duplicate_of`): the matched target of the clean copy "
        "(same task path, most alike quote and characters before the number)",
        "`clean_unit`",
    ),
    ("clean_unit", "str", "the clean copy's target's unit"),
    ("clean_quote", "str", "the clean copy's target's quote"),
    ("clean_source", "str", "the clean copy's target's `target_id`"),
    ("clean_char_start", "Int64", "where the clean copy's quote starts in its raw text", CHARACTERS),
    ("clean_char_end", "Int64", "where the clean copy's quote ends (exclusive)", CHARACTERS),
    (
        "decided_by",
        "str",
        "`model`, or `reviewer` for a row a reviewer's correction made (data/corrections/; a rejected target is "
        "left out)",
    ),
    ("previous_doc", "str", "the same issuer's earlier plan (`previous` link)"),
    ("change_vs_previous", "Float64", "the change against the earlier plan's target", "`change_unit`"),
    ("parent_doc", "str", "the higher-level plan (`parent` link)"),
    ("change_vs_parent", "Float64", "the change against the higher-level plan's target", "`change_unit`"),
    (
        "change_unit",
        "str",
        "how a change is stated, by the kind of number (`analysis/compare/change.py`): `pp` (percentage points, for "
        "rates and shares), `ratio` (counts and amounts; money in one unit first; against the parent: the share of "
        "the parent's) or `difference` (concentrations and ranks, in the unit)",
    ),
    (
        "direction",
        "str",
        "against the previous plan: `raised`, `lowered`, `same`; `new` when the issuer's earlier plan in "
        "the corpus does not commit to the indicator, or there is none; `check` when its target is not like with "
        "like (other scope words or units: `note` says which; no change given)",
    ),
    (
        "vs_parent",
        "str",
        "`stricter`, `looser` or `equal` than the parent, honouring `higher_is_better`; empty for counts, "
        "money and quantities (a city's count is a share of its province's: only the ratio is given); `check` when "
        "the parent's target is not like with like",
    ),
    ("higher_is_better", "bool", "whether a higher value is stricter, from the lexicon"),
    ("wording", "str", "the document's own phrase for the indicator (`indicator` in `targets.csv`)"),
    (
        "note",
        "str",
        "what differs besides the number: a value implied by the wording (and compared with one), a striving (力争) "
        "target, a count kept cumulatively (累计) where the other plan counts per year, a different wording "
        "(`农村生活污水治理(管控)率` vs `农村生活污水治理率`), a plan it is not compared with and why (`not compared with "
        "hubei_province_2023: scope differs: lake·tributary·into_river vs tributary`), other targets of the same "
        "indicator in the plan",
    ),
    # --- comparisons: their label, and the side families of their rows
    ("comparison_id", "str", "a comparison's id: `<source doc_id>__<target doc_id>`"),
    ("<side>_doc", "str", "`doc_id` of the comparison's {side} plan ({plan}); " + _SIDE_EMPTY),
    ("<side>_task_id", "str", "the {side} plan's task, as in `tasks.csv`; " + _SIDE_EMPTY),
    ("<side>_heading", "str", "the {side} task's heading, as in `tasks.csv`; " + _SIDE_EMPTY),
    (
        "<side>_char_start",
        "Int64",
        "where the row's {side} span starts in the {side} plan's raw text (as `char_start`); " + _SIDE_EMPTY,
        CHARACTERS,
    ),
    ("<side>_char_end", "Int64", "where the row's {side} span ends (exclusive); " + _SIDE_EMPTY, CHARACTERS),
    ("<side>_clause_no", "int64", "the {side} clause's number within its task (0: the heading sentence)"),
    ("<side>_clause", "str", "the {side} clause's text"),
    ("<side>_target_id", "str", "the {side} plan's target, as in `targets.csv`"),
    ("<side>_role", "str", "`role` of the {side} plan's target, as in `targets.csv` (`implied`: flagged)"),
    ("<side>_scope_words", "str", "`scope_words` of the {side} plan's target, as in `targets.csv`"),
    ("<side>_value", "float64", "`value` of the {side} plan's target, as in `targets.csv`", "`{side}_unit`"),
    ("<side>_unit", "str", "`unit` of the {side} plan's target, as in `targets.csv`"),
    ("<side>_comparator", "str", "`comparator` of the {side} plan's target, as in `targets.csv`"),
    ("<side>_quote", "str", "`quote` of the {side} plan's target, as in `targets.csv`"),
    # --- alignments, near misses and coverage
    ("score", "float64", "a pair's similarity score from the aligner", SCORE_0_1),
    (
        "relation",
        "str",
        "`same` or `partial` for a link; an unlinked task: `dropped`/`new` (year), `not_cascaded`/`local` (level) or "
        "`only_in_a`/`only_in_b` (peer)",
    ),
    ("evidence", "str", "why the pair scored: the most informative whole words both tasks hold (`shared: <terms>`)"),
    (
        "confidence",
        "float64",
        "of a link, the probability that it is one; of an unlinked task, that it has no counterpart (1 − that "
        "of its nearest candidate); fitted on the development gold; 1 for a reviewer's row",
        PROBABILITY,
    ),
    ("best_clause_score", "float64", "similarity of the pair's best clause pair", SCORE_0_1),
    (
        "link_probability",
        "float64",
        "the probability that the pair is a link (the calibrated confidence model)",
        PROBABILITY,
    ),
    (
        "hidden_link_probability",
        "float64",
        "the chance that the unlinked pair hides a link the model missed (its link probability, its rank among "
        "its target task's candidates and its topic agreement: the settings' `hidden_link`), at least "
        "`near_miss_min`",
        PROBABILITY,
    ),
    ("side", "str", "`source` (the parent or earlier plan) or `target` (the child or later plan)"),
    (
        "scope",
        "str",
        "`overall`, `part`, `section` (a task without a section counts under its part) or, for the "
        "source plan, `lead_unit` (a task counts for each lead unit, `X会同…` for X, none → `(none)`)",
    ),
    ("group", "str", "the part, section or lead unit (`all tasks` for `overall`)"),
    ("n_linked", "int64", "tasks of the group with a link"),
    ("share_linked", "float64", "`n_linked / n_tasks`", SHARE_0_1),
    ("n_same", "int64", "tasks of the group with a `same` link"),
    ("n_partial", "int64", "tasks of the group with `partial` links only"),
    ("n_unlinked", "int64", "tasks of the group without a link"),
    ("linked_task_ids", "str", "the tasks linked to this one, `;`-separated, best first"),
    ("best_score", "float64", "the task's best link's score (0 without one)", SCORE_0_1),
    ("tasks_aligned", "bool", "whether the two targets' tasks are linked"),
    (
        "pairing",
        "str",
        "`compare` (like with like), `implied` (the same, one value implied by its wording: `全面完成…` is 100%) or "
        "`check` (a pair it doubts — scope words or units differ —: listed for a reviewer, never reported as a change); "
        "`analysis/targets/pairing.py`",
    ),
    (
        "reason",
        "str",
        "why the pair is compared or doubted, in plain words (`same indicator; scope yangtze·into_river in both`)",
    ),
    # --- the reviewer's corrections
    ("line", "int64", "the correction's line in its file", "line, 1-based"),
    (
        "correction",
        "str",
        "what it decides: `link <source_task_id> → <target_task_id>: <relation>` or "
        "`target <doc_id> <target_id>: <action>`",
    ),
    ("status", "str", "`applied`, or `stale`: it names a comparison, task or target that no longer exists"),
    ("problem", "str", "why it is stale"),
    # --- the evaluation against the gold (analysis/evaluate/)
    ("comparison", "str", "a comparison named by its two documents: `<source doc_id> → <target doc_id>`"),
    (
        "gold",
        "str",
        "which gold scored it: `development` (the hand-annotated 2023 → 2024 links), `team check` (the "
        "team's clause-level annotation of a cross-level pair), `all links` or `high confidence` (every gold "
        "link, or those the annotator was sure of)",
    ),
    ("method", "str", "`model` (the aligner) or `baseline` (a naive method it is measured against)"),
    ("selection", "str", "what the thresholds were chosen on: `settings` (as built), `year pair` or `all pairs`"),
    (
        "setting",
        "str",
        "how the figures were made: `as built`, `in-sample`, `cross-validated` (folds over source tasks), "
        "`other pairs` / `held out` (thresholds or model fitted without this comparison), `no fitting`",
    ),
    ("precision", "float64", "share of the predicted links (or targets) the gold holds", SHARE_0_1),
    ("recall", "float64", "share of the gold's links the prediction holds", SHARE_0_1),
    ("f1", "float64", "harmonic mean of precision and recall", SHARE_0_1),
    ("label_accuracy", "float64", "share of the correctly found links whose `same`/`partial` is the gold's", SHARE_0_1),
    ("n_gold", "int64", "links in the gold"),
    ("n_predicted", "int64", "links predicted"),
    ("n_correct", "int64", "predicted links the gold holds"),
    (
        "threshold",
        "str",
        "the decision threshold moved: `link_min`, `partial_ratio`, `clause_min`, `topic_clause_min` or `goal_media_min`",
    ),
    ("threshold_value", "float64", "the value it was moved to (the others as selected)"),
    ("selected", "bool", "whether it is the value the evaluation selects"),
    ("fold", "int64", "a cross-validation fold (source task i is in fold i mod the number of folds)"),
    ("link_min", "float64", "the score a link needs", SCORE_0_1),
    ("partial_ratio", "float64", "a partial link's share of the best score of one of its tasks", SHARE_0_1),
    ("clause_min", "float64", "the best clause pair's similarity that makes a partial link (inf: rule off)", SCORE_0_1),
    (
        "topic_clause_min",
        "float64",
        "the best clause pair's topic-weighted similarity that makes a partial link (inf: rule off)",
        SCORE_0_1,
    ),
    (
        "goal_media_min",
        "float64",
        "the topic agreement of a goal clause with another plan's goal task that makes a partial link (inf: rule off)",
        SCORE_0_1,
    ),
    ("held_out_f1", "float64", "F1 on the fold's own source tasks, with thresholds chosen on the others", SHARE_0_1),
    ("held_out_n_gold", "int64", "gold links of the fold's source tasks"),
    ("error", "str", "`missed link`, `extra link` or `wrong label`"),
    ("relation_predicted", "str", "the model's relation (empty: no link)"),
    ("relation_gold", "str", "the gold's relation (empty: no link)"),
    ("bin", "str", "a band of predicted link probability, e.g. `0.8–0.9`"),
    ("n_pairs", "int64", "candidate pairs"),
    ("mean_confidence", "float64", "the mean predicted link probability", PROBABILITY),
    ("observed_link_rate", "float64", "the share of the pairs the gold links", SHARE_0_1),
    ("n_links", "int64", "pairs the gold links"),
    ("gold_links_not_candidates", "int64", "gold links the candidate pairs miss (no probability for them)"),
    ("log_loss", "float64", "mean negative log-likelihood of the gold under the predicted probabilities"),
    ("brier", "float64", "mean squared difference of predicted probability and gold (0 or 1)"),
    ("near_miss_min", "float64", "the chance of hiding a link from which an unlinked pair is a near miss", PROBABILITY),
    ("n_near_misses", "int64", "near misses offered to a reviewer"),
    ("gold_links_missed", "int64", "gold links the model does not make"),
    ("missed_in_near_misses", "int64", "of which the near misses hold"),
)
