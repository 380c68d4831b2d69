"""Numbers in a plan's text as target mentions: units, cue words, deadlines, and the traps
(years, labels, scope thresholds, distances, states) that are never targets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.text.numerals import chinese_number
from analysis.text.segment import tokens

# --- what a number can be counted in ----------------------------------------------------------

KINDS = ("rate", "percentage_points", "count", "money", "concentration", "frequency", "rank", "quantity")
RATE_LIKE = frozenset({"rate", "percentage_points", "concentration", "frequency"})

_COUNT_WORDS = (
    "人次|家次|台次|车次|辆次|轮次|架次|个|家|条|座|项|处|台|场|所|块|辆|套|批|名|件|宗|户|部|支|组|张|次|口|天"
)
_UNIT = re.compile(
    r"(?P<pp>个百分点)"
    r"|(?P<rate>%|‰)"
    r"|(?P<money>(?:万|亿)?元)"
    r"|(?P<concentration>(?:微克|毫克|纳克)/(?:标准)?(?:立方米|升)|[μµmn]g/N?(?:m3|m³|L))"
    r"|(?P<quantity>蒸吨/小时|千瓦时|千瓦|兆瓦|吨标准煤|吨|千克|公斤|斤|平方公里|平方千米|平方米|立方米|公里|千米|亩|公顷|分贝)"
    rf"|(?P<count>(?:{_COUNT_WORDS})(?!月|工作日|小时|百分点))"
)
_UNIT_KIND = {
    "pp": "percentage_points",
    "rate": "rate",
    "money": "money",
    "concentration": "concentration",
    "quantity": "quantity",
    "count": "count",
}
_ARABIC = re.compile(r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)(?P<multiplier>万|亿)?")
# Chinese numerals are quantities only as 2 or more, before a measure word, after a verb (两场, 三家).
_CHINESE = re.compile(
    r"(?<![第零〇一二两三四五六七八九十百千万])(?P<number>[两二三四五六七八九十百千][零〇一二两三四五六七八九十百千万]*)"
    r"(?P<unit>场|个|家|条|座|项|处|台|所|次|名)"
)
_MULTIPLIERS = {"万": 10_000.0, "亿": 100_000_000.0}
# A range whose upper number carries the unit (3—5个, 3%-5%, 10至20家): the lower bound is the target.
_RANGE = re.compile(r"(?<![\d.])(?P<low>\d+(?:\.\d+)?)(?:%|‰)?\s*(?:-|—|–|~|～|至|到)\s*(?P<high>\d+(?:\.\d+)?)")
_SUFFIX = re.compile(r"(?:及|或)?以上|以内|以下|左右")
_RANK = re.compile(
    r"(?P<cue>列|排名|位居|位列|进入|保持|争创)[^,;。；\n]{0,25}?"
    r"(?:第(?P<ordinal>[一二三四五六七八九十\d]{1,3})|前(?P<top>[一二三四五六七八九十\d]{1,3}))(?P<unit>位|名)"
)

# --- cue words --------------------------------------------------------------------------------

STRIVING_CUES = ("力争",)
AT_LEAST_CUES = (
    "不低于",
    "不少于",
    "至少",
    "不小于",
    "高于",
    "超过",
    "大于",
    "达到",
    "提高到",
    "提高至",
    "提升到",
    "提升至",
    "增加到",
    "实现",
)
AT_MOST_CUES = ("不高于", "不超过", "不大于", "低于", "小于", "控制在", "降至", "降到", "下降到", "下降至")
EQUAL_CUES = ("保持", "为", "完成")
# 85%左右: an approximate value, neither a floor nor a ceiling.
APPROXIMATE = "~"
_CUE_COMPARATOR = {c: ">=" for c in AT_LEAST_CUES} | {c: "<=" for c in AT_MOST_CUES} | {c: "=" for c in EQUAL_CUES}
_CUE = re.compile("|".join(sorted(_CUE_COMPARATOR, key=len, reverse=True)))
CUMULATIVE_CUES = ("累计",)
DISTRIBUTIVE_CUE = "分别"
# Verbs that make a count the object of a commitment (完成1571个…, 打造2个…, 签约…3个).
COMMITMENT_VERBS = (
    "完成",
    "推进",
    "推动",
    "实施",
    "建设",
    "建成",
    "创建",
    "创成",
    "打造",
    "新增",
    "开展",
    "组织",
    "办好",
    "举办",
    "召开",
    "签约",
    "签订",
    "争取",
    "实现",
    "确保",
    "治理",
    "整治",
    "改造",
    "淘汰",
    "关闭",
    "取缔",
    "建立",
    "设立",
    "培育",
    "评选",
    "发布",
    "制定",
    "出台",
    "修订",
    "编制",
    "监测",
    "巡查",
    "检查",
    "督办",
    "落实",
    "提升",
    "巩固",
    "申报",
    "开工",
    "投运",
    "新建",
    "改建",
    "扩建",
    "安装",
    "配备",
    "引进",
    "培训",
    "查处",
    "办理",
    "办结",
    "整改",
    "销号",
    "消除",
    "复核",
    "核查",
    "评估",
    "调查",
    "划定",
    "谋划",
    "储备",
    "加强",
    "保障",
    "督促",
    "指导",
    "支持",
    "覆盖",
    "接待",
    "招商",
    "清理",
    "处置",
    "修复",
    "管控",
    "排查",
    "溯源",
    "关停",
    "搬迁",
    "提标",
    "更新",
    "核发",
    "审批",
    "抽查",
    "抽测",
    "宣传",
    "参加",
    "举行",
    "设置",
    "完善",
    "健全",
    "形成",
    "达到",
    "保持",
    "控制",
    "稳定",
    "推广",
    "应用",
    "替代",
    "置换",
    "累计",
    "创",
    "建",
    "办",
)
# Verbs that count out a Chinese numeral (办好两场发布会); after others (落实两个责任) it is a label.
CHINESE_COUNT_VERBS = (
    "办好",
    "举办",
    "召开",
    "开展",
    "完成",
    "建成",
    "建设",
    "创建",
    "打造",
    "新增",
    "实施",
    "组织",
    "培育",
    "评选",
    "发布",
    "编制",
    "出台",
    "制定",
    "修订",
    "签订",
    "签约",
    "引进",
    "建立",
    "设立",
    "新建",
    "举行",
    "推出",
)
# A clause opened by a preposition puts its count before the verb (对14处监测孔开展监测).
_PREPOSITION_OPENERS = ("对", "针对", "围绕", "为")
# Words opening a phrase that say how, not what: stripped from indicator phrases.
_LEADING_FILLER = re.compile(
    r"^(?:其中|同时|并|并且|确保|力争|实现|完成|全面完成|基本完成|推动|推进|持续|全面|加快|深入|积极|进一步|大力|扎实|稳步|着力|"
    r"切实|努力|督促|指导|组织|组织实施|开展|实施|常态化|加密|年度|全年|年内|累计|新增|巩固|保持|达到|"
    r"(?:到|至|于|在)?20\d{2}年(?:\d{1,2}月)?(?:底|末|初)?(?:前|以前)?|(?:\d{1,2}|[一二两三四五六七八九十]{1,3})(?:年|个月)(?:以)?内)+"
)
# "比2020年下降18%": the base year is context, not part of what is measured.
_BASE_YEAR = re.compile(r"(?:比|较|相比)20\d{2}年(?:度|底|末)?")
_TRAILING_CUES = re.compile(
    r"(?:分别|力争|确保|实现|达到|达|为|是|控制在|稳定在|保持在|保持|不低于|不少于|至少|不小于|不高于|不超过|高于|低于|"
    r"超过|提高到|提升到|提升至|降至|下降到|每(?:年|半年|季度|月|周|旬|日|天)|开展|完成|累计|以上|以内|的|和|及|与|以及|、|或)+$"
)
_PHRASE_EDGES = " ,，;；。:：、?"
_BRACKETED_ALTERNATIVE = re.compile(r"^\([\u4e00-\u9fff]{0,6}$")
_DANGLING_BRACKETS = re.compile(r"\($|^\)")  # 优良天数比率不低于90.9%(力争达到92%): the ( is not the phrase's
# A list's modifiers (国家级, 湖泊, 国) are this short; a parallel conjunct (国控 / 省控) this long.
_MODIFIER_MAX = 3
_PARALLEL_MAX = 4
_VERBAL_NOUN = 2
# Words that usually open the shared head of a list of subjects (…有机物|重点工程减排量).
_HEAD_OPENER = re.compile(
    r"重点工程|减排量|排放量|断面|点位|水质|浓度|比例|比率|达标率|利用率|治理率|处理率|排放强度|总量"
)
_LEADING_JOINERS = re.compile(r"^(?:的|和|及|与|以及|、|或)+")
_TRAILING_JOINERS = re.compile(r"(?:的|和|及|与|以及|、|或)+$")
_BRACKETED = re.compile(r"\([^()]*\)")
_NUMBERED_BRACKET = re.compile(r"\([^()]*\d[^()]*\)")

# --- dates and deadlines ------------------------------------------------------------------------

_DEADLINE = re.compile(
    r"(?P<prefix>到|至|于|在)?(?P<year>20\d{2})年(?!度)"
    r"(?:(?P<month>\d{1,2}|[一二三四五六七八九十]{1,2})月(?:底|末|份)?|(?P<part>底|末|初|上半年|下半年|内))?"
    r"(?P<before>前|以前|之前)?"
    r"|(?<![\d年])(?P<period>(?:\d{1,2}|[一二两三四五六七八九十]{1,3})(?:年|个月)(?:以)?内)"
    r"|(?P<relative>年内|年底前|年底|全年|上半年|下半年|年度内)"
    r"|(?<![\d年])(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:底|末|份|中旬|上旬|下旬)?(?:前|以前|之前)"
    r"|^(?P<annual>年度)(?=[\u4e00-\u9fff])"
)
# A bare "2024年" is a deadline only when a verb or a cue follows it.
_DEADLINE_FOLLOWERS = re.compile(
    r"[,，]|确保|完成|实现|达到|力争|争取|全面|基本|建成|通过|累计|新增|推动|推进|启动|开展|前"
)
_FREQUENCY = re.compile(r"每(?P<period>年|半年|季度|月|周|旬|日|天)")

# --- traps --------------------------------------------------------------------------------------

_LABEL_OPENERS = {"“": "”", "‘": "’", "《": "》", "〔": "〕", "「": "」", "【": "】"}
_LABEL_MARKS = re.compile("[" + re.escape("".join(_LABEL_OPENERS) + "".join(_LABEL_OPENERS.values()) + "\n") + "]")
_STRAIGHT_QUOTE = re.compile('"')
_DISTANCE_CONTEXT = ("沿江", "沿河", "沿湖", "沿岸", "沿线", "周边", "周围", "半径", "距离", "岸线", "范围")
_BASELINE_BEFORE = ("由", "从", "较", "比")
_BASELINE_AFTER = re.compile(r"^[^,，;；。]{0,6}?(?:提高|提升|增加|增长|下降|降低|减少|降)")
# "12个水体长期为劣V类": the count describes a state (为/是 not part of 作为, 成为, 列为…).
_STATE_PREDICATE = re.compile(
    r"^[\u4e00-\u9fff]{1,10}?(?:长期|仍然|仍|依然|一直)?(?<![作成列评定改建认])(?:为|是|属于|处于)(?!\d)"
)
_CJK_AFTER = re.compile(r"[\u4e00-\u9fff]")
_THRESHOLD_AFTER = re.compile(r"^(?:(?:及|或)?以上|以下)的")
_LABEL_ADJACENT = re.compile(r"[A-Za-z+＋·•\-—–~/]")

_SPACES = re.compile(r"\s+|\*\*")

SENTENCE_ENDS = "。;；!！\n"
CLAUSE_ENDS = ",，:："
_OPENERS = "(（[【“‘《〔「"
_CLOSERS = ")）]】”’》〕」"
_PUNCTUATION = re.compile("[" + re.escape(SENTENCE_ENDS + CLAUSE_ENDS + _OPENERS + _CLOSERS) + "]")


@dataclass(frozen=True)
class Clause:
    """A clause of a text: ``text[start:end]``, and the index of its sentence."""

    start: int
    end: int
    sentence: int


@dataclass(frozen=True)
class Mention:
    """A number with its unit: ``text[start:end]`` (unit and 以上/以内 included)."""

    start: int
    end: int
    value: float
    value_text: str
    unit: str
    kind: str
    suffix: str = ""
    upper: float | None = None  # the upper bound of a range (3—5个)


@dataclass(frozen=True)
class Target:
    """A target found in a text: the value, how it is bound, and the phrase that names it."""

    mention: Mention
    clause: Clause
    comparator: str
    deadline: str
    role: str
    phrase: str
    context: str = ""
    flags: tuple[str, ...] = field(default_factory=tuple)
    scope: str = ""  # the scope words of its sentence (analysis.targets.scope)

    @property
    def start(self) -> int:
        return self.clause.start

    @property
    def end(self) -> int:
        return self.clause.end


# --- numbers ------------------------------------------------------------------------------------


def unit_kind(unit: str) -> str:
    """The kind of number a unit measures (``%`` → rate, ``万亩`` → quantity); quantity if unknown."""
    m = _UNIT.fullmatch(unit.removeprefix("万").removeprefix("亿")) if unit else None
    return _UNIT_KIND[m.lastgroup] if m and m.lastgroup in _UNIT_KIND else "quantity"


def label_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside quotes and book-title marks: names and labels, never quantities."""
    spans, stack = [], []
    for at in _LABEL_MARKS.finditer(text):  # only these characters matter: the others are skipped
        i, char = at.start(), at.group()
        if char in _LABEL_OPENERS:
            stack.append((i, _LABEL_OPENERS[char]))
        elif stack and char == stack[-1][1]:
            start, _ = stack.pop()
            if not stack:
                spans.append((start, i + 1))
        elif char == "\n":
            stack.clear()  # an unclosed quote never runs past its paragraph
    quote_positions = [at.start() for at in _STRAIGHT_QUOTE.finditer(text)]
    spans.extend((a, b + 1) for a, b in zip(quote_positions[::2], quote_positions[1::2]) if "\n" not in text[a:b])
    return sorted(spans)


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in spans)


def clauses(text: str) -> list[Clause]:
    """Clauses of a text: split at sentence ends always, at commas only outside brackets and quotes.

    A sentence end also closes any bracket left open (a scrape may have eaten the closing one).
    """
    found, depth, start, sentence = [], 0, 0, 0
    for at in _PUNCTUATION.finditer(text):  # only these characters matter: the others are skipped
        i, char = at.start(), at.group()
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth = max(depth - 1, 0)
        elif char in SENTENCE_ENDS or (depth == 0 and char in CLAUSE_ENDS):
            if i > start:
                found.append(Clause(start, i, sentence))
            start = i + 1
            if char in SENTENCE_ENDS:
                sentence += 1
                depth = 0
    if len(text) > start:
        found.append(Clause(start, len(text), sentence))
    return [c for c in found if text[c.start : c.end].strip()]


def _is_trap(text: str, start: int, end: int, kind: str, suffix: str) -> bool:
    """Numbers that name, label, date or delimit something rather than set a target."""
    before = text[max(0, start - 4) : start].rstrip()
    after = text[end : end + 12]
    if before.endswith("第") or (before and _LABEL_ADJACENT.match(before[-1])):
        return True
    if after[:1] and after[0] in "+＋·•":
        return True
    if suffix in ("以上", "及以上", "或以上", "以下") and after.startswith("的"):
        return True
    if kind != "rate" and _THRESHOLD_AFTER.match(after):
        return True
    if kind == "quantity" and "/" in text[start:end] and suffix and _CJK_AFTER.match(text, end + len(suffix)):
        return True  # 10蒸吨/小时及以上燃煤锅炉: a capacity that delimits the boilers
    if kind == "quantity" and text[max(0, start - 4) : start].endswith(_DISTANCE_CONTEXT):
        return True
    if before.endswith(_BASELINE_BEFORE) and _BASELINE_AFTER.match(after):
        return True
    return kind == "count" and bool(_STATE_PREDICATE.match(after))


def find_mentions(text: str) -> list[Mention]:
    """Every number of a text that is a quantity, in order (labels, dates and names skipped).

    Ranks first (``列…第一位``, ``进入前3名``: their ``suffix`` is ``前`` for a top-N), then Arabic
    numbers with a unit (a range ``3—5个`` is one mention: the lower bound, its ``upper`` kept), then
    Chinese numerals counted out by a verb (``办好两场``).
    """
    labels = label_spans(text)
    found = _rank_mentions(text, labels)
    found = _arabic_mentions(text, labels, found)
    found += _chinese_mentions(text, labels, found)
    return sorted(found, key=lambda f: f.start)


def _rank_mentions(text: str, labels: list[tuple[int, int]]) -> list[Mention]:
    """Ranks: ``列…第一位`` and ``进入前3名`` (a top-N: suffix ``前``)."""
    found: list[Mention] = []
    for m in _RANK.finditer(text):
        number = m.group("ordinal") or m.group("top")
        value = int(number) if number.isdigit() else chinese_number(number)
        if value is None or _inside(m.start("unit"), labels):
            continue
        start = m.start("ordinal") - 1 if m.group("ordinal") else m.start("top") - 1
        found.append(
            Mention(
                start,
                m.end(),
                float(value),
                text[start : m.end()],
                m.group("unit"),
                "rank",
                "" if m.group("ordinal") else "前",
            )
        )
    return found


def _arabic_mentions(text: str, labels: list[tuple[int, int]], found: list[Mention]) -> list[Mention]:
    """``found`` with the Arabic numbers that carry a unit added; a range is one mention (its lower
    bound, ``upper`` kept), which replaces a mention found at its start."""
    found = list(found)
    ranges = {m.start("high"): m for m in _RANGE.finditer(text) if not _inside(m.start(), labels)}
    for m in _ARABIC.finditer(text):
        if _inside(m.start(), labels) or _inside(m.start(), [(f.start, f.end) for f in found]):
            continue
        unit_match = _UNIT.match(text, m.end("number"))  # 万元 and 亿元 are money units
        scale = 1.0
        if not unit_match or unit_match.lastgroup != "money":
            unit_match = _UNIT.match(text, m.end())
            scale = _MULTIPLIERS.get(m.group("multiplier") or "", 1.0)  # 1.2万个 is 12000 个
        if unit_match is None or unit_match.lastgroup is None:  # (every alternative of _UNIT is a named group)
            continue
        kind = _UNIT_KIND[unit_match.lastgroup]
        end = unit_match.end()
        suffix = _suffix_at(text, end)
        if (span := ranges.get(m.start())) and not _is_trap(text, span.start(), end, kind, suffix):
            found = [f for f in found if f.start != span.start()]  # 3% of 3%-5% is the range's lower bound
            found.append(
                Mention(
                    span.start(),
                    end + len(suffix),
                    float(span.group("low")) * scale,
                    text[span.start() : end],
                    unit_match.group(0),
                    kind,
                    suffix,
                    float(m.group("number")) * scale,
                )
            )
        elif not _is_trap(text, m.start(), end, kind, suffix):
            found.append(
                Mention(
                    m.start(),
                    end + len(suffix),
                    float(m.group("number")) * scale,
                    text[m.start() : end],
                    unit_match.group(0),
                    kind,
                    suffix,
                )
            )
    return found


def _chinese_mentions(text: str, labels: list[tuple[int, int]], found: list[Mention]) -> list[Mention]:
    """Chinese numerals counted out by a verb (``办好两场``), outside what is ``found``."""
    counted: list[Mention] = []
    for m in _CHINESE.finditer(text):
        value = chinese_number(m.group("number"))
        if (
            value is None
            or value < 2
            or _inside(m.start(), labels)
            or _inside(m.start(), [(f.start, f.end) for f in [*found, *counted]])
        ):
            continue
        if not text[max(0, m.start() - 6) : m.start()].endswith(CHINESE_COUNT_VERBS + AT_LEAST_CUES):
            continue  # 十条措施, 三大都市圈, 落实两个责任: names, unless a verb counts them out
        suffix = _suffix_at(text, m.end())
        if not _is_trap(text, m.start(), m.end(), "count", suffix):
            counted.append(
                Mention(m.start(), m.end() + len(suffix), float(value), m.group(0), m.group("unit"), "count", suffix)
            )
    return counted


def _suffix_at(text: str, position: int) -> str:
    """以上 / 及以上 / 以内 / 以下 / 左右 right after a unit, if any."""
    m = _SUFFIX.match(text, position)
    return m.group(0) if m else ""


# --- deadlines, comparators, roles ----------------------------------------------------------------


def find_deadlines(text: str, clause: Clause) -> list[tuple[int, str]]:
    """``(position, deadline)`` for each deadline expression of a clause."""
    found = []
    body = text[clause.start : clause.end]
    for m in _DEADLINE.finditer(body):
        if m.group("year") and not m.group("prefix") and _BASE_YEAR.search(body[max(0, m.start() - 2) : m.end()]):
            continue  # 较2020年: the base of a change, not a deadline
        bare_year = m.group("year") and not (
            m.group("prefix") or m.group("month") or m.group("part") or m.group("before")
        )
        if bare_year and not _DEADLINE_FOLLOWERS.match(body, m.end()):
            continue  # 2024年长江高水平保护行动: a year naming something, not a deadline
        found.append((clause.start + m.start(), m.group(0)))
    return found


def _outside_brackets(prefix: str) -> str:
    """A text with its closed bracket groups removed (their cues belong to their own numbers)."""
    previous = None
    while previous != prefix:
        previous, prefix = prefix, _BRACKETED.sub("", prefix)
    return prefix


def comparator_of(clause_prefix: str, segment: str, suffix: str) -> str:
    """The comparator from the cue words before a number and the suffix after it.

    力争 anywhere before the number in its clause (outside other numbers' brackets) makes it
    striving; then 以上/以内 after it (左右 after it: :data:`APPROXIMATE`, ``~``); then the last cue word before it (the longest reading:
    不低于 is >=, not 低于); 达 counts only right before the number (not in 达标率).
    """
    if any(cue in _outside_brackets(clause_prefix) for cue in STRIVING_CUES):
        return "striving"
    if suffix.endswith("以上"):
        return ">="
    if suffix in ("以内", "以下"):
        return "<="
    if suffix == "左右":
        return APPROXIMATE
    cues = list(_CUE.finditer(segment))
    if cues:
        return _CUE_COMPARATOR[cues[-1].group(0)]
    return ">=" if segment.rstrip().endswith("达") else "="


def _has_verb(text: str) -> bool:
    return any(verb in text for verb in COMMITMENT_VERBS)


def _content_tokens(text: str) -> set[str]:
    return {t for t in tokens(_BRACKETED.sub("", text)) if len(t) >= 2 and not t[0].isdigit()}


def _han_bigrams(text: str) -> set[str]:
    han = re.sub(r"[^\u4e00-\u9fff]+", " ", text)
    return {han[i : i + 2] for i in range(len(han) - 1) if " " not in han[i : i + 2]}
