"""How damaged a document is: encoding damage counted by kind, per 1,000 raw characters, and
the share of its tasks that carry damaged text."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from analysis.parse.clean import CleanDocument


def damage_summary(doc: CleanDocument, tasks: pd.DataFrame) -> dict[str, float | int]:
    """Counts of damage by kind, events per 1,000 raw characters, and share of damaged tasks."""
    kinds = Counter(d.kind for d in doc.damage)
    events = sum(kinds.values())
    flagged = tasks["flags"].str.contains("damaged_text", regex=False).sum() if len(tasks) else 0
    return {
        "damage_events": events,
        "damage_replacement_chars": kinds.get("replacement_char", 0),
        "damage_html_remnants": kinds.get("html_remnant", 0),
        "damage_broken_markers": kinds.get("broken_marker", 0),
        "damage_per_1k_chars": round(1000 * events / max(len(doc.raw), 1), 3),
        "damaged_task_share": round(flagged / len(tasks), 4) if len(tasks) else 0.0,
    }
