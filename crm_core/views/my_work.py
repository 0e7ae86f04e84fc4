"""'My work': what one account manager has to do, from the lists the pages already compute.

A pure read model: the follow-ups due (soonest first), the stale deals and the clients at risk of
one owner. Owners are the account managers' names as typed on clients (the distinct owners) until
sign-in gives users to pick from.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crm_core.analytics.portfolio import at_risk


@dataclass(frozen=True)
class MyWork:
    """One owner's follow-ups due, stale deals and clients at risk."""

    followups: pd.DataFrame
    stale_deals: pd.DataFrame
    at_risk: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.followups.empty and self.stale_deals.empty and self.at_risk.empty


def my_work(followups: pd.DataFrame, stale_deals: pd.DataFrame, health: pd.DataFrame, owner: str) -> MyWork:
    """The rows of each list whose `owner` is `owner`: follow-ups by due date (soonest first), stale deals as
    given, clients at risk (`analytics.at_risk` over `health`, docs/design.md §4.17) most severe first."""
    risky = at_risk(health)
    mine = followups.loc[followups["owner"] == owner]
    if "due_on" in mine.columns:
        mine = mine.sort_values("due_on", kind="stable")
    return MyWork(
        followups=mine.reset_index(drop=True),
        stale_deals=stale_deals.loc[stale_deals["owner"] == owner].reset_index(drop=True),
        at_risk=risky.loc[risky["owner"] == owner],
    )
