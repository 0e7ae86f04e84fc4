"""UI text in English and Spanish through one catalogue, plus locale-aware formatting."""

from __future__ import annotations

import os

from crm_core.i18n.catalogue import MESSAGES
from crm_core.i18n.formatting import (
    format_date,
    format_money,
    format_number,
    format_percent,
)

LANGS: tuple[str, ...] = ("en", "es")
LANG_NAMES: dict[str, str] = {"en": "English", "es": "Español"}


def default_lang() -> str:
    """`CRM_LANG` if it names a known language, else English."""
    lang = os.environ.get("CRM_LANG", "en").strip().lower()[:2]
    return lang if lang in LANGS else "en"


def t(key: str, lang: str, **params: object) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled from `params`.

    An unknown key returns the key itself, so a missing entry is visible but never crashes.
    """
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry[LANGS.index(lang) if lang in LANGS else 0]
    return text.format(**params) if params else text


def t_count(key: str, count: int, lang: str, **params: object) -> str:
    """`t(key)` with `count` among its params, or `key_one` when count is 1 and the catalogue has it
    ("1 row has a problem", not "1 rows have problems")."""
    one = f"{key}_one"
    return t(one if count == 1 and one in MESSAGES else key, lang, count=format_number(count, lang), **params)


def format_days(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """A number of days with its unit (`30,5 días`, `30.5 days`); a dash alone when missing."""
    number = format_number(value, lang, decimals)
    return number if number == "—" else t("unit.days", lang, n=number)


def label(kind: str, value: object, lang: str) -> str:
    """A translated enum value, e.g. label("stage", "won", "es") -> "Ganada"."""
    if value is None or value != value:  # None or NaN
        return ""
    return t(f"{kind}.{value}", lang)


__all__ = [
    "LANGS",
    "LANG_NAMES",
    "MESSAGES",
    "default_lang",
    "format_date",
    "format_days",
    "format_money",
    "format_number",
    "format_percent",
    "label",
    "t",
    "t_count",
]
