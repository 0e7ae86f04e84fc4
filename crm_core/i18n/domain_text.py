"""UI text for domain objects: recommendations, churn reasons and input errors, in either language.

The analytics and the services speak English (codes, params and a fallback message); the pages show
these through the catalogue, so a Spanish user reads Spanish and an unknown code still shows its
English message.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Any, Protocol

import numpy as np
import pandas as pd

from crm_core.errors import FieldError
from crm_core.i18n import LANGS, MESSAGES, format_money, format_number, label, t

MONEY_PARAMS = frozenset({"overdue", "ltv", "amount", "outstanding", "claimable"})


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


def _template(key: str, lang: str) -> str:
    """The raw catalogue text of `key` in `lang`, its placeholders unfilled."""
    return MESSAGES[key][LANGS.index(lang) if lang in LANGS else 0]


def recommendation_text(rec: RecommendationLike, lang: str) -> str:
    """The recommendation in `lang` (catalogue key `rec.<code>`, else `action.<code>`), else its English message."""
    key = next((k for k in (f"rec.{rec.code}", f"action.{rec.code}") if k in MESSAGES), None)
    if key is None:
        return rec.message
    params = {name: _param(name, value, lang) for name, value in rec.params.items()}
    template = _template(key, lang)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return rec.message


def _fill(template: str, index: pd.Index, **params: pd.Series) -> pd.Series:
    """`template` with each `{name}` replaced by the text of `params[name]` row by row, by string concatenation."""
    text = pd.Series("", index=index, dtype=object)
    for literal, name, _spec, _conversion in Formatter().parse(template):
        text = text + literal
        if name is not None:
            text = text + params[name]
    return text


def _whole_texts(values: pd.Series, lang: str) -> pd.Series:
    """Numbers as whole-number text in `lang` (as `format_number`), formatting each distinct value once."""
    rounded = pd.to_numeric(values, errors="coerce").astype("float64").round()
    texts = rounded.map({value: format_number(value, lang) for value in rounded.dropna().unique()})
    return texts.astype(object).where(rounded.notna(), "—")


def _percent_texts(shares: pd.Series, lang: str) -> pd.Series:
    """Shares 0-1 as whole percentages in `lang` (as `format_percent`)."""
    return _whole_texts(pd.to_numeric(shares, errors="coerce") * 100, lang) + (" %" if lang == "es" else "%")


def churn_reason_texts(health: pd.DataFrame, lang: str) -> pd.Series:
    """The churn reason of each client_health row in `lang`, vectorised over all rows.

    English is the sentence the analytics computed (`churn_reason`); another language builds it
    from `churn_driver` and the row's figures with the catalogue's `churn_reason.*` templates.
    """
    index = health.index

    def column(name: str) -> pd.Series:
        if name in health:
            return health[name]
        return pd.Series(np.nan, index=index, dtype="float64")

    def number(name: str) -> pd.Series:
        return pd.to_numeric(column(name), errors="coerce").astype("float64")

    english = column("churn_reason").astype(object).where(column("churn_reason").notna(), "")
    if lang == "en" or health.empty:
        return english.astype(object)
    driver = column("churn_driver").astype(object).to_numpy()
    cadence = number("cadence_days")
    since_activity = number("days_since_last_activity")
    oldest = number("max_days_overdue")
    prev = number("revenue_prev_6m")
    fall = (1 - number("revenue_last_6m").fillna(0) / prev.where(prev > 0)).clip(0, 1).fillna(0)
    since_invoice = _whole_texts(column("days_since_last_invoice"), lang)
    cases: list[tuple[np.ndarray, pd.Series | str]] = [
        ((column("lifecycle") == "prospect").to_numpy(), t("churn_reason.prospect", lang)),
        ((driver == "recency") & cadence.isna().to_numpy(),
         _fill(_template("churn_reason.recency_single", lang), index, days=since_invoice)),
        (driver == "recency", _fill(_template("churn_reason.recency", lang), index, days=since_invoice,
                                    cadence=_whole_texts(cadence, lang))),
        ((driver == "engagement") & since_activity.isna().to_numpy(), t("churn_reason.engagement_never", lang)),
        (driver == "engagement",
         _fill(_template("churn_reason.engagement", lang), index, days=_whole_texts(since_activity, lang))),
        ((driver == "payment") & (oldest > 0).to_numpy(),
         _fill(_template("churn_reason.payment_overdue", lang), index, days=_whole_texts(oldest, lang))),
        (driver == "payment", _fill(_template("churn_reason.payment_on_time", lang), index,
                                    share=_percent_texts(number("on_time_rate").fillna(0), lang))),
        (driver == "trend", _fill(_template("churn_reason.trend", lang), index, share=_percent_texts(fall, lang))),
        (driver == "lost", t("churn_reason.lost", lang)),
        (driver == "none", t("churn_reason.none", lang)),
    ]
    chosen = np.select([mask for mask, _ in cases],
                       [np.asarray(text, dtype=object) if isinstance(text, pd.Series) else np.full(len(index), text, dtype=object)
                        for _, text in cases],
                       default=english.to_numpy(dtype=object))
    return pd.Series(chosen, index=index, dtype=object)


def churn_reason_text(row: pd.Series, lang: str) -> str:
    """The churn reason of one client_health row in `lang` (see `churn_reason_texts`)."""
    return str(churn_reason_texts(pd.DataFrame([row]), lang).iloc[0])


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
    (re.compile(r"^\w+ (?P<id>\S+) does not exist"), "error.not_found"),
    (re.compile(r"^must not contain a NUL character$"), "error.nul"),
    (re.compile(r"^contains an invalid character"), "error.bad_character"),
    (re.compile(r"^must be between (?P<first>\d+) and (?P<last>\d+)$"), "error.year_range"),
    (re.compile(r"^is too large$"), "error.too_large"),
    (re.compile(r"^\w+ is required and cannot be emptied$"), "error.cannot_empty"),
]


_EMPTY_NUMBER = re.compile(r"^must be a (whole )?number, got None$")


def message_text(message: str, lang: str) -> str:
    """An English service / schema message in `lang` when its phrase is known, else as it is."""
    if _EMPTY_NUMBER.match(message):  # an empty number box: say what the user did, not the type
        message = "is required"
    if lang == "en":
        return message
    for pattern, key in _ERROR_PATTERNS:
        match = pattern.search(message)
        if match:
            return t(key, lang, **match.groupdict())
    return message


def error_text(error: FieldError, lang: str) -> str:
    """`Field label: message` for one FieldError, the label and (when known) the message translated."""
    field_key = f"field.{error.field}"
    field = t(field_key, lang) if field_key in MESSAGES else error.field
    return f"{field}: {message_text(error.message, lang)}"


# The import report's fixed English phrases (crm_core.io) and the catalogue key that says the same.
_IMPORT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^the file is empty$"), "import_msg.empty"),
    (re.compile(r"^the file says it is UTF-16"), "import_msg.bad_utf16"),
    (re.compile(r"^this is a spreadsheet workbook"), "import_msg.workbook"),
    (re.compile(r"^the file is not a text CSV file"), "import_msg.binary"),
    (re.compile(r"^the file starts as UTF-8 but byte (?P<byte>\d+) is not valid UTF-8$"), "import_msg.bad_utf8"),
    (re.compile(r"^line (?P<line>\d+) cannot be read as CSV"), "import_msg.bad_line"),
    (re.compile(r"^a required column is missing: (?P<columns>.+)$"), "import_msg.missing_column"),
    (re.compile(r"^unknown columns? (?P<columns>.+) \(an? \w+ file may hold: (?P<fields>.+); map or leave out"),
     "import_msg.unknown_columns"),
    (re.compile(r"^columns (?P<first>'.*') and (?P<second>'.*') both hold (?P<field>\w+)$"), "import_msg.same_field"),
    (re.compile(r"^this row has (?P<cells>\d+) cells but the header has (?P<width>\d+) "), "import_msg.too_many_cells"),
    (re.compile(r"^client (?P<id>\d+) with (?P<what>.+) is already up to date$"), "import_msg.client_up_to_date"),
    (re.compile(r"^client (?P<id>\d+) with (?P<what>.+) already exists$"), "import_msg.client_exists"),
    (re.compile(r"^contact (?P<id>\d+) with (?P<what>.+) already exists for this client$"), "import_msg.contact_exists"),
    (re.compile(r"^invoice (?P<number>.+) is already up to date$"), "import_msg.invoice_up_to_date"),
    (re.compile(r"^invoice (?P<number>.+) already exists$"), "import_msg.invoice_exists"),
    (re.compile(r"^a payment of (?P<amount>\S+) on (?P<date>\S+) is already recorded for invoice (?P<number>.+)$"),
     "import_msg.payment_recorded"),
    (re.compile(r"^opportunity (?P<id>\d+) (?P<name>'.*') already exists for this client$"), "import_msg.opportunity_exists"),
    (re.compile(r"^(?P<kind>\w+) (?P<title>'.*') at (?P<when>.+) is already recorded for this client$"),
     "import_msg.activity_recorded"),
    (re.compile(r"^the same payment \((?P<amount>\S+) on (?P<date>\S+) to invoice (?P<number>.+)\) is already on line "
                r"(?P<line>\d+) of this file "), "import_msg.payment_on_line"),
    (re.compile(r"^(?P<what>.+) is already on line (?P<line>\d+) of this file$"), "import_msg.on_line"),
    (re.compile(r"^no client has (?P<what>(tax id|email) .+) \(import the clients first\)$"), "import_msg.no_client"),
    (re.compile(r"^no client has id (?P<id>\d+)$"), "import_msg.no_client_id"),
    (re.compile(r"^no invoice has number (?P<number>.+) \(import the invoices first\)$"), "import_msg.no_invoice"),
    (re.compile(r"^no invoice has id (?P<id>\d+)$"), "import_msg.no_invoice_id"),
    (re.compile(r"^the client has no contact with email (?P<email>.+)$"), "import_msg.no_contact"),
    (re.compile(r"^is required \(the client's tax id, email or id\)$"), "import_msg.client_required"),
    (re.compile(r"^is required \(the invoice's number or id\)$"), "import_msg.invoice_required"),
]
_SUBJECT = re.compile(r"^(?P<noun>tax id|tax_id|email|name|full_name|invoice|number) (?P<value>.+)$")
_SUBJECT_KEYS = {"tax id": "tax_id", "tax_id": "tax_id", "email": "email", "name": "name", "full_name": "name",
                 "invoice": "invoice", "number": "invoice"}
# A whole-file error joins its problems with "; " (crm_core.io.headers.match_header).
_PROBLEM_SPLIT = re.compile(r"; (?!map or leave out)")


def _import_param(name: str, value: str, lang: str) -> str:
    """A captured part of an import phrase in `lang`: `tax id B1...` and the like, an activity kind, a field."""
    if name == "what":
        match = _SUBJECT.match(value)
        if match:
            return t(f"import_msg.{_SUBJECT_KEYS[match['noun']]}", lang, value=match["value"])
    if name == "kind" and f"kind.{value}" in MESSAGES:
        return label("kind", value, lang).lower()
    if name == "field" and f"field.{value}" in MESSAGES:
        return t(f"field.{value}", lang)
    return value


def import_message_text(message: str, lang: str) -> str:
    """A message of the import (a whole-file error, a row problem or a skip reason) in `lang`.

    Each known phrase is said with its catalogue key (`import_msg.*`, else the input-error keys),
    its parameters kept; an unknown phrase stays English, so nothing is ever lost.
    """
    if lang == "en":
        return message_text(message, lang)
    texts: list[str] = []
    for part in _PROBLEM_SPLIT.split(message):
        for pattern, key in _IMPORT_PATTERNS:
            match = pattern.search(part)
            if match:
                params = {name: _import_param(name, value, lang) for name, value in match.groupdict().items()}
                texts.append(t(key, lang, **params))
                break
        else:
            texts.append(message_text(part, lang))
    return "; ".join(texts)
