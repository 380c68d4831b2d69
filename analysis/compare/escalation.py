"""Comparisons across plans: how targets escalate from year to year and from a parent to its cities.

:func:`escalation_table` takes the target table, the documents table and the indicator lexicon
and gives, for every canonical indicator committed to in two or more documents, one row per
document in year and level order. Document links (``previous``: the same issuer's earlier plan,
``parent``: the higher-level plan) come from the documents table (the manifest); a damaged
duplicate (``duplicate_of`` set) is not a document of its own here. A plan's value may be
implied by its wording (role ``implied``: 全面完成… is 100%) where it prints none.

A change is stated by the kind of number (:mod:`analysis.compare.change`): percentage points for
rates (``pp``), the ratio for counts and amounts (``ratio``, money brought to one unit first; a
city's ratio to its parent's is its share of it), the difference for concentrations and ranks
(``difference``). ``direction`` compares a document with its previous plan (raised / lowered /
same), or is ``new`` when the issuer's earlier plan in the corpus does not commit to the
indicator or there is none; ``vs_parent`` says whether a plan is stricter, looser or equal to
its parent, honouring ``higher_is_better`` (empty for counts and amounts: only their ratio is
given). Two targets are compared only like with like (:mod:`analysis.targets.pairing`): against
a plan whose target it doubts (other scope words, units) the change is empty and ``direction``
/ ``vs_parent`` say ``check``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from analysis import schema
from analysis.compare.change import LEVEL_COMPARABLE_KINDS, describe, measure
from analysis.schema import LEVEL_RANK
from analysis.targets.implied import IMPLIED_ROLE
from analysis.targets.mentions import APPROXIMATE
from analysis.targets.pairing import CHECK, pairing
from analysis.text.segment import tokens

ESCALATION_COLUMNS = schema.columns("escalation")
# The roles of the targets a plan commits to (not a scope count, not an indicator table's baseline), the implied ones last.
COMMITTED_ROLES = ("commitment", "document", IMPLIED_ROLE)
# Words that say where a target applies or what sort of item it is, not what it measures: a
# difference in them alone is not worth a note.
_PLACE_WORDS = re.compile(r"全省|全市|全区|全县|全州|我省|我市")
_GENERIC_WORDS = frozenset({"任务", "工作", "目标", "要求", "建设", "实施"})


class Target(NamedTuple):
    """The fields of a target row (a ``targets`` table row) the escalation table reads."""

    doc_id: str
    indicator_id: str
    indicator: str
    value: float
    value_text: str
    unit: str
    kind: str
    comparator: str
    deadline: str
    quote: str
    flags: str
    char_start: int
    char_end: int
    target_id: str
    role: str = "commitment"
    scope_words: str = ""
    others: str = ""  # set on the primary targets only (:func:`primary_targets`)


_TEXT_FIELDS = (
    "doc_id",
    "indicator_id",
    "indicator",
    "value_text",
    "unit",
    "kind",
    "comparator",
    "deadline",
    "quote",
    "flags",
    "target_id",
)
_OPTIONAL_FIELDS = ("role", "scope_words", "others")


def target_rows(targets: pd.DataFrame) -> list[Target]:
    """The rows of a targets table, typed (``others`` too if the table has it)."""
    text = {c: targets[c].astype(str).tolist() for c in _TEXT_FIELDS}
    value = targets["value"].astype(float).tolist()
    char_start, char_end = targets["char_start"].astype(int).tolist(), targets["char_end"].astype(int).tolist()
    optional = {
        c: targets[c].fillna("").astype(str).tolist()
        if c in targets.columns
        else [Target._field_defaults[c]] * len(targets)
        for c in _OPTIONAL_FIELDS
    }
    return [
        Target(
            doc_id=text["doc_id"][i],
            indicator_id=text["indicator_id"][i],
            indicator=text["indicator"][i],
            value=value[i],
            value_text=text["value_text"][i],
            unit=text["unit"][i],
            kind=text["kind"][i],
            comparator=text["comparator"][i],
            deadline=text["deadline"][i],
            quote=text["quote"][i],
            flags=text["flags"][i],
            char_start=char_start[i],
            char_end=char_end[i],
            target_id=text["target_id"][i],
            **{c: optional[c][i] for c in _OPTIONAL_FIELDS},
        )
        for i in range(len(targets))
    ]


def ranked_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The targets a plan commits to (roles :data:`COMMITTED_ROLES`, an indicator mapped), best
    first within each (document, indicator), with their ``rank`` there (0: the primary).

    Commitments are a task's (role ``commitment``), the plan's outside any task (``document``) or
    implied by a task's wording (``implied``). Preference: printed (not implied), a task's, not
    damaged, not striving (力争), the highest indicator score, then the earliest.
    """
    committed = targets[targets["role"].isin(COMMITTED_ROLES) & (targets["indicator_id"] != "")].copy()
    committed["_implied"] = committed["role"] == IMPLIED_ROLE
    committed["_damaged"] = committed["flags"].str.contains("damaged", regex=False)
    committed["_striving"] = committed["comparator"] == "striving"
    committed["_outside"] = committed["role"] == "document"  # a task's commitment before a document-level one
    committed = committed.sort_values(
        ["doc_id", "indicator_id", "_implied", "_outside", "_damaged", "_striving", "indicator_score", "char_start"],
        ascending=[True, True, True, True, True, True, False, True],
        kind="stable",
    )
    committed["rank"] = committed.groupby(["doc_id", "indicator_id"], sort=False).cumcount()
    return committed.drop(columns=["_implied", "_outside", "_damaged", "_striving"])


def primary_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """One target per (document, indicator): the binding commitment that names it best
    (:func:`ranked_targets`). The others of the same document and indicator are listed in
    ``others`` (for the notes)."""
    committed = ranked_targets(targets)
    primary = committed[committed["rank"] == 0].copy()
    others: dict[tuple[str, str], list[str]] = {}
    for target in target_rows(committed[committed["rank"] > 0]):
        others.setdefault((target.doc_id, target.indicator_id), []).append(_describe(target))
    primary["others"] = ["; ".join(others.get(key, [])) for key in zip(primary["doc_id"], primary["indicator_id"])]
    return primary.drop(columns="rank")


def _describe(target: Target) -> str:
    wording = {"striving": " (力争)", APPROXIMATE: " (左右)"}.get(target.comparator, "")
    value = f"{target.value:g}{target.unit}" if target.role == IMPLIED_ROLE else target.value_text
    return f"also {value}{wording} «{target.quote}»"


def wording_note(wording: str, other_wording: str, other_doc: str) -> str:
    """A note when two plans word an indicator differently (a possible difference of scope)."""
    mine, theirs = _PLACE_WORDS.sub("", wording), _PLACE_WORDS.sub("", other_wording)
    if mine == theirs or set(tokens(mine)) - _GENERIC_WORDS == set(tokens(theirs)) - _GENERIC_WORDS:
        return ""
    return f"worded «{wording}» here, «{other_wording}» in {other_doc}"


def escalation_table(targets: pd.DataFrame, documents: pd.DataFrame, lexicon: pd.DataFrame) -> pd.DataFrame:
    """Every indicator committed to in two or more documents, one row per document (see module doc)."""
    originals = documents[documents["duplicate_of"].fillna("") == ""].set_index("doc_id")
    primary = primary_targets(targets[targets["doc_id"].isin(originals.index)])
    shared = primary.groupby("indicator_id")["doc_id"].nunique()
    primary = primary[primary["indicator_id"].isin(shared[shared >= 2].index)]
    indicators = lexicon.set_index("indicator_id").to_dict(orient="index")
    docs = originals.to_dict(orient="index")
    primary_rows = target_rows(primary)
    by_key = {(t.doc_id, t.indicator_id): t for t in primary_rows}
    rows = []
    for t in primary_rows:
        doc = docs[t.doc_id]
        previous = by_key.get((doc["previous"], t.indicator_id)) if doc["previous"] else None
        parent = by_key.get((doc["parent"], t.indicator_id)) if doc["parent"] else None
        higher_is_better = bool(indicators[t.indicator_id]["higher_is_better"])
        year, year_note = _versus(t, previous, False, higher_is_better)
        level, level_note = _versus(t, parent, True, higher_is_better)
        notes = [_flag_note(t, previous, parent), t.others, year_note, level_note]
        for other in (previous, parent):
            if other is not None:
                notes.append(wording_note(t.indicator, other.indicator, other.doc_id))
        if parent is not None and t.kind not in LEVEL_COMPARABLE_KINDS:
            notes.append(f"a {t.kind} is not compared across levels: change_vs_parent is its ratio to the parent's")
        rows.append(
            {
                "indicator_id": t.indicator_id,
                "indicator_name": indicators[t.indicator_id]["name_zh"],
                "doc_id": t.doc_id,
                "region": doc["region"],
                "level": doc["level"],
                "year": int(doc["year"]),
                "value": t.value,
                "unit": t.unit,
                "comparator": t.comparator,
                "deadline": t.deadline,
                "previous_doc": previous.doc_id if previous is not None else "",
                "change_vs_previous": year[0],
                "parent_doc": parent.doc_id if parent is not None else "",
                "change_vs_parent": level[0],
                "change_unit": measure(t.kind),
                "direction": year[1] or "new",
                "vs_parent": "" if level[1] == "share of parent's" else level[1],
                "higher_is_better": higher_is_better,
                "wording": t.indicator,
                "quote": t.quote,
                "char_start": t.char_start,
                "char_end": t.char_end,
                "target_id": t.target_id,
                "note": " | ".join(n for n in notes if n),
            }
        )
    frame = pd.DataFrame(rows, columns=ESCALATION_COLUMNS)
    frame["_level"] = frame["level"].map(LEVEL_RANK)
    frame = frame.sort_values(["indicator_id", "year", "_level", "doc_id"], kind="stable").drop(columns="_level")
    return frame.astype(schema.dtypes("escalation")).reset_index(drop=True)  # typed even without rows


def _versus(
    target: Target, other: Target | None, level: bool, higher_is_better: bool
) -> tuple[tuple[float | None, str], str]:
    """(the change against ``other``, its direction or verdict) and a note: empty without
    ``other``; no change and ``check`` against a target not like with like; a note when
    ``other``'s value is implied by its wording (the row's own is noted by :func:`_flag_note`)."""
    if other is None:
        return (None, ""), ""
    decided = pairing(other._asdict(), target._asdict())
    if decided is None:
        return (None, ""), ""
    if decided.decision == CHECK:
        return (None, CHECK), f"not compared with {other.doc_id}: {decided.reason}"
    found = describe(
        other.value,
        target.value,
        target.kind,
        units=(other.unit, target.unit),
        level=level,
        higher_is_better=higher_is_better,
    )
    implied = f"compared with a value implied by the wording in {other.doc_id}" if other.role == IMPLIED_ROLE else ""
    return (found.value, found.verdict), implied


def _flag_note(target: Target, previous: Target | None, parent: Target | None) -> str:
    """Notes from flags: an implied value, a striving or approximate (``~``, 左右) target, a
    cumulative count where the other plan's is not."""
    notes = []
    if target.role == IMPLIED_ROLE:
        notes.append(f"implied by «{target.value_text}» (no number printed)")
    if target.comparator == "striving":
        notes.append("striving (力争) target")
    if target.comparator == APPROXIMATE:
        notes.append("approximate (左右) target")
    cumulative = "cumulative" in target.flags
    for other in (previous, parent):
        if other is not None and cumulative != ("cumulative" in other.flags):
            counted = "cumulatively (累计)" if cumulative else "per year"
            other_counted = "cumulatively" if not cumulative else "per year"
            notes.append(f"counted {counted} here, {other_counted} in {other.doc_id}")
    return "; ".join(notes)
