"""The review queue round trip: export the uncertain decisions, fill in two, rebuild."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from pinned_corpus import PINNED_DIR, PINNED_MANIFEST

from analysis import review
from analysis.corpus.build import build
from analysis.corpus.evaluation import model_comparisons
from analysis.corpus.load import load_comparison
from analysis.corpus.manifest import load_manifest
from analysis.errors import UserError
from analysis.review import (
    ALIGNMENT_CORRECTION_COLUMNS,
    QUEUE_COLUMNS,
    export_queue,
    read_alignment_corrections,
    review_queue,
)
from analysis.schema import LINKS, UNLINKED
from analysis.settings import PROJECT_ROOT, BuildSettings

COMPARISON = "hubei_province_2024__ezhou_city_2024"


def _queue(tables, band=(0.35, 0.65), links=False):
    return review_queue(
        tables["alignments"],
        tables["tasks"],
        COMPARISON,
        band,
        tables["near_misses"],
        tables["alignment_clauses"],
        links,
    )


def test_the_queue_lists_doubtful_decisions_and_near_misses_once_most_likely_mistakes_first(built) -> None:
    _, tables = built
    doubtful = review_queue(tables["alignments"], tables["tasks"], COMPARISON)
    queue = review_queue(tables["alignments"], tables["tasks"], COMPARISON, near_misses=tables["near_misses"])
    assert queue["confidence"].is_monotonic_increasing  # the chance of a mistake, highest first
    pairs = list(zip(queue["source_task_id"], queue["target_task_id"]))
    assert len(pairs) == len(set(pairs))
    missed = tables["near_misses"][tables["near_misses"]["comparison_id"] == COMPARISON]
    near = set(zip(missed["source_task_id"], missed["target_task_id"]))
    assert len(missed) > 0 and near <= set(pairs)
    assert set(zip(doubtful["source_task_id"], doubtful["target_task_id"])) <= set(pairs)
    offered = queue[queue["reason"] == "near miss"]
    assert (offered["model_relation"] == "").all() and set(
        zip(offered["source_task_id"], offered["target_task_id"])
    ) <= near
    np.testing.assert_allclose(
        offered["confidence"],
        1
        - missed.set_index(["source_task_id", "target_task_id"]).loc[
            list(zip(offered["source_task_id"], offered["target_task_id"])), "hidden_link_probability"
        ],
    )
    links = tables["alignments"][tables["alignments"]["relation"].isin(LINKS)]
    assert not set(zip(offered["source_task_id"], offered["target_task_id"])) & set(
        zip(links["source_task_id"], links["target_task_id"])
    )
    # the provincial 长江 task's lake-outfall clause (重点湖泊排污口), carried by Ezhou's 碧水保卫战 task: a
    # partial link of the team's clause annotation the model misses, offered to the reviewer
    assert ("hubei_province_2024:2-2-5", "ezhou_city_2024:3-3-9") in set(pairs)


def test_the_models_sure_links_follow_the_queue_in_the_alignment_tables_order(built) -> None:
    _, tables = built
    queue, every = _queue(tables), _queue(tables, links=True)
    pd.testing.assert_frame_equal(every.iloc[: len(queue)], queue)  # the queue itself unchanged, first
    sure = every.iloc[len(queue) :]
    assert len(sure) and (sure["reason"] == "link").all() and (queue["reason"] != "link").all()
    assert not every.duplicated(["source_task_id", "target_task_id"]).any()  # each pair once
    rows = tables["alignments"][tables["alignments"]["comparison_id"] == COMPARISON]
    links = rows[rows["relation"].isin(LINKS)]
    linked = set(zip(links["source_task_id"], links["target_task_id"]))
    doubtful = queue[queue["reason"].isin(["uncertain", "low confidence"])]
    sure_pairs = list(zip(sure["source_task_id"], sure["target_task_id"]))
    # every link of the model is there to be decided: the doubtful ones in the queue, the sure ones after it
    assert set(sure_pairs) | (linked & set(zip(doubtful["source_task_id"], doubtful["target_task_id"]))) == linked
    assert sure_pairs == [p for p in zip(links["source_task_id"], links["target_task_id"]) if p in set(sure_pairs)]
    relation_of = dict(zip(zip(links["source_task_id"], links["target_task_id"]), links["relation"]))
    assert list(sure["model_relation"]) == [relation_of[p] for p in sure_pairs]


def test_the_queue_holds_the_doubtful_decisions_in_the_corrections_format(built) -> None:
    _, tables = built
    queue = _queue(tables)
    assert list(queue.columns) == QUEUE_COLUMNS and QUEUE_COLUMNS[:6] == ALIGNMENT_CORRECTION_COLUMNS
    assert len(queue) and (queue["relation"] == "").all()
    doubtful = queue[queue["reason"].isin(["uncertain", "low confidence"])]
    assert len(doubtful) and doubtful["confidence"].is_monotonic_increasing and (doubtful["confidence"] <= 0.65).all()
    assert ((doubtful["reason"] == "uncertain") == (doubtful["confidence"] >= 0.35)).all()
    texts = dict(zip(tables["tasks"]["task_id"], tables["tasks"]["text"]))
    for row in queue.itertuples():  # both tasks named, with their texts, even for an unlinked task
        assert row.source_task_id.startswith("hubei_province_2024:") and row.target_task_id.startswith(
            "ezhou_city_2024:"
        )
        assert (row.source_text, row.target_text) == (texts[row.source_task_id], texts[row.target_task_id])
        # the best-matching clauses: one of each task's, or none (tasks sharing no clause)
        assert (row.source_clause in row.source_text and row.target_clause in row.target_text) or not row.source_clause
    assert (queue["source_clause"] != "").mean() > 0.9
    every, wider = _queue(tables, links=True), _queue(tables, (0.35, 0.95), links=True)
    assert (wider["reason"] != "link").sum() > len(queue) and len(wider) == len(every)
    with pytest.raises(UserError, match="no such comparison"):
        review_queue(tables["alignments"], tables["tasks"], "a__b")


def test_a_comparison_queues_the_rows_the_command_lists_and_a_floor_trims_only_near_misses(built) -> None:
    folder, tables = built
    comparison = load_comparison(*COMPARISON.split("__"), folder)
    queued = review.comparison_queue(comparison)
    listed = review_queue(tables["alignments"], tables["tasks"], COMPARISON, near_misses=tables["near_misses"])
    for column in ("source_task_id", "target_task_id", "reason", "model_relation", "evidence"):
        assert list(queued[column]) == list(listed[column]), column
    np.testing.assert_allclose(queued["confidence"], listed["confidence"])
    near = queued[queued["reason"] == "near miss"]
    floor = float(np.median(1 - near["confidence"]))
    trimmed = review.comparison_queue(comparison, near_miss_min=floor)
    kept = trimmed[trimmed["reason"] == "near miss"]
    assert 0 < len(kept) < len(near) and (1 - kept["confidence"] >= floor - 1e-12).all()
    doubtful = queued[queued["reason"] != "near miss"]
    assert list(trimmed.loc[trimmed["reason"] != "near miss", "source_task_id"]) == list(doubtful["source_task_id"])


def test_near_misses_carry_their_best_clause_pair(built) -> None:
    _, tables = built
    missed, texts = tables["near_misses"], dict(zip(tables["tasks"]["task_id"], tables["tasks"]["text"]))
    assert len(missed) and (missed["source_clause"] != "").all()
    for row in missed.itertuples():
        assert row.source_clause in texts[row.source_task_id] and row.target_clause in texts[row.target_task_id]
    # a clause the pair shares most with: for near misses of one task, different partners give different clauses
    assert missed.groupby("source_task_id")["target_clause"].nunique().max() > 1


@pytest.mark.slow
def test_review_round_trip_reaches_the_tables(built, tmp_path) -> None:
    folder, before = built
    export_queue(COMPARISON, tmp_path / "queue.csv", folder)
    assert (tmp_path / "queue.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese text
    filled = pd.read_csv(tmp_path / "queue.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    linked = filled["model_relation"].isin(LINKS)
    assert linked.any() and (~linked).any(), "the bundled comparison should queue a link and an unlinked task"
    removed, added = filled[linked].index[0], filled[~linked].index[0]
    assert filled.loc[removed, "reason"] in ("uncertain", "low confidence")  # the queue comes first
    near = filled[(filled["reason"] == "near miss") & (filled.index != added)].index[0]
    filled.loc[removed, "relation"], filled.loc[added, "relation"] = "none", "partial"
    filled.loc[near, "relation"] = "partial"
    data = tmp_path / "data"
    shutil.copytree(PINNED_DIR, data / "raw")
    (data / "corrections").mkdir()
    filled.to_csv(data / "corrections" / "alignments.csv", index=False, encoding="utf-8-sig")
    after = build(
        tmp_path / "processed",
        data / "raw" / "manifest.csv",
        alignment_corrections=data / "corrections" / "alignments.csv",
    )

    alignments = after["alignments"][after["alignments"]["comparison_id"] == COMPARISON]
    pairs = alignments.set_index(["source_task_id", "target_task_id"])
    none, partial = filled.loc[removed], filled.loc[added]
    assert (none["source_task_id"], none["target_task_id"]) not in pairs.index
    row = pairs.loc[(partial["source_task_id"], partial["target_task_id"])]
    assert (row["relation"], row["decided_by"], row["confidence"]) == ("partial", "reviewer", 1.0)
    assert (
        alignments["decided_by"] == "reviewer"
    ).sum() >= 2  # the two added links (and any unlinked row a removal left)
    assert after["corrections"]["status"].tolist() == ["applied"] * 3
    accepted = (filled.loc[near, "source_task_id"], filled.loc[near, "target_task_id"])
    assert (pairs.loc[accepted, "relation"], pairs.loc[accepted, "decided_by"]) == ("partial", "reviewer")
    missed = after["near_misses"]
    assert accepted not in set(zip(missed["source_task_id"], missed["target_task_id"]))
    earlier = before["near_misses"][before["near_misses"]["comparison_id"] == COMPARISON]
    decided = {accepted, (partial["source_task_id"], partial["target_task_id"])}
    was_near = decided & set(zip(earlier["source_task_id"], earlier["target_task_id"]))
    assert len(missed[missed["comparison_id"] == COMPARISON]) == len(earlier) - len(was_near) > 0
    others = after["alignments"][after["alignments"]["comparison_id"] != COMPARISON]
    pd.testing.assert_frame_equal(
        others.reset_index(drop=True),
        before["alignments"][before["alignments"]["comparison_id"] != COMPARISON].reset_index(drop=True),
    )

    # coverage counts the corrected links: every task's relation and each side's totals
    tasks = after["coverage_tasks"][after["coverage_tasks"]["comparison_id"] == COMPARISON].set_index(
        ["side", "task_id"]
    )
    links = alignments[alignments["relation"].isin(LINKS)]
    assert tasks.loc[("source", partial["source_task_id"]), "relation"] in LINKS
    assert partial["source_task_id"] in tasks.loc[("target", partial["target_task_id"]), "linked_task_ids"].split(";")
    for side, other in (("source", "target"), ("target", "source")):  # the removed link's two tasks
        task = tasks.loc[(side, none[f"{side}_task_id"])]
        assert none[f"{other}_task_id"] not in task["linked_task_ids"].split(";")
        if none[f"{side}_task_id"] not in set(links[f"{side}_task_id"]):
            assert task["relation"] == UNLINKED["level"][side == "target"]
    summary = after["coverage"]
    overall = summary[(summary["comparison_id"] == COMPARISON) & (summary["scope"] == "overall")].set_index("side")
    for side in ("source", "target"):
        assert overall.at[side, "n_linked"] == links[f"{side}_task_id"].nunique()
    old = before["coverage"][before["coverage"]["comparison_id"] == COMPARISON].reset_index(drop=True)
    new = summary[summary["comparison_id"] == COMPARISON].reset_index(drop=True)
    assert not old.equals(new)


@pytest.mark.slow
def test_the_cli_exports_a_queue_and_the_build_log_names_stale_corrections(built, tmp_path) -> None:
    folder, _ = built

    def run(*args, env=None):
        return subprocess.run(
            [sys.executable, "-m", "analysis", *map(str, args)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=600,
            env=env,
        )

    done = run("review", COMPARISON, "--out", tmp_path / "queue.csv", "--processed", folder)
    assert done.returncode == 0 and "decisions to review" in done.stderr and (tmp_path / "queue.csv").is_file()
    refused = run("review", "nope", "--out", tmp_path / "other.csv", "--processed", folder)
    assert refused.returncode == 2 and refused.stderr.startswith("error: nope: no such comparison")
    assert not (tmp_path / "other.csv").exists()

    data = tmp_path / "data"
    shutil.copytree(PINNED_DIR, data / "raw")
    (data / "corrections").mkdir()
    (data / "corrections" / "alignments.csv").write_text(
        ",".join(ALIGNMENT_CORRECTION_COLUMNS) + "\n"
        "hubei_province_2024,hubei_province_2024:9-9-9,ezhou_city_2024,ezhou_city_2024:3-1-1,same,renumbered\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "ANALYSIS_MANIFEST": str(data / "raw" / "manifest.csv"),
        "ANALYSIS_CORRECTIONS_DIR": str(data / "corrections"),
    }
    built_log = run("build", "--out", tmp_path / "processed", env=env)
    assert built_log.returncode == 0, built_log.stderr
    assert "corrections: 0 applied, 1 stale" in built_log.stderr
    assert (
        "stale: " in built_log.stderr
        and "line 2: link hubei_province_2024:9-9-9 → ezhou_city_2024:3-1-1" in built_log.stderr
    )
    table = pd.read_csv(tmp_path / "processed" / "corrections.csv")
    assert table["status"].tolist() == ["stale"]


def test_evaluate_scores_the_model_on_the_pairs_the_reviewer_named(built, corpus, tmp_path) -> None:
    _, tables = built
    rows = tables["alignments"][tables["alignments"]["comparison_id"] == COMPARISON]
    links = rows[rows["relation"].isin(LINKS)]
    unlinked = rows[~rows["relation"].isin(LINKS) & (rows["source_task_id"] != "")]
    other = next(
        t
        for t in tables["tasks"]["task_id"]
        if t.startswith("ezhou_city_2024:")
        and t not in set(links.loc[links["source_task_id"] == unlinked["source_task_id"].iloc[0], "target_task_id"])
    )
    decisions = [  # one model link confirmed, one rejected, one link the model did not make
        (links["source_task_id"].iloc[0], links["target_task_id"].iloc[0], links["relation"].iloc[0]),
        (links["source_task_id"].iloc[1], links["target_task_id"].iloc[1], "none"),
        (unlinked["source_task_id"].iloc[0], other, "partial"),
    ]
    path = tmp_path / "alignments.csv"
    pd.DataFrame(
        [("hubei_province_2024", s, "ezhou_city_2024", t, r, "") for s, t, r in decisions],
        columns=ALIGNMENT_CORRECTION_COLUMNS,
    ).to_csv(path, index=False)
    listed, settings = load_manifest(PINNED_MANIFEST), BuildSettings()
    scores = review.link_agreement(
        read_alignment_corrections(path), model_comparisons(listed, corpus, tables["targets"], settings)
    )
    assert scores.to_dict("records") == [
        {
            "comparison": COMPARISON,
            "n_decisions": 3,
            "precision": 0.5,
            "recall": 0.5,
            "f1": 0.5,
            "label_accuracy": 1.0,
            "n_gold": 2,
            "n_predicted": 2,
            "n_correct": 1,
        }
    ]
    text = review.agreement_report(
        scores,
        review.target_agreement(review.read_target_corrections(tmp_path / "absent.csv"), tables["targets"]),
        path,
        tmp_path / "absent.csv",
    )
    assert COMPARISON in text and "Targets the reviewer decided" in text
