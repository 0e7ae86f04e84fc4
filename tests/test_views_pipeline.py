"""Deals by stage, close months, totals, stale deals and missing next steps on a hand-made book."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from crm_core.views.pipeline import (
    close_by_month,
    deals_without_next_activity,
    open_deals,
    pipeline_totals,
    stage_summary,
    stale_deals,
)
from tests.frames_builder import frames

AS_OF = date(2026, 11, 25)


def _book():
    return frames(
        clients=[
            {"client_id": 1, "company_name": "Acme SL", "email": "a@acme.es"},
            {"client_id": 2, "company_name": "Beta SA", "email": "b@beta.es"},
        ],
        opportunities=[
            # open, proposal 10,000 x 40 % = 4,000, closes in 20 days (Dec)
            {
                "opportunity_id": 1,
                "client_id": 1,
                "name": "A1",
                "amount": 10_000.0,
                "stage": "proposal",
                "probability": 40,
                "expected_close": date(2026, 12, 15),
                "created_at": datetime(2026, 11, 1),
            },
            # open, negotiation 2,000 x 70 % = 1,400, close date passed (Oct)
            {
                "opportunity_id": 2,
                "client_id": 2,
                "name": "B1",
                "amount": 2_000.0,
                "stage": "negotiation",
                "probability": 70,
                "expected_close": date(2026, 10, 31),
                "created_at": datetime(2026, 6, 1),
            },
            # open, identified 5,000 x 10 % = 500, no close date
            {
                "opportunity_id": 3,
                "client_id": 2,
                "name": "B2",
                "amount": 5_000.0,
                "stage": "identified",
                "probability": 10,
                "expected_close": None,
                "created_at": datetime(2026, 11, 20),
            },
            # won on 1 Nov for 1,800 (amount 2,000)
            {
                "opportunity_id": 4,
                "client_id": 1,
                "name": "A0",
                "amount": 2_000.0,
                "stage": "won",
                "probability": 100,
                "won_amount": 1_800.0,
                "closed_at": date(2026, 11, 1),
                "created_at": datetime(2026, 8, 1),
            },
            # lost two years ago: outside the 365-day window
            {
                "opportunity_id": 5,
                "client_id": 1,
                "name": "old",
                "amount": 9_000.0,
                "stage": "lost",
                "probability": 0,
                "lost_reason": "price",
                "closed_at": date(2024, 11, 1),
                "created_at": datetime(2024, 8, 1),
            },
            # created after as_of: not in the pipeline yet
            {
                "opportunity_id": 6,
                "client_id": 1,
                "name": "future",
                "amount": 1_000.0,
                "stage": "identified",
                "probability": 10,
                "created_at": datetime(2026, 11, 26),
            },
        ],
        stage_history=[
            {
                "change_id": 1,
                "opportunity_id": 1,
                "from_stage": None,
                "to_stage": "identified",
                "changed_at": datetime(2026, 11, 1),
            },
            {
                "change_id": 2,
                "opportunity_id": 1,
                "from_stage": "identified",
                "to_stage": "proposal",
                "changed_at": datetime(2026, 11, 10),
            },
            {
                "change_id": 3,
                "opportunity_id": 2,
                "from_stage": None,
                "to_stage": "negotiation",
                "changed_at": datetime(2026, 6, 1),
            },
        ],
        activities=[
            # client 1: a call 5 days ago; client 2: last done activity 60 days before as_of
            {"activity_id": 1, "client_id": 1, "occurred_at": datetime(2026, 11, 20, 10)},
            {"activity_id": 2, "client_id": 2, "occurred_at": datetime(2026, 9, 26, 10)},
            # client 1 has a follow-up scheduled tomorrow; client 2 only an overdue one
            {"activity_id": 3, "client_id": 1, "kind": "task", "done": False, "occurred_at": datetime(2026, 11, 26, 9)},
            {"activity_id": 4, "client_id": 2, "kind": "task", "done": False, "occurred_at": datetime(2026, 11, 1, 9)},
        ],
    )


def test_open_deals_take_their_stage_as_of_the_date() -> None:
    book = _book()
    early = open_deals(book, date(2026, 11, 5)).set_index("opportunity_id")
    assert early.loc[1, "stage"] == "identified"  # moved to proposal only on 10 Nov
    assert open_deals(book, AS_OF).set_index("opportunity_id").loc[1, "stage"] == "proposal"


def test_open_deals_weighted() -> None:
    deals = open_deals(_book(), AS_OF).set_index("opportunity_id")
    assert sorted(deals.index) == [1, 2, 3]
    assert deals.loc[1, "weighted"] == pytest.approx(4_000.0)
    assert deals.loc[2, "company_name"] == "Beta SA"


def test_stage_summary_counts_and_amounts() -> None:
    summary = stage_summary(_book(), AS_OF).set_index("stage")
    assert list(summary.index) == ["identified", "contacted", "proposal", "negotiation", "won", "lost"]
    assert summary.loc["identified", "count"] == 1 and summary.loc["identified", "amount"] == 5_000.0
    assert summary.loc["contacted", "count"] == 0 and summary.loc["contacted", "amount"] == 0.0
    assert summary.loc["proposal", "weighted"] == pytest.approx(4_000.0)
    assert summary.loc["negotiation", "weighted"] == pytest.approx(1_400.0)
    assert summary.loc["won", "count"] == 1 and summary.loc["won", "amount"] == 1_800.0
    assert summary.loc["lost", "count"] == 0  # closed 2024, outside the window


def test_pipeline_totals_match_forecast() -> None:
    totals = pipeline_totals(_book(), AS_OF)
    assert totals["open_count"] == 3
    assert totals["open_amount"] == pytest.approx(17_000.0)
    assert totals["weighted"] == pytest.approx(4_000.0 + 1_400.0 + 500.0)
    # typed, 30 days: A1 (15 Dec) 4,000 + B1 past due 1,400; B2 has no date
    assert totals["typed_30d"] == pytest.approx(5_400.0)
    assert totals["typed_90d"] == pytest.approx(5_400.0)
    # three deals are too little history to learn from: the learned figure is the typed one, no new deals
    assert totals["forecast_30d"] == totals["learned_30d"] == pytest.approx(5_400.0)
    assert totals["forecast_90d"] == totals["learned_90d"] == pytest.approx(5_400.0)
    assert totals["new_30d"] == totals["new_90d"] == 0.0


def test_close_by_month() -> None:
    months = close_by_month(_book(), AS_OF).set_index("month")
    assert list(months.index) == [pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-01")]
    assert bool(months.loc[pd.Timestamp("2026-10-01"), "overdue"]) is True
    assert bool(months.loc[pd.Timestamp("2026-12-01"), "overdue"]) is False
    assert months.loc[pd.Timestamp("2026-12-01"), "weighted"] == pytest.approx(4_000.0)


def test_stale_deals_reasons() -> None:
    stale = stale_deals(_book(), AS_OF).set_index("opportunity_id")
    # B1: close date passed and untouched for 60 days (last call 26 Sep); A1 touched 5 days ago;
    # B2 created 5 days ago
    assert list(stale.index) == [2]
    assert bool(stale.loc[2, "close_passed"]) and bool(stale.loc[2, "idle"])
    assert stale.loc[2, "days_idle"] == 60


def test_stale_deals_inactivity_threshold() -> None:
    # with a 5-day threshold, A1 (touched 5 days ago) and B2 (created 5 days ago) are idle too
    stale = stale_deals(_book(), AS_OF, inactivity_days=5)
    assert sorted(stale["opportunity_id"]) == [1, 2, 3]


def test_deals_without_next_activity() -> None:
    missing = deals_without_next_activity(_book(), AS_OF)
    # client 1 has a task tomorrow; client 2 only an overdue one, so both its deals lack a next step
    assert sorted(missing["opportunity_id"]) == [2, 3]


def test_every_view_works_on_a_book_without_deals() -> None:
    book = frames(clients=[{"client_id": 1, "company_name": "Solo", "email": "s@s.es"}])
    assert pipeline_totals(book, AS_OF) == {
        "open_count": 0.0,
        "open_amount": 0.0,
        "weighted": 0.0,
        **{f"{name}_{h}d": 0.0 for h in (30, 90) for name in ("forecast", "learned", "new", "typed")},
    }
    assert stage_summary(book, AS_OF)["count"].sum() == 0
    assert close_by_month(book, AS_OF).empty
    assert stale_deals(book, AS_OF).empty
    assert deals_without_next_activity(book, AS_OF).empty


def test_a_deal_never_touched_since_creation_is_idle_from_its_creation() -> None:
    book = frames(
        clients=[{"client_id": 1, "company_name": "Solo", "email": "s@s.es"}],
        opportunities=[
            {"opportunity_id": 1, "client_id": 1, "name": "d", "amount": 100.0, "created_at": datetime(2026, 10, 1, 16, 0)}
        ],
    )  # no activities, no stage history
    stale = stale_deals(book, AS_OF)
    assert stale["days_idle"].tolist() == [55]  # 1 Oct -> 25 Nov
    assert deals_without_next_activity(book, AS_OF)["opportunity_id"].tolist() == [1]


def test_pipeline_view_shares_its_open_deals_and_equals_each_figure_built_alone(demo_db: str) -> None:
    """pipeline_view finds the open deals once and hands them to every figure: each equals what the
    figure's own function gives from the frames alone, and the shared deals are left unchanged."""
    from crm_core.db import get_engine
    from crm_core.store.frames import load_frames
    from crm_core.views import pipeline as pv

    frames = load_frames(get_engine(demo_db))
    as_of = date(2026, 11, 25)
    view = pv.pipeline_view(frames, as_of)
    assert view.totals == pv.pipeline_totals(frames, as_of)
    pd.testing.assert_frame_equal(view.by_stage, pv.stage_summary(frames, as_of))
    pd.testing.assert_frame_equal(view.by_month, pv.close_by_month(frames, as_of))
    pd.testing.assert_frame_equal(view.stale, pv.stale_deals(frames, as_of))
    pd.testing.assert_frame_equal(view.no_next_activity, pv.deals_without_next_activity(frames, as_of))
    alone = pv.open_deals(frames, as_of)
    pd.testing.assert_frame_equal(view.open_deals, alone.sort_values(["company_name", "name"]))
    assert "last_touch" not in view.open_deals.columns and len(view.stale) > 0
