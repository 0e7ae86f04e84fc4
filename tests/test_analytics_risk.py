"""Default risk and lifecycle rules at their thresholds (docs/design.md §4.7, §4.10), on hand-built figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crm_core.analytics.risk import default_risk, lifecycle
from crm_core.analytics.settings import AnalyticsSettings

NaN = math.nan


@pytest.mark.parametrize(
    ("on_time_rate", "max_days_overdue", "overdue", "expected"),
    [
        (1.0, 0, 0.0, "low"),  # all on time, nothing overdue
        (NaN, 0, 0.0, "low"),  # nothing came due yet: no evidence either way
        (0.85, 0, 0.0, "low"),  # 85 % is not "under 85 %"
        (0.84, 0, 0.0, "medium"),  # under 85 %
        (1.0, 1, 10.0, "medium"),  # anything overdue
        (0.5, 30, 10.0, "medium"),  # 50 % is not under 50 %; 30 days is not more than 30
        (0.49, 0, 0.0, "high"),  # under 50 %
        (1.0, 31, 10.0, "high"),  # overdue more than 30 days
        (1.0, 90, 10.0, "high"),  # 90 days is not more than 90
        (1.0, 91, 10.0, "critical"),  # overdue more than 90 days
        (0.0, 91, 10.0, "critical"),
    ],
)
def test_default_risk_levels(on_time_rate: float, max_days_overdue: int, overdue: float, expected: str) -> None:
    figures = pd.DataFrame({"on_time_rate": [on_time_rate], "max_days_overdue": [float(max_days_overdue)], "overdue": [overdue]})
    assert default_risk(figures).iloc[0] == expected


def test_default_risk_thresholds_come_from_settings() -> None:
    figures = pd.DataFrame({"on_time_rate": [0.9], "max_days_overdue": [0.0], "overdue": [0.0]})
    assert default_risk(figures).iloc[0] == "low"
    # With a stricter bar of 95 %, a 90 % on-time client becomes medium.
    assert default_risk(figures, AnalyticsSettings(medium_on_time_below=0.95)).iloc[0] == "medium"


def _lifecycle(rows: list[tuple[str, int, float, float]], settings: AnalyticsSettings | None = None) -> list:
    df = pd.DataFrame(rows, columns=["status", "invoice_count", "days_since_last_invoice", "revenue_12m"])
    args = (df["status"], df["invoice_count"], df["days_since_last_invoice"], df["revenue_12m"])
    return list(lifecycle(*args) if settings is None else lifecycle(*args, settings=settings))


def test_lifecycle_rules_in_order() -> None:
    rows = [
        ("active", 0, NaN, 0.0),  # never invoiced -> prospect, whatever the status says
        ("lost", 3, 10.0, 900.0),  # a person said lost -> lost, even if buying
        ("active", 2, 60.0, 100.0),  # 60 days is not over 60 -> active
        ("active", 2, 61.0, 100.0),  # over 60 days -> dormant
        ("vip", 5, 5.0, 50.0),  # status vip set by hand does not make a VIP
    ] + [("active", 1, 5.0, 10.0 * i) for i in range(1, 11)]
    got = _lifecycle(rows)
    # 14 clients with revenue (all but the prospect): 10 % -> 1.4, rounded up to 2 slots. Sorted:
    # 900, 100, 100, 100, 90... -> the cut is the 2nd value, 100, and ties at the cut all count:
    # 900 (but a person said lost), rows 3 and 4 (100; row 4 is dormant first) and the last row (100).
    assert got[:5] == ["prospect", "lost", "vip", "dormant", "active"]
    assert got[5:] == ["active"] * 9 + ["vip"]


def test_vip_share_from_settings() -> None:
    rows = [("active", 1, 5.0, float(r)) for r in (10, 20, 30, 40)]
    # 4 clients with revenue; 50 % -> the 2 largest.
    assert _lifecycle(rows, AnalyticsSettings(vip_top_share=0.5)) == ["active", "active", "vip", "vip"]
    # 10 % of 4 = 0.4, rounded up: 1.
    assert _lifecycle(rows) == ["active", "active", "active", "vip"]


def test_no_vip_without_revenue() -> None:
    rows = [("active", 1, 5.0, 0.0), ("active", 1, 5.0, -50.0)]  # a credit note can make it negative
    assert _lifecycle(rows) == ["active", "active"]
