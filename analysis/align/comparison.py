"""One comparison of two plans as one unit: everything the model says about it.

:func:`compare_plans` aligns two parsed plans and returns a :class:`PlanComparison` (as spaCy's
``nlp(text)`` returns a ``Doc``): the links and unlinked tasks with their confidence, each link's
clause matches, the near misses (unlinked pairs that may be links) and the candidate pairs with
their link probability, from which coverage is computed. The build, the ``align`` command, the
evaluation and the notebooks all make a comparison this way; a reviewer's decisions are applied
on top by :func:`analysis.review.apply_link_decisions`, which returns a comparison of the same
type. A comparison read back from built tables (:meth:`PlanComparison.from_tables`) has no
candidate pairs: what it says was decided, and reviewed, when it was built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analysis import schema
from analysis.align.aligner import align
from analysis.align.clause_pairs import ClausePairs
from analysis.align.confidence import LinkModel, hidden_link_probability, link_probability, near_misses, row_confidence
from analysis.align.coverage import coverage_summary, indicator_comparison, task_coverage
from analysis.align.plans import PlanCache, PlanPair
from analysis.align.signals import links_of, pair_signals
from analysis.align.tables import best_clause_texts, shared_evidence, with_task_details
from analysis.parse.document import ParsedDocument
from analysis.settings import AlignmentSettings

MODEL, REVIEWER = schema.DECIDERS
# The columns a comparison holds of each table: the processed table's, but for those of one value
# per comparison (:data:`PER_COMPARISON_COLUMNS`), which :func:`stack_tables` fills in.
PER_COMPARISON_COLUMNS = {
    "alignments": ("comparison_id", "kind"),
    "alignment_clauses": ("comparison_id", "kind"),
    "near_misses": ("comparison_id", "kind", "source_doc", "target_doc"),
}
OWN_COLUMNS = {
    name: [c for c in schema.columns(name) if c not in labels] for name, labels in PER_COMPARISON_COLUMNS.items()
}
# The tables a comparison makes, in the order the build stacks them.
COMPARISON_TABLES = ("alignments", "alignment_clauses", "near_misses", "coverage_tasks", "coverage")


@dataclass(frozen=True)
class PlanComparison:
    """Everything said about one comparison of two plans (source: the earlier or higher-level
    plan, or peer A; target: the later or lower-level one, or peer B).

    ``alignments``, ``clause_matches`` and ``near_misses`` hold the processed tables' columns of
    this comparison (:data:`OWN_COLUMNS`); ``comparison[name]`` and :meth:`tables` give them as
    processed-table rows. ``pairs``: the candidate pairs' columns (signals, ``score``, the model's
    ``relation``, ``link_probability``, ``hidden_link_probability``), None for a comparison read back from built tables.
    """

    comparison_id: str
    kind: str
    source_doc: str
    target_doc: str
    source_tasks: pd.DataFrame
    target_tasks: pd.DataFrame
    alignments: pd.DataFrame
    clause_matches: pd.DataFrame
    near_misses: pd.DataFrame
    settings: AlignmentSettings
    targets: pd.DataFrame | None = None
    pairs: Mapping[str, np.ndarray] | None = None

    @cached_property
    def coverage_tasks(self) -> pd.DataFrame:
        return task_coverage(self.alignments, self.source_tasks, self.target_tasks, self.comparison_id, self.kind)

    @cached_property
    def coverage(self) -> pd.DataFrame:
        return coverage_summary(
            self.coverage_tasks, self.source_tasks, self.target_tasks, self.comparison_id, self.kind
        )

    @cached_property
    def coverage_indicators(self) -> pd.DataFrame:
        return indicator_comparison(self.tables(with_indicators=False)["alignments"], self.targets, self.plan_row())

    @cached_property
    def pair_table(self) -> pd.DataFrame:
        """The candidate pairs as a table (empty for a comparison read back from built tables)."""
        return pd.DataFrame(dict(self.pairs or {}))

    def plan_row(self) -> pd.DataFrame:
        """The comparison's row of the comparisons table."""
        return pd.DataFrame(
            [[self.comparison_id, self.kind, self.source_doc, self.target_doc]], columns=schema.columns("comparisons")
        )

    def labels(self) -> dict[str, str]:
        return {
            "comparison_id": self.comparison_id,
            "kind": self.kind,
            "source_doc": self.source_doc,
            "target_doc": self.target_doc,
        }

    def model_tables(self) -> dict[str, pd.DataFrame]:
        """The tables of :data:`COMPARISON_TABLES`, without their :data:`PER_COMPARISON_COLUMNS`."""
        return {
            "alignments": self.alignments,
            "alignment_clauses": self.clause_matches,
            "near_misses": self.near_misses,
            "coverage_tasks": self.coverage_tasks,
            "coverage": self.coverage,
        }

    def tables(self, with_indicators: bool = True) -> dict[str, pd.DataFrame]:
        """The comparison's rows of every processed comparison table."""
        tables = stack_tables([(self.labels(), self.model_tables())])
        if with_indicators:
            tables["coverage_indicators"] = self.coverage_indicators
        return tables

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables(with_indicators=name == "coverage_indicators")[name]

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, pd.DataFrame],
        source_tasks: pd.DataFrame,
        target_tasks: pd.DataFrame,
        settings: AlignmentSettings,
        targets: pd.DataFrame | None = None,
    ) -> PlanComparison:
        """A comparison from its rows of the processed tables (:meth:`tables`)."""
        alignments = tables["alignments"]
        first = alignments.iloc[0]
        return cls(
            comparison_id=str(first["comparison_id"]),
            kind=str(first["kind"]),
            source_doc=str(source_tasks["doc_id"].iloc[0]) if len(source_tasks) else "",
            target_doc=str(target_tasks["doc_id"].iloc[0]) if len(target_tasks) else "",
            source_tasks=source_tasks,
            target_tasks=target_tasks,
            alignments=alignments[OWN_COLUMNS["alignments"]].reset_index(drop=True),
            clause_matches=tables["alignment_clauses"][OWN_COLUMNS["alignment_clauses"]].reset_index(drop=True),
            near_misses=tables["near_misses"][OWN_COLUMNS["near_misses"]].reset_index(drop=True),
            settings=settings,
            targets=targets,
        )


def stack_tables(comparisons: list[tuple[Mapping[str, str], Mapping[str, pd.DataFrame]]]) -> dict[str, pd.DataFrame]:
    """The :meth:`PlanComparison.model_tables` of several comparisons (each with its
    :meth:`PlanComparison.labels`) stacked in order, with their :data:`PER_COMPARISON_COLUMNS`:
    filled in once per stack, cheaper than a repeated string column per comparison."""
    tables = {}
    for name in COMPARISON_TABLES:
        # a comparison without rows (no clause matches, no near misses) is left out of the stack:
        # its columns, of no values, would turn the stack's into Python objects
        frames = [found[name] for _, found in comparisons if len(found[name])]
        stack = pd.concat(frames, ignore_index=True) if frames else schema.empty(name)
        sizes = [len(found[name]) for _, found in comparisons]
        for label in PER_COMPARISON_COLUMNS.get(name, ()):
            values = np.array([labels[label] for labels, _ in comparisons], dtype=object)
            stack[label] = pd.array(np.repeat(values, sizes), dtype="str")  # typed: a stack may have no rows
        tables[name] = stack[schema.columns(name)]
    return tables


def compare_plans(
    source: ParsedDocument,
    target: ParsedDocument,
    kind: str,
    settings: AlignmentSettings,
    link_model: LinkModel,
    targets: pd.DataFrame | None = None,
    plans: PlanCache | None = None,
) -> PlanComparison:
    """Everything the model says about ``source`` → ``target`` (``kind``: ``year``, ``level`` or
    ``peer``): :func:`analysis.align.align` under ``settings``, each row's confidence from
    ``link_model``, the near misses. ``targets``: the quantitative targets of both plans (the
    indicator signal); ``plans``: a build's cache of plan features (else computed here)."""
    plan_pair = PlanPair.of(source, target, settings, targets, plans)
    result = align(plan_pair, kind)
    source_ids, target_ids = source.tasks["task_id"], target.tasks["task_id"]
    pairs = dict(result.pair_columns)
    pairs["link_probability"] = link_probability(pairs, link_model, len(source_ids), len(target_ids))
    pairs["hidden_link_probability"] = hidden_link_probability(pairs, pairs["link_probability"], settings.hidden_link)
    table = result.alignment_columns
    confidence = row_confidence(table, pairs, pairs["link_probability"], source_ids, target_ids)
    alignments = with_task_details(table, source.tasks, target.tasks, confidence=confidence, decided_by=MODEL)
    return PlanComparison(
        comparison_id=f"{source.doc_id}__{target.doc_id}",
        kind=kind,
        source_doc=source.doc_id,
        target_doc=target.doc_id,
        source_tasks=source.tasks,
        target_tasks=target.tasks,
        alignments=alignments,
        clause_matches=result.clause_matches,
        near_misses=_near_misses(plan_pair, pairs, settings.near_miss_min, result.clause_pairs),
        settings=settings,
        targets=targets,
        pairs=pairs,
    )


def _near_misses(
    plan_pair: PlanPair, pairs: Mapping[str, np.ndarray], minimum: float, clause_pairs: ClausePairs
) -> pd.DataFrame:
    """The candidate pairs the model left unlinked with a chance of hiding a link of at least
    ``minimum``, most probable first, with the words their tasks share and their best clause
    pair (from ``clause_pairs``, those of every candidate pair: not computed again)."""
    at = near_misses(pairs["relation"], pairs["hidden_link_probability"], minimum)
    rows, cols = pairs["source_index"][at], pairs["target_index"][at]
    source, target = plan_pair.source.tasks, plan_pair.target.tasks
    by_task = np.argsort(at)  # candidate pairs, and their clause pairs, are in task order
    source_clause, target_clause = np.empty(len(at), dtype=object), np.empty(len(at), dtype=object)
    held = clause_pairs.of_pairs(at[by_task])
    found = best_clause_texts(plan_pair, links_of(plan_pair, rows[by_task], cols[by_task], np.full(len(at), ""), held))
    source_clause[by_task], target_clause[by_task] = found
    return pd.DataFrame(
        {
            "source_task_id": pairs["source_task_id"][at],
            "source_heading": source["heading"].to_numpy(dtype=object)[rows],
            "target_task_id": pairs["target_task_id"][at],
            "target_heading": target["heading"].to_numpy(dtype=object)[cols],
            "score": pairs["score"][at],
            "best_clause_score": np.round(pairs["clauses"][at], 6),
            "source_clause": source_clause,
            "target_clause": target_clause,
            "link_probability": np.round(pairs["link_probability"][at], 6),
            "hidden_link_probability": pairs["hidden_link_probability"][at],
            "evidence": shared_evidence(plan_pair, rows, cols),
        },
        columns=OWN_COLUMNS["near_misses"],
    )


def scored_pairs(
    source: ParsedDocument,
    target: ParsedDocument,
    settings: AlignmentSettings,
    targets: pd.DataFrame | None = None,
    plans: PlanCache | None = None,
) -> pd.DataFrame:
    """The candidate pairs of two plans with their signals and score, before any decision (as
    :func:`compare_plans` scores them): what the evaluation chooses thresholds on and fits the
    link confidence on."""
    return pair_signals(PlanPair.of(source, target, settings, targets, plans))
