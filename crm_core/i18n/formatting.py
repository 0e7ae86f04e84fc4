"""Money, number and date formatting per UI language (Spanish: 1.234,56 €, 25/11/2026)."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")


def month_abbr(month: int, lang: str) -> str:
    """The short name of month 1-12: `Jan` in English, `ene` in Spanish."""
    return (_MONTHS_ES if lang == "es" else _MONTHS_EN)[month - 1]


def _missing(value: object) -> bool:
    """None, NaN, NaT, pandas' NA, or an infinite number (a ratio over nothing): shown as a dash."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    try:
        return not math.isfinite(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def _rounded(value: float | int | Decimal, decimals: int) -> Decimal:
    """`value` to `decimals` decimals, a half away from zero, as a person writes it (2.5 -> 3,
    2.675 -> 2.68), not from the nearest binary float (which gives 2 and 2.67); never -0."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) + 0


def format_number(value: float | int | Decimal | None, lang: str, decimals: int = 0) -> str:
    """`value` with `decimals` decimals and the language's thousands separator."""
    if value is None or _missing(value):
        return "—"
    text = f"{_rounded(value, decimals):,.{decimals}f}"
    if lang == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_money(value: float | int | Decimal | None, lang: str, decimals: int = 2) -> str:
    """`1.234,56 €` in Spanish, `€1,234.56` in English; a dash for a missing amount."""
    if value is None or _missing(value):
        return "—"
    rounded = _rounded(value, decimals)
    number = format_number(abs(rounded), lang, decimals)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{number} €" if lang == "es" else f"{sign}€{number}"


def format_percent(share: float | None, lang: str, decimals: int = 0) -> str:
    """A share 0–1 as a percentage (`85 %` in Spanish, `85%` in English)."""
    if share is None or _missing(share):
        return "—"
    number = format_number(float(share) * 100, lang, decimals)
    return f"{number} %" if lang == "es" else f"{number}%"


def format_date(value: date | datetime | pd.Timestamp | None, lang: str) -> str:
    """`25/11/2026` in Spanish, `25 Nov 2026` in English."""
    if value is None or _missing(value) or (isinstance(value, pd.Timestamp) and pd.isna(value)):
        return "—"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if lang == "es":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def date_format_pattern(lang: str) -> str:
    """The pattern Streamlit's column_config / date_input use for this language."""
    return "DD/MM/YYYY" if lang == "es" else "YYYY-MM-DD"


def date_strftime_pattern(lang: str) -> str:
    """The same date layout as `date_format_pattern`, for strftime (CSV exports)."""
    return "%d/%m/%Y" if lang == "es" else "%Y-%m-%d"


def format_money_short(value: float | int | Decimal | None, lang: str) -> str:
    """An amount for a KPI card, which cannot wrap: from a million on in millions with two decimals
    (`281,74 M€` in Spanish, `€281.74M` in English), below that in whole euros like `format_money`."""
    if value is None or _missing(value):
        return "—"
    euros = _rounded(value, 0)
    if abs(euros) < 1_000_000:
        return format_money(value, lang, 0)
    millions = euros / Decimal(1_000_000)
    number = format_number(abs(millions), lang, 2)
    sign = "-" if millions < 0 else ""
    return f"{sign}{number} M€" if lang == "es" else f"{sign}€{number}M"
