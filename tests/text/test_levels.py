"""Level words made neutral: a city's restatement of a provincial instrument reads the same once
全省/全市, place names and 省X厅/市X局 are neutral; other words are left alone."""

from __future__ import annotations

import pytest

from analysis.errors import UserError
from analysis.text.levels import LevelWords, load_level_words


@pytest.fixture(scope="module")
def levels() -> LevelWords:
    return load_level_words()


@pytest.mark.parametrize(
    ("province", "city"),
    [
        ("印发实施《湖北省排污权储备与出让管理办法》", "制发《鄂州市排污权储备与出让管理办法》"),
        ("坚持省级审批项目现场解决问题", "坚持市级审批项目现场解决问题"),
        ("强化美丽湖北建设顶层设计", "强化美丽武汉建设顶层设计"),
        ("与省公安厅签订协议", "与市公安局签订协议"),
        ("全省生态环境系统", "全市生态环境系统"),
        ("浙江省水利厅", "杭州市水利局"),  # any province and city of the lexicon, not only the bundled plans'
    ],
)
def test_a_restatement_at_the_other_level_reads_the_same(levels, province: str, city: str) -> None:
    def words(text: str) -> str:
        return levels.neutral(text).split("《")[-1].replace("印发实施", "").replace("制发", "").strip()

    assert words(province) == words(city)


def test_units_keep_their_stem_and_places_leave_a_gap(levels) -> None:
    assert levels.neutral("鄂州市生态环境局会同市公安局") == "生态环境会同公安"
    assert levels.neutral("武汉、襄阳、宜昌4个国家级") == " 、 、 4个国家级"  # no n-gram across a gap


@pytest.mark.parametrize(
    "text",
    [
        "生态环境统计办法",  # 统计 is a department's stem, but 办法 is no unit
        "推进省市协同共建",  # province and city together: not one level's scope word
        "建设幸福生活",  # 福建's characters inside other words
        "日照时数",  # short names that are common words are not in the lexicon
    ],
)
def test_other_words_are_left_alone(levels, text: str) -> None:
    assert levels.neutral(text) == text


def test_a_user_adds_a_district(tmp_path) -> None:
    path = tmp_path / "levels.csv"
    path.write_text("kind,term\nplace,华容区\nscope,全区\n", encoding="utf-8")
    levels = load_level_words(path)
    assert levels.neutral("推动华容区创建示范区") == "推动 创建示范区"
    path.write_text("kind,term\ntown,华容区\n", encoding="utf-8")
    with pytest.raises(UserError, match="line 2: kind 'town'"):
        load_level_words(path)
    path.write_text("kind,term\nplace,华容 区\n", encoding="utf-8")
    with pytest.raises(UserError, match="line 2: term"):
        load_level_words(path)
