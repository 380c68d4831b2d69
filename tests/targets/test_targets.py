"""Target extraction: each rule on tiny strings, the corpus against the gold, the command line."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pinned_corpus import PINNED_DIR as RAW_DIR
from test_properties import is_subsequence, squash

from analysis.evaluate import evaluate_targets, load_gold_targets
from analysis.parse.document import parse_raw
from analysis.parse.read import RawDocument
from analysis.settings import PROJECT_ROOT, ParseSettings, TargetSettings
from analysis.targets.extract import TARGET_COLUMNS, find_targets, targets_table, text_targets

CONTRACT_COLUMNS = [
    "doc_id",
    "task_id",
    "indicator",
    "indicator_id",
    "value",
    "unit",
    "kind",
    "comparator",
    "deadline",
    "role",
    "quote",
    "char_start",
    "char_end",
    "flags",
]


def one(text: str) -> pd.Series:
    found = text_targets(text)
    assert len(found) == 1, found
    return found.iloc[0]


def plan(body: str) -> RawDocument:
    return RawDocument(
        PROJECT_ROOT / "plan.txt", "2024年全县生态环境工作要点\n一、重点工作\n(一)污染防治\n" + body, "utf-8"
    )


# --- comparators, kinds, units ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        ("农村生活污水治理率达到46.58%", ">="),
        ("农村生活污水治理率达32%", ">="),
        ("劣V类断面比例控制在0.3%以内", "<="),
        ("全省受污染耕地安全利用率稳定在91%以上", ">="),
        ("力争创建5个国家生态文明建设示范区", "striving"),
        ("细颗粒物年均浓度力争达到35微克/立方米", "striving"),
        ("确保2024年底前完成95%的整治任务", "="),
        ("全市5个集中式饮用水水源地水质达标率为100%", "="),  # 达 of 达标率 is no cue
        ("在汉企业履约率保持100%", "="),
        ("推动重点行业创建绩效引领性企业,全市不少于3家", ">="),
        ("每季度巡查不少于1次", ">="),
        ("地下水V类水质比例不高于25%", "<="),
        ("水质优良比例不低于90.9%", ">="),  # not 低于
    ],
)
def test_the_comparator_comes_from_the_cue_words(text: str, comparator: str) -> None:
    assert text_targets(text)["comparator"].iloc[-1] == comparator


@pytest.mark.parametrize(
    ("text", "value", "unit", "kind"),
    [
        ("年度争取上级资金9000万元以上", 9000.0, "万元", "money"),
        ("细颗粒物年均浓度力争达到35微克/立方米", 35.0, "微克/立方米", "concentration"),
        ("每季度巡查不少于1次", 1.0, "次/季度", "frequency"),
        ("招商办每月至少开展1次外出招商", 1.0, "次/月", "frequency"),
        ("开展3次专项执法检查", 3.0, "次", "count"),
        ("优良天数比率提高2个百分点", 2.0, "个百分点", "percentage_points"),
        ("推动100家重点企业绩效升A晋B", 100.0, "家", "count"),
        ("力争年度交易量列区域碳市场第一位", 1.0, "位", "rank"),
        ("办好两场新闻发布会", 2.0, "场", "count"),
        ("新增完成1.2万个行政村环境整治", 12000.0, "个", "count"),
        ("完成造林5万亩", 50000.0, "亩", "quantity"),
        ("开展“双随机、一公开”检查不少于200家次", 200.0, "家次", "count"),
        ("优良天数不少于300天", 300.0, "天", "count"),
        ("夜间噪声不高于55分贝", 55.0, "分贝", "quantity"),
        ("执法检查不少于12轮次", 12.0, "轮次", "count"),
    ],
)
def test_values_units_and_kinds(text: str, value: float, unit: str, kind: str) -> None:
    found = one(text)
    assert (found["value"], found["unit"], found["kind"]) == (value, unit, kind)


# --- deadlines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("确保2024年底前完成95%的整治任务", "2024年底前"),
        ("2024年6月完成10个试点", "2024年6月"),
        ("2024 年 6月完成10个试点".replace(" ", ""), "2024年6月"),
        ("年内完成3项立法", "年内"),
        ("到2024年底整治验收率达到100%", "到2024年底"),
        ("全年实施重点水污染减排和治理项目100个以上", "全年"),
        ("2024年初完成2个园区验收", "2024年初"),
        ("2024年完成整治验收销号65%以上", "2024年"),
        ("全面完成2024年长江保护行动3项任务", ""),  # a year naming something is no deadline
        ("推进2024年度24项反馈问题整改销号", ""),
        ("6月底前完成10个试点", "6月底前"),
        ("力争九月前完成2家企业验收", "九月前"),
        ("6月完成10个试点", ""),  # a month without 前 is no deadline
        ("二氧化碳排放强度较2020年累计下降18%", ""),  # the base of a change is no deadline
    ],
)
def test_deadlines(text: str, deadline: str) -> None:
    assert one(text)["deadline"] == deadline


@pytest.mark.parametrize(
    ("text", "value", "value_text", "comparator"),
    [
        ("完成3—5个工业园区大气自动监测站建设", 3.0, "3—5个", ">="),
        ("重点行业排放量下降3%-5%", 3.0, "3%-5%", ">="),
        ("力争培育10至20家环保领跑企业", 10.0, "10至20家", "striving"),
    ],
)
def test_a_range_is_one_target_at_its_lower_bound(text: str, value: float, value_text: str, comparator: str) -> None:
    found = one(text)
    assert (found["value"], found["value_text"], found["comparator"], found["flags"]) == (
        value,
        value_text,
        comparator,
        "range",
    )


def test_a_deadline_is_shared_by_the_later_clauses_of_its_sentence_only() -> None:
    found = text_targets("确保2024年底前完成95%的整治任务,验收销号比例达到80%。完成重点湖泊排污口80%的整治任务。")
    assert list(found["deadline"]) == ["2024年底前", "2024年底前", ""]
    assert list(found["flags"]) == ["", "shared_deadline", ""]


def test_striving_holds_for_a_sentence_led_by_a_clause_of_only_lizheng_and_a_deadline() -> None:
    found = one("力争到2025年底,全省80%以上的县(市、区)完成生态保护红线勘界定标。")
    assert (found["comparator"], found["deadline"]) == ("striving", "到2025年底")
    assert text_targets("力争整治成效位居前列,验收销号比例达到80%")["comparator"].iloc[0] == ">="


def test_a_clause_opening_with_its_number_continues_the_previous_target() -> None:
    found = text_targets("招商办每月至少开展1次外出招商,1次客商接待。")
    assert list(found["unit"]) == ["次/月", "次/月"]
    assert list(found["comparator"]) == [">=", ">="]
    assert list(found["phrase"]) == ["外出招商", "客商接待"]
    assert found["flags"].iloc[1] == "continued"


# --- 分别, lists, phrases --------------------------------------------------------------------------


def test_fenbie_gives_each_subject_the_shared_head() -> None:
    found = text_targets(
        "完成国家下达的化学需氧量、氨氮、氮氧化物、挥发性有机物重点工程减排量分别为2.1万吨、0.1万吨、1.5万吨、1.2万吨。"
    )
    assert list(found["value"]) == [21000.0, 1000.0, 15000.0, 12000.0]
    assert list(found["phrase"])[1:] == ["氨氮重点工程减排量", "氮氧化物重点工程减排量", "挥发性有机物重点工程减排量"]


def test_fenbie_distributes_values_over_subjects() -> None:
    found = text_targets("地表水国控、省控断面水质优良比例分别不低于90.9%(力争达到100%)、88%,不出现劣V类断面。")
    expected = pd.DataFrame(
        {
            "value": [90.9, 100.0, 88.0],
            "comparator": [">=", "striving", ">="],
            "phrase": ["地表水国控断面水质优良比例", "地表水国控断面水质优良比例", "省控断面水质优良比例"],
            "flags": ["distributed"] * 3,
        }
    )
    pd.testing.assert_frame_equal(found[["value", "comparator", "phrase", "flags"]], expected)


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        (
            "持续推进武汉、襄阳、宜昌、黄石4个国家级和十堰、鄂州6个省级“无废城市”建设",
            ["国家级“无废城市”建设", "省级“无废城市”建设"],
        ),
        (
            "完成1571个行政村环境整治、123条纳入监管清单的农村黑臭水体治理",
            ["行政村环境整治", "纳入监管清单的农村黑臭水体治理"],
        ),
        ("完成重点支流排污口溯源和70%的整治任务", ["重点支流排污口整治任务"]),
        ("完成排污口排查、80%溯源和30%整治任务", ["排污口溯源", "整治任务"]),
        ("全年实施重点水污染减排和治理项目100个以上", ["重点水污染减排和治理项目"]),
        (
            "常态化开展全市82个湖泊、34条河流、37个水库水质环境监测",
            ["湖泊水质环境监测", "河流水质环境监测", "水库水质环境监测"],
        ),
    ],
)
def test_the_phrase_names_what_the_number_measures(text: str, phrases: list[str]) -> None:
    assert list(text_targets(text)["phrase"]) == phrases


def test_a_bracketed_alternative_value_names_the_same_indicator() -> None:
    found = text_targets("优良天数比率不低于90.9%(力争达到92%),重污染天数比率控制在0.5%以内")
    assert list(found["phrase"]) == ["优良天数比率", "优良天数比率", "重污染天数比率"]
    assert list(found["comparator"]) == [">=", "striving", "<="]


def test_a_base_year_is_not_part_of_the_phrase() -> None:
    assert one("单位地区生产总值二氧化碳排放比2020年下降18%")["phrase"] == "单位地区生产总值二氧化碳排放下降"


def test_a_generic_phrase_carries_its_sentence_context() -> None:
    found = one("深入推进长江入河排污口整治,确保2024年底前完成95%的整治任务")
    assert (found["phrase"], found["context"]) == ("整治任务", "长江入河排污口整治")


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("纳入国家考核的3个断面水质优良率达到100%", ["scope", "commitment"]),
        ("加快推进12480个长江入河排污口“一口一策”溯源整治,完成80%的整治任务", ["scope", "commitment"]),
        (
            "巩固204个城市黑臭水体整治成效,督促县级城市黑臭水体整治,实现消除黑臭水体比例60%的目标",
            ["commitment", "commitment"],
        ),
        ("雨台山、凤凰台和泥矶3个县级及以上水源保护区每月巡查不少于1次", ["scope", "commitment"]),
        ("氮氧化物、化学需氧量、氨氮等4项主要污染物总量减排完成省下达目标要求", ["scope"]),
        ("推进3项未按期完成问题(葛店4家医药企业关改搬转)整改销号", ["commitment", "scope"]),
        ("2024年确保亿元以上有效项目信息8条,签约亿元以上项目3个,项目开工2个", ["commitment"] * 3),
        ("对14处国、省、市控地下水监测孔开展常态化水质监测", ["commitment"]),
        ("推动51个优先监管地块完成土壤污染管控,实现优先监管地块土壤污染管控率100%", ["scope", "commitment"]),
        ("年底前完成5家水泥企业深度治理,重点行业企业清洁运输比例达到80%以上", ["commitment", "commitment"]),
        ("新能源车辆推广2000台", ["commitment"]),
    ],
)
def test_roles_tell_commitments_from_scope_counts(text: str, roles: list[str]) -> None:
    assert list(text_targets(text)["role"]) == roles


def test_cumulative_counts_are_flagged() -> None:
    assert one("深入开展环保绩效“创A升B”行动,累计创成B级以上(含引领性)企业100家以上")["flags"] == "cumulative"


# --- traps --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "现对2024年全省生态环境工作作出如下安排",
        "全省国考城市细颗粒物(PM2.5)平均浓度达到国家考核目标要求",
        "开展第七批国家生态文明建设示范区遴选,举办第六届知识竞赛",
        "大力推进“4+6”建设",
        "严格落实医疗废物环境监管与服务“两个100%”要求",
        "力争整治成效位居长江经济带11省市前列",
        "推动10蒸吨/小时及以上的燃气锅炉实施低氮燃烧改造",
        "推动10蒸吨/小时及以上燃煤锅炉完成超低排放改造",
        "开展沿江1公里化工企业腾退地块土壤污染治理专项行动",
        "原市长离任审计提出的12个水体长期为劣V类等问题",
        "组织编制《湖北省适应气候变化行动方案 2023-2035》",
        "鄂环发〔2024〕1号",
        "持续完善“十四五”生态环境领域重大项目库建设,接续推进十大攻坚提升行动",
        "推动淘汰国四及以下排放阶段柴油营运货车",
        "多形式开展“5·22国际生物多样性日”主题宣传",
        "实施降成本优环境十条措施,推进三大都市圈绿色协调发展,组织四类环保设施向公众开放",
        "始终把讲政治摆在第一位,培育一批党建品牌,形成一套支部工作法",
        "已经第2次厅长办公会议审定通过,2024年2月5日",
        "拓展“三线一单”应用,健全党建工作“3+1”主体责任清单",
        "制定生物多样性保护三年行动计划,建强化工园区环境应急三级防控体系",
        "压紧压实两个责任,坚决做到两个维护,开展12369热线受理,执行GB3838-2002标准",
    ],
)
def test_numbers_that_name_label_or_date_are_not_targets(text: str) -> None:
    assert text_targets(text).empty, text_targets(text)


def test_attribution_brackets_hold_no_targets() -> None:
    found = text_targets("完成3个试点(牵头单位:水处;责任单位:第2分局)。")
    assert list(found["value"]) == [3.0]


# --- damaged text -------------------------------------------------------------------------------


def test_a_number_whose_digit_was_eaten_is_flagged() -> None:
    doc = parse_raw(
        plan("1.农村环境。农村生活污水治理率达?6.58%,完成30%以上?市、区)调查,完成12个村整治。\n"),
        "web",
        ParseSettings(),
    )
    found = targets_table(doc, None, TargetSettings()).set_index("value_text")
    assert found.at["6.58%", "flags"] == "damaged_text;damaged_value"
    assert found.at["30%", "flags"] == "damaged_text;damaged_value"  # its context was eaten
    assert "damaged_value" not in found.at["12个", "flags"]


def test_the_damaged_copy_gets_the_clean_value_beside_it(built_targets) -> None:
    web = built_targets[built_targets["doc_id"] == "hubei_province_2024_web"]
    damaged = web[web["flags"].str.contains("damaged_value", regex=False)]
    assert len(damaged) >= 5
    assert damaged["clean_value"].notna().all()
    differs = web[web["clean_value"].notna() & (web["value"] != web["clean_value"])]
    assert differs["flags"].str.contains("damaged_value", regex=False).all()  # never shown as clean
    clean = built_targets.set_index("target_id")
    for row in web[web["clean_source"] != ""].itertuples():
        source = clean.loc[row.clean_source]
        assert source["doc_id"] == "hubei_province_2024" and source["path"] == row.path
        assert (source["value"], source["char_start"]) == (row.clean_value, row.clean_char_start)
    sewage = web[web["clean_value"] == 46.58].iloc[0]
    assert (sewage["value"], sewage["clean_source"]) == (6.58, "hubei_province_2024:1-2-1#2")


@pytest.fixture(scope="module")
def built_targets(built) -> pd.DataFrame:
    return built[1]["targets"]


# --- the corpus against the gold ---------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_targets(corpus) -> pd.DataFrame:
    return pd.concat([targets_table(doc, None, TargetSettings()) for doc in corpus.values()], ignore_index=True)


@pytest.mark.parametrize("gold_path", ["data/gold/targets_province.csv", "tests/data/targets_city_dev.csv"])
def test_core_recall_and_precision_per_document(corpus_targets, gold_path: str) -> None:
    scores = evaluate_targets(corpus_targets, load_gold_targets(PROJECT_ROOT / gold_path)).set_index("doc_id")
    assert (scores["core_recall"] >= 0.95).all(), scores
    assert (scores["precision"] >= 0.90).all(), scores
    assert (scores["comparator_agreement"] >= 0.9).all() and (scores["deadline_agreement"] >= 0.9).all(), scores


def test_target_ids_are_unique_and_offsets_slice_the_raw_source(corpus, corpus_targets) -> None:
    assert corpus_targets["target_id"].is_unique
    for row in corpus_targets.itertuples():
        raw = corpus[row.doc_id].raw.text
        source = squash(raw[row.char_start : row.char_end])
        if "damaged_text" not in row.flags:  # a damaged scrape's quote has its entities decoded
            assert is_subsequence(squash(row.quote), source), (row.quote, source)
        assert source[:1] == squash(row.quote)[:1] and source[-1:] == squash(row.quote)[-1:]
        assert squash(raw[row.value_char_start : row.value_char_end]).startswith(squash(row.value_text))


# --- the command line ---------------------------------------------------------------------------


def read_csv(stdout: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(stdout), dtype=str, keep_default_na=False)


@pytest.mark.slow  # runs the command line in a subprocess
def test_targets_command_contract(run_cli) -> None:
    path = RAW_DIR / "ezhou_city_2024.txt"
    result = run_cli("targets", path)
    assert result.returncode == 0, result.stderr
    found = read_csv(result.stdout)
    assert list(found.columns) == TARGET_COLUMNS and set(CONTRACT_COLUMNS) <= set(found.columns)
    tasks = read_csv(run_cli("tasks", path).stdout)
    assert set(found["task_id"]) <= set(tasks["task_id"])
    raw = path.read_text(encoding="utf-8-sig")
    for row in found.itertuples():
        assert is_subsequence(squash(row.quote), squash(raw[int(row.char_start) : int(row.char_end)]))
    sewage = found[found["indicator_id"] == "rural_sewage_treatment_rate"].iloc[0]
    assert (sewage["value"], sewage["unit"], sewage["comparator"], sewage["role"]) == ("78.02", "%", ">=", "commitment")


@pytest.mark.slow  # runs the command line in a subprocess
def test_targets_command_reads_a_file_outside_the_manifest(run_cli, tmp_path) -> None:
    path = tmp_path / "county plan.txt"
    path.write_text(
        "2024年全县生态环境工作要点\n一、重点工作\n1.农村环境。农村生活污水治理率达到50%。\n", encoding="gb18030"
    )
    found = read_csv(run_cli("targets", path).stdout)
    assert list(found["doc_id"]) == ["county_plan"]
    assert list(found["indicator_id"]) == ["rural_sewage_treatment_rate"]


@pytest.mark.slow  # runs the command line in a subprocess
@pytest.mark.parametrize(("name", "content"), [("empty.txt", b""), ("prose.txt", "没有层级标记的文字。\n".encode())])
def test_targets_command_refuses_bad_input_in_one_line(run_cli, tmp_path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("targets", path)
    assert result.returncode == 2 and result.stdout == ""
    assert name in result.stderr and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    missing = run_cli("targets", tmp_path / "nope.txt")
    assert missing.returncode == 2 and "nope.txt" in missing.stderr


@pytest.mark.slow  # runs the command line in a subprocess
def test_evaluate_command_prints_the_figures(run_cli) -> None:
    result = run_cli("evaluate")
    assert result.returncode == 0, result.stderr
    assert (
        "core_recall" in result.stdout
        and "hubei_province_2023" in result.stdout
        and "hubei_province_2024" in result.stdout
    )
    assert "Indicator mapping" in result.stdout


# --- properties ---------------------------------------------------------------------------------

PHRASES = [
    "农村生活污水治理率达到46.58%",
    "完成1571个行政村环境整治",
    "确保2024年底前完成95%的整治任务",
    "力争创建5个国家生态文明建设示范区",
    "办好两场新闻发布会",
    "每月至少开展1次外出招商",
    "控制在0.3%以内",
    "“4+6”",
    "PM2.5",
    "第七批",
    "2024年",
    "分别不低于90.9%(力争达到100%)、88%",
    "达?6.58%",
    "(牵头单位:水处)",
    "9000万元以上",
    "35微克/立方米",
    "累计创成B级以上企业100家以上",
    "**30**家",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_the_extractor_never_crashes_on_arbitrary_text(text: str) -> None:
    for target in find_targets(text):
        assert 0 <= target.start <= target.mention.start < target.mention.end <= target.end <= len(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(PHRASES), min_size=1, max_size=6),
    st.lists(st.sampled_from([",", "，", "。", "、", "\n", " "]), min_size=6, max_size=6),
)
def test_offsets_always_slice_the_raw_text_to_the_quote(words: list[str], joints: list[str]) -> None:
    body = "".join(w + j for w, j in zip(words, joints))
    doc = parse_raw(plan("1.重点任务。" + body + "\n"), "plan", ParseSettings())
    raw = doc.raw.text
    for row in targets_table(doc, None, TargetSettings()).itertuples():
        assert 0 <= row.char_start < row.char_end <= len(raw)
        assert is_subsequence(squash(row.quote), squash(raw[row.char_start : row.char_end]))
        assert row.char_start <= row.value_char_start < row.value_char_end <= row.char_end


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_target_line_numbers_are_right_whatever_the_line_endings(newline: str) -> None:
    raw = newline.join(
        ["2024年工作要点", "一、重点工作", "", "1.推进30家企业完成深度治理。", "", "2.优良天数比率达到90%。", ""]
    )
    targets = targets_table(
        parse_raw(RawDocument(PROJECT_ROOT / "x.txt", raw, "utf-8"), "x", ParseSettings()), None, TargetSettings()
    )
    assert list(targets["line_start"]) == [4, 6]
