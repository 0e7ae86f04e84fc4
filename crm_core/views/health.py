"""Client health for every face (pages, CLI, API), and what the Health page shows beside the at-risk list."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from crm_core.analytics import client_health
from crm_core.analytics.days import as_of_day
from crm_core.analytics.memo import FrameMemo
from crm_core.memory import release_freed_memory
from crm_core.store.frames import Frames

AT_RISK_PAGE_SIZE = 100


# The tables client_health reads; their data (by identity) and the as-of day key the shared result.
HEALTH_TABLES: tuple[str, ...] = ("clients", "activities", "opportunities", "invoices", "payments", "stage_history")
_HEALTH = FrameMemo(max_entries=4)  # two dates (the Overview's), two table versions


def health_table(frames: Frames, as_of: date) -> pd.DataFrame:
    """Every client's health figures as of `as_of` (`analytics.client_health`): what every face reads.

    The one read-model entry point of health: computed once per as-of day and table data (the same
    table versions handed out by the UI or API cache; `analytics.memo`), then shared by every page, the
    API and the CLI. Each caller gets its own shallow copy (copy-on-write: its changes stay its own).
    """
    tables = tuple(getattr(frames, name) for name in HEALTH_TABLES)
    health: pd.DataFrame = _HEALTH.get(tables, as_of_day(as_of), lambda: _computed(frames, as_of))
    return health.copy(deep=False)


def _computed(frames: Frames, as_of: date) -> pd.DataFrame:
    """client_health, then its freed temporaries handed back to the system (crm_core.memory)."""
    health = client_health(frames, as_of)
    release_freed_memory()
    return health


def payment_overview(health: pd.DataFrame) -> dict[str, Any]:
    """Median DSO over clients that have one, mean on-time rate over clients that have one (NaN if none)."""
    dso = health["dso"].dropna()
    rate = health["on_time_rate"].dropna()
    return {
        "median_dso": float(dso.median()) if len(dso) else math.nan,
        "mean_on_time": float(rate.mean()) if len(rate) else math.nan,
        "clients_with_dso": int(len(dso)),
    }
