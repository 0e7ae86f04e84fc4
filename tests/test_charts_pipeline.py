"""Pipeline charts draw exactly the figures of the pipeline views."""

from __future__ import annotations

import pandas as pd

from crm_core.charts.pipeline import (
    close_month_chart,
    stage_funnel_chart,
    win_rate_chart,
)
from crm_core.charts.style import plotly_separators


def test_funnel_draws_open_stage_counts_in_order() -> None:
    summary = pd.DataFrame(
        {
            "stage": ["identified", "contacted", "proposal", "negotiation", "won", "lost"],
            "count": [5, 9, 5, 4, 15, 16],
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "weighted": [0.1, 0.2, 0.3, 0.4, 5.0, 0.0],
        }
    )
    fig = stage_funnel_chart(summary, "es")
    trace = fig.data[0]
    assert list(trace.y) == ["Identificada", "Contactado", "Presupuesto", "Negociación"]
    assert list(trace.x) == [5, 9, 5, 4]
    assert trace.customdata[3].tolist() == [4.0, 0.4]


def test_close_months_split_weighted_by_passed_date() -> None:
    by_month = pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-10-01", "2026-12-01"]),
            "count": [1, 2],
            "amount": [2000.0, 10000.0],
            "weighted": [1400.0, 4000.0],
            "overdue": [True, False],
        }
    )
    fig = close_month_chart(by_month, "en")
    amount, on_time, passed = fig.data
    assert list(amount.y) == [2000.0, 10000.0]
    assert (list(on_time.y), on_time.name) == ([4000.0], "Weighted pipeline")
    assert (list(passed.y), passed.name) == ([1400.0], "Weighted, close date passed")


def test_win_rates_beside_typed_and_default() -> None:
    rates = pd.DataFrame(
        {
            "stage": ["identified", "contacted"],
            "win_rate": [47.5, 52.0],
            "mean_typed_probability": [12.0, float("nan")],
            "default_probability": [10.0, 20.0],
        }
    )
    fig = win_rate_chart(rates, "en")
    assert [trace.name for trace in fig.data] == ["Learned win rate", "Typed probability (mean)", "Stage default"]
    assert list(fig.data[0].y) == [47.5, 52.0]
    assert fig.data[1].y[0] == 12.0 and pd.isna(fig.data[1].y[1])
    assert fig.layout.yaxis.ticksuffix == "%"
    assert win_rate_chart(rates, "es").layout.yaxis.ticksuffix == " %"  # 40 %, as Spanish writes it


def test_pipeline_hover_amounts_follow_the_language() -> None:
    summary = pd.DataFrame({"stage": ["proposal"], "count": [1], "amount": [1_000.0], "weighted": [400.0]})
    assert "€%{customdata[0]:,.0f}" in stage_funnel_chart(summary, "en").data[0].hovertemplate
    assert "%{customdata[0]:,.0f} €" in stage_funnel_chart(summary, "es").data[0].hovertemplate


def test_pipeline_charts_use_the_language_separators_of_crm_core_charts() -> None:
    summary = pd.DataFrame({"stage": ["proposal"], "count": [1], "amount": [1_000.0], "weighted": [400.0]})
    assert stage_funnel_chart(summary, "es").layout.separators == plotly_separators("es") == ",."
    assert stage_funnel_chart(summary, "en").layout.separators == plotly_separators("en") == ".,"
