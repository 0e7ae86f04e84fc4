"""The statutory late-payment interest rates of Ley 3/2004 (art. 7.2), one per half-year, from a data file.

The package ships `data/late_payment_rates.csv` (half_year_start, rate_percent, source): the ECB main
refinancing rate on the day before the half-year + 8 points, as the Spanish Treasury publishes it each
semester. A user adds a half-year without code: a CSV of the same columns named by `CRM_LATE_RATES`
extends (and, for the same half-year, overrides) the shipped table. A bad file is refused with the
file, line and column named, never half read.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

import numpy as np

from crm_core.errors import CRMError

LATE_RATES_ENV = "CRM_LATE_RATES"
RATE_COLUMNS: tuple[str, ...] = ("half_year_start", "rate_percent", "source")
# Rates are kept as whole thousandths of a percentage point (10.15 % -> 10150): interest stays integer.
RATE_UNITS_PER_PERCENT = 1000
MAX_RATE_PERCENT = Decimal(100)


class LateRatesError(CRMError):
    """The rates file cannot be used: code `late_rates.<problem>`, params naming the file, the line and the value."""

    def __init__(self, problem: str, path: str, line: int, **params: object) -> None:
        self.path = path
        self.line = line
        super().__init__(f"late_rates.{problem}", {"path": path, "line": line, **params})


@dataclass(frozen=True)
class LateRates:
    """Half-year rates, sorted by start; `units` in thousandths of a percentage point."""

    starts: tuple[date, ...]
    units: tuple[int, ...]
    sources: tuple[str, ...]
    where_to_add: str  # the file a user should add a missing half-year to

    def half_year_units(self) -> dict[int, int]:
        """Half-year index (see `half_year_index`) -> rate units."""
        return {half_year_of(start): unit for start, unit in zip(self.starts, self.units, strict=True)}

    def rate_percent(self, day: date) -> Decimal | None:
        """The rate of `day`'s half-year in percent, or None when the table lacks that half-year."""
        unit = self.half_year_units().get(half_year_of(day))
        return None if unit is None else Decimal(unit) / RATE_UNITS_PER_PERCENT


def half_year_of(day: date) -> int:
    """Half-year index of a date: (year - 1970) * 2 + (0 for January-June, 1 for July-December)."""
    return (day.year - 1970) * 2 + (1 if day.month >= 7 else 0)


def half_year_index(days: np.ndarray) -> np.ndarray:
    """Half-year index of int64 day numbers (days since 1970-01-01), vectorised."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return (months // 12) * 2 + (months % 12 >= 6)


def half_year_label(index: int) -> str:
    """`2026-H2` for a half-year index."""
    return f"{1970 + index // 2}-H{index % 2 + 1}"


def shipped_rates_path() -> str:
    """Where the package's rates file is (the place to add a half-year when no user file is set)."""
    return str(resources.files("crm_core.analytics").joinpath("data/late_payment_rates.csv"))


def _read(path: str) -> dict[date, tuple[int, str]]:
    """Rows of one rates file by half-year start; raises LateRatesError naming the line on any problem."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise LateRatesError("unreadable", path, 0, reason=str(exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise LateRatesError("not_utf8", path, 0) from None
    reader = csv.DictReader(text.splitlines())
    missing = [name for name in RATE_COLUMNS[:2] if name not in (reader.fieldnames or [])]
    if missing:
        raise LateRatesError("columns", path, 1, columns=missing, expected=", ".join(RATE_COLUMNS))
    out: dict[date, tuple[int, str]] = {}
    for line, row in enumerate(reader, start=2):
        raw_start = (row.get("half_year_start") or "").strip()
        raw_rate = (row.get("rate_percent") or "").strip().replace(",", ".")
        if not raw_start and not raw_rate:
            continue
        try:
            start = date.fromisoformat(raw_start)
        except ValueError:
            raise LateRatesError("date", path, line, value=raw_start) from None
        if start.day != 1 or start.month not in (1, 7):
            raise LateRatesError("half_year_start", path, line, value=raw_start)
        try:
            rate = Decimal(raw_rate)
        except InvalidOperation:
            raise LateRatesError("rate", path, line, value=raw_rate) from None
        units = rate * RATE_UNITS_PER_PERCENT
        if not rate.is_finite() or rate < 0 or rate > MAX_RATE_PERCENT or units != units.to_integral_value():
            raise LateRatesError("rate_range", path, line, value=raw_rate)
        if start in out:
            raise LateRatesError("twice", path, line, value=raw_start)
        out[start] = (int(units), (row.get("source") or "").strip())
    return out


def load_late_rates(user_path: str | None = None) -> LateRates:
    """The shipped rates extended by the user's file (`user_path`, else CRM_LATE_RATES when set)."""
    shipped = shipped_rates_path()
    rows = _read(shipped)
    user = user_path if user_path is not None else os.environ.get(LATE_RATES_ENV) or None
    if user:
        if not Path(user).is_file():
            raise LateRatesError("missing_file", user, 0, variable=LATE_RATES_ENV)
        rows.update(_read(user))
    starts = tuple(sorted(rows))
    return LateRates(
        starts=starts,
        units=tuple(rows[s][0] for s in starts),
        sources=tuple(rows[s][1] for s in starts),
        where_to_add=user or shipped,
    )
