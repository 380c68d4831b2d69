"""Attribution brackets: roles, unit lists, both widths, damaged brackets."""

from __future__ import annotations

import pytest

from analysis.text.attribution import find_attributions, parse_attribution_body, split_units


@pytest.mark.parametrize(
    ("listing", "units"),
    [
        ("环评处、固体处、辐射处、气候处", ["环评处", "固体处", "辐射处", "气候处"]),
        ("各市、州、直管市及神农架林区生态环境局", ["各市、州、直管市及神农架林区生态环境局"]),
        ("机关党委、人事处会同厅机关各处室、单位", ["机关党委", "人事处会同厅机关各处室、单位"]),
        ("人事处会同督察办、监测处、执法局", ["人事处会同督察办、监测处、执法局"]),
        ("厅机关各处室、单位", ["厅机关各处室、单位"]),
        ("审批科、法规科、支队、局系统相关单位", ["审批科", "法规科", "支队", "局系统相关单位"]),
        ("机关党委、工会、局系统各单位", ["机关党委", "工会", "局系统各单位"]),
        ("", []),
    ],
)
def test_split_units(listing: str, units: list[str]) -> None:
    assert split_units(listing) == units


@pytest.mark.parametrize(
    ("body", "lead", "responsible"),
    [
        (
            "牵头单位:水处;责任单位:各市、州、直管市及神农架林区生态环境局",
            ["水处"],
            ["各市、州、直管市及神农架林区生态环境局"],
        ),
        (
            "牵头单位：综合处；责任单位；各市、州、直管市及神农架林区生态环境局",
            ["综合处"],
            ["各市、州、直管市及神农架林区生态环境局"],
        ),
        ("牵头单位气候处、综合处", ["气候处", "综合处"], []),
        (
            "责任单位:法规处;责任单位:各市、州、直管市及神农架林区生态环境局",
            [],
            ["法规处", "各市、州、直管市及神农架林区生态环境局"],
        ),
        ("责任单位：大气科、支队、各区分局", [], ["大气科", "支队", "各区分局"]),
        ("相关单位分工负责", [], ["相关单位"]),
    ],
)
def test_parse_attribution_body(body: str, lead: list[str], responsible: list[str]) -> None:
    assert parse_attribution_body(body) == (lead, responsible)


def test_several_brackets_per_task_are_found_with_their_spans() -> None:
    text = "加强监管(牵头单位:环评处;责任单位:各市)。优化政务流程(牵头单位:法规处)。"
    found = find_attributions(text)
    assert [a.lead for a in found] == [("环评处",), ("法规处",)]
    assert [text[a.start : a.end] for a in found] == ["(牵头单位:环评处;责任单位:各市)", "(牵头单位:法规处)"]


def test_a_bracket_whose_opening_was_eaten_by_encoding_damage_is_still_read() -> None:
    text = "出台《湖北省甲烷排放控制行动方案》并推动实施?牵头单位:气候处;责任单位:各市、州生态环境局)"
    (found,) = find_attributions(text)
    assert found.lead == ("气候处",)
    assert text[found.start] == "?"


def test_brackets_without_a_role_are_not_attributions() -> None:
    assert find_attributions("平安建设(综治工作)、推进“三线一单”(试行)") == []


@pytest.mark.parametrize(
    "bracketed", ["【牵头单位:县住建局;责任单位:县生态环境分局】", "[牵头单位:县住建局;责任单位:县生态环境分局]"]
)
def test_square_brackets_hold_attributions_too(bracketed: str) -> None:
    (found,) = find_attributions(f"完成2个乡镇污水处理厂提标改造。{bracketed}")
    assert (found.lead, found.responsible) == (("县住建局",), ("县生态环境分局",))


def test_roles_on_lines_of_their_own_are_attributions_and_removed_whole() -> None:
    text = (
        "持续改善空气质量。优良天数比例达到88%。\n牵头单位:县生态环境分局\n责任单位:县发改局、县工信局,各乡镇人民政府"
    )
    found = find_attributions(text)
    assert [(a.lead, a.responsible) for a in found] == [
        (("县生态环境分局",), ()),
        ((), ("县发改局", "县工信局", "各乡镇人民政府")),
    ]
    assert text[: found[0].start] == "持续改善空气质量。优良天数比例达到88%。\n"
    assert found[-1].end == len(text)


def test_two_roles_on_one_line_are_split_at_the_second_keyword() -> None:
    assert parse_attribution_body("牵头单位:县生态环境分局责任单位:县发改局") == (["县生态环境分局"], ["县发改局"])


def test_a_role_word_inside_a_sentence_is_not_an_attribution_line() -> None:
    assert find_attributions("各牵头单位要加强调度,责任单位:按季度报送进展的要求不变。") == []


def test_units_before_their_verbs_are_attributions() -> None:
    (found,) = find_attributions("开展1次生物多样性调查(县林业局牵头,县生态环境分局、县水利局配合)。")
    assert (found.lead, found.responsible) == (("县林业局",), ("县生态环境分局", "县水利局"))


@pytest.mark.parametrize("text", ["推进试点(由各地负责)", "完成整治(2024年底前完成,各地负责)", "开展监测(按季度牵头)"])
def test_a_bracket_ending_in_a_verb_without_units_is_not_an_attribution(text: str) -> None:
    assert find_attributions(text) == []


@pytest.mark.parametrize(
    ("text", "lead", "responsible"),
    [
        ("(责任单位:县住建局、各乡镇(街道))", (), ("县住建局", "各乡镇(街道)")),
        ("(责任单位:各县(市、区)人民政府)", (), ("各县(市、区)人民政府",)),
        ("(责任单位:市农业农村局(牵头)、市生态环境局)", ("市农业农村局",), ("市生态环境局",)),
        ("(县生态环境分局牵头,县市场监管局按职责分工负责)", ("县生态环境分局",), ("县市场监管局",)),
        ("(牵头部门:市生态环境局;配合部门:市卫健委)", ("市生态环境局",), ("市卫健委",)),
        ("(主责单位:市生态环境局;协同单位:市公安局)", ("市生态环境局",), ("市公安局",)),
        ("(责任单位:区生态环境分局;完成时限:2024年10月底前)", (), ("区生态环境分局",)),
    ],
)
def test_printed_variants_of_attributions(text: str, lead: tuple, responsible: tuple) -> None:
    (found,) = find_attributions("开展治理。" + text)
    assert (found.lead, found.responsible) == (lead, responsible)
    assert found.end == len("开展治理。" + text)
