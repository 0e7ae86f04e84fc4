"""UI text of recommendations and churn reasons, in English and Spanish (errors: test_i18n_error_text)."""

from __future__ import annotations

import pandas as pd

from crm_core.analytics.advice import Recommendation
from crm_core.i18n.domain_text import churn_reason_text, churn_reason_texts, recommendation_text


def test_recommendation_translated_with_formatted_params() -> None:
    rec = Recommendation("alert", "overdue_receivables", "high", {"overdue": 1234.5, "days": 45}, "EUR 1,234.50 overdue...")
    assert recommendation_text(rec, "es") == "1.234,50 € vencidos, la factura más antigua con 45 días de retraso."
    assert recommendation_text(rec, "en") == "€1,234.50 overdue, the oldest invoice 45 days late."


def test_recommendation_translates_risk_and_driver() -> None:
    risk = Recommendation("alert", "payment_risk", "critical", {"risk": "critical"}, "Default risk: critical.")
    assert recommendation_text(risk, "es") == "Riesgo de impago: Crítico. Revisar las condiciones de pago."
    churn = Recommendation("alert", "churn_risk", "critical", {"score": 82.0, "driver": "recency"}, "High churn risk")
    assert "(82/100), factor principal: Recencia" in recommendation_text(churn, "es")


def test_high_value_advice_does_not_call_an_active_client_vip() -> None:
    """The advice fires for VIP clients and for any client over the LTV threshold: the text says what holds."""
    rec = Recommendation("opportunity", "vip_account", "medium", {"ltv": 73502.5}, "High-value client (LTV EUR 73,502.50).")
    assert recommendation_text(rec, "es") == "Cliente de alto valor (LTV 73.502,50 €). Considera un gestor de cuenta dedicado."
    assert recommendation_text(rec, "en").startswith("High-value client (LTV €73,502.50).")


def test_unknown_code_or_params_fall_back_to_the_english_message() -> None:
    assert recommendation_text(Recommendation("action", "new_rule", "low", {}, "Do the new thing."), "es") == "Do the new thing."
    broken = Recommendation("alert", "inactivity", "medium", {}, "No contact for 40 days.")  # {days} missing
    assert recommendation_text(broken, "es") == "No contact for 40 days."


def test_churn_reason_english_as_computed_spanish_from_the_driver() -> None:
    row = pd.Series(
        {
            "churn_reason": "No invoice for 95 days, against a usual gap of 30 days.",
            "churn_driver": "recency",
            "lifecycle": "active",
            "days_since_last_invoice": 95.0,
            "cadence_days": 30.0,
        }
    )
    assert churn_reason_text(row, "en") == row["churn_reason"]
    assert churn_reason_text(row, "es") == "Sin facturas desde hace 95 días, frente a un intervalo habitual de 30 días."
    trend = pd.Series({"churn_driver": "trend", "lifecycle": "active", "revenue_last_6m": 2500.0, "revenue_prev_6m": 10000.0})
    assert churn_reason_text(trend, "es") == "La facturación de los últimos 6 meses cayó un 75 % frente a los 6 anteriores."
    never = pd.Series({"churn_driver": "engagement", "lifecycle": "active", "days_since_last_activity": float("nan")})
    assert churn_reason_text(never, "es") == "Nunca se ha registrado un contacto."


def test_churn_reason_texts_build_every_driver_for_all_rows_at_once() -> None:
    nan = float("nan")
    health = pd.DataFrame(
        {
            "lifecycle": ["prospect", "active", "active", "active", "active", "active", "active", "lost", "active"],
            "churn_driver": ["none", "recency", "recency", "engagement", "payment", "payment", "trend", "lost", "none"],
            "churn_reason": [f"english {i}" for i in range(9)],
            "days_since_last_invoice": [nan, 1500.4, 95.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0],
            "cadence_days": [nan, 30.0, nan, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0],
            "days_since_last_activity": [nan, 5.0, 5.0, 45.0, 5.0, 5.0, 5.0, 5.0, 5.0],
            "max_days_overdue": [0.0, 0.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 0.0],
            "on_time_rate": [nan, 1.0, 1.0, 1.0, 0.5, 0.25, 1.0, 1.0, 1.0],
            "revenue_last_6m": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2500.0, 0.0, 0.0],
            "revenue_prev_6m": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10000.0, 0.0, 0.0],
        },
        index=[11, 12, 13, 14, 15, 16, 17, 18, 19],
    )
    es = churn_reason_texts(health, "es")
    assert list(es.index) == list(health.index)
    assert es.tolist() == [
        "Prospecto: aún no ha comprado, nada que perder.",
        "Sin facturas desde hace 1.500 días, frente a un intervalo habitual de 30 días.",
        "Sin facturas desde hace 95 días, desde la única.",
        "Sin contacto registrado desde hace 45 días.",
        "Una factura lleva 40 días vencida.",
        "Solo el 25 % de las facturas se pagó a tiempo.",
        "La facturación de los últimos 6 meses cayó un 75 % frente a los 6 anteriores.",  # 1 - 2500/10000
        "Marcado como perdido.",
        "Ninguna señal de alerta.",
    ]
    assert churn_reason_texts(health, "en").tolist() == health["churn_reason"].tolist()
    assert churn_reason_texts(health.iloc[:0], "es").empty


def test_action_codes_use_the_suggested_action_texts() -> None:
    rec = Recommendation("action", "escalate_collection", "critical", {"overdue": 900.0, "days": 120}, "Escalate collection.")
    assert recommendation_text(rec, "es") == "Escalar el cobro: hay una factura vencida hace más de 90 días."
