"""Segmentation keeps domain terms whole; index terms, vocabulary hits and IDF weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.text import segment


def test_domain_terms_stay_whole() -> None:
    words = segment.tokens("农村生活污水治理率达到46.58%,加快推进入河排污口溯源整治,持续推进无废城市建设")
    for term in ("农村生活污水治理率", "入河排污口", "无废城市", "46.58%"):
        assert term in words
    assert "," not in words


def test_token_string_is_space_joined_for_rapidfuzz() -> None:
    assert segment.token_string("推进入河排污口整治") == "推进 入河排污口 整治"


def test_dictionary_entries_never_contain_punctuation() -> None:
    assert all(segment._PUNCTUATION.search(term) is None for term in segment.domain_terms())


def test_units_cells_name_every_unit_including_joint_partners() -> None:
    assert segment.unit_names("人事处会同督察办、监测处;机关党委") == ["人事处", "督察办", "监测处", "机关党委"]
    assert segment.unit_names("各市、州、直管市及神农架林区生态环境局") == ["各市、州、直管市及神农架林区生态环境局"]


def test_corpus_terms_are_units_quoted_terms_and_enumerated_places() -> None:
    tasks = pd.DataFrame(
        {
            "lead_units": ["水处;人事教育科", ""],
            "responsible_units": ["", "梁子湖分局"],
            "text": [
                "加强“三湖一库”流域专项治理,开展洪湖、梁子湖、斧头湖、丹江口水库等专项监测。",
                "推进“一废一库一品”。",
            ],
        }
    )
    terms = segment.corpus_terms(tasks)
    for term in ("水处", "人事教育科", "梁子湖分局", "三湖一库", "一废一库一品", "梁子湖", "斧头湖", "丹江口水库"):
        assert term in terms
    assert all(segment._PUNCTUATION.search(t) is None for t in terms)


def test_index_terms_keep_the_parts_of_long_words_and_add_a_comparisons_own_terms() -> None:
    text = "农村生活污水治理率达到46.58%,推进一废一品一库风险排查"
    terms = segment.index_terms(text)
    for term in ("农村生活污水治理率", "农村", "污水", "治理"):
        assert term in terms
    assert "一废一品一库" not in terms
    with_vocabulary = segment.index_terms(text, frozenset({"一废一品一库", "梁子湖"}))
    assert "一废一品一库" in with_vocabulary and "梁子湖" not in with_vocabulary
    assert segment.index_terms(text) == terms  # the vocabulary counted for that call only


def test_vocabulary_hits_name_each_text_holding_a_term_once() -> None:
    texts = ["梁子湖和洪湖", "洪湖洪湖", "", "梁子湖分局"]
    assert segment.vocabulary_hits(texts, ["洪湖", "梁子湖", "斧头湖"]) == [
        (0, "梁子湖"),
        (3, "梁子湖"),
        (0, "洪湖"),
        (1, "洪湖"),
    ]
    assert segment.vocabulary_hits([], ["洪湖"]) == []


def test_words_are_segmented_run_by_run_as_jieba_does() -> None:
    text = "农村生活污水治理率达到46.58%,Ⅱ类水体 2024 年“三湖一库”。"
    runs = segment.search_word_runs(text)
    assert tuple(w for run in runs for w in run) == tuple(
        w for w in segment._tokenizer().lcut_for_search(text) if not segment._PUNCTUATION.fullmatch(w)
    )
    assert ("Ⅱ",) in runs  # a character outside jieba's runs is a word of its own unless it is punctuation


def test_idf_weights_down_weight_common_words_and_boilerplate() -> None:
    # 排污口, 碳市场, 招商 in one document of three; 推进 in two; 持续 (boilerplate) in all three
    weights = segment.idf_weights(np.array([1, 1, 2, 1, 3]), 3, np.array([False, False, False, False, True]), 0.2)
    assert weights[0] == weights[1] > weights[2]
    assert weights[3] > weights[4]
    assert weights[4] == pytest.approx(1.0 * 0.2)
