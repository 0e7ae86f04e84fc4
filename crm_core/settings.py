"""Process-wide settings read from the environment."""

from __future__ import annotations

import os
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=1)
def business_timezone() -> ZoneInfo:
    """The zone whose calendar days the figures count (CRM_TIMEZONE, default Europe/Madrid)."""
    return ZoneInfo(os.environ.get("CRM_TIMEZONE", "Europe/Madrid"))
