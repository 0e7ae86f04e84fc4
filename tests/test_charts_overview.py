"""Dashboard charts: each Figure's trace values are the analytics figures it was given."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics import client_health, monthly_revenue, portfolio_summary
from crm_core.charts import health as health_charts
from crm_core.charts import overview as charts
from crm_core.enums import AGING_BUCKETS, RISK_LEVELS
from tests.frames_builder import d, frames

AS_OF = date(2026, 11, 25)


def _invoice(invoice_id: int, client_id: int, issued: str, due: str, total: float) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F{invoice_id}",
        "issue_date": d(issued),
        "due_date": d(due),
        "total": total,
    }


@pytest.fixture(scope="module")
def book():
    clients = [{"client_id": i, "company_name": f"Client {i}"} for i in range(1, 6)]
    clients[4]["status"] = "lost"
    invoices = [
        _invoice(1, 1, "2026-06-01", "2026-07-01", 1000.0),  # unpaid, 147 days overdue
        _invoice(2, 2, "2026-10-01", "2026-10-31", 400.0),  # unpaid, 25 days overdue
        _invoice(3, 2, "2026-11-10", "2026-12-10", 250.0),  # not yet due
        _invoice(4, 3, "2026-08-20", "2026-09-19", 700.0),  # unpaid, 67 days overdue
        _invoice(5, 4, "2026-09-01", "2026-10-01", 300.0),  # paid
        _invoice(6, 5, "2025-01-10", "2025-02-10", 900.0),  # paid, client lost
    ]
    payments = [
        {"payment_id": 1, "invoice_id": 5, "paid_on": d("2026-10-01"), "amount": 300.0},
        {"payment_id": 2, "invoice_id": 6, "paid_on": d("2025-02-01"), "amount": 900.0},
    ]
    opportunities = [
        {
            "opportunity_id": 1,
            "client_id": 4,
            "name": "Deal",
            "amount": 1000.0,
            "probability": 50,
            "expected_close": d("2027-01-15"),
            "created_at": pd.Timestamp("2026-10-01"),
        }
    ]
    f = frames(clients=clients, invoices=invoices, payments=payments, opportunities=opportunities)
    return f, client_health(f, AS_OF)


def test_monthly_revenue_traces_are_the_actual_and_forecast_months(book):
    f, _ = book
    monthly = monthly_revenue(f, AS_OF, months_ahead=3)
    fig = charts.monthly_revenue_chart(monthly, "en")
    actual, forecast = fig.data
    expected_actual = monthly[monthly["kind"] == "actual"]
    expected_forecast = monthly[monthly["kind"] == "forecast"]
    assert list(actual.y) == pytest.approx(list(expected_actual["revenue"]))
    assert list(forecast.y) == pytest.approx(list(expected_forecast["revenue"]))
    assert list(pd.to_datetime(actual.x)) == list(expected_actual["month"])
    assert len(forecast.y) == 4  # rest of November + 3 months
    # November 2026: 250 invoiced so far (invoice 3).
    assert actual.y[-1] == pytest.approx(250.0)
    assert fig.layout.barmode == "stack"
    assert actual.name == "Invoiced" and forecast.name == "Forecast: recurring + learned pipeline (as the expected-revenue cards)"
    assert charts.monthly_revenue_chart(monthly, "es").data[0].name == "Facturado"


def test_monthly_revenue_axis_names_months_in_the_language(book):
    """Plotly writes date ticks in English ("Jan 2024"): the chart gives its own ticks per language."""
    f, _ = book
    monthly = monthly_revenue(f, AS_OF, months_ahead=3)
    months = sorted(pd.to_datetime(monthly["month"]).dt.to_period("M").unique())
    assert 24 < len(months) <= 48  # ticks every half year
    es = charts.monthly_revenue_chart(monthly, "es").layout.xaxis
    en = charts.monthly_revenue_chart(monthly, "en").layout.xaxis
    assert es.tickmode == "array" and len(es.ticktext) == len(es.tickvals) >= 2
    assert {text.split()[0] for text in es.ticktext} == {"ene", "jul"}, es.ticktext
    assert {text.split()[0] for text in en.ticktext} == {"Jan", "Jul"}, en.ticktext
    assert [pd.Timestamp(v).to_period("M") for v in es.tickvals] == [m for m in months if m.month in (1, 7)]
    assert es.ticktext[0] == f"{'ene' if months[0].month == 1 else 'jul'} {es.tickvals[0].year}"


def test_hover_amounts_follow_the_language(book):
    f, health = book
    monthly = monthly_revenue(f, AS_OF, months_ahead=3)
    assert "€%{y:,.0f}" in charts.monthly_revenue_chart(monthly, "en").data[0].hovertemplate
    assert "%{y:,.0f} €" in charts.monthly_revenue_chart(monthly, "es").data[0].hovertemplate
    assert "€%{customdata[1]:,.0f}" in charts.risk_map_chart(health, "en").data[0].hovertemplate
    assert charts.risk_map_chart(health, "en").layout.legend.itemsizing == "constant"


def test_aging_bars_are_the_portfolio_buckets(book):
    _, health = book
    summary = portfolio_summary(health)
    fig = charts.aging_chart(summary, "en")
    (bars,) = fig.data
    # not due 250 (invoice 3); 1-30: 400 (invoice 2); 31-60: 0; 61-90: 700 (invoice 4); >90: 1000 (invoice 1)
    assert list(bars.y) == pytest.approx([250.0, 400.0, 0.0, 700.0, 1000.0])
    assert list(bars.y) == pytest.approx([summary[k] for k in AGING_BUCKETS])
    assert list(bars.x) == ["Not yet due", "1–30 days", "31–60 days", "61–90 days", "Over 90 days"]
    assert charts.aging_chart(summary, "es").data[0].x[-1] == "Más de 90 días"


def test_risk_map_plots_every_client_churn_risk_and_revenue(book):
    _, health = book
    fig = charts.risk_map_chart(health, "en")
    points = pd.concat(
        [
            pd.DataFrame(
                {"name": trace.customdata[:, 0], "x": trace.x, "y": trace.y, "size": trace.marker.size, "lifecycle": trace.name}
            )
            for trace in fig.data
        ],
        ignore_index=True,
    ).set_index("name")
    assert len(points) == len(health) == 5
    by_name = health.set_index("company_name")
    assert points["x"].to_dict() == pytest.approx(by_name["churn_score"].to_dict())
    assert points["size"].to_dict() == pytest.approx(by_name["revenue_12m"].clip(lower=0).to_dict())
    rank = by_name["default_risk"].map({r: i for i, r in enumerate(RISK_LEVELS)})
    assert np.all(np.abs(points["y"] - rank.reindex(points.index)) <= 0.3)
    assert points.loc["Client 1", "y"] > 2.5  # critical: more than 90 days overdue
    assert points.loc["Client 5", "lifecycle"] == "Lost"
    assert list(fig.layout.yaxis.ticktext) == ["Low", "Medium", "High", "Critical"]


def test_health_distributions(book):
    _, health = book
    churn = health_charts.churn_histogram(health, "en").data[0]
    not_lost = health.loc[health["lifecycle"] != "lost", "churn_score"]
    assert sum(churn.y) == len(not_lost) == 4
    assert list(churn.y) == list(np.histogram(not_lost, bins=np.arange(0, 101, 10))[0])

    levels = health_charts.risk_level_chart(portfolio_summary(health)["by_risk"], "es").data[0]
    counts = health["default_risk"].value_counts()
    assert list(levels.y) == [int(counts.get(r, 0)) for r in RISK_LEVELS]
    assert list(levels.x) == ["Bajo", "Medio", "Alto", "Crítico"]

    dso = health_charts.dso_histogram(health, "en").data[0]
    assert sum(dso.y) == health["dso"].notna().sum()
    edges = [*range(0, health_charts.DSO_TOP_DAYS + 1, health_charts.DSO_BAND_DAYS), np.inf]
    assert list(dso.y) == list(np.histogram(health["dso"].dropna(), bins=edges)[0])
    assert (dso.x[0], dso.x[-1]) == ("0–15", "180+")

    on_time = health_charts.on_time_histogram(health, "en").data[0]
    rates = health["on_time_rate"].dropna() * 100
    assert list(on_time.y) == list(np.histogram(rates, bins=np.arange(0, 101, 10))[0])
    assert sum(on_time.y) == len(rates)
    assert on_time.x[-1] == "90–100"


def test_dso_outliers_fall_in_the_last_band():
    """One client with a DSO of thousands of days no longer squashes every other bar into one."""
    health = pd.DataFrame({"dso": [3.0, 20.0, 40.0, 44.0, 179.9, 180.0, 3910.0, None]})
    dso = health_charts.dso_histogram(health, "es").data[0]
    assert len(dso.x) == health_charts.DSO_TOP_DAYS // health_charts.DSO_BAND_DAYS + 1
    assert (dso.y[0], dso.y[1], dso.y[2], dso.y[11], dso.y[12]) == (1, 1, 2, 1, 2)
    assert sum(dso.y) == 7


def test_charts_accept_an_empty_portfolio():
    empty = client_health(frames(), AS_OF)
    assert charts.risk_map_chart(empty, "en").data == ()
    assert sum(health_charts.churn_histogram(empty, "en").data[0].y) == 0
    assert list(charts.aging_chart(portfolio_summary(empty), "en").data[0].y) == [0.0] * 5
    assert len(charts.monthly_revenue_chart(monthly_revenue(frames(), AS_OF), "en").data) == 2


def test_risk_map_switches_to_webgl_for_large_portfolios():
    n = charts.WEBGL_FROM
    rng = np.random.default_rng(1)
    health = pd.DataFrame(
        {
            "company_name": [f"C{i}" for i in range(n)],
            "churn_score": rng.uniform(0, 100, n),
            "default_risk": rng.choice(list(RISK_LEVELS), n),
            "revenue_12m": rng.uniform(0, 1e5, n),
            "lifecycle": "active",
        },
        index=pd.Index(np.arange(1, n + 1), name="client_id"),
    )
    (trace,) = charts.risk_map_chart(health, "en").data
    assert trace.type == "scattergl"
    assert list(trace.x) == pytest.approx(list(health["churn_score"]))
    assert charts.risk_map_chart(health.iloc[: n - 1], "en").data[0].type == "scatter"


def test_risk_map_leaves_room_for_a_bubble_at_churn_100(book):
    """Issue 16, defect 9: bubbles at churn 100 (lost clients) were cut by the plot's edge at 102."""
    _, health = book
    lo, hi = charts.risk_map_chart(health, "en").layout.xaxis.range
    assert lo <= -5 and hi >= 105


def test_a_large_portfolios_risk_map_shows_the_clients_with_most_revenue(monkeypatch):
    monkeypatch.setattr(charts, "RISK_MAP_MAX_CLIENTS", 3)
    health = pd.DataFrame(
        {
            "company_name": ["A", "B", "C", "D", "E"],
            "churn_score": [10.0, 20.0, 30.0, 40.0, 50.0],
            "default_risk": ["low"] * 5,
            "revenue_12m": [500.0, 10.0, 900.0, np.nan, 700.0],
            "lifecycle": "active",
        },
        index=pd.Index([1, 2, 3, 4, 5], name="client_id"),
    )
    fig = charts.risk_map_chart(health, "en")
    (trace,) = fig.data
    assert [row[0] for row in trace.customdata] == ["A", "C", "E"]  # the three largest, in the frame's order
    assert list(trace.x) == [10.0, 30.0, 50.0]
    assert fig.layout.title.text.endswith("· the 3 clients with most revenue, of 5")
    assert "of" not in charts.risk_map_chart(health.iloc[:3], "en").layout.title.text.split(")")[-1]  # all shown
