"""Charts of one comparison and of the method report: sections flowing into sections, relations,
coverage by part and lead unit, F1 against the gold, its sensitivity to the thresholds and the
reliability of the link confidence.
Shared helpers (escaping, colours, part order, legends) are :mod:`analysis.report.plots`'."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from analysis.align.coverage import NO_UNIT
from analysis.report import palette
from analysis.report.glossary import chart_heading, chart_unit

if TYPE_CHECKING:
    pass

# `plotly_mimetype` for JupyterLab, `notebook` (plotly.js embedded in the output) for nbconvert:
# the HTML export keeps the text/html copy, which renders offline.
from analysis.report.plots import empty_figure, esc, legend_at_bottom, part_rank, report_context


def section_sankey(flows: pd.DataFrame, source_doc: str, target_doc: str, report=None) -> go.Figure:
    """Sections of one plan flowing into the sections of the other, one unit of width per task link;
    unlinked tasks flow from or into a grey node named after their relation."""
    msg, name = report_context(report)
    if flows.empty:
        return empty_figure(esc(msg("chart.no_tasks")))

    pseudo = {f"({r})" for r in flows["relation"]}

    def label(section: str) -> str:
        if section in pseudo:
            return "〔" + msg.relation(section[1:-1]) + "〕"
        section = chart_heading(section, msg.lang)
        limit = 18 if msg.lang == "zh" else 40
        return section if len(section) <= limit else section[: limit - 1] + "…"

    flows = flows.assign(
        source_section=flows["source_section"].map(label), target_section=flows["target_section"].map(label)
    )
    flows = flows.assign(source_section=esc(flows["source_section"]), target_section=esc(flows["target_section"]))
    sources = list(dict.fromkeys(flows["source_section"]))
    targets = list(dict.fromkeys(flows["target_section"]))
    labels = sources + targets
    index_source = {s: i for i, s in enumerate(sources)}
    index_target = {t: len(sources) + i for i, t in enumerate(targets)}
    colour = [palette.RELATION_COLOURS.get(r, palette.OTHER) for r in flows["relation"]]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            textfont={"size": 12, "color": "#222"},
            node={
                "label": labels,
                "pad": 14,
                "thickness": 16,
                "color": [
                    palette.OTHER
                    if lab.startswith("〔")
                    else palette.plan_colour(source_doc if i < len(sources) else target_doc)
                    for i, lab in enumerate(labels)
                ],
                "hovertemplate": "%{label}<br>%{value}<extra></extra>",
            },
            link={
                "source": flows["source_section"].map(index_source),
                "target": flows["target_section"].map(index_target),
                "value": flows["links"],
                "color": [c + "88" for c in colour],
                "customdata": [esc(msg.relation(r)) for r in flows["relation"]],
                "hovertemplate": "%{source.label} → %{target.label}<br>%{value} × %{customdata}<extra></extra>",
            },
        )
    )
    fig.update_layout(
        title=esc(msg("chart.sankey", source=name(source_doc), target=name(target_doc))),
        height=max(480, 30 * max(len(sources), len(targets))),
        font_size=12,
        margin={"l": 10, "r": 10, "t": 70, "b": 20},
    )
    return fig


def relation_bars(counts: pd.DataFrame, report=None) -> go.Figure:
    """Stacked bars per plan: tasks continued (same), in part, new / dropped / local / not cascaded."""
    msg, name = report_context(report)
    fig = go.Figure()
    relations = [c for c in counts.columns if c in palette.RELATION_COLOURS]
    labels = [esc(name(d)) for d in counts["doc_id"]]
    for relation in relations:
        fig.add_trace(
            go.Bar(
                y=labels,
                x=counts[relation],
                name=esc(msg.relation(relation)),
                orientation="h",
                marker_color=palette.RELATION_COLOURS[relation],
                text=[str(int(v)) if v else "" for v in counts[relation]],
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate="%{y}<br>%{x} "
                + esc(msg("unit.tasks"))
                + " · "
                + esc(msg.relation(relation))
                + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title=esc(msg("chart.relations")),
        xaxis_title=esc(msg("axis.tasks")),
        yaxis={"title": "", "autorange": "reversed"},
        height=360,
        legend_title=esc(msg("legend.relation")),
    )
    legend_at_bottom(fig)
    return fig


def coverage_by_part(coverage: pd.DataFrame, side: str = "source", report=None) -> go.Figure:
    """Share of one plan's tasks linked to the other plan, per part in document order, values shown."""
    msg, _ = report_context(report)
    rows = coverage[(coverage["side"] == side) & (coverage["scope"] == "part")]
    if rows.empty:
        return empty_figure(esc(msg("chart.no_parts")))
    rows = rows.assign(_rank=rows["group"].map(part_rank)).sort_values("_rank", kind="stable")
    fig = go.Figure(
        go.Bar(
            x=rows["share_linked"] * 100,
            y=esc(rows["group"].map(lambda g: chart_heading(g, msg.lang))),
            orientation="h",
            marker_color=palette.RELATION_COLOURS["same"],
            text=[
                f"{s * 100:.0f}% ({int(n)}/{int(t)})"
                for s, n, t in zip(rows["share_linked"], rows["n_linked"], rows["n_tasks"])
            ],
            textposition="outside",
            customdata=rows[["n_linked", "n_tasks", "n_same", "n_partial"]].to_numpy(),
            hovertemplate="%{y}<br>%{customdata[0]} / %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_layout(
        title=esc(msg("chart.coverage_by_part")),
        xaxis={"title": esc(msg("axis.share_taken_up")), "range": [0, 125]},
        yaxis={"title": "", "autorange": "reversed"},
        height=200 + 44 * len(rows),
    )
    return fig


def coverage_heatmap(unit_part: pd.DataFrame, report=None) -> go.Figure:
    """Share taken up by lead unit (rows) and part (columns, in document order); cells give counts."""
    msg, _ = report_context(report)
    if unit_part.empty:
        return empty_figure(esc(msg("chart.no_lead_units")))
    unit_part = unit_part.assign(unit=esc(unit_part["unit"]), part_title=esc(unit_part["part_title"]))
    share = unit_part.pivot(index="unit", columns="part_title", values="share")
    linked = unit_part.pivot(index="unit", columns="part_title", values="linked")
    tasks = unit_part.pivot(index="unit", columns="part_title", values="tasks")
    parts = sorted(share.columns, key=part_rank)
    order = tasks.sum(axis=1).sort_values(ascending=False).index
    share, linked, tasks = share.loc[order, parts], linked.loc[order, parts], tasks.loc[order, parts]
    units = [msg("chart.no_unit") if u == NO_UNIT else chart_unit(u, msg.lang) for u in share.index]
    text = [
        [("" if pd.isna(t) else f"{int(n)}/{int(t)}") for n, t in zip(nr, tr)]
        for nr, tr in zip(linked.to_numpy(), tasks.to_numpy())
    ]
    fig = go.Figure(
        go.Heatmap(
            z=share.to_numpy() * 100,
            x=[chart_heading(p, msg.lang) for p in share.columns],
            y=units,
            text=text,
            texttemplate="%{text}",
            colorscale=palette.SHARE_SCALE,
            zmin=0,
            zmax=100,
            colorbar={"title": "%"},
            hovertemplate="%{y} · %{x}<br>%{text} (%{z:.0f}%)<extra></extra>",
        )
    )
    fig.update_layout(
        title=esc(msg("chart.coverage_heatmap")),
        xaxis_title="",
        yaxis={"title": "", "autorange": "reversed"},
        height=240 + 24 * len(order),
    )
    return fig


def f1_bars(summary: pd.DataFrame, report=None, title: str = "chart.f1") -> go.Figure:
    """F1 of the model and a baseline per comparison and gold, values shown (``title``: the
    catalogue key of the chart's title)."""
    msg, _ = report_context(report)
    gold = [msg.get(f"label.{g}", str(g)) for g in summary["gold"]]
    rows = summary.assign(label=esc(summary["comparison"]) + "<br>(" + esc(pd.Series(gold, index=summary.index)) + ")")
    fig = go.Figure()
    # every legend entry its own colour: the model's settings in blues, the baseline's in greys and orange
    shades = {"model": ("#0072B2", "#56B4E9", "#1f3b73"), "baseline": ("#999999", "#E69F00", "#4d4d4d")}
    used: dict[str, int] = {}
    for (method_key, setting_key), group in rows.groupby(["method", "setting"], sort=False):
        method, setting = str(method_key), str(setting_key)
        family = shades.get(method, palette.PLAN_COLOURS)
        colour = family[used.get(method, 0) % len(family)]
        used[method] = used.get(method, 0) + 1
        fig.add_trace(
            go.Bar(
                x=group["label"],
                y=group["f1"],
                name=esc(msg.get(f"method.{method}", method) + " · " + msg.get(f"setting.{setting}", setting)),
                text=[f"{v:.2f}" for v in group["f1"]],
                textposition="outside",
                marker={
                    "color": colour,
                    "pattern": {"shape": "/" if "cross" in setting else ""},
                },
                customdata=group[["precision", "recall", "label_accuracy", "n_gold"]].to_numpy(),
                hovertemplate="%{x}<br>F1 %{y:.2f}<br>P %{customdata[0]:.2f}, R %{customdata[1]:.2f}"
                "<br>%{customdata[2]:.2f}<br>%{customdata[3]}<extra></extra>",
            )
        )
    fig.add_hline(
        y=0.9,
        line_dash="dot",
        line_color=palette.DIRECTION_COLOURS["lowered"],
        annotation_text=esc(msg("chart.goal")),
        annotation_position="right",  # beside the plot, clear of the bars' values
    )
    fig.update_layout(
        margin_r=90,
        barmode="group",
        title=esc(msg(title)),
        xaxis_title="",
        yaxis={"title": "F1", "range": [0, 1.12]},
        legend_title=esc(msg("legend.method")),
        height=480,
    )
    legend_at_bottom(fig, 2)
    return fig


def threshold_sensitivity(sensitivity: pd.DataFrame, report=None) -> go.Figure:
    """F1 (and precision, recall) as each decision threshold moves, the others fixed; the chosen
    value marked."""
    from plotly.subplots import make_subplots

    msg, _ = report_context(report)
    names = list(dict.fromkeys(sensitivity["threshold"]))
    fig = make_subplots(
        rows=1, cols=len(names), subplot_titles=[esc(msg.get(f"threshold.{n}", n)) for n in names], shared_yaxes=True
    )
    for col, name in enumerate(names, start=1):
        rows = sensitivity[sensitivity["threshold"] == name]
        for metric, colour, dash in (
            ("f1", palette.RELATION_COLOURS["same"], "solid"),
            ("precision", palette.RELATION_COLOURS["partial"], "dot"),
            ("recall", palette.RELATION_COLOURS["not_cascaded"], "dot"),
        ):
            fig.add_trace(
                go.Scatter(
                    x=rows["threshold_value"],
                    y=rows[metric],
                    name=esc(msg(f"metric.{metric}")),
                    mode="lines+markers",
                    line={"color": colour, "dash": dash},
                    showlegend=col == 1,
                    legendgroup=metric,
                    hovertemplate="%{x}<br>%{y:.2f}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        chosen = rows[rows["selected"]]
        fig.add_trace(
            go.Scatter(
                x=chosen["threshold_value"],
                y=chosen["f1"],
                mode="markers",
                name=esc(msg("legend.chosen")),
                showlegend=col == 1,
                legendgroup="chosen",
                marker={"size": 14, "symbol": "star", "color": palette.DIRECTION_COLOURS["lowered"]},
                hovertemplate="%{x}<br>F1 %{y:.2f}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(title_text=esc(msg("axis.threshold")), row=1, col=col)
    fig.update_yaxes(title_text=esc(msg("axis.score")), range=[0, 1.05], row=1, col=1)
    fig.update_layout(title=esc(msg("chart.sensitivity")), height=480)
    legend_at_bottom(fig)
    fig.update_layout(legend_y=1.1, margin_t=150)  # above the subplot titles
    return fig


def reliability_plot(reliability: pd.DataFrame, report=None) -> go.Figure:
    """The link confidence against the share of links the gold holds, bin by bin, one line per
    comparison (marker area ~ the bin's pairs): on the diagonal, a confidence of 0.8 means 8 links
    in 10 pairs."""
    msg, _ = report_context(report)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            line={"dash": "dot", "color": palette.OTHER},
            name=esc(msg("legend.calibrated")),
            hoverinfo="skip",
        )
    )
    for number, (comparison, rows) in enumerate(reliability.groupby("comparison", sort=False)):
        setting = str(rows["setting"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=rows["mean_confidence"],
                y=rows["observed_link_rate"],
                mode="lines+markers",
                name=esc(f"{comparison} · {msg.get(f'setting.{setting}', setting)}"),
                line={"color": palette.PLAN_COLOURS[number % len(palette.PLAN_COLOURS)]},
                marker={"size": [min(40, 6 + 2 * n**0.5) for n in rows["n_pairs"]]},
                customdata=rows[["bin", "n_pairs", "n_links"]].to_numpy(),
                hovertemplate="%{customdata[0]}: %{x:.2f} → %{y:.2f}<br>%{customdata[2]} / %{customdata[1]}"
                "<extra></extra>",
            )
        )
    fig.update_layout(
        title=esc(msg("chart.reliability")),
        xaxis={"title": esc(msg("axis.predicted_confidence")), "range": [0, 1.02]},
        yaxis={"title": esc(msg("axis.observed_link_rate")), "range": [-0.02, 1.05]},
        height=520,
    )
    legend_at_bottom(fig, 2)
    return fig
