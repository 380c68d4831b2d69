"""Helpers of the exploration notebook (``notebooks/07_explore_tables.ipynb``), the one a researcher
copies to start their own: find a task by its id or by its words, and follow it across plans."""

from __future__ import annotations

import pandas as pd

from analysis.errors import UserError
from analysis.schema import LINKS

TRAIL_COLUMNS = ["step", "doc_id", "task_id", "path", "heading", "via", "relation", "score", "kind", "text"]


def find_task(value: str, tasks: pd.DataFrame, parameter: str = "task") -> str:
    """The task ``value`` names: a task id, else the first task (in table order) whose heading or
    text holds those words."""
    if value in set(tasks["task_id"]):
        return value
    holds = tasks["heading"].str.contains(value, regex=False) | tasks["text"].str.contains(value, regex=False)
    if not value or not holds.any():
        raise UserError(
            parameter, f"no task has the id or the words {value!r} (task ids look like {tasks['task_id'].iloc[0]})"
        )
    return str(tasks.loc[holds, "task_id"].iloc[0])


def follow_task(task_id: str, alignments: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    """Every task linked to ``task_id``, directly or through other plans' tasks (the task a plan of
    the year before it continues, the city tasks that take it up …), nearest first: ``step`` links
    away, ``via`` the task it is linked to, with that link's relation, score and comparison kind."""
    links = alignments[alignments["relation"].isin(LINKS)]
    ends = pd.concat(
        [
            links.rename(columns={"source_task_id": "task_id", "target_task_id": "via"}),
            links.rename(columns={"target_task_id": "task_id", "source_task_id": "via"}),
        ]
    )[["task_id", "via", "relation", "score", "kind"]]
    start = {"task_id": [task_id], "via": [""], "relation": [""], "score": [float("nan")], "kind": [""], "step": [0]}
    found = [pd.DataFrame(start)]
    seen, frontier, step = {task_id}, [task_id], 0
    while frontier:
        step += 1
        reached = ends[ends["via"].isin(frontier) & ~ends["task_id"].isin(seen)].drop_duplicates("task_id")
        found.append(reached.assign(step=step))
        seen.update(reached["task_id"])
        frontier = list(reached["task_id"])
    trail = pd.concat(found, ignore_index=True).merge(
        tasks[["task_id", "doc_id", "path", "heading", "text"]], on="task_id"
    )
    return trail.sort_values("step", kind="stable")[TRAIL_COLUMNS].reset_index(drop=True)
