"""Alignment figures per comparison — the year pair (development gold) and the two cross-level
pairs (the team's clause-level annotation, ``data/gold/team_clauses_*.csv``, and the task links
derived from it, ``data/gold/team_align_*.csv``) — for the model and a plain baseline.

- **Model**: the aligner's candidate pairs and decision rule (:func:`analysis.align.decide`),
  thresholds from the settings' grid (with the clause-level rule's ``clause_min`` when the grid
  has it).
- **Baseline**: cosine of character 2–3-gram TF-IDF vectors of the task texts (IDF over the two
  plans' tasks, plain: no segmentation, no boilerplate list); every pair at or above one threshold
  is a link, the best source of each target is ``same``, the others ``partial``.

Parameters are chosen on a *selection* gold, maximising the mean F1 over its comparisons (then
label accuracy; then the fewest links and the highest thresholds):

- ``settings``: the thresholds of :class:`AlignmentSettings` (those the build uses).
- ``year pair``: the development gold only (how the build's thresholds were chosen so far; the
  baseline's prescribed protocol). ``in-sample`` chooses on all of it; ``cross-validated`` on
  the other folds (k folds over source tasks: task i in fold i mod k), applied to the held-out
  fold of every comparison, predictions pooled.
- ``all pairs``: the three gold files together: ``in-sample``, ``cross-validated`` (other folds
  of all three) and ``other pairs`` (chosen on the two other comparisons: each comparison held
  out whole, the closest we have to unseen plans).

Each figure is given against every gold link (``all links``) and without the links annotated
with low confidence (``high confidence``: a low-confidence pair is neither rewarded nor
penalised, whatever is predicted for it).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from analysis import align
from analysis.evaluate.alignment import (
    DEV_COMPARISON,
    DEV_GOLD,
    GOLD_TASKS,
    TEAM_CHECKS,
    dev_gold_links,
    most_conservative,
    read_gold,
    threshold_grid,
)
from analysis.metrics import link_metrics_of_counts
from analysis.settings import GOLD_DIR, AlignmentSettings
from analysis.storage import write_csv

COMPARISONS = (DEV_COMPARISON, *TEAM_CHECKS)
TEAM_CLAUSES = {
    ("hubei_province_2024", "ezhou_city_2024", "level"): GOLD_DIR / "team_clauses_province_2024_ezhou_2024.csv",
    ("hubei_province_2024", "wuhan_city_2025", "level"): GOLD_DIR / "team_clauses_province_2024_wuhan_2025.csv",
}
CLAUSE_GOLD_COLUMNS = [
    "source_task_id",
    "source_clause_no",
    "source_clause",
    "target_task_id",
    "target_clause_no",
    "target_clause",
    "confidence",
    "note",
]
TEAM_COLUMNS = ["source_task_id", "target_task_id", "relation", "note", "confidence"]
GOLD_COLUMNS = ["source_task_id", "target_task_id", "relation", "confidence"]
LINK_COLUMNS = ["comparison", "method", "selection", "setting", "source_task_id", "target_task_id", "relation"]
FIGURE_COLUMNS = [
    "comparison",
    "method",
    "selection",
    "setting",
    "gold",
    "precision",
    "recall",
    "f1",
    "label_accuracy",
    "n_gold",
    "n_predicted",
    "n_correct",
]
BASELINE_GRID = {"cosine_min": (0.02, 0.80, 0.01)}
_CONF = re.compile(r"^\[conf:(high|medium|low)\]")
_SPACES = re.compile(r"\s+")
_DERIVED = "From the clause annotation"  # marks the rows derive_team_links adds
_LOW_ONLY = "[clauses: low confidence only]"
_UNSUPPORTED = "[no clause annotated]"
_HIGH_NOW = "[clauses: high confidence]"


# --- the gold -------------------------------------------------------------------------------------


def note_confidence(note: str) -> str:
    """``low`` for a note starting ``[conf:low]``, else ``high`` (``medium`` counts as high)."""
    match = _CONF.match(str(note))
    return "low" if match and match.group(1) == "low" else "high"


def derive_team_links(clauses: pd.DataFrame, team: pd.DataFrame) -> pd.DataFrame:
    """The task links of a cross-level comparison from its clause annotation and the team's task
    file: a target task carrying a source clause is linked at least ``partial``; the team file's
    ``same`` (and ``partial``) links are kept. A link's confidence is ``high`` when a
    high-confidence clause pair supports it, else ``low`` (a team link no clause supports is kept,
    as low). ``not_cascaded``/``local`` rows stay only for tasks left without a link."""
    support: dict[tuple[str, str], dict] = {}  # (source, target) → high, n, notes
    for clause in clauses.to_dict("records"):
        found = support.setdefault(
            (str(clause["source_task_id"]), str(clause["target_task_id"])), {"high": False, "n": 0, "notes": {}}
        )
        found["high"] |= clause["confidence"] == "high"
        found["n"] += 1
        found["notes"][str(clause["note"])] = None
    records = [{k: str(v) for k, v in row.items()} for row in _original(team).to_dict("records")]
    rows: list[dict[str, str]] = []
    for row in (r for r in records if r["relation"] in align.LINKS):
        key = (row["source_task_id"], row["target_task_id"])
        if key in support:
            confidence = "high" if support[key]["high"] else "low"
            note = (
                f"{row['note']} {_LOW_ONLY}"
                if confidence == "low"
                else f"{row['note']} {_HIGH_NOW}"
                if note_confidence(row["note"]) == "low"
                else row["note"]
            )
        else:
            confidence, note = "low", f"{row['note']} {_UNSUPPORTED}"
        rows.append(
            {
                **{c: row[c] for c in ("source_task_id", "target_task_id", "relation")},
                "note": note,
                "confidence": confidence,
            }
        )
    known = {(r["source_task_id"], r["target_task_id"]) for r in rows}
    for (source, target), found in support.items():
        if (source, target) in known:
            continue
        confidence = "high" if found["high"] else "low"
        rows.append(
            {
                "source_task_id": source,
                "target_task_id": target,
                "relation": "partial",
                "note": f"[conf:{confidence}] {_DERIVED} ({found['n']} clause pair"
                f"{'s' if found['n'] > 1 else ''}): {'; '.join(found['notes'])}",
                "confidence": confidence,
            }
        )
    sources = {r["source_task_id"] for r in rows}
    targets = {r["target_task_id"] for r in rows}
    for row in (r for r in records if r["relation"] not in align.LINKS):
        if (row["relation"] == "not_cascaded" and row["source_task_id"] in sources) or (
            row["relation"] == "local" and row["target_task_id"] in targets
        ):
            continue
        rows.append(
            {
                **{c: row[c] for c in ("source_task_id", "target_task_id", "relation", "note")},
                "confidence": note_confidence(row["note"]),
            }
        )
    return pd.DataFrame(rows, columns=TEAM_COLUMNS)


def _original(team: pd.DataFrame) -> pd.DataFrame:
    """The team's own rows of a task file (a derived file's added rows and marks taken out)."""
    team = team[~team["note"].str.contains(_DERIVED, regex=False)]
    note = (
        team["note"]
        .str.replace(f" {_LOW_ONLY}", "", regex=False)
        .str.replace(f" {_UNSUPPORTED}", "", regex=False)
        .str.replace(f" {_HIGH_NOW}", "", regex=False)
    )
    return team.assign(note=note)[[c for c in team.columns if c != "confidence"]]


def comparison_gold(key: tuple[str, str, str], corpus: Mapping) -> pd.DataFrame:
    """The gold links of a comparison with their confidence: the development gold's from the
    notes' ``[conf:…]`` (low → low, else high), a team file's from its ``confidence`` column."""
    if key == DEV_COMPARISON:
        raw = read_gold(DEV_GOLD)
        source, target = corpus[key[0]], corpus[key[1]]
        links = dev_gold_links(raw, read_gold(GOLD_TASKS), source.tasks, target.tasks)
        notes = raw.loc[raw["relation"].isin(align.LINKS), "note"].map(note_confidence).to_numpy()
        return links.assign(confidence=notes)[GOLD_COLUMNS]
    team = read_gold(TEAM_CHECKS[key])
    team = team[team["relation"].isin(align.LINKS)]
    confidence = team["confidence"] if "confidence" in team else team["note"].map(note_confidence)
    return team.assign(confidence=confidence)[GOLD_COLUMNS].reset_index(drop=True)


# --- the baseline ---------------------------------------------------------------------------------


def char_tfidf_cosine(source_texts: Sequence[str], target_texts: Sequence[str]) -> np.ndarray:
    """Cosines (source × target) of character 2–3-gram TF-IDF vectors (smooth IDF over the
    texts of both sides, raw counts, L2 norm), whitespace removed."""
    texts = [_SPACES.sub("", str(t)) for t in (*source_texts, *target_texts)]
    grams = [Counter(t[i : i + n] for n in (2, 3) for i in range(len(t) - n + 1)) for t in texts]
    vocabulary = {g: i for i, g in enumerate(sorted(set().union(*grams)))}
    frequency = Counter(g for counts in grams for g in counts)
    idf = np.zeros(len(vocabulary))
    for gram, df in frequency.items():
        idf[vocabulary[gram]] = math.log((1 + len(texts)) / (1 + df)) + 1
    rows, cols, values = [], [], []
    for row, counts in enumerate(grams):
        for gram, count in counts.items():
            rows.append(row)
            cols.append(vocabulary[gram])
            values.append(count * idf[vocabulary[gram]])
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(texts), len(vocabulary)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ matrix
    n = len(source_texts)
    return (matrix[:n] @ matrix[n:].T).toarray()


# --- candidates and decisions under a grid ---------------------------------------------------------


@dataclass
class Candidates:
    """One method's candidate pairs of one comparison, with the gold mapped onto them."""

    name: str
    source_index: np.ndarray
    source_task_id: np.ndarray
    target_task_id: np.ndarray
    gold: pd.DataFrame  # GOLD_COLUMNS
    gold_source_index: np.ndarray  # each gold link's source task number (for folds)

    def __post_init__(self) -> None:
        keys = pd.DataFrame({"source_task_id": self.source_task_id, "target_task_id": self.target_task_id})
        merged = keys.merge(self.gold, how="left", on=["source_task_id", "target_task_id"])
        self.gold_relation = merged["relation"].fillna("").to_numpy()
        self.gold_low = (merged["confidence"] == "low").to_numpy()


def baseline_decisions(cosine: np.ndarray, grid: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``linked`` and ``same`` (configurations × every source × target pair, row-major): a link
    at cosine ≥ ``cosine_min``; ``same`` for the best source of each target."""
    flat = cosine.ravel()[None, :]
    best = (cosine == cosine.max(axis=0, keepdims=True)) & (cosine > 0)
    linked = flat >= grid["cosine_min"].to_numpy(dtype=float)[:, None]
    return linked, linked & best.ravel()[None, :]


def metrics(
    candidates: Candidates,
    linked: np.ndarray,
    same: np.ndarray,
    rows: np.ndarray | None = None,
    high_only: bool = False,
) -> dict[str, np.ndarray]:
    """Link metrics per configuration over the pairs whose source task is in ``rows`` (every
    pair when None); ``high_only`` leaves the low-confidence gold pairs out of both sides.
    ``linked`` and ``same`` (configurations × pairs) are booleans or packed 8 pairs a byte
    (``np.packbits`` along the pairs: a grid of tens of thousands of configurations is counted in
    a few passes over small arrays)."""
    if linked.dtype == bool:
        linked, same = np.packbits(linked, axis=1), np.packbits(same, axis=1)
    in_scope = (
        np.ones(len(candidates.source_index), dtype=bool) if rows is None else np.isin(candidates.source_index, rows)
    )
    gold = candidates.gold
    gold_scope = np.ones(len(gold), dtype=bool) if rows is None else np.isin(candidates.gold_source_index, rows)
    if high_only:
        in_scope &= ~candidates.gold_low
        gold_scope &= (gold["confidence"] != "low").to_numpy()
    n_gold = int(gold_scope.sum())
    correct = linked & np.packbits((candidates.gold_relation != "") & in_scope)[None, :]
    right_label = correct & ~(same ^ np.packbits(candidates.gold_relation == "same")[None, :])

    def count(bits: np.ndarray) -> np.ndarray:
        return np.bitwise_count(bits).sum(axis=1, dtype=np.int64)

    n_predicted = count(linked & np.packbits(in_scope)[None, :])
    return link_metrics_of_counts(count(correct), n_predicted, count(right_label), n_gold)


@dataclass
class Method:
    """A method on every comparison: its candidates and decisions under its grid."""

    name: str
    grid: pd.DataFrame
    candidates: list[Candidates]
    decisions: list[tuple[np.ndarray, np.ndarray]]
    settings_row: int | None = None  # the grid row of the settings' thresholds (the build's)
    _packed: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    def packed(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Comparison ``i``'s decisions packed for :func:`metrics` (once)."""
        if i not in self._packed:
            self._packed[i] = tuple(np.packbits(d, axis=1) for d in self.decisions[i])  # type: ignore[assignment]
        return self._packed[i]

    def select(self, scopes: Sequence[tuple[int, np.ndarray | None]]) -> int:
        """The grid row with the best mean F1 over ``scopes`` ((comparison, source rows) each),
        then mean label accuracy; then the fewest predicted links and the highest thresholds."""
        results = [metrics(self.candidates[i], *self.packed(i), rows) for i, rows in scopes]
        f1 = np.mean([r["f1"] for r in results], axis=0)
        label = np.mean([r["label_accuracy"] for r in results], axis=0)
        predicted = np.sum([r["n_predicted"] for r in results], axis=0)
        tied = np.flatnonzero(f1 >= f1.max() - 1e-9)
        tied = tied[label[tied] >= label[tied].max() - 1e-9]
        return most_conservative(self.grid.to_numpy(dtype=float), tied, predicted)

    def thresholds(self, row: int) -> dict[str, float]:
        return {str(name): float(value) for name, value in self.grid.iloc[row].items()}


def _pooled(method: Method, i: int, choices: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """``linked`` and ``same`` of comparison ``i``'s candidates, each source-row set decided by its
    own grid row."""
    linked_all, same_all = method.decisions[i]
    linked = np.zeros(linked_all.shape[1], dtype=bool)
    same = np.zeros_like(linked)
    for rows, choice in choices:
        at = np.isin(method.candidates[i].source_index, rows)
        linked[at], same[at] = linked_all[choice, at], same_all[choice, at]
    return linked, same


@dataclass(frozen=True)
class CrossLevelEvaluation:
    figures: pd.DataFrame  # FIGURE_COLUMNS
    chosen: pd.DataFrame  # method, selection, setting, held-out comparison/fold, thresholds
    links: pd.DataFrame  # LINK_COLUMNS: the links each method predicts under each protocol


# A protocol: (selection, setting, per comparison: the (source rows, grid row) choices that decide it).
Protocol = tuple[str, str, list[list[tuple[np.ndarray, int]]]]


def _fold(n: int, folds: int, fold: int, held_out: bool = True) -> np.ndarray:
    """Source task numbers of a fold (task i in fold i mod ``folds``), or of the other folds."""
    in_fold = np.arange(n) % folds == fold
    return np.flatnonzero(in_fold if held_out else ~in_fold)


def _choice(method: Method, selection: str, setting: str, held_out: str, row: int) -> dict:
    return {
        "method": method.name,
        "selection": selection,
        "setting": setting,
        "held_out": held_out,
        **method.thresholds(row),
    }


def _protocols(
    method: Method, names: Sequence[str], n_sources: Sequence[int], folds: int
) -> tuple[list[Protocol], list[dict]]:
    """The protocols a method is scored under (see the module's docstring), and the thresholds
    each chose."""
    everything = list(range(len(names)))
    protocols: list[Protocol] = []
    chosen: list[dict] = []

    def everywhere(selection: str, setting: str, row: int) -> None:
        protocols.append((selection, setting, [[(np.arange(n), row)] for n in n_sources]))
        chosen.append(_choice(method, selection, setting, "", row))

    if method.settings_row is not None:
        everywhere("settings", "as built", method.settings_row)
    for selection, trained_on in (("year pair", [0]), ("all pairs", everything)):  # the year pair is index 0
        everywhere(selection, "in-sample", method.select([(i, None) for i in trained_on]))
        per_fold = [
            method.select([(i, _fold(n_sources[i], folds, f, held_out=False)) for i in trained_on])
            for f in range(folds)
        ]
        chosen += [_choice(method, selection, "cross-validated", f"fold {f}", row) for f, row in enumerate(per_fold)]
        protocols.append(
            (
                selection,
                "cross-validated",
                [[(_fold(n, folds, f), per_fold[f]) for f in range(folds)] for n in n_sources],
            )
        )
    other = []
    for i in everything:
        row = method.select([(j, None) for j in everything if j != i])
        other.append([(np.arange(n_sources[i]), row)])
        chosen.append(_choice(method, "all pairs", "other pairs", names[i], row))
    protocols.append(("all pairs", "other pairs", other))
    return protocols, chosen


def evaluate_methods(
    methods: Sequence[Method], names: Sequence[str], n_sources: Sequence[int], folds: int
) -> CrossLevelEvaluation:
    """Every method under every protocol (see the module's docstring)."""
    figures, chosen, links = [], [], []
    for method in methods:
        protocols, choices = _protocols(method, names, n_sources, folds)
        chosen += choices
        for selection, setting, per_comparison in protocols:
            for i, decided_by in enumerate(per_comparison):
                label = {"comparison": names[i], "method": method.name, "selection": selection, "setting": setting}
                linked, same = _pooled(method, i, decided_by)
                for gold, high_only in (("all links", False), ("high confidence", True)):
                    found = metrics(method.candidates[i], linked[None, :], same[None, :], None, high_only)
                    figures.append({**label, "gold": gold, **{k: v[0] for k, v in found.items()}})
                candidates = method.candidates[i]
                links.append(
                    pd.DataFrame(
                        {
                            **label,
                            "source_task_id": candidates.source_task_id[linked],
                            "target_task_id": candidates.target_task_id[linked],
                            "relation": np.where(same[linked], "same", "partial"),
                        },
                        columns=LINK_COLUMNS,
                    )
                )
    return CrossLevelEvaluation(
        pd.DataFrame(figures, columns=FIGURE_COLUMNS), pd.DataFrame(chosen), pd.concat(links, ignore_index=True)
    )


def build_methods(
    corpus: Mapping,
    settings: AlignmentSettings,
    indicators: pd.DataFrame,
    grid: pd.DataFrame | None = None,
) -> tuple[list[Method], list[str], list[int]]:
    """The model and the baseline on the three comparisons."""
    grid = threshold_grid(settings.threshold_grid) if grid is None else grid
    fixed = align.threshold_table(settings.thresholds)[list(grid.columns)]
    grid = pd.concat([grid, fixed], ignore_index=True)
    plans = align.PlanCache()
    baseline_grid = threshold_grid(BASELINE_GRID)
    model = Method("model", grid, [], [], settings_row=len(grid) - 1)
    baseline = Method("baseline", baseline_grid, [], [])
    names, n_sources = [], []
    for key in COMPARISONS:
        source, target = corpus[key[0]], corpus[key[1]]
        gold = comparison_gold(key, corpus)
        source_number = {task: i for i, task in enumerate(source.tasks["task_id"])}
        gold_source = gold["source_task_id"].map(source_number).to_numpy()
        name = f"{key[0]} → {key[1]}"
        names.append(name)
        n_sources.append(len(source.tasks))
        pairs = align.scored_pairs(source, target, settings, indicators, plans)
        model.candidates.append(
            Candidates(
                name,
                pairs["source_index"].to_numpy(),
                pairs["source_task_id"].to_numpy(),
                pairs["target_task_id"].to_numpy(),
                gold,
                gold_source,
            )
        )
        model.decisions.append(align.decide_grid(pairs, len(source.tasks), len(target.tasks), grid))
        cosine = char_tfidf_cosine(list(source.tasks["text"]), list(target.tasks["text"]))
        n_target = len(target.tasks)
        index = np.arange(cosine.size)
        baseline.candidates.append(
            Candidates(
                name,
                index // n_target,
                source.tasks["task_id"].to_numpy()[index // n_target],
                target.tasks["task_id"].to_numpy()[index % n_target],
                gold,
                gold_source,
            )
        )
        baseline.decisions.append(baseline_decisions(cosine, baseline_grid))
    return [model, baseline], names, n_sources


def evaluate_crosslevel(
    corpus: Mapping,
    settings: AlignmentSettings,
    indicators: pd.DataFrame,
    grid: pd.DataFrame | None = None,
) -> CrossLevelEvaluation:
    methods, names, n_sources = build_methods(corpus, settings, indicators, grid)
    return evaluate_methods(methods, names, n_sources, settings.cv_folds)


FIGURE_GOLDS = {"all links": "all", "high confidence": "high"}  # gold link sets → column prefixes
SIDE_BY_SIDE_MEASURES = ("precision", "recall", "f1", "label_accuracy")


def figures_side_by_side(figures: pd.DataFrame) -> pd.DataFrame:
    """The figures (``FIGURE_COLUMNS``) one row per comparison × method × selection × setting,
    all links and high-confidence links side by side (``all_f1``, ``high_f1`` …), with the all-links
    counts."""
    keys = ["comparison", "method", "selection", "setting"]
    wide = figures.pivot_table(index=keys, columns="gold", values=list(SIDE_BY_SIDE_MEASURES), sort=False)
    order = [(gold, measure) for gold in FIGURE_GOLDS for measure in SIDE_BY_SIDE_MEASURES]
    wide = wide.reorder_levels([1, 0], axis=1)[order]
    wide.columns = [f"{FIGURE_GOLDS[gold]}_{measure}" for gold, measure in order]
    counts = figures[figures["gold"] == "all links"].set_index(keys)[["n_gold", "n_predicted", "n_correct"]]
    return wide.join(counts).reset_index()


def crosslevel_report(evaluation: CrossLevelEvaluation) -> str:
    """The figures as one table (all links | high-confidence links side by side) and the
    parameters each protocol chose."""
    table = figures_side_by_side(evaluation.figures)
    table["comparison"] = table["comparison"].str.replace("hubei_province_", "province ").str.replace("_city_", " ")
    short = {"precision": "P", "recall": "R", "f1": "F1", "label_accuracy": "label"}
    table = table.rename(
        columns={f"{prefix}_{name}": f"{prefix}:{s}" for prefix in FIGURE_GOLDS.values() for name, s in short.items()}
    )
    lines = [
        "Alignment per comparison, model and baseline. P/R/F1 count links; label = share of the correct links",
        "with the gold's same/partial. all: every gold link; high: low-confidence gold links left out of both sides.",
        "selection: the gold the parameters are chosen on; in-sample = all of it, cross-validated = the other folds",
        "(source tasks, i mod k), other pairs = the two other comparisons (this one held out whole).",
        "Baseline: char 2–3-gram TF-IDF cosine ≥ one threshold; the best source per target is same.",
        "",
        table.to_string(index=False, float_format="{:.3f}".format),
        "",
        "Parameters chosen:",
        evaluation.chosen.to_string(index=False),
    ]
    return "\n".join(lines)


def main() -> int:
    """``python -m analysis.evaluate.crosslevel``: rewrite the team task files from the clause
    annotation (the figures: ``python -m analysis evaluate``)."""
    for key, path in TEAM_CLAUSES.items():
        derived = derive_team_links(read_gold(path), read_gold(TEAM_CHECKS[key]))
        write_csv(derived, TEAM_CHECKS[key])
        print(
            f"{TEAM_CHECKS[key].name}: {len(derived)} rows, "
            f"{derived['relation'].value_counts().to_dict()}, {derived['confidence'].value_counts().to_dict()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
