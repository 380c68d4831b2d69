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

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from analysis.report import palette
from analysis.schema import LEVEL_RANK
from analysis.report.overview import in_order

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
    styles = [
        {"selector": "td", "props": "text-align: left; vertical-align: top; white-space: normal; "
                                    "word-break: normal; overflow-wrap: break-word; max-width: 16em; font-size: 0.9em;"},
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
    colours = {esc(d): c for d, c in document_colours(docs).items()}
    for column in ("doc_id", "previous", "parent", "duplicate_of", "title", "issuer"):
        docs[column] = esc(docs[column])
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
    order = list(esc(in_order(documents)["doc_id"]))
    counts = (
        tasks.assign(doc_id=esc(tasks["doc_id"]), part_title=esc(tasks["part_title"].replace("", "(no part)")))
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
        tasks.assign(unit=tasks[column].str.split(";"), doc_id=esc(tasks["doc_id"])).explode("unit")
        .query("unit.notna() and unit != ''", engine="python")
    )
    units["unit"] = esc(units["unit"])
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
    docs = docs.assign(doc_id=esc(docs["doc_id"]))
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


def _template_literal(text: str) -> str:
    """Text put into a hovertemplate as is: plotly would read ``%{...}`` in it as a placeholder."""
    return text.replace("%{", "%\u200b{")


def _empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=message, xaxis={"visible": False}, yaxis={"visible": False}, height=200)
    return fig


def _document_label(row) -> str:
    return f"{esc(row['doc_id'])}<br>({esc(row['level'])} {row['year']})"


def escalation_chain(escalation: pd.DataFrame, indicator_id: str, documents: pd.DataFrame) -> go.Figure:
    """One indicator across documents: values, with arrows along year links (solid) and from the
    parent plan (dotted) labelled with the change; hover shows the source quote."""
    chain = escalation[escalation["indicator_id"] == indicator_id].reset_index(drop=True)
    if chain.empty:
        return _empty_figure(f"{esc(indicator_id)}: not in two or more documents")
    colours = document_colours(documents)
    chain["label"] = chain.apply(_document_label, axis=1)
    unit = esc(chain["unit"].iloc[0])
    fig = go.Figure(go.Scatter(
        x=chain["label"], y=chain["value"], mode="markers+text",
        text=[f"{v:g}{esc(u)}" for v, u in zip(chain["value"], chain["unit"])], textposition="middle right",
        marker={"size": 20, "color": [colours.get(d, palette.OTHER) for d in chain["doc_id"]]},
        customdata=list(zip(esc(chain["doc_id"]), esc(chain["comparator"]), esc(chain["deadline"]),
                            chain["quote"].map(hover_text))),
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
        title=f"{esc(chain['indicator'].iloc[0])} ({esc(indicator_id)}) across plans — solid: previous year, dotted: parent plan",
        xaxis={"title": "plan", "type": "category"}, yaxis={"title": f"target ({unit})"}, height=460,
    )
    return fig


def escalation_dots(escalation: pd.DataFrame, documents: pd.DataFrame, change_unit: str = "pp") -> go.Figure:
    """Every indicator (rows) with each plan's target as a dot on one axis (a dumbbell per row)."""
    rows = escalation[escalation["change_unit"] == change_unit]
    if rows.empty:
        return _empty_figure("No indicator of this kind in two or more documents")
    colours = document_colours(documents)
    rows = rows.assign(indicator=esc(rows["indicator"]))
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
            x=group["value"], y=group["indicator"], mode="markers", name=esc(doc_id),
            marker={"size": 13, "color": colours.get(doc_id, palette.OTHER), "line": {"width": 1, "color": "white"}},
            customdata=list(zip(esc(group["comparator"]), esc(group["unit"]), group["quote"].map(hover_text))),
            hovertemplate="<b>" + _template_literal(esc(doc_id)) + "</b><br>%{y}: %{x}%{customdata[1]} (%{customdata[0]})<br>%{customdata[2]}<extra></extra>",
        ))
    counts = change_unit != "pp"
    fig.update_layout(
        title="Targets set by two or more plans: each plan's value" + (" (log scale)" if counts else ""),
        xaxis={"title": "target" if counts else "target (%)", "type": "log" if counts else "linear"},
        yaxis={"title": "indicator", "categoryorder": "array", "categoryarray": order},
        height=200 + 40 * len(order), legend_title="plan",
    )
    return fig


def section_sankey(flows: pd.DataFrame, source_doc: str, target_doc: str) -> go.Figure:
    """Sections of one plan flowing into the sections of the other, one unit of width per task link;
    unlinked tasks flow from ``(new)`` or into ``(dropped)`` (``(local)``, ``(not_cascaded)``)."""
    if flows.empty:
        return _empty_figure("No tasks to compare")
    flows = flows.assign(source_section=esc(flows["source_section"]), target_section=esc(flows["target_section"]))
    sources = list(dict.fromkeys(flows["source_section"]))
    targets = list(dict.fromkeys(flows["target_section"]))
    labels = sources + targets
    index_source = {s: i for i, s in enumerate(sources)}
    index_target = {t: len(sources) + i for i, t in enumerate(targets)}
    colour = [palette.RELATION_COLOURS.get(r, palette.OTHER) for r in flows["relation"]]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "pad": 12, "thickness": 14,
              "color": [palette.OTHER if label.startswith("(") else palette.LEVEL_SHADES["province"][0] for label in labels],
              "hovertemplate": "%{label}<br>%{value} task links<extra></extra>"},
        link={"source": flows["source_section"].map(index_source), "target": flows["target_section"].map(index_target),
              "value": flows["links"], "color": [c + "88" for c in colour], "customdata": flows["relation"],
              "hovertemplate": "%{source.label} → %{target.label}<br>%{value} × %{customdata}<extra></extra>"},
    ))
    fig.update_layout(title=f"Sections of {esc(source_doc)} (left) flowing into sections of {esc(target_doc)} (right)",
                      height=max(420, 26 * max(len(sources), len(targets))), font_size=11)
    return fig


def relation_bars(counts: pd.DataFrame) -> go.Figure:
    """Stacked bars per plan: tasks continued (same), in part, new / dropped / local / not cascaded."""
    fig = go.Figure()
    relations = [c for c in counts.columns if c in palette.RELATION_COLOURS]
    for relation in relations:
        fig.add_trace(go.Bar(
            y=esc(counts["doc_id"]) + " (" + counts["side"].map({"source": "earlier / parent", "target": "later / child"}) + ")",
            x=counts[relation], name=relation, orientation="h", marker_color=palette.RELATION_COLOURS[relation],
            hovertemplate="%{y}<br>%{x} tasks " + relation + "<extra></extra>",
        ))
    fig.update_layout(barmode="stack", title="Tasks of each plan by relation", xaxis_title="tasks",
                      yaxis={"title": "plan", "autorange": "reversed"}, height=260, legend_title="relation")
    return fig


def coverage_by_part(coverage: pd.DataFrame, side: str = "source") -> go.Figure:
    """Share of one plan's tasks linked to the other plan, per part (hover: counts)."""
    rows = coverage[(coverage["side"] == side) & (coverage["scope"] == "part")]
    if rows.empty:
        return _empty_figure("No parts to show")
    fig = go.Figure(go.Bar(
        x=rows["share_linked"] * 100, y=esc(rows["group"]), orientation="h",
        marker_color=palette.RELATION_COLOURS["same"],
        customdata=rows[["n_linked", "n_tasks", "n_same", "n_partial"]].to_numpy(),
        hovertemplate="%{y}<br>%{customdata[0]} of %{customdata[1]} tasks taken up "
                      "(%{customdata[2]} same, %{customdata[3]} partial)<extra></extra>",
    ))
    fig.update_layout(title="Share of the plan's tasks taken up, by part", xaxis={"title": "tasks taken up (%)", "range": [0, 105]},
                      yaxis={"title": "part", "autorange": "reversed"}, height=180 + 40 * len(rows))
    return fig


def coverage_heatmap(unit_part: pd.DataFrame) -> go.Figure:
    """Share taken up by lead unit (rows) and part (columns); hover gives the counts."""
    if unit_part.empty:
        return _empty_figure("No lead units printed in this plan")
    unit_part = unit_part.assign(unit=esc(unit_part["unit"]), part_title=esc(unit_part["part_title"]))
    share = unit_part.pivot(index="unit", columns="part_title", values="share")
    linked = unit_part.pivot(index="unit", columns="part_title", values="linked")
    tasks = unit_part.pivot(index="unit", columns="part_title", values="tasks")
    order = tasks.sum(axis=1).sort_values(ascending=False).index
    share, linked, tasks = share.loc[order], linked.loc[order], tasks.loc[order]
    text = [[("" if pd.isna(t) else f"{int(n)}/{int(t)}") for n, t in zip(nr, tr)]
            for nr, tr in zip(linked.to_numpy(), tasks.to_numpy())]
    fig = go.Figure(go.Heatmap(
        z=share.to_numpy() * 100, x=list(share.columns), y=list(share.index), text=text, texttemplate="%{text}",
        colorscale=palette.SHARE_SCALE, zmin=0, zmax=100, colorbar={"title": "% taken up"},
        hovertemplate="%{y} · %{x}<br>%{text} tasks taken up (%{z:.0f}%)<extra></extra>",
    ))
    fig.update_layout(title="Tasks taken up, by the parent plan's lead unit and part", xaxis_title="part",
                      yaxis={"title": "lead unit", "autorange": "reversed"}, height=220 + 22 * len(order))
    return fig


def f1_bars(summary: pd.DataFrame) -> go.Figure:
    """F1 of the model and the naive baseline per comparison and gold (hover: P, R, label accuracy)."""
    rows = summary.assign(label=esc(summary["comparison"]) + "<br>(" + esc(summary["gold"]) + ")",
                          series=summary["method"] + " · " + summary["setting"])
    fig = go.Figure()
    colours = {"model": palette.RELATION_COLOURS["same"], "baseline": palette.OTHER}
    for (method, setting), group in rows.groupby(["method", "setting"], sort=False):
        fig.add_trace(go.Bar(
            x=group["label"], y=group["f1"], name=f"{method} · {setting}",
            marker={"color": colours.get(method, palette.OTHER), "opacity": 1.0 if "cross" not in setting else 0.6,
                    "pattern": {"shape": "/" if "cross" in setting else ""}},
            customdata=group[["precision", "recall", "label_accuracy", "n_gold"]].to_numpy(),
            hovertemplate="%{x}<br>F1 %{y:.3f}<br>precision %{customdata[0]:.3f}, recall %{customdata[1]:.3f}"
                          "<br>label accuracy %{customdata[2]:.3f}<br>%{customdata[3]} gold links<extra></extra>",
        ))
    fig.add_hline(y=0.9, line_dash="dot", line_color=palette.DIRECTION_COLOURS["lowered"],
                  annotation_text="goal 0.90", annotation_position="top left")
    fig.update_layout(barmode="group", title="Alignment F1 (same + partial links): model and naive baseline",
                      xaxis_title="comparison (gold)", yaxis={"title": "F1", "range": [0, 1.05]}, legend_title="method")
    return fig


def threshold_sensitivity(sensitivity: pd.DataFrame) -> go.Figure:
    """F1 (and precision, recall) as each decision threshold moves, the others fixed; the chosen
    value marked."""
    from plotly.subplots import make_subplots

    names = list(dict.fromkeys(sensitivity["threshold"]))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=True)
    for col, name in enumerate(names, start=1):
        rows = sensitivity[sensitivity["threshold"] == name]
        for metric, colour, dash in (("f1", palette.RELATION_COLOURS["same"], "solid"),
                                     ("precision", palette.RELATION_COLOURS["partial"], "dot"),
                                     ("recall", palette.RELATION_COLOURS["not_cascaded"], "dot")):
            fig.add_trace(go.Scatter(x=rows["value"], y=rows[metric], name=metric, mode="lines+markers",
                                     line={"color": colour, "dash": dash}, showlegend=col == 1, legendgroup=metric,
                                     hovertemplate=f"{name} = %{{x}}<br>{metric} %{{y:.3f}}<extra></extra>"), row=1, col=col)
        chosen = rows[rows["selected"]]
        fig.add_trace(go.Scatter(x=chosen["value"], y=chosen["f1"], mode="markers", name="chosen", showlegend=col == 1,
                                 marker={"size": 14, "symbol": "star", "color": palette.DIRECTION_COLOURS["lowered"]},
                                 hovertemplate=f"chosen {name} = %{{x}}<br>F1 %{{y:.3f}}<extra></extra>"), row=1, col=col)
        fig.update_xaxes(title_text="threshold value", row=1, col=col)
    fig.update_yaxes(title_text="score", range=[0, 1.05], row=1, col=1)
    fig.update_layout(title="Sensitivity of the development-gold scores to each threshold", height=420)
    return fig
