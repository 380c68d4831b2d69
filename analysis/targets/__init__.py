"""Stage 3, targets: the quantitative targets of each task, and of the plan outside its tasks
(value, unit, comparator, deadline, role), and the canonical indicator each one measures."""

from analysis.targets.document import compared_targets
from analysis.targets.extract import (
    TARGET_COLUMNS,
    find_targets,
    targets_of_plans,
    targets_table,
    text_targets,
    with_clean_values,
)
from analysis.targets.indicators import load_lexicon, map_phrase, map_targets

__all__ = [
    "TARGET_COLUMNS",
    "compared_targets",
    "find_targets",
    "load_lexicon",
    "map_phrase",
    "map_targets",
    "targets_of_plans",
    "targets_table",
    "text_targets",
    "with_clean_values",
]
