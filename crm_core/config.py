"""Process-wide settings read from the environment: the database URL rule and the business calendar."""

from __future__ import annotations

import os
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "crm.sqlite3"


def default_url() -> str:
    """`DATABASE_URL` if set, else the embedded SQLite file under data/."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


@lru_cache(maxsize=1)
def business_timezone() -> ZoneInfo:
    """The zone whose calendar days the figures count (CRM_TIMEZONE, default Europe/Madrid)."""
    return ZoneInfo(os.environ.get("CRM_TIMEZONE", "Europe/Madrid"))


def business_now() -> datetime:
    """The current time in the business time zone (aware)."""
    return datetime.now(business_timezone())


def business_today() -> date:
    """Today's date in the business time zone: the default as-of date of every face."""
    return business_now().date()
