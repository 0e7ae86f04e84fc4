"""Alerts, opportunities and suggested actions per client, driven by the health figures (docs/design.md §4.18).

The rules follow the seed's `generar_recomendaciones` (inactivity over 30 days, payment risk high
or critical, churn over 70, VIP / high LTV with a medium or large company, more than 5 activities
in 30 days, follow-up after 15 days without contact, more than 2 open opportunities) plus rules on
the figures the seed never computed (overdue receivables, dormancy against the client's own
cadence, an expected invoice that has not come). The thresholds live in `AnalyticsSettings`. The UI
translates by `code` and `params`; the English `message` is the fallback and the CSV text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crm_core.analytics.settings import DEFAULT_SETTINGS, AnalyticsSettings
from crm_core.enums import CompanySize, RiskLevel

BIG_COMPANIES: tuple[str, ...] = (CompanySize.MEDIUM.value, CompanySize.LARGE.value)


@dataclass(frozen=True)
class Recommendation:
    """One recommendation: kind alert | opportunity | action, a stable code, plain params."""

    kind: str
    code: str
    severity: str
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""


def _number(value: Any) -> float | None:
    """A plain float (None for NaN / missing), so params stay JSON-friendly."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def _int(value: Any) -> int:
    return int(round(float(value)))


def recommendations(
    health_row: pd.Series,
    settings: AnalyticsSettings | None = None,
    claim: pd.Series | Mapping[str, Any] | None = None,
) -> list[Recommendation]:
    """Recommendations for one client (a row of `client_health`), alerts first, most severe first.

    Thresholds come from `settings` (default: DEFAULT_SETTINGS). `claim` is the client's row of
    `receivables.client_claims` as of the same date: with it, an invoice overdue more than
    `high_overdue_days` adds the `cobro` action with the amount claimable under Ley 3/2004.
    """
    s = settings or DEFAULT_SETTINGS
    r = health_row
    out: list[Recommendation] = []
    life = r.get("lifecycle")
    since_activity = _number(r.get("days_since_last_activity"))
    since_invoice = _number(r.get("days_since_last_invoice"))
    cadence = _number(r.get("cadence_days"))
    risk = r.get("default_risk")
    churn = _number(r.get("churn_score")) or 0.0
    overdue = _number(r.get("overdue")) or 0.0
    oldest = _int(_number(r.get("max_days_overdue")) or 0)
    ltv = _number(r.get("ltv")) or 0.0
    active_client = life not in ("prospect", "lost")

    # Alerts.
    if overdue > 0:
        severity = "critical" if oldest > s.critical_overdue_days else "high" if oldest > s.high_overdue_days else "medium"
        out.append(
            Recommendation(
                "alert",
                "overdue_receivables",
                severity,
                {"overdue": round(overdue, 2), "days": oldest},
                f"EUR {overdue:,.2f} overdue, the oldest invoice {oldest} days late.",
            )
        )
    if risk in (RiskLevel.HIGH, RiskLevel.CRITICAL):
        out.append(
            Recommendation(
                "alert",
                "payment_risk",
                "critical" if risk == "critical" else "high",
                {"risk": str(risk)},
                f"Default risk: {risk}. Review payment terms.",
            )
        )
    if churn > s.churn_alert and life != "lost":
        out.append(
            Recommendation(
                "alert",
                "churn_risk",
                "critical",
                {"score": round(churn, 1), "driver": str(r.get("churn_driver", "none"))},
                f"High churn risk ({churn:.0f}/100). {r.get('churn_reason', '')} Contact urgently.".replace("  ", " "),
            )
        )
    if since_activity is not None and since_activity > s.inactivity_alert_days and life != "lost":
        out.append(
            Recommendation(
                "alert",
                "inactivity",
                "medium",
                {"days": _int(since_activity)},
                f"No contact for {_int(since_activity)} days. Consider a proactive call.",
            )
        )
    if active_client and cadence is not None and since_invoice is not None and since_invoice > cadence and life != "dormant":
        late = _int(since_invoice - cadence)
        out.append(
            Recommendation(
                "alert",
                "expected_invoice_late",
                "low" if since_invoice <= 2 * cadence else "medium",
                {"days_late": late, "cadence_days": _int(cadence)},
                f"The next invoice was expected {late} days ago (usual gap {_int(cadence)} days).",
            )
        )

    # Opportunities.
    size = r.get("company_size")
    if (life == "vip" or ltv > s.high_ltv) and size in BIG_COMPANIES:
        out.append(
            Recommendation(
                "opportunity",
                "vip_account",
                "medium",
                {"ltv": round(ltv, 2)},
                f"High-value client (LTV EUR {ltv:,.2f}). Consider a dedicated account manager.",
            )
        )
    activities = _int(r.get("activities_30d", 0) or 0)
    if activities > s.high_engagement_activities and life != "lost":
        out.append(
            Recommendation(
                "opportunity",
                "high_engagement",
                "low",
                {"activities": activities},
                f"High engagement ({activities} activities in {s.activity_window_days} days). "
                "A good moment to offer more services.",
            )
        )

    # Actions.
    if overdue > 0:
        code, severity = (
            ("escalate_collection", "critical")
            if oldest > s.critical_overdue_days
            else ("call_billing_contact", "high")
            if oldest > s.high_overdue_days
            else ("send_payment_reminder", "medium")
        )
        out.append(Recommendation("action", code, severity, {"overdue": round(overdue, 2), "days": oldest}, ACTION_TEXT[code]))
    claimable = _number(claim.get("claim_total")) if claim is not None else None
    if overdue > 0 and oldest > s.high_overdue_days and claimable:
        invoices = _int(claim.get("claimed_invoices", 0) or 0) if claim is not None else 0
        provisional = bool(claim.get("provisional", False)) if claim is not None else False
        out.append(
            Recommendation(
                "action",
                "cobro",
                "high",
                {"claimable": round(claimable, 2), "invoices": invoices, "provisional": provisional},
                f"Claim EUR {claimable:,.2f} of late-payment interest and compensation (Ley 3/2004); "
                f"invoices late: {invoices}{' (provisional rate)' if provisional else ''}.",
            )
        )
    if life == "dormant":
        out.append(
            Recommendation(
                "action",
                "reactivation_offer",
                "high" if churn > s.churn_alert else "medium",
                {"days": _int(since_invoice or 0)},
                f"No invoice for {_int(since_invoice or 0)} days: send a reactivation offer.",
            )
        )
    if life != "lost" and since_activity is None:
        out.append(Recommendation("action", "first_contact", "low", {}, "No contact logged yet: call to introduce yourself."))
    elif life != "lost" and since_activity is not None and since_activity > s.follow_up_days:
        out.append(
            Recommendation(
                "action",
                "follow_up",
                "low",
                {"days": _int(since_activity)},
                "Send a follow-up email and schedule a check-in call.",
            )
        )
    opportunities = _int(r.get("open_opportunities", 0) or 0)
    if opportunities > s.many_open_opportunities:
        out.append(
            Recommendation(
                "action",
                "prioritise_opportunities",
                "medium",
                {"open_opportunities": opportunities},
                f"{opportunities} open opportunities: prioritise their follow-up.",
            )
        )
    kind_order = {"alert": 0, "opportunity": 1, "action": 2}
    severity_order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return sorted(out, key=lambda rec: (kind_order[rec.kind], severity_order[rec.severity]))


ACTION_TEXT: dict[str, str] = {
    "escalate_collection": "Escalate collection: an invoice is more than 90 days overdue.",
    "call_billing_contact": "Call the billing contact about the overdue invoices.",
    "send_payment_reminder": "Send a payment reminder.",
    "urgent_call": "Call urgently: high churn risk.",
    "reactivation_offer": "Send a reactivation offer.",
    "check_in_call": "Schedule a check-in call: the expected invoice has not come.",
    "follow_up": "Send a follow-up email and schedule a check-in call.",
    "first_contact": "No contact logged yet: call to introduce yourself.",
    "prioritise_opportunities": "Prioritise the follow-up of the open opportunities.",
    "none": "No action needed.",
}


def suggested_action(health: pd.DataFrame, settings: AnalyticsSettings | None = None) -> pd.Series:
    """The single most urgent action code per client (keys of ACTION_TEXT), vectorised; thresholds from `settings`."""
    s = settings or DEFAULT_SETTINGS
    h = health
    life = h["lifecycle"].to_numpy(dtype=object)
    lost = life == "lost"
    overdue = h["overdue"].to_numpy(dtype="float64") > 0
    oldest = h["max_days_overdue"].to_numpy(dtype="float64")
    churn = h["churn_score"].to_numpy(dtype="float64")
    since_activity = h["days_since_last_activity"].to_numpy(dtype="float64")
    since_invoice = h["days_since_last_invoice"].to_numpy(dtype="float64")
    cadence = h["cadence_days"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        code = np.select(
            [
                overdue & (oldest > s.critical_overdue_days),
                overdue & (oldest > s.high_overdue_days),
                overdue,
                ~lost & (churn > s.churn_alert),
                life == "dormant",
                ~lost & (life != "prospect") & (since_invoice > cadence),
                ~lost & (since_activity > s.follow_up_days),
                h["open_opportunities"].to_numpy() > s.many_open_opportunities,
                ~lost & np.isnan(since_activity),
            ],
            [
                "escalate_collection",
                "call_billing_contact",
                "send_payment_reminder",
                "urgent_call",
                "reactivation_offer",
                "check_in_call",
                "follow_up",
                "prioritise_opportunities",
                "first_contact",
            ],
            default="none",
        )
    return pd.Series(code.astype(object), index=h.index, name="suggested_action")
