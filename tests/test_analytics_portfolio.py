"""portfolio_summary and at_risk on the hand-computed scenario (tests/analytics_scenario.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_core.analytics import at_risk, client_health, portfolio_summary
from crm_core.analytics.settings import AnalyticsSettings
from tests.analytics_scenario import T, scenario
from tests.frames_builder import d


@pytest.fixture(scope="module")
def health() -> pd.DataFrame:
    return client_health(scenario(), T)


def test_summary_counts_and_totals(health: pd.DataFrame) -> None:
    s = portfolio_summary(health)
    assert s["clients"] == 6
    # Alfa active, Beta and Zeta dormant, Gamma prospect, Delta lost, Epsilon VIP.
    assert s["by_lifecycle"] == {"prospect": 1, "active": 1, "dormant": 2, "lost": 1, "vip": 1}
    assert s["by_risk"] == {"low": 4, "medium": 0, "high": 1, "critical": 1}
    assert s["revenue_12m"] == 3800 + 63 + 0 + 500 + 70000 + 2500  # = 76863
    assert s["outstanding"] == 1700 + 63
    assert s["overdue"] == 700 + 63
    assert s["aging_31_60"] == 700 + 6
    assert s["pipeline_30d"] == 4000.0  # Gamma's O1: 10000 x 40 %
    for h in ("30d", "90d"):
        assert s[f"expected_revenue_{h}"] == pytest.approx(s[f"recurring_{h}"] + s[f"pipeline_{h}"])
        assert s[f"expected_cash_{h}"] == pytest.approx(health[f"expected_cash_{h}"].sum())
    # Mean of the clients' on-time rates, Gamma has none: (1/3 + 0 + 1 + 1 + 1) / 5.
    assert s["on_time_rate"] == pytest.approx((1 / 3 + 3) / 5)
    assert s["clients_at_risk"] == 3  # Beta (critical), Alfa (high), Delta (lost: churn 100 >= 60)
    assert "deltas" not in s


def test_summary_deltas_against_an_earlier_date(health: pd.DataFrame) -> None:
    before = client_health(scenario(), d("2024-03-31"))
    s = portfolio_summary(health, before)
    # LTV on Mar 31: Alfa 2000 (F1, F2; F3 void) + Beta 63 + Delta 500 + Epsilon 20000 + Zeta 2500 = 25063.
    assert s["deltas"]["ltv"] == pytest.approx(76863 - 25063)  # Alfa's F4 - F5 + F6 and Epsilon's 50000
    assert s["deltas"]["clients"] == 0
    assert s["deltas"]["by_lifecycle"] == {
        key: s["by_lifecycle"][key] - portfolio_summary(before)["by_lifecycle"][key] for key in s["by_lifecycle"]
    }
    assert s["deltas"]["outstanding"] == pytest.approx(s["outstanding"] - before["outstanding"].sum())


def test_at_risk_default_selection_and_order(health: pd.DataFrame) -> None:
    risky = at_risk(health)
    # critical before high; Delta is lost with churn 100: listed by the churn >= 60 rule (issue 16), ranked low
    assert list(risky.index) == [2, 1, 4]
    assert list(risky["severity"]) == ["critical", "high", "low"]


def test_at_risk_options(health: pd.DataFrame) -> None:
    # churn >= 20 adds Zeta (22.1, low risk -> severity low) after Delta (lost, churn 100, low).
    assert list(at_risk(health, churn_min=20)["company_name"]) == ["Beta", "Alfa", "Delta", "Zeta"]
    assert list(at_risk(health, churn_min=20)["severity"]) == ["critical", "high", "low", "low"]
    assert list(at_risk(health, risk_levels=("critical",)).index) == [2, 4]
    # Overdue of at least 700: Alfa alone by that rule (Beta owes 63 but is critical anyway).
    assert list(at_risk(health, risk_levels=(), churn_min=101, overdue_min=700).index) == [1]


def test_churn_bands_raise_severity() -> None:
    health = pd.DataFrame(
        {
            "churn_score": [86.0, 71.0, 61.0, 90.0],
            "default_risk": ["low", "low", "medium", "low"],
            "lifecycle": ["active", "active", "active", "lost"],
            "overdue": [0.0, 0.0, 0.0, 0.0],
        },
        index=pd.Index([1, 2, 3, 4], name="client_id"),
    )
    risky = at_risk(health)
    # >= 85 critical, >= 70 high, >= 60 medium (and medium default risk); the lost client is listed
    # (churn 90 >= 60) but has no churn band: its low default risk ranks it.
    assert list(risky.index) == [1, 2, 3, 4]
    assert list(risky["severity"]) == ["critical", "high", "medium", "low"]


def test_a_lost_client_is_listed_by_the_churn_rule_and_ranked_by_its_default_risk() -> None:
    health = pd.DataFrame(
        {
            "churn_score": [100.0, 100.0, 10.0],
            "default_risk": ["high", "critical", "high"],
            "lifecycle": ["lost", "lost", "active"],
            "overdue": [0.0, 250.0, 0.0],
        },
        index=pd.Index([1, 2, 3], name="client_id"),
    )
    # Issue 16: the stated rule is churn >= 60, so lost clients (churn 100) are listed. 2: critical;
    # 1 and 3 high, 1 first by its churn score.
    assert list(at_risk(health).index) == [2, 1, 3]
    assert list(at_risk(health)["severity"]) == ["critical", "high", "high"]
    assert list(at_risk(health, risk_levels=(), churn_min=101, overdue_min=0.0).index) == [2, 1, 3]


def test_at_risk_bands_and_defaults_come_from_the_settings() -> None:
    frame = pd.DataFrame(
        {
            "churn_score": [55.0, 45.0, 30.0],
            "default_risk": ["low", "low", "medium"],
            "lifecycle": ["active", "active", "active"],
            "overdue": [0.0, 0.0, 0.0],
        },
        index=pd.Index([1, 2, 3], name="client_id"),
    )
    assert at_risk(frame).empty  # below 60 and no high or critical risk
    lenient = AnalyticsSettings(
        at_risk_churn_min=40.0, at_risk_levels=("medium",), churn_critical_min=50.0, churn_high_min=45.0, churn_medium_min=40.0
    )
    risky = at_risk(frame, settings=lenient)
    assert list(risky.index) == [1, 2, 3]
    assert list(risky["severity"]) == ["critical", "high", "medium"]
    # an explicit argument wins over the settings
    assert list(at_risk(frame, churn_min=50.0, settings=lenient).index) == [1, 3]


def test_portfolio_counts_at_risk_with_the_settings(health: pd.DataFrame) -> None:
    assert portfolio_summary(health)["clients_at_risk"] == 3  # Beta, Alfa and Delta (lost, churn 100)
    # churn >= 20 adds Zeta (22.1)
    assert portfolio_summary(health, settings=AnalyticsSettings(at_risk_churn_min=20.0))["clients_at_risk"] == 4


def test_totals_and_deltas_are_exact_to_the_cent() -> None:
    # Two clients owing 0.10 and 0.20: the portfolio owes 0.30 (a float64 sum gives 0.30000000000000004).
    # A week earlier they owed 0.10 and 0.10: the change is 0.30 - 0.20 = 0.10 (float64: 0.10000000000000003).
    def book(first: float, second: float) -> pd.DataFrame:
        frame = client_health(scenario(), T).iloc[:2].copy()
        for col in ("ltv", "outstanding", "expected_cash_30d"):
            frame[col] = [first, second]
        return frame

    s = portfolio_summary(book(0.10, 0.20), book(0.10, 0.10))
    for col in ("ltv", "outstanding", "expected_cash_30d"):
        assert s[col] == 0.30, col
        assert s["deltas"][col] == 0.10, col
