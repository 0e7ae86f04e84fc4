"""Plotly figures of the pipeline page: the stage funnel, expected close by month, win rates vs typed.

Plain functions from the frames of `crm_core.views.pipeline` / `analytics.pipeline` to Figures;
they draw exactly the numbers given, so a test compares traces with the views.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from crm_core.charts.style import money_hover, percent_suffix, plotly_separators
from crm_core.enums import OPEN_STAGE_VALUES
from crm_core.i18n import label, t

AMOUNT_COLOUR = "#90caf9"
WEIGHTED_COLOUR = "#1e88e5"
OVERDUE_COLOUR = "#ef6c00"
TYPED_COLOUR = "#8e24aa"
DEFAULT_COLOUR = "#b0bec5"


def _layout(fig: go.Figure, title: str, lang: str, y_title: str = "") -> go.Figure:
    fig.update_layout(
        title=title,
        yaxis_title=y_title,
        separators=plotly_separators(lang),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
    )
    return fig


def stage_funnel_chart(summary: pd.DataFrame, lang: str) -> go.Figure:
    """Funnel of the open stages (count of deals, amount in the hover) from `stage_summary`."""
    rows = summary.set_index("stage").reindex(list(OPEN_STAGE_VALUES)).fillna(0)
    fig = go.Figure(
        go.Funnel(
            y=[label("stage", s, lang) for s in rows.index],
            x=rows["count"].to_numpy(dtype="int64"),
            customdata=rows[["amount", "weighted"]].to_numpy(dtype="float64"),
            texttemplate="%{x}",
            hovertemplate=(
                "%{y}: %{x}<br>"
                + t("pipeline.amount", lang)
                + ": "
                + money_hover("customdata[0]", lang)
                + "<br>"
                + t("pipeline.weighted", lang)
                + ": "
                + money_hover("customdata[1]", lang)
                + "<extra></extra>"
            ),
            marker={"color": WEIGHTED_COLOUR},
        )
    )
    return _layout(fig, t("pipeline.funnel", lang), lang)


def close_month_chart(by_month: pd.DataFrame, lang: str) -> go.Figure:
    """Bars per expected close month: open amount, and weighted amount (orange where the date has passed)."""
    fig = go.Figure()
    hover = "%{x|%m/%Y}: " + money_hover("y", lang) + "<extra>%{fullData.name}</extra>"
    fig.add_trace(
        go.Bar(
            x=by_month["month"],
            y=by_month["amount"].to_numpy(dtype="float64"),
            name=t("pipeline.amount", lang),
            marker_color=AMOUNT_COLOUR,
            hovertemplate=hover,
        )
    )
    passed = by_month["overdue"].to_numpy(dtype=bool)
    for rows, name, colour in (
        (by_month.loc[~passed], t("pipeline.weighted", lang), WEIGHTED_COLOUR),
        (by_month.loc[passed], t("pipeline.weighted_passed", lang), OVERDUE_COLOUR),
    ):
        fig.add_trace(
            go.Bar(
                x=rows["month"],
                y=rows["weighted"].to_numpy(dtype="float64"),
                name=name,
                marker_color=colour,
                hovertemplate=hover,
            )
        )
    fig.update_layout(barmode="group", xaxis={"tickformat": "%m/%Y"})
    return _layout(fig, t("pipeline.close_by_month", lang), lang, "EUR")


def win_rate_chart(rates: pd.DataFrame, lang: str) -> go.Figure:
    """Learned win rate per open stage beside the mean typed probability and the stage default."""
    stages = [label("stage", s, lang) for s in rates["stage"]]
    fig = go.Figure()
    for column, colour, key in (
        ("win_rate", WEIGHTED_COLOUR, "figure.win_rate"),
        ("mean_typed_probability", TYPED_COLOUR, "figure.mean_typed_probability"),
        ("default_probability", DEFAULT_COLOUR, "figure.default_probability"),
    ):
        fig.add_trace(
            go.Bar(
                x=stages,
                y=rates[column].to_numpy(dtype="float64"),
                name=t(key, lang),
                marker_color=colour,
                hovertemplate="%{x}: %{y:.0f}" + percent_suffix(lang) + "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group", yaxis={"range": [0, 100], "ticksuffix": percent_suffix(lang)})
    return _layout(fig, t("pipeline.win_rates", lang), lang)
