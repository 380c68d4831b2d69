"""Charts and table styles for the notebooks: DataFrame in, plotly figure (or pandas Styler) out.

Every chart has a title, axis labels and hover text (with the source quote where there is one),
and takes its colours from :mod:`analysis.palette`, so a document or a relation looks the same in
every report. :func:`setup` picks a renderer that works both in JupyterLab and in the offline HTML
reports (plotly.js embedded, never loaded from a CDN).
"""
from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis import palette
from analysis.manifest import LEVEL_RANK
from analysis.overview import in_order

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
    pio.templates["workplan"] = template
    pio.templates.default = "workplan"
    pd.set_option("display.max_colwidth", None)


def hover_text(text: str, width: int = _HOVER_WIDTH, max_lines: int = 8) -> str:
    """Wrap a (Chinese) quote into ``<br>``-separated lines for a hover label."""
    if not isinstance(text, str) or not text:
        return ""
    lines = textwrap.wrap(text, width=width, max_lines=max_lines, placeholder=" …")
    return "<br>".join(html.escape(line) for line in lines)


def style_table(frame: pd.DataFrame, wide: tuple[str, ...] = (), precision: int = 2):
    """A Styler that wraps long Chinese text instead of truncating it; ``wide`` columns get room."""
    styler = frame.style.hide(axis="index").format(precision=precision, na_rep="")
    styles = [
        {"selector": "td", "props": "text-align: left; vertical-align: top; white-space: normal; "
                                    "word-break: break-word; max-width: 16em; font-size: 0.9em;"},
        {"selector": "th", "props": "text-align: left; vertical-align: bottom; white-space: nowrap; font-size: 0.9em;"},
    ]
    for column in wide:
        if column in frame.columns:
            index = frame.columns.get_loc(column)
            styles.append({"selector": f"td.col{index}", "props": "min-width: 22em; max-width: 40em;"})
    return styler.set_table_styles(styles)


def document_colours(documents: pd.DataFrame) -> dict[str, str]:
    ordered = in_order(documents)
    return palette.document_colours(zip(ordered["doc_id"], ordered["level"]))


def corpus_map(documents: pd.DataFrame) -> go.Figure:
    """Documents by year (x) and level (y), with their ``previous`` and ``parent`` links as arrows."""
    docs = in_order(documents).reset_index(drop=True)
    levels = [lv for lv in sorted(LEVEL_RANK, key=LEVEL_RANK.get) if lv in set(docs["level"])]
    colours = document_colours(docs)
    # documents sharing a (year, level) cell are spread vertically
    docs["_slot"] = docs.groupby(["year", "level"]).cumcount()
    docs["_y"] = docs["level"].map({lv: -i for i, lv in enumerate(levels)}) - 0.18 * docs["_slot"]
    position = docs.set_index("doc_id")[["year", "_y"]]
    fig = go.Figure()
    for link, head in (("previous", 2), ("parent", 2), ("duplicate_of", 0)):
        for _, row in docs[docs[link].fillna("") != ""].iterrows():
            if row[link] not in position.index:
                continue
            fig.add_annotation(
                x=row["year"], y=row["_y"], ax=position.at[row[link], "year"], ay=position.at[row[link], "_y"],
                xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=head, arrowsize=1.2,
                arrowcolor=palette.OTHER, standoff=14, startstandoff=14,
                hovertext=f"{link}: {row[link]} → {row['doc_id']}",
            )
    copy = docs["duplicate_of"].fillna("") != ""
    fig.add_trace(go.Scatter(
        x=docs["year"], y=docs["_y"], mode="markers+text", text=docs["doc_id"], textposition="top center",
        marker={"size": 18, "color": [colours[d] for d in docs["doc_id"]], "line": {"width": 2, "color": "white"},
                "symbol": ["circle-open" if c else "circle" for c in copy]},
        customdata=docs[["title", "issuer", "n_tasks"]].to_numpy(),
        hovertemplate="<b>%{text}</b><br>%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]} tasks<extra></extra>",
        showlegend=False,
    ))
    fig.update_layout(
        title="The corpus by year and level (arrows: previous year, parent plan; open circle: a damaged copy)",
        xaxis={"title": "year", "dtick": 1},
        yaxis={"title": "level", "tickvals": [-i for i in range(len(levels))], "ticktext": levels},
        height=260 + 90 * len(levels), margin={"t": 70},
    )
    return fig


def tasks_by_part(tasks: pd.DataFrame, documents: pd.DataFrame) -> go.Figure:
    """Stacked bars: each document's tasks, one segment per part (hover: the part's title)."""
    order = list(in_order(documents)["doc_id"])
    counts = (
        tasks.assign(part_title=tasks["part_title"].replace("", "(no part)"))
        .groupby(["doc_id", "part_no", "part_title"], dropna=False).size().rename("tasks").reset_index()
    )
    fig = go.Figure()
    for part_no, group in counts.groupby("part_no", dropna=False, sort=True):
        group = group.set_index("doc_id").reindex(order).dropna(subset=["tasks"])
        fig.add_trace(go.Bar(
            y=group.index, x=group["tasks"], orientation="h", name=f"part {part_no}",
            customdata=group[["part_title"]].to_numpy(),
            hovertemplate="%{y}<br>%{customdata[0]}<br>%{x} tasks<extra></extra>",
        ))
    fig.update_layout(
        barmode="stack", title="Tasks per document, by part", xaxis_title="tasks",
        yaxis={"title": "document", "categoryorder": "array", "categoryarray": order[::-1]},
        legend_title="part", height=220 + 40 * len(order),
    )
    return fig


def unit_load(tasks: pd.DataFrame, column: str = "lead_units", top: int = 15) -> go.Figure:
    """Heatmap of how many tasks each unit leads (rows: units, columns: documents)."""
    units = (
        tasks.assign(unit=tasks[column].str.split(";")).explode("unit")
        .query("unit.notna() and unit != ''", engine="python")
    )
    if units.empty:
        return _empty_figure(f"No {column.replace('_', ' ')} printed in these documents")
    table = units.groupby(["unit", "doc_id"]).size().unstack(fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[:top]]
    fig = go.Figure(go.Heatmap(
        z=table.to_numpy(), x=list(table.columns), y=list(table.index), colorscale=palette.SHARE_SCALE,
        hovertemplate="%{y} in %{x}: %{z} tasks<extra></extra>", colorbar={"title": "tasks"},
    ))
    fig.update_layout(
        title=f"Top {len(table)} {column.replace('_', ' ')} by number of tasks",
        xaxis_title="document", yaxis={"title": "unit", "autorange": "reversed"},
        height=200 + 24 * len(table),
    )
    return fig


def damage_chart(documents: pd.DataFrame) -> go.Figure:
    """Damage events per 1,000 characters and share of damaged tasks, per document."""
    docs = in_order(documents)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=docs["doc_id"], y=docs["damage_per_1k_chars"], name="damage events per 1,000 chars",
        marker_color=palette.DIRECTION_COLOURS["lowered"],
        customdata=docs[["damage_replacement_chars", "damage_html_remnants", "damage_broken_markers"]].to_numpy(),
        hovertemplate="%{x}<br>%{y} events / 1,000 chars<br>replacement chars: %{customdata[0]}"
                      "<br>HTML remnants: %{customdata[1]}<br>broken markers: %{customdata[2]}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=docs["doc_id"], y=docs["damaged_task_share"] * 100, name="damaged tasks (%)", yaxis="y2",
        mode="markers", marker={"size": 14, "symbol": "diamond", "color": palette.OTHER},
        hovertemplate="%{x}<br>%{y:.0f}% of tasks touch damaged text<extra></extra>",
    ))
    fig.update_layout(
        title="Encoding damage per document", xaxis_title="document",
        yaxis_title="damage events per 1,000 characters",
        yaxis2={"title": "damaged tasks (%)", "overlaying": "y", "side": "right", "range": [0, 105]},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def _empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=message, xaxis={"visible": False}, yaxis={"visible": False}, height=200)
    return fig


def _document_label(row) -> str:
    return f"{row['doc_id']}<br>({row['level']} {row['year']})"


def escalation_chain(escalation: pd.DataFrame, indicator_id: str, documents: pd.DataFrame) -> go.Figure:
    """One indicator across documents: values, with arrows along year links (solid) and from the
    parent plan (dotted) labelled with the change; hover shows the source quote."""
    chain = escalation[escalation["indicator_id"] == indicator_id].reset_index(drop=True)
    if chain.empty:
        return _empty_figure(f"{indicator_id}: not in two or more documents")
    colours = document_colours(documents)
    chain["label"] = chain.apply(_document_label, axis=1)
    unit = chain["unit"].iloc[0]
    fig = go.Figure(go.Scatter(
        x=chain["label"], y=chain["value"], mode="markers+text",
        text=[f"{v:g}{u}" for v, u in zip(chain["value"], chain["unit"])], textposition="middle right",
        marker={"size": 20, "color": [colours.get(d, palette.OTHER) for d in chain["doc_id"]]},
        customdata=list(zip(chain["doc_id"], chain["comparator"], chain["deadline"], chain["quote"].map(hover_text))),
        hovertemplate="<b>%{customdata[0]}</b><br>%{y}" + unit + " (%{customdata[1]}) %{customdata[2]}"
                      "<br>%{customdata[3]}<extra></extra>",
        showlegend=False,
    ))
    position = dict(zip(chain["doc_id"], zip(chain["label"], chain["value"])))
    for row in chain.itertuples():
        for link, change_value, dash in ((row.previous_doc, row.change_vs_previous, "solid"),
                                         (row.parent_doc, row.change_vs_parent, "dot")):
            if not link or link not in position:
                continue
            x0, y0 = position[link]
            fig.add_trace(go.Scatter(x=[x0, row.label], y=[y0, row.value], mode="lines", hoverinfo="skip",
                                     line={"color": palette.OTHER, "dash": dash}, showlegend=False))
            change_text = f"{change_value:+g} pp" if row.change_unit == "pp" else f"×{change_value:g}"
            fig.add_annotation(x=row.label, y=row.value, text=change_text, showarrow=False, yshift=22,
                               font={"color": palette.DIRECTION_COLOURS.get(row.vs_parent or row.direction, palette.OTHER)})
    fig.update_layout(
        title=f"{chain['indicator'].iloc[0]} ({indicator_id}) across plans — solid: previous year, dotted: parent plan",
        xaxis={"title": "plan", "type": "category"}, yaxis={"title": f"target ({unit})"}, height=460,
    )
    return fig


def escalation_dots(escalation: pd.DataFrame, documents: pd.DataFrame, change_unit: str = "pp") -> go.Figure:
    """Every indicator (rows) with each plan's target as a dot on one axis (a dumbbell per row)."""
    rows = escalation[escalation["change_unit"] == change_unit]
    if rows.empty:
        return _empty_figure("No indicator of this kind in two or more documents")
    colours = document_colours(documents)
    order = rows.groupby("indicator")["value"].max().sort_values().index.tolist()
    fig = go.Figure()
    for indicator, group in rows.groupby("indicator"):
        fig.add_trace(go.Scatter(x=[group["value"].min(), group["value"].max()], y=[indicator, indicator], mode="lines",
                                 line={"color": "#cccccc", "width": 6}, hoverinfo="skip", showlegend=False))
    for doc_id in in_order(documents)["doc_id"]:
        group = rows[rows["doc_id"] == doc_id]
        if group.empty:
            continue
        fig.add_trace(go.Scatter(
            x=group["value"], y=group["indicator"], mode="markers", name=doc_id,
            marker={"size": 13, "color": colours.get(doc_id, palette.OTHER), "line": {"width": 1, "color": "white"}},
            customdata=list(zip(group["comparator"], group["unit"], group["quote"].map(hover_text))),
            hovertemplate="<b>" + doc_id + "</b><br>%{y}: %{x}%{customdata[1]} (%{customdata[0]})<br>%{customdata[2]}<extra></extra>",
        ))
    counts = change_unit != "pp"
    fig.update_layout(
        title="Targets set by two or more plans: each plan's value" + (" (log scale)" if counts else ""),
        xaxis={"title": "target" if counts else "target (%)", "type": "log" if counts else "linear"},
        yaxis={"title": "indicator", "categoryorder": "array", "categoryarray": order},
        height=200 + 40 * len(order), legend_title="plan",
    )
    return fig
