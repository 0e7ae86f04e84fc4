"""Plotly figure of a forecast's past accuracy: what it said at past dates against what came in.

A plain function from `views.forecast.Accuracy.scores` to a Figure; it draws exactly the numbers
given, so a test compares the traces with the scores.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from crm_core.charts.style import money_hover, plotly_separators
from crm_core.i18n import t

FORECAST_COLOUR = "#1e88e5"
ACTUAL_COLOUR = "#43a047"


def accuracy_chart(scores: pd.DataFrame, part: str, horizon: int, lang: str) -> go.Figure:
    """Forecast and actual of `part` ("total", "recurring", "pipeline") at each past date for `horizon` days."""
    rows = scores[(scores["part"] == part) & (scores["horizon"] == horizon)].sort_values("as_of")
    dates = pd.to_datetime(rows["as_of"])
    hover = "%{x|%d/%m/%Y}: " + money_hover("y", lang) + "<extra>%{fullData.name}</extra>"
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=rows["forecast"].to_numpy(dtype="float64"),
            name=t("forecast.forecast", lang),
            mode="lines+markers",
            line={"color": FORECAST_COLOUR},
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=rows["actual"].to_numpy(dtype="float64"),
            name=t("forecast.actual", lang),
            mode="lines+markers",
            line={"color": ACTUAL_COLOUR, "dash": "dot"},
            hovertemplate=hover,
        )
    )
    fig.update_layout(
        title=t("forecast.chart_title", lang, part=t(f"forecast.part_{part}", lang), days=horizon),
        xaxis_title=t("forecast.date", lang),
        separators=plotly_separators(lang),
        height=300,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
    )
    return fig
