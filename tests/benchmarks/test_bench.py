"""The benchmark harness runs its cases and judges the goals (the figures come from `make bench`)."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks import bench, measure, peer


@pytest.fixture
def processed(built, monkeypatch):
    """The harness draws its synthetic plans from the processed tasks table: conftest's build, not data/processed."""
    monkeypatch.setattr(bench, "PROCESSED_DIR", built[0])
    monkeypatch.setattr(peer, "PROCESSED_DIR", built[0])
    return built[0]


def test_goals_are_judged_from_the_measured_figures() -> None:
    results = {
        "align": [{"n": 300, "seconds": 2.0}, {"n": 3000, "seconds": 20.0}],
        "difflib": [{"n": 3000, "seconds": 2000.0}],
        "national": {"seconds": 75.0, "peak_mb": 900.0},
    }
    goals = bench.goals_met(results).set_index("goal")
    assert goals.at["align_3000_over_300_cost", "measured"] == 10.0 and goals.at["align_3000_over_300_cost", "met"]
    assert goals.at["align_3000_speedup_over_difflib", "measured"] == 100.0
    assert not goals.at["national_seconds", "met"]
    assert goals.at["national_peak_mb", "met"]
    assert pd.isna(goals.at["reports_seconds", "measured"])


def test_an_alignment_case_scores_the_aligner_against_the_lineage(processed) -> None:
    result = bench.align_case(30, 1)
    assert result["source_tasks"] == 30 and result["target_tasks"] > 0
    assert 0.0 <= result["same_precision"] <= 1.0 and 0.0 <= result["same_recall"] <= 1.0
    assert result["same_f1"] > 0.5  # a continued task is mostly found
    assert result["tfidf"]["seconds"] > 0 and 0.0 <= result["tfidf"]["same_f1"] <= 1.0  # the peer, on the same pair
    assert result["over_tfidf"] == pytest.approx(result["seconds"] / result["tfidf"]["seconds"], rel=0.05)


def test_the_tfidf_peer_links_each_later_task_to_its_closest_earlier_one() -> None:
    earlier = ["加强大气污染防治", "推进土壤污染修复", "完善生态环境监测网络"]
    later = ["完善生态环境监测网络建设", "全面加强大气污染防治工作", "开展新污染物治理"]
    assert peer.tfidf_links(earlier, later) == [(2, 0), (0, 1)]  # the third shares too little
    vectors = peer.tfidf_vectors(earlier)
    assert vectors.multiply(vectors).sum(axis=1).A.ravel() == pytest.approx([1.0, 1.0, 1.0])


def test_the_difflib_baseline_is_timed_on_a_sample_and_scaled(processed) -> None:
    result = bench.difflib_case(30, 1, 5)
    assert result["sampled_rows"] == 5
    assert result["seconds"] >= result["sampled_seconds"]


@pytest.mark.slow
def test_the_ingestion_case_reads_every_format_of_every_clean_plan() -> None:
    from pinned_corpus import PINNED_MANIFEST

    from benchmarks.ingest import ingest_case

    results = ingest_case(1, PINNED_MANIFEST)
    assert results["plans"] == 5
    assert {fmt: results[fmt]["files"] for fmt in ("txt", "docx", "pdf", "html")} == dict.fromkeys(
        ("txt", "docx", "pdf", "html"), 5
    )
    assert results["pdf"]["pages"] > results["plans"] and results["pdf"]["pages_per_second"] > 0


def test_the_dask_cases_report_speed_up_and_scale_out_efficiency(monkeypatch) -> None:
    seconds = {("none", None, 1): 100.0, ("local", 1, 1): 110.0, ("local", 2, 1): 60.0, ("local", 2, 2): 130.0}

    def fake(function, seed, scheduler, workers, scale):
        return {
            "scheduler": scheduler,
            "workers": workers,
            "scale": scale,
            "documents": 1000 * scale,
            "seconds": seconds[(scheduler, workers, scale)],
            "tables_sha256": "same",
        }

    monkeypatch.setattr(bench, "isolated", fake)
    found = bench.dask_cases(1, scales=(1, 2), workers=2, say=lambda message: None)
    runs = {(r["scheduler"], r["workers"]): r for r in found["runs"]}
    assert runs[("local", 2)]["speedup"] == 1.67 and runs[("local", 2)]["efficiency"] == 0.83
    assert runs[("local", 1)]["efficiency"] == 0.91
    assert found["identical_tables"]
    assert [r["scale"] for r in found["scales"]] == [1, 2] and found["scales"][1]["seconds_per_document"] == 0.065


@pytest.mark.slow
def test_a_case_that_fails_is_marked_and_the_benchmark_goes_on() -> None:
    import json

    assert measure.isolated(json.loads, "not json") == {
        "failed": "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    }


def test_a_failed_dask_run_is_named_and_the_other_runs_keep_their_figures(monkeypatch) -> None:
    def fake(function, seed, scheduler, workers, scale):
        if scale == 2:
            return {"failed": "UserError: compare of a__b: the Dask worker processes running it died, 4 times"}
        return {
            "scheduler": scheduler,
            "workers": workers,
            "scale": scale,
            "documents": 10,
            "seconds": 10.0 / (workers or 1),
            "tables_sha256": "same",
        }

    monkeypatch.setattr(bench, "isolated", fake)
    found = bench.dask_cases(1, scales=(1, 2), workers=2, say=lambda message: None)
    assert [r.get("speedup") for r in found["runs"]] == [None, 1.0, 2.0] and found["identical_tables"]
    assert found["scales"][1] == {"scheduler": "local", "workers": 2, "scale": 2, **fake(None, 1, "local", 2, 2)}
    results = {
        "version": "x",
        "align": [{"n": 300, "failed": "BrokenProcessPool: killed"}],
        "dask": found,
        "reports": {"reports": 12, "failed": 0},  # no page failed
    }
    assert measure.failed_cases(results) == [
        "align: BrokenProcessPool: killed",
        "dask: UserError: compare of a__b: the Dask worker processes running it died, 4 times",
    ]
    assert bench.goals_met(results).set_index("goal")["measured"].isna().all()


def test_the_incremental_cases_add_edit_and_rethreshold_one_folder(built, monkeypatch) -> None:
    """On a small synthetic corpus, each build run here: the held-out plan added, a plan edited,
    the threshold changed, and the final state built from nothing gives the same bytes."""
    from benchmarks import incremental, synthetic

    monkeypatch.setattr(incremental, "PROCESSED_DIR", built[0])
    small = synthetic.national_corpus
    monkeypatch.setattr(synthetic, "national_corpus", lambda bank, seed: small(bank, seed, 1, (2024, 2025), (3, 4)))
    found = incremental.incremental_cases(7, lambda function, *args: function(*args), say=lambda message: None)
    cases = found["cases"]
    assert found["identical"] and found["cache_mb"] > 0
    assert cases["add"]["documents"] == cases["full"]["documents"] + 1
    assert cases["add"]["comparisons"] == cases["full"]["comparisons"] + 2  # its parent's and its predecessor's
    assert (cases["again"]["documents"], cases["again"]["comparisons"]) == (
        cases["add"]["documents"],
        cases["add"]["comparisons"],
    )
    assert cases["full"]["share_of_full"] == 1.0 and all(case["share_of_full"] > 0 for case in cases.values())
