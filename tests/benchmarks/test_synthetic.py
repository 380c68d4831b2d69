"""Synthetic plans: deterministic, parsed back into exactly the tasks they were made of."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from analysis.parse.document import parse_document
from benchmarks import synthetic


@pytest.fixture(scope="module")
def bank(corpus) -> synthetic.ClauseBank:
    return synthetic.clause_bank(pd.concat([doc.tasks for doc in corpus.values()], ignore_index=True))


def test_the_bank_holds_no_damaged_text(bank) -> None:
    assert bank.sentences and bank.headings and bank.lead_units
    assert not any("?" in s for s in bank.sentences)


def test_a_rendered_plan_parses_back_into_its_tasks(bank, tmp_path) -> None:
    rng = random.Random(7)
    plan = synthetic.random_plan(bank, rng, "plan", 40)
    path = tmp_path / "plan.txt"
    path.write_text(synthetic.render(plan, rng), encoding="utf-8")
    tasks = parse_document(path, "plan").tasks
    ordered = synthetic.ordered_tasks(plan)
    assert len(tasks) == 40
    assert list(tasks["heading"]) == [t.heading for t in ordered]
    assert (tasks["flags"] == "").all()
    assert tasks["lead_units"].str.len().gt(0).all()


def test_generators_are_deterministic_and_keep_lineage(bank) -> None:
    first = synthetic.national_corpus(bank, seed=3, provinces=2, cities=(2, 3))
    second = synthetic.national_corpus(bank, seed=3, provinces=2, cities=(2, 3))
    rng_a, rng_b = random.Random(1), random.Random(1)
    assert [synthetic.render(p, rng_a) for p in first] == [synthetic.render(p, rng_b) for p in second]
    lineage = synthetic.lineage(first)
    ids = set(lineage["uid"])
    assert set(lineage["origin"]) - {""} <= ids  # every origin is a task of another plan
    by_id = {p.doc_id: p for p in first}
    for plan in first:
        assert not plan.parent or by_id[plan.parent].level == "province"
        assert not plan.previous or by_id[plan.previous].year == plan.year - 1
    assert {p.level for p in first} == {"province", "city"}


def test_a_written_corpus_builds_with_its_links(bank, tmp_path) -> None:
    from analysis.corpus.manifest import comparisons, load_manifest

    plans = synthetic.national_corpus(bank, seed=5, provinces=1, cities=(2, 2), years=(2023, 2024))
    manifest = synthetic.write_corpus(plans, tmp_path)
    links = comparisons(load_manifest(manifest))
    assert len(plans) == 6
    assert sorted(links["kind"].value_counts().items()) == [("level", 4), ("year", 3)]
