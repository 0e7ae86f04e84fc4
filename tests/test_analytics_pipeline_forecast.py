"""The learned pipeline forecast on hand-made books: rates from replayed snapshots, new deals, as_of safety."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics.pipeline import open_mask
from crm_core.analytics.pipeline_forecast import (
    _horizon_rates,
    _Learned,
    forecast_by_owner,
    learned_pipeline,
    learned_pipeline_by_client,
)
from tests.frames_builder import frames

T = date(2026, 6, 30)  # snapshots S = Jun 15 and May 31 (no deal exists before 2026-05-20)
W = 0.5 ** (15 / 45)  # weight of May 31 in the first period (15 days older than its latest snapshot, Jun 15)


def _deal(
    i: int,
    *,
    created: datetime,
    close: date | None,
    amount: float,
    stage: str = "identified",
    closed: date | None = None,
    won: float | None = None,
    owner: str = "Ana",
    client: int = 1,
    probability: int = 10,
) -> dict[str, Any]:
    return {
        "opportunity_id": i,
        "client_id": client,
        "name": f"D{i}",
        "amount": amount,
        "stage": stage,
        "probability": probability,
        "expected_close": close,
        "closed_at": closed,
        "won_amount": won,
        "owner": owner,
        "created_at": created,
    }


def _history(i: int, created: datetime, closed: date | None = None, to: str | None = None) -> list[dict[str, Any]]:
    rows = [{"change_id": i * 10, "opportunity_id": i, "from_stage": None, "to_stage": "identified", "changed_at": created}]
    if closed is not None:
        rows.append(
            {
                "change_id": i * 10 + 1,
                "opportunity_id": i,
                "from_stage": "identified",
                "to_stage": to,
                "changed_at": datetime.combine(closed, datetime.min.time()).replace(hour=12),
            }
        )
    return rows


MAY20 = datetime(2026, 5, 20, 9)


def _book(d3_closes_later: bool = False, with_d6: bool = False):
    """At S = May 31: D1 and D2 open, 6 days past their close date (overdue_1_30), 11 days in stage;
    D1 won 800 on Jun 15 (first 15-day period), D2 lost on Jun 20 (second): that cell learns 0.4 for
    the first period and 0 for the second. D3 (3,000, due Jun 20) is still open at T. At S = Jun 15
    (first period only): D2 and D3 sit 26 days in stage (stage_22_60) and win nothing; D4, created on
    Jun 5 (due_0_29, stage_0_21), is won 500 on Jun 25. D4 is also the new-deal part: created in the
    15 days after May 31, won in the 15 days after that. D5 (2,000) is created on Jun 20, due Jun 25:
    at T it sits in D1/D2's cell at May 31.
    """
    d3_closed = date(2026, 7, 15) if d3_closes_later else None
    opportunities = [
        _deal(1, created=MAY20, close=date(2026, 5, 25), amount=1_000.0, stage="won", closed=date(2026, 6, 15), won=800.0),
        _deal(2, created=MAY20, close=date(2026, 5, 25), amount=1_000.0, stage="lost", closed=date(2026, 6, 20)),
        _deal(
            3,
            created=MAY20,
            close=date(2026, 6, 20),
            amount=3_000.0,
            client=2,
            owner="Luis",
            stage="won" if d3_closes_later else "identified",
            closed=d3_closed,
            won=3_000.0 if d3_closes_later else None,
            probability=100 if d3_closes_later else 10,
        ),
        _deal(
            4,
            created=datetime(2026, 6, 5, 9),
            close=date(2026, 6, 30),
            amount=500.0,
            stage="won",
            closed=date(2026, 6, 25),
            won=500.0,
        ),
        _deal(5, created=datetime(2026, 6, 20, 9), close=date(2026, 6, 25), amount=2_000.0),
    ]
    history = [
        *_history(1, MAY20, date(2026, 6, 15), "won"),
        *_history(2, MAY20, date(2026, 6, 20), "lost"),
        *_history(3, MAY20, d3_closed, "won" if d3_closes_later else None),
        *_history(4, datetime(2026, 6, 5, 9), date(2026, 6, 25), "won"),
        *_history(5, datetime(2026, 6, 20, 9)),
    ]
    if with_d6:  # see test_the_first_days_of_the_window_learn_from_the_latest_snapshot
        opportunities.append(_deal(6, created=datetime(2026, 6, 25, 9), close=date(2026, 7, 20), amount=1_000.0))
        history += _history(6, datetime(2026, 6, 25, 9))
    return frames(
        clients=[
            {"client_id": 1, "company_name": "Uno", "email": "u@u.es"},
            {"client_id": 2, "company_name": "Dos", "email": "d@d.es"},
        ],
        opportunities=opportunities,
        stage_history=history,
    )


def _model(book):
    return learned_pipeline(book.opportunities, book.stage_history, T, book.invoices, (30,), prior_deals=0.0, min_seen=1)


def test_rates_come_from_what_deals_in_the_same_cell_really_won() -> None:
    model = _model(_book())
    deals = model.deals.set_index("opportunity_id")
    assert sorted(deals.index) == [3, 5]  # open on T
    assert model.snapshots == {30: 2}
    # D5: overdue by 5 days, 10 days in stage, like D1 and D2 at May 31: 2,000 x (0.4 + 0)
    assert deals.loc[5, "timing"] == "overdue_1_30" and deals.loc[5, "stage_age"] == "stage_0_21"
    assert deals.loc[5, "learned_30d"] == pytest.approx(800.0)
    # D3: overdue, 41 days in stage: the first period learns from D2 at Jun 15 (same stage age and timing,
    # nothing won), the second has nobody in stage_22_60: its parent, all deals at May 31, won 0 there
    assert deals.loc[3, "stage_age"] == "stage_22_60" and deals.loc[3, "timing"] == "overdue_1_30"
    assert deals.loc[3, "learned_30d"] == pytest.approx(0.0)
    # typed: probability x amount of deals due by T + 30, past-due included
    assert deals.loc[5, "typed_30d"] == pytest.approx(200.0)
    assert deals.loc[3, "typed_30d"] == pytest.approx(300.0)
    # deals created and won inside the window: D4's 500, won one period after its creation period; it
    # fits in 1 of the window's 2 creation periods (nothing is won in the period a deal is created)
    assert model.new_deals == {30: 500.0}
    assert model.new_by_owner.loc["Ana", "new_30d"] == pytest.approx(500.0)


def test_the_first_days_of_the_window_learn_from_the_latest_snapshot() -> None:
    """Chain ladder: D6 (1,000, 5 days in stage, due in 20 days) sits where D4 sat on Jun 15, 15 days before T.
    Its first 15 days learn from Jun 15 and May 31 (D4's 500 of 500 at weight 1, D3's 3,000 unwon at W),
    its last 15 days from May 31 only (D3: 0); a model whose windows must end by T would see May 31 only: 0."""
    book = _book(with_d6=True)
    deals = _model(book).deals.set_index("opportunity_id")
    assert deals.loc[6, "timing"] == "due_0_29" and deals.loc[6, "stage_age"] == "stage_0_21"
    assert deals.loc[6, "learned_30d"] == pytest.approx(round(1_000.0 * 500.0 / (500.0 + 3_000.0 * W), 2))


def test_nothing_dated_after_as_of_changes_the_forecast() -> None:
    """D3 closes won on Jul 15, after T: its close, won amount and 100 % must not leak into T's figures."""
    before = _model(_book())
    after = _model(_book(d3_closes_later=True))
    assert after.deals.drop(columns="probability").equals(before.deals.drop(columns="probability"))
    assert after.new_deals == before.new_deals
    # the typed probability of a deal closed later is its stage default on T (10 % for identified)
    assert after.deals.set_index("opportunity_id").loc[3, "typed_30d"] == pytest.approx(300.0)


def test_per_client_and_per_owner_sums() -> None:
    model = _model(_book())
    by_client = learned_pipeline_by_client(model, (30,))
    assert by_client.loc[1, "pipeline_30d"] == pytest.approx(800.0)
    assert by_client.loc[2, "pipeline_30d"] == pytest.approx(0.0)
    owners = forecast_by_owner(model, (30,)).set_index("owner")
    assert owners.loc["Ana", "learned_30d"] == pytest.approx(800.0)
    assert owners.loc["Ana", "new_30d"] == pytest.approx(500.0)
    assert owners.loc["Ana", "total_30d"] == pytest.approx(1_300.0)
    assert owners.loc["Ana", "typed_30d"] == pytest.approx(200.0)
    assert owners.loc["Luis", "total_30d"] == pytest.approx(0.0)
    assert owners.loc["Luis", "open_deals"] == 1


def test_too_little_history_falls_back_to_the_typed_figure() -> None:
    book = _book()
    model = learned_pipeline(book.opportunities, book.stage_history, T, book.invoices, (30,))  # 3 deals seen < 50
    assert model.learned == {30: False}
    assert model.deals["learned_30d"].tolist() == model.deals["typed_30d"].tolist()
    assert model.new_deals == {30: 0.0}


def test_a_long_overdue_deal_is_worth_far_less_than_its_typed_probability() -> None:
    """60 deals that sit 200+ days past their close date and never close, 60 fresh ones won within days:
    a negotiation deal 200 days overdue typed at 70 % is worth almost nothing; a fresh one close to its win rate."""
    opportunities, history = [], []
    for k in range(60):
        created = datetime(2025, 1 + k % 12, 6, 9)
        opportunities.append(_deal(100 + k, created=created, close=date(2025, 1, 31), amount=1_000.0, probability=70))
        history += _history(100 + k, created)
        fresh = datetime(2025, 7, 1, 9) if k < 30 else datetime(2026, 1 + k % 5, 1, 9)
        won_on = fresh.date().replace(day=20)
        opportunities.append(_deal(200 + k, created=fresh, close=won_on, amount=1_000.0, stage="won", closed=won_on, won=1_000.0))
        history += _history(200 + k, fresh, won_on, "won")
    opportunities.append(_deal(1, created=datetime(2025, 11, 1, 9), close=date(2025, 12, 1), amount=10_000.0, probability=70))
    history += _history(1, datetime(2025, 11, 1, 9))
    opportunities.append(_deal(2, created=datetime(2026, 6, 25, 9), close=date(2026, 7, 10), amount=10_000.0, probability=70))
    history += _history(2, datetime(2026, 6, 25, 9))
    book = frames(
        clients=[{"client_id": 1, "company_name": "Uno", "email": "u@u.es"}], opportunities=opportunities, stage_history=history
    )
    model = learned_pipeline(book.opportunities, book.stage_history, T, book.invoices, (30,))
    assert model.learned == {30: True}
    deals = model.deals.set_index("opportunity_id")
    assert deals.loc[1, "timing"] == "overdue_180_plus"
    assert deals.loc[1, "typed_30d"] == pytest.approx(7_000.0)
    assert deals.loc[1, "learned_30d"] < 0.05 * deals.loc[1, "typed_30d"]
    assert deals.loc[2, "learned_30d"] > 10 * deals.loc[1, "learned_30d"]
    assert deals.loc[2, "learned_30d"] > 0.3 * deals.loc[2, "amount"]


def test_a_closed_deal_without_close_date_is_never_open() -> None:
    """A won or lost deal with no close date is closed (analytics.pipeline.open_mask): not in the pipeline."""
    book = _book()
    extra = book.opportunities.iloc[[0]].assign(opportunity_id=9, closed_at=pd.NaT, stage="lost")
    book = replace(book, opportunities=pd.concat([book.opportunities, extra], ignore_index=True))
    model = _model(book)
    assert 9 not in model.deals["opportunity_id"].tolist()
    assert sorted(model.deals["opportunity_id"]) == sorted(open_mask_ids(book))


def open_mask_ids(book) -> list[int]:
    return book.opportunities.loc[open_mask(book.opportunities, T), "opportunity_id"].tolist()


def test_a_horizons_figure_does_not_depend_on_the_other_horizons_asked() -> None:
    """The periods are a fixed 15-day grid: the 30-day figure is the same asked alone, with 90 days or with
    a month-end horizon (25 days: the first period and 10/15 of the second)."""
    book = _book(with_d6=True)

    def model(horizons: tuple[int, ...]):
        return learned_pipeline(book.opportunities, book.stage_history, T, book.invoices, horizons, prior_deals=0.0, min_seen=1)

    alone, both, month_end = model((30,)), model((30, 90)), model((25, 30))
    for other in (both, month_end):
        assert other.deals["learned_30d"].tolist() == alone.deals["learned_30d"].tolist()
        assert other.new_deals[30] == alone.new_deals[30]
    # new deals: 25 days are 5/3 creation periods: 5/3 x lag 0 (nothing) + 2/3 x lag 1 (D4's 500)
    assert month_end.new_deals[25] == pytest.approx(500.0 * 2 / 3, abs=0.01)


def test_a_horizon_between_periods_takes_its_share_of_the_last_one() -> None:
    """25 days = period 1 + 10/15 of period 2 for the open deals; 5/3 creation periods for new deals."""
    learned = _Learned(
        edges=np.array([15, 30]),
        rate=np.array([[0.1, 0.2], [0.3, 0.6]]),  # (periods, cells)
        seen=np.array([[40, 20], [30, 10]]),
        new_by_lag=np.array([[90.0], [300.0]]),  # (lags, owners)
        snapshots=np.array([25, 24]),
    )
    rate, seen, by_owner, used = _horizon_rates(learned, 25)
    assert rate.tolist() == pytest.approx([0.1 + 0.3 * 10 / 15, 0.2 + 0.6 * 10 / 15])
    assert seen.tolist() == [30, 10] and used == 25  # the last period it reaches into
    assert by_owner.tolist() == pytest.approx([90.0 * 5 / 3 + 300.0 * 2 / 3])
    rate_30, _, by_owner_30, _ = _horizon_rates(learned, 30)
    assert rate_30.tolist() == pytest.approx([0.4, 0.8]) and by_owner_30.tolist() == pytest.approx([2 * 90.0 + 300.0])
