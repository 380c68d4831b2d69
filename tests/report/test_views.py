"""Report views on the pinned corpus: the possible links a reader is asked to check, and what the
method report shows of each pair and of the link confidence."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis import evaluate, schema
from analysis.corpus.load import load_comparison
from analysis.evaluate import calibration
from analysis.report import charts, quality, views
from analysis.report.page import Report
from analysis.review import ALIGNMENT_CORRECTION_COLUMNS, read_alignment_corrections
from analysis.settings import AlignmentSettings

SOURCE, TARGET = "hubei_province_2024", "ezhou_city_2024"


def test_possible_links_are_the_probable_near_misses_with_the_row_that_accepts_each(built, tmp_path) -> None:
    folder, tables = built
    comparison = load_comparison(SOURCE, TARGET, folder)
    every = views.possible_links(comparison, 0.0)
    offered = views.possible_links(comparison, 0.1)
    missed = tables["near_misses"][tables["near_misses"]["comparison_id"] == f"{SOURCE}__{TARGET}"]
    assert list(offered.columns) == views.POSSIBLE_LINK_COLUMNS
    assert len(every) == len(missed) and 0 < len(offered) < len(every)
    assert (offered["link_probability"] >= 0.1).all() and offered["link_probability"].is_monotonic_decreasing
    assert offered.equals(every.head(len(offered)))
    paths = dict(zip(tables["tasks"]["task_id"], tables["tasks"]["path"]))
    assert list(offered["source_path"]) == [paths[t] for t in offered["source_task_id"]]
    assert list(offered["target_path"]) == [paths[t] for t in offered["target_task_id"]]
    # pasted under the corrections file's header, the rows read back as partial links of these pairs
    corrections = tmp_path / "alignments.csv"
    corrections.write_text(
        ",".join(ALIGNMENT_CORRECTION_COLUMNS) + "\n" + "\n".join(offered["correction"]) + "\n", encoding="utf-8"
    )
    accepted = read_alignment_corrections(corrections)
    assert list(zip(accepted["source_task_id"], accepted["target_task_id"])) == list(
        zip(offered["source_task_id"], offered["target_task_id"])
    )
    assert (accepted["relation"] == "partial").all() and set(accepted["source_doc"]) == {SOURCE}


@pytest.fixture(scope="module")
def method_tables(built) -> quality.MethodTables:
    """What the method report shows, as the build wrote it: the evaluation on the development
    gold, per pair, and the calibration of the link confidence."""
    return quality.method_tables(built[0])


def test_the_build_writes_the_evaluation_the_method_report_reads(method_tables, corpus, corpus_targets) -> None:
    assert method_tables.evaluated and len(method_tables.targets) == 2  # the two provincial plans' target gold
    again = evaluate.evaluate_alignment(corpus, AlignmentSettings(), corpus_targets)
    pd.testing.assert_frame_equal(method_tables.alignment, again.summary, check_dtype=False)
    assert set(method_tables.pairs["comparison"]) == set(again.summary["comparison"])


def test_without_the_golds_plans_the_method_report_says_nothing_was_evaluated(tmp_path) -> None:
    from analysis.evaluate.tables import evaluation_tables
    from analysis.settings import BuildSettings

    tables, files = evaluation_tables([], schema.empty("targets"), BuildSettings())
    assert files == () and all(len(frame) == 0 for frame in tables.values())
    empty = quality.MethodTables(
        **{n.removeprefix("evaluation_"): t for n, t in tables.items()}, targets=pd.DataFrame()
    )
    assert quality.method_findings(empty, Report("en"))[0].startswith("Nothing is evaluated here")


def test_the_method_findings_give_each_pair_and_how_the_confidence_holds_where_never_fitted(method_tables) -> None:
    report = Report("en")  # no documents table: plans named by their ids
    findings = quality.method_findings(method_tables, report)
    figures = method_tables.pairs
    built = figures[(figures["setting"] == "as built") & (figures["gold"] == "all links")].set_index("comparison")
    across = findings[1]
    assert (
        across.startswith(report.msg("findings.method.pairs", all="", high="", baseline="")[:20]) and len(findings) <= 6
    )
    for comparison in ("hubei_province_2024 → ezhou_city_2024", "hubei_province_2024 → wuhan_city_2025"):
        assert f"{built.loc[comparison, 'f1']:.2f} ({comparison.split(' → ')[1]})" in across
    assert "hubei_province_2024)" not in across  # the year pair is the development gold's sentence
    held_out = method_tables.reliability[method_tables.reliability["setting"] == calibration.HELD_OUT]
    confident = held_out[held_out["mean_confidence"] >= 0.9]
    links, n_pairs = int(confident["n_links"].sum()), int(confident["n_pairs"].sum())
    assert f"{links} of the {n_pairs} pairs it gives 90% or more are links" in findings[-2]
    assert links >= 0.9 * n_pairs  # the claim the sentence makes holds
    without_pairs = dataclasses.replace(method_tables, pairs=method_tables.pairs.iloc[0:0])
    assert quality.method_findings(without_pairs, report)[1].startswith(
        report.msg("findings.method.team", low="", high="")[:25]
    )


def test_the_method_charts_show_each_pair_and_the_reliability_per_comparison(method_tables) -> None:
    report = Report("en")
    bars = quality.pair_f1(method_tables.pairs, report)
    assert set(zip(bars["method"], bars["setting"])) == {
        ("model", "as built"),
        ("model", "cross-validated"),
        ("baseline", "cross-validated"),
    }
    assert len(bars) == 3 * 3 * 2  # three methods × three comparisons × every / high-confidence links
    figure = charts.reliability_plot(method_tables.reliability, report)
    assert (
        len(figure.data) == 1 + method_tables.reliability["comparison"].nunique()
    )  # the diagonal, then each comparison
    assert list(figure.data[0].x) == [0, 1] and list(figure.data[0].y) == [0, 1]
    for trace in figure.data[1:]:
        assert all(0 <= v <= 1 for v in (*trace.x, *trace.y))


def test_the_targets_outside_the_tasks_are_listed_with_their_role_label() -> None:
    targets = pd.DataFrame(
        {
            "doc_id": ["a", "a", "a"],
            "task_id": ["a:1-0-1", "", ""],
            "indicator": ["x", "优良比例", "优良比例"],
            "value_text": ["5家", "≥90", "80"],
            "unit": ["家", "%", "%"],
            "comparator": ["=", ">=", "="],
            "deadline": ["", "2025年", ""],
            "role": ["commitment", "document", "baseline"],
            "lead_units": ["", "县环保局", "县环保局"],
            "quote": ["q", "优良比例 ≥90", "优良比例 80"],
        }
    )
    table = views.document_targets(targets)
    assert list(table["value_shown"]) == ["≥90%", "80%"]
    assert list(table["role_label"]) == ["document", "baseline_value"]
