"""Document metadata printed in the text: title, issuer, document number and date.

Only the front matter (before the first hierarchy marker) and the back matter (a closing
signature, see ``analysis.structure``) are searched. What the text lacks the
manifest fills in; a ``*_source`` column records which one a value came from.
"""

from __future__ import annotations

import re

from analysis.text.numerals import number_value, year_value

METADATA_FIELDS = ("title", "issuer", "doc_number", "date")

_TITLE_ENDINGS = "要点|计划|方案|安排|意见|规划|思路"
# What a scrape leaves after a title: tags (</strong>, <br/>), markdown marks (**, ##), a bracketed
# page control ([打印], 【字体:大 中 小】), a file extension (.docx), a version note ((全文), (试行)).
_TRAILING_MARKUP = (
    r"(?:\s*(?:</?[A-Za-z][^<>]{0,40}>|[*#_]{1,3}|\[[^\[\]]{0,20}\]|【[^【】]{0,20}】|\.(?:docx?|pdf|wps|html?)"
    r"|\((?:全文|正文|试行|征求意见稿|修订稿|印发稿)\)))*\s*"
)
# A title line: the title (group 1) and any trailing markup.
TITLE_LINE = re.compile(
    rf"^(?:[*#_]{{1,3}}\s*)?(?!关于)([^。,;《》<>\[\]【】]{{4,40}}(?:{_TITLE_ENDINGS})){_TRAILING_MARKUP}$"
)
_CIRCULAR_TITLE = re.compile(rf"关于印发《?([^。《》]{{4,40}}?(?:{_TITLE_ENDINGS}))》?的通知")
ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff]{2,24}(?:厅|局|委员会|人民政府|办公厅|办公室)$")
_CIRCULAR_ISSUER = re.compile(r"^([\u4e00-\u9fff]{2,24}?(?:厅|局|委员会|人民政府|办公厅|办公室))关于")
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,10})[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*(\d{1,4})\s*号")
DATE_LINE = re.compile(
    r"^(\d{4}|[〇零一二三四五六七八九]{4})年(\d{1,2}|[一二三四五六七八九十]{1,2})月(\d{1,2}|[一二三四五六七八九十]{1,3})日$"
)


def extract_metadata(front_matter: list[str]) -> dict[str, str]:
    """Metadata found in the front- (and back-) matter paragraphs; a field not printed is absent."""
    found: dict[str, str] = {}
    for paragraph in front_matter:
        if "title" not in found and (m := TITLE_LINE.match(paragraph)):
            found["title"] = m.group(1)
        if "issuer" not in found and ISSUER_LINE.match(paragraph):
            found["issuer"] = paragraph
        if "date" not in found and (m := DATE_LINE.match(paragraph)):
            year, month, day = year_value(m.group(1)), number_value(m.group(2)) or 0, number_value(m.group(3)) or 0
            found["date"] = f"{year}-{month:02d}-{day:02d}"
        if "doc_number" not in found and (m := _DOC_NUMBER.search(paragraph)):
            found["doc_number"] = f"{m.group(1)}〔{m.group(2)}〕{int(m.group(3))}号"
    for paragraph in front_matter:
        if "title" not in found and (m := _CIRCULAR_TITLE.search(paragraph)):
            found["title"] = m.group(1)
        if "issuer" not in found and (m := _CIRCULAR_ISSUER.match(paragraph)):
            found["issuer"] = m.group(1)
    return found


def merge_metadata(printed: dict[str, str], declared: dict[str, str]) -> dict[str, str]:
    """Printed values first, the manifest's where the text is silent, with their sources."""
    merged: dict[str, str] = {}
    for field in METADATA_FIELDS:
        if printed.get(field):
            merged[field], merged[f"{field}_source"] = printed[field], "text"
        elif declared.get(field):
            merged[field], merged[f"{field}_source"] = declared[field], "manifest"
        else:
            merged[field], merged[f"{field}_source"] = "", ""
    return merged
