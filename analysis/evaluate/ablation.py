"""What each signal of meaning does to the alignment: the model with and without each of them,
per comparison, beside the character TF-IDF baseline, overall and per error class.

The signals (:data:`SWITCHES`): ``topics`` (the topic profiles and the topic-weighed clause pairs
in the score, and the rule linking a clause pair of one topic and some shared wording),
``goal media`` (the rule linking a goal block to the other plan's goal tasks for the media it
names), ``structure`` (the alignment of sections in the score) and ``level words`` (全省/全市,
place names, 省X厅/市X局 made neutral). Each variant — the settings as built, every signal on,
each one off, none on (the model before them), each one alone — is evaluated as
:mod:`analysis.evaluate.crosslevel` evaluates the model (thresholds chosen on all three gold
files: in-sample, and cross-validated over folds of source tasks).

Error classes (:func:`link_class`), from the tasks' roles and topics, so that they hold for any
plan: a link with a goal block on either side (``goal block``); a link between two tasks about
how the work is run — enforcement, reform and law, monitoring, publicity, organisation
(``institution building``); any other ``same`` link (``successor``) or ``partial`` link (``one
theme``: a task carrying one theme of the other, often in its own words).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import align
from analysis.evaluate.alignment import threshold_grid
from analysis.evaluate.crosslevel import COMPARISONS, comparison_gold, evaluate_crosslevel
from analysis.settings import AlignmentSettings

Variant = tuple[AlignmentSettings, pd.DataFrame]
# The weight a signal of the score gets when a variant turns it on and the settings give it none.
TRIAL_WEIGHT = 0.25


def _weighted(settings: AlignmentSettings, on: bool, *names: str) -> AlignmentSettings:
    weights = {name: (max(getattr(settings.weights, name), TRIAL_WEIGHT) if on else 0.0) for name in names}
    return dataclasses.replace(settings, weights=dataclasses.replace(settings.weights, **weights))


def _rule(settings: AlignmentSettings, grid: pd.DataFrame, on: bool, name: str, default: pd.DataFrame) -> Variant:
    """The settings and grid with the rule of threshold ``name`` available (its grid column) or off."""
    if on:
        return settings, grid if name in grid else grid.merge(default[[name]].drop_duplicates(), how="cross")
    off: dict = {name: None}
    thresholds = dataclasses.replace(settings.thresholds, **off)
    return dataclasses.replace(settings, thresholds=thresholds), grid.drop(
        columns=name, errors="ignore"
    ).drop_duplicates()


def _topics(settings: AlignmentSettings, grid: pd.DataFrame, on: bool, default: pd.DataFrame) -> Variant:
    settings = _weighted(settings, on, "topics") if on else _weighted(settings, False, "topics", "topic_clauses")
    return _rule(settings, grid, on, "topic_clause_min", default)


def _goal_media(settings: AlignmentSettings, grid: pd.DataFrame, on: bool, default: pd.DataFrame) -> Variant:
    return _rule(settings, grid, on, "goal_media_min", default)


def _structure(settings: AlignmentSettings, grid: pd.DataFrame, on: bool, default: pd.DataFrame) -> Variant:
    return _weighted(settings, on, "section"), grid


def _level_words(settings: AlignmentSettings, grid: pd.DataFrame, on: bool, default: pd.DataFrame) -> Variant:
    return dataclasses.replace(settings, neutral_level_words=on), grid


SWITCHES: dict[str, Callable[[AlignmentSettings, pd.DataFrame, bool, pd.DataFrame], Variant]] = {
    "topics": _topics,
    "goal media": _goal_media,
    "structure": _structure,
    "level words": _level_words,
}
AS_BUILT, ALL, NONE = "as built", "all on", "none (the model before)"
INSTITUTION_TOPICS = ("enforcement", "reform_law", "monitoring", "publicity", "organisation")
ERROR_CLASSES = ("goal block", "institution building", "successor", "one theme")
PROTOCOLS = {"in-sample": ("all pairs", "in-sample"), "cross-validated": ("all pairs", "cross-validated")}
ABLATION_COLUMNS = ["comparison", "variant", "method", "protocol", "precision", "recall", "f1", "n_gold", "n_predicted"]


def variants(settings: AlignmentSettings, grid: pd.DataFrame) -> dict[str, Variant]:
    """The settings as they are; every signal on; each off (the others on); none on; each alone.
    A signal turned on keeps its weight in the settings, or gets :data:`TRIAL_WEIGHT`; its rule is
    in the grid (the thresholds are chosen there)."""

    def switched(on: Sequence[str]) -> Variant:
        variant = (settings, grid)
        for name, switch in SWITCHES.items():
            variant = switch(*variant, name in on, grid)
        return variant

    names = list(SWITCHES)
    found = {AS_BUILT: (settings, grid), ALL: switched(names)}
    found |= {f"without {name}": switched([other for other in names if other != name]) for name in names}
    found[NONE] = switched([])
    found |= {f"only {name}": switched([name]) for name in names}
    return found


@dataclasses.dataclass(frozen=True)
class Ablation:
    figures: pd.DataFrame  # ABLATION_COLUMNS
    classes: pd.DataFrame  # comparison, variant, error class: gold links, found, extra links


def ablation(
    corpus: Mapping,
    settings: AlignmentSettings,
    indicators: pd.DataFrame,
    grid: pd.DataFrame | None = None,
    names: Sequence[str] | None = None,
) -> Ablation:
    """The model under every variant (those named, or all of :func:`variants`) on the three gold
    comparisons, and the baseline beside it (``indicators``: the targets the aligner sees)."""
    grid = threshold_grid(settings.threshold_grid) if grid is None else grid
    gold = {f"{key[0]} → {key[1]}": comparison_gold(key, corpus) for key in COMPARISONS}
    classes_of = _classifier(corpus)
    figures, classes = [], []
    for name, (variant_settings, variant_grid) in variants(settings, grid).items():
        if names is not None and name not in names:
            continue
        evaluation = evaluate_crosslevel(corpus, variant_settings, indicators, variant_grid)
        for protocol, (selection, setting) in PROTOCOLS.items():
            rows = evaluation.figures[
                (evaluation.figures["selection"] == selection)
                & (evaluation.figures["setting"] == setting)
                & (evaluation.figures["gold"] == "all links")
                & ((evaluation.figures["method"] == "model") | (name == AS_BUILT))
            ]
            figures.append(rows.assign(variant=name, protocol=protocol))
        links = evaluation.links
        predicted = links[
            (links["method"] == "model")
            & (links["selection"] == PROTOCOLS["cross-validated"][0])
            & (links["setting"] == PROTOCOLS["cross-validated"][1])
        ]
        for comparison, gold_links in gold.items():
            found = predicted[predicted["comparison"] == comparison]
            classes.append(_class_counts(gold_links, found, classes_of).assign(comparison=comparison, variant=name))
    table = pd.concat(figures, ignore_index=True)
    return Ablation(
        table[ABLATION_COLUMNS].reset_index(drop=True),
        pd.concat(classes, ignore_index=True)[["comparison", "variant", "error_class", "gold", "found", "extra"]],
    )


def _classifier(corpus: Mapping) -> Callable[[pd.DataFrame], np.ndarray]:
    """The error class of links (``source_task_id``, ``target_task_id``, ``relation``)."""
    space = align.FeatureSpace()
    lexicon = space.topics
    institution = np.isin(np.array(lexicon.topics), INSTITUTION_TOPICS)
    roles: dict[str, str] = {}
    run: dict[str, bool] = {}
    for doc in {doc_id for key in COMPARISONS for doc_id in key[:2]}:
        tasks = corpus[doc].tasks
        roles.update(zip(tasks["task_id"], align.task_roles(tasks)))
        counts = lexicon.counts([str(t) for t in tasks["text"]]).toarray()
        share = counts[:, institution].sum(axis=1) / np.maximum(counts.sum(axis=1), 1)
        run.update(zip(tasks["task_id"], share >= 0.5))

    def classify(links: pd.DataFrame) -> np.ndarray:
        source, target = links["source_task_id"], links["target_task_id"]
        goal = (source.map(roles) == "goal") | (target.map(roles) == "goal")
        institutional = source.map(run).fillna(False).astype(bool) & target.map(run).fillna(False).astype(bool)
        return np.select(
            [goal.to_numpy(), institutional.to_numpy(), (links["relation"] == "same").to_numpy()],
            list(ERROR_CLASSES[:3]),
            ERROR_CLASSES[3],
        )

    return classify


def _class_counts(gold: pd.DataFrame, found: pd.DataFrame, classify) -> pd.DataFrame:
    """Per error class: the gold links, those found, and the links found that the gold lacks
    (each classed by its own tasks and predicted relation)."""
    keys = ["source_task_id", "target_task_id"]
    merged = gold[[*keys, "relation"]].merge(found[keys].assign(found=True), on=keys, how="left")
    extra = found.merge(gold[keys], on=keys, how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]
    counts = pd.DataFrame({"error_class": list(ERROR_CLASSES)}).set_index("error_class")
    counts["gold"] = pd.Series(classify(merged)).value_counts()
    counts["found"] = pd.Series(classify(merged)[merged["found"].fillna(False).to_numpy(dtype=bool)]).value_counts()
    counts["extra"] = pd.Series(classify(extra) if len(extra) else []).value_counts()
    return counts.fillna(0).astype(int).reset_index()


def ablation_report(result: Ablation) -> str:
    """The ablation as text: P/R/F1 per comparison and variant, then the error classes."""
    figures = result.figures.copy()
    figures["comparison"] = figures["comparison"].str.replace("hubei_province_", "province ").str.replace("_city_", " ")
    figures["row"] = np.where(figures["method"] == "baseline", "baseline (char TF-IDF)", figures["variant"])
    wide = figures.pivot_table(
        index=["comparison", "row"], columns="protocol", values=["precision", "recall", "f1"], sort=False
    )
    wide = wide.reorder_levels([1, 0], axis=1)[[(p, m) for p in PROTOCOLS for m in ("precision", "recall", "f1")]]
    short = {"precision": "P", "recall": "R", "f1": "F1"}
    wide.columns = [f"{'CV' if column[0] == 'cross-validated' else 'in'}:{short[column[1]]}" for column in wide.columns]
    classes = result.classes.copy()
    classes["cell"] = (
        classes["found"].astype(str) + "/" + classes["gold"].astype(str) + " +" + classes["extra"].astype(str)
    )
    by_class = classes.pivot_table(
        index=["comparison", "error_class"], columns="variant", values="cell", aggfunc="first", sort=False
    )
    return "\n".join(
        [
            "Ablation: the model with and without each signal of meaning (thresholds chosen on all three gold",
            "files: in-sample, and cross-validated over folds of source tasks), beside the character TF-IDF baseline.",
            "",
            wide.to_string(float_format="{:.3f}".format),
            "",
            "Per error class, cross-validated: gold links found / gold links in the class, + links found that the",
            "gold lacks (classed by their own tasks).",
            "",
            by_class.to_string(),
        ]
    )
