"""Recurring revenue forecast on hand-made invoice histories and small synthetic portfolios."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics.forecast import (
    amount_rate_scale,
    cadence_purchases,
    cadence_weight,
    calendar_months,
    estimate_spend,
    expected_purchases,
    purchase_history,
    recurring_forecast,
)
from crm_core.store.frames import Frames

AS_OF = date(2024, 6, 30)


def _invoices(rows: list[tuple]) -> pd.DataFrame:
    """rows: (client_id, issue_date, total[, void])."""
    df = pd.DataFrame(
        [(*r[:3], r[3] if len(r) > 3 else False) for r in rows],
        columns=["client_id", "issue_date", "total", "void"],
    )
    df["invoice_id"] = range(1, len(df) + 1)
    df["number"] = "F-" + df["invoice_id"].astype(str)
    df["credit_note"] = df["total"] < 0
    df["issue_date"] = pd.to_datetime(df["issue_date"]).astype("datetime64[ns]")
    df["due_date"] = df["issue_date"] + pd.Timedelta(days=30)
    base = Frames.empty().invoices
    return df[base.columns].astype(base.dtypes.to_dict())


def _monthly(client_id: int, start: str, end: str, amount: float) -> list[tuple]:
    return [(client_id, d, amount) for d in pd.date_range(start, end, freq="MS")]


def _portfolio(seed: int = 0, spread: float = 1.0) -> list[tuple]:
    """40 monthly retainers and 40 irregular buyers, 2022-07 to 2024-06; levels log-normal (sd `spread`)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple] = []
    for client in range(100, 140):
        rows += _monthly(client, "2022-07-01", "2024-06-01", round(float(rng.lognormal(7.0, spread)), 2))
    for client in range(200, 240):
        days = np.cumsum(rng.gamma(2.0, 20.0, 30))
        dates = pd.Timestamp("2022-07-01") + pd.to_timedelta(days.astype(int), unit="D")
        level = float(rng.lognormal(7.0, spread))
        rows += [(client, d, level * float(rng.lognormal(0, 0.3))) for d in dates if d <= pd.Timestamp(AS_OF)]
    return rows


def test_monthly_client_gets_one_and_three_months() -> None:
    rows = _monthly(1, "2022-07-01", "2024-06-01", 1_000.0)
    result = recurring_forecast(_invoices(rows), AS_OF)
    # One invoice of 1,000 a month for two years: about 1,000 in 30 days, 3,000 in 90 days.
    assert result.loc[1, "recurring_30d"] == pytest.approx(1_000.0, rel=0.05)
    assert result.loc[1, "recurring_90d"] == pytest.approx(3_000.0, rel=0.05)


def test_monthly_client_in_a_fitted_portfolio() -> None:
    # Same client among 80 others: the population models (BG/NBD, spend) are fitted this time.
    rows = _portfolio() + _monthly(1, "2022-07-01", "2024-06-01", 1_000.0)
    result = recurring_forecast(_invoices(rows), AS_OF)
    assert result.loc[1, "recurring_30d"] == pytest.approx(1_000.0, rel=0.1)
    assert result.loc[1, "recurring_90d"] == pytest.approx(3_000.0, rel=0.1)


def test_stopped_client_gets_almost_nothing() -> None:
    # Monthly 1,000 from 2022-07 to 2023-10, then silent for eight months.
    rows = _portfolio() + _monthly(2, "2022-07-01", "2023-10-01", 1_000.0)
    result = recurring_forecast(_invoices(rows), AS_OF)
    assert result.loc[2, "recurring_90d"] < 0.1 * 3_000.0


def test_quarterly_client_follows_its_schedule() -> None:
    # Quarterly 3,000 on Jan/Apr/Jul/Oct 1st: next on 2024-07-01 (as_of + 1) -> in 30 days.
    # Shifted by two months (Mar/Jun/Sep/Dec 15th): next on 2024-09-15 (as_of + 77) -> only in 90 days.
    soon = [(3, d, 3_000.0) for d in pd.date_range("2022-07-01", "2024-04-01", freq="QS-JAN")]
    later = [(4, d + pd.Timedelta(days=14), 3_000.0) for d in pd.date_range("2022-06-01", "2024-06-01", freq="QS-MAR")]
    result = recurring_forecast(_invoices(_portfolio() + soon + later), AS_OF)
    assert result.loc[3, "recurring_30d"] == pytest.approx(3_000.0, rel=0.15)
    # The BG/NBD share of the blend (about 14 % here: 8 gaps shrunk towards a portfolio of monthly
    # and irregular buyers) spreads a little over the next 30 days and adds a little at 90.
    assert result.loc[4, "recurring_30d"] < 0.15 * 3_000.0
    assert result.loc[4, "recurring_90d"] == pytest.approx(3_000.0, rel=0.25)


def test_calendar_schedules_are_found_and_day_count_ones_are_not() -> None:
    quarterly = [(3, d, 3_000.0) for d in pd.date_range("2022-07-01", "2024-04-01", freq="QS-JAN")]
    history = purchase_history(_invoices(_portfolio() + quarterly), AS_OF)
    months = pd.Series(calendar_months(history), index=history.client_ids)
    assert months.loc[100:139].eq(1).all()  # monthly retainers on the 1st
    assert months.loc[3] == 3
    # gamma gaps of mean 40 days: the median gap rarely sits within 10 % of a whole number of months
    assert months.loc[200:239].eq(0).mean() > 0.6


def test_a_weekend_moved_invoice_keeps_its_client_on_its_day_of_the_month() -> None:
    # Quarterly 3,000 meant for the 28th: 2023-05-28 .. 2023-11-28, then 2024-02-28 issued on Monday
    # 2024-03-02 (a weekend). As of 2024-04-29 the next is 2024-05-28, day 29 of the next 30: the
    # schedule steps from February (the month the last invoice was meant for), not from March, which
    # would put it on 2024-06-28, and a day count (2024-03-02 + 92 = 2024-06-02) would miss it too.
    days = ["2022-08-28", "2022-11-28", "2023-02-28", "2023-05-29", "2023-08-28", "2023-11-28", "2024-03-02"]
    rows = [(8, d, 3_000.0) for d in days]
    history = purchase_history(_invoices(rows), date(2024, 4, 29))
    count, weight = cadence_purchases(history, 30.0)
    assert calendar_months(history)[0] == 3
    # anchor day: median of 28, 28, 28, 29, 28, 28, 2 = 28; spread 1.4826 x MAD (0) -> 1 day:
    # P(day 29 <= 30) = ndtr(1) = 0.841.
    assert count[0] == pytest.approx(0.841, abs=0.01)
    assert weight[0] > 0.5


def test_month_end_billing_and_a_slightly_late_invoice() -> None:
    # 1,000 on the last day of every month (31st, 30th, 28th/29th).
    ends = [(9, d, 1_000.0) for d in pd.date_range("2022-07-31", "2024-05-31", freq="ME")]
    history = purchase_history(_invoices(ends), date(2024, 6, 29))
    # next: 2024-06-30 (day 1), 07-31 (day 32), 08-31 (day 63), 09-30 (day 93, after day 90)
    count30, _ = cadence_purchases(history, 30.0)
    count90, _ = cadence_purchases(history, 90.0)
    assert count30[0] == pytest.approx(1.0, abs=0.05)
    assert count90[0] == pytest.approx(3.0, abs=0.1)
    # A client billing on the 1st, not yet invoiced on 2024-06-02: the June invoice is a day late
    # and still expected (at once), then 2024-07-01 (day 29 of 30).
    firsts = [(10, d, 1_000.0) for d in pd.date_range("2022-07-01", "2024-05-01", freq="MS")]
    late, _ = cadence_purchases(purchase_history(_invoices(firsts), date(2024, 6, 2)), 30.0)
    assert late[0] == pytest.approx(2.0, abs=0.2)


def test_a_new_clients_rate_follows_clients_with_similar_amounts() -> None:
    # 40 clients billed about 1,000 a month and 40 billed about 9,000 a quarter, for two years; then
    # two new clients with one invoice each, three days ago: 9,000 (client 1) and 1,000 (client 2).
    rng = np.random.default_rng(2)
    rows: list[tuple] = []
    for client in range(100, 140):
        rows += _monthly(client, "2022-07-01", "2024-06-01", round(1_000.0 * float(rng.lognormal(0, 0.2)), 2))
    for client in range(200, 240):
        rows += [
            (client, d, round(9_000.0 * float(rng.lognormal(0, 0.2)), 2))
            for d in pd.date_range("2022-07-01", "2024-04-01", freq="QS-JAN")
        ]
    rows += [(1, "2024-06-27", 9_000.0), (2, "2024-06-27", 1_000.0)]
    history = purchase_history(_invoices(rows), AS_OF)
    new = [list(history.client_ids).index(c) for c in (1, 2)]
    scale = amount_rate_scale(history)
    # larger invoices come a third as often here: the big newcomer's prior rate is the lower one
    assert scale[new[0]] < 0.7 < 1.4 < scale[new[1]]
    counts = expected_purchases(history, (90,))[90]
    assert counts[new[0]] < 0.7 * counts[new[1]]
    # an established client's forecast barely moves: its own two years outweigh the prior
    monthly = list(history.client_ids).index(100)
    assert counts[monthly] == pytest.approx(3.0, rel=0.1)


def test_cadence_blend_is_trusted_where_schedules_held_and_not_where_they_were_chance() -> None:
    # Monthly retainers (and gamma-gap buyers): the schedule did predict the last 90 days.
    assert purchase_history(_invoices(_portfolio()), AS_OF).cadence_trust == 1.0
    # 1,000 Poisson buyers with rates from one every 15 to one every 60 days: a few look regular by
    # chance (3 gaps of 30, 31, 29), and their schedules did no better than BG/NBD: no trust.
    rng = np.random.default_rng(3)
    rows: list[tuple] = []
    for client in range(1, 1_001):
        days = np.cumsum(rng.exponential(rng.uniform(15.0, 60.0), 60)).astype(int)
        dates = pd.Timestamp("2022-07-01") + pd.to_timedelta(days, unit="D")
        rows += [(client, d, 100.0) for d in dates[dates <= pd.Timestamp(AS_OF)]]
    poisson = purchase_history(_invoices(rows), AS_OF)
    assert poisson.cadence_trust < 0.1
    # the forecast then ignores the schedules: the counts are BG/NBD's alone
    plain = expected_purchases(poisson, (30,), use_cadence=False)[30]
    assert expected_purchases(poisson, (30,))[30] == pytest.approx(plain, rel=0.05)
    # nothing before as_of - 90 to check on: trusted as measured (1)
    recent = purchase_history(_invoices(_monthly(1, "2024-04-15", "2024-06-15", 100.0)), AS_OF)
    assert recent.cadence_trust == 1.0


def test_credit_notes_reduce_the_forecast() -> None:
    rows = _monthly(5, "2022-07-01", "2024-06-01", 1_000.0)
    # Every other month a credit note of -500: net 750 a month on average, 75 % of the purchases.
    credits = [(5, d + pd.Timedelta(days=3), -500.0) for d in pd.date_range("2022-07-01", "2024-06-01", freq="2MS")]
    plain = recurring_forecast(_invoices(rows), AS_OF).loc[5, "recurring_90d"]
    netted = recurring_forecast(_invoices(rows + credits), AS_OF).loc[5, "recurring_90d"]
    assert netted == pytest.approx(0.75 * plain, rel=1e-6)


def test_data_after_as_of_ignored_and_void_excluded() -> None:
    rows = _portfolio() + _monthly(1, "2022-07-01", "2024-06-01", 1_000.0)
    base = recurring_forecast(_invoices(rows), AS_OF)
    noisy = rows + [
        (1, "2024-07-01", 50_000.0),
        (1, "2024-06-15", 80_000.0, True),
        (2, "2024-08-01", 9_000.0),
        (150, "2024-07-03", 7_000.0),
    ]
    result = recurring_forecast(_invoices(noisy), AS_OF)
    assert result.loc[base.index].to_numpy() == pytest.approx(base.to_numpy())
    # Client 2's only invoice is after as_of: no history, 0.
    assert result.loc[2].tolist() == [0.0, 0.0]


def test_empty_and_single_invoice_clients() -> None:
    empty = recurring_forecast(Frames.empty().invoices, AS_OF)
    assert empty.empty and list(empty.columns) == ["recurring_30d", "recurring_90d"]
    one = recurring_forecast(_invoices([(7, "2024-06-01", 500.0)]), AS_OF)
    assert 0.0 <= one.loc[7, "recurring_30d"] <= one.loc[7, "recurring_90d"]
    assert one.loc[7, "recurring_90d"] > 0.0


def test_cadence_weight_trusts_regular_clients_only() -> None:
    history = purchase_history(_invoices(_portfolio()), AS_OF)
    weight = pd.Series(cadence_weight(history), index=history.client_ids)
    assert weight.loc[100:139].min() > 0.8  # monthly retainers
    assert weight.loc[200:239].mean() < 0.3  # gamma-distributed gaps


def test_spend_model_for_business_invoices_is_log_normal() -> None:
    # Amounts spread over orders of magnitude across clients, steady within: Gamma-Gamma degenerates.
    history = purchase_history(_invoices(_portfolio(spread=2.0)), AS_OF)
    spend, model = estimate_spend(history)
    assert model == "log-normal"
    client = list(history.client_ids).index(100)
    assert spend[client] == pytest.approx(history.last_amount[client], rel=0.05)


def test_seasonal_index_keeps_a_pattern_that_repeats_every_year() -> None:
    from crm_core.analytics.forecast import seasonal_index

    # 36 months of 100 a day, except August at 50 a day; as_of 2024-06-30.
    days = pd.date_range("2021-07-01", "2024-06-30", freq="D")
    amount = np.where(days.month == 8, 50.0, 100.0)
    day_numbers = days.to_numpy().astype("datetime64[D]").astype(np.int64)
    index = seasonal_index(day_numbers, amount, int(day_numbers[-1]))
    assert index.mean() == pytest.approx(1.0)
    # Every 12 months hold 334 days at 100 and 31 at 50: 34,950, i.e. 2,912.5 a month. August's
    # ratio is 1,550 / 2,912.5 = 0.5322, October's (31 days) 3,100 / 2,912.5 = 1.0644, the same in
    # every year: no noise, nothing shrunk; the index is the ratios over their mean.
    months = pd.date_range("2021-01-01", periods=12, freq="MS").days_in_month.to_numpy()  # Jan..Dec 2021
    ratios = np.where(np.arange(12) == 7, 1_550.0, months * 100.0) / 2_912.5
    assert index[7] == pytest.approx(ratios[7] / ratios.mean(), rel=0.002)
    assert index[9] == pytest.approx(ratios[9] / ratios.mean(), rel=0.002)
    # with 12 months of history there is no seasonality to learn
    short = day_numbers[-365:]
    assert seasonal_index(short, amount[-365:], int(short[-1])).tolist() == [1.0] * 12


def test_seasonal_index_flattens_noise_that_does_not_repeat() -> None:
    from crm_core.analytics.forecast import seasonal_index

    # 48 months of revenue with no season at all, one random level per month: each calendar month's
    # ratios differ from year to year as much as the months differ, so every index is near 1.
    rng = np.random.default_rng(5)
    days = pd.date_range("2020-07-01", "2024-06-30", freq="D")
    month_level = rng.lognormal(0.0, 0.25, 48)
    month_of_day = (days.year - 2020) * 12 + days.month - 7
    amount = 100.0 * month_level[month_of_day]
    day_numbers = days.to_numpy().astype("datetime64[D]").astype(np.int64)
    index = seasonal_index(day_numbers, amount, int(day_numbers[-1]))
    raw_spread = np.std(np.log(month_level))  # about 0.25
    assert raw_spread > 0.2
    assert np.max(np.abs(index - 1.0)) < 0.1


def test_seasonal_index_with_one_year_repeated_shrinks_by_one_pseudo_year() -> None:
    from crm_core.analytics.forecast import seasonal_index

    # 25 full months (2022-06 .. 2024-06): 14 ratios, of which only June repeats (1 degree of freedom,
    # fewer than SEASON_MIN_DOF): each mean ratio is shrunk as if one more year had shown 1.
    days = pd.date_range("2022-06-01", "2024-06-30", freq="D")
    amount = np.where(days.month == 8, 50.0, 100.0)
    day_numbers = days.to_numpy().astype("datetime64[D]").astype(np.int64)
    index = seasonal_index(day_numbers, amount, int(day_numbers[-1]))
    # August seen once (2023, ratio 0.5322): (0.5322 + 1) / 2 = 0.766 before the index is re-centred.
    assert 0.74 < index[7] < 0.80


def test_two_invoices_a_day_apart_are_no_daily_schedule() -> None:
    # A new client invoiced 1,000 on two consecutive days: one gap of one day gives no cadence weight,
    # so the forecast is BG/NBD's (a few invoices in 90 days), not ninety.
    rows = _portfolio() + [(9, "2024-06-20", 1_000.0), (9, "2024-06-21", 1_000.0)]
    invoices = _invoices(rows)
    history = purchase_history(invoices, AS_OF)
    client = list(history.client_ids).index(9)
    assert cadence_weight(history)[client] == 0.0
    assert recurring_forecast(invoices, AS_OF).loc[9, "recurring_90d"] < 5 * 1_000.0


@pytest.fixture(scope="module")
def demo_invoices(demo_template) -> pd.DataFrame:
    """The demo portfolio's invoices (120 clients, seed 7): enough repeat buyers for the population fit."""
    from crm_core.db import get_engine
    from crm_core.store.frames import load_frames

    engine = get_engine(f"sqlite:///{demo_template}")
    try:
        return load_frames(engine).invoices
    finally:
        engine.dispose()


def test_the_fit_shared_per_data_and_day_gives_the_figures_of_a_fresh_fit(demo_invoices):
    from crm_core.analytics import forecast
    from crm_core.analytics.forecast import forecast_from_history, recurring_model

    as_of, horizons = date(2026, 11, 25), (30, 90, 365, 41)
    forecast._MODELS.clear()
    first = recurring_forecast(demo_invoices, as_of, horizons)
    misses, hits = forecast._MODELS.misses, forecast._MODELS.hits
    again = recurring_forecast(demo_invoices.copy(deep=False), as_of, horizons)  # the same data: the kept fit
    assert (forecast._MODELS.misses, forecast._MODELS.hits) == (misses, hits + 1)
    assert recurring_model(demo_invoices, as_of).fitted is not None  # the population fit, not the fallback

    fresh = forecast_from_history(purchase_history(demo_invoices.copy(), as_of), horizons)  # no memo on this path
    for h in horizons:
        np.testing.assert_array_equal(again[f"recurring_{h}d"].to_numpy(), fresh[h])
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert again["recurring_90d"].sum() > 0


def test_a_changed_invoice_is_fitted_again(demo_invoices):
    as_of = date(2026, 11, 25)
    before = recurring_forecast(demo_invoices, as_of)
    changed = demo_invoices.copy(deep=False)
    billed = changed.index[~changed["void"] & (changed["issue_date"] <= pd.Timestamp(as_of)) & (changed["total"] > 0)]
    row = billed[-1]
    changed.loc[row, "total"] = changed.loc[row, "total"] + 50_000.0  # copy-on-write: a new buffer, a new key
    client = int(changed.loc[row, "client_id"])
    after = recurring_forecast(changed, as_of)
    assert after.loc[client, "recurring_90d"] != before.loc[client, "recurring_90d"]
    pd.testing.assert_frame_equal(recurring_forecast(demo_invoices, as_of), before, check_exact=True)
