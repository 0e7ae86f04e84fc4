"""Recommendations per client row and the vectorised suggested action, rule by rule."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError
from typing import Any

import pandas as pd
import pytest

from crm_core.analytics import client_health, recommendations, suggested_action
from crm_core.analytics.advice import ACTION_TEXT, Recommendation
from crm_core.analytics.settings import AnalyticsSettings
from tests.analytics_scenario import T, scenario

NaN = math.nan
# A quiet, healthy active client: no rule fires.
HEALTHY: dict[str, Any] = {
    "lifecycle": "active",
    "company_size": "small",
    "ltv": 5000.0,
    "default_risk": "low",
    "churn_score": 10.0,
    "churn_driver": "none",
    "churn_reason": "No warning sign.",
    "overdue": 0.0,
    "max_days_overdue": 0.0,
    "days_since_last_activity": 10.0,
    "days_since_last_invoice": 20.0,
    "cadence_days": 30.0,
    "activities_30d": 2,
    "open_opportunities": 1,
}


def codes(**changes: Any) -> list[str]:
    return [rec.code for rec in recommendations(pd.Series({**HEALTHY, **changes}))]


def test_healthy_client_gets_nothing() -> None:
    assert codes() == []


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        # Seed rules.
        ({"days_since_last_activity": 31.0}, ["inactivity", "follow_up"], []),
        ({"days_since_last_activity": 30.0}, ["follow_up"], ["inactivity"]),  # 30 is not over 30
        ({"days_since_last_activity": 16.0}, ["follow_up"], ["inactivity"]),
        ({"days_since_last_activity": 15.0}, [], ["follow_up"]),  # 15 is not over 15
        ({"default_risk": "high"}, ["payment_risk"], []),
        ({"default_risk": "medium"}, [], ["payment_risk"]),
        ({"churn_score": 70.1}, ["churn_risk"], []),
        ({"churn_score": 70.0}, [], ["churn_risk"]),
        ({"ltv": 30001.0, "company_size": "medium"}, ["vip_account"], []),
        ({"ltv": 30001.0, "company_size": "small"}, [], ["vip_account"]),
        ({"lifecycle": "vip", "company_size": "large"}, ["vip_account"], []),
        ({"activities_30d": 6}, ["high_engagement"], []),
        ({"activities_30d": 5}, [], ["high_engagement"]),
        ({"open_opportunities": 3}, ["prioritise_opportunities"], []),
        ({"open_opportunities": 2}, [], ["prioritise_opportunities"]),
        # Rules on the new figures.
        ({"overdue": 100.0, "max_days_overdue": 10.0}, ["overdue_receivables", "send_payment_reminder"], []),
        ({"overdue": 100.0, "max_days_overdue": 31.0}, ["overdue_receivables", "call_billing_contact"], []),
        ({"overdue": 100.0, "max_days_overdue": 91.0}, ["overdue_receivables", "escalate_collection"], []),
        ({"lifecycle": "dormant", "days_since_last_invoice": 70.0}, ["reactivation_offer"], []),
        ({"days_since_last_invoice": 45.0}, ["expected_invoice_late"], []),  # 45 > cadence 30
        ({"days_since_last_invoice": 30.0}, [], ["expected_invoice_late"]),
        ({"days_since_last_activity": NaN}, ["first_contact"], ["follow_up"]),
        # A lost client: no contact chasing, but money owed is still chased.
        (
            {
                "lifecycle": "lost",
                "days_since_last_activity": 200.0,
                "churn_score": 100.0,
                "overdue": 50.0,
                "max_days_overdue": 40.0,
            },
            ["call_billing_contact"],
            ["follow_up", "inactivity", "churn_risk"],
        ),
    ],
)
def test_rule(changes: dict[str, Any], present: list[str], absent: list[str]) -> None:
    got = codes(**changes)
    assert all(code in got for code in present), got
    assert not any(code in got for code in absent), got


def test_params_and_messages_carry_the_figures() -> None:
    row = pd.Series(
        {**HEALTHY, "overdue": 1234.5, "max_days_overdue": 45.0, "days_since_last_invoice": 75.0, "cadence_days": 30.0}
    )
    by_code = {rec.code: rec for rec in recommendations(row)}
    overdue = by_code["overdue_receivables"]
    assert overdue.kind == "alert" and overdue.severity == "high"  # 45 days: over 30
    assert overdue.params == {"overdue": 1234.5, "days": 45}
    assert overdue.message == "EUR 1,234.50 overdue, the oldest invoice 45 days late."
    late = by_code["expected_invoice_late"]
    # 75 days since the last invoice against a 30-day cadence: expected 45 days ago; over 2x -> medium.
    assert late.params == {"days_late": 45, "cadence_days": 30} and late.severity == "medium"
    for rec in by_code.values():
        assert all(isinstance(v, (int, float, str)) for v in rec.params.values())


def test_order_is_alerts_then_opportunities_then_actions_most_severe_first() -> None:
    row = pd.Series(
        {
            **HEALTHY,
            "overdue": 10.0,
            "max_days_overdue": 95.0,
            "default_risk": "critical",
            "days_since_last_activity": 40.0,
            "activities_30d": 0,
            "lifecycle": "vip",
            "company_size": "large",
        }
    )
    got = [(rec.kind, rec.code, rec.severity) for rec in recommendations(row)]
    assert got == [
        ("alert", "overdue_receivables", "critical"),
        ("alert", "payment_risk", "critical"),
        ("alert", "inactivity", "medium"),
        ("opportunity", "vip_account", "medium"),
        ("action", "escalate_collection", "critical"),
        ("action", "follow_up", "low"),
    ]


def test_recommendation_is_frozen() -> None:
    rec = Recommendation("alert", "x", "low", {}, "m")
    with pytest.raises(FrozenInstanceError):
        rec.code = "y"  # type: ignore[misc]


def test_on_the_scenario() -> None:
    health = client_health(scenario(), T)
    # Beta: 63 overdue up to 91 days, critical risk, 75 days without contact, dormant.
    beta = [rec.code for rec in recommendations(health.loc[2])]
    assert beta == ["overdue_receivables", "payment_risk", "inactivity", "escalate_collection", "reactivation_offer", "follow_up"]
    # Epsilon: VIP, large, 6 activities in 30 days.
    assert [rec.code for rec in recommendations(health.loc[5])] == ["vip_account", "high_engagement"]
    # Delta (lost, paid up): nothing to do.
    assert recommendations(health.loc[4]) == []
    # Gamma: prospect never contacted.
    assert [rec.code for rec in recommendations(health.loc[3])] == ["first_contact"]


def test_suggested_action_priority_is_vectorised_over_the_frame() -> None:
    rows = [
        {**HEALTHY, "overdue": 5.0, "max_days_overdue": 91.0},  # escalate_collection
        {**HEALTHY, "overdue": 5.0, "max_days_overdue": 31.0},  # call_billing_contact
        {**HEALTHY, "overdue": 5.0, "max_days_overdue": 3.0},  # send_payment_reminder
        {**HEALTHY, "churn_score": 80.0},  # urgent_call
        {**HEALTHY, "lifecycle": "dormant", "days_since_last_invoice": 90.0},  # reactivation_offer
        {**HEALTHY, "days_since_last_invoice": 40.0},  # check_in_call: 40 > cadence 30
        {**HEALTHY, "days_since_last_activity": 20.0},  # follow_up
        {**HEALTHY, "open_opportunities": 3},  # prioritise_opportunities
        {**HEALTHY, "days_since_last_activity": NaN},  # first_contact
        {**HEALTHY, "lifecycle": "lost", "churn_score": 100.0, "days_since_last_activity": 300.0},  # none
        HEALTHY,  # none
    ]
    health = pd.DataFrame(rows, index=pd.Index(range(10, 10 + len(rows)), name="client_id"))
    got = suggested_action(health)
    assert list(got.index) == list(health.index)
    assert list(got) == [
        "escalate_collection",
        "call_billing_contact",
        "send_payment_reminder",
        "urgent_call",
        "reactivation_offer",
        "check_in_call",
        "follow_up",
        "prioritise_opportunities",
        "first_contact",
        "none",
        "none",
    ]
    assert set(got) <= set(ACTION_TEXT)


def test_thresholds_come_from_the_settings() -> None:
    strict = AnalyticsSettings(churn_alert=50.0, follow_up_days=5, high_overdue_days=10, critical_overdue_days=20)
    row = pd.Series({**HEALTHY, "churn_score": 60.0, "days_since_last_activity": 8.0})
    assert [rec.code for rec in recommendations(row)] == []  # 60 <= 70, 8 <= 15 by default
    assert [rec.code for rec in recommendations(row, strict)] == ["churn_risk", "follow_up"]
    late = pd.Series({**HEALTHY, "overdue": 5.0, "max_days_overdue": 25.0})
    assert recommendations(late)[0].severity == "medium"  # 25 <= 30
    assert recommendations(late, strict)[0].severity == "critical"  # 25 > 20
    frame = pd.DataFrame([dict(late), dict(row)], index=pd.Index([1, 2], name="client_id"))
    assert list(suggested_action(frame)) == ["send_payment_reminder", "none"]
    assert list(suggested_action(frame, strict)) == ["escalate_collection", "urgent_call"]


def test_the_package_exports_the_recommendations_function_not_a_module() -> None:
    import importlib
    import importlib.util

    import crm_core.analytics as analytics

    importlib.import_module("crm_core.analytics.advice")
    from crm_core.analytics import recommendations as exported

    assert callable(exported) and not isinstance(exported, type(analytics))
    assert exported is analytics.advice.recommendations
    assert importlib.util.find_spec("crm_core.analytics.recommendations") is None  # no module shadowing the name


def test_cobro_with_the_claimable_amount_when_an_invoice_is_over_30_days_overdue() -> None:
    claim = {"claim_total": 63.66, "claimed_invoices": 1, "provisional": False}
    late = pd.Series({**HEALTHY, "overdue": 1000.0, "max_days_overdue": 31.0})
    by_code = {rec.code: rec for rec in recommendations(late, claim=claim)}
    cobro = by_code["cobro"]
    assert (cobro.kind, cobro.severity) == ("action", "high")
    assert cobro.params == {"claimable": 63.66, "invoices": 1, "provisional": False}
    assert cobro.message == "Claim EUR 63.66 of late-payment interest and compensation (Ley 3/2004); invoices late: 1."
    from crm_core.i18n.domain_text import recommendation_text

    assert recommendation_text(cobro, "es") == (
        "Reclamar 63,66 € de intereses de demora e indemnización (Ley 3/2004); facturas con retraso: 1."
    )
    # 30 days is not over 30; no claim passed, or nothing claimable: no cobro.
    assert "cobro" not in [r.code for r in recommendations(pd.Series({**late, "max_days_overdue": 30.0}), claim=claim)]
    assert "cobro" not in [r.code for r in recommendations(late)]
    assert "cobro" not in [r.code for r in recommendations(late, claim={**claim, "claim_total": 0.0})]
