"""Charts and table styles for the notebooks: DataFrame in, plotly figure (or pandas Styler) out.

Every chart has a title, axis labels and hover text (with the source quote where there is one),
and takes its colours from :mod:`analysis.palette`, so a document or a relation looks the same in
every report. :func:`setup` picks a renderer that works both in JupyterLab and in the offline HTML
reports (plotly.js embedded, never loaded from a CDN).

Text from a document or the manifest (titles, task text, unit names, quotes, doc ids) is
escaped wherever it reaches HTML: plotly reads ``<b>``, ``<br>`` and ``<a href>`` in labels and
hover text as markup, and a Styler writes its cells as raw HTML. :func:`esc` (plotly) and
:func:`style_table` (tables) do it; a plan saying ``<script>`` shows ``<script>``.
"""

from __future__ import annotations

import html
import textwrap
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis.report import palette
from analysis.report.glossary import chart_heading, chart_unit
from analysis.report.i18n import Messages
from analysis.report.overview import in_order
from analysis.report.views import escalation_change
from analysis.schema import LEVEL_RANK
from analysis.text.numerals import chinese_number, to_chinese

if TYPE_CHECKING:
    from pandas.io.formats.style_render import CSSDict

# `plotly_mimetype` for JupyterLab, `notebook` (plotly.js embedded in the output) for nbconvert:
# the HTML export keeps the text/html copy, which renders offline.
RENDERER = "plotly_mimetype+notebook"
_HOVER_WIDTH = 40


def setup() -> None:
    """Set the renderer and a template with a font that has Chinese glyphs."""
    pio.renderers.default = RENDERER
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.font.family = palette.FONT_FAMILY
    template.layout.hoverlabel.font.family = palette.FONT_FAMILY
    template.layout.legend.font.size = 12
    template.layout.margin = {"l": 10, "r": 10, "t": 80, "b": 60}
    template.layout.title.font.size = 15
    template.layout.xaxis.automargin = True
    template.layout.yaxis.automargin = True
    pio.templates["workplan"] = template
    pio.templates.default = "workplan"
    pd.set_option("display.max_colwidth", None)


def esc(value):
    """Text from a document as plotly shows it literally: ``&``, ``<`` and ``>`` as entities.

    plotly turns ``&lt;`` back into ``<`` on screen but knows no ``&quot;``, so quotes stay as
    they are (plotly builds SVG nodes, not HTML source: a quote cannot end an attribute). A
    Series is escaped element-wise; anything not a string is returned unchanged.
    """
    if isinstance(value, pd.Series):
        return value.map(esc)
    if isinstance(value, pd.Index):
        return value.map(esc)
    return html.escape(value, quote=False) if isinstance(value, str) else value


def hover_text(text: str, width: int = _HOVER_WIDTH, max_lines: int = 8) -> str:
    """Wrap a (Chinese) quote into ``<br>``-separated lines for a hover label (each line escaped)."""
    if not isinstance(text, str) or not text:
        return ""
    lines = textwrap.wrap(text, width=width, max_lines=max_lines, placeholder=" …")
    return "<br>".join(esc(line) for line in lines)


def style_table(frame: pd.DataFrame, wide: tuple[str, ...] = (), precision: int = 2, index: bool = False):
    """A Styler that wraps long Chinese text instead of truncating it; ``wide`` columns get room.

    Chinese wraps between characters; identifiers (doc ids, task ids) stay whole unless a cell
    would overflow. Cells, column names and the index are HTML-escaped (a Styler writes raw HTML).
    """
    styler = frame.style.format(precision=precision, na_rep="", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if not index:
        styler = styler.hide(axis="index")
    styles: list[CSSDict] = [
        {
            "selector": "td",
            "props": "text-align: left; vertical-align: top; white-space: normal; "
            "word-break: normal; overflow-wrap: break-word; max-width: 16em; font-size: 0.9em;",
        },
        {"selector": "th", "props": "text-align: left; vertical-align: bottom; white-space: nowrap; font-size: 0.9em;"},
    ]
    for column in wide:
        if column in frame.columns:
            position = frame.columns.get_loc(column)
            styles.append({"selector": f"td.col{position}", "props": "min-width: 22em; max-width: 40em;"})
    return styler.set_table_styles(styles)


def document_colours(documents: pd.DataFrame) -> dict[str, str]:
    return {doc_id: palette.plan_colour(doc_id) for doc_id in documents["doc_id"]}


def report_context(report):
    """(messages, display name of a doc id) of a :class:`analysis.report.page.Report`, or Chinese
    defaults with the ids as names."""
    if report is None:
        msg = Messages("zh")
        return msg, lambda doc_id: str(doc_id)
    return report.msg, report.name


def part_rank(title: str) -> float:
    """A part's position from its numeral (一、 → 1): parts in document order, not text order."""
    import re

    found = re.match(r"\s*([一二三四五六七八九十百零〇]+)", str(title or ""))
    value = chinese_number(found.group(1)) if found else None
    return float(value) if value is not None else float("inf")


def legend_at_bottom(fig: go.Figure, rows: int = 1) -> None:
    """A horizontal legend between the title and the plot, entries in trace order, with room for
    every entry (never clipped, never over an axis title)."""
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left", "traceorder": "normal"},
        margin={"t": 90 + 24 * rows},
        title={"y": 0.98, "yanchor": "top"},
    )


def corpus_map(documents: pd.DataFrame, report=None) -> go.Figure:
    """Documents by year (x) and level (y), with their ``previous`` and ``parent`` links as arrows."""
    msg, name = report_context(report)
    docs = in_order(documents).reset_index(drop=True)
    levels = [lv for lv in sorted(LEVEL_RANK, key=lambda lv: LEVEL_RANK[lv]) if lv in set(docs["level"])]
    colours = document_colours(docs)
    docs["_name"] = [esc(name(d)) for d in docs["doc_id"]]
    docs["_slot"] = docs.groupby(["year", "level"]).cumcount()
    docs["_y"] = docs["level"].map({lv: -i for i, lv in enumerate(levels)}) - 0.22 * docs["_slot"]
    position = docs.set_index("doc_id")[["year", "_y"]]
    fig = go.Figure()
    for link, head in (("previous", 2), ("parent", 2), ("duplicate_of", 0)):
        for _, row in docs[docs[link].fillna("") != ""].iterrows():
            if row[link] not in position.index:
                continue
            fig.add_annotation(
                x=row["year"],
                y=row["_y"],
                ax=position.at[row[link], "year"],
                ay=position.at[row[link], "_y"],
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=head,
                arrowsize=1.2,
                arrowcolor=palette.OTHER,
                standoff=14,
                startstandoff=14,
                hovertext=esc(msg(f"corpus.link_{link}", source=name(row[link]), target=name(row["doc_id"]))),
            )
    copy = docs["duplicate_of"].fillna("") != ""
    fig.add_trace(
        go.Scatter(
            x=docs["year"],
            y=docs["_y"],
            mode="markers+text",
            text=docs["_name"],
            textposition="top center",
            marker={
                "size": 18,
                "color": [colours[d] for d in docs["doc_id"]],
                "line": {"width": 2, "color": "white"},
                "symbol": ["circle-open" if c else "circle" for c in copy],
            },
            customdata=list(zip(esc(docs["title"]), esc(docs["issuer"]), docs["n_tasks"])),
            hovertemplate="<b>%{text}</b><br>%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]} "
            + esc(msg("unit.tasks"))
            + "<extra></extra>",
            showlegend=False,
        )
    )
    years = sorted(docs["year"].unique())
    fig.update_layout(
        title=esc(msg("chart.corpus_map")),
        xaxis={
            "title": esc(msg("axis.year")),
            "tickvals": years,
            "ticktext": [str(y) for y in years],
            "range": [min(years) - 0.6, max(years) + 0.6],
        },
        yaxis={
            "title": esc(msg("axis.level")),
            "tickvals": [-i for i in range(len(levels))],
            "ticktext": [esc(msg(f"level.{lv}")) for lv in levels],
            "range": [-len(levels) + 0.4, 0.6],
        },
        height=260 + 110 * len(levels),
    )
    return fig


def tasks_by_part(tasks: pd.DataFrame, documents: pd.DataFrame, report=None) -> go.Figure:
    """Stacked bars: each document's tasks, one segment per part in document order, values shown."""
    msg, name = report_context(report)
    ordered = list(in_order(documents)["doc_id"])
    labels = {d: esc(name(d)) for d in ordered}
    counts = (
        tasks.assign(part_title=tasks["part_title"].replace("", msg("chart.no_part")))
        .groupby(["doc_id", "part_no", "part_title"], dropna=False)
        .size()
        .rename("tasks")
        .reset_index()
    )
    fig = go.Figure()
    for part_no in sorted(counts["part_no"].dropna().unique()):
        group = counts[counts["part_no"] == part_no].set_index("doc_id").reindex(ordered).dropna(subset=["tasks"])
        fig.add_trace(
            go.Bar(
                y=[labels[d] for d in group.index],
                x=group["tasks"],
                orientation="h",
                name=esc(msg("legend.part", numeral=to_chinese(int(part_no)), no=int(part_no))),
                text=group["tasks"].astype(int),
                textposition="inside",
                insidetextanchor="middle",
                customdata=esc(group["part_title"].map(lambda t: chart_heading(t, msg.lang))).to_numpy().reshape(-1, 1),
                hovertemplate="%{y}<br>%{customdata[0]}<br>%{x} " + esc(msg("unit.tasks")) + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title=esc(msg("chart.tasks_by_part")),
        xaxis_title=esc(msg("axis.tasks")),
        yaxis={"title": "", "categoryorder": "array", "categoryarray": [labels[d] for d in ordered][::-1]},
        legend_title=esc(msg("legend.part_title")),
        legend_traceorder="normal",
        height=260 + 50 * len(ordered),
    )
    legend_at_bottom(fig)
    return fig


def unit_load(tasks: pd.DataFrame, column: str = "lead_units", top: int = 15, report=None) -> go.Figure:
    """Heatmap of how many tasks each unit leads (rows: units, columns: documents), counts shown."""
    msg, name = report_context(report)
    units = (
        tasks.assign(unit=tasks[column].str.split(";"))
        .explode("unit")
        .query("unit.notna() and unit != ''", engine="python")
    )
    if units.empty:
        return empty_figure(esc(msg(f"chart.no_{column}")))
    units = units.assign(
        unit=esc(units["unit"].map(lambda u: chart_unit(u, msg.lang))), doc=[esc(name(d)) for d in units["doc_id"]]
    )
    table = units.groupby(["unit", "doc"]).size().unstack(fill_value=0)
    order = list(dict.fromkeys(esc(name(d)) for d in tasks["doc_id"]))
    table = table[[c for c in order if c in table.columns]]
    table = table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index[:top]]
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=list(table.columns),
            y=list(table.index),
            colorscale=palette.SHARE_SCALE,
            text=table.to_numpy(),
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{z} " + esc(msg("unit.tasks")) + "<extra></extra>",
            colorbar={"title": esc(msg("axis.tasks"))},
        )
    )
    fig.update_layout(
        title=esc(msg(f"chart.unit_load_{column}", n=len(table))),
        xaxis_title="",
        yaxis={"title": "", "autorange": "reversed"},
        height=220 + 26 * len(table),
    )
    return fig


def damage_chart(documents: pd.DataFrame, report=None) -> go.Figure:
    """Damage events per 1,000 characters and share of damaged tasks, per document, values shown."""
    msg, name = report_context(report)
    docs = in_order(documents)
    labels = [esc(name(d)) for d in docs["doc_id"]]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=docs["damage_per_1k_chars"],
            name=esc(msg("legend.damage_per_1k")),
            marker_color=palette.DIRECTION_COLOURS["lowered"],
            text=[f"{v:.2f}" for v in docs["damage_per_1k_chars"]],
            textposition="outside",
            customdata=docs[["damage_replacement_chars", "damage_html_remnants", "damage_broken_markers"]].to_numpy(),
            hovertemplate="%{x}<br>%{y:.2f}<br>"
            + esc(msg("damage.replacement"))
            + " %{customdata[0]}<br>"
            + esc(msg("damage.html"))
            + " %{customdata[1]}<br>"
            + esc(msg("damage.markers"))
            + " %{customdata[2]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=docs["damaged_task_share"] * 100,
            name=esc(msg("legend.damaged_tasks")),
            yaxis="y2",
            mode="markers+text",
            text=[f"{v * 100:.0f}%" for v in docs["damaged_task_share"]],
            textposition="middle right",
            marker={"size": 14, "symbol": "diamond", "color": palette.OTHER},
            hovertemplate="%{x}<br>%{y:.0f}%<extra></extra>",
        )
    )
    top = float(docs["damage_per_1k_chars"].max() or 1)
    fig.update_layout(
        title=esc(msg("chart.damage")),
        xaxis_title="",
        yaxis={"title": esc(msg("axis.damage_per_1k")), "range": [0, top * 1.25]},
        yaxis2={"title": esc(msg("axis.damaged_tasks")), "overlaying": "y", "side": "right", "range": [0, 105]},
    )
    legend_at_bottom(fig)
    return fig


def _template_literal(text: str) -> str:
    """Text put into a hovertemplate as is: plotly would read ``%{...}`` in it as a placeholder."""
    return text.replace("%{", "%\u200b{")


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=message, xaxis={"visible": False}, yaxis={"visible": False}, height=200)
    return fig


def escalation_chain(escalation: pd.DataFrame, indicator_id: str, documents: pd.DataFrame, report=None) -> go.Figure:
    """One indicator across documents: values, with lines along year links (solid) and from the
    parent plan (dotted) labelled with the change; hover shows the source quote."""
    msg, name = report_context(report)
    chain = escalation[escalation["indicator_id"] == indicator_id].reset_index(drop=True)
    if chain.empty:
        return empty_figure(esc(msg("chart.no_chain")))
    colours = document_colours(documents)
    chain["label"] = [esc(name(d)) for d in chain["doc_id"]]
    unit = esc(chain["unit"].iloc[0])
    fig = go.Figure(
        go.Scatter(
            x=chain["label"],
            y=chain["value"],
            mode="markers+text",
            text=[esc(msg.value(v, u)) for v, u in zip(chain["value"], chain["unit"])],
            textposition="middle right",
            marker={"size": 20, "color": [colours.get(d, palette.OTHER) for d in chain["doc_id"]]},
            customdata=list(zip(esc(chain["comparator"]), esc(chain["deadline"]), chain["quote"].map(hover_text))),
            hovertemplate="<b>%{x}</b><br>%{y}" + _template_literal(unit) + " (%{customdata[0]}) %{customdata[1]}"
            "<br>%{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    position = dict(zip(chain["doc_id"], zip(chain["label"], chain["value"])))
    for row in chain.to_dict(orient="records"):
        for link, against, dash in ((row["previous_doc"], "previous", "solid"), (row["parent_doc"], "parent", "dot")):
            change_text = escalation_change(row, against, msg)
            if not link or link not in position or not change_text:
                continue
            x0, y0 = position[link]
            fig.add_trace(
                go.Scatter(
                    x=[x0, row["label"]],
                    y=[y0, row["value"]],
                    mode="lines",
                    hoverinfo="skip",
                    line={"color": palette.OTHER, "dash": dash},
                    showlegend=False,
                )
            )
            verdict = str(row["vs_parent"] or row["direction"])
            fig.add_annotation(
                x=row["label"],
                y=row["value"],
                text=esc(change_text),
                showarrow=False,
                yshift=22,
                font={"color": palette.DIRECTION_COLOURS.get(verdict, palette.OTHER)},
            )
    fig.update_layout(
        title=esc(msg("chart.chain", indicator=chain["indicator_name"].iloc[0])),
        xaxis={"title": "", "type": "category"},
        yaxis={"title": esc(msg("axis.target", unit=chain["unit"].iloc[0]))},
        height=460,
    )
    return fig


def escalation_dots(
    escalation: pd.DataFrame, documents: pd.DataFrame, change_unit: str = "pp", report=None
) -> go.Figure:
    """Every indicator (rows) with each plan's target as a dot on one axis (a dumbbell per row)."""
    msg, name = report_context(report)
    rows = escalation[escalation["change_unit"] == change_unit]
    if rows.empty:
        return empty_figure(esc(msg("chart.no_indicator")))
    colours = document_colours(documents)
    rows = rows.assign(indicator=esc(rows["indicator_name"]))
    order = rows.groupby("indicator")["value"].max().sort_values().index.tolist()
    fig = go.Figure()
    for indicator, group in rows.groupby("indicator"):
        fig.add_trace(
            go.Scatter(
                x=[group["value"].min(), group["value"].max()],
                y=[indicator, indicator],
                mode="lines",
                line={"color": "#cccccc", "width": 6},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for doc_id in in_order(documents)["doc_id"]:
        group = rows[rows["doc_id"] == doc_id]
        if group.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=group["value"],
                y=group["indicator"],
                mode="markers",
                name=esc(name(doc_id)),
                marker={
                    "size": 13,
                    "color": colours.get(doc_id, palette.OTHER),
                    "line": {"width": 1, "color": "white"},
                },
                customdata=list(zip(esc(group["comparator"]), esc(group["unit"]), group["quote"].map(hover_text))),
                hovertemplate="<b>"
                + _template_literal(esc(name(doc_id)))
                + "</b><br>%{y}: %{x}%{customdata[1]} (%{customdata[0]})<br>%{customdata[2]}<extra></extra>",
            )
        )
    counts = change_unit != "pp"
    fig.update_layout(
        title=esc(msg("chart.dots_counts" if counts else "chart.dots_rates")),
        xaxis={
            "title": esc(msg("axis.target_count" if counts else "axis.target_rate")),
            "type": "log" if counts else "linear",
            **({"dtick": 1} if counts else {}),
        },
        yaxis={"title": "", "categoryorder": "array", "categoryarray": order},
        height=260 + 34 * len(order),
        legend_title=esc(msg("legend.plan")),
    )
    legend_at_bottom(fig)
    return fig
