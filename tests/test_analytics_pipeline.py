"""Pipeline forecast and stage win rates on hand-made opportunity books."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from crm_core.analytics.pipeline import pipeline_forecast
from crm_core.frames import Frames

AS_OF = date(2024, 6, 30)


def _opps(rows: list[dict]) -> pd.DataFrame:
    base = Frames.empty().opportunities
    defaults = {"contact_id": None, "name": "deal", "description": None, "stage": "proposal",
                "closed_at": None, "won_amount": None, "lost_reason": None, "owner": "ana",
                "notes": None, "created_at": "2024-01-01", "version": 1, "expected_close": None}
    df = pd.DataFrame([{**defaults, **r} for r in rows])
    for col in ("expected_close", "closed_at", "created_at"):
        df[col] = pd.to_datetime(df[col], format="mixed").astype("datetime64[ns]")
    df["amount"] = df["amount"].astype("float64")
    df["probability"] = df["probability"].astype("int64")
    return pd.concat([base, df[base.columns]], ignore_index=True).astype(base.dtypes.to_dict())


def test_weighting_and_horizon_edges() -> None:
    opps = _opps([
        # 10,000 x 50 % closing exactly on as_of + 30: in both horizons -> 5,000
        {"opportunity_id": 1, "client_id": 1, "amount": 10_000, "probability": 50, "expected_close": "2024-07-30"},
        # 2,000 x 25 % closing on as_of + 31: only in 90 -> 500
        {"opportunity_id": 2, "client_id": 1, "amount": 2_000, "probability": 25, "expected_close": "2024-07-31"},
        # closing on as_of + 91: in neither
        {"opportunity_id": 3, "client_id": 1, "amount": 9_999, "probability": 90, "expected_close": "2024-09-29"},
        # as_of + 90 exactly: in 90 -> 1,000 x 40 % = 400
        {"opportunity_id": 4, "client_id": 2, "amount": 1_000, "probability": 40, "expected_close": "2024-09-28"},
    ])
    result = pipeline_forecast(opps, AS_OF)
    assert result.loc[1, "pipeline_30d"] == pytest.approx(5_000.0)
    assert result.loc[1, "pipeline_90d"] == pytest.approx(5_000.0 + 500.0)
    assert result.loc[2, "pipeline_30d"] == 0.0
    assert result.loc[2, "pipeline_90d"] == pytest.approx(400.0)


def test_past_due_counted_no_close_date_not_counted() -> None:
    opps = _opps([
        # close date two months ago, still open: counted in both -> 4,000 x 70 % = 2,800
        {"opportunity_id": 1, "client_id": 1, "amount": 4_000, "probability": 70, "expected_close": "2024-04-30"},
        # no close date: not counted
        {"opportunity_id": 2, "client_id": 1, "amount": 8_000, "probability": 90, "expected_close": None},
    ])
    result = pipeline_forecast(opps, AS_OF)
    assert result.loc[1].tolist() == pytest.approx([2_800.0, 2_800.0])


def test_closed_or_future_opportunities_not_counted() -> None:
    opps = _opps([
        # won on as_of: closed -> 0
        {"opportunity_id": 1, "client_id": 1, "amount": 1_000, "probability": 100, "stage": "won",
         "expected_close": "2024-07-05", "closed_at": "2024-06-30"},
        # lost after as_of: still open at as_of -> 3,000 x 20 % = 600
        {"opportunity_id": 2, "client_id": 1, "amount": 3_000, "probability": 20, "stage": "lost",
         "expected_close": "2024-07-05", "closed_at": "2024-07-02"},
        # created after as_of: does not exist yet -> 0
        {"opportunity_id": 3, "client_id": 2, "amount": 5_000, "probability": 50,
         "expected_close": "2024-07-05", "created_at": "2024-07-01"},
        # created on as_of at 18:00: exists
        {"opportunity_id": 4, "client_id": 3, "amount": 100, "probability": 10,
         "expected_close": "2024-07-05", "created_at": "2024-06-30 18:00"},
    ])
    result = pipeline_forecast(opps, AS_OF)
    assert result.loc[1, "pipeline_30d"] == pytest.approx(600.0)
    assert result.loc[2, "pipeline_90d"] == 0.0
    assert result.loc[3, "pipeline_30d"] == pytest.approx(10.0)


def test_empty_book() -> None:
    result = pipeline_forecast(Frames.empty().opportunities, AS_OF)
    assert result.empty
    assert list(result.columns) == ["pipeline_30d", "pipeline_90d"]
