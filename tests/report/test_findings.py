"""The findings a report opens with and the target tables of the comparison pages: rendered from one
set of facts, every count with its unsure part, no two sentences of a page contradicting each other
(read from the facts each sentence carries, not from its prose), changes stated by the kind of
number in both editions."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analysis.compare.facts import comparison_facts, row_sure
from analysis.corpus.load import load_comparison
from analysis.report import reading, views
from analysis.report.findings import comparison_findings, escalation_findings
from analysis.report.i18n import LANGS, Messages
from analysis.report.page import Report
from analysis.targets import indicators

COMPARISONS = [
    ("hubei_province_2023", "hubei_province_2024"),
    ("hubei_province_2024", "ezhou_city_2024"),
    ("hubei_province_2024", "wuhan_city_2025"),
]
POSSIBLE_LINK_MIN = 0.1  # the notebooks' parameter


@pytest.fixture(scope="module")
def lexicon() -> pd.DataFrame:
    return indicators.load_lexicon()


# --- the words of a change, by kind, in both editions (fast) -------------------------------------


@pytest.mark.parametrize(
    ("lang", "args", "expected"),
    [
        ("zh", ("pp", 14.58), "+14.58 个百分点"),
        ("en", ("pp", -15.0), "-15 pp"),
        ("zh", ("pp", 0.0), "不变"),
        ("en", ("ratio", 1.0), "unchanged"),
        ("zh", ("ratio", 0.7235), "×0.72"),
        ("en", ("ratio", 2.0947), "×2.09"),
        ("zh", ("ratio", 1.0004), "×1.0004"),  # never ×1.00 for a change
        ("zh", ("ratio", 0.03, None, "家", "share of parent's"), "占上级的 3%"),
        ("en", ("ratio", 0.0064, None, "个", "share of parent's"), "0.64% of the parent's"),
        ("zh", ("difference", -2.0, -0.0541, "微克/立方米"), "-2 微克/立方米（-5.4%）"),
        ("en", ("difference", -2.0, -0.0541, "μg/m³"), "-2 μg/m³ (-5.4%)"),
        ("zh", ("difference", 0.0, 0.0, "微克/立方米"), "不变"),
        ("en", ("difference", 3.0, None, "位"), "+3 位"),
    ],
)
def test_a_change_reads_as_its_kind(lang, args, expected) -> None:
    assert Messages(lang).change(*args) == expected


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("measure", ["pp", "ratio", "difference"])
@pytest.mark.parametrize("value", [-3.5, -0.001, 0.0, 0.001, 2.0])
def test_the_sign_of_a_change_never_contradicts_its_direction(lang, measure, value) -> None:
    number = 1.0 + value if measure == "ratio" else value
    if number <= 0:
        return
    shown = Messages(lang).change(measure, number, None, "个")
    digits = re.search(r"[-+±×]?\d+(?:\.\d+)?", shown)
    if value == 0:
        assert shown == Messages(lang)("change.none")
    elif measure == "ratio":
        assert (float(digits.group().lstrip("×")) > 1) == (value > 0)
    else:
        assert digits.group().startswith("+" if value > 0 else "-")


# --- on the built corpus (slow) -------------------------------------------------------------------


def page_findings(built, source: str, target: str, lang: str, lexicon):
    folder, tables = built
    comparison = load_comparison(source, target, folder)
    report = Report(lang, tables["documents"])
    return comparison, comparison_findings(comparison, lexicon, report, POSSIBLE_LINK_MIN)


@pytest.mark.parametrize(("source", "target"), COMPARISONS)
def test_no_finding_of_a_page_contradicts_another(built, lexicon, source, target) -> None:
    comparison, findings = page_findings(built, source, target, "zh", lexicon)
    said = {f.key.replace(f"findings.{comparison.kind}.", ""): f.facts for f in findings}
    n_source = int((comparison["coverage_tasks"]["side"] == "source").sum())
    coverage, left = said["coverage"], said.get("not_taken_up", {"n": 0, "sure_tasks": [], "unsure_tasks": []})
    # every count states its sure and unsure parts, and the parts add up
    assert coverage["sure"] + coverage["unsure"] == coverage["linked"]
    assert coverage["linked"] + left["n"] == n_source
    assert len(left["sure_tasks"]) + len(left["unsure_tasks"]) == left["n"]
    # no task is both surely not taken up (or surely new) and a probable link
    sure_min = comparison.settings.sure_min
    probable = {
        task
        for column in ("source_task_id", "target_task_id")
        for task in comparison["near_misses"].loc[lambda m: m["link_probability"] > 1 - sure_min, column]
    }
    assert not probable & set(left["sure_tasks"]) and not probable & set(said["new"]["sure_tasks"])
    for source_task, target_task, probability in said.get("findings.possible_links", {}).get("pairs", []):
        if probability > 1 - sure_min:
            assert source_task not in left["sure_tasks"] and target_task not in said["new"]["sure_tasks"]
    linked = set(comparison["coverage_tasks"].query("relation in ['same', 'partial']")["task_id"])
    assert not linked & set(left["sure_tasks"] + left["unsure_tasks"])
    # one change per pair of targets, its direction as its number says, never a doubted pair
    targets = said.get("findings.targets", said.get("findings.no_targets"))
    changed = [(c["indicator_id"], c["source_value"], c["target_value"]) for c in targets["changes"]]
    assert len(changed) == len(set(changed))
    assert not set(changed) & set(targets["to_check"])
    for change in targets["changes"]:
        moved = change["target_value"] - change["source_value"]
        assert change["direction"] == ("raised" if moved > 0 else "lowered" if moved < 0 else "same")
    # the decisions to check are the ones the close reading marks
    marked = str(reading.close_reading(Report("zh"), comparison)).count('data-uncertain="1"')
    assert said["findings.uncertain"]["n"] == marked == int((~row_sure(comparison, sure_min)).sum())


@pytest.mark.parametrize("lang", LANGS)
def test_each_sentence_states_the_numbers_of_its_facts(built, lexicon, lang) -> None:
    comparison, findings = page_findings(built, *COMPARISONS[0], lang, lexicon)
    coverage = findings[0]
    for number in ("n", "linked", "sure", "unsure"):
        assert re.search(rf"(?<![\d.]){coverage.facts[number]}(?![\d.])", coverage)
    assert Messages(lang).share(comparison.settings.sure_min) in coverage


def test_a_year_report_with_unsure_links_lists_them_where_dropped_tasks_are(built, lexicon) -> None:
    comparison, findings = page_findings(built, *COMPARISONS[0], "zh", lexicon)
    facts = comparison_facts(comparison, lexicon)
    unsure = facts.tasks[(facts.tasks["side"] == "source") & ~facts.tasks["sure"]]
    listed = views.unlinked_tasks(comparison, "source")
    assert len(unsure) and set(listed[listed["certainty"] == "unsure"]["task_id"]) == set(unsure["task_id"])
    said = {finding.key: finding.facts for finding in findings}
    linked_unsure = said["findings.year.coverage"]["unsure"]
    dropped_unsure = said.get("findings.year.not_taken_up", {}).get("unsure", 0)
    assert linked_unsure == int(unsure["linked"].sum()) and linked_unsure + dropped_unsure == len(unsure)


def test_the_findings_count_the_possible_links_and_name_the_likeliest(built, lexicon) -> None:
    folder, tables = built
    comparison = load_comparison(*COMPARISONS[1], folder)
    report = Report("en", tables["documents"])
    plain = comparison_findings(comparison, lexicon, report)
    findings = comparison_findings(comparison, lexicon, report, POSSIBLE_LINK_MIN)
    offered = views.possible_links(comparison, POSSIBLE_LINK_MIN)
    top = offered.iloc[0]
    assert findings[:-1] == plain and len(findings) <= 6
    assert findings[-1].startswith(f"{len(offered)} pairs the model left unlinked may still be links")
    assert top["source_heading"] in findings[-1] and top["target_heading"] in findings[-1]
    assert comparison_findings(comparison, lexicon, report, 1.0)[-1].startswith("No pair the model left")


@pytest.mark.parametrize("lang", LANGS)
def test_the_target_tables_state_each_change_by_its_kind(built, lexicon, lang) -> None:
    folder, tables = built
    msg = Messages(lang)
    points = msg("unit.pp", value="").strip()
    shown = {}
    for source, target in COMPARISONS:
        report = Report(lang, tables["documents"])
        table = views.people_targets(load_comparison(source, target, folder), lexicon, report)
        for row in table.to_dict("records"):
            shown[(source, target, row["indicator_id"])] = (row["measure"], row["change_shown"], row["verdict"])
            if row["change_shown"] != msg("change.none"):
                assert (points in row["change_shown"]) == (row["measure"] == "pp")  # counts never in points
    year, ezhou = COMPARISONS[0], COMPARISONS[1]
    assert shown[(*year, "rural_black_odorous_water_treated_count")] == ("ratio", "×0.72", "lowered")
    assert shown[(*year, "village_env_remediation_count")] == ("ratio", "×2.09", "raised")
    assert shown[(*year, "provincial_nature_reserve_assessments")] == ("ratio", msg("change.none"), "same")
    assert shown[(*ezhou, "ab_performance_grade_enterprises")] == (
        "ratio",
        msg("change.share_of_parent", share="3%"),
        "share of parent's",
    )
    assert shown[(*ezhou, "contaminated_farmland_safe_use_rate")] == ("pp", msg("change.none"), "equal")


def test_a_doubted_pair_is_listed_to_check_and_never_a_change(built, lexicon) -> None:
    folder, tables = built
    comparison = load_comparison(*COMPARISONS[0], folder)
    doubted = views.people_targets_to_check(comparison, lexicon, Report("zh", tables["documents"]))
    assert list(doubted["indicator_id"]) == ["key_tributary_outfall_rectification_completion"]
    assert doubted["why"].iloc[0] == "口径不同：湖泊·支流·入河 与 支流"
    assert "key_tributary_outfall_rectification_completion" not in set(
        views.targets_side_by_side(comparison, lexicon)["indicator_id"]
    )


def test_the_escalation_findings_count_the_pairs_to_check(built) -> None:
    _, tables = built
    report = Report("en", tables["documents"])
    escalation = report.indicator_names(tables["escalation"])
    years = escalation_findings(escalation, "rural_sewage_treatment_rate", report)[1]
    checked = escalation[escalation["previous_doc"].ne("") & escalation["direction"].eq("check")]
    assert years.facts["check"] == len(checked) >= 1 and f"{len(checked)} pairs differ in scope" in years


@pytest.mark.parametrize("lang", LANGS)
def test_the_pages_state_changes_by_kind_and_headlines_with_their_unsure_part(
    built_reports, built_reports_en, lang
) -> None:
    folder = built_reports if lang == "zh" else built_reports_en
    msg = Messages(lang)
    points = msg("unit.pp", value="").strip()

    def target_rows(page_name: str) -> list[str]:
        text = (folder / page_name).read_text(encoding="utf-8")
        start = text.index('data-name="targets.csv"')
        return re.findall(r"<tr(?: [^>]*)?>.*?</tr>", text[start : text.index("</table>", start)], re.DOTALL)

    year = target_rows("year__hubei_province_2023__hubei_province_2024.html")

    def cell(value: float, unit: str) -> str:
        return f"<td>{msg.value(value, unit)}</td>"

    (odorous,) = [row for row in year if cell(123, "条") in row]
    assert "×0.72" in odorous and points not in odorous and msg.verdict("lowered") in odorous
    (reserves,) = [row for row in year if cell(7, "个") + cell(7, "个") in row]
    assert msg("change.none") in reserves and points not in reserves
    level = target_rows("level__hubei_province_2024__ezhou_city_2024.html")
    (graded,) = [row for row in level if cell(100, "家") + "<td>" + msg.value(3, "家") in row]
    assert msg("change.share_of_parent", share="3%") in graded and points not in graded
    implied = [row for row in level if msg("caveat.implied") in row]
    assert len(implied) == 4  # 全面完成 twice, two lists of districts
    summaries = {r["html"]: r["summary"] for r in json.loads((folder / "build.json").read_text(encoding="utf-8"))}
    headline = summaries["year__hubei_province_2023__hubei_province_2024.html"]
    assert msg.share(0.8) in headline and ("待核查" in headline if lang == "zh" else "to check" in headline)
