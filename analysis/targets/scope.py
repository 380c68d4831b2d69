"""Scope words: which water (the Yangtze, lakes, tributaries) and which outfalls (into rivers, into
lakes) a target's sentence speaks of.

Plans word one measure for different waters alike (验收销号比例 of the Yangtze outfalls, 整治验收率
of the lake outfalls): the words that tell them apart are in the target's clause or in an earlier
clause of its sentence (深入推进长江入河排污口整治,…,验收销号比例达到80%). A target's scope words are,
for each dimension, the labels whose cues the nearest such clause holds (its own clause first).
The indicator lexicon declares the scope of the indicators that are split by scope (its ``scope``
column); a target is never mapped onto an indicator whose declared scope its words contradict,
and two targets of one indicator whose words differ are not compared as like with like
(:mod:`analysis.targets.pairing`). A *noted* dimension (治理 / 管控) is read from the target's own
clause only and never splits: a difference is a note.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# label → (dimension, cues). Cues are words of the clean text; one cue may belong to two labels
# (入湖: lake water and an outfall into a lake).
SCOPE_CUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "yangtze": ("water", ("长江",)),
    "lake": ("water", ("湖泊", "湖库", "入湖")),
    "tributary": ("water", ("支流",)),
    "into_river": ("outfall", ("入河",)),
    "into_lake": ("outfall", ("入湖",)),
    "control": ("wording", ("管控",)),
}
NOTED_DIMENSIONS = frozenset({"wording"})
SEPARATOR = ";"


def dimension(label: str) -> str:
    return SCOPE_CUES[label][0]


def labels_in(text: str, dimension_name: str) -> list[str]:
    """The labels of one dimension whose cues ``text`` holds, in :data:`SCOPE_CUES` order."""
    return [
        label for label, (dim, cues) in SCOPE_CUES.items() if dim == dimension_name and any(c in text for c in cues)
    ]


def scope_words(own_clause: str, earlier_clauses: Sequence[str] = ()) -> str:
    """The scope words of a target: for each dimension, the labels of its own clause, else of the
    nearest earlier clause of its sentence holding any (``earlier_clauses``: nearest first); a
    noted dimension from its own clause only. ``;``-joined in :data:`SCOPE_CUES` order."""
    found: list[str] = []
    for dim in dict.fromkeys(d for d, _ in SCOPE_CUES.values()):
        texts = [own_clause] if dim in NOTED_DIMENSIONS else [own_clause, *earlier_clauses]
        found.extend(next((labels for labels in (labels_in(t, dim) for t in texts) if labels), []))
    return SEPARATOR.join(label for label in SCOPE_CUES if label in found)


def by_dimension(words: str | Iterable[str]) -> dict[str, frozenset[str]]:
    """Scope words (``;``-joined or a collection) grouped by dimension."""
    labels = [w for w in (words.split(SEPARATOR) if isinstance(words, str) else words) if w]
    unknown = [w for w in labels if w not in SCOPE_CUES]
    if unknown:
        raise ValueError(f"unknown scope label {unknown[0]!r} (known: {', '.join(SCOPE_CUES)})")
    grouped: dict[str, set[str]] = {}
    for label in labels:
        grouped.setdefault(dimension(label), set()).add(label)
    return {dim: frozenset(found) for dim, found in grouped.items()}


def differences(words: str, other_words: str) -> list[str]:
    """The split dimensions two targets' scope words differ in: both name labels in it, not the
    same ones (a noted dimension never splits)."""
    mine, theirs = by_dimension(words), by_dimension(other_words)
    return [
        dim
        for dim in dict.fromkeys(d for d, _ in SCOPE_CUES.values())
        if dim not in NOTED_DIMENSIONS and mine.get(dim) and theirs.get(dim) and mine[dim] != theirs[dim]
    ]


def contradicts(words: str, declared: str) -> bool:
    """Whether a target's scope words contradict an indicator's declared scope: in some split
    dimension both name labels and share none (长江 declared, only 湖泊 found)."""
    mine, theirs = by_dimension(words), by_dimension(declared)
    return any(
        dim not in NOTED_DIMENSIONS and dim in mine and not (mine[dim] & labels) for dim, labels in theirs.items()
    )
