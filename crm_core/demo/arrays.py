"""Array helpers shared by the demo generators: day numbers, grouped indexes, local times, slugs."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from crm_core.config import business_timezone

Columns = dict[str, np.ndarray]

# A missing text cell for np.where (None as a 0-d object array, which the typing of np.where accepts).
NO_TEXT = np.array(None, dtype=object)


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype(np.int64))


def to_dates(days: np.ndarray) -> np.ndarray:
    """Day numbers -> datetime64[D]."""
    return days.astype("datetime64[D]")


def group_index(counts: np.ndarray) -> np.ndarray:
    """For rows repeated `counts` times per group, each row's position 0..count-1 in its group."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def pick(rng: np.random.Generator, weights: Sequence[float] | np.ndarray, size: int) -> np.ndarray:
    """`size` indexes drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def utc_timestamps(days: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Local business-time day + minute of day -> naive UTC datetime64[us]."""
    local = (days.astype(np.int64) * 1440 + minutes.astype(np.int64)).astype("datetime64[m]")
    index = pd.DatetimeIndex(local.astype("datetime64[ns]"))
    aware = index.tz_localize(business_timezone().key, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="shift_forward")
    return aware.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]")


def business_minutes(rng: np.random.Generator, size: int, start_hour: int = 8, end_hour: int = 19) -> np.ndarray:
    """Random minutes of the day within office hours (local time)."""
    return rng.integers(start_hour * 60, end_hour * 60, size=size)


def weekday_back(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays back to the Friday before (1970-01-01 was a Thursday)."""
    weekday = (days + 3) % 7  # Monday = 0
    return days - np.where(weekday >= 5, weekday - 4, 0)


def weekday_forward(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays on to the next Monday."""
    weekday = (days + 3) % 7
    return days + np.where(weekday >= 5, 7 - weekday, 0)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens ('Peña y Cía' -> 'pena-y-cia'), for domains."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(ch if ch.isalnum() else "-" for ch in plain)
    return "-".join(part for part in out.split("-") if part)


def unique_domains(slugs: list[str], tlds: list[str]) -> list[str]:
    """`slug.tld`, with `-2`, `-3`... on the slug when a domain is taken."""
    seen: set[str] = set()
    out: list[str] = []
    for slug, tld in zip(slugs, tlds, strict=False):
        domain = slug + tld
        n = 2
        while domain in seen:
            domain = f"{slug}-{n}{tld}"
            n += 1
        seen.add(domain)
        out.append(domain)
    return out


def euros(cents: np.ndarray) -> np.ndarray:
    """Integer cents -> euros as floats with 2 decimals."""
    return np.round(cents.astype(np.float64) / 100.0, 2)


def dedupe(values: list[str], alternatives: Sequence[tuple[str, ...]]) -> list[str]:
    """Make `values` unique: a repeated value gets the first of its alternative words that
    makes it new, else a running number."""
    out = list(values)
    seen: set[str] = set()
    for i, value in enumerate(out):
        if value in seen:
            candidate = next((f"{value} {word}" for word in alternatives[i] if f"{value} {word}" not in seen), None)
            n = 2
            while candidate is None or candidate in seen:
                candidate = f"{value} {n}"
                n += 1
            value = candidate
        seen.add(value)
        out[i] = value
    return out
