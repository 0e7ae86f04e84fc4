"""UI text for domain objects: recommendations, churn reasons and input errors, in either language.

The analytics and the services speak English (codes, params and a fallback message); the pages show
these through the catalogue, so a Spanish user reads Spanish and an unknown code still shows its
English message.
"""

from __future__ import annotations

import math
import re
from typing import Any, Protocol

import pandas as pd

from crm_core.errors import FieldError
from crm_core.i18n import LANGS, MESSAGES, format_money, format_number, format_percent, label, t

MONEY_PARAMS = frozenset({"overdue", "ltv", "amount", "outstanding"})


class RecommendationLike(Protocol):
    code: str
    params: dict[str, Any]
    message: str


def _param(name: str, value: Any, lang: str) -> str:
    if name in MONEY_PARAMS:
        return format_money(value, lang)
    if name == "risk":
        return label("risk", value, lang)
    if name == "driver":
        return label("churn_driver", value, lang)
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return format_number(value, lang, 0 if float(value).is_integer() else 1)
    return str(value)


def recommendation_text(rec: RecommendationLike, lang: str) -> str:
    """The recommendation in `lang` (catalogue key `rec.<code>`, else `action.<code>`), else its English message."""
    key = next((k for k in (f"rec.{rec.code}", f"action.{rec.code}") if k in MESSAGES), None)
    if key is None:
        return rec.message
    params = {name: _param(name, value, lang) for name, value in rec.params.items()}
    template = MESSAGES[key][LANGS.index(lang) if lang in LANGS else 0]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return rec.message


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def churn_reason_text(row: pd.Series, lang: str) -> str:
    """The churn reason of a client_health row in `lang`: English as computed, else from its driver."""
    if lang == "en":
        return str(row.get("churn_reason") or "")
    driver = row.get("churn_driver")
    if row.get("lifecycle") == "prospect":
        return t("churn_reason.prospect", lang)
    if driver == "recency":
        days = format_number(row.get("days_since_last_invoice"), lang)
        cadence = row.get("cadence_days")
        if _is_missing(cadence):
            return t("churn_reason.recency_single", lang, days=days)
        return t("churn_reason.recency", lang, days=days, cadence=format_number(cadence, lang))
    if driver == "engagement":
        days = row.get("days_since_last_activity")
        if _is_missing(days):
            return t("churn_reason.engagement_never", lang)
        return t("churn_reason.engagement", lang, days=format_number(days, lang))
    if driver == "payment":
        oldest = row.get("max_days_overdue")
        if not _is_missing(oldest) and float(oldest) > 0:
            return t("churn_reason.payment_overdue", lang, days=format_number(oldest, lang))
        rate = row.get("on_time_rate")
        return t("churn_reason.payment_on_time", lang, share=format_percent(0 if _is_missing(rate) else rate, lang))
    if driver == "trend":
        last, prev = row.get("revenue_last_6m"), row.get("revenue_prev_6m")
        fall = 0.0 if _is_missing(prev) or not prev else min(max(1 - float(last or 0) / float(prev), 0.0), 1.0)
        return t("churn_reason.trend", lang, share=format_percent(fall, lang))
    if driver in ("lost", "none"):
        return t(f"churn_reason.{driver}", lang)
    return str(row.get("churn_reason") or "")


# English service / schema messages and the catalogue key that says the same in the UI language.
_ERROR_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^is required$"), "error.required"),
    (re.compile(r"^must be (?P<n>\S+) or more$"), "error.min"),
    (re.compile(r"^must be (?P<n>\S+) or less$"), "error.max"),
    (re.compile(r"^must be greater than (?P<n>\S+)$"), "error.greater"),
    (re.compile(r"^must be at most (?P<n>\d+) characters$"), "error.too_long"),
    (re.compile(r"^must be a whole number"), "error.whole_number"),
    (re.compile(r"^must be a number"), "error.number"),
    (re.compile(r"^is not a valid date"), "error.date"),
    (re.compile(r"^not a valid email address"), "error.email"),
    (re.compile(r"^not a valid phone number"), "error.phone"),
    (re.compile(r"^not a valid web address"), "error.url"),
    (re.compile(r"^unknown region"), "error.region"),
    (re.compile(r"is not a valid Spanish tax id"), "error.tax_id"),
    (re.compile(r"^is not a contact of this client$"), "error.contact_of_client"),
    (re.compile(r"^must have at most 2 decimals"), "error.cents"),
    (re.compile(r"^must not be before the opportunity was created$"), "error.before_created"),
    (re.compile(r"^follow_up_on must not be before"), "error.follow_up_before"),
    (re.compile(r"^another \w+ already has"), "error.duplicate"),
]


_EMPTY_NUMBER = re.compile(r"^must be a (whole )?number, got None$")


def error_text(error: FieldError, lang: str) -> str:
    """`Field label: message` for one FieldError, the label and (when known) the message translated."""
    field_key = f"field.{error.field}"
    field = t(field_key, lang) if field_key in MESSAGES else error.field
    message = error.message
    if _EMPTY_NUMBER.match(message):  # an empty number box: say what the user did, not the type
        message = "is required"
    if lang != "en":
        for pattern, key in _ERROR_PATTERNS:
            match = pattern.search(message)
            if match:
                message = t(key, lang, **match.groupdict())
                break
    return f"{field}: {message}"
