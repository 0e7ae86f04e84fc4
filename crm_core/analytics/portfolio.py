"""Portfolio KPIs for the overview and the at-risk selection, from a `client_health` frame.

Definitions: docs/design.md §4.16 (summary, deltas) and §4.17 (at-risk list, severity).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from crm_core.analytics.money import to_cents
from crm_core.analytics.settings import DEFAULT_SETTINGS, AnalyticsSettings
from crm_core.enums import LIFECYCLES, RISK_LEVELS, RISK_RANK

SUMMED: tuple[str, ...] = (
    "ltv",
    "revenue_12m",
    "collected",
    "outstanding",
    "overdue",
    "aging_not_due",
    "aging_1_30",
    "aging_31_60",
    "aging_61_90",
    "aging_90_plus",
    "recurring_30d",
    "recurring_90d",
    "pipeline_30d",
    "pipeline_90d",
    "expected_revenue_30d",
    "expected_revenue_90d",
    "expected_cash_30d",
    "expected_cash_90d",
)


def portfolio_summary(
    health: pd.DataFrame, previous: pd.DataFrame | None = None, settings: AnalyticsSettings | None = None
) -> dict[str, Any]:
    """Overview KPIs: client counts by lifecycle and risk, money totals, forecasts, clients at risk.

    Keys: clients, by_lifecycle (every lifecycle, 0 included), by_risk, each name of SUMMED (a
    total over all clients, as float), on_time_rate (share of clients' rates, mean over clients
    with one; NaN if none; money totals to the cent), clients_at_risk (rows of `at_risk` with the thresholds of `settings`,
    default DEFAULT_SETTINGS). With `previous` (the health of an earlier date) also `deltas`: the
    same keys, current minus previous.
    """
    summary = _summary(health, settings)
    if previous is not None:
        before = _summary(previous, settings)
        summary["deltas"] = {
            key: (
                {k: value[k] - before[key][k] for k in value}
                if isinstance(value, dict)
                else float(to_cents(value - before[key]))
                if key in SUMMED
                else value - before[key]
            )
            for key, value in summary.items()
        }
    return summary


def money_total(values: pd.Series | np.ndarray) -> float:
    """A portfolio money total: the sum over clients, to the cent (every summed KPI of the summary)."""
    return float(to_cents(pd.Series(values, copy=False).sum()))


def _summary(health: pd.DataFrame, settings: AnalyticsSettings | None) -> dict[str, Any]:
    life = health["lifecycle"].value_counts()
    risk = health["default_risk"].value_counts()
    out: dict[str, Any] = {
        "clients": int(len(health)),
        "by_lifecycle": {name: int(life.get(name, 0)) for name in LIFECYCLES},
        "by_risk": {name: int(risk.get(name, 0)) for name in RISK_LEVELS},
    }
    for col in SUMMED:
        out[col] = money_total(health[col])
    rates = health["on_time_rate"].dropna()
    out["on_time_rate"] = float(rates.mean()) if len(rates) else float("nan")
    out["clients_at_risk"] = int(len(at_risk(health, settings=settings)))
    return out


def at_risk(
    health: pd.DataFrame,
    churn_min: float | None = None,
    risk_levels: Iterable[str] | None = None,
    overdue_min: float | None = None,
    settings: AnalyticsSettings | None = None,
) -> pd.DataFrame:
    """Clients at risk, most severe first, with a `severity` column (low|medium|high|critical).

    At risk: churn_score >= churn_min, or a default risk in `risk_levels`, or (when given)
    overdue >= overdue_min; a client marked lost is listed by the same rule (its churn score is 100).
    Severity is the worse of the default risk and the churn band (`settings`: churn_critical_min 85,
    churn_high_min 70, churn_medium_min 60, else low), without the churn band for a lost client (it
    has churned already: only what it owes ranks it); rows are sorted by severity, then overdue amount,
    then churn score, all descending. churn_min and risk_levels default to the settings' at_risk_* values.
    """
    s = settings or DEFAULT_SETTINGS
    churn_min = s.at_risk_churn_min if churn_min is None else churn_min
    risk_levels = s.at_risk_levels if risk_levels is None else risk_levels
    churn = health["churn_score"].to_numpy(dtype="float64")
    not_lost = (health["lifecycle"] != "lost").to_numpy()
    risk = health["default_risk"].to_numpy(dtype=object)
    overdue = health["overdue"].to_numpy(dtype="float64")
    selected = (churn >= churn_min) | np.isin(risk, list(risk_levels))
    if overdue_min is not None:
        selected |= overdue >= overdue_min

    risk_rank = pd.Series(risk).map(RISK_RANK).fillna(0).to_numpy()
    churn_rank = (
        np.select([churn >= s.churn_critical_min, churn >= s.churn_high_min, churn >= s.churn_medium_min], [3, 2, 1], default=0)
        * not_lost
    )
    rank = np.maximum(risk_rank, churn_rank).astype(np.int64)
    result = health.loc[selected].copy()
    result["severity"] = np.array(RISK_LEVELS, dtype=object)[rank[selected]]
    result["_rank"] = rank[selected]
    result = result.sort_values(["_rank", "overdue", "churn_score"], ascending=False, kind="stable")
    return result.drop(columns="_rank")
