"""Stage 5, compare: one indicator across years and levels (the escalation table), and which
documents of a corpus copy one another."""

from analysis.compare.duplicates import near_duplicates
from analysis.compare.escalation import ESCALATION_COLUMNS, escalation_table

__all__ = ["ESCALATION_COLUMNS", "escalation_table", "near_duplicates"]
