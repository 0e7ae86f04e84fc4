"""Plotly figures of the Health page: churn score and default-risk distributions, DSO and on-time rate.

Each function draws exactly the numbers it is given, so a test compares traces with the analytics.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from crm_core.charts.style import (
    RISK_COLOURS,
    base_layout,
    percent_suffix,
    plotly_separators,
)
from crm_core.enums import RISK_LEVELS
from crm_core.i18n import label, t

# DSO bands of the Health histogram, in days; a last band holds every DSO from the top edge on
# (a few clients with one tiny old invoice reach thousands of days and would squash the rest).
DSO_BAND_DAYS = 15
DSO_TOP_DAYS = 180


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
    return base_layout(fig, t("chart.churn_distribution", lang), t("chart.churn_score", lang), t("chart.clients", lang))


def risk_level_chart(by_risk: Mapping[str, int], lang: str) -> go.Figure:
    """Clients per default-risk level (from `portfolio_summary(...)["by_risk"]`)."""
    fig = go.Figure(
        go.Bar(
            x=[label("risk", r, lang) for r in RISK_LEVELS],
            y=[int(by_risk.get(r, 0)) for r in RISK_LEVELS],
            marker_color=[RISK_COLOURS[r] for r in RISK_LEVELS],
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return base_layout(fig, t("chart.risk_distribution", lang), "", t("chart.clients", lang))


def dso_histogram(health: pd.DataFrame, lang: str) -> go.Figure:
    """How many clients have a DSO in each 15-day band, the last band every DSO from 180 days on."""
    dso = health["dso"].dropna().to_numpy(dtype="float64")
    edges = np.arange(0, DSO_TOP_DAYS + 1, DSO_BAND_DAYS)
    counts, _ = np.histogram(np.clip(dso, 0, None), bins=[*edges, np.inf])
    labels = [f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)] + [f"{DSO_TOP_DAYS}+"]
    fig = go.Figure(go.Bar(x=labels, y=counts, marker_color="#5c6bc0", hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_layout(showlegend=False, separators=plotly_separators(lang))
    return base_layout(fig, t("chart.dso_distribution", lang), t("chart.days", lang), t("chart.clients", lang))


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
    return base_layout(fig, t("chart.on_time_distribution", lang), t("chart.on_time_pct", lang), t("chart.clients", lang))
