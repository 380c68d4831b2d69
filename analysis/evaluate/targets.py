"""Evaluation of the target extractor against hand-annotated gold.

Matching rule (:func:`match_targets`): an extracted target and a gold target match when they are
in the same document and the same task (gold ``task_ref`` = extracted ``path``, e.g. ``二(三)7``)
and carry the same value; each row matches at most once. Among several candidates the one with
the same unit, then a commitment, then the most similar quote wins (two 80% in one task).

Scores per document (:func:`evaluate_targets`):

- **core recall**: gold ``core`` rows matched by an extracted *commitment* / gold ``core`` rows;
- **precision**: extracted commitments matched to a ``core`` row / extracted commitments, where
  commitments matched to an ``optional`` row are neutral (left out of both counts) and
  ``implicit`` rows (no number printed) are never expected;
- ``scope`` rows (the extractor's scope counts) are not claims of a target: they are counted
  apart (``n_scope``, and ``n_scope_on_core`` when a scope row sits on a gold core row, a role
  error that also costs recall). ``precision_all_roles`` counts every extracted row as a claim.
- agreement of unit, comparator (``=`` and ``>=`` both accepted after 达/达到), deadline and
  indicator id, over the matched core rows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz

from analysis.settings import GOLD_TARGETS_PATH, TargetSettings
from analysis.storage import read_checked_csv
from analysis.targets import indicators

GOLD_TARGET_COLUMNS = [
    "doc",
    "indicator",
    "canonical_indicator",
    "value",
    "unit",
    "comparator",
    "deadline",
    "task_ref",
    "quote_norm",
    "tier",
]
MATCH_COLUMNS = [
    "doc_id",
    "gold_row",
    "target_id",
    "tier",
    "role",
    "gold_indicator",
    "gold_canonical",
    "indicator",
    "indicator_id",
    "gold_value",
    "value",
    "gold_unit",
    "unit",
    "gold_comparator",
    "comparator",
    "gold_deadline",
    "deadline",
    "gold_quote",
    "quote",
]
EVALUATION_COLUMNS = [
    "doc_id",
    "n_gold_core",
    "n_core_found",
    "core_recall",
    "n_commitments",
    "n_matched_core",
    "n_matched_neutral",
    "n_unmatched",
    "precision",
    "precision_all_roles",
    "n_scope",
    "n_scope_on_core",
    "unit_agreement",
    "comparator_agreement",
    "deadline_agreement",
    "indicator_accuracy",
]
_SQUASH = re.compile(r"\s|\*\*")
_REACH_CUE = "达"


def load_gold_targets(path: Path | str = GOLD_TARGETS_PATH) -> pd.DataFrame:
    """Read a gold target table (one row per annotated target)."""
    gold = read_checked_csv(path, GOLD_TARGET_COLUMNS, "gold target table")
    gold = gold.copy()
    gold["value"] = pd.to_numeric(gold["value"], errors="coerce")
    return gold


def squash(text: str) -> str:
    """A quote without whitespace and markdown bold, as the gold's ``quote_norm``."""
    return _SQUASH.sub("", str(text))


def match_targets(targets: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Pair gold rows with extracted rows (see the module docstring); unmatched sides have empty ids."""
    rows = []
    used: set[str] = set()
    for gold_row, (_, g) in enumerate(
        gold.reset_index(drop=True).iterrows()
    ):  # the position: the label after reset_index
        candidates = targets[
            (targets["doc_id"] == g["doc"])
            & (targets["path"] == g["task_ref"])
            & ((targets["value"] - g["value"]).abs() < 1e-9)
            & ~targets["target_id"].isin(used)
        ]
        match = None
        if len(candidates):
            ranked = sorted(
                candidates.itertuples(index=False),
                key=lambda t: (
                    t.unit != g["unit"],
                    t.role != "commitment",
                    -fuzz.ratio(squash(t.quote), g["quote_norm"]),
                ),
            )
            match = ranked[0]
            used.add(match.target_id)
        rows.append(_match_row(g, gold_row, match))
    for t in targets[~targets["target_id"].isin(used) & targets["doc_id"].isin(gold["doc"])].itertuples(index=False):
        rows.append(_match_row(None, None, t))
    return pd.DataFrame(rows, columns=MATCH_COLUMNS)


def _match_row(g: pd.Series | None, gold_row: int | None, t) -> dict[str, object]:
    gold_part = (
        {
            "doc_id": g["doc"],
            "gold_row": gold_row,
            "tier": g["tier"],
            "gold_indicator": g["indicator"],
            "gold_canonical": g["canonical_indicator"],
            "gold_value": g["value"],
            "gold_unit": g["unit"],
            "gold_comparator": g["comparator"],
            "gold_deadline": g["deadline"],
            "gold_quote": g["quote_norm"],
        }
        if g is not None
        else {"doc_id": t.doc_id, "gold_row": None, "tier": ""}
    )
    target_part = (
        {
            "target_id": t.target_id,
            "role": t.role,
            "indicator": t.indicator,
            "indicator_id": t.indicator_id,
            "value": t.value,
            "unit": t.unit,
            "comparator": t.comparator,
            "deadline": t.deadline,
            "quote": t.quote,
        }
        if t is not None
        else {"target_id": "", "role": ""}
    )
    return {column: gold_part.get(column, target_part.get(column, "")) for column in MATCH_COLUMNS}


def comparator_agrees(gold_comparator: str, comparator: str, quote: str) -> bool:
    """Same comparator, or ``=`` against ``>=`` where the cue is 达/达到 (both readings accepted)."""
    if gold_comparator == comparator:
        return True
    return {gold_comparator, comparator} == {"=", ">="} and _REACH_CUE in quote


def _share(flags: pd.Series) -> float:
    return round(float(flags.mean()), 4) if len(flags) else float("nan")


def evaluate_targets(targets: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Per gold document: core recall, precision and field agreement (rule in the module docstring)."""
    matches = match_targets(targets, gold)
    rows = []
    for doc_id in gold["doc"].drop_duplicates():
        m = matches[matches["doc_id"] == doc_id]
        core = m[m["tier"] == "core"]
        found = core[core["role"] == "commitment"]
        commitments = m[m["role"] == "commitment"]
        neutral = commitments[commitments["tier"].isin(["optional", "implicit"])]
        unmatched = commitments[commitments["tier"] == ""]
        claims = len(found) + len(unmatched)
        every_row = m[m["target_id"] != ""]
        all_claims = len(every_row) - int(every_row["tier"].isin(["optional", "implicit"]).sum())
        rows.append(
            {
                "doc_id": doc_id,
                "n_gold_core": len(core),
                "n_core_found": len(found),
                "core_recall": round(len(found) / len(core), 4) if len(core) else float("nan"),
                "n_commitments": len(commitments),
                "n_matched_core": len(found),
                "n_matched_neutral": len(neutral),
                "n_unmatched": len(unmatched),
                "precision": round(len(found) / claims, 4) if claims else float("nan"),
                "precision_all_roles": round(int((every_row["tier"] == "core").sum()) / all_claims, 4)
                if all_claims
                else float("nan"),
                "n_scope": int((m["role"] == "scope").sum()),
                "n_scope_on_core": int(((m["role"] == "scope") & (m["tier"] == "core")).sum()),
                "unit_agreement": _share(found["unit"] == found["gold_unit"]),
                "comparator_agreement": _share(
                    pd.Series(
                        [
                            comparator_agrees(g, c, q)
                            for g, c, q in zip(found["gold_comparator"], found["comparator"], found["gold_quote"])
                        ],
                        dtype=bool,
                    )
                ),
                "deadline_agreement": _share(found["deadline"] == found["gold_deadline"]),
                "indicator_accuracy": _share(found["indicator_id"] == found["gold_canonical"]),
            }
        )
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


def indicator_mapping(
    gold: pd.DataFrame, lexicon: pd.DataFrame, settings: TargetSettings, min_score: float | None = None
) -> pd.DataFrame:
    """Each gold row's own indicator phrase mapped onto the lexicon, beside the annotators' id
    (``min_score``: the settings' ``indicator_min_score`` unless given)."""
    mapped = [
        indicators.map_phrase(phrase, kind, lexicon, min_score=min_score, settings=settings)
        for phrase, kind in zip(gold["indicator"], gold["kind"])
    ]
    frame = gold[["doc", "indicator", "kind", "canonical_indicator"]].reset_index(drop=True).copy()
    frame["indicator_id"] = [m["indicator_id"] for m in mapped]
    frame["indicator_score"] = [m["indicator_score"] for m in mapped]
    frame["correct"] = frame["indicator_id"] == frame["canonical_indicator"]
    return frame


def threshold_sweep(best: pd.DataFrame, thresholds: list[float]) -> pd.DataFrame:
    """Mapping accuracy for each candidate threshold, from a mapping made with no threshold (0)."""
    expected = best["canonical_indicator"].fillna("")
    rows = []
    for threshold in thresholds:
        predicted = best["indicator_id"].where(best["indicator_score"] >= threshold, "")
        rows.append({"threshold": threshold, "accuracy": round(float((predicted == expected).mean()), 4)})
    return pd.DataFrame(rows, columns=["threshold", "accuracy"])
