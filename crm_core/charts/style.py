"""Shared look of every chart: colours, layout, separators and money/percent hover text per language."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from crm_core.i18n.formatting import month_abbr

RISK_COLOURS: dict[str, str] = {"low": "#2e7d32", "medium": "#f9a825", "high": "#ef6c00", "critical": "#c62828"}
LIFECYCLE_COLOURS: dict[str, str] = {
    "prospect": "#90a4ae",
    "active": "#1e88e5",
    "dormant": "#8e24aa",
    "lost": "#6d4c41",
    "vip": "#fbc02d",
}
ACTUAL_COLOUR = "#1e88e5"
FORECAST_COLOUR = "#90caf9"


def base_layout(fig: go.Figure, title: str, x_title: str = "", y_title: str = "") -> go.Figure:
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


def month_ticks(months: pd.Series, lang: str) -> dict[str, Any]:
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
