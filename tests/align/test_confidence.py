"""Link confidence: the logistic model, the confidence of every alignment row, its calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.align import confidence
from analysis.errors import UserError
from analysis.evaluate import calibration, queue
from analysis.schema import LINKS, UNLINKED
from analysis.settings import LINK_CONFIDENCE_PATH, AlignmentSettings


def test_fit_is_deterministic_and_ranks_by_evidence() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=400)) > 1.0
    first, second = confidence.fit(x, y, 1.0), confidence.fit(x, y, 1.0)
    assert first.to_json() == second.to_json()
    p = first.probability(x)
    assert ((p >= 0) & (p <= 1)).all()
    assert p[y].mean() > 0.6 > 0.1 > p[~y].mean()
    assert first.coef[0] > abs(first.coef[1]) + abs(first.coef[2])  # the informative feature carries the weight


def test_the_stored_model_round_trips_and_refuses_other_features(tmp_path) -> None:
    model = confidence.LinkModel.load(LINK_CONFIDENCE_PATH)
    assert model.features == confidence.FEATURES
    (tmp_path / "m.json").write_text(model.to_json(), encoding="utf-8")
    assert confidence.LinkModel.load(tmp_path / "m.json").to_json() == model.to_json()
    (tmp_path / "bad.json").write_text(model.to_json().replace('"score"', '"other"'), encoding="utf-8")
    with pytest.raises(UserError, match="refit"):
        confidence.LinkModel.load(tmp_path / "bad.json")


def test_row_confidence_links_and_unlinked_tasks() -> None:
    pairs = pd.DataFrame({"source_index": [0, 0, 1], "target_index": [0, 1, 1], "score": [0.9, 0.3, 0.2]})
    probability = np.array([0.95, 0.4, 0.1])
    table = pd.DataFrame({"source_task_id": ["s0", "s1", "", ""], "target_task_id": ["t0", "", "t1", "t2"]})
    found = confidence.row_confidence(table, pairs, probability, ["s0", "s1"], ["t0", "t1", "t2"])
    # the link: its P; s1: 1 − P of its nearest (t1); t1: nearest by score is s0 (0.3); t2: no candidate
    assert found.tolist() == [0.95, 0.9, 0.6, 1.0]


def test_every_built_row_has_a_confidence(built) -> None:
    _, tables = built
    alignments = tables["alignments"]
    assert alignments["confidence"].between(0, 1).all()
    linked = alignments["relation"].isin(LINKS)
    # an unlinked task's confidence is about its absence: it is 1 − P(its nearest candidate)
    unlinked = alignments[~linked]
    assert unlinked["relation"].isin([r for pair in UNLINKED.values() for r in pair]).all()
    # confidence follows the score within the links of a comparison (rank correlation)
    for _, rows in alignments[linked].groupby("comparison_id"):
        assert rows["score"].rank().corr(rows["confidence"].rank()) > 0.5
    assert (tables["alignments"]["decided_by"] == "model").all()  # the shipped corrections are empty


@pytest.mark.slow
def test_the_shipped_model_is_the_fit_on_the_development_gold(corpus, corpus_targets) -> None:
    settings = AlignmentSettings()
    fitted = calibration.calibrate(calibration.labelled_pairs(corpus, settings, corpus_targets), settings)
    assert fitted.model.to_json() == confidence.LinkModel.load(LINK_CONFIDENCE_PATH).to_json(), (
        "refit: python -m analysis evaluate --fit-confidence"
    )
    # calibrated on held-out folds of the development gold: expected number of links ≈ observed
    dev = fitted.reliability[fitted.reliability["gold"].str.startswith("development")]
    expected = (dev["mean_confidence"] * dev["n_pairs"]).sum()
    assert abs(expected - dev["n_links"].sum()) <= 0.1 * dev["n_links"].sum()
    # on every gold, the year model's confident links hold, and it never over-states the links
    confident = fitted.reliability[fitted.reliability["bin"] == "0.9–1.0"]
    assert (confident["observed_link_rate"] >= 0.9).all() and len(confident) == 3
    for gold, rows in fitted.reliability.groupby(["gold", "comparison"]):
        assert (rows["mean_confidence"] * rows["n_pairs"]).sum() <= 1.1 * rows["n_links"].sum(), gold
    assert fitted.reliability.groupby("comparison")["setting"].unique().map(list).to_dict() == {
        "hubei_province_2023 → hubei_province_2024": ["5-fold cross-validated"],
        "hubei_province_2024 → ezhou_city_2024": [calibration.HELD_OUT],
        "hubei_province_2024 → wuhan_city_2025": [calibration.HELD_OUT],
    }
    assert "Reliability" in calibration.report(fitted)
    # the near misses win back some of what the model misses on every gold, at a bounded reading cost
    near = fitted.near_misses.set_index("comparison")
    assert (near["missed_in_near_misses"] >= 1).all() and (near["n_near_misses"] <= 100).all()
    assert (near["missed_in_near_misses"] <= near["gold_links_missed"]).all()
    assert "Near misses" in calibration.report(fitted)


def test_near_misses_are_the_probable_unlinked_pairs_most_probable_first() -> None:
    relation = np.array(["same", "", "", "partial", ""], dtype=object)
    probability = np.array([0.9, 0.01, 0.4, 0.3, 0.05])
    assert confidence.near_misses(relation, probability, 0.02).tolist() == [2, 4]
    assert confidence.near_misses(relation, probability, 0.5).tolist() == []


def test_a_tasks_next_candidate_on_its_theme_outranks_a_likelier_pair_far_down_its_tasks_list() -> None:
    """The hidden-link order: a city task's second candidate that agrees with it in topic and wording
    (what a missed partial link looks like) comes before a pair the link model thinks a little
    likelier but that is its task's fifth candidate on another theme; P(link) alone orders them the
    other way round."""
    # target task 0: candidates from source tasks 0..1; target task 1: candidates from source tasks 0..4
    pairs = {
        "source_index": np.array([0, 1, 0, 1, 2, 3, 4]),
        "target_index": np.array([0, 0, 1, 1, 1, 1, 1]),
        "topics": np.array([0.9, 0.8, 0.1, 0.2, 0.1, np.nan, 0.0]),
        "topic_clauses": np.array([0.5, 0.4, 0.0, 0.1, 0.0, np.nan, 0.0]),
    }
    probability = np.array([0.9, 0.03, 0.5, 0.4, 0.3, 0.2, 0.04])
    features = confidence.hidden_link_features(pairs, probability)
    # the ranks among each target task's candidates by P(link), 1 = best; a topic not measured counts 0
    np.testing.assert_allclose(np.exp(features[:, 1]), [1, 2, 1, 2, 3, 4, 5])
    assert features[5, 2] == 0.0 and features[5, 3] == 0.0
    weights = AlignmentSettings().hidden_link
    chance = confidence.hidden_link_probability(pairs, probability, weights)
    assert chance[1] > chance[6] and probability[1] < probability[6]
    assert ((chance > 0) & (chance < 1)).all()
    # intercept 0 and the link logit alone: the link probability itself (the order before)
    alone = queue.LINK_PROBABILITY_ALONE
    np.testing.assert_allclose(confidence.hidden_link_probability(pairs, probability, alone), probability)
    # ties in P(link) rank in the pairs' order
    tied = confidence.hidden_link_features(pairs, np.full(7, 0.5))
    np.testing.assert_allclose(np.exp(tied[:, 1]), [1, 2, 1, 2, 3, 4, 5])


def test_reliability_table_bins_predictions() -> None:
    p = np.array([0.05, 0.06, 0.55, 0.95, 1.0])
    y = np.array([False, True, True, True, True])
    table = calibration.reliability_table(p, y)
    assert table["bin"].tolist() == ["0.0–0.1", "0.5–0.6", "0.9–1.0"]
    assert table["n_pairs"].tolist() == [2, 1, 2]
    assert table["observed_link_rate"].tolist() == [0.5, 1.0, 1.0]
