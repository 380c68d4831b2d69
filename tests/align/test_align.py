"""Task alignment: each signal on tiny frames, task roles, the decisions, unlinked rows,
determinism, the command-line contract, properties (scores in [0, 1], symmetry, no crash on any
text), and that the fast paths (cached features, blocks of bounded size) change no result."""

from __future__ import annotations

import io
import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from invented_plans import clauses_frame, tasks_frame
from pandas.testing import assert_frame_equal
from pinned_corpus import PINNED_DIR as RAW_DIR
from rapidfuzz import fuzz

from analysis import align
from analysis.align import clause_pairs
from analysis.corpus.build import build
from analysis.parse.document import parse_document
from analysis.review import ALIGNMENT_CORRECTION_COLUMNS
from analysis.settings import AlignmentSettings, Thresholds
from analysis.text import segment


def comparison(
    source: pd.DataFrame,
    target: pd.DataFrame,
    indicators: pd.DataFrame | None = None,
    thresholds: Thresholds | None = None,
) -> align.PlanPair:
    space = align.FeatureSpace()
    settings = AlignmentSettings() if thresholds is None else AlignmentSettings(thresholds=thresholds)
    return align.PlanPair(
        align.Plan(source, clauses_frame(source), space),
        align.Plan(target, clauses_frame(target), space),
        settings,
        indicators,
    )


def loose(link_min: float, partial_ratio: float) -> Thresholds:
    """The score rule alone: every rule reading a signal of its own (clauses, topics) off."""
    return Thresholds(
        link_min=link_min, partial_ratio=partial_ratio, clause_min=None, topic_clause_min=None, goal_media_min=None
    )


PROVINCE = tasks_frame(
    "province",
    [
        (
            "深入打好蓝天保卫战。推动30家水泥企业完成深度治理。强化柴油货车监管。",
            "大气处",
            "各市、州生态环境局",
            "二、重点工作",
            "(一)污染防治",
        ),
        ("加强党风廉政建设。严格落实中央八项规定。", "机关党委", "各市、州生态环境局", "三、党的建设", ""),
        ("加强省市协同共建。厅领导赴市州召开专题交流会。", "厅机关各处室、单位", "", "三、党的建设", ""),
    ],
)
CITY = tasks_frame(
    "city",
    [
        ("持续打好蓝天保卫战。推动10家水泥企业完成深度治理。", "", "大气科;支队", "三、重点工作", "(二)污染防治"),
        ("深化党风廉政建设。落实中央八项规定精神。", "", "机关党委;办公室", "四、党建", ""),
        ("持续做好招商引资工作。每月开展外出招商。", "", "招商办", "三、重点工作", "(三)其他"),
    ],
)


# --- signals on tiny frames -----------------------------------------------------------------------


def test_character_ngrams_stay_inside_runs_of_words() -> None:
    assert align.char_ngrams("蓝天,保卫", sizes=(2,)) == {"蓝天": 1, "保卫": 1}


@pytest.mark.parametrize(
    ("unit", "stem"),
    [
        ("水处", "水"),
        ("水科", "水"),
        ("固废科", "固废"),
        ("人事教育科", "人事教育"),
        ("执法支队", "执法"),
        ("监测中心站", "监测"),
        ("省环科院", "环科"),
        ("支队", ""),
    ],
)
def test_unit_stems_drop_the_ending_of_the_level(unit: str, stem: str) -> None:
    assert align.unit_stem(unit) == stem


def test_units_of_different_levels_meet_on_their_stem_and_generic_units_are_ignored() -> None:
    features = [
        align.unit_features(lead, "各市、州生态环境局;局系统相关单位")
        for lead in ("水处", "水科", "土壤处", "土科", "环评处")
    ]
    assert features[0] == features[1] == {"stem:水": 1, "head:水": 1}
    assert set(features[2]) & set(features[3]) == {"head:土"}  # 土壤处 ↔ 土科: the head only
    assert not set(features[4]) & set(features[0])


def rows_of(ids: align.FeatureIds, features: list[dict[str, int]]) -> align.Rows:
    return align.Rows.summed([[(ids.of(counts), np.array(list(counts.values()), dtype=float))] for counts in features])


def test_tfidf_rows_are_unit_length_and_rare_features_weigh_more() -> None:
    ids = align.FeatureIds()
    left, right = align.paired_tfidf(
        rows_of(ids, [{"common": 1, "rare": 1}, {"common": 1}]), rows_of(ids, [{"common": 2}]), ids
    )
    for matrix in (left, right):
        np.testing.assert_allclose(np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()), 1.0)
    assert left[0, ids.known("rare")] > left[0, ids.known("common")]


def test_a_texts_counts_are_summed_over_its_runs_and_weigh_sublinearly() -> None:
    ids = align.FeatureIds()
    rows = align.Rows.summed([[(ids.of(["a", "b"]), np.array([1.0, 1.0])), (ids.of(["a"]), np.array([2.0]))], []])
    assert rows.n_rows == 2 and list(rows.indptr) == [0, 2, 2]
    np.testing.assert_allclose(rows.weight, [1 + np.log(3), 1.0])
    assert rows.holds(0, ids.known("b")) and not rows.holds(1, ids.known("b")) and not rows.holds(0, -1)


@pytest.mark.slow  # hypothesis: several seconds
@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "深入打好蓝天保卫战",
                    "推动30家企业深度治理",
                    "农村生活污水治理率达到46.58%",
                    "Ⅱ类",
                    "“三湖一库”",
                    "2024 年",
                    ",",
                    "。",
                ]
            ),
            st.text(max_size=12),
        ),
        max_size=6,
    )
)
def test_feature_rows_are_the_texts_n_grams_and_index_terms(pieces: list[str]) -> None:
    text = "".join(pieces)
    space = align.FeatureSpace()
    for rows, counts, ids in (
        (space.char_rows([text]), align.char_ngrams(text), space.chars),
        (space.word_rows([text]), Counter(segment.index_terms(text)), space.words),
    ):
        found = {ids.names[f]: w for f, w in zip(rows.feature, rows.weight)}
        assert found == pytest.approx({f: 1 + np.log(c) for f, c in counts.items()})


def test_pair_signals_on_tiny_frames() -> None:
    source, target = PROVINCE.iloc[:2].reset_index(drop=True), CITY.iloc[:2].reset_index(drop=True)
    pairs = align.pair_signals(comparison(source, target))
    assert list(pairs.columns) == align.PAIR_COLUMNS
    assert_frame_equal(
        pairs[["source_task_id", "target_task_id"]],
        pd.DataFrame(
            {
                "source_task_id": ["province:0", "province:0", "province:1", "province:1"],
                "target_task_id": ["city:0", "city:1", "city:0", "city:1"],
            }
        ),
    )
    matching = pairs.iloc[[0, 3]]
    crossing = pairs.iloc[[1, 2]]
    for signal in ("chars", "words", "clauses", "coverage", "units"):
        assert matching[signal].min() > crossing[signal].max(), signal
    assert pairs["indicators"].isna().all()  # no indicators given: not measured, not zero
    assert pairs.loc[0, "units"] == pytest.approx(1.0)  # 大气处 ↔ 大气科
    assert pairs["same_role"].all()


def test_fuzzy_similarity_compares_word_order_free_and_ignores_boilerplate() -> None:
    left = ["入河排污口 溯源 整治", "入河排污口 溯源 整治"]
    right = ["整治 入河排污口 溯源", "黑臭水体 治理"]
    scores = align.fuzzy_similarity(left, right, np.array([0, 1]), np.array([0, 1]))
    np.testing.assert_allclose(scores, [1.0, fuzz.token_sort_ratio(left[1], right[1]) / 100])
    assert scores[1] < 0.5
    texts = ["b a  c", " c b", "", "a", "污水 治理 农村", "农村 污水", "x y x"]
    every = np.arange(len(texts))
    rows, cols = np.repeat(every, len(texts)), np.tile(every, len(texts))
    np.testing.assert_array_equal(  # the words sorted once per text: token_sort_ratio to the last bit
        align.fuzzy_similarity(texts, texts, rows, cols),
        [fuzz.token_sort_ratio(texts[i], texts[j]) / 100.0 for i, j in zip(rows, cols)],
    )
    plan = align.Plan(CITY, clauses_frame(CITY), align.FeatureSpace())
    assert "持续" in CITY["text"].iloc[0] and "持续" not in plan.token_strings[0].split()
    assert "蓝天保卫战" in plan.token_strings[0].split()


def test_a_signal_that_cannot_be_measured_is_left_out_of_the_score() -> None:
    signals = pd.DataFrame({"chars": [0.5, 0.5], "units": [np.nan, 0.0]})
    np.testing.assert_allclose(align.combine(signals, {"chars": 1.0, "units": 1.0}), [0.5, 0.25])


def test_shared_indicators_are_a_signal_when_given() -> None:
    indicators = pd.DataFrame(
        {
            "doc_id": ["province", "province", "city", "city"],
            "task_id": ["province:0", "province:0", "city:0", "city:1"],
            "indicator_id": ["cement_enterprises", "diesel_trucks", "cement_enterprises", "clean_government"],
            "value": [30, 1, 10, 1],
        }
    )
    pairs = align.pair_signals(comparison(PROVINCE.iloc[:2], CITY.iloc[:2], indicators))
    assert_frame_equal(
        pairs[["source_task_id", "target_task_id", "indicators"]],
        pd.DataFrame(
            {
                "source_task_id": ["province:0", "province:0", "province:1", "province:1"],
                "target_task_id": ["city:0", "city:1", "city:0", "city:1"],
                "indicators": [1.0, 0.0, np.nan, np.nan],
            }
        ),
    )
    without = align.pair_signals(comparison(PROVINCE.iloc[:2], CITY.iloc[:2]))
    assert pairs.loc[0, "score"] > without.loc[0, "score"]


def test_candidate_pairs_keep_each_rows_and_each_columns_best() -> None:
    ids = align.FeatureIds()
    left, right = align.paired_tfidf(
        rows_of(ids, [{"a": 1}, {"b": 1}, {"c": 1}]), rows_of(ids, [{"c": 1}, {"a": 1}]), ids
    )
    rows, cols, values = align.candidate_pairs(left, right, k=1)
    assert list(zip(rows, cols)) == [(0, 1), (1, 0), (2, 0)]
    np.testing.assert_allclose(values, [1.0, 0.0, 1.0])
    in_blocks = align.candidate_pairs(left, right, k=1, chunk=1)  # a running best per column across blocks
    assert all(np.array_equal(a, b) for a, b in zip(in_blocks, (rows, cols, values)))


@pytest.mark.parametrize(
    ("part", "section", "heading", "role"),
    [
        ("一、总体要求与主要目标", "(二)重要目标", "坚决完成环境质量改善目标", "goal"),
        ("一、主要工作目标", "(一)水环境质量方面", "水环境质量方面", "goal"),
        ("二、主要目标", "", "坚决打好污染防治攻坚战", "goal"),
        ("一、总体要求与主要目标", "", "主要目标", "goal"),
        ("一、重点工作", "", "声环境质量方面", "goal"),  # goals listed by medium
        ("二、重点工作", "(六)完成共性目标任务", "加强法治建设", "action"),  # a list of duties
        ("九、高质量完成其他工作目标任务", "", "全面加强精神文明建设", "action"),
        ("二、重点工作", "(三)持续深入打好污染防治攻坚战", "持续深入打好蓝天保卫战", "action"),
        ("二、重点工作", "", "确保完成年度工作目标", "action"),  # 工作目标 inside an action heading
    ],
)
def test_task_roles_tell_the_goal_block_from_the_action_tasks(part: str, section: str, heading: str, role: str) -> None:
    tasks = pd.DataFrame({"part_title": [part], "section_title": [section], "heading": [heading]})
    assert list(align.task_roles(tasks)) == [role]


def test_a_goal_paired_with_an_action_keeps_part_of_its_score() -> None:
    text = "农村环境。农村生活污水治理率达到65%。"
    goal = tasks_frame("city", [(text, "", "", "一、主要工作目标", "(四)农村环境")])
    action = tasks_frame("city", [(text, "", "", "二、重点工作", "(四)农村环境")])
    province = tasks_frame(
        "province", [("大力推进农村环境治理。农村生活污水治理率达到46%。", "", "", "二、重点工作", "")]
    )
    to_goal = align.pair_signals(comparison(province, goal)).iloc[0]
    to_action = align.pair_signals(comparison(province, action)).iloc[0]
    assert not to_goal["same_role"] and to_action["same_role"]
    assert to_goal["score"] == pytest.approx(to_action["score"] * AlignmentSettings().role_mismatch_factor, abs=1e-6)


# --- decisions --------------------------------------------------------------------------------------


def pairs_of(scores: list[list[float]]) -> pd.DataFrame:
    matrix = np.array(scores)
    rows, cols = np.indices(matrix.shape)
    return pd.DataFrame(
        {
            "source_index": rows.ravel(),
            "target_index": cols.ravel(),
            "source_task_id": [f"s{r}" for r in rows.ravel()],
            "target_task_id": [f"t{c}" for c in cols.ravel()],
            "score": matrix.ravel(),
        }
    )


def test_same_is_one_to_one_and_partial_is_a_strong_runner_up() -> None:
    # s0 merges into t0 (s1 is its smaller part); s2 matches nothing well
    pairs = pairs_of([[0.8, 0.1], [0.5, 0.05], [0.12, 0.15]])
    relation = align.decide(pairs, 3, 2, loose(0.2, 0.5))
    assert list(relation) == ["same", "", "partial", "", "", ""]


def test_a_weak_pair_is_no_link_even_when_it_is_the_best() -> None:
    pairs = pairs_of([[0.1]])
    assert list(align.decide(pairs, 1, 1, loose(0.2, 0.5))) == [""]


def test_ratio_compares_with_the_weaker_linked_task() -> None:
    ratio = align.best_ratio(pairs_of([[0.8, 0.4], [0.2, 0.1]]), 2, 2)
    np.testing.assert_allclose(ratio, [1.0, 1.0, 1.0, 0.5])  # 0.1 against s1's best 0.2 (t1's is 0.4)


def test_unlinked_tasks_get_their_own_rows_named_by_the_kind() -> None:
    result = align.align(comparison(PROVINCE, CITY, thresholds=loose(0.3, 0.5)), "level")
    table = result.alignments
    assert list(table.columns) == align.ALIGNMENT_COLUMNS
    linked = table[table["relation"].isin(align.LINKS)]
    assert set(zip(linked["source_task_id"], linked["target_task_id"], linked["relation"])) == {
        ("province:0", "city:0", "same"),
        ("province:1", "city:1", "same"),
    }
    unlinked = table[~table["relation"].isin(align.LINKS)].reset_index(drop=True)
    assert_frame_equal(
        unlinked[["source_doc", "source_task_id", "target_doc", "target_task_id", "relation"]],
        pd.DataFrame(
            {
                "source_doc": ["province", ""],
                "source_task_id": ["province:2", ""],
                "target_doc": ["", "city"],
                "target_task_id": ["", "city:2"],
                "relation": ["not_cascaded", "local"],
            }
        ),
    )
    assert unlinked["evidence"].str.startswith("nearest: ").all()
    year = align.align(comparison(PROVINCE, CITY, thresholds=loose(0.3, 0.5)), "year")
    assert set(year.alignments["relation"]) == {"same", "dropped", "new"}


def test_evidence_names_shared_terms_and_the_best_clause_pair() -> None:
    table = align.align(comparison(PROVINCE, CITY), "level").alignments
    evidence = table.loc[table["source_task_id"] == "province:0", "evidence"].iloc[0]
    assert "水泥" in evidence and "「" in evidence
    assert "持续" not in evidence.split("|")[0]  # boilerplate is not offered as evidence


def test_shared_terms_are_whole_words_and_not_the_words_inside_a_longer_one() -> None:
    """规范化 is shared, so 规范 (inside it) is not named, though both tasks cut it as a word too;
    a word one plan's features number after the other plan's were made is judged the same."""
    source = tasks_frame("a", [("加强危险废物规范化环境管理。推进规范建设。", "", "", "一", "")])
    target = tasks_frame("b", [("持续推进执法规范化建设。规范执法行为。", "", "", "一", "")])
    later = tasks_frame("c", [("完善执法规范化环境管理机制。", "", "", "一", "")])
    one = np.array([0])
    pair = comparison(source, target)
    terms = align.shared_terms(pair, one, one, limit=10)[0]
    assert terms == ["规范化"]  # 建设 and 推进 are boilerplate; 规范 sits inside 规范化
    # the first plan's whole words were read before the third plan's words were numbered
    again = align.PlanPair(pair.source, align.Plan(later, clauses_frame(later), pair.space), AlignmentSettings())
    fresh = comparison(source, later)
    assert align.shared_terms(again, one, one, limit=10) == align.shared_terms(fresh, one, one, limit=10)


def test_clause_matches_show_which_sub_actions_were_carried_over() -> None:
    result = align.align(comparison(PROVINCE, CITY), "level")
    matches = result.clause_matches
    assert list(matches.columns) == align.CLAUSE_MATCH_COLUMNS
    cement = matches[matches["source_clause"] == "推动30家水泥企业完成深度治理"]
    assert list(cement["target_clause"]) == ["推动10家水泥企业完成深度治理"]
    assert "强化柴油货车监管" not in set(matches["source_clause"])  # not taken up by the city


def test_alignment_is_deterministic() -> None:
    first = align.align(comparison(PROVINCE, CITY), "level")
    second = align.align(comparison(PROVINCE, CITY), "level")
    assert_frame_equal(first.alignments, second.alignments)
    assert_frame_equal(first.clause_matches, second.clause_matches)


def test_empty_plans_do_not_break_the_alignment() -> None:
    empty = PROVINCE.iloc[:0]
    table = align.align(comparison(empty, CITY), "year").alignments
    assert list(table["relation"]) == ["new", "new", "new"]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        align.align(comparison(PROVINCE, CITY), "sideways")


# --- clauses of a parsed document ---------------------------------------------------------------------


def test_clauses_split_on_stops_and_attributions_with_offsets_into_the_raw_text(tmp_path) -> None:
    raw = (
        "一、重点工作\n(一)污染防治\n"
        "1.深入打好碧水保卫战。完成3个排污口整治;推进 **5** 个园区整治。(牵头单位:水科)开展水源地专项行动。(责任单位:各乡镇)\n"
    )
    path = tmp_path / "plan.txt"
    path.write_text(raw, encoding="utf-8")
    clauses = align.task_clauses(parse_document(path, "plan"))
    assert list(clauses["text"]) == ["深入打好碧水保卫战", "完成3个排污口整治", "推进5个园区整治", "开展水源地专项行动"]
    assert list(clauses["clause_no"]) == [0, 1, 2, 3]
    assert [raw[s:e] for s, e in zip(clauses["char_start"], clauses["char_end"])] == [
        "深入打好碧水保卫战",
        "完成3个排污口整治",
        "推进 **5** 个园区整治",
        "开展水源地专项行动",
    ]


# --- the fast paths change no result ---------------------------------------------------------------------


def test_clause_blocks_of_any_size_give_the_same_alignment(corpus, monkeypatch) -> None:
    source, target = corpus["hubei_province_2024"], corpus["ezhou_city_2024"]
    whole = align.align(align.PlanPair.of(source, target, AlignmentSettings()), "level")
    monkeypatch.setattr(clause_pairs, "_CLAUSE_BLOCK", 50)  # one source task per block
    blocks = align.align(align.PlanPair.of(source, target, AlignmentSettings()), "level")
    assert_frame_equal(whole.pairs, blocks.pairs)
    assert_frame_equal(whole.alignments, blocks.alignments)
    assert_frame_equal(whole.clause_matches, blocks.clause_matches)
    assert align.align(
        align.PlanPair.of(source, target, AlignmentSettings(thresholds=loose(0.99, 1.0))), "level"
    ).clause_matches.empty  # no link, no clause match


def test_a_clause_pairs_topic_agreement_is_its_cosine_whatever_else_is_computed_with_it() -> None:
    rng = np.random.default_rng(7)
    left, right = rng.random((40, 18)) * (rng.random((40, 18)) < 0.3), rng.random((30, 18))
    left, right = (m / np.linalg.norm(m, axis=1, keepdims=True).clip(1e-12) for m in (left, right))
    source, target = rng.integers(0, 40, 500), rng.integers(0, 30, 500)
    together = clause_pairs._topic_agreement(left.T.copy(), right.T.copy(), source, target)
    alone = [
        clause_pairs._topic_agreement(left.T.copy(), right.T.copy(), source[k : k + 1], target[k : k + 1])[0]
        for k in range(500)
    ]
    assert together.tolist() == alone  # to the bit: a pair's value does not depend on its block
    np.testing.assert_allclose(together, np.minimum((left @ right.T)[source, target], 1.0), rtol=0, atol=1e-12)
    assert ((together >= 0) & (together <= 1)).all() and (together[(left[source] == 0).all(axis=1)] == 0).all()


def test_a_plans_features_are_computed_once(corpus) -> None:
    doc = corpus["hubei_province_2023"]
    plans = align.PlanCache()
    assert plans.plan_of(doc) is plans.plan_of(doc)
    assert_frame_equal(plans.plan_of(doc).clauses, align.task_clauses(doc))


def test_results_do_not_depend_on_what_a_build_aligned_before(corpus) -> None:
    """A build's plan cache and feature space only save time: each comparison gives the same
    tables as on its own, whichever comparisons came first."""
    province, ezhou, wuhan = (corpus[d] for d in ("hubei_province_2024", "ezhou_city_2024", "wuhan_city_2025"))
    alone = align.align(align.PlanPair.of(province, wuhan, AlignmentSettings()), "level")
    shared = align.PlanCache()
    align.align(align.PlanPair.of(ezhou, province, AlignmentSettings(), plans=shared), "level")
    align.align(align.PlanPair.of(corpus["hubei_province_2023"], province, AlignmentSettings(), plans=shared), "year")
    after = align.align(align.PlanPair.of(province, wuhan, AlignmentSettings(), plans=shared), "level")
    assert_frame_equal(alone.alignments, after.alignments)
    assert_frame_equal(alone.clause_matches, after.clause_matches)


# --- properties ------------------------------------------------------------------------------------------

PHRASES = [
    "深入打好蓝天保卫战",
    "推动30家企业深度治理",
    "农村生活污水治理率达到46.58%",
    "加强党风廉政建设",
    "完成1571个行政村环境整治",
    "持续推进",
    "“三湖一库”",
    "排污口溯源整治",
    "",
    "。",
]
UNITS = ["", "水处", "水科", "大气处;执法局", "各市、州生态环境局", "支队", "土壤处会同厅机关各处室、单位"]


@st.composite
def task_tables(draw, doc: str) -> pd.DataFrame:
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        text = "。".join(
            draw(st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=20)), min_size=1, max_size=4))
        )
        rows.append(
            (
                text,
                draw(st.sampled_from(UNITS)),
                draw(st.sampled_from(UNITS)),
                draw(st.sampled_from(["一、主要目标", "二、重点工作", ""])),
                draw(st.sampled_from(["(一)污染防治", ""])),
            )
        )
    return tasks_frame(doc, rows) if rows else tasks_frame(doc, []).reindex(columns=PROVINCE.columns)


@pytest.mark.slow  # hypothesis: several seconds
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task_tables("a"), task_tables("b"))
def test_scores_lie_in_the_unit_interval_and_the_pair_score_is_symmetric(a: pd.DataFrame, b: pd.DataFrame) -> None:
    forward = align.pair_signals(comparison(a, b))
    backward = align.pair_signals(comparison(b, a))
    for signal in (*align.SIGNALS, "score"):
        values = forward[signal].dropna()
        assert ((values >= 0) & (values <= 1)).all(), signal
    swapped = backward.rename(columns={"source_task_id": "target_task_id", "target_task_id": "source_task_id"})
    merged = forward.merge(swapped, on=["source_task_id", "target_task_id"], suffixes=("", "_back"))
    assert len(merged) == len(forward) == len(backward)
    for signal in (*align.SIGNALS, "score"):
        np.testing.assert_allclose(merged[signal], merged[f"{signal}_back"], atol=1e-6, err_msg=signal)
    table = align.align(comparison(a, b), "level").alignments
    assert set(table["source_task_id"]) - {""} == set(a["task_id"])
    assert set(table["target_task_id"]) - {""} == set(b["task_id"])


# --- the command line -----------------------------------------------------------------------------------


def read_csv(stdout: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(stdout), dtype=str, keep_default_na=False)


@pytest.mark.slow  # runs the command line in a subprocess
def test_align_prints_the_contract_csv_with_the_task_ids_of_tasks(run_cli) -> None:
    parent, child = RAW_DIR / "hubei_province_2024.txt", RAW_DIR / "ezhou_city_2024.txt"
    result = run_cli("align", parent, child)
    assert result.returncode == 0, result.stderr
    table = read_csv(result.stdout)
    assert list(table.columns) == [*align.ALIGNMENT_COLUMNS, "confidence", "decided_by"]
    ids = {
        side: set(read_csv(run_cli("tasks", path).stdout)["task_id"])
        for side, path in (("source", parent), ("target", child))
    }
    assert set(table["source_task_id"]) - {""} == ids["source"]  # every parent task appears
    assert set(table["target_task_id"]) - {""} == ids["target"]
    assert set(table["relation"]) <= {"same", "partial", "not_cascaded", "local"}  # a level comparison
    assert run_cli("align", "hubei_province_2024", "ezhou_city_2024").stdout == result.stdout  # doc ids work too


@pytest.mark.slow  # runs the command line in a subprocess
def test_align_gives_the_links_of_the_build(run_cli, built) -> None:
    _, tables = built
    result = read_csv(run_cli("align", "hubei_province_2023", "hubei_province_2024").stdout)
    build = tables["alignments"][tables["alignments"]["comparison_id"] == "hubei_province_2023__hubei_province_2024"]
    columns = ["source_task_id", "target_task_id", "relation", "confidence"]
    assert_frame_equal(result[columns].reset_index(drop=True), build[columns].reset_index(drop=True).astype(str))


@pytest.mark.slow  # builds, and runs the command line in a subprocess
def test_align_and_the_build_agree_on_a_pair_after_a_reviewer_decision(run_cli, built, tmp_path) -> None:
    _, before = built
    comparison_id = "hubei_province_2023__hubei_province_2024"
    rows = before["alignments"][before["alignments"]["comparison_id"] == comparison_id]
    links = rows[rows["relation"].isin(align.LINKS)]
    dropped = rows[rows["relation"] == "dropped"]
    removed = links.iloc[0]
    added_source = dropped["source_task_id"].iloc[0] if len(dropped) else links["source_task_id"].iloc[1]
    added_target = next(
        t
        for t in links["target_task_id"]
        if (added_source, t) not in set(zip(links["source_task_id"], links["target_task_id"]))
    )
    data = tmp_path / "data"
    shutil.copytree(RAW_DIR, data / "raw")
    (data / "corrections").mkdir()
    decisions = pd.DataFrame(
        [
            (
                "hubei_province_2023",
                removed["source_task_id"],
                "hubei_province_2024",
                removed["target_task_id"],
                "none",
                "",
            ),
            ("hubei_province_2023", added_source, "hubei_province_2024", added_target, "partial", "checked"),
        ],
        columns=ALIGNMENT_CORRECTION_COLUMNS,
    )
    decisions.to_csv(data / "corrections" / "alignments.csv", index=False)
    after = build(
        tmp_path / "processed",
        data / "raw" / "manifest.csv",
        alignment_corrections=data / "corrections" / "alignments.csv",
    )
    env = {
        "ANALYSIS_MANIFEST": str(data / "raw" / "manifest.csv"),
        "ANALYSIS_CORRECTIONS_DIR": str(data / "corrections"),
    }
    result = run_cli("align", "hubei_province_2023", "hubei_province_2024", env=env)
    assert result.returncode == 0, result.stderr
    assert "applied 2 reviewer decision(s)" in result.stderr and comparison_id in result.stderr
    printed = read_csv(result.stdout)
    built_rows = after["alignments"][after["alignments"]["comparison_id"] == comparison_id]
    columns = ["source_task_id", "target_task_id", "relation", "confidence", "decided_by"]
    assert_frame_equal(printed[columns].reset_index(drop=True), built_rows[columns].reset_index(drop=True).astype(str))
    assert (removed["source_task_id"], removed["target_task_id"]) not in set(
        zip(printed["source_task_id"], printed["target_task_id"])
    )
    assert (
        (printed["source_task_id"] == added_source)
        & (printed["target_task_id"] == added_target)
        & (printed["decided_by"] == "reviewer")
    ).any()


@pytest.mark.slow  # runs the command line in a subprocess
def test_align_takes_files_outside_the_manifest_with_a_kind(run_cli, tmp_path) -> None:
    earlier, later = tmp_path / "county_2023.txt", tmp_path / "county_2024.txt"
    earlier.write_text(
        "2023年全县生态环境工作要点\n一、重点工作\n1.深入打好碧水保卫战。完成3个排污口整治。\n2.加强党风廉政建设。\n",
        encoding="utf-8",
    )
    later.write_text(
        "2024年全县生态环境工作要点\n一、重点工作\n1.持续打好碧水保卫战。完成5个排污口整治。\n2.做好招商引资。\n",
        encoding="utf-8",
    )
    inferred = read_csv(run_cli("align", earlier, later).stdout)  # same level (全县), no region: a year comparison
    assert set(inferred["relation"]) == {"same", "dropped", "new"}
    as_level = read_csv(run_cli("align", earlier, later, "--kind", "level").stdout)
    assert set(as_level["relation"]) == {"same", "not_cascaded", "local"}
    assert list(as_level["source_doc"].iloc[:1]) == ["county_2023"]


@pytest.mark.slow  # runs the command line in a subprocess
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("nope.txt", "ezhou_city_2024"), "nope.txt"),
        (("hubei_province_2024", "no_such_doc"), "no_such_doc"),
        (("ezhou_city_2024", "hubei_province_2024"), "give the parent or earlier plan first"),
        (("hubei_province_2023", "hubei_province_2024", "--kind", "level"), "year comparison"),
    ],
)
def test_align_errors_are_one_line_and_exit_2(run_cli, args, named) -> None:
    result = run_cli("align", *args)
    assert result.returncode == 2
    assert named in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_evidence_quotes_whole_words_never_fragments(built, corpus) -> None:
    """Every shared term of every link and near miss of the bundled build is a word jieba cuts
    from one of the two texts, or a term of the plans' vocabulary (units, quoted terms, places);
    never a search-mode fragment (臭水 of 黑臭水体, 范化 of 规范化) or a single character."""
    _, tables = built
    texts = dict(zip(tables["tasks"]["task_id"], tables["tasks"]["text"]))
    plans = align.PlanCache()
    vocabulary = frozenset().union(*(plans.plan_of(doc).terms for doc in corpus.values()))
    checked = 0
    for name in ("alignments", "near_misses"):
        table = tables[name]
        for source, target, evidence in zip(table["source_task_id"], table["target_task_id"], table["evidence"]):
            if not str(evidence).startswith("shared: "):
                continue
            words = set(segment.tokens(texts[source])) | set(segment.tokens(texts[target]))
            for term in evidence.split(" | ")[0].removeprefix("shared: ").split(", "):
                assert len(term) > 1 and (term in words or term in vocabulary), (name, source, target, term)
                checked += 1
    assert checked > 500
