"""Neutralise spreadsheet formulas in exported cells (OWASP CSV injection)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
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

    Numeric columns are left as numbers (a negative amount is data, not a formula), every column keeps
    its dtype, and non-text cells (None, NaN, a number in an object column) stay as they are. Each cell
    ends as `neutralise_cell` would make it, found with vectorised string operations: an export of a
    100,000-client portfolio holds millions of text cells.
    """
    out = df.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            out.isetitem(position, column.map(neutralise_cell))  # mapped per category, not per cell
            continue
        rows = _formula_rows(column)
        if len(rows):
            quoted = ["'" + value for value in column.iloc[rows]]
            out.isetitem(position, _with(column, rows, quoted))
    return out


# The kinds pandas infers for an object column that can hold a str (str alone, or str beside other values).
_TEXT_KINDS = frozenset({"string", "mixed", "mixed-integer"})


def _formula_rows(column: pd.Series) -> np.ndarray:
    """Positions of the cells of a text column that `neutralise_cell` would quote.

    Every prefix is one character, so a cell looks like a formula exactly when its first character
    does: `looks_like_formula` (NFKC included) runs once per distinct first character, and the
    phone-number exception only on the few cells that start like a formula.
    """
    text = column
    positions = np.arange(len(column))
    if column.dtype == object:
        kind = pd.api.types.infer_dtype(column, skipna=True)
        if kind not in _TEXT_KINDS:
            return positions[:0]  # no str cell at all (empty, numbers, dates, bytes, ...)
        if kind != "string":  # str beside other values: only the str cells are candidates
            is_text = np.fromiter((isinstance(value, str) for value in column), dtype=bool, count=len(column))
            text, positions = column[is_text], positions[is_text]
    first = _first_characters(text)
    starts = [char for char in pd.unique(first) if looks_like_formula(char)]
    if not starts:
        return positions[:0]
    candidates = positions[np.isin(first, starts)]
    values = column.iloc[candidates]
    return candidates[[isinstance(value, str) and not _PHONE_RE.match(value) for value in values]]


def _first_characters(text: pd.Series) -> np.ndarray:
    """The first character of each cell of a column of str and missing values ('' when missing or empty)."""
    if isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        return text.str[:1].to_numpy(dtype=object, na_value="")  # sliced in Arrow
    values = text.to_numpy(dtype=object)
    first = values.astype("U1")  # a cast in C, not a Python call per cell (str(None) would give 'N')
    first[pd.isna(values)] = ""
    return first


def _with(column: pd.Series, rows: np.ndarray, values: list[str]) -> pd.Series:
    """A copy of `column` (same dtype and index) with the cells at positions `rows` replaced by `values`."""
    out = column.copy()
    out.iloc[rows] = values
    return out
