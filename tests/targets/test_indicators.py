"""The indicator lexicon and the fuzzy mapping of a phrase onto it."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.evaluate import indicator_mapping, load_gold_targets, threshold_sweep
from analysis.settings import PROJECT_ROOT, TargetSettings
from analysis.targets import indicators
from analysis.targets.mentions import KINDS
from analysis.text import segment

TARGETS = TargetSettings()

INDICATOR_MIN_SCORE = TargetSettings().indicator_min_score
GOLD_FILES = [PROJECT_ROOT / "data/gold/targets_province.csv", PROJECT_ROOT / "tests/data/targets_city_dev.csv"]


@pytest.fixture(scope="module")
def lexicon() -> pd.DataFrame:
    return indicators.load_lexicon()


def test_the_lexicon_is_well_formed(lexicon) -> None:
    assert lexicon["indicator_id"].is_unique and lexicon["indicator_id"].str.fullmatch(r"[a-z0-9_]+").all()
    assert (lexicon["name_zh"] != "").all() and (lexicon["name_en"] != "").all()
    assert set(lexicon["kind"]) <= set(KINDS) | {"class", "index"}
    assert lexicon["higher_is_better"].dtype == bool
    assert len(lexicon) >= 80 and lexicon["domain"].nunique() >= 10  # beyond the gold's rows


def test_every_annotated_indicator_is_in_the_lexicon(lexicon) -> None:
    for path in GOLD_FILES:
        ids = set(load_gold_targets(path)["canonical_indicator"]) - {""}
        assert ids <= set(lexicon["indicator_id"]), ids - set(lexicon["indicator_id"])


def test_the_segmenter_keeps_lexicon_names_whole() -> None:
    assert "受污染耕地安全利用率" in segment.tokens("全省受污染耕地安全利用率达到92%以上")


@pytest.mark.parametrize(
    ("phrase", "kind", "expected"),
    [
        ("农村生活污水治理率", "rate", "rural_sewage_treatment_rate"),
        ("农村生活污水治理(管控)率", "rate", "rural_sewage_treatment_rate"),
        ("验收销号比例", "rate", "yangtze_outfall_acceptance_closure_ratio"),
        ("整治验收率", "rate", "yangtze_outfall_acceptance_closure_ratio"),
        ("纳入全国碳市场、湖北碳市场的在汉企业履约率", "rate", "carbon_market_compliance_rate"),
        ("细颗粒物年均浓度", "concentration", "pm25_concentration"),
        ("全市受污染耕地安全利用率", "rate", "contaminated_farmland_safe_use_rate"),
        ("纳入国家考核的断面水质优良率", "rate", "national_control_section_good_ratio"),
        ("劣Ⅴ类水体比例", "rate", "inferior_v_section_ratio"),  # Roman Ⅴ, as plans often print it
        ("长江、汉江干流水质和丹江口库区水质类别", "class", "mainstem_water_quality_class"),  # a kind of its own
    ],
)
def test_wording_variants_map_to_one_indicator(lexicon, phrase: str, kind: str, expected: str) -> None:
    mapped = indicators.map_phrase(phrase, kind, lexicon, settings=TARGETS)
    assert mapped["indicator_id"] == expected and mapped["indicator_score"] >= INDICATOR_MIN_SCORE


def test_the_kind_of_the_number_limits_the_candidates(lexicon) -> None:
    assert (
        indicators.map_phrase("农村生活污水治理率", "count", lexicon, settings=TARGETS)["indicator_id"]
        != "rural_sewage_treatment_rate"
    )


def test_an_unmapped_phrase_keeps_its_own_words(lexicon) -> None:
    mapped = indicators.map_phrase("饮用水水源地日常监管", "count", lexicon, settings=TARGETS)
    assert mapped == {
        "indicator": "饮用水水源地日常监管",
        "indicator_id": "",
        "indicator_score": mapped["indicator_score"],
    }
    assert mapped["indicator_score"] < INDICATOR_MIN_SCORE


def test_a_generic_phrase_is_mapped_in_its_context(lexicon) -> None:
    mapped = indicators.map_phrase("整治任务", "rate", lexicon, context="长江入河排污口整治", settings=TARGETS)
    assert mapped["indicator_id"] == "yangtze_outfall_rectification_completion"
    assert mapped["indicator"] == "长江入河排污口整治 / 整治任务"
    tributary = indicators.map_phrase(
        "整治任务", "rate", lexicon, context="淮河干流、重点支流、重点湖库入河排污口排查整治", settings=TARGETS
    )
    assert tributary["indicator_id"] == "key_tributary_outfall_rectification_completion"  # not 溯源


def test_a_contained_alias_outscores_a_generic_overlap() -> None:
    def score(phrase: str, alias: str) -> float:
        return indicators.phrase_score(phrase, alias, TARGETS)

    assert score("纳入 全国 碳市场 的 在 汉 企业履约率", "企业履约率") > score("问题 整改", "督办问题")
    assert score("整治 任务", "长江入河排污口整治任务") < INDICATOR_MIN_SCORE  # short phrases are never "inside"


def test_map_targets_adds_the_indicator_columns(lexicon) -> None:
    frame = pd.DataFrame(
        {"phrase": ["农村生活污水治理率", "主要入湖河流"], "kind": ["rate", "count"], "context": ["", ""]}
    )
    mapped = indicators.map_targets(frame, lexicon, TARGETS)
    assert list(mapped["indicator_id"]) == ["rural_sewage_treatment_rate", ""]
    assert list(mapped["indicator_name"]) == ["农村生活污水治理率", ""]
    assert list(mapped["indicator"]) == ["农村生活污水治理率", "主要入湖河流"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("indicator_id,name_zh\nx,y\n", "missing column"),
        (
            "indicator_id,name_zh,aliases,name_en,unit,kind,higher_is_better,domain,note\n"
            "a,甲,,A,%,rate,true,water,\na,乙,,B,%,rate,true,water,\n",
            "duplicate indicator_id 'a'",
        ),
        (
            "indicator_id,name_zh,aliases,name_en,unit,kind,higher_is_better,domain,note\na,甲,,A,%,rate,yes,water,\n",
            "higher_is_better",
        ),
        (
            "indicator_id,name_zh,aliases,name_en,unit,kind,higher_is_better,domain,scope,note\n"
            "a,甲,,A,%,rate,true,water,yangtze;sea,\n",
            "a: unknown scope label 'sea'",
        ),
    ],
)
def test_a_bad_lexicon_is_refused_with_its_problem(tmp_path, content: str, problem: str) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=problem):
        indicators.load_lexicon(path)


# --- mapping accuracy against the annotations ------------------------------------------------------


@pytest.mark.parametrize("path", GOLD_FILES)
def test_annotated_phrases_map_to_the_annotated_indicator(lexicon, path) -> None:
    gold = load_gold_targets(path)
    mapping = indicator_mapping(gold[gold["canonical_indicator"] != ""], lexicon, TARGETS)
    assert mapping["correct"].mean() >= 0.95, mapping[~mapping["correct"]]


def test_the_threshold_sits_on_the_best_plateau(lexicon) -> None:
    gold = pd.concat([load_gold_targets(p) for p in GOLD_FILES], ignore_index=True)
    sweep = threshold_sweep(
        indicator_mapping(gold, lexicon, TARGETS, min_score=0), [40, 50, INDICATOR_MIN_SCORE, 70, 90]
    )
    best = sweep["accuracy"].max()
    assert sweep.set_index("threshold").at[INDICATOR_MIN_SCORE, "accuracy"] == best
    assert sweep.set_index("threshold").at[90, "accuracy"] < best  # a stricter threshold loses true mappings
