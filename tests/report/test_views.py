"""Report views on the pinned corpus's tables: the possible links a reader is asked to check."""

from __future__ import annotations

from analysis.corpus.corrections import ALIGNMENT_CORRECTION_COLUMNS, read_alignment_corrections
from analysis.corpus.load import load_comparison
from analysis.report import views
from analysis.report.page import Report
from analysis.targets import indicators

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


def test_the_findings_count_the_possible_links_and_name_the_likeliest(built) -> None:
    folder, tables = built
    comparison = load_comparison(SOURCE, TARGET, folder)
    report = Report("en", tables["documents"])
    lexicon = indicators.load_lexicon()
    plain = views.comparison_findings(comparison, lexicon, report)
    findings = views.comparison_findings(comparison, lexicon, report, 0.1)
    offered = views.possible_links(comparison, 0.1)
    top = offered.iloc[0]
    assert findings[:-1] == plain and len(findings) <= 6
    assert findings[-1].startswith(f"{len(offered)} pairs the model left unlinked may still be links")
    assert top["source_heading"] in findings[-1] and top["target_heading"] in findings[-1]
    assert views.comparison_findings(comparison, lexicon, report, 1.0)[-1].startswith("No pair the model left")
