"""Stage 8 (beside report), evaluate: evaluation against hand-annotated gold: the target extractor and the task aligner (with a
naive baseline), scored with one definition of precision, recall and F1."""

from analysis.evaluate.alignment import AlignmentEvaluation, evaluate_alignment, method_summary, report
from analysis.evaluate.crosslevel import (
    CrossLevelEvaluation,
    crosslevel_report,
    evaluate_crosslevel,
    figures_side_by_side,
)
from analysis.evaluate.targets import (
    evaluate_targets,
    indicator_mapping,
    load_gold_targets,
    match_targets,
    threshold_sweep,
)
from analysis.metrics import precision_recall_f1

__all__ = [
    "AlignmentEvaluation",
    "CrossLevelEvaluation",
    "crosslevel_report",
    "evaluate_alignment",
    "evaluate_crosslevel",
    "evaluate_targets",
    "figures_side_by_side",
    "indicator_mapping",
    "load_gold_targets",
    "match_targets",
    "method_summary",
    "precision_recall_f1",
    "report",
    "threshold_sweep",
]
