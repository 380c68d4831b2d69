"""The column sets of the comparison reports' tables, named once: the year, level and peer
notebooks show the same tables (``r.table(frame, columns.UNLINKED_TASKS, "not_taken_up")``), each
column with its header's catalogue key and how its values are shown (:class:`Column`)."""

from __future__ import annotations

from analysis.report.page import Column

# :func:`analysis.report.views.people_targets`: one indicator both plans set, values side by side.
TARGETS = [
    Column("indicator", "col.indicator"),
    Column("source_shown", "col.source_value", "html"),
    Column("target_shown", "col.target_value", "html"),
    Column("change_shown", "col.change"),
    Column("verdict", "col.verdict", "verdict"),
    Column("tasks_aligned", "col.tasks_aligned"),
    Column("source_quote", "col.source_quote", clip=True),
    Column("target_quote", "col.target_quote", clip=True),
    Column("indicator_id", "col.indicator_id"),
]

# :func:`analysis.report.views.people_targets_to_check`: targets of one indicator not compared.
TARGETS_TO_CHECK = [
    Column("indicator", "col.indicator"),
    Column("source_shown", "col.source_value"),
    Column("target_shown", "col.target_value"),
    Column("why", "col.why"),
    Column("source_quote", "col.source_quote", clip=True),
    Column("target_quote", "col.target_quote", clip=True),
]

# :func:`analysis.report.views.unlinked_tasks`: the tasks of one side with no counterpart.
UNLINKED_TASKS = [
    Column("path", "col.path"),
    Column("heading", "col.heading"),
    Column("relation", "col.relation", "relation"),
    Column("certainty", "col.certainty", "label"),
    Column("best_score", "col.best_score", "score"),
    Column("text", "col.text", clip=True),
    Column("lead_units", "col.lead_units"),
    Column("task_id", "col.task_id"),
    Column("char_start", "col.char_start", "int"),
]

# :func:`analysis.report.views.aligned_tasks`: every link and unlinked task, with ids to trace.
ALIGNED = [
    Column("relation", "col.relation", "relation"),
    Column("score", "col.score", "score"),
    Column("source_path", "col.source_path"),
    Column("source_heading", "col.source_heading"),
    Column("target_path", "col.target_path"),
    Column("target_heading", "col.target_heading"),
    Column("source_task_id", "col.source_task_id"),
    Column("target_task_id", "col.target_task_id"),
]

# :func:`analysis.report.views.possible_links`: the likelier near misses, each with the row that accepts it.
POSSIBLE_LINKS = [
    Column("link_probability", "col.link_probability", "share"),
    Column("score", "col.score", "score"),
    Column("source_path", "col.source_path"),
    Column("source_heading", "col.source_heading"),
    Column("target_path", "col.target_path"),
    Column("target_heading", "col.target_heading"),
    Column("evidence", "col.evidence", clip=True),
    Column("correction", "col.correction", clip=True),
]

# :func:`analysis.report.views.clause_reach`: which sub-actions of a task reached the other plan.
SUB_ACTIONS = [
    Column("source_path", "col.source_path"),
    Column("source_heading", "col.source_heading"),
    Column("clauses_matched", "col.clauses_matched", "int"),
    Column("sub_actions", "col.sub_actions", clip=True),
    Column("source_task_id", "col.source_task_id"),
]
