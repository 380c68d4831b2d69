"""``python -m analysis evaluate``: every evaluation of the corpus against the gold, as text —
targets and their indicator mapping, the task alignment beside its baselines, the link
confidence's calibration, the review queue's reach (and, asked for, the signals' ablation), and
the model against the reviewer's decisions (the evaluation's tables
are written by the build: :mod:`analysis.evaluate.tables`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from analysis import align, review
from analysis.corpus import manifest
from analysis.corpus.build import parse_manifest, targets_of
from analysis.corpus.documents import documents_table
from analysis.evaluate import ablation, calibration, queue
from analysis.evaluate.alignment import evaluate_alignment, report
from analysis.evaluate.crosslevel import crosslevel_report, evaluate_crosslevel
from analysis.evaluate.targets import evaluate_targets, indicator_mapping, load_gold_targets, threshold_sweep
from analysis.parse.document import ParsedDocument
from analysis.settings import LINK_CONFIDENCE_PATH, BuildSettings
from analysis.targets import compared_targets, indicators


def target_sections(found: pd.DataFrame, gold_path: Path, lexicon: pd.DataFrame, settings: BuildSettings) -> list[str]:
    """Targets against the gold, the mapping of the gold's phrases and the unmapped commitments."""
    gold = load_gold_targets(gold_path)
    scores = evaluate_targets(found, gold)
    lines = [f"Targets against {gold_path} (core recall, precision; rule: analysis/evaluate/targets.py)"]
    lines.append(scores.set_index("doc_id").astype(object).T.to_string())
    mapping = indicator_mapping(gold, lexicon, settings.targets)
    lines.append(
        f"\nIndicator mapping of the gold's own phrases (threshold {settings.targets.indicator_min_score:g}): "
        f"accuracy {mapping['correct'].mean():.4f} ({int(mapping['correct'].sum())}/{len(mapping)})"
    )
    sweep = threshold_sweep(indicator_mapping(gold, lexicon, settings.targets, min_score=0), list(range(40, 95, 5)))
    lines.append("by threshold: " + ", ".join(f"{t:g}: {a:.4f}" for t, a in sweep.itertuples(index=False)))
    lines += [
        f"  wrong: {w['doc']} «{w['indicator']}» → {w['indicator_id'] or '(unmapped)'} ({w['indicator_score']}), "
        f"expected {w['canonical_indicator']}"
        for w in mapping[~mapping["correct"]].to_dict(orient="records")
    ]
    commitments = found[found["role"] == "commitment"]
    unmapped = commitments[commitments["indicator_id"] == ""]
    lines.append(f"\nCommitments whose phrase maps to no indicator: {len(unmapped)} of {len(commitments)}")
    lines += [
        f"  {r.target_id} {r.value_text} «{r.indicator}» (best score {r.indicator_score})"
        for r in unmapped.itertuples()
    ]
    return lines


def model_comparisons(
    listed: pd.DataFrame, corpus: dict[str, ParsedDocument], targets: pd.DataFrame, settings: BuildSettings
) -> Iterator[align.PlanComparison]:
    """The model's comparisons of the manifest's links, before any reviewer decision."""
    link_model = align.LinkModel.load(LINK_CONFIDENCE_PATH)
    plans = align.PlanCache()
    for plan in manifest.comparisons(listed).itertuples():
        if plan.source_doc in corpus and plan.target_doc in corpus:
            yield align.compare_plans(
                corpus[str(plan.source_doc)],
                corpus[str(plan.target_doc)],
                str(plan.kind),
                settings.alignment,
                link_model,
                targets,
                plans,
            )


def evaluation_text(
    manifest_path: Path,
    gold_path: Path,
    settings: BuildSettings,
    corrections: review.Corrections,
    fit: bool = False,
    with_ablation: bool = False,
) -> Iterator[str]:
    """The sections of the evaluation, each as text; with ``fit``, the link-confidence model
    fitted on the development gold is stored where the build reads it; with ``with_ablation``,
    the alignment with and without each signal of meaning (a few minutes)."""
    listed, docs = parse_manifest(manifest_path, settings)
    lexicon = indicators.load_lexicon()
    found = targets_of(docs, documents_table(docs, listed, settings.duplicates), lexicon, settings)
    yield "\n".join(target_sections(found, gold_path, lexicon, settings))
    corpus = {doc.doc_id: doc for doc in docs}
    corrected, _ = review.correct_targets(found, corrections.targets, lexicon, corrections.targets_path)
    compared = compared_targets(corrected)  # as the build's comparisons see them
    yield report(evaluate_alignment(corpus, settings.alignment, compared))
    yield crosslevel_report(evaluate_crosslevel(corpus, settings.alignment, compared))
    labelled = calibration.labelled_pairs(corpus, settings.alignment, compared)
    fitted = calibration.calibrate(labelled, settings.alignment)
    yield calibration.report(fitted)
    if fit:
        calibration.write_model(fitted)
        yield f"link-confidence model → {LINK_CONFIDENCE_PATH}"
    link_model = fitted.model if fit else align.LinkModel.load(LINK_CONFIDENCE_PATH)
    checks = queue.queue_checks(corpus, settings.alignment, link_model, compared)
    yield queue.queue_report(checks, queue.queue_choices(checks), settings.alignment)
    if with_ablation:
        yield ablation.ablation_report(ablation.ablation(corpus, settings.alignment, compared))
    agreement = review.link_agreement(corrections.links, model_comparisons(listed, corpus, found, settings))
    counts = review.target_agreement(corrections.targets, found)
    yield review.agreement_report(agreement, counts, corrections.links_path, corrections.targets_path)
