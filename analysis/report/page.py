"""HTML blocks of a report, in the report's language: headings, findings, tables for people and
charts with their data (the side-by-side reading of two plans: :mod:`analysis.report.reading`).

The notebooks show nothing but these blocks; every visible word comes from the message
catalogue (:mod:`analysis.report.i18n`). Document text is escaped before it reaches HTML.
Element ids are fixed (``fig-3``, ``tbl-2``, ``sec-coverage``) so that a rebuild
gives the same page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

from analysis.report.i18n import Messages, plan_names

CLIP_CHARS = 80


def esc(text) -> str:
    return html.escape("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text), quote=True)


class Html(str):
    """Text already HTML (shown as is by Jupyter and by :meth:`Report.table`)."""

    def _repr_html_(self) -> str:
        return str(self)


@dataclass
class Column:
    """A table column: the frame's column, its header's catalogue key, how to show its values."""

    name: str
    header: str
    kind: str = "text"  # text, int, ratio, share, points, value, id, html
    clip: bool = False


@dataclass
class Report:
    """One report's blocks: numbered ids, the language, the plans' display names."""

    lang: str = "zh"
    documents: pd.DataFrame | None = None
    msg: Messages = field(init=False)
    names: dict[str, str] = field(init=False)
    _counter: dict[str, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.msg = Messages(self.lang)
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
        return Html(f'<p class="lead-in">{esc(self.msg(key, **values))}</p>')

    def findings(self, sentences: list[str]) -> Html:
        items = "".join(f"<li>{esc(s)}</li>" for s in sentences if s)
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
        text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        return esc(text), esc(text)

    def table(self, frame: pd.DataFrame, columns: list[Column], name: str, caption_key: str = "") -> Html:
        """A table for people: sortable (click a header), filterable, long cells clipped (click to
        open), downloadable as CSV; numbers formatted by kind."""
        table_id = self._next("tbl")
        head = "".join(
            f'<th data-kind="{c.kind}" title="{esc(self.msg("table.sort_hint"))}">{esc(self.msg(c.header))}</th>'
            for c in columns
        )
        body = []
        for row in frame.to_dict("records"):
            cells = []
            for column in columns:
                inner, sort = self.cell(row.get(column.name), column, row)
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
            body.append("<tr>" + "".join(cells) + "</tr>")
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
        """A plotly chart (plotly.js is loaded once by the page) with its data as a CSV download."""
        div_id = self._next("fig")
        chart = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            div_id=div_id,
            default_height=height or "100%",
            config={"displaylogo": False, "responsive": True, "toImageButtonOptions": {"filename": name}},
        )
        head = "".join(f"<th>{esc(c)}</th>" for c in data.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
            for row in data.astype(object).where(data.notna(), "").itertuples(index=False)
        )
        hidden = f'<table class="chart-data" hidden><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        return Html(f'<div class="chart">{self._tools(name, False)}{chart}{hidden}</div>')

    def show_figure(self, fig, data: pd.DataFrame, name: str):
        """Display a chart: plotly's own output in JupyterLab, the page's block in the HTML report."""
        from IPython.display import display

        display(
            {"application/vnd.plotly.v1+json": fig.to_plotly_json(), "text/html": str(self.figure(fig, data, name))},
            raw=True,
        )
