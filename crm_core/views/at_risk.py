"""The at-risk client list: the at-risk rows of client_health as a table in the UI language.

The same table is shown on the Health page and downloaded (or written by `python -m crm_core
export-at-risk`, as CSV through `crm_core.io.at_risk`): headers and values in the chosen language,
numbers left as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from crm_core.analytics.advice import suggested_action
from crm_core.analytics.portfolio import at_risk
from crm_core.analytics.settings import DEFAULT_SETTINGS
from crm_core.i18n import MESSAGES, label, t
from crm_core.i18n.domain_text import churn_reason_texts

# (health column, header key), in the order of the export.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("company_name", "field.company_name"),
    ("tax_id", "field.tax_id"),
    ("email", "field.email"),
    ("phone", "field.phone"),
    ("owner", "field.owner"),
    ("lifecycle", "at_risk.lifecycle"),
    ("churn_score", "at_risk.churn_score"),
    ("churn_reason", "at_risk.churn_reason"),
    ("default_risk", "at_risk.default_risk"),
    ("overdue", "at_risk.overdue"),
    ("oldest_unpaid_issue_date", "at_risk.oldest_unpaid"),
    ("days_since_last_activity", "at_risk.days_since_activity"),
    ("expected_revenue_90d", "at_risk.expected_revenue_90d"),
    ("predicted_value_12m", "at_risk.predicted_value_12m"),
    ("suggested_action", "at_risk.suggested_action"),
)


def headers(lang: str) -> dict[str, str]:
    """Health column -> its header in `lang`, for the export's columns."""
    return {column: t(key, lang) for column, key in EXPORT_COLUMNS}


def action_text(codes: pd.Series, lang: str) -> pd.Series:
    """Suggested-action codes as text in `lang` (catalogue `action.<code>`; an unknown code as itself)."""
    texts = {code: t(f"action.{code}", lang) if f"action.{code}" in MESSAGES else str(code) for code in codes.unique()}
    return codes.map(texts)


def _labels(values: pd.Series, kind: str, lang: str) -> pd.Series:
    return values.map({value: label(kind, value, lang) for value in values.dropna().unique()})


def at_risk_export(
    health: pd.DataFrame,
    lang: str,
    churn_min: float = DEFAULT_SETTINGS.at_risk_churn_min,
    risk_levels: Iterable[str] = DEFAULT_SETTINGS.at_risk_levels,
    overdue_min: float | None = None,
) -> pd.DataFrame:
    """The at-risk clients (`analytics.at_risk`, most severe first) with the export's columns.

    Headers and text values (lifecycle, default risk, churn reason, suggested action) are in
    `lang`; the index is the client id. Churn scores are whole numbers (as shown), money in cents.
    """
    rows = at_risk(health, churn_min=churn_min, risk_levels=tuple(risk_levels), overdue_min=overdue_min)
    out = pd.DataFrame(index=rows.index)
    for column in ("company_name", "tax_id", "email", "phone", "owner"):
        out[column] = rows[column].astype(object)
    out["lifecycle"] = _labels(rows["lifecycle"], "lifecycle", lang)
    out["churn_score"] = rows["churn_score"].astype("float64").round(0).astype("Int64")  # as the page shows it
    out["churn_reason"] = churn_reason_texts(rows, lang)
    out["default_risk"] = _labels(rows["default_risk"], "risk", lang)
    out["overdue"] = rows["overdue"].astype("float64").round(2)
    out["oldest_unpaid_issue_date"] = pd.to_datetime(rows["oldest_unpaid_issue_date"]).dt.normalize()
    out["days_since_last_activity"] = rows["days_since_last_activity"].round().astype("Int64")
    out["expected_revenue_90d"] = rows["expected_revenue_90d"].astype("float64").round(2)
    out["predicted_value_12m"] = rows["predicted_value_12m"].astype("float64").round(2)
    out["suggested_action"] = action_text(suggested_action(rows), lang) if len(rows) else pd.Series(dtype=object)
    return out.rename(columns=headers(lang))


def overdue_total(frame: pd.DataFrame, lang: str) -> float:
    """The overdue amount of the clients in an export frame built in `lang`."""
    return float(frame[t("at_risk.overdue", lang)].sum())
