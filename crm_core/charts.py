"""Plotly figures for the dashboard: plain functions from frames to `Figure`s, labels per language.

Each function draws exactly the numbers it is given (no figure is computed here beyond grouping
what it plots), so a test can compare a trace's values with the analytics that produced them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crm_core.i18n import label, t
from crm_core.i18n.formatting import month_abbr

RISK_ORDER: tuple[str, ...] = ("low", "medium", "high", "critical")
LIFECYCLE_ORDER: tuple[str, ...] = ("prospect", "active", "dormant", "lost", "vip")
AGING_BUCKETS: tuple[str, ...] = ("aging_not_due", "aging_1_30", "aging_31_60", "aging_61_90", "aging_90_plus")
RISK_COLOURS: dict[str, str] = {"low": "#2e7d32", "medium": "#f9a825", "high": "#ef6c00", "critical": "#c62828"}
LIFECYCLE_COLOURS: dict[str, str] = {
    "prospect": "#90a4ae", "active": "#1e88e5", "dormant": "#8e24aa", "lost": "#6d4c41", "vip": "#fbc02d",
}
ACTUAL_COLOUR = "#1e88e5"
FORECAST_COLOUR = "#90caf9"
# Largest bubble on the risk map, in pixels of diameter.
MAX_BUBBLE_PX = 40.0
# From this many clients the risk map is drawn with WebGL (SVG gets slow with thousands of markers).
WEBGL_FROM = 2000
# DSO bands of the Health histogram, in days; a last band holds every DSO from the top edge on
# (a few clients with one tiny old invoice reach thousands of days and would squash the rest).
DSO_BAND_DAYS = 15
DSO_TOP_DAYS = 180


def _layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "") -> go.Figure:
    fig.update_layout(
        title=title,
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
    )
    return fig


def plotly_separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for the language."""
    return ",." if lang == "es" else ".,"


def money_hover(value: str, lang: str, decimals: int = 0) -> str:
    """A hover template's amount in the language's money layout: `1.234 €` or `€1,234`
    (with `separators` set, Plotly writes the digits themselves per language)."""
    number = f"%{{{value}:,.{decimals}f}}"
    return f"{number} €" if lang == "es" else f"€{number}"


def percent_suffix(lang: str) -> str:
    """What follows a percentage: `85 %` in Spanish, `85%` in English."""
    return " %" if lang == "es" else "%"


def month_ticks(months: pd.Series, lang: str) -> dict[str, list]:
    """Axis ticks for monthly bars with month names in `lang` (Plotly writes them in English):
    every month, quarter, half year or year, so that about eight ticks show."""
    distinct = sorted(pd.to_datetime(pd.Series(months)).dropna().dt.to_period("M").unique())
    step = next((s for s, most in ((1, 8), (3, 24), (6, 48)) if len(distinct) <= most), 12)
    ticks = [m for m in distinct if (m.month - 1) % step == 0]
    return {
        "tickmode": "array",
        "tickvals": [m.to_timestamp() for m in ticks],
        "ticktext": [f"{month_abbr(m.month, lang)} {m.year}" for m in ticks],
    }


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
    return _layout(fig, t("chart.monthly_revenue", lang), "", t("chart.eur", lang))


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
    return _layout(fig, t("chart.aging", lang), "", t("chart.eur", lang))


def _jitter(client_ids: np.ndarray) -> np.ndarray:
    """A fixed offset in [-0.3, 0.3) per client, so bubbles on one risk level do not all overlap."""
    return ((client_ids.astype(np.int64) * 2654435761) % 1000) / 1000.0 * 0.6 - 0.3


def risk_map_chart(health: pd.DataFrame, lang: str) -> go.Figure:
    """Churn score (x) against default risk level (y), bubble area = revenue of the last 12 months.

    One trace per lifecycle (colour); the y position is the risk level's rank plus a fixed
    per-client jitter; clients without revenue get the smallest bubble.
    """
    ids = np.asarray(health.index if health.index.name == "client_id" else health["client_id"])
    rank = health["default_risk"].map({name: i for i, name in enumerate(RISK_ORDER)}).fillna(0).to_numpy()
    y = rank + _jitter(ids)
    revenue = health["revenue_12m"].to_numpy(dtype="float64")
    biggest = float(np.nanmax(revenue)) if len(revenue) and np.nanmax(revenue) > 0 else 1.0
    # Plotly's area sizing: size / sizeref is the diameter^2 scale; sizeref maps `biggest` to MAX_BUBBLE_PX.
    sizeref = 2.0 * biggest / MAX_BUBBLE_PX**2
    lifecycle = health["lifecycle"].to_numpy(dtype=object)
    scatter = go.Scattergl if len(health) >= WEBGL_FROM else go.Scatter
    fig = go.Figure()
    for life in LIFECYCLE_ORDER:
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
                    "%{customdata[0]}<br>" + t("chart.churn_score", lang) + ": %{x:.0f}<br>"
                    + t("chart.revenue_12m", lang) + ": " + money_hover("customdata[1]", lang) + "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    fig.update_yaxes(
        tickvals=list(range(len(RISK_ORDER))),
        ticktext=[label("risk", r, lang) for r in RISK_ORDER],
        range=[-0.5, len(RISK_ORDER) - 0.5],
    )
    fig.update_xaxes(range=[-2, 102])
    # legend markers all one size: sized by revenue, a prospect's (no revenue) would be a dot
    fig.update_layout(separators=plotly_separators(lang), legend_itemsizing="constant")
    return _layout(fig, t("chart.risk_map", lang), t("chart.churn_score", lang), t("chart.default_risk", lang))


def churn_histogram(health: pd.DataFrame, lang: str) -> go.Figure:
    """How many clients fall in each 10-point band of churn score (lost clients excluded)."""
    scores = health.loc[health["lifecycle"] != "lost", "churn_score"].to_numpy(dtype="float64")
    edges = np.arange(0, 101, 10)
    counts, _ = np.histogram(scores, bins=edges)
    fig = go.Figure(
        go.Bar(
            x=[f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)],
            y=counts,
            marker_color=["#2e7d32"] * 6 + ["#ef6c00"] * 2 + ["#c62828"] * 2,
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return _layout(fig, t("chart.churn_distribution", lang), t("chart.churn_score", lang), t("chart.clients", lang))


def risk_level_chart(by_risk: Mapping[str, int], lang: str) -> go.Figure:
    """Clients per default-risk level (from `portfolio_summary(...)["by_risk"]`)."""
    fig = go.Figure(
        go.Bar(
            x=[label("risk", r, lang) for r in RISK_ORDER],
            y=[int(by_risk.get(r, 0)) for r in RISK_ORDER],
            marker_color=[RISK_COLOURS[r] for r in RISK_ORDER],
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return _layout(fig, t("chart.risk_distribution", lang), "", t("chart.clients", lang))


def dso_histogram(health: pd.DataFrame, lang: str) -> go.Figure:
    """How many clients have a DSO in each 15-day band, the last band every DSO from 180 days on."""
    dso = health["dso"].dropna().to_numpy(dtype="float64")
    edges = np.arange(0, DSO_TOP_DAYS + 1, DSO_BAND_DAYS)
    counts, _ = np.histogram(np.clip(dso, 0, None), bins=[*edges, np.inf])
    labels = [f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)] + [f"{DSO_TOP_DAYS}+"]
    fig = go.Figure(go.Bar(x=labels, y=counts, marker_color="#5c6bc0", hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_layout(showlegend=False, separators=plotly_separators(lang))
    return _layout(fig, t("chart.dso_distribution", lang), t("chart.days", lang), t("chart.clients", lang))


def on_time_histogram(health: pd.DataFrame, lang: str) -> go.Figure:
    """How many clients pay each 10-point band of their due invoices on time (100 % in the last band)."""
    rate = health["on_time_rate"].dropna().to_numpy(dtype="float64") * 100.0
    edges = np.arange(0, 101, 10)
    counts, _ = np.histogram(rate, bins=edges)
    fig = go.Figure(
        go.Bar(
            x=[f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)],
            y=counts,
            marker_color="#26a69a",
            hovertemplate="%{x}" + percent_suffix(lang) + ": %{y}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return _layout(fig, t("chart.on_time_distribution", lang), t("chart.on_time_pct", lang), t("chart.clients", lang))
