"""Plotly figures of the Overview page: monthly revenue (actual + forecast), receivables aging, risk map.

Each function draws exactly the numbers it is given (no figure is computed here beyond grouping
what it plots), so a test can compare a trace's values with the analytics that produced them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crm_core.charts.style import (
    ACTUAL_COLOUR,
    FORECAST_COLOUR,
    LIFECYCLE_COLOURS,
    base_layout,
    money_hover,
    month_ticks,
    plotly_separators,
)
from crm_core.enums import AGING_BUCKETS, LIFECYCLES, RISK_LEVELS, RISK_RANK
from crm_core.i18n import format_number, label, t

# Largest bubble on the risk map, in pixels of diameter.
MAX_BUBBLE_PX = 40.0
# From this many clients the risk map is drawn with WebGL (SVG gets slow with thousands of markers).
WEBGL_FROM = 2000
# At most this many clients on the risk map, those with the most revenue in the last 12 months: at
# 100,000 clients every point (with its name) made a 10 MB figure built and sent on every run, and
# the biggest bubbles are the ones a manager reads. The title says how many are shown.
RISK_MAP_MAX_CLIENTS = 5000


def monthly_revenue_chart(monthly: pd.DataFrame, lang: str) -> go.Figure:
    """Bars of invoiced revenue per month, actual then forecast (from `monthly_revenue`).

    The current month appears in both traces: invoiced so far, and the forecast for its rest,
    stacked so the bar shows the month's expected total.
    """
    fig = go.Figure()
    for kind, colour in (("actual", ACTUAL_COLOUR), ("forecast", FORECAST_COLOUR)):
        rows = monthly[monthly["kind"] == kind]
        fig.add_trace(
            go.Bar(
                x=rows["month"],
                y=rows["revenue"].to_numpy(dtype="float64"),
                name=t(f"chart.revenue_{kind}", lang),
                marker_color=colour,
                hovertemplate="%{x|%m/%Y}: " + money_hover("y", lang) + "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="stack", separators=plotly_separators(lang))
    if not monthly.empty:
        fig.update_xaxes(**month_ticks(monthly["month"], lang))
    return base_layout(fig, t("chart.monthly_revenue", lang), "", t("chart.eur", lang))


def aging_chart(summary: Mapping[str, float], lang: str) -> go.Figure:
    """Receivables by aging bucket (not yet due, 1-30, 31-60, 61-90, over 90 days overdue)."""
    values = [float(summary[key]) for key in AGING_BUCKETS]
    colours = ["#90caf9", "#f9a825", "#ef6c00", "#e53935", "#b71c1c"]
    fig = go.Figure(
        go.Bar(
            x=[t(f"chart.{key}", lang) for key in AGING_BUCKETS],
            y=values,
            marker_color=colours,
            hovertemplate="%{x}: " + money_hover("y", lang, 2) + "<extra></extra>",
        )
    )
    fig.update_layout(separators=plotly_separators(lang), showlegend=False)
    return base_layout(fig, t("chart.aging", lang), "", t("chart.eur", lang))


def _jitter(client_ids: np.ndarray) -> np.ndarray:
    """A fixed offset in [-0.3, 0.3) per client, so bubbles on one risk level do not all overlap."""
    return ((client_ids.astype(np.int64) * 2654435761) % 1000) / 1000.0 * 0.6 - 0.3


def risk_map_chart(health: pd.DataFrame, lang: str) -> go.Figure:
    """Churn score (x) against default risk level (y), bubble area = revenue of the last 12 months.

    One trace per lifecycle (colour); the y position is the risk level's rank plus a fixed
    per-client jitter; clients without revenue get the smallest bubble.
    """
    total = len(health)
    if total > RISK_MAP_MAX_CLIENTS:
        top = np.argsort(-health["revenue_12m"].fillna(0.0).to_numpy(dtype="float64"), kind="stable")[:RISK_MAP_MAX_CLIENTS]
        health = health.iloc[np.sort(top)]
    ids = np.asarray(health.index if health.index.name == "client_id" else health["client_id"])
    rank = health["default_risk"].map(RISK_RANK).fillna(0).to_numpy()
    y = rank + _jitter(ids)
    revenue = health["revenue_12m"].to_numpy(dtype="float64")
    biggest = float(np.nanmax(revenue)) if len(revenue) and np.nanmax(revenue) > 0 else 1.0
    # Plotly's area sizing: size / sizeref is the diameter^2 scale; sizeref maps `biggest` to MAX_BUBBLE_PX.
    sizeref = 2.0 * biggest / MAX_BUBBLE_PX**2
    lifecycle = health["lifecycle"].to_numpy(dtype=object)
    scatter = go.Scattergl if len(health) >= WEBGL_FROM else go.Scatter
    fig = go.Figure()
    for life in LIFECYCLES:
        mask = lifecycle == life
        if not mask.any():
            continue
        fig.add_trace(
            scatter(
                x=health["churn_score"].to_numpy(dtype="float64")[mask],
                y=y[mask],
                mode="markers",
                name=label("lifecycle", life, lang),
                marker={
                    "size": np.clip(revenue[mask], 0.0, None),
                    "sizemode": "area",
                    "sizeref": sizeref,
                    "sizemin": 3,
                    "color": LIFECYCLE_COLOURS[life],
                    "opacity": 0.6,
                    "line": {"width": 0.5, "color": "white"},
                },
                customdata=np.column_stack([health["company_name"].to_numpy(dtype=object)[mask], revenue[mask]]),
                hovertemplate=(
                    "%{customdata[0]}<br>"
                    + t("chart.churn_score", lang)
                    + ": %{x:.0f}<br>"
                    + t("chart.revenue_12m", lang)
                    + ": "
                    + money_hover("customdata[1]", lang)
                    + "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    fig.update_yaxes(
        tickvals=list(range(len(RISK_LEVELS))),
        ticktext=[label("risk", r, lang) for r in RISK_LEVELS],
        range=[-0.5, len(RISK_LEVELS) - 0.5],
    )
    fig.update_xaxes(range=[-6, 108])  # room for a bubble at 0 or 100 (issue 16: clipped at 100)
    # legend markers all one size: sized by revenue, a prospect's (no revenue) would be a dot
    fig.update_layout(separators=plotly_separators(lang), legend_itemsizing="constant")
    title = t("chart.risk_map", lang)
    if total > len(health):
        title += " " + t("chart.risk_map_top", lang, shown=format_number(len(health), lang), total=format_number(total, lang))
    return base_layout(fig, title, t("chart.churn_score", lang), t("chart.default_risk", lang))
