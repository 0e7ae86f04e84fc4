"""'My work' (crm_core.views.my_work): one owner's follow-ups (soonest first), stale deals, clients at risk."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crm_core.views.my_work import my_work


def test_one_owners_lists_follow_ups_soonest_first() -> None:
    followups = pd.DataFrame(
        {
            "activity_id": [1, 2, 3],
            "owner": ["ana", "luis", "ana"],
            "due_on": pd.to_datetime([date(2026, 11, 30), date(2026, 11, 20), date(2026, 11, 22)]),
        }
    )
    stale = pd.DataFrame({"opportunity_id": [7, 8], "owner": ["luis", "ana"]})
    health = pd.DataFrame(
        {
            "company_name": ["A", "B", "C"],
            "owner": ["ana", None, "ana"],
            "churn_score": [70.0, 90.0, 10.0],
            "default_risk": ["low", "low", "low"],
            "lifecycle": ["active", "active", "active"],
            "overdue": [0.0, 0.0, 0.0],
        },
        index=pd.Index([1, 2, 3], name="client_id"),
    )
    work = my_work(followups, stale, health, "ana")
    assert work.followups["activity_id"].tolist() == [3, 1]
    assert work.stale_deals["opportunity_id"].tolist() == [8]
    assert work.at_risk.index.tolist() == [1]  # C is ana's but not at risk
    assert my_work(followups, stale, health, "nadie").empty
