"""The topic lexicon: well formed, general (no plan's sentences), read as a user extends it, and
the topics of texts found term by term, longest first."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import UserError
from analysis.settings import TOPIC_LEXICON_PATH
from analysis.text.topics import TOPIC_COLUMNS, load_topics

# The taxonomy the field's plans are read with (the themes issue #25 names, and three more).
THEMES = {
    "water",
    "air",
    "soil",
    "waste_chemicals",
    "ecology",
    "climate",
    "noise",
    "nuclear",
    "enforcement",
    "reform_law",
    "monitoring",
    "publicity",
    "organisation",
    "projects_funding",
}


@pytest.fixture(scope="module")
def lexicon():
    return load_topics()


def test_the_lexicon_holds_the_fields_themes_each_with_terms(lexicon) -> None:
    assert set(lexicon.topics) >= THEMES
    assert all(lexicon.names_zh) and all(lexicon.names_en)
    per_topic = lexicon.incidence.sum(axis=0).A1
    assert per_topic.min() >= 5, dict(zip(lexicon.topics, per_topic))


def test_the_terms_are_vocabulary_not_sentences(lexicon) -> None:
    # general words of the field: short, never a bundled plan's clause copied in
    assert max(len(term) for term in lexicon.terms) <= 10
    frame = pd.read_csv(TOPIC_LEXICON_PATH, dtype=str, keep_default_na=False)
    assert list(frame.columns) == TOPIC_COLUMNS


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("全省地表水国控断面达到国家考核目标要求", ["water"]),
        ("细颗粒物(PM2.5)年均浓度力争达到35微克/立方米", ["air"]),
        ("持续开展建设用地土壤污染状况初步调查", ["soil"]),
        ("加强危险废物规范化环境管理", ["waste_chemicals"]),
        ("开展“绿盾”自然保护地强化监督", ["ecology"]),
        ("督促控排企业按期完成碳市场履约", ["climate"]),
        ("声环境功能区夜间达标率达到省下达目标要求", ["noise"]),
        ("加强核技术利用单位安全检查", ["enforcement", "nuclear"]),
        ("推动党建与业务深度融合", ["organisation"]),
        ("加大政务信息报送力度", ["publicity"]),
        ("积极争取中央资金", ["projects_funding"]),
        ("天气晴朗", []),
    ],
)
def test_a_texts_topics_are_found_by_their_terms(lexicon, text: str, topics: list[str]) -> None:
    assert lexicon.topics_of(text) == sorted(topics, key=lexicon.topics.index)


def test_terms_are_found_longest_first_and_counted_per_text(lexicon) -> None:
    # 农村生活污水 is one term (rural and water), not 污水 again; a term found twice counts twice
    counts = lexicon.counts(["农村生活污水", "水质 水质", ""]).toarray()
    water, rural = lexicon.topics.index("water"), lexicon.topics.index("rural")
    assert counts[0, water] == 1 and counts[0, rural] == 1
    assert counts[1, water] == 2 and counts[2].sum() == 0
    assert lexicon.term_counts(["农村生活污水"]).sum() == 1


def test_a_user_adds_a_topic_and_a_term(tmp_path) -> None:
    frame = pd.read_csv(TOPIC_LEXICON_PATH, dtype=str, keep_default_na=False)
    frame.loc[frame["topic"] == "noise", "terms"] += "|广场舞"
    frame.loc[len(frame)] = ["tourism", "生态旅游", "Eco-tourism", "生态旅游|景区"]
    path = tmp_path / "topics.csv"
    frame.to_csv(path, index=False)
    lexicon = load_topics(path)
    assert lexicon.topics_of("整治广场舞扰民") == ["noise"]
    assert lexicon.topics_of("规范景区管理") == ["tourism"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Water,水,Water,水质", "line 2: topic id 'Water'"),
        ("water2,水,Water,水质||断面", "line 2: term ''"),
        ("water2,水,Water,水 质", "line 2: term '水 质'"),
        ("water2,水,Water,水质|水质", "line 2: a term is listed twice"),
    ],
)
def test_a_bad_row_is_named_by_its_line(tmp_path, row: str, message: str) -> None:
    path = tmp_path / "topics.csv"
    path.write_text(",".join(TOPIC_COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=message):
        load_topics(path)
    with pytest.raises(UserError, match="not found"):
        load_topics(tmp_path / "absent.csv")
