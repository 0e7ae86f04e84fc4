"""Pipeline forecast and stage win rates on hand-made opportunity books."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics.pipeline import pipeline_forecast, stage_as_of, stage_win_rates
from crm_core.store.frames import Frames
from tests import frames_builder as builder

AS_OF = date(2024, 6, 30)
NO_HISTORY = Frames.empty().stage_history


def _opps(rows: list[dict]) -> pd.DataFrame:
    base = Frames.empty().opportunities
    defaults = {
        "contact_id": None,
        "name": "deal",
        "description": None,
        "stage": "proposal",
        "closed_at": None,
        "won_amount": None,
        "lost_reason": None,
        "owner": "ana",
        "notes": None,
        "created_at": "2024-01-01",
        "version": 1,
        "expected_close": None,
    }
    df = pd.DataFrame([{**defaults, **r} for r in rows])
    for col in ("expected_close", "closed_at", "created_at"):
        df[col] = pd.to_datetime(df[col], format="mixed").astype("datetime64[ns]")
    df["amount"] = df["amount"].astype("float64")
    df["probability"] = df["probability"].astype("int64")
    return pd.concat([base, df[base.columns]], ignore_index=True).astype(base.dtypes.to_dict())


def test_weighting_and_horizon_edges() -> None:
    opps = _opps(
        [
            # 10,000 x 50 % closing exactly on as_of + 30: in both horizons -> 5,000
            {"opportunity_id": 1, "client_id": 1, "amount": 10_000, "probability": 50, "expected_close": "2024-07-30"},
            # 2,000 x 25 % closing on as_of + 31: only in 90 -> 500
            {"opportunity_id": 2, "client_id": 1, "amount": 2_000, "probability": 25, "expected_close": "2024-07-31"},
            # closing on as_of + 91: in neither
            {"opportunity_id": 3, "client_id": 1, "amount": 9_999, "probability": 90, "expected_close": "2024-09-29"},
            # as_of + 90 exactly: in 90 -> 1,000 x 40 % = 400
            {"opportunity_id": 4, "client_id": 2, "amount": 1_000, "probability": 40, "expected_close": "2024-09-28"},
        ]
    )
    result = pipeline_forecast(opps, AS_OF, NO_HISTORY)
    assert result.loc[1, "pipeline_30d"] == pytest.approx(5_000.0)
    assert result.loc[1, "pipeline_90d"] == pytest.approx(5_000.0 + 500.0)
    assert result.loc[2, "pipeline_30d"] == 0.0
    assert result.loc[2, "pipeline_90d"] == pytest.approx(400.0)


def test_past_due_counted_no_close_date_not_counted() -> None:
    opps = _opps(
        [
            # close date two months ago, still open: counted in both -> 4,000 x 70 % = 2,800
            {"opportunity_id": 1, "client_id": 1, "amount": 4_000, "probability": 70, "expected_close": "2024-04-30"},
            # no close date: not counted
            {"opportunity_id": 2, "client_id": 1, "amount": 8_000, "probability": 90, "expected_close": None},
        ]
    )
    result = pipeline_forecast(opps, AS_OF, NO_HISTORY)
    assert result.loc[1].tolist() == pytest.approx([2_800.0, 2_800.0])


def test_closed_or_future_opportunities_not_counted() -> None:
    opps = _opps(
        [
            # won on as_of: closed -> 0
            {
                "opportunity_id": 1,
                "client_id": 1,
                "amount": 1_000,
                "probability": 100,
                "stage": "won",
                "expected_close": "2024-07-05",
                "closed_at": "2024-06-30",
            },
            # lost after as_of: still open at as_of, in contacted then (default 20 %) -> 3,000 x 20 % = 600
            {
                "opportunity_id": 2,
                "client_id": 1,
                "amount": 3_000,
                "probability": 20,
                "stage": "lost",
                "expected_close": "2024-07-05",
                "closed_at": "2024-07-02",
            },
            # created after as_of: does not exist yet -> 0
            {
                "opportunity_id": 3,
                "client_id": 2,
                "amount": 5_000,
                "probability": 50,
                "expected_close": "2024-07-05",
                "created_at": "2024-07-01",
            },
            # created on as_of at 18:00: exists
            {
                "opportunity_id": 4,
                "client_id": 3,
                "amount": 100,
                "probability": 10,
                "expected_close": "2024-07-05",
                "created_at": "2024-06-30 18:00",
            },
        ]
    )
    history = builder.table(
        "stage_history",
        [{"change_id": 1, "opportunity_id": 2, "to_stage": "contacted", "changed_at": pd.Timestamp("2024-01-01")}],
    )
    result = pipeline_forecast(opps, AS_OF, history)
    assert result.loc[1, "pipeline_30d"] == pytest.approx(600.0)
    assert result.loc[2, "pipeline_90d"] == 0.0
    assert result.loc[3, "pipeline_30d"] == pytest.approx(10.0)


def test_empty_book() -> None:
    result = pipeline_forecast(Frames.empty().opportunities, AS_OF, NO_HISTORY)
    assert result.empty
    assert list(result.columns) == ["pipeline_30d", "pipeline_90d"]


def _stage_book() -> Frames:
    """Five deals with hand-written histories (creation rows have from_stage None)."""
    opportunities = [
        # 1: identified -> contacted -> proposal -> won (closed 2024-03-01)
        {"opportunity_id": 1, "client_id": 1, "amount": 100.0, "stage": "won", "probability": 100, "closed_at": "2024-03-01"},
        # 2: identified -> proposal -> lost (skipped contacted)
        {"opportunity_id": 2, "client_id": 1, "amount": 100.0, "stage": "lost", "probability": 0, "closed_at": "2024-03-05"},
        # 3: contacted -> won, closed after as_of: not closed yet, so not counted
        {"opportunity_id": 3, "client_id": 2, "amount": 100.0, "stage": "won", "probability": 100, "closed_at": "2024-07-10"},
        # 4: identified -> contacted, still open (typed 30 %)
        {"opportunity_id": 4, "client_id": 2, "amount": 100.0, "stage": "contacted", "probability": 30},
        # 5: proposal, open, typed 50 %; moved to negotiation only after as_of
        {"opportunity_id": 5, "client_id": 3, "amount": 100.0, "stage": "negotiation", "probability": 50},
    ]
    changes = [
        (1, None, "identified", "2024-01-01"),
        (1, "identified", "contacted", "2024-01-10"),
        (1, "contacted", "proposal", "2024-02-01"),
        (1, "proposal", "won", "2024-03-01 12:00"),
        (2, None, "identified", "2024-01-02"),
        (2, "identified", "proposal", "2024-02-02"),
        (2, "proposal", "lost", "2024-03-05 12:00"),
        (3, None, "contacted", "2024-02-01"),
        (3, "contacted", "won", "2024-07-10 12:00"),
        (4, None, "identified", "2024-03-01"),
        (4, "identified", "contacted", "2024-04-01"),
        (5, None, "proposal", "2024-05-01"),
        (5, "proposal", "negotiation", "2024-07-01 09:00"),
    ]
    history = [
        {"change_id": k + 1, "opportunity_id": o, "from_stage": f, "to_stage": t, "changed_at": pd.Timestamp(c)}
        for k, (o, f, t, c) in enumerate(changes)
    ]
    for row in opportunities:
        row["created_at"] = pd.Timestamp("2024-01-01")
        row["closed_at"] = pd.Timestamp(row["closed_at"]) if "closed_at" in row else None
    return builder.frames(opportunities=opportunities, stage_history=history)


def test_stage_win_rates_from_hand_history() -> None:
    rates = stage_win_rates(_stage_book(), AS_OF).set_index("stage")
    # Closed by as_of: deals 1 (won) and 2 (lost). identified: both reached it -> 1 won of 2.
    # contacted: only deal 1 (deal 2 skipped it; deal 3 closed after as_of) -> 1 of 1.
    # proposal: deals 1 and 2 -> 1 of 2. negotiation: none closed.
    assert rates.loc["identified", ["closed", "won"]].tolist() == [2, 1]
    assert rates.loc["contacted", ["closed", "won"]].tolist() == [1, 1]
    assert rates.loc["proposal", ["closed", "won"]].tolist() == [2, 1]
    assert rates.loc["negotiation", ["closed", "won"]].tolist() == [0, 0]
    assert rates.loc["identified", "observed_rate"] == pytest.approx(50.0)
    assert np.isnan(rates.loc["negotiation", "observed_rate"])
    # Shrunk with 10 prior deals at the default: identified (100 x 1 + 10 x 10) / (2 + 10) = 16.67 %;
    # contacted (100 + 10 x 20) / 11 = 27.27 %; negotiation without closed deals = its default 70 %.
    assert rates.loc["identified", "win_rate"] == pytest.approx(200 / 12)
    assert rates.loc["contacted", "win_rate"] == pytest.approx(300 / 11)
    assert rates.loc["negotiation", "win_rate"] == pytest.approx(70.0)
    assert rates.loc["proposal", "default_probability"] == 40.0
    # Open on as_of: deal 3 (contacted; won later, so its 100 is not the figure of as_of: the contacted
    # default 20), deal 4 (contacted, 30), deal 5 (still proposal on as_of, typed 50).
    # contacted mean = (20 + 30) / 2 = 25.
    assert rates.loc["contacted", "mean_typed_probability"] == pytest.approx(25.0)
    assert rates.loc["contacted", "open_count"] == 2
    assert rates.loc["proposal", "mean_typed_probability"] == pytest.approx(50.0)
    assert np.isnan(rates.loc["negotiation", "mean_typed_probability"])


def test_many_closed_deals_follow_history() -> None:
    # 200 deals created at proposal, 150 won, 50 lost: (100 x 150 + 10 x 40) / 210 = 73.3 %.
    opportunities, history = [], []
    for k in range(200):
        won = k < 150
        opportunities.append(
            {
                "opportunity_id": k + 1,
                "client_id": 1,
                "amount": 10.0,
                "stage": "won" if won else "lost",
                "probability": 100 if won else 0,
                "created_at": pd.Timestamp("2024-01-01"),
                "closed_at": pd.Timestamp("2024-02-01"),
            }
        )
        history.append(
            {
                "change_id": k + 1,
                "opportunity_id": k + 1,
                "from_stage": None,
                "to_stage": "proposal",
                "changed_at": pd.Timestamp("2024-01-01"),
            }
        )
    rates = stage_win_rates(builder.frames(opportunities=opportunities, stage_history=history), AS_OF)
    proposal = rates.set_index("stage").loc["proposal"]
    assert proposal["observed_rate"] == pytest.approx(75.0)
    assert proposal["win_rate"] == pytest.approx((15_000 + 400) / 210)


def _deal_won_on(closed_at: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """10,000 in proposal at 40 % since 1 June, closing 20 July; won on `closed_at` (None: still open)."""
    won = closed_at is not None
    opps = _opps(
        [
            {
                "opportunity_id": 1,
                "client_id": 1,
                "amount": 10_000,
                "probability": 100 if won else 40,
                "stage": "won" if won else "proposal",
                "expected_close": "2024-07-20",
                "closed_at": closed_at,
                "created_at": "2024-06-01",
            }
        ]
    )
    changes = [
        {
            "change_id": 1,
            "opportunity_id": 1,
            "from_stage": None,
            "to_stage": "proposal",
            "changed_at": pd.Timestamp("2024-06-01"),
        }
    ]
    if won:
        changes.append(
            {
                "change_id": 2,
                "opportunity_id": 1,
                "from_stage": "proposal",
                "to_stage": "won",
                "changed_at": pd.Timestamp(closed_at),
            }
        )
    return opps, builder.table("stage_history", changes)


def test_a_deal_won_after_as_of_keeps_its_probability_then() -> None:
    assert pipeline_forecast(*_deal_won_on(None)[:1], AS_OF, NO_HISTORY).loc[1, "pipeline_30d"] == 4_000.0
    opps, history = _deal_won_on("2024-07-15")
    assert pipeline_forecast(opps, AS_OF, history).loc[1, "pipeline_30d"] == 4_000.0  # proposal default: 40 %
    # Won on or before as_of it is closed: out of the pipeline.
    assert pipeline_forecast(opps, date(2024, 7, 15), history).loc[1, "pipeline_30d"] == 0.0


@pytest.mark.filterwarnings("error")  # no pandas fillna-downcasting / incompatible fill warning
def test_stage_as_of_without_any_change_keeps_the_stage_field() -> None:
    opps, _ = _deal_won_on(None)
    stages = stage_as_of(opps, NO_HISTORY, AS_OF)
    assert stages.tolist() == ["proposal"]
    assert stages.dtype == object


def test_weighted_pipeline_is_to_the_cent() -> None:
    opps = _opps(
        [
            # client 1: 1.00 x 10 % + 2.00 x 10 % = 0.10 + 0.20 = 0.30 (float64: 0.30000000000000004)
            {"opportunity_id": 1, "client_id": 1, "amount": 1.0, "probability": 10, "expected_close": "2024-07-10"},
            {"opportunity_id": 2, "client_id": 1, "amount": 2.0, "probability": 10, "expected_close": "2024-07-10"},
            # client 2: 1,000.01 x 33 % = 330.0033 -> 330.00
            {"opportunity_id": 3, "client_id": 2, "amount": 1_000.01, "probability": 33, "expected_close": "2024-07-10"},
        ]
    )
    result = pipeline_forecast(opps, AS_OF, NO_HISTORY)
    assert result.loc[1].tolist() == [0.30, 0.30]
    assert result.loc[2].tolist() == [330.0, 330.0]
