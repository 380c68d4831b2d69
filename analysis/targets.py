"""Quantitative targets: every number a task commits to, with unit, comparator, deadline and role.

Extraction starts from the numbers of a task's text and reads their surroundings:

- a *mention* is a number with its unit (``46.58%``, ``100家以上``, ``9000万元``, ``35微克/立方米``,
  ``两场``); numbers that are names, labels or dates are never mentions: years, ``PM2.5``, ordinals
  (``第七批``), anything inside quotes or book-title marks (``“4+6”``, ``《…2023-2035》``), numbers
  without a unit (``11省市``), thresholds that qualify a scope (``10蒸吨/小时及以上的锅炉``),
  distances that delimit one (``沿江1公里``) and numbers describing a state (``12个水体长期为劣V类``);
- the *comparator* comes from the cue words around the number (力争 → striving, 以上/不低于/达到 → >=,
  以内/控制在 → <=, otherwise =), the *deadline* from a date expression of the same sentence;
- the *role* tells a commitment from a scope count (``纳入国家考核的3个断面…达到100%``: 3 is scope);
- ``分别`` distributes a list of values over a list of subjects; a clause holding only a number
  (``,1次客商接待``) continues the previous target of its sentence.

Sentences end at ``。;；!`` and line breaks; clauses at ``,，:：`` outside brackets and quotes. The
quote of a target is its clause. All offsets here are offsets into the text given;
:func:`targets_table` maps them to the raw file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd
from rapidfuzz import fuzz

from analysis.attribution import find_attributions
from analysis.segment import tokens
from analysis.settings import DUPLICATE_QUOTE_MIN_SCORE
from analysis.structure import frame_of

# --- what a number can be counted in ----------------------------------------------------------

KINDS = ("rate", "percentage_points", "count", "money", "concentration", "frequency", "rank", "quantity")
RATE_LIKE = frozenset({"rate", "percentage_points", "concentration", "frequency"})

_COUNT_WORDS = "人次|家次|台次|车次|辆次|轮次|架次|个|家|条|座|项|处|台|场|所|块|辆|套|批|名|件|宗|户|部|支|组|张|次|口|天"
_UNIT = re.compile(
    r"(?P<pp>个百分点)"
    r"|(?P<rate>%|‰)"
    r"|(?P<money>(?:万|亿)?元)"
    r"|(?P<concentration>(?:微克|毫克|纳克)/(?:标准)?(?:立方米|升))"
    r"|(?P<quantity>蒸吨/小时|千瓦时|千瓦|兆瓦|吨标准煤|吨|千克|公斤|平方公里|平方千米|平方米|立方米|公里|千米|亩|公顷|分贝)"
    rf"|(?P<count>(?:{_COUNT_WORDS})(?!月|工作日|小时|百分点))"
)
_UNIT_KIND = {"pp": "percentage_points", "rate": "rate", "money": "money", "concentration": "concentration",
              "quantity": "quantity", "count": "count"}
_ARABIC = re.compile(r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)(?P<multiplier>万|亿)?")
# Chinese numerals are quantities only as 2 or more, before a measure word, after a verb (两场, 三家).
_CHINESE = re.compile(r"(?<![第零〇一二两三四五六七八九十百千万])(?P<number>[两二三四五六七八九十百千][零〇一二两三四五六七八九十百千万]*)"
                      r"(?P<unit>场|个|家|条|座|项|处|台|所|次|名)")
_MULTIPLIERS = {"万": 10_000.0, "亿": 100_000_000.0}
# A range whose upper number carries the unit (3—5个, 3%-5%, 10至20家): the lower bound is the target.
_RANGE = re.compile(r"(?<![\d.])(?P<low>\d+(?:\.\d+)?)(?:%|‰)?\s*(?:-|—|–|~|～|至|到)\s*(?P<high>\d+(?:\.\d+)?)")
_SUFFIX = re.compile(r"(?:及|或)?以上|以内|以下|左右")
_RANK = re.compile(r"(?P<cue>列|排名|位居|位列|进入|保持|争创)[^,;。；\n]{0,25}?"
                   r"(?:第(?P<ordinal>[一二三四五六七八九十\d]{1,3})|前(?P<top>[一二三四五六七八九十\d]{1,3}))(?P<unit>位|名)")
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CHINESE_SCALES = {"十": 10, "百": 100, "千": 1000, "万": 10_000}

# --- cue words --------------------------------------------------------------------------------

STRIVING_CUES = ("力争",)
AT_LEAST_CUES = ("不低于", "不少于", "至少", "不小于", "高于", "超过", "大于", "达到", "提高到", "提高至",
                 "提升到", "提升至", "增加到", "实现")
AT_MOST_CUES = ("不高于", "不超过", "不大于", "低于", "小于", "控制在", "降至", "降到", "下降到", "下降至")
EQUAL_CUES = ("保持", "为", "完成")
_CUE_COMPARATOR = {c: ">=" for c in AT_LEAST_CUES} | {c: "<=" for c in AT_MOST_CUES} | {c: "=" for c in EQUAL_CUES}
_CUE = re.compile("|".join(sorted(_CUE_COMPARATOR, key=len, reverse=True)))
CUMULATIVE_CUES = ("累计",)
DISTRIBUTIVE_CUE = "分别"
# Verbs that make a count the object of a commitment (完成1571个…, 打造2个…, 签约…3个).
COMMITMENT_VERBS = (
    "完成", "推进", "推动", "实施", "建设", "建成", "创建", "创成", "打造", "新增", "开展", "组织", "办好", "举办",
    "召开", "签约", "签订", "争取", "实现", "确保", "治理", "整治", "改造", "淘汰", "关闭", "取缔", "建立", "设立",
    "培育", "评选", "发布", "制定", "出台", "修订", "编制", "监测", "巡查", "检查", "督办", "落实", "提升", "巩固",
    "申报", "开工", "投运", "新建", "改建", "扩建", "安装", "配备", "引进", "培训", "查处", "办理", "办结", "整改",
    "销号", "消除", "复核", "核查", "评估", "调查", "划定", "谋划", "储备", "加强", "保障", "督促", "指导", "支持",
    "覆盖", "接待", "招商", "清理", "处置", "修复", "管控", "排查", "溯源", "关停", "搬迁", "提标", "更新", "核发",
    "审批", "抽查", "抽测", "宣传", "参加", "举行", "设置", "完善", "健全", "形成", "达到", "保持", "控制", "稳定",
    "推广", "应用", "替代", "置换", "累计", "创", "建", "办",
)
# Verbs that count out a Chinese numeral (办好两场发布会); after others (落实两个责任) it is a label.
CHINESE_COUNT_VERBS = (
    "办好", "举办", "召开", "开展", "完成", "建成", "建设", "创建", "打造", "新增", "实施", "组织", "培育", "评选",
    "发布", "编制", "出台", "制定", "修订", "签订", "签约", "引进", "建立", "设立", "新建", "举行", "推出",
)
# A clause opened by a preposition puts its count before the verb (对14处监测孔开展监测).
_PREPOSITION_OPENERS = ("对", "针对", "围绕", "为")
# Words opening a phrase that say how, not what: stripped from indicator phrases.
_LEADING_FILLER = re.compile(
    r"^(?:其中|同时|并|并且|确保|力争|实现|完成|全面完成|基本完成|推动|推进|持续|全面|加快|深入|积极|进一步|大力|扎实|稳步|着力|"
    r"切实|努力|督促|指导|组织|组织实施|开展|实施|常态化|加密|年度|全年|年内|累计|新增|巩固|保持|达到|"
    r"(?:到|至|于|在)?20\d{2}年(?:\d{1,2}月)?(?:底|末|初)?(?:前|以前)?)+"
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
_HEAD_OPENER = re.compile(r"重点工程|减排量|排放量|断面|点位|水质|浓度|比例|比率|达标率|利用率|治理率|处理率|排放强度|总量")
_LEADING_JOINERS = re.compile(r"^(?:的|和|及|与|以及|、|或)+")
_TRAILING_JOINERS = re.compile(r"(?:的|和|及|与|以及|、|或)+$")
_BRACKETED = re.compile(r"\([^()]*\)")
_NUMBERED_BRACKET = re.compile(r"\([^()]*\d[^()]*\)")

# --- dates and deadlines ------------------------------------------------------------------------

_DEADLINE = re.compile(
    r"(?P<prefix>到|至|于|在)?(?P<year>20\d{2})年(?!度)"
    r"(?:(?P<month>\d{1,2}|[一二三四五六七八九十]{1,2})月(?:底|末|份)?|(?P<part>底|末|初|上半年|下半年|内))?"
    r"(?P<before>前|以前|之前)?"
    r"|(?P<relative>年内|年底前|年底|全年|上半年|下半年|年度内)"
    r"|(?<![\d年])(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:底|末|份|中旬|上旬|下旬)?(?:前|以前|之前)"
    r"|^(?P<annual>年度)(?=[\u4e00-\u9fff])"
)
# A bare "2024年" is a deadline only when a verb or a cue follows it.
_DEADLINE_FOLLOWERS = re.compile(r"[,，]|确保|完成|实现|达到|力争|争取|全面|基本|建成|通过|累计|新增|推动|推进|启动|开展|前")
_FREQUENCY = re.compile(r"每(?P<period>年|半年|季度|月|周|旬|日|天)")

# --- traps --------------------------------------------------------------------------------------

_LABEL_OPENERS = {"“": "”", "‘": "’", "《": "》", "〔": "〕", "「": "」", "【": "】"}
_DISTANCE_CONTEXT = ("沿江", "沿河", "沿湖", "沿岸", "沿线", "周边", "周围", "半径", "距离", "岸线", "范围")
_BASELINE_BEFORE = ("由", "从", "较", "比")
_BASELINE_AFTER = re.compile(r"^[^,，;；。]{0,6}?(?:提高|提升|增加|增长|下降|降低|减少|降)")
# "12个水体长期为劣V类": the count describes a state (为/是 not part of 作为, 成为, 列为…).
_STATE_PREDICATE = re.compile(r"^[\u4e00-\u9fff]{1,10}?(?:长期|仍然|仍|依然|一直)?(?<![作成列评定改建认])(?:为|是|属于|处于)(?!\d)")
_CJK_AFTER = re.compile(r"[\u4e00-\u9fff]")
_THRESHOLD_AFTER = re.compile(r"^(?:(?:及|或)?以上|以下)的")
_LABEL_ADJACENT = re.compile(r"[A-Za-z+＋·•\-—–~/]")

_SPACES = re.compile(r"\s+|\*\*")
_BEFORE_WINDOW = 10  # characters before a number compared between a damaged copy and its original

SENTENCE_ENDS = "。;；!！\n"
CLAUSE_ENDS = ",，:："
_OPENERS = "(（[【“‘《〔「"
_CLOSERS = ")）]】”’》〕」"


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

    @property
    def start(self) -> int:
        return self.clause.start

    @property
    def end(self) -> int:
        return self.clause.end


# --- numbers ------------------------------------------------------------------------------------


def chinese_number(numeral: str) -> int | None:
    """Value of a Chinese numeral up to the ten thousands (两 → 2, 二十三 → 23, 三百 → 300)."""
    total, section, digit = 0, 0, None
    for char in numeral:
        if char in _CHINESE_DIGITS:
            if digit is not None:
                return None  # two digits in a row: not a number (一二三)
            digit = _CHINESE_DIGITS[char]
        elif char in _CHINESE_SCALES:
            scale = _CHINESE_SCALES[char]
            if scale == 10_000:
                total += (section + (digit or 0)) * scale
                section, digit = 0, None
                continue
            section += (1 if digit is None else digit) * scale
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def label_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside quotes and book-title marks: names and labels, never quantities."""
    spans, stack = [], []
    for i, char in enumerate(text):
        if char in _LABEL_OPENERS:
            stack.append((i, _LABEL_OPENERS[char]))
        elif stack and char == stack[-1][1]:
            start, _ = stack.pop()
            if not stack:
                spans.append((start, i + 1))
        elif char == "\n":
            stack.clear()  # an unclosed quote never runs past its paragraph
    quote_positions = [i for i, char in enumerate(text) if char == '"']
    spans.extend((a, b + 1) for a, b in zip(quote_positions[::2], quote_positions[1::2]) if "\n" not in text[a:b])
    return sorted(spans)


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= position < b for a, b in spans)


def clauses(text: str) -> list[Clause]:
    """Clauses of a text: split at sentence ends always, at commas only outside brackets and quotes.

    A sentence end also closes any bracket left open (a scrape may have eaten the closing one).
    """
    found, depth, start, sentence = [], 0, 0, 0
    for i, char in enumerate(text):
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
    return [c for c in found if text[c.start:c.end].strip()]


def _is_trap(text: str, start: int, end: int, kind: str, suffix: str) -> bool:
    """Numbers that name, label, date or delimit something rather than set a target."""
    before = text[max(0, start - 4):start].rstrip()
    after = text[end:end + 12]
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
    if kind == "quantity" and text[max(0, start - 4):start].endswith(_DISTANCE_CONTEXT):
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
    found: list[Mention] = []
    ranges = {m.start("high"): m for m in _RANGE.finditer(text) if not _inside(m.start(), labels)}
    for m in _RANK.finditer(text):
        number = m.group("ordinal") or m.group("top")
        value = int(number) if number.isdigit() else chinese_number(number)
        if value is None or _inside(m.start("unit"), labels):
            continue
        start = m.start("ordinal") - 1 if m.group("ordinal") else m.start("top") - 1
        found.append(Mention(start, m.end(), float(value), text[start:m.end()], m.group("unit"), "rank",
                             "" if m.group("ordinal") else "前"))
    for m in _ARABIC.finditer(text):
        if _inside(m.start(), labels) or _inside(m.start(), [(f.start, f.end) for f in found]):
            continue
        unit_match = _UNIT.match(text, m.end("number"))  # 万元 and 亿元 are money units
        scale = 1.0
        if not unit_match or unit_match.lastgroup != "money":
            unit_match = _UNIT.match(text, m.end())
            scale = _MULTIPLIERS.get(m.group("multiplier") or "", 1.0)  # 1.2万个 is 12000 个
        if not unit_match:
            continue
        kind = _UNIT_KIND[unit_match.lastgroup]
        end = unit_match.end()
        suffix = _suffix_at(text, end)
        if (span := ranges.get(m.start())) and not _is_trap(text, span.start(), end, kind, suffix):
            found = [f for f in found if f.start != span.start()]  # 3% of 3%-5% is the range's lower bound
            found.append(Mention(span.start(), end + len(suffix), float(span.group("low")) * scale,
                                 text[span.start():end], unit_match.group(0), kind, suffix, float(m.group("number")) * scale))
        elif not _is_trap(text, m.start(), end, kind, suffix):
            found.append(Mention(m.start(), end + len(suffix), float(m.group("number")) * scale, text[m.start():end],
                                 unit_match.group(0), kind, suffix))
    for m in _CHINESE.finditer(text):
        value = chinese_number(m.group("number"))
        if value is None or value < 2 or _inside(m.start(), labels) or _inside(m.start(), [(f.start, f.end) for f in found]):
            continue
        if not text[max(0, m.start() - 6):m.start()].endswith(CHINESE_COUNT_VERBS + AT_LEAST_CUES):
            continue  # 十条措施, 三大都市圈, 落实两个责任: names, unless a verb counts them out
        suffix = _suffix_at(text, m.end())
        if not _is_trap(text, m.start(), m.end(), "count", suffix):
            found.append(Mention(m.start(), m.end() + len(suffix), float(value), m.group(0), m.group("unit"), "count", suffix))
    return sorted(found, key=lambda f: f.start)


def _suffix_at(text: str, position: int) -> str:
    """以上 / 及以上 / 以内 / 以下 / 左右 right after a unit, if any."""
    m = _SUFFIX.match(text, position)
    return m.group(0) if m else ""


# --- deadlines, comparators, roles ----------------------------------------------------------------


def find_deadlines(text: str, clause: Clause) -> list[tuple[int, str]]:
    """``(position, deadline)`` for each deadline expression of a clause."""
    found = []
    body = text[clause.start:clause.end]
    for m in _DEADLINE.finditer(body):
        if m.group("year") and not m.group("prefix") and _BASE_YEAR.search(body[max(0, m.start() - 2):m.end()]):
            continue  # 较2020年: the base of a change, not a deadline
        if m.group("year") and not (m.group("prefix") or m.group("month") or m.group("part") or m.group("before")):
            if not _DEADLINE_FOLLOWERS.match(body, m.end()):
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
    striving; then 以上/以内 after it; then the last cue word before it (the longest reading:
    不低于 is >=, not 低于); 达 counts only right before the number (not in 达标率).
    """
    if any(cue in _outside_brackets(clause_prefix) for cue in STRIVING_CUES):
        return "striving"
    if suffix.endswith("以上"):
        return ">="
    if suffix in ("以内", "以下"):
        return "<="
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
    return {han[i:i + 2] for i in range(len(han) - 1) if " " not in han[i:i + 2]}


# --- indicator phrases ------------------------------------------------------------------------------


def clean_phrase(phrase: str) -> str:
    """An indicator phrase without fillers, cue words and dangling joiners around it."""
    previous = None
    phrase = phrase.strip(_PHRASE_EDGES)
    while previous != phrase:
        previous = phrase
        phrase = _LEADING_FILLER.sub("", _BASE_YEAR.sub("", phrase))
        phrase = _LEADING_JOINERS.sub("", phrase)
        phrase = _TRAILING_CUES.sub("", phrase)
        phrase = _DANGLING_BRACKETS.sub("", phrase.strip(_PHRASE_EDGES))
    return phrase


def _without_mentions(text: str, start: int, end: int, mentions: list[Mention]) -> str:
    """``text[start:end]`` with the numbers (and units) of mentions cut out."""
    pieces, position = [], start
    for m in mentions:
        if m.end <= start or m.start >= end:
            continue
        pieces.append(text[position:max(m.start, position)])
        position = max(position, m.end)
    pieces.append(text[position:end])
    return "".join(pieces)


def conjunct_head(other: str, last: str) -> str:
    """What the last conjunct of a list adds as the shared head of all.

    ``国控、省控断面水质优良比例``: the last conjunct parallels ``国控`` up to the character both
    end on (控), so its head is ``断面水质优良比例``. Otherwise the head starts at the first word
    that usually opens one (``氨氮、…挥发性有机物重点工程减排量`` → ``重点工程减排量``), or after the
    last conjunct's first word (``湖泊、…水库水质环境监测`` → ``水质环境监测``).
    """
    at = last.find(other[-1]) if other else -1
    if 0 <= at < _PARALLEL_MAX and at < len(last) - 1:
        return last[at + 1:]
    opener = _HEAD_OPENER.search(last, 2)
    if opener:
        return last[opener.start():]
    words = tokens(last)
    return "".join(words[1:]) if len(words) > 1 else ""


def _words_after(text: str, mention: Mention, clause: Clause, mentions: list[Mention]) -> tuple[str, bool]:
    """The words after a mention up to the next number of the clause (bracketed numbers skipped).

    A top-level 、 ends them too once they name something (``1571个行政村环境整治、123条…``), not
    inside a short modifier list (``14处国、省、市控监测孔``). Returns the words and whether they
    stopped before another number of the same kind (a list: ``4个国家级和…6个省级“无废城市”``).
    """
    starts = {m.start: m for m in mentions if mention.end <= m.start < clause.end}
    words, depth = [], 0
    for i in range(mention.end, clause.end):
        char = text[i]
        if depth == 0 and (i in starts or (char == "、" and len(words) > _MODIFIER_MAX)):
            later = [m for m in starts.values() if m.start >= i]
            return _without_numbered_brackets("".join(words)), bool(later) and later[0].kind == mention.kind
        if char in "(（":
            depth += 1
        elif char in ")）":
            if depth == 0:
                break  # the number sits inside a bracket: its words end with it
            depth -= 1
        words.append(char)
    return _without_numbered_brackets("".join(words)), False


def _without_numbered_brackets(text: str) -> str:
    """A text without the bracket groups that hold a number (其中(葛店4家…)); qualifiers such as
    ``(管控)``, ``(水域)`` or ``(市、区)`` belong to the indicator's wording and stay."""
    previous = None
    while previous != text:
        previous, text = text, _NUMBERED_BRACKET.sub("", text)
    return text


def _words_before(text: str, mention: Mention, clause: Clause, mentions: list[Mention], kinds: dict[Mention, str]) -> str:
    """The words before a mention, from the previous number of its kind (or the clause start)."""
    same_kind = [m for m in mentions if clause.start <= m.start and m.end <= mention.start and kinds[m] == kinds[mention]]
    start = same_kind[-1].end if same_kind else clause.start
    before = _without_numbered_brackets(_without_mentions(text, start, mention.start, mentions)).rstrip()
    if _TRAILING_JOINERS.search(before):
        if same_kind:
            return ""  # 80%溯源和30%整治: the words before belong to the previous number
        # 排污口溯源和70%的整治任务: drop the other conjunct (a two-character verbal noun)
        before = _TRAILING_JOINERS.sub("", before)[:-_VERBAL_NOUN]
    return clean_phrase(before)


def local_phrase(text: str, mention: Mention, clause: Clause, mentions: list[Mention], kinds: dict[Mention, str]) -> str:
    """The words that name what a number measures, as the text says them.

    A count names what it counts after it (完成1571个行政村环境整治), or before it when nothing
    follows (项目100个以上); a rate names its subject before it and what it is a share of after it
    (重点湖泊排污口80%的整治任务).
    """
    after, listed = _words_after(text, mention, clause, mentions)
    if listed:
        after = re.split(r"和|与|以及", after)[0]
    after = clean_phrase(after)
    if kinds[mention] in ("count", "frequency"):
        phrase = after or _words_before(text, mention, clause, mentions, kinds)
        later = [m for m in mentions if mention.start < m.start < clause.end and kinds[m] == kinds[mention]]
        if listed and later and len(phrase) <= _MODIFIER_MAX:
            last_after, _ = _words_after(text, later[-1], clause, mentions)
            phrase += conjunct_head(phrase, clean_phrase(last_after))
        return phrase
    return _words_before(text, mention, clause, mentions, kinds) + after


def context_phrase(text: str, clause: Clause, sentence: list[Clause], mentions: list[Mention]) -> str:
    """The topic of a target's sentence: the nearest earlier clause with words (深入推进长江入河排污口整治)."""
    for previous in reversed([c for c in sentence if c.end <= clause.start]):
        words = clean_phrase(_outside_brackets(_without_mentions(text, previous.start, previous.end, mentions)))
        if len(_content_tokens(words)) >= 2:
            return words
    return ""


# --- the extractor ------------------------------------------------------------------------------------


def _masked(text: str) -> str:
    """The text with attribution brackets blanked out (same length: offsets unchanged)."""
    for attribution in find_attributions(text):
        text = text[:attribution.start] + "\n" * (attribution.end - attribution.start) + text[attribution.end:]
    return text


def _period(text: str, clause: Clause, mention: Mention) -> str:
    """The period of a frequency (每月至少开展1次 → 月); empty if the number is not times per period."""
    if mention.unit != "次":
        return ""
    periods = list(_FREQUENCY.finditer(text, clause.start, mention.start))
    return periods[-1].group("period") if periods else ""


def _distributed(text: str, clause: Clause, mentions: list[Mention]) -> dict[Mention, str]:
    """Subjects of values distributed by 分别: ``A、B的X分别不低于v1、v2`` → v1: A…X, v2: B…X.

    A value in brackets after a listed value (``90.9%(力争达到100%)``) belongs to the same subject.
    """
    body = text[clause.start:clause.end]
    at = body.find(DISTRIBUTIVE_CUE)
    if at < 0:
        return {}
    listed = [m for m in mentions if clause.start + at < m.start < clause.end]
    top_level = [m for m in listed if "(" not in _outside_brackets(text[clause.start + at:m.start])]
    subjects = [s for s in re.split(r"、|和|与|及", clean_phrase(body[:at])) if s]
    if len(top_level) < 2 or len(subjects) != len(top_level):
        return {}
    named = [s + conjunct_head(s, subjects[-1]) for s in subjects[:-1]] + [subjects[-1]]
    return {m: named[top_level.index(max((t for t in top_level if t.start <= m.start), key=lambda t: t.start))]
            for m in listed}


def _is_scope(text: str, mention: Mention, clause: Clause, sentence: list[Clause], mentions: list[Mention],
              kinds: dict[Mention, str]) -> bool:
    """Whether a count says what a commitment applies to rather than being the commitment.

    - a rate or frequency follows in its clause (纳入国家考核的3个断面水质优良率达到100%);
    - it details a count in brackets (3项问题(葛店4家医药企业关改搬转));
    - the next clause of its sentence opens with a rate of the counted work: its topic holds the
      head word the counted phrase ends in (12480个排污口溯源整治,完成80%的整治任务; not 5家企业深度治理,
      企业清洁运输比例达到80%);
    - it is the subject, with no verb or cue before it (氮氧化物、…等4项主要污染物总量减排…), unless a
      preposition opens the clause and a verb follows (对14处监测孔开展监测).
    """
    in_clause = [m for m in mentions if clause.start <= m.start < clause.end]
    if any(m.start > mention.start and kinds[m] in RATE_LIKE for m in in_clause):
        return True
    prefix = text[clause.start:mention.start]
    opened = prefix.rfind("(")
    if opened > prefix.rfind(")") and any(kinds[m] == "count" and m.end <= clause.start + opened for m in in_clause):
        return True
    position = sentence.index(clause)
    if position + 1 < len(sentence):
        following = sentence[position + 1]
        opening = [m for m in mentions if following.start <= m.start < following.end]
        if opening and kinds[opening[0]] in RATE_LIKE:
            topic = clean_phrase(_without_mentions(text, following.start, following.end, mentions))
            counted = clean_phrase(_without_mentions(text, mention.end, clause.end, mentions))
            if counted[-_VERBAL_NOUN:] and counted[-_VERBAL_NOUN:] in topic:
                return True  # the rate measures the counted work (溯源整治, 完成80%的整治任务)
    before = _outside_brackets(prefix)
    if _has_verb(before) or _CUE.search(before) or not clean_phrase(before):
        return False
    return not (before.lstrip().startswith(_PREPOSITION_OPENERS) and _has_verb(text[mention.end:clause.end]))


def find_targets(text: str) -> list[Target]:
    """Every target of a task's text (attribution brackets are ignored)."""
    masked = _masked(text)
    all_clauses = clauses(masked)
    mentions = find_mentions(masked)
    clause_of = {m: next(c for c in all_clauses if c.start <= m.start < c.end) for m in mentions
                 if any(c.start <= m.start < c.end for c in all_clauses)}
    periods = {m: _period(masked, clause_of[m], m) for m in clause_of}
    kinds = {m: ("frequency" if periods[m] else m.kind) for m in clause_of}
    targets: list[Target] = []
    for clause in all_clauses:
        in_clause = [m for m in mentions if clause_of.get(m) == clause]
        sentence = [c for c in all_clauses if c.sentence == clause.sentence]
        distributed = _distributed(masked, clause, in_clause)
        for mention in in_clause:
            unit = f"{mention.unit}/{periods[mention]}" if periods[mention] else mention.unit
            resolved = replace(mention, kind=kinds[mention], unit=unit)
            targets.append(_target(masked, resolved, mention, clause, sentence, mentions, kinds, distributed, targets))
    return targets


def _target(text: str, resolved: Mention, mention: Mention, clause: Clause, sentence: list[Clause],
            mentions: list[Mention], kinds: dict[Mention, str], distributed: dict[Mention, str],
            earlier: list[Target]) -> Target:
    """A mention read in its clause and sentence: comparator, phrase, role, deadline, flags."""
    flags: list[str] = []
    clause_prefix = text[clause.start:mention.start]
    segment_start = max([m.end for m in mentions if clause.start <= m.end <= mention.start] + [clause.start])
    segment = _outside_brackets(text[segment_start:mention.start])
    if mention.kind == "rank":
        comparator = "striving" if "力争" in _outside_brackets(clause_prefix) else ("<=" if mention.suffix else "=")
    else:
        comparator = comparator_of(clause_prefix, segment, mention.suffix)
    if _striving_lead(text, clause, sentence, mentions):
        comparator = "striving"
    if mention.upper is not None:
        flags.append("range")
        comparator = "striving" if comparator == "striving" else ">="
    if mention in distributed:
        flags.append("distributed")
        phrase = distributed[mention]
        if comparator != "striving":
            opening = _outside_brackets(clause_prefix)
            comparator = comparator_of("", opening[opening.find(DISTRIBUTIVE_CUE):], mention.suffix)
    else:
        phrase = local_phrase(text, mention, clause, mentions, kinds)
    if not phrase and earlier and _BRACKETED_ALTERNATIVE.match(text[earlier[-1].mention.end:mention.start]):
        phrase = earlier[-1].phrase  # 不低于90.9%(力争达到92%): the bracket sets the same indicator
    role = "scope" if kinds[mention] == "count" and _is_scope(text, mention, clause, sentence, mentions, kinds) \
        else "commitment"
    deadline, shared = _deadline(text, clause, sentence, mention)
    if shared:
        flags.append("shared_deadline")
    if any(cue in clause_prefix for cue in CUMULATIVE_CUES):
        flags.append("cumulative")
    previous = [t for t in earlier if t.clause.sentence == clause.sentence and t.clause != clause]
    if previous and not _without_mentions(text, clause.start, mention.start, mentions).strip(_PHRASE_EDGES):
        # ",1次客商接待": a clause that opens with its number continues the previous target
        last = previous[-1]
        if last.mention.unit.split("/")[0] == mention.unit:
            resolved = replace(resolved, kind=last.mention.kind, unit=last.mention.unit)
            comparator = last.comparator if comparator == "=" else comparator
        role, deadline = last.role, deadline or last.deadline
        flags.append("continued")
    context = context_phrase(text, clause, sentence, mentions)
    return Target(resolved, clause, comparator, deadline, role, phrase, context, tuple(flags))


TEXT_TARGET_COLUMNS = ["value", "value_text", "unit", "kind", "comparator", "deadline", "role", "phrase",
                       "context", "quote", "start", "end", "flags"]


def text_targets(text: str) -> pd.DataFrame:
    """The targets of one task's text as a table; ``start``/``end`` are offsets of the quote in ``text``."""
    rows = [{
        "value": t.mention.value, "value_text": t.mention.value_text, "unit": t.mention.unit,
        "kind": t.mention.kind, "comparator": t.comparator, "deadline": t.deadline, "role": t.role,
        "phrase": t.phrase, "context": t.context, "quote": text[t.start:t.end].strip(), "start": t.start,
        "end": t.end, "flags": ";".join(t.flags),
    } for t in find_targets(text)]
    return pd.DataFrame(rows, columns=TEXT_TARGET_COLUMNS).astype({"value": "float64", "start": "int64", "end": "int64"})


def _striving_lead(text: str, clause: Clause, sentence: list[Clause], mentions: list[Mention]) -> bool:
    """Whether an earlier clause of the sentence holds only 力争 and a deadline (力争到2025年底,…)."""
    for earlier in (c for c in sentence if c.end <= clause.start):
        words = text[earlier.start:earlier.end]
        if any(earlier.start <= m.start < earlier.end for m in mentions) or not words.lstrip().startswith(STRIVING_CUES):
            continue
        if not clean_phrase(_DEADLINE.sub("", words)):
            return True
    return False


def _deadline(text: str, clause: Clause, sentence: list[Clause], mention: Mention) -> tuple[str, bool]:
    """The deadline of a mention: in its clause, else the last one of an earlier clause of its sentence."""
    own = find_deadlines(text, clause)
    if own:
        before = [d for position, d in own if position < mention.start]
        return (before[-1] if before else own[0][1]), False
    earlier = [d for c in sentence if c.end <= clause.start for _, d in find_deadlines(text, c)]
    return (earlier[-1], True) if earlier else ("", False)


def unit_factor(unit: str) -> float:
    """Multiplier that brings a money unit to yuan (1 for every other unit)."""
    return {"万元": 10_000.0, "亿元": 100_000_000.0}.get(unit, 1.0)


TARGET_COLUMNS = [
    "doc_id", "task_id", "target_id", "path", "indicator", "indicator_id", "indicator_name", "indicator_score",
    "value", "value_text", "unit", "kind", "comparator", "deadline", "role", "quote", "char_start", "char_end",
    "value_char_start", "value_char_end", "line_start", "flags",
    "clean_value", "clean_unit", "clean_quote", "clean_source", "clean_char_start", "clean_char_end",
]
CLEAN_COLUMNS = TARGET_COLUMNS[TARGET_COLUMNS.index("clean_value"):]
EMPTY_CLEAN_VALUES = {column: (None if column in ("clean_value", "clean_char_start", "clean_char_end") else "")
                      for column in CLEAN_COLUMNS}


def targets_table(doc, lexicon: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per target of a parsed document, offsets into its raw text, indicators mapped.

    ``doc`` is an :class:`analysis.pipeline.ParsedDocument`; ``raw[char_start:char_end]`` is the
    clause quoted, ``raw[value_char_start:value_char_end]`` the number as printed.
    """
    from analysis import indicators

    matcher = indicators.matcher(indicators.load_lexicon() if lexicon is None else lexicon)
    clean_doc = doc.clean
    line_starts = [0] + [i + 1 for i, char in enumerate(doc.raw.text) if char == "\n"]
    rows = []
    for task, span in zip(doc.tasks.itertuples(index=False), doc.spans):
        body = clean_doc.text[span.content_start:span.end]
        for number, target in enumerate(find_targets(body), start=1):
            quote = body[target.start:target.end].strip()
            lead = len(body[target.start:target.end]) - len(body[target.start:target.end].lstrip())
            quote_start = span.content_start + target.start + lead
            char_start, char_end = clean_doc.raw_span(quote_start, quote_start + len(quote))
            value_start, value_end = clean_doc.raw_span(span.content_start + target.mention.start,
                                                        span.content_start + target.mention.end)
            flags = list(target.flags)
            if clean_doc.damaged_between(value_start, value_end) or clean_doc.damaged_between(value_start - 1, value_start):
                flags.insert(0, "damaged_value")
            if clean_doc.damaged_between(char_start, char_end):
                flags.insert(0, "damaged_text")
            mapped = matcher.map(target.phrase, target.mention.kind, target.context)
            rows.append({
                "doc_id": doc.doc_id, "task_id": task.task_id, "target_id": f"{task.task_id}#{number}",
                "path": task.path, **mapped, "indicator_name": matcher.names.get(mapped["indicator_id"], ""),
                "value": target.mention.value, "value_text": target.mention.value_text, "unit": target.mention.unit,
                "kind": target.mention.kind, "comparator": target.comparator, "deadline": target.deadline,
                "role": target.role, "quote": quote, "char_start": char_start, "char_end": char_end,
                "value_char_start": value_start, "value_char_end": value_end,
                "line_start": _line_of(line_starts, char_start), "flags": ";".join(dict.fromkeys(flags)),
                **EMPTY_CLEAN_VALUES,
            })
    return frame_of(rows, TARGET_COLUMNS, TARGET_DTYPES)


TARGET_DTYPES = {
    "value": "float64", "indicator_score": "float64", "clean_value": "Float64", "clean_char_start": "Int64",
    "clean_char_end": "Int64", "char_start": "int64", "char_end": "int64", "value_char_start": "int64",
    "value_char_end": "int64", "line_start": "int64",
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({column: dtype for column, dtype in TARGET_DTYPES.items() if column in frame.columns})


def with_clean_values(targets: pd.DataFrame, documents: pd.DataFrame, raw_texts: dict[str, str]) -> pd.DataFrame:
    """Put beside each target of a damaged duplicate the clean document's value and its source.

    A document's ``duplicate_of`` (see ``pipeline.documents_table``) names the clean copy. A
    target is matched to the clean target of the same task path whose surroundings read most
    alike: the quote (the damaged clause may have swallowed its neighbours, so the clean quote
    is looked for inside it) and the characters just before the number. Each clean target is
    used once, best pairs first; pairs below ``DUPLICATE_QUOTE_MIN_SCORE`` stay unmatched.
    """
    targets = targets.copy()
    copies = documents.loc[documents["duplicate_of"].fillna("") != "", ["doc_id", "duplicate_of"]]
    for copy_id, original_id in copies.itertuples(index=False):
        damaged = targets[targets["doc_id"] == copy_id]
        clean = targets[targets["doc_id"] == original_id]
        pairs = []
        for i, d in damaged.iterrows():
            for j, c in clean[clean["path"] == d["path"]].iterrows():
                pairs.append((_copy_similarity(d, c, raw_texts[copy_id], raw_texts[original_id]), i, j))
        used_damaged, used_clean = set(), set()
        for score, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
            if score < DUPLICATE_QUOTE_MIN_SCORE or i in used_damaged or j in used_clean:
                continue
            used_damaged.add(i)
            used_clean.add(j)
            c = clean.loc[j]
            targets.loc[i, CLEAN_COLUMNS] = [c["value"], c["unit"], c["quote"], c["target_id"], c["char_start"], c["char_end"]]
    return _typed(targets)


def _copy_similarity(damaged: pd.Series, clean: pd.Series, damaged_raw: str, clean_raw: str) -> float:
    """How alike a damaged target's surroundings are to a clean target's (0–100)."""
    def before(row: pd.Series, raw: str) -> str:
        return _SPACES.sub("", raw[max(0, row["value_char_start"] - _BEFORE_WINDOW * 2):row["value_char_start"]])[-_BEFORE_WINDOW:]

    quotes = fuzz.partial_ratio(clean["quote"], damaged["quote"])
    return (quotes + fuzz.ratio(before(damaged, damaged_raw), before(clean, clean_raw))) / 2


def _line_of(line_starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(line_starts, offset)
