"""client_health on the hand-computed portfolio of tests/analytics_scenario.py, as of 2024-06-30."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics import client_health
from crm_core.analytics import health as health_module
from crm_core.analytics.cash import cash_forecast
from crm_core.analytics.forecast import recurring_forecast
from crm_core.analytics.health import FIGURE_COLUMNS
from crm_core.analytics.memo import clear_all
from crm_core.store.frames import Frames
from tests.analytics_scenario import ACTIVITIES, CLIENTS, PAYMENTS, T, scenario
from tests.frames_builder import frames, table

NaN = math.nan
NaT = pd.NaT

# Alfa (1): invoices F1 1000 (Jan 10, due Jan 31), F2 1000 (Feb 10, due Mar 10), F3 void, F4 1000
# (Apr 10, due May 10), credit note F5 -200 (May 15), F6 1000 (Jun 10, due Jul 10); F7 after T.
#   ltv = 1000 + 1000 + 1000 - 200 + 1000 = 3800 (void out, credit note in); all within 12 months.
#   collected = 400 + 600 (F1) + 1000 (F2) + 300 (F4; its 700 of Jul 5 is after T) = 2300.
#   outstanding = 700 (F4) + 1000 (F6) = 1700; F4 overdue Jun 30 - May 10 = 21 + 30 = 51 days -> 31-60.
#   days to pay: F1 Jan 10 -> Feb 5 = 26, F2 Feb 10 -> Mar 1 = 20 (2024 is leap) -> 23; late 5, 0 -> 2.5.
#   on time: due before T are F1 (late), F2 (on time), F4 (unpaid) -> 1/3.
#   revenue 90d (Apr 1, Jun 30] = 1000 - 200 + 1000 = 1800 -> dso = 1700 / 1800 * 90 = 85.
#   purchase dates Jan 10, Feb 10, Apr 10, Jun 10: gaps 31, 60, 61 -> cadence 60; next Jun 10 + 60 = Aug 9.
#   activities: done Jun 25 (5 days ago) and Jun 1 in (May 31, Jun 30]; May 31 is 30 days ago (out),
#   the open task and the Jul 1 call do not count -> 2.
#   months as client: Jan 10 -> Jun 30 = 5. average invoice (F1, F2, F4, F6) = 1000.
#   risk: on-time 1/3 < 50 % -> high. churn: payment = max((1 - 1/3) * 100, 51 / 90 * 100) = 66.7,
#   recency 20 / 60 < 1 -> 0, engagement 5 days -> 0, trend: nothing in the 6 months before -> 0;
#   score = 0.20 * 66.7 = 13.3.
# Beta (2): six unpaid invoices of Mar 1 (1, 2, 4, 8, 16, 32) overdue 30, 31, 60, 61, 90, 91 days.
#   aging 1-30 = 1, 31-60 = 2 + 4 = 6, 61-90 = 8 + 16 = 24, >90 = 32; overdue = outstanding = 63.
#   no revenue in (Apr 1, Jun 30] -> dso NaN; one purchase date -> no cadence.
#   days since Mar 1 = 30 + 30 + 31 + 30 = 121 > 60 -> dormant; last activity Apr 16 -> 14 + 31 + 30 = 75.
#   risk: 91 > 90 days -> critical. churn: recency 121 / 60 = 2.0167 -> (2.0167 - 1) / 2 = 50.8,
#   engagement (75 - 30) / 90 = 50.0, payment 100 (nothing on time), trend 0 (nothing before);
#   score = 0.35 * 50.8 + 0.20 * 50 + 0.20 * 100 = 17.78 + 10 + 20 = 47.8, driver payment (20 > 17.78).
# Gamma (3): prospect; O1 10000 at 40 % closing Jul 20 -> pipeline 4000 at 30 and 90 days; O2 has no
#   close date (not counted); O3 won, O4 lost, O5 created after T. Open at T: O1, O2 -> 2.
# Delta (4): lost; F20 500 Sep 1 2023 paid Sep 20 (19 days, before due). Days since = 303
#   (29 + 31 + 30 + 31 + 31 + 29 + 31 + 30 + 31 + 30); months Sep 1 -> Jun 30 = 9. Churn 100 (lost);
#   components: recency 303 / 60 >= 3 -> 100, never contacted -> 100, trend 500 -> 0 = 100.
# Epsilon (5): 20000 (Mar 1, paid Mar 20) + 50000 (Jun 1, paid Jun 15); days to pay 19, 14 -> 16.5.
#   gap Mar 1 -> Jun 1 = 92; next Sep 1. revenue 90d 50000, outstanding 0 -> dso 0. Six calls Jun 20-25.
#   VIP: 5 clients with revenue, 10 % rounded up = 1 slot, the largest (70000).
# Zeta (6): 2000 (Sep 15 2023) then 500 (Mar 15 2024); gap 182 days; days since 16 + 30 + 31 + 30 = 107.
#   trend: last 6 months (Dec 30, Jun 30] 500 vs (Jun 30 2023, Dec 30] 2000 -> fell 75 %.
#   engagement: last activity May 16 -> 45 days -> (45 - 30) / 90 = 16.7.
#   score = 0.20 * 16.7 + 0.25 * 75 = 3.34 + 18.75 = 22.1, driver trend.
EXPECTED: dict[str, list] = {
    #                           Alfa          Beta        Gamma       Delta      Epsilon       Zeta
    "ltv": [3800.0, 63.0, 0.0, 500.0, 70000.0, 2500.0],
    "revenue_12m": [3800.0, 63.0, 0.0, 500.0, 70000.0, 2500.0],
    "collected": [2300.0, 0.0, 0.0, 500.0, 70000.0, 2500.0],
    "outstanding": [1700.0, 63.0, 0.0, 0.0, 0.0, 0.0],
    "overdue": [700.0, 63.0, 0.0, 0.0, 0.0, 0.0],
    "aging_not_due": [1000.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    "aging_1_30": [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    "aging_31_60": [700.0, 6.0, 0.0, 0.0, 0.0, 0.0],
    "aging_61_90": [0.0, 24.0, 0.0, 0.0, 0.0, 0.0],
    "aging_90_plus": [0.0, 32.0, 0.0, 0.0, 0.0, 0.0],
    "avg_days_to_pay": [23.0, NaN, NaN, 19.0, 16.5, 10.0],
    "avg_days_late": [2.5, NaN, NaN, 0.0, 0.0, 0.0],
    "on_time_rate": [1 / 3, 0.0, NaN, 1.0, 1.0, 1.0],
    "dso": [85.0, NaN, NaN, NaN, 0.0, NaN],
    "cadence_days": [60.0, NaN, NaN, NaN, 92.0, 182.0],
    "days_since_last_invoice": [20.0, 121.0, NaN, 303.0, 29.0, 107.0],
    "days_since_last_activity": [5.0, 75.0, NaN, NaN, 5.0, 45.0],
    "activities_30d": [2, 0, 0, 0, 6, 0],
    "months_as_client": [5, 3, 0, 9, 3, 9],
    "avg_invoice_amount": [1000.0, 10.5, NaN, 500.0, 35000.0, 1250.0],
    "churn_score": [13.3, 47.8, 0.0, 100.0, 0.0, 22.1],
    "churn_recency": [0.0, 50.8, 0.0, 100.0, 0.0, 0.0],
    "churn_engagement": [0.0, 50.0, 0.0, 100.0, 0.0, 16.7],
    "churn_payment": [66.7, 100.0, 0.0, 0.0, 0.0, 0.0],
    "churn_trend": [0.0, 0.0, 0.0, 100.0, 0.0, 75.0],
    "pipeline_30d": [0.0, 0.0, 4000.0, 0.0, 0.0, 0.0],
    "pipeline_90d": [0.0, 0.0, 4000.0, 0.0, 0.0, 0.0],
    "open_opportunities": [0, 0, 2, 0, 0, 0],
    "max_days_overdue": [51.0, 91.0, 0.0, 0.0, 0.0, 0.0],
}
EXPECTED_TEXT: dict[str, list] = {
    "default_risk": ["high", "critical", "low", "low", "low", "low"],
    "lifecycle": ["active", "dormant", "prospect", "lost", "vip", "dormant"],
    "churn_driver": ["payment", "payment", "none", "lost", "none", "trend"],
    "churn_reason": [
        "An invoice is 51 days overdue.",
        "An invoice is 91 days overdue.",
        "Prospect: nothing bought yet, nothing to lose.",
        "Marked as lost.",
        "No warning sign.",
        "Revenue of the last 6 months fell 75% against the 6 before.",
    ],
}
EXPECTED_DATES: dict[str, list] = {
    "next_invoice_expected": ["2024-08-09", NaT, NaT, NaT, "2024-09-01", "2024-09-13"],
    "oldest_unpaid_issue_date": ["2024-04-10", "2024-03-01", NaT, NaT, NaT, NaT],
}


@pytest.fixture(scope="module")
def health() -> pd.DataFrame:
    return client_health(scenario(), T)


def test_one_row_per_client_with_every_column(health: pd.DataFrame) -> None:
    assert health.index.name == "client_id"
    assert list(health.index) == [c["client_id"] for c in CLIENTS]
    missing = [col for col in FIGURE_COLUMNS if col not in health.columns]
    assert missing == []
    assert list(health["company_name"]) == ["Alfa", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]


@pytest.mark.parametrize("column", sorted(EXPECTED))
def test_numeric_figure(health: pd.DataFrame, column: str) -> None:
    got = health[column].to_numpy(dtype="float64")
    np.testing.assert_allclose(got, np.array(EXPECTED[column], dtype="float64"), rtol=0, atol=1e-9, err_msg=column)


@pytest.mark.parametrize("column", sorted(EXPECTED_TEXT))
def test_text_figure(health: pd.DataFrame, column: str) -> None:
    assert list(health[column]) == EXPECTED_TEXT[column]


@pytest.mark.parametrize("column", sorted(EXPECTED_DATES))
def test_date_figure(health: pd.DataFrame, column: str) -> None:
    expected = pd.to_datetime(pd.Series(EXPECTED_DATES[column])).astype("datetime64[ns]")
    pd.testing.assert_series_equal(health[column].reset_index(drop=True), expected, check_names=False)


def test_forecast_columns_join_the_forecast_modules(health: pd.DataFrame) -> None:
    f = scenario()
    recurring = recurring_forecast(f.invoices, T).reindex(health.index).fillna(0.0)
    cash = cash_forecast(f.invoices, f.payments, T).reindex(health.index).fillna(0.0)
    lost = health["lifecycle"] == "lost"
    for h in ("30d", "90d"):
        # Delta is marked lost: no recurring business expected; Gamma never bought: 0.
        assert health.loc[4, f"recurring_{h}"] == 0.0 and health.loc[3, f"recurring_{h}"] == 0.0
        np.testing.assert_array_equal(
            health.loc[~lost, f"recurring_{h}"], np.round(recurring.loc[~lost, f"recurring_{h}"], 2)
        )  # to the cent
        np.testing.assert_allclose(health[f"expected_cash_{h}"], cash[f"expected_cash_{h}"])
        # expected revenue = recurring + pipeline; Gamma: 0 + 4000.
        np.testing.assert_allclose(health[f"expected_revenue_{h}"], health[f"recurring_{h}"] + health[f"pipeline_{h}"])
        assert health.loc[3, f"expected_revenue_{h}"] == 4000.0
        # No open invoice, no cash to expect (Delta, Epsilon, Zeta are paid up).
        assert (health.loc[[4, 5, 6], f"expected_cash_{h}"] == 0.0).all()
        assert (health[f"expected_cash_{h}"] <= health["outstanding"] + 1e-9).all()


def test_figures_are_numbers_for_prospects_and_lost(health: pd.DataFrame) -> None:
    money = [
        "ltv",
        "revenue_12m",
        "collected",
        "outstanding",
        "overdue",
        "churn_score",
        "recurring_30d",
        "recurring_90d",
        "pipeline_30d",
        "pipeline_90d",
        "expected_revenue_30d",
        "expected_revenue_90d",
        "expected_cash_30d",
        "expected_cash_90d",
    ]
    assert not health.loc[[3, 4], money].isna().any().any()


def test_a_client_with_no_rows_at_all() -> None:
    only = frames(clients=[{"client_id": 9, "company_name": "Solo"}])
    row = client_health(only, T).loc[9]
    assert row["lifecycle"] == "prospect" and row["default_risk"] == "low"
    assert row["ltv"] == 0.0 and row["expected_revenue_90d"] == 0.0 and row["expected_cash_30d"] == 0.0
    assert math.isnan(row["on_time_rate"]) and math.isnan(row["dso"]) and row["activities_30d"] == 0


def test_empty_frames_give_an_empty_health_frame() -> None:
    health = client_health(Frames.empty(), T)
    assert health.empty and all(col in health.columns for col in FIGURE_COLUMNS)


MONEY_COLUMNS = [
    "ltv",
    "revenue_12m",
    "collected",
    "outstanding",
    "overdue",
    "aging_not_due",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_90_plus",
    "avg_invoice_amount",
    "recurring_30d",
    "recurring_90d",
    "pipeline_30d",
    "pipeline_90d",
    "expected_revenue_30d",
    "expected_revenue_90d",
    "expected_cash_30d",
    "expected_cash_90d",
]


@pytest.mark.parametrize("column", MONEY_COLUMNS)
def test_money_figures_are_whole_cents(health: pd.DataFrame, column: str) -> None:
    # The recurring forecast is an expectation (Alfa's is not a whole number of cents before rounding);
    # what the manager sees is to the cent, and expected revenue is the sum of the two cent amounts shown.
    values = health[column].dropna().to_numpy(dtype="float64")
    np.testing.assert_array_equal(values, np.round(values, 2), err_msg=column)
    if column.startswith("expected_revenue_"):
        horizon = column.removeprefix("expected_revenue_")
        np.testing.assert_array_equal(values, np.round(health[f"recurring_{horizon}"] + health[f"pipeline_{horizon}"], 2))


def test_predicted_value_12m_is_the_recurring_forecast_at_365_days(health: pd.DataFrame) -> None:
    """What a client is worth from now on: the recurring model over (T, T + 365]; 0 for a lost client."""
    year = recurring_forecast(scenario().invoices, T, (365,))["recurring_365d"].reindex(health.index).fillna(0.0)
    lost = (health["lifecycle"] == "lost").to_numpy()
    assert lost.any() and (~lost).any()
    np.testing.assert_allclose(health["predicted_value_12m"].to_numpy()[~lost], year.to_numpy()[~lost], atol=0.005)
    assert (health["predicted_value_12m"].to_numpy()[lost] == 0.0).all()
    # a buyer's next year is worth more than its next 90 days
    buyers = health["recurring_90d"] > 0
    assert buyers.any() and (health.loc[buyers, "predicted_value_12m"] > health.loc[buyers, "recurring_90d"]).all()


def _fresh_health(portfolio: Frames) -> pd.DataFrame:
    """client_health with every memo emptied: nothing computed before is reused."""
    clear_all()
    return client_health(portfolio, T)


def test_logging_an_activity_reuses_the_ledger_figures_and_moves_engagement() -> None:
    """Health after an activity reads the invoice, payment and deal figures already computed; the result
    is the one computed from nothing."""
    portfolio = scenario()
    clear_all()
    before = client_health(portfolio, T)
    call = {"activity_id": 99, "client_id": 2, "kind": "call", "title": "call", "occurred_at": pd.Timestamp("2024-06-30 09:00")}
    logged = Frames(**{**vars(portfolio), "activities": table("activities", [*ACTIVITIES, call])})
    hits, misses = health_module._LEDGER.hits, health_module._LEDGER.misses
    after = client_health(logged, T)
    assert (health_module._LEDGER.hits, health_module._LEDGER.misses) == (hits + 1, misses)
    assert before.loc[2, "days_since_last_activity"] == 75.0
    assert after.loc[2, "days_since_last_activity"] == 0.0
    assert after.loc[2, "activities_30d"] == 1
    assert after.loc[2, "churn_engagement"] == 0.0 and before.loc[2, "churn_engagement"] == 50.0
    pd.testing.assert_frame_equal(after, _fresh_health(logged), check_exact=True)


def test_a_payment_or_a_new_client_computes_the_ledger_figures_again() -> None:
    portfolio = scenario()
    clear_all()
    client_health(portfolio, T)
    payment = {"payment_id": 99, "invoice_id": 10, "amount": 1.0, "paid_on": pd.Timestamp("2024-06-30")}  # Beta's F10 (1.00)
    paid = Frames(**{**vars(portfolio), "payments": table("payments", [*PAYMENTS, payment])})
    misses = health_module._LEDGER.misses
    after = client_health(paid, T)
    assert health_module._LEDGER.misses == misses + 1
    assert after.loc[2, "collected"] == 1.0 and after.loc[2, "outstanding"] == 62.0
    pd.testing.assert_frame_equal(after, _fresh_health(paid), check_exact=True)

    clear_all()
    client_health(portfolio, T)
    newcomer = {**CLIENTS[0], "client_id": 7, "company_name": "Eta SL", "tax_id": "B00000007", "email": "eta@example.com"}
    grown = Frames(**{**vars(portfolio), "clients": table("clients", [*CLIENTS, newcomer])})
    misses = health_module._LEDGER.misses
    after = client_health(grown, T)
    assert health_module._LEDGER.misses == misses + 1  # other client ids: other rows
    assert after.loc[7, "ltv"] == 0.0 and after.loc[7, "recurring_90d"] == 0.0 and after.loc[7, "expected_cash_30d"] == 0.0
    pd.testing.assert_frame_equal(after, _fresh_health(grown), check_exact=True)
