"""Neutralise spreadsheet formulas in exported cells (OWASP CSV injection)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A phone number as people write it (+34 954 12 34 56, +1 (555) 010-0199): digits and punctuation only,
# nothing a spreadsheet can call, so it is left as written (no visible apostrophe in Excel).
_PHONE_RE = re.compile(r"^\+[\d][\d ().\-/]{4,}$")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula: it starts with = + - @ tab or CR, also in a
    fullwidth or other compatibility form ('＝1+1') that a spreadsheet may fold to it."""
    return text.startswith(FORMULA_PREFIXES) or unicodedata.normalize("NFKC", text[:1]).startswith(FORMULA_PREFIXES)


def neutralise_cell(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote (not a phone number)."""
    if isinstance(value, str) and looks_like_formula(value) and not _PHONE_RE.match(value):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells are all safe to open in Excel or LibreOffice.

    Numeric columns are left as numbers (a negative amount is data, not a formula).
    """
    out = df.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralise_cell)
    return out
