"""Monthly revenue: actual months from invoices, forecast months from the recurring model + learned pipeline."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from crm_core.analytics.monthly import monthly_revenue
from crm_core.analytics.pipeline_forecast import learned_pipeline
from crm_core.store.frames import Frames
from tests.frames_builder import d, frames

AS_OF = date(2024, 6, 15)


def _invoice(invoice_id: int, client_id: int, issued: str, total: float, void: bool = False) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F{invoice_id}",
        "issue_date": d(issued),
        "due_date": d(issued),
        "total": total,
        "void": void,
        "credit_note": total < 0,
    }


RECENT = datetime(2024, 6, 1)  # deals created this late leave no history to learn from: the typed figure stands in


def _book() -> Frames:
    invoices = [
        _invoice(1, 1, "2024-03-03", 1_000.0),
        _invoice(2, 2, "2024-03-31", 250.0),
        _invoice(3, 1, "2024-05-02", 1_000.0),
        _invoice(4, 1, "2024-05-20", -100.0),
        _invoice(5, 2, "2024-05-21", 700.0, void=True),
        _invoice(6, 1, "2024-06-10", 400.0),
        _invoice(7, 1, "2024-06-16", 9_999.0),  # after as_of
    ]
    opportunities = [
        # 10,000 x 50 % closing in August; 2,000 x 10 % past due (April) -> rest of June
        {
            "opportunity_id": 1,
            "client_id": 1,
            "amount": 10_000.0,
            "probability": 50,
            "expected_close": pd.Timestamp("2024-08-20"),
            "created_at": RECENT,
        },
        {
            "opportunity_id": 2,
            "client_id": 2,
            "amount": 2_000.0,
            "probability": 10,
            "expected_close": pd.Timestamp("2024-04-01"),
            "created_at": RECENT,
        },
        {"opportunity_id": 3, "client_id": 2, "amount": 5_000.0, "probability": 90, "expected_close": None, "created_at": RECENT},
    ]
    return frames(invoices=invoices, opportunities=opportunities)


def test_actual_months_are_invoice_sums() -> None:
    result = monthly_revenue(_book(), AS_OF)
    actual = result[result["kind"] == "actual"].set_index("month")["revenue"]
    # March 1,000 + 250; April nothing; May 1,000 - 100 (void 700 excluded); June to the 15th: 400.
    assert actual.index.tolist() == list(pd.to_datetime(["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01"]))
    assert actual.tolist() == pytest.approx([1_250.0, 0.0, 900.0, 400.0])


def test_forecast_months_and_pipeline_by_close_month_without_history() -> None:
    """Too little history to learn from: the learned pipeline is the typed figure, by expected close."""
    result = monthly_revenue(_book(), AS_OF, months_ahead=3)
    forecast = result[result["kind"] == "forecast"].set_index("month")["revenue"]
    # the rest of June, then July, August, September
    assert forecast.index.tolist() == list(pd.to_datetime(["2024-06-01", "2024-07-01", "2024-08-01", "2024-09-01"]))
    no_pipeline = Frames(**{**_book().__dict__, "opportunities": Frames.empty().opportunities})
    recurring = monthly_revenue(no_pipeline, AS_OF).query("kind == 'forecast'").set_index("month")["revenue"]
    # past-due 2,000 x 10 % = 200 in June; 10,000 x 50 % = 5,000 in August; no close date: nothing.
    added = (forecast - recurring).tolist()
    assert added == pytest.approx([200.0, 0.0, 5_000.0, 0.0])
    assert (recurring >= 0).all()


def test_pipeline_months_are_the_learned_pipeline_of_the_cards() -> None:
    """With history the pipeline months are the learned model (open deals + deals not yet created) at
    each month end, month by month: the same figures as the expected-revenue cards, not the typed ones."""
    created = pd.date_range("2023-01-01 09:00", "2024-05-31", freq="7D")  # a deal a week, won 25 days later
    opportunities = [
        {
            "opportunity_id": 100 + k,
            "client_id": 1,
            "amount": 1_000.0,
            "stage": "won",
            "won_amount": 1_000.0,
            "created_at": day.to_pydatetime(),
            "closed_at": day.normalize() + pd.Timedelta(days=25),
            "expected_close": day.normalize() + pd.Timedelta(days=20),
        }
        for k, day in enumerate(created)
    ]
    opportunities.append(  # open, due in August, typed 50 %
        {
            "opportunity_id": 1,
            "client_id": 1,
            "amount": 10_000.0,
            "probability": 50,
            "expected_close": pd.Timestamp("2024-08-20"),
            "created_at": datetime(2024, 6, 10, 9),
        }
    )
    book = Frames(**{**_book().__dict__, "opportunities": frames(opportunities=opportunities).opportunities})
    result = monthly_revenue(book, AS_OF, months_ahead=3).query("kind == 'forecast'")
    no_pipeline = Frames(**{**book.__dict__, "opportunities": Frames.empty().opportunities})
    recurring = monthly_revenue(no_pipeline, AS_OF).query("kind == 'forecast'")
    added = result["revenue"].to_numpy() - recurring["revenue"].to_numpy()
    ends = (15, 46, 77, 107)  # days from 2024-06-15 to the ends of June, July, August, September
    model = learned_pipeline(book.opportunities, book.stage_history, AS_OF, book.invoices, ends)
    assert all(model.learned.values())
    cumulative = [float(model.deals[f"learned_{h}d"].sum()) + model.new_deals[h] for h in ends]
    assert added.tolist() == pytest.approx(
        [cumulative[0], *(b - a for a, b in zip(cumulative, cumulative[1:], strict=False))], abs=0.02
    )
    # deals are created and won every week: the new-deal part fills every month, the typed 5,000 in August does not stand
    assert (added > 500.0).all() and added[2] < 5_000.0


def test_recurring_months_add_up_to_the_recurring_horizon() -> None:
    from crm_core.analytics.forecast import forecast_from_history, purchase_history

    book = _book()
    result = monthly_revenue(Frames(**{**book.__dict__, "opportunities": Frames.empty().opportunities}), AS_OF)
    forecast = result[result["kind"] == "forecast"]["revenue"].sum()
    # 2024-06-15 to 2024-09-30 is 107 days: the months together equal the 107-day forecast (each of
    # the 4 months rounded to the cent: within 4 x half a cent).
    total = forecast_from_history(purchase_history(book.invoices, AS_OF), (107,))[107].sum()
    assert forecast == pytest.approx(total, abs=0.02)


def test_empty_frames() -> None:
    result = monthly_revenue(Frames.empty(), AS_OF, months_ahead=2)
    assert result["kind"].tolist() == ["actual", "forecast", "forecast", "forecast"]
    assert result["revenue"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_revenue_is_to_the_cent() -> None:
    # Actual June: 0.10 (Jun 1) + 0.20 (Jun 2) = 0.30 (a float64 sum gives 0.30000000000000004).
    # Forecast: pipeline 1.00 x 10 % + 2.00 x 10 % = 0.30 in July on top of the recurring model;
    # every forecast month is a whole number of cents.
    book = frames(
        invoices=[_invoice(1, 1, "2024-06-01", 0.10), _invoice(2, 1, "2024-06-02", 0.20)],
        opportunities=[
            {
                "opportunity_id": k,
                "client_id": 1,
                "amount": float(k),
                "probability": 10,
                "expected_close": pd.Timestamp("2024-07-10"),
            }
            for k in (1, 2)
        ],
    )
    result = monthly_revenue(book, AS_OF)
    actual = result[result["kind"] == "actual"].set_index("month")["revenue"]
    assert actual.loc[pd.Timestamp("2024-06-01")] == 0.30
    forecast = result[result["kind"] == "forecast"]["revenue"]
    assert ((forecast * 100).round() / 100 == forecast).all(), forecast.tolist()
