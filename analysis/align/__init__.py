"""Stage 4, align: which tasks of one plan continue (across years) or implement (across levels)
which tasks of another, and how much of a plan the other takes up.

clauses → features → plans (a plan's features; a pair of plans) → clause_pairs → signals → decide →
tables → aligner (:func:`align`) → confidence → coverage → comparison (:func:`compare_plans`, one
comparison as one unit: :class:`PlanComparison`).
"""

from analysis.align.aligner import Alignment, align
from analysis.align.clauses import CLAUSE_COLUMNS, task_clauses
from analysis.align.comparison import COMPARISON_TABLES, PlanComparison, compare_plans, scored_pairs, stack_tables
from analysis.align.confidence import HIDDEN_LINK_FEATURES, LinkModel, hidden_link_features, hidden_link_probability
from analysis.align.coverage import (
    INDICATOR_COLUMNS,
    SUMMARY_COLUMNS,
    TASK_COVERAGE_COLUMNS,
    coverage_summary,
    indicator_comparison,
    task_coverage,
)
from analysis.align.decide import best_ratio, decide, decide_grid, one_to_one, threshold_table, thresholds_of
from analysis.align.features import (
    FeatureIds,
    FeatureSpace,
    Rows,
    char_ngrams,
    paired_tfidf,
    task_roles,
    unit_features,
    unit_stem,
)
from analysis.align.plans import Plan, PlanCache, PlanPair, indicator_links
from analysis.align.signals import PAIR_COLUMNS, SIGNALS, candidate_pairs, combine, fuzzy_similarity, pair_signals
from analysis.align.tables import (
    ALIGNMENT_COLUMNS,
    CLAUSE_MATCH_COLUMNS,
    TASK_DETAIL_COLUMNS,
    shared_evidence,
    shared_terms,
    with_task_details,
)
from analysis.schema import KINDS, LINKS, UNLINKED

__all__ = [
    "ALIGNMENT_COLUMNS",
    "CLAUSE_COLUMNS",
    "CLAUSE_MATCH_COLUMNS",
    "COMPARISON_TABLES",
    "HIDDEN_LINK_FEATURES",
    "INDICATOR_COLUMNS",
    "KINDS",
    "LINKS",
    "PAIR_COLUMNS",
    "SIGNALS",
    "SUMMARY_COLUMNS",
    "TASK_COVERAGE_COLUMNS",
    "TASK_DETAIL_COLUMNS",
    "UNLINKED",
    "Alignment",
    "FeatureIds",
    "FeatureSpace",
    "LinkModel",
    "Plan",
    "PlanCache",
    "PlanComparison",
    "PlanPair",
    "Rows",
    "align",
    "best_ratio",
    "candidate_pairs",
    "char_ngrams",
    "combine",
    "compare_plans",
    "coverage_summary",
    "decide",
    "decide_grid",
    "fuzzy_similarity",
    "hidden_link_features",
    "hidden_link_probability",
    "indicator_comparison",
    "indicator_links",
    "one_to_one",
    "pair_signals",
    "paired_tfidf",
    "scored_pairs",
    "shared_evidence",
    "shared_terms",
    "stack_tables",
    "task_clauses",
    "task_coverage",
    "task_roles",
    "threshold_table",
    "thresholds_of",
    "unit_features",
    "unit_stem",
    "with_task_details",
]
