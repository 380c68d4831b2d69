"""The targets compared across plans against a hand-made list of the pairs that should be.

``data/gold/indicator_pairs.csv`` (see ``data/gold/README.md``) lists, for the comparisons of the
bundled plans, every pair of targets a reviewer compares (``compare``, or ``implied`` when one
value is implied by its wording) and the look-alikes a reviewer doubts (``check``) or would not
compare (``none``). A row names each side by document, task path, value and a fragment of its
quote. The pairs the project compares are the ``coverage_indicators`` rows whose ``pairing`` is
``compare`` or ``implied`` (every row of a table from before pairings were decided): precision is
the share of them the list calls ``compare`` or ``implied``, recall the share of those the
project compares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.metrics import precision_recall_f1
from analysis.settings import GOLD_DIR
from analysis.storage import read_checked_csv
from analysis.targets.pairing import COMPARED

GOLD_PAIRS_PATH = GOLD_DIR / "indicator_pairs.csv"
GOLD_PAIR_COLUMNS = [
    "source_doc",
    "source_path",
    "source_value",
    "source_text",
    "target_doc",
    "target_path",
    "target_value",
    "target_text",
    "decision",
    "note",
]
GOLD_DECISIONS = (*COMPARED, "check", "none")
_PAIR_KEY = [
    "comparison_id",
    "source_task_id",
    "source_value",
    "source_quote",
    "target_task_id",
    "target_value",
    "target_quote",
]


def load_gold_pairs(path: Path | str = GOLD_PAIRS_PATH) -> pd.DataFrame:
    gold = read_checked_csv(path, GOLD_PAIR_COLUMNS, "gold indicator pairs")
    unknown = sorted(set(gold["decision"]) - set(GOLD_DECISIONS))
    if unknown:
        raise ValueError(f"{path}: unknown decision {unknown[0]!r} (known: {', '.join(GOLD_DECISIONS)})")
    for side in ("source", "target"):
        gold[f"{side}_value"] = pd.to_numeric(gold[f"{side}_value"].replace("", None), errors="coerce")
    return gold


def compared_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The distinct pairs a ``coverage_indicators`` table compares (see the module doc)."""
    compared = pairs[pairs["pairing"].isin(COMPARED)] if "pairing" in pairs.columns else pairs
    return compared.drop_duplicates(_PAIR_KEY).reset_index(drop=True)


def _same(value: float, gold_value: float) -> bool:
    return not math.isnan(gold_value) and math.isclose(float(value), gold_value, abs_tol=1e-9)


def gold_row_of(pair: dict, gold: pd.DataFrame, paths: dict[str, str]) -> int | None:
    """The position of the gold row naming ``pair`` (a ``coverage_indicators`` row), None if none does."""
    for position, row in enumerate(gold.to_dict(orient="records")):
        if all(
            pair[f"{side}_doc"] == row[f"{side}_doc"]
            and paths.get(pair[f"{side}_task_id"], "") == row[f"{side}_path"]
            and _same(pair[f"{side}_value"], row[f"{side}_value"])
            and row[f"{side}_text"] in str(pair[f"{side}_quote"])
            for side in ("source", "target")
        ):
            return position
    return None


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    n_compared: int
    n_gold: int
    n_correct: int
    wrong: pd.DataFrame  # compared pairs the list does not call compare or implied (with its decision, if any)
    missed: pd.DataFrame  # gold pairs the project does not compare


def pair_scores(pairs: pd.DataFrame, gold: pd.DataFrame, paths: dict[str, str]) -> PairScores:
    """The project's compared pairs (``pairs``: a ``coverage_indicators`` table; ``paths``: task id →
    path) against the gold list."""
    compared = compared_pairs(pairs)
    decisions = list(gold["decision"])
    found = [gold_row_of(pair, gold, paths) for pair in compared.to_dict(orient="records")]
    right = [i is not None and decisions[i] in COMPARED for i in found]
    hit = {i for i, ok in zip(found, right) if ok}
    n_gold = sum(d in COMPARED for d in decisions)
    precision, recall, _ = precision_recall_f1(sum(right), len(compared), n_gold)
    wrong = compared[[not ok for ok in right]].assign(
        gold_decision=[decisions[i] if i is not None else "" for i, ok in zip(found, right) if not ok]
    )
    missed = [d in COMPARED and i not in hit for i, d in enumerate(decisions)]
    return PairScores(
        precision,
        recall,
        len(compared),
        n_gold,
        sum(right),
        wrong.reset_index(drop=True),
        gold[missed].reset_index(drop=True),
    )


def pairs_report(scores: PairScores) -> str:
    lines = [
        f"Indicator pairs against {GOLD_PAIRS_PATH.name}: precision {scores.precision:.2f} "
        f"({scores.n_correct}/{scores.n_compared}), recall {scores.recall:.2f} ({scores.n_correct}/{scores.n_gold})"
    ]
    lines += [
        f"  compared, not in the list as compared ({w['gold_decision'] or 'not listed'}): {w['source_doc']} "
        f"«{w['source_quote']}» ↔ {w['target_doc']} «{w['target_quote']}»"
        for w in scores.wrong.to_dict(orient="records")
    ]
    lines += [
        f"  missed: {m['source_doc']} {m['source_path']} «{m['source_text']}» ↔ {m['target_doc']} {m['target_path']} "
        f"«{m['target_text']}»"
        for m in scores.missed.to_dict(orient="records")
    ]
    return "\n".join(lines)
