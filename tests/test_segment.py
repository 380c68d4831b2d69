"""Segmentation keeps domain terms whole and is loaded once."""
from __future__ import annotations

from analysis import segment


def test_domain_terms_stay_whole() -> None:
    words = segment.tokens("农村生活污水治理率达到46.58%,加快推进入河排污口溯源整治,持续推进无废城市建设")
    for term in ("农村生活污水治理率", "入河排污口", "无废城市", "46.58%"):
        assert term in words
    assert "," not in words


def test_token_string_is_space_joined_for_rapidfuzz() -> None:
    assert segment.token_string("推进入河排污口整治") == "推进 入河排污口 整治"


def test_the_tokenizer_is_built_once() -> None:
    assert segment._tokenizer() is segment._tokenizer()


def test_dictionary_entries_never_contain_punctuation() -> None:
    assert all(segment._PUNCTUATION.search(term) is None for term in segment.domain_terms())


def test_added_terms_are_kept_whole() -> None:
    segment.add_terms(["梁子湖分局"])
    assert "梁子湖分局" in segment.tokens("责任单位梁子湖分局")
