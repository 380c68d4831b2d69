"""HTML blocks of a report, in the report's language: headings, findings, tables for people and
charts with their data (the side-by-side reading of two plans: :mod:`analysis.report.reading`).

The notebooks show nothing but these blocks; every visible word comes from the message
catalogue (:mod:`analysis.report.i18n`). Document text is escaped before it reaches HTML.
Element ids are fixed (``fig-3``, ``tbl-2``, ``sec-coverage``) so that a rebuild
gives the same page.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.align.coverage import NO_UNIT
from analysis.report.glossary import CJK, english_position, gloss_heading, gloss_unit, heading_topics, split_units
from analysis.report.i18n import Messages, plan_names
from analysis.report.notes import note_in

CLIP_CHARS = 80
HEADING_TOPICS_SHOWN = 3  # a heading's topics named before "and n more" (a catch-all heading names 5)


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def esc(text) -> str:
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text), quote=True)


class Html(str):
    """Text already HTML (shown as is by Jupyter and by :meth:`Report.table`)."""

    def _repr_html_(self) -> str:
        return str(self)


# How a column of the plans' own words is shown, by its name (unless a table gives a kind): quoted
# as Chinese in the English edition, headings with their English gloss, units by their English names.
PLAN_WORD_KINDS = (
    dict.fromkeys(("heading", "source_heading", "target_heading"), "heading")
    | dict.fromkeys(("lead_units", "responsible_units", "issuer"), "units")
    | dict.fromkeys(("path", "source_path", "target_path"), "position")
    | {"evidence": "evidence", "note": "note"}
)
# Columns of ids and character offsets (task_id, doc_id_copy, char_start): provenance, not for reading.
PROVENANCE = re.compile(r"(?:^|_)id(?:_|$)|^char_")
# Pairs of 「quoted」 plan text in a sentence.
QUOTED = re.compile(r"「[^」]*」")
# A shared-term / best-clause / nearest-candidate part of the alignments' ``evidence``.
# The columns of the charts' data whose values are codes, and the prefix of the messages naming them.
CODED_COLUMNS = {
    "level": "level",
    "kind": "kind",
    "side": "side",
    "relation": "relation",
    "direction": "verdict",
    "vs_previous": "verdict",
    "vs_parent": "verdict",
    "change_unit": "change_unit",
    "method": "method",
    "setting": "setting",
    "gold": "label",
}
_EVIDENCE_PART = re.compile(
    r"^(?:shared: (?P<shared>.*)|best clauses \((?P<score>[\d.]+)\): (?P<clauses>.*)|nearest: (?P<task>\S+) \((?P<near>[\d.]+)\))$"
)


@dataclass
class Column:
    """A table column: the frame's column, its header's catalogue key, how to show its values.
    Ids and character offsets (``*_id``, ``*_id_*``, ``char_*``) are provenance: kept out of sight, in the row's
    tooltip and in the table's CSV download."""

    name: str
    header: str
    kind: str = "text"  # text, int, ratio, share, points, value, html, heading, units, evidence, note, position, id
    clip: bool = False

    def __post_init__(self) -> None:
        if PROVENANCE.search(self.name) and self.kind in ("text", "int"):  # a kind given (doc) is kept
            self.kind = "id"
        elif self.kind == "text":
            self.kind = PLAN_WORD_KINDS.get(self.name, "text")


@dataclass
class Report:
    """One report's blocks: numbered ids, the language, the plans' display names."""

    lang: str = "zh"
    documents: pd.DataFrame | None = None
    msg: Messages = field(init=False)
    names: dict[str, str] = field(init=False)
    places: dict[str, str] = field(init=False)  # place names the catalogue gives in this language
    _counter: dict[str, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.msg = Messages(self.lang)
        self.places = {k.removeprefix("region."): v for k, v in self.msg.table.items() if k.startswith("region.")}
        self.names = plan_names(self.documents, self.lang) if self.documents is not None else {}

    def name(self, doc_id: str) -> str:
        return self.names.get(doc_id, doc_id)

    def indicator_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its ``indicator`` column in this language (the lexicon's ``name_<lang>``)."""
        if frame.empty or "indicator_id" not in frame.columns:
            return frame
        from analysis.targets import indicators

        lexicon = indicators.load_lexicon()
        column = f"name_{self.lang}"
        if column not in lexicon.columns:
            return frame
        names = {k: v for k, v in zip(lexicon["indicator_id"], lexicon[column]) if isinstance(v, str) and v}
        shown = "indicator_name" if "indicator_name" in frame.columns else "indicator"  # canonical name, or a label
        current = frame[shown] if shown in frame.columns else frame["indicator_id"]
        return frame.assign(**{shown: [names.get(i, c) for i, c in zip(frame["indicator_id"], current)]})

    def rename_ids(self, text: str) -> str:
        """``text`` with every doc id replaced by the plan's display name (longest ids first)."""
        for doc_id in sorted(self.names, key=len, reverse=True):
            text = str(text).replace(doc_id, self.names[doc_id])
        return text

    def html(self, key: str, **values) -> str:
        """The catalogue's text for ``key`` as HTML: escaped, values escaped unless already :class:`Html`."""
        return esc(self.msg(key)).format(**{k: v if isinstance(v, Html) else esc(v) for k, v in values.items()})

    # --- the plans' own words -----------------------------------------------------------------

    def quoted(self, text) -> str:
        """A plan's own text as HTML; in the English edition inside ``lang="zh"`` (a quotation, and
        the hook of the CJK font)."""
        shown = esc(text)
        return f'<span lang="zh">{shown}</span>' if self.lang != "zh" and CJK.search(shown) else shown

    def quote_marked(self, escaped: str) -> str:
        """Escaped text with its 「quotations」 of a plan inside ``lang="zh"`` (English edition)."""
        if self.lang == "zh":
            return escaped
        return QUOTED.sub(lambda m: f'<span lang="zh">{m.group()}</span>', escaped)

    def heading_gloss(self, heading) -> str:
        """What the English edition says of a plan's heading: the glossary's gloss of a known phrase,
        else the topics its words name (:func:`heading_topics`); ``""`` in Chinese or when neither."""
        if self.lang == "zh":
            return ""
        gloss = gloss_heading(heading)
        topics = [] if gloss else heading_topics(heading)
        if not topics:
            return gloss
        shown = self.msg("plan_heading.separator").join(topics[:HEADING_TOPICS_SHOWN])  # names hold "and"
        if len(topics) > HEADING_TOPICS_SHOWN:
            return self.msg("plan_heading.topics_more", topics=shown, n=len(topics) - HEADING_TOPICS_SHOWN)
        return self.msg("plan_heading.topics", topics=shown)

    def heading_html(self, heading) -> str:
        """A plan's heading: in English its gloss or its topics (:meth:`heading_gloss`), then the Chinese."""
        gloss = self.heading_gloss(heading)
        return f"{esc(gloss)} {self.quoted(heading)}" if gloss else self.quoted(heading)

    def units_html(self, units) -> str:
        """A task's units: 、-separated in Chinese; in English each by its English name, a unit the
        glossary does not know quoted."""
        names = split_units(units)
        if self.lang == "zh":
            return esc("、".join(names))
        return "; ".join(esc(self.unit_name(u)) if self.unit_name(u) else self.quoted(u) for u in names)

    def unit_name(self, unit: str) -> str:
        """A unit's English name: the glossary's, or for a unit named with its place (湖北省生态环境厅)
        the glossary's name of the unit with the catalogue's name of the place; ``""`` if unknown."""
        known = gloss_unit(unit)
        for place, english in self.places.items():
            if not known and unit.startswith(place) and gloss_unit(unit[len(place) :]):
                known = f"{gloss_unit(unit[len(place) :])}, {english}"
        return known

    def position(self, path) -> str:
        """A task's position: 三(一)4 in Chinese, 3.1.4 in English."""
        return str(path or "") if self.lang == "zh" else english_position(path)

    def task_label(self, path, heading) -> str:
        """A task named in a sentence: its position, in English its heading's gloss or topics
        (:meth:`heading_gloss`), and the heading quoted (「…」, shown inside ``lang="zh"`` by
        :meth:`findings`)."""
        if self.lang == "zh":
            return f"{path}「{heading}」"
        gloss = self.heading_gloss(heading)
        return self.msg("task.label", position=english_position(path), gloss=f" ({gloss})" if gloss else "") + (
            f" 「{heading}」"
        )

    def evidence_html(self, evidence) -> str:
        """The alignments' machine-written evidence in the report's words: shared words, the best
        clause pair, the nearest candidate (its id in a tooltip)."""
        parts = []
        for part in re.split(r" \| |; ", str(evidence or "")):
            found = _EVIDENCE_PART.match(part.strip())
            if not found:
                parts.append(self.quoted(part))
            elif found["shared"] is not None:
                words = found["shared"].split(", ")
                parts.append(
                    esc(self.msg("evidence.shared")) + " " + self.msg("list.separator").join(map(self.quoted, words))
                )
            elif found["clauses"] is not None:
                parts.append(
                    esc(self.msg("evidence.best_clauses", score=found["score"]))
                    + " "
                    + self.quote_marked(esc(found["clauses"]))
                )
            else:
                parts.append(
                    f'<span title="{esc(found["task"])}">{esc(self.msg("evidence.nearest", score=found["near"]))}</span>'
                )
        return "<br>".join(p for p in parts if p)

    def _next(self, prefix: str) -> str:
        self._counter[prefix] = self._counter.get(prefix, 0) + 1
        return f"{prefix}-{self._counter[prefix]}"

    # --- text ---------------------------------------------------------------------------------

    def title(self, key: str, **values) -> Html:
        return Html(f'<h1 id="top">{esc(self.msg(key, **values))}</h1>')

    def heading(self, key: str, level: int = 2, **values) -> Html:
        anchor = "sec-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
        return Html(f'<h{level} id="{anchor}">{esc(self.msg(key, **values))}</h{level}>')

    def text(self, key: str, **values) -> Html:
        return Html(f'<p class="lead-in">{self.quote_marked(esc(self.msg(key, **values)))}</p>')

    def findings(self, sentences: list[str]) -> Html:
        items = "".join(f"<li>{self.quote_marked(esc(s))}</li>" for s in sentences if s)
        return Html(
            f'<section class="findings"><h2 id="sec-findings">{esc(self.msg("findings.heading"))}</h2>'
            f"<ul>{items}</ul></section><!--contents-->"
        )

    # --- tables -------------------------------------------------------------------------------

    def cell(self, value, column: Column, row=None) -> tuple[str, str]:
        """(inner HTML, sort key) of one cell."""
        kind, msg = column.kind, self.msg
        if kind == "level":
            shown = msg.get(f"level.{value}", str(value))
            return esc(shown), esc(shown)
        if kind == "html":
            return str(value), re.sub(r"<[^>]+>", "", str(value))
        if kind in ("int", "ratio", "share", "points", "value", "score"):
            shown = {
                "int": msg.integer,
                "ratio": msg.ratio,
                "share": msg.share,
                "points": msg.points,
                "score": msg.ratio,
                "value": msg.value,
            }[kind](value)
            sort = "" if shown == "" else f"{float(value):.6f}"
            return esc(shown), sort
        if kind == "doc":
            return esc(self.name(value)), esc(self.name(value))
        if kind == "relation":
            return f'<span class="rel rel-{esc(value)}">{esc(msg.relation(value))}</span>', esc(msg.relation(value))
        if kind == "label":
            shown = msg.get(f"label.{value}", str(value))
            return esc(shown), esc(shown)
        if kind == "verdict":
            return esc(msg.verdict(value)), esc(msg.verdict(value))
        if isinstance(value, (bool, np.bool_)):
            shown = msg("value.yes" if value else "value.no")
            return esc(shown), esc(shown)
        text = "" if _blank(value) else str(value)
        plan_words = {
            "heading": self.heading_html,
            "units": self.units_html,
            "evidence": self.evidence_html,
            "position": lambda v: esc(self.position(v)),
        }
        if kind in plan_words:
            return (plan_words[kind](text) if text else ""), esc(text)
        if kind == "id":
            return esc(text), esc(text)
        if kind == "note":
            text = note_in(text, msg, self.name)
        return (self.quote_marked(esc(text)) if QUOTED.search(text) else self.quoted(text)), esc(text)

    def table(self, frame: pd.DataFrame, columns: list[Column], name: str, caption_key: str = "") -> Html:
        """A table for people: sortable (click a header), filterable, long cells clipped (click to
        open), downloadable as CSV; numbers formatted by kind."""
        table_id = self._next("tbl")
        head = "".join(
            f'<th data-kind="{c.kind}"{" hidden" if c.kind == "id" else ""} title="{esc(self.msg("table.sort_hint"))}">'
            f"{esc(self.msg(c.header))}</th>"
            for c in columns
        )
        body = []
        for row in frame.to_dict("records"):
            cells = []
            provenance = [
                f"{self.msg(c.header)}: {'' if _blank(row.get(c.name)) else row.get(c.name)}"
                for c in columns
                if c.kind == "id"
            ]
            for column in columns:
                inner, sort = self.cell(row.get(column.name), column, row)
                if column.kind == "id":
                    cells.append(f"<td hidden>{inner}</td>")
                    continue
                plain_len = len(re.sub(r"<[^>]+>", "", inner))
                numeric = column.kind in ("int", "ratio", "share", "points", "value", "score")
                classes = ["num"] if numeric else []
                if column.clip or (plain_len > CLIP_CHARS and not numeric):
                    classes.append("clip")
                    inner = f'<div class="cell">{inner}</div>'
                attrs = f' class="{" ".join(classes)}"' if classes else ""
                if numeric:
                    attrs += f' data-sort="{sort}"'
                cells.append(f"<td{attrs}>{inner}</td>")
            tooltip = f' title="{html.escape(chr(10).join(provenance), quote=True)}"' if provenance else ""
            body.append(f"<tr{tooltip}>" + "".join(cells) + "</tr>")
        if not body:
            body.append(f'<tr><td colspan="{len(columns)}" class="empty">{esc(self.msg("table.empty"))}</td></tr>')
        caption = f"<caption>{esc(self.msg(caption_key))}</caption>" if caption_key else ""
        return Html(
            f'<div class="tbl" id="{table_id}">{self._tools(name, True)}'
            f'<div class="tbl-scroll"><table class="data">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div></div>"
        )

    def _tools(self, name: str, filterable: bool) -> str:
        search = (
            f'<input type="search" class="tbl-filter" placeholder="{esc(self.msg("table.filter"))}" '
            f'aria-label="{esc(self.msg("table.filter"))}">'
            if filterable
            else ""
        )
        return (
            f'<div class="tools">{search}<button type="button" class="csv" data-name="{esc(name)}.csv">'
            f"{esc(self.msg('table.download'))}</button></div>"
        )

    # --- charts -------------------------------------------------------------------------------

    def figure(self, fig, data: pd.DataFrame, name: str, height: str = "") -> Html:
        """A plotly chart with its data as a CSV download. The figure is JSON in the page, drawn
        by the page's script (plotly.js and report.js are loaded once by the page): a page holds
        no script of its own, so its Content-Security-Policy runs none."""
        import plotly.io as pio

        div_id = self._next("fig")
        config = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"filename": name}}
        spec = f'{{"figure":{pio.to_json(fig)},"config":{json.dumps(config)}}}'.replace("<", "\\u003c")
        box_height = f"{fig.layout.height}px" if fig.layout.height else height or "100%"
        chart = (
            f'<div style="height:{box_height}; width:100%;"><div id="{div_id}" class="plotly-graph-div" '
            f'style="height:100%; width:100%;"></div><script type="application/json" class="plotly-figure" '
            f'data-for="{div_id}">{spec}</script></div>'
        )
        head = "".join(f"<th>{esc(self.msg.get(f'col.{c}', str(c)))}</th>" for c in data.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(self._datum(v, c))}</td>" for c, v in zip(data.columns, row)) + "</tr>"
            for row in data.astype(object).where(data.notna(), "").itertuples(index=False)
        )
        hidden = f'<table class="chart-data" hidden><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        return Html(f'<div class="chart">{self._tools(name, False)}{chart}{hidden}</div>')

    def _datum(self, value, column: str = ""):
        """A chart's data value for its CSV download in the report's language: yes / no, the
        tables' "no unit", the codes of :data:`CODED_COLUMNS` by their message (a code
        without one as is), the escalation notes (:mod:`analysis.report.notes`)."""
        if isinstance(value, (bool, np.bool_)):
            return self.msg("value.yes" if value else "value.no")
        if value == NO_UNIT:
            return self.msg("chart.no_unit")
        if isinstance(value, str) and value and column in CODED_COLUMNS:
            return self.msg.get(f"{CODED_COLUMNS[column]}.{value}", value)
        if isinstance(value, str) and column == "note":
            return note_in(value, self.msg, self.name)
        return value

    def show_figure(self, fig, data: pd.DataFrame, name: str):
        """Display a chart: plotly's own output in JupyterLab, the page's block in the HTML report."""
        from IPython.display import display

        display(
            {"application/vnd.plotly.v1+json": fig.to_plotly_json(), "text/html": str(self.figure(fig, data, name))},
            raw=True,
        )
