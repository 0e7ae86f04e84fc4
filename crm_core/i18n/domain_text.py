"""UI text for domain objects: recommendations and churn reasons, in either language.

The analytics speak English (codes, params and a fallback message); the pages show these through
the catalogue, so a Spanish user reads Spanish and an unknown code still shows its English message.
Errors are said from their codes by crm_core.i18n.error_text.
"""

from __future__ import annotations

from string import Formatter
from typing import Any, Protocol

import numpy as np
import pandas as pd

from crm_core.i18n import LANGS, MESSAGES, format_money, format_number, label, t

MONEY_PARAMS = frozenset({"overdue", "ltv", "amount", "outstanding", "claimable"})


class RecommendationLike(Protocol):
    """What the texts need of a recommendation (analytics' frozen Recommendation has these, read-only)."""

    @property
    def code(self) -> str: ...

    @property
    def params(self) -> dict[str, Any]: ...

    @property
    def message(self) -> str: ...


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
        (
            (driver == "recency") & cadence.isna().to_numpy(),
            _fill(_template("churn_reason.recency_single", lang), index, days=since_invoice),
        ),
        (
            driver == "recency",
            _fill(_template("churn_reason.recency", lang), index, days=since_invoice, cadence=_whole_texts(cadence, lang)),
        ),
        ((driver == "engagement") & since_activity.isna().to_numpy(), t("churn_reason.engagement_never", lang)),
        (
            driver == "engagement",
            _fill(_template("churn_reason.engagement", lang), index, days=_whole_texts(since_activity, lang)),
        ),
        (
            (driver == "payment") & (oldest > 0).to_numpy(),
            _fill(_template("churn_reason.payment_overdue", lang), index, days=_whole_texts(oldest, lang)),
        ),
        (
            driver == "payment",
            _fill(
                _template("churn_reason.payment_on_time", lang),
                index,
                share=_percent_texts(number("on_time_rate").fillna(0), lang),
            ),
        ),
        (driver == "trend", _fill(_template("churn_reason.trend", lang), index, share=_percent_texts(fall, lang))),
        (driver == "lost", t("churn_reason.lost", lang)),
        (driver == "none", t("churn_reason.none", lang)),
    ]
    chosen = np.select(
        [mask for mask, _ in cases],
        [
            np.asarray(text, dtype=object) if isinstance(text, pd.Series) else np.full(len(index), text, dtype=object)
            for _, text in cases
        ],
        default=english.to_numpy(dtype=object),
    )
    return pd.Series(chosen, index=index, dtype=object)


def churn_reason_text(row: pd.Series, lang: str) -> str:
    """The churn reason of one client_health row in `lang` (see `churn_reason_texts`)."""
    return str(churn_reason_texts(pd.DataFrame([row]), lang).iloc[0])
