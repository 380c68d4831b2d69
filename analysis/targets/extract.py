"""Quantitative targets: every number a task commits to, with unit, comparator, deadline and role.

Extraction starts from the numbers of a task's text and reads their surroundings:

- a *mention* is a number with its unit (``46.58%``, ``100家以上``, ``9000万元``, ``35微克/立方米``,
  ``两场``); numbers that are names, labels or dates are never mentions: years, ``PM2.5``, ordinals
  (``第七批``), anything inside quotes or book-title marks (``“4+6”``, ``《…2023-2035》``), numbers
  without a unit (``11省市``), thresholds that qualify a scope (``10蒸吨/小时及以上的锅炉``),
  distances that delimit one (``沿江1公里``) and numbers describing a state (``12个水体长期为劣V类``);
- the *comparator* comes from the cue words around the number (力争 → striving, 以上/不低于/达到 → >=,
  以内/控制在 → <=, 左右 after the number → ``~`` approximate, otherwise =), the *deadline* from a
  date expression of the same sentence (a period counted from the plan's start, ``5年内``,
  ``三年内``, ``6个月内``, is kept as printed: it is not ``年内``, this year);
- the *role* tells a commitment from a scope count (``纳入国家考核的3个断面…达到100%``: 3 is scope);
- ``分别`` distributes a list of values over a list of subjects; a clause holding only a number
  (``,1次客商接待``) continues the previous target of its sentence.

Sentences end at ``。;；!`` and line breaks; clauses at ``,，:：`` outside brackets and quotes. The
quote of a target is its clause. All offsets here are offsets into the text given;
:func:`targets_table` maps them to the raw file.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
from rapidfuzz import fuzz

from analysis import schema
from analysis.parse.structure import frame_of
from analysis.settings import TargetSettings
from analysis.targets.document import DOCUMENT_ROLE, TableValue, document_sentences, table_values
from analysis.targets.implied import IMPLIED_ROLE, implied_targets
from analysis.targets.mentions import (
    _BRACKETED_ALTERNATIVE,
    _CUE,
    _DEADLINE,
    _FREQUENCY,
    _PHRASE_EDGES,
    _PREPOSITION_OPENERS,
    _SPACES,
    _VERBAL_NOUN,
    CUMULATIVE_CUES,
    DISTRIBUTIVE_CUE,
    RATE_LIKE,
    STRIVING_CUES,
    Clause,
    Mention,
    Target,
    _has_verb,
    _outside_brackets,
    clauses,
    comparator_of,
    find_deadlines,
    find_mentions,
)
from analysis.targets.phrases import _without_mentions, clean_phrase, conjunct_head, context_phrase, local_phrase
from analysis.targets.scope import scope_words
from analysis.text.attribution import find_attributions
from analysis.text.offsets import LineIndex

# --- the extractor ------------------------------------------------------------------------------------


def _masked(text: str) -> str:
    """The text with attribution brackets blanked out (same length: offsets unchanged)."""
    for attribution in find_attributions(text):
        text = text[: attribution.start] + "\n" * (attribution.end - attribution.start) + text[attribution.end :]
    return text


def _period(text: str, clause: Clause, mention: Mention) -> str:
    """The period of a frequency (每月至少开展1次 → 月); empty if the number is not times per period."""
    if mention.unit != "次":
        return ""
    periods = list(_FREQUENCY.finditer(text, clause.start, mention.start))
    return periods[-1].group("period") if periods else ""


def _distributed(text: str, clause: Clause, mentions: list[Mention]) -> dict[Mention, str]:
    """Subjects of values distributed by 分别: ``A、B的X分别不低于v1、v2`` → v1: A…X, v2: B…X.

    A value in brackets after a listed value (``90.9%(力争达到100%)``) belongs to the same subject.
    """
    body = text[clause.start : clause.end]
    at = body.find(DISTRIBUTIVE_CUE)
    if at < 0:
        return {}
    listed = [m for m in mentions if clause.start + at < m.start < clause.end]
    top_level = [m for m in listed if "(" not in _outside_brackets(text[clause.start + at : m.start])]
    subjects = [s for s in re.split(r"、|和|与|及", clean_phrase(body[:at])) if s]
    if len(top_level) < 2 or len(subjects) != len(top_level):
        return {}
    named = [s + conjunct_head(s, subjects[-1]) for s in subjects[:-1]] + [subjects[-1]]
    return {
        m: named[top_level.index(max((t for t in top_level if t.start <= m.start), key=lambda t: t.start))]
        for m in listed
    }


def _is_scope(
    text: str,
    mention: Mention,
    clause: Clause,
    sentence: list[Clause],
    mentions: list[Mention],
    kinds: dict[Mention, str],
) -> bool:
    """Whether a count says what a commitment applies to rather than being the commitment.

    - a rate or frequency follows in its clause (纳入国家考核的3个断面水质优良率达到100%);
    - it details a count in brackets (3项问题(葛店4家医药企业关改搬转));
    - the next clause of its sentence opens with a rate of the counted work: its topic holds the
      head word the counted phrase ends in (12480个排污口溯源整治,完成80%的整治任务; not 5家企业深度治理,
      企业清洁运输比例达到80%);
    - it is the subject, with no verb or cue before it (氮氧化物、…等4项主要污染物总量减排…), unless a
      preposition opens the clause and a verb follows (对14处监测孔开展监测).
    """
    in_clause = [m for m in mentions if clause.start <= m.start < clause.end]
    if any(m.start > mention.start and kinds[m] in RATE_LIKE for m in in_clause):
        return True
    prefix = text[clause.start : mention.start]
    opened = prefix.rfind("(")
    if opened > prefix.rfind(")") and any(kinds[m] == "count" and m.end <= clause.start + opened for m in in_clause):
        return True
    position = sentence.index(clause)
    if position + 1 < len(sentence):
        following = sentence[position + 1]
        opening = [m for m in mentions if following.start <= m.start < following.end]
        if opening and kinds[opening[0]] in RATE_LIKE:
            topic = clean_phrase(_without_mentions(text, following.start, following.end, mentions))
            counted = clean_phrase(_without_mentions(text, mention.end, clause.end, mentions))
            if counted[-_VERBAL_NOUN:] and counted[-_VERBAL_NOUN:] in topic:
                return True  # the rate measures the counted work (溯源整治, 完成80%的整治任务)
    before = _outside_brackets(prefix)
    if _has_verb(before) or _CUE.search(before) or not clean_phrase(before):
        return False
    return not (before.lstrip().startswith(_PREPOSITION_OPENERS) and _has_verb(text[mention.end : clause.end]))


def find_targets(text: str) -> list[Target]:
    """Every target of a task's text (attribution brackets are ignored)."""
    masked = _masked(text)
    return _targets_in(masked, clauses(masked))


def _targets_in(masked: str, all_clauses: list[Clause]) -> list[Target]:
    """Every target of a text whose attribution brackets are blanked out (``all_clauses``: its clauses)."""
    mentions = find_mentions(masked)
    clause_of = {
        m: next(c for c in all_clauses if c.start <= m.start < c.end)
        for m in mentions
        if any(c.start <= m.start < c.end for c in all_clauses)
    }
    periods = {m: _period(masked, clause_of[m], m) for m in clause_of}
    kinds = {m: ("frequency" if periods[m] else m.kind) for m in clause_of}
    targets: list[Target] = []
    for clause in all_clauses:
        in_clause = [m for m in mentions if clause_of.get(m) == clause]
        sentence = [c for c in all_clauses if c.sentence == clause.sentence]
        distributed = _distributed(masked, clause, in_clause)
        for mention in in_clause:
            unit = f"{mention.unit}/{periods[mention]}" if periods[mention] else mention.unit
            resolved = replace(mention, kind=kinds[mention], unit=unit)
            targets.append(_target(masked, resolved, mention, clause, sentence, mentions, kinds, distributed, targets))
    return targets


def stated_and_implied(text: str) -> tuple[list[Target], list[Target]]:
    """The targets of a task's text (:func:`find_targets`) and its implied ones given those
    (:mod:`analysis.targets.implied`), its attributions and clauses read once."""
    masked = _masked(text)
    read = clauses(masked)
    stated = _targets_in(masked, read)
    return stated, implied_targets(masked, read, stated)


def _target(
    text: str,
    resolved: Mention,
    mention: Mention,
    clause: Clause,
    sentence: list[Clause],
    mentions: list[Mention],
    kinds: dict[Mention, str],
    distributed: dict[Mention, str],
    earlier: list[Target],
) -> Target:
    """A mention read in its clause and sentence: comparator, phrase, role, deadline, flags."""
    flags: list[str] = []
    clause_prefix = text[clause.start : mention.start]
    segment_start = max([m.end for m in mentions if clause.start <= m.end <= mention.start] + [clause.start])
    segment = _outside_brackets(text[segment_start : mention.start])
    if mention.kind == "rank":
        comparator = "striving" if "力争" in _outside_brackets(clause_prefix) else ("<=" if mention.suffix else "=")
    else:
        comparator = comparator_of(clause_prefix, segment, mention.suffix)
    if _striving_lead(text, clause, sentence, mentions):
        comparator = "striving"
    if mention.upper is not None:
        flags.append("range")
        comparator = "striving" if comparator == "striving" else ">="
    if mention in distributed:
        flags.append("distributed")
        phrase = distributed[mention]
        if comparator != "striving":
            opening = _outside_brackets(clause_prefix)
            comparator = comparator_of("", opening[opening.find(DISTRIBUTIVE_CUE) :], mention.suffix)
    else:
        phrase = local_phrase(text, mention, clause, mentions, kinds)
    if not phrase and earlier and _BRACKETED_ALTERNATIVE.match(text[earlier[-1].mention.end : mention.start]):
        phrase = earlier[-1].phrase  # 不低于90.9%(力争达到92%): the bracket sets the same indicator
    role = (
        "scope"
        if kinds[mention] == "count" and _is_scope(text, mention, clause, sentence, mentions, kinds)
        else "commitment"
    )
    deadline, shared = _deadline(text, clause, sentence, mention)
    if shared:
        flags.append("shared_deadline")
    if any(cue in clause_prefix for cue in CUMULATIVE_CUES):
        flags.append("cumulative")
    previous = [t for t in earlier if t.clause.sentence == clause.sentence and t.clause != clause]
    if previous and not _without_mentions(text, clause.start, mention.start, mentions).strip(_PHRASE_EDGES):
        # ",1次客商接待": a clause that opens with its number continues the previous target
        last = previous[-1]
        if last.mention.unit.split("/")[0] == mention.unit:
            resolved = replace(resolved, kind=last.mention.kind, unit=last.mention.unit)
            comparator = last.comparator if comparator == "=" else comparator
        role, deadline = last.role, deadline or last.deadline
        flags.append("continued")
    context = context_phrase(text, clause, sentence, mentions)
    before = [text[c.start : c.end] for c in reversed(sentence) if c.end <= clause.start]
    scope = scope_words(text[clause.start : clause.end], before)
    return Target(resolved, clause, comparator, deadline, role, phrase, context, tuple(flags), scope)


TEXT_TARGET_COLUMNS = [
    "value",
    "value_text",
    "unit",
    "kind",
    "comparator",
    "deadline",
    "role",
    "phrase",
    "context",
    "quote",
    "start",
    "end",
    "flags",
]


def text_targets(text: str) -> pd.DataFrame:
    """The targets of one task's text as a table; ``start``/``end`` are offsets of the quote in ``text``."""
    rows = [
        {
            "value": t.mention.value,
            "value_text": t.mention.value_text,
            "unit": t.mention.unit,
            "kind": t.mention.kind,
            "comparator": t.comparator,
            "deadline": t.deadline,
            "role": t.role,
            "phrase": t.phrase,
            "context": t.context,
            "quote": text[t.start : t.end].strip(),
            "start": t.start,
            "end": t.end,
            "flags": ";".join(t.flags),
        }
        for t in find_targets(text)
    ]
    return pd.DataFrame(rows, columns=TEXT_TARGET_COLUMNS).astype(
        {"value": "float64", "start": "int64", "end": "int64"}
    )


def _striving_lead(text: str, clause: Clause, sentence: list[Clause], mentions: list[Mention]) -> bool:
    """Whether an earlier clause of the sentence holds only 力争 and a deadline (力争到2025年底,…)."""
    for earlier in (c for c in sentence if c.end <= clause.start):
        words = text[earlier.start : earlier.end]
        if any(earlier.start <= m.start < earlier.end for m in mentions) or not words.lstrip().startswith(
            STRIVING_CUES
        ):
            continue
        if not clean_phrase(_DEADLINE.sub("", words)):
            return True
    return False


def _deadline(text: str, clause: Clause, sentence: list[Clause], mention: Mention) -> tuple[str, bool]:
    """The deadline of a mention: in its clause, else the last one of an earlier clause of its sentence."""
    own = find_deadlines(text, clause)
    if own:
        before = [d for position, d in own if position < mention.start]
        return (before[-1] if before else own[0][1]), False
    earlier = [d for c in sentence if c.end <= clause.start for _, d in find_deadlines(text, c)]
    return (earlier[-1], True) if earlier else ("", False)


def unit_factor(unit: str) -> float:
    """Multiplier that brings a money unit to yuan (1 for every other unit)."""
    return {"万元": 10_000.0, "亿元": 100_000_000.0}.get(unit, 1.0)


TARGET_COLUMNS = schema.model_columns("targets")
CLEAN_COLUMNS = TARGET_COLUMNS[TARGET_COLUMNS.index("clean_value") :]
EMPTY_CLEAN_VALUES = {
    column: (None if column in ("clean_value", "clean_char_start", "clean_char_end") else "")
    for column in CLEAN_COLUMNS
}


def targets_of_plans(docs, lexicon: pd.DataFrame | None, settings: TargetSettings) -> pd.DataFrame:
    """The targets of several parsed plans, stacked: the indicators the aligner compares plans on
    (the build computes the same table in parallel)."""
    return pd.concat([targets_table(doc, lexicon, settings) for doc in docs], ignore_index=True)


def targets_table(doc, lexicon: pd.DataFrame | None, settings: TargetSettings) -> pd.DataFrame:
    """One row per target of a parsed document, offsets into its raw text, indicators mapped: the
    targets of its tasks, then its document-level targets (:mod:`analysis.targets.document`); an
    implied target only for an indicator the document states no value of.

    ``doc`` is an :class:`analysis.pipeline.ParsedDocument`; ``raw[char_start:char_end]`` is the
    clause quoted, ``raw[value_char_start:value_char_end]`` the number as printed.
    """
    from analysis.targets import indicators

    matcher = indicators.matcher(indicators.load_lexicon() if lexicon is None else lexicon, settings)
    lines = LineIndex(doc.raw.text)
    rows = []
    task_ids, paths = doc.tasks["task_id"].tolist(), doc.tasks["path"].tolist()  # cheaper than row by row
    for task_id, path, span in zip(task_ids, paths, doc.spans):
        body = doc.clean.text[span.content_start : span.end]
        stated, implied_found = stated_and_implied(body)
        implied = [t for t in implied_found if matcher.map(t.phrase, t.mention.kind, scope=t.scope)["indicator_id"]]
        for number, target in enumerate([*stated, *implied], start=1):
            ids = (task_id, path, f"{task_id}#{number}")
            table_deadline: str = getattr(span, "deadline", "")  # a task-division table's deadline column
            rows.append(_text_row(doc, matcher, lines, ids, (span.content_start, body), target, table_deadline))
    rows.extend(_document_rows(doc, matcher, lines, [row for row in rows if row["role"] != IMPLIED_ROLE]))
    printed = {row["indicator_id"] for row in rows if row["role"] != IMPLIED_ROLE}
    rows = [row for row in rows if row["role"] != IMPLIED_ROLE or row["indicator_id"] not in printed]
    return frame_of(rows, TARGET_COLUMNS, TARGET_DTYPES)


def _damage_flags(clean_doc, quote: tuple[int, int], value: tuple[int, int]) -> list[str]:
    """``damaged_text`` / ``damaged_value`` for damage touching a quote or its number (raw spans)."""
    flags = []
    if clean_doc.damaged_between(quote[0], quote[1]):
        flags.append("damaged_text")
    if clean_doc.damaged_between(*value) or clean_doc.damaged_between(value[0] - 1, value[0]):
        flags.append("damaged_value")
    return flags


def _text_row(
    doc, matcher, lines: LineIndex, ids: tuple[str, str, str], where: tuple[int, str], target: Target, table_deadline=""
) -> dict:
    """The row of a target found in a text: ``ids`` are its task id, path and target id, ``where``
    the clean offset of the text and the text."""
    offset, body = where
    quote = body[target.start : target.end].strip()
    lead = len(body[target.start : target.end]) - len(body[target.start : target.end].lstrip())
    quote_start = offset + target.start + lead
    flags = list(target.flags)
    deadline = target.deadline
    if not deadline and table_deadline:
        deadline = table_deadline
        flags.append("table_deadline")
    mention = target.mention
    found = {
        "value": mention.value,
        "value_text": mention.value_text,
        "unit": mention.unit,
        "kind": mention.kind,
        "comparator": target.comparator,
        "deadline": deadline,
        "role": target.role,
        "scope_words": target.scope,
        "quote": quote,
    }
    spans = ((quote_start, quote_start + len(quote)), (offset + mention.start, offset + mention.end))
    return _row(doc, matcher, lines, ids, found, spans, (target.phrase, target.context), flags)


def _table_row(doc, matcher, lines: LineIndex, value: TableValue) -> dict:
    """The row of a value of an indicator table (ids set by :func:`_document_rows`)."""
    found = {
        "value": value.value,
        "value_text": value.value_text,
        "unit": value.unit,
        "kind": value.kind,
        "comparator": value.comparator,
        "deadline": value.deadline,
        "role": value.role,
        "scope_words": "",
        "quote": doc.clean.text[value.row_span[0] : value.row_span[1]].replace("\n", " "),
    }
    spans = (value.row_span, value.value_span)
    return _row(
        doc, matcher, lines, ("", "", ""), found, spans, (value.indicator, ""), list(value.flags), value.lead_units
    )


def _row(
    doc,
    matcher,
    lines: LineIndex,
    ids: tuple[str, str, str],
    found: dict,
    spans: tuple[tuple[int, int], tuple[int, int]],
    named: tuple[str, str],
    flags: list[str],
    lead_units: str = "",
) -> dict:
    """A targets row: ``found`` holds the value's fields and its quote, ``spans`` the clean spans of
    the quote and of the number, ``named`` the phrase and context the indicator is mapped from."""
    clean_doc = doc.clean
    char_start, char_end = clean_doc.raw_span(*spans[0])
    value_start, value_end = clean_doc.raw_span(*spans[1])
    mapped = matcher.map(named[0], found["kind"], named[1], scope=found["scope_words"])
    flags = _damage_flags(clean_doc, (char_start, char_end), (value_start, value_end)) + flags
    return {
        "doc_id": doc.doc_id,
        "task_id": ids[0],
        "target_id": ids[2],
        "path": ids[1],
        **mapped,
        "indicator_name": matcher.names.get(mapped["indicator_id"], ""),
        **found,
        "char_start": char_start,
        "char_end": char_end,
        "value_char_start": value_start,
        "value_char_end": value_end,
        "line_start": lines.line_of(char_start),
        "flags": ";".join(dict.fromkeys(flags)),
        "lead_units": lead_units,
        **EMPTY_CLEAN_VALUES,
    }


def _document_rows(doc, matcher, lines: LineIndex, task_rows: list[dict]) -> list[dict]:
    """The document-level targets (:mod:`analysis.targets.document`), numbered ``<doc_id>:document#n``;
    a lead's figure that the plan states elsewhere is left out."""
    text = doc.clean.text
    found = []
    for start, end, source in document_sentences(doc):
        for target in find_targets(text[start:end]):
            role = DOCUMENT_ROLE if target.role == "commitment" else target.role
            target = replace(target, role=role, flags=(*target.flags, source))
            found.append(_text_row(doc, matcher, lines, ("", "", ""), (start, text[start:end]), target))
    found.extend(_table_row(doc, matcher, lines, value) for value in table_values(text, doc.outline.indicators))

    def from_lead(row: dict) -> bool:
        return "lead" in row["flags"].split(";")

    stated = {(row["value"], row["unit"]) for row in task_rows + [row for row in found if not from_lead(row)]}
    found = [row for row in found if not (from_lead(row) and (row["value"], row["unit"]) in stated)]
    for number, row in enumerate(found, start=1):
        row["target_id"] = f"{doc.doc_id}:document#{number}"
    return found


# The targets' columns that are not strings, with their dtypes (cast by :func:`_typed`).
TARGET_DTYPES = {column: dtype for column, dtype in schema.dtypes("targets").items() if dtype != "str"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({column: dtype for column, dtype in TARGET_DTYPES.items() if column in frame.columns})


def with_clean_values(
    targets: pd.DataFrame, documents: pd.DataFrame, raw_texts: dict[str, str], settings: TargetSettings
) -> pd.DataFrame:
    """Put beside each target of a damaged duplicate the clean document's value and its source.

    A document's ``duplicate_of`` (see ``pipeline.documents_table``) names the clean copy. A
    target is matched to the clean target of the same task path whose surroundings read most
    alike: the quote (the damaged clause may have swallowed its neighbours, so the clean quote
    is looked for inside it) and the characters just before the number. Each clean target is
    used once, best pairs first; pairs below the settings' ``duplicate_quote_min_score`` stay
    unmatched.
    """
    targets = targets.copy()
    copies = documents.loc[documents["duplicate_of"].fillna("") != "", ["doc_id", "duplicate_of"]]
    for copy_id, original_id in copies.itertuples(index=False):
        damaged = targets[targets["doc_id"] == copy_id]
        clean = targets[targets["doc_id"] == original_id]
        pairs = []
        for i, d in damaged.iterrows():
            for j, c in clean[clean["path"] == d["path"]].iterrows():
                pairs.append(
                    (
                        _copy_similarity(
                            d, c, raw_texts[copy_id], raw_texts[original_id], settings.duplicate_context_chars
                        ),
                        i,
                        j,
                    )
                )
        used_damaged, used_clean = set(), set()
        for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
            if score < settings.duplicate_quote_min_score or i in used_damaged or j in used_clean:
                continue
            used_damaged.add(i)
            used_clean.add(j)
            c = clean.loc[j]
            targets.loc[i, CLEAN_COLUMNS] = [
                c["value"],
                c["unit"],
                c["quote"],
                c["target_id"],
                c["char_start"],
                c["char_end"],
            ]
    return _typed(targets)


def _copy_similarity(damaged: pd.Series, clean: pd.Series, damaged_raw: str, clean_raw: str, window: int) -> float:
    """How alike a damaged target's surroundings are to a clean target's (0–100): the quotes, and
    the ``window`` characters before the number."""

    def before(row: pd.Series, raw: str) -> str:
        return _SPACES.sub("", raw[max(0, row["value_char_start"] - window * 2) : row["value_char_start"]])[-window:]

    quotes = fuzz.partial_ratio(clean["quote"], damaged["quote"])
    return (quotes + fuzz.ratio(before(damaged, damaged_raw), before(clean, clean_raw))) / 2
