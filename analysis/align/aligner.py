"""Aligning two plans: which tasks of a later (or lower-level) plan continue which tasks of an
earlier (or higher-level) plan — signals of candidate pairs, decisions, output tables."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.align.clause_pairs import ClausePairs
from analysis.align.decide import decide
from analysis.align.plans import PlanPair
from analysis.align.signals import PAIR_COLUMNS, links_of, pair_arrays
from analysis.align.tables import ALIGNMENT_COLUMNS, alignment_columns, clause_matches
from analysis.schema import KINDS


@dataclass(frozen=True)
class Alignment:
    """The result of aligning two plans: the contract table's columns, clause matches, the
    candidate pairs' columns (:func:`pair_signals`' with the decided ``relation``; their tables
    built when asked for) and the clause pairs of every candidate pair (numbered by its position
    in the pair columns), from which the clause signal was read."""

    alignment_columns: dict[str, np.ndarray]
    clause_matches: pd.DataFrame
    pair_columns: dict[str, np.ndarray]
    clause_pairs: ClausePairs

    @cached_property
    def alignments(self) -> pd.DataFrame:
        return pd.DataFrame(self.alignment_columns, columns=ALIGNMENT_COLUMNS)

    @cached_property
    def pairs(self) -> pd.DataFrame:
        return pd.DataFrame(self.pair_columns, columns=PAIR_COLUMNS)


def align(plan_pair: PlanPair, kind: str) -> Alignment:
    """Align the source plan's tasks with the target plan's (``kind``: one of :data:`KINDS`, ``year``,
    ``level`` or ``peer``, which only names the unlinked relations), with the weights and
    thresholds of the pair's settings."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    pairs, kept = pair_arrays(plan_pair)
    relation = pairs["relation"] = decide(
        pairs, len(plan_pair.source.tasks), len(plan_pair.target.tasks), plan_pair.settings.thresholds
    )
    linked = np.flatnonzero(relation != "")
    links = links_of(
        plan_pair, pairs["source_index"][linked], pairs["target_index"][linked], relation[linked], kept.of_pairs(linked)
    )
    return Alignment(alignment_columns(plan_pair, pairs, kind, links), clause_matches(plan_pair, links), pairs, kept)
