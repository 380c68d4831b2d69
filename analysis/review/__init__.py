"""Stage 6, review: a reviewer's decisions beside the model's.

decisions (the corrections files, read and checked) → apply (the decisions applied to a
comparison and to the targets, the same way wherever a comparison is made) → queue (what is
left to decide, for a reviewer) → agreement (the model scored against the decisions).
"""

from analysis.review.agreement import agreement_report, link_agreement, target_agreement
from analysis.review.apply import (
    DECISION_PAIR_COLUMNS,
    alignment_log,
    apply_link_decisions,
    correct_alignment,
    correct_clause_matches,
    correct_targets,
    decisions_of,
    log_lines,
    log_table,
)
from analysis.review.decisions import (
    ALIGNMENT_CORRECTION_COLUMNS,
    TARGET_CORRECTION_COLUMNS,
    Corrections,
    read_alignment_corrections,
    read_target_corrections,
)
from analysis.review.queue import (
    DEFAULT_BAND,
    NEAR_MISS,
    QUEUE_COLUMNS,
    REASONS,
    comparison_queue,
    export_queue,
    queue_summary,
    review_pairs,
    review_queue,
    write_queue,
)

__all__ = [
    "ALIGNMENT_CORRECTION_COLUMNS",
    "DECISION_PAIR_COLUMNS",
    "DEFAULT_BAND",
    "NEAR_MISS",
    "QUEUE_COLUMNS",
    "REASONS",
    "TARGET_CORRECTION_COLUMNS",
    "Corrections",
    "agreement_report",
    "alignment_log",
    "apply_link_decisions",
    "comparison_queue",
    "correct_alignment",
    "correct_clause_matches",
    "correct_targets",
    "decisions_of",
    "export_queue",
    "link_agreement",
    "log_lines",
    "log_table",
    "queue_summary",
    "read_alignment_corrections",
    "read_target_corrections",
    "review_pairs",
    "review_queue",
    "target_agreement",
    "write_queue",
]
