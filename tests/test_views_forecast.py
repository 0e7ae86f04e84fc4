"""Forecast read models: the pipeline's parts, new deals on the overview, revenue vs pipeline kept apart,
past accuracy and its 'history too short' line, and the accuracy chart."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics import client_health, pipeline_forecast
from crm_core.analytics.forecast import HORIZONS, recurring_forecast
from crm_core.analytics.money import to_cents
from crm_core.analytics.monthly import monthly_revenue
from crm_core.analytics.pipeline import open_mask
from crm_core.analytics.pipeline_backtest import score_parts
from crm_core.analytics.pipeline_forecast import fit_pipeline, forecast_by_owner, learned_pipeline_by_client
from crm_core.charts.forecast import accuracy_chart
from crm_core.db import get_engine
from crm_core.store.frames import Frames, load_frames
from crm_core.views.forecast import (
    MIN_ACCURACY_DATES,
    accuracy_dates,
    accuracy_text,
    forecast_accuracy,
    owner_forecast,
    pipeline_parts,
    with_new_deals,
)
from tests.frames_builder import frames

T = date(2026, 6, 30)


def _invoices(client: int, first: date, months: int, total: float, start_id: int) -> list[dict]:
    rows = []
    for k in range(months):
        day = first + timedelta(days=30 * k)
        rows.append(
            {
                "invoice_id": start_id + k,
                "client_id": client,
                "number": f"F{start_id + k}",
                "issue_date": day,
                "due_date": day + timedelta(days=30),
                "total": total,
            }
        )
    return rows


def _book(extra_open_deal: bool = False, won_before_t: bool = True):
    """Client 1 invoices 1,000 a month since 2025; it won a 5,000 deal on 2026-06-01 whose invoice of
    2026-06-10 is part of its history. Client 2 has an open deal (and, with `extra_open_deal`, another)."""
    invoices = _invoices(1, date(2025, 1, 15), 20, 1_000.0, 1)
    opportunities = [
        {
            "opportunity_id": 1,
            "client_id": 2,
            "name": "open",
            "amount": 4_000.0,
            "stage": "proposal",
            "probability": 40,
            "expected_close": date(2026, 7, 10),
            "created_at": datetime(2026, 6, 1, 9),
        }
    ]
    history = [
        {"change_id": 1, "opportunity_id": 1, "from_stage": None, "to_stage": "proposal", "changed_at": datetime(2026, 6, 1, 9)}
    ]
    if won_before_t:
        opportunities.append(
            {
                "opportunity_id": 2,
                "client_id": 1,
                "name": "upsell",
                "amount": 5_000.0,
                "stage": "won",
                "probability": 100,
                "won_amount": 5_000.0,
                "closed_at": date(2026, 6, 1),
                "expected_close": date(2026, 6, 1),
                "created_at": datetime(2026, 5, 1, 9),
            }
        )
        history += [
            {
                "change_id": 2,
                "opportunity_id": 2,
                "from_stage": None,
                "to_stage": "negotiation",
                "changed_at": datetime(2026, 5, 1, 9),
            },
            {
                "change_id": 3,
                "opportunity_id": 2,
                "from_stage": "negotiation",
                "to_stage": "won",
                "changed_at": datetime(2026, 6, 1, 12),
            },
        ]
        invoices.append(
            {
                "invoice_id": 99,
                "client_id": 1,
                "number": "F99",
                "issue_date": date(2026, 6, 10),
                "due_date": date(2026, 7, 10),
                "total": 5_000.0,
            }
        )
    if extra_open_deal:
        opportunities.append(
            {
                "opportunity_id": 3,
                "client_id": 1,
                "name": "more",
                "amount": 9_000.0,
                "stage": "negotiation",
                "probability": 70,
                "expected_close": date(2026, 7, 5),
                "created_at": datetime(2026, 6, 20, 9),
            }
        )
        history.append(
            {
                "change_id": 4,
                "opportunity_id": 3,
                "from_stage": None,
                "to_stage": "negotiation",
                "changed_at": datetime(2026, 6, 20, 9),
            }
        )
    return frames(
        clients=[
            {"client_id": 1, "company_name": "Uno", "email": "u@u.es"},
            {"client_id": 2, "company_name": "Dos", "email": "d@d.es"},
        ],
        invoices=invoices,
        opportunities=opportunities,
        stage_history=history,
    )


def test_revenue_and_pipeline_are_not_counted_twice() -> None:
    """The recurring part reads invoices only, the pipeline open deals only (and deals not yet created).

    A deal won on or before T is out of the pipeline; its invoice is in the recurring history. An open
    deal adds to the pipeline and leaves the recurring part as it was.
    """
    book = _book()
    health = client_health(book, T)
    # the won deal (client 1) adds nothing to the pipeline; client 2's open deal is its whole pipeline
    assert health.loc[1, "pipeline_30d"] == 0.0 and health.loc[1, "pipeline_90d"] == 0.0
    assert health.loc[2, "pipeline_30d"] == pytest.approx(1_600.0)  # too little history: typed, 4,000 x 40 %
    # expected revenue is exactly the sum of the two parts, per client
    for h in (30, 90):
        np.testing.assert_allclose(health[f"expected_revenue_{h}d"], health[f"recurring_{h}d"] + health[f"pipeline_{h}d"])
    # more open deals change the pipeline part only
    more = client_health(_book(extra_open_deal=True), T)
    np.testing.assert_array_equal(more["recurring_30d"].to_numpy(), health["recurring_30d"].to_numpy())
    np.testing.assert_array_equal(more["recurring_90d"].to_numpy(), health["recurring_90d"].to_numpy())
    assert more.loc[1, "pipeline_30d"] == pytest.approx(6_300.0)
    # the won deal's invoice feeds the recurring part whether or not the deal is on record
    no_deals = replace(book, opportunities=book.opportunities.iloc[0:0], stage_history=book.stage_history.iloc[0:0])
    bare = client_health(no_deals, T)
    np.testing.assert_array_equal(bare["recurring_90d"].to_numpy(), health["recurring_90d"].to_numpy())
    assert bare["pipeline_90d"].sum() == 0.0
    assert health.loc[1, "recurring_90d"] == pytest.approx(recurring_forecast(book.invoices, T).loc[1, "recurring_90d"], abs=0.01)


def test_new_deals_are_added_to_the_overview_pipeline_and_its_deltas() -> None:
    summary = {
        "pipeline_30d": 100.0,
        "pipeline_90d": 200.0,
        "expected_revenue_30d": 1_100.0,
        "expected_revenue_90d": 3_200.0,
        "deltas": {"pipeline_30d": 10.0, "pipeline_90d": 20.0, "expected_revenue_30d": 30.0, "expected_revenue_90d": 40.0},
    }
    now = {"new_30d": 50.0, "new_90d": 500.0, "typed_30d": 900.0, "typed_90d": 950.0}
    before = {"new_30d": 20.0, "new_90d": 600.0}
    out = with_new_deals(summary, now, before)
    assert out["pipeline_30d"] == 150.0 and out["expected_revenue_30d"] == 1_150.0
    assert out["pipeline_90d"] == 700.0 and out["expected_revenue_90d"] == 3_700.0
    assert out["deltas"]["pipeline_30d"] == 40.0 and out["deltas"]["expected_revenue_90d"] == -60.0
    assert out["new_deals_90d"] == 500.0 and out["typed_pipeline_30d"] == 900.0
    assert summary["pipeline_30d"] == 100.0  # the input is left alone


def test_pipeline_parts_add_up() -> None:
    parts = pipeline_parts(_book(extra_open_deal=True), T)
    for h in (30, 90):
        assert parts[f"pipeline_{h}d"] == pytest.approx(parts[f"learned_{h}d"] + parts[f"new_{h}d"])
    assert parts["typed_30d"] == pytest.approx(1_600.0 + 6_300.0)


def test_accuracy_needs_enough_past_dates_and_says_so() -> None:
    book = _book()
    # windows ending by T: 30-day dates from T - 30 back a month at a time, none before the first record
    dates = accuracy_dates(book, T, 30)
    assert dates[-1] == T - timedelta(days=30) and len(dates) == 6
    accuracy = forecast_accuracy(book, date(2025, 4, 1))  # two and a half months of history
    figure = accuracy.figure(30, "total")
    assert not figure["enough"] and figure["dates"] < MIN_ACCURACY_DATES
    assert accuracy_text(accuracy, 90, "pipeline", "en") == (
        "History too short to tell how far to trust this 90-day figure (0 past dates scored, 3 needed)."
    )
    assert accuracy_text(accuracy, 90, "pipeline", "es").startswith("Historial demasiado corto")


def test_accuracy_line_is_the_median_of_the_backtest() -> None:
    book = _book()
    accuracy = forecast_accuracy(book, T)
    scores = score_parts(book, accuracy_dates(book, T, 30), (30,))
    recurring = scores[(scores["part"] == "recurring")]["bias_pct"]
    figure = accuracy.figure(30, "recurring")
    assert figure["enough"] and figure["dates"] == len(recurring) == 6
    assert figure["error_median"] == pytest.approx(recurring.abs().median())
    assert figure["bias_median"] == pytest.approx(recurring.median())
    line = accuracy_text(accuracy, 30, "recurring", "en")
    assert line.startswith("Past accuracy: at the last 6 monthly dates this 30-day figure was within ±")


def test_accuracy_chart_draws_the_scores() -> None:
    accuracy = forecast_accuracy(_book(), T)
    fig = accuracy_chart(accuracy.scores, "recurring", 30, "es")
    rows = accuracy.scores[(accuracy.scores["part"] == "recurring") & (accuracy.scores["horizon"] == 30)]
    assert [trace.name for trace in fig.data] == ["Previsión", "Real"]
    assert list(fig.data[0].y) == pytest.approx(rows["forecast"].tolist())
    assert list(fig.data[1].y) == pytest.approx(rows["actual"].tolist())
    assert fig.layout.title.text == "Recurrente, 30 días: previsión frente a real en fechas pasadas"


@pytest.fixture(scope="module")
def demo_frames(demo_template) -> Frames:
    """The demo portfolio (120 clients, seed 7) as loaded frames."""
    engine = get_engine(f"sqlite:///{demo_template}")
    try:
        return load_frames(engine)
    finally:
        engine.dispose()


DEMO_AS_OF = date(2026, 11, 25)


def _with_undated_invoice(book: Frames) -> tuple[Frames, int]:
    """The demo plus an invoice without an issue date for a prospect (no invoice yet) with an open deal."""
    open_deals = book.opportunities[open_mask(book.opportunities, DEMO_AS_OF)]
    prospect = int(sorted(set(open_deals["client_id"]) - set(book.invoices["client_id"]))[0])
    row = book.invoices.iloc[[0]].assign(
        invoice_id=int(book.invoices["invoice_id"].max()) + 1, client_id=prospect, issue_date=pd.NaT, due_date=pd.NaT
    )
    return replace(book, invoices=pd.concat([book.invoices, row], ignore_index=True)), prospect


@pytest.mark.parametrize("undated", [False, True])
def test_every_face_shares_one_pipeline_fit_equal_to_a_fresh_one(demo_frames: Frames, undated: bool) -> None:
    """client_health, the cards' parts, the by-owner table and the monthly chart read one fit per day and data,
    and each shows what an unshared fit gives. An invoice without an issue date makes no client a customer
    (client_health's first_invoice_date, `cadence.first_invoice_days`) on either path."""
    book, prospect = _with_undated_invoice(demo_frames) if undated else (demo_frames, None)
    pipeline_forecast._FITS.clear()
    misses = pipeline_forecast._FITS.misses
    health = client_health(book, DEMO_AS_OF)
    parts = pipeline_parts(book, DEMO_AS_OF)
    owners = owner_forecast(book, DEMO_AS_OF)
    monthly = monthly_revenue(book, DEMO_AS_OF)
    assert pipeline_forecast._FITS.misses == misses + 1  # one fit, four faces

    fresh = fit_pipeline(book.opportunities, book.stage_history, DEMO_AS_OF, book.invoices).model()
    assert fresh.learned == {30: True, 90: True} and len(fresh.deals) > 0
    by_client = learned_pipeline_by_client(fresh).reindex(health.index).fillna(0.0)
    for h in HORIZONS:
        assert health[f"pipeline_{h}d"].tolist() == by_client[f"pipeline_{h}d"].tolist()
        assert parts[f"learned_{h}d"] == float(to_cents(fresh.deals[f"learned_{h}d"].sum()))
        assert parts[f"new_{h}d"] == fresh.new_deals[h]
    pd.testing.assert_frame_equal(owners, forecast_by_owner(fresh))
    pipeline_forecast._FITS.clear()
    pd.testing.assert_frame_equal(monthly, monthly_revenue(book, DEMO_AS_OF))  # its own fit, month-end horizons only
    if prospect is not None:
        assert pd.isna(health.loc[prospect, "first_invoice_date"])
        assert not fresh.deals.loc[fresh.deals["client_id"] == prospect, "customer"].any()
