"""The escalation table's notes in the report's language.

:mod:`analysis.compare.escalation` writes each note as a fixed set of English sentences (an
implied value, a striving target, another value of the plan, a wording or a count that differs
from the other plan's, a pair not compared and why), joined by ``" | "`` and ``"; "``: the
processed table keeps them so, as it keeps its codes. A page in another language shows each
sentence through its message (``note.*``), the plan's words and values as they are, a plan by its
name, a scope label and a kind of indicator by their messages. A sentence no pattern knows (a
reviewer's own note) is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from analysis.report.i18n import Messages

# Each sentence of a note, and the message that says it in the report's language.
SENTENCES = (
    (re.compile(r"a (?P<kind>\w+) is not compared across levels: change_vs_parent is its ratio to the parent's"), "note.not_across_levels"),
    (re.compile(r"worded «(?P<here>[^»]*)» here, «(?P<there>[^»]*)» in (?P<doc>\S+)"), "note.worded"),
    (re.compile(r"implied by «(?P<wording>[^»]*)» \(no number printed\)"), "note.implied"),
    (re.compile(r"striving \(力争\) target"), "note.striving"),
    (re.compile(r"approximate \(左右\) target"), "note.approximate"),
    (re.compile(r"also (?P<value>.+?)(?: \((?P<hedge>力争|左右)\))? «(?P<quote>[^»]*)»"), "note.also"),
    (re.compile(r"compared with a value implied by the wording in (?P<doc>\S+)"), "note.compared_with_implied"),
    (re.compile(r"counted cumulatively \(累计\) here, per year in (?P<doc>\S+)"), "note.cumulative_here"),
    (re.compile(r"counted per year here, cumulatively in (?P<doc>\S+)"), "note.cumulative_there"),
    (re.compile(r"not compared with (?P<doc>\S+): scope differs: (?P<here>\S+) vs (?P<there>\S+)"), "note.scope_differs"),
    (re.compile(r"not compared with (?P<doc>\S+): units differ: (?P<here>.*) vs (?P<there>.*)"), "note.units_differ"),
)  # fmt: skip
_SEPARATOR = re.compile(r"( \| |; )")
_SCOPE_JOIN = "·"
_HEDGES = {"力争": "striving", "左右": "approximate"}  # the words of a hedged value, by their message


def note_in(note: str, msg: Messages, plan_name: Callable[[str], str]) -> str:
    """``note`` with each sentence a pattern knows said by its message in ``msg``'s language, a
    plan by ``plan_name(doc_id)``; its separators kept."""
    pieces = _SEPARATOR.split(note)
    return "".join(piece if at % 2 else _sentence(piece, msg, plan_name) for at, piece in enumerate(pieces))


def _sentence(text: str, msg: Messages, plan_name: Callable[[str], str]) -> str:
    for pattern, key in SENTENCES:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        fields = {name: value or "" for name, value in found.groupdict().items()}
        if "doc" in fields:
            fields["doc"] = plan_name(fields["doc"])
        if "kind" in fields:
            fields["kind"] = msg.get(f"indicator_kind.{fields['kind']}", fields["kind"])
        if key == "note.scope_differs":
            for side in ("here", "there"):
                labels = fields[side].split(_SCOPE_JOIN)
                fields[side] = _SCOPE_JOIN.join(msg.get(f"scope.{label}", label) for label in labels)
        if key == "note.also":
            fields["hedge"] = msg(f"note.hedge.{_HEDGES[fields['hedge']]}") if fields["hedge"] else ""
        return msg(key, **fields)
    return text
