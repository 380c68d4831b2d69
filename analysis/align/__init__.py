"""Stage 4, align: which tasks of one plan continue (across years) or implement (across levels)
which tasks of another, and how much of a plan the other takes up.

clauses → features → plans (a plan's features; two plans compared) → signals → decide →
tables → aligner (:func:`align`) → coverage.
"""

from analysis.align.aligner import Alignment, align
from analysis.align.clauses import CLAUSE_COLUMNS, task_clauses
from analysis.align.coverage import (
    INDICATOR_COLUMNS,
    SUMMARY_COLUMNS,
    TASK_COVERAGE_COLUMNS,
    coverage_summary,
    indicator_comparison,
    task_coverage,
)
from analysis.align.decide import best_ratio, decide, one_to_one
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
from analysis.align.plans import Comparison, Plan, PlanCache
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
    "Comparison",
    "FeatureIds",
    "FeatureSpace",
    "Plan",
    "PlanCache",
    "Rows",
    "align",
    "best_ratio",
    "candidate_pairs",
    "char_ngrams",
    "combine",
    "coverage_summary",
    "decide",
    "fuzzy_similarity",
    "indicator_comparison",
    "one_to_one",
    "pair_signals",
    "paired_tfidf",
    "shared_evidence",
    "shared_terms",
    "task_clauses",
    "task_coverage",
    "task_roles",
    "unit_features",
    "unit_stem",
    "with_task_details",
]
