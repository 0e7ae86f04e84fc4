"""How far the recurring forecast is from what the demo's own generator knows (run by hand).

For each forecast date, prints the model's per-client RMSE against the best baseline (as the
backtest does), then the same with every steadily buying irregular client (no churn, no slow-down)
forecast from its true hidden parameters: its mean gap, August gap, amount level, yearly trend and
December bump. That shows what a perfect estimate of those parameters would be worth (it ignores
when each client last bought, so it is not the best possible forecast, only a strong reference);
what it leaves is mostly the randomness of the next 30/90 days themselves.

Run: /work/venv/bin/python benchmarks/forecast_ceiling.py [--clients 20000] [--seed 42]
     [--as-of 2026-08-27] [--times 6] [--every 30]
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd

from crm_core.analytics.backtest import (
    backtest_dates,
    baseline_forecasts,
    forecast_metrics,
    revenue_between,
)
from crm_core.analytics.forecast import (
    as_of_timestamp,
    billable_invoices,
    forecast_from_history,
    purchase_history,
)
from crm_core.demo.arrays import day_number
from crm_core.demo.billing import AUGUST_SKIP, DECEMBER_BUMP, IRREGULAR_AMOUNT_SIGMA
from crm_core.demo.generate import build_portfolio, hidden_plan
from crm_core.demo.plan import HISTORY_DAYS, IRREGULAR, NEVER, Plan

TODAY = date(2026, 11, 25)


def true_expected_revenue(plan: Plan, rows: np.ndarray, as_of: date, horizon: int) -> np.ndarray:
    """Expected invoicing of irregular clients `rows` (plan rows) in (as_of, as_of + horizon], from their
    hidden parameters: a renewal process at one invoice per mean gap (fewer in August), amounts at the
    client's level and trend, log-normal noise (mean exp(sigma^2 / 2)), December bump."""
    days = day_number(as_of) + np.arange(1, horizon + 1)
    month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1
    rate = np.where(month == 8, 1.0 - AUGUST_SKIP, 1.0)[None, :] / plan.mean_gap[rows][:, None]
    first_day = np.maximum(plan.start[rows], day_number(TODAY) - HISTORY_DAYS)
    years_in = (days[None, :] - first_day[:, None]) / 365.0
    amount = (
        plan.level[rows][:, None]
        / 100.0
        * np.exp(plan.growth[rows][:, None] * years_in)
        * np.exp(IRREGULAR_AMOUNT_SIGMA**2 / 2.0)
        * np.where(month == 12, DECEMBER_BUMP, 1.0)[None, :]
    )
    return np.sum(rate * amount, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 8, 27))
    parser.add_argument("--times", type=int, default=6)
    parser.add_argument("--every", type=int, default=30)
    args = parser.parse_args()

    portfolio = build_portfolio(args.clients, args.seed, TODAY)
    invoices = pd.DataFrame(portfolio.tables["invoices"])
    invoices["issue_date"] = pd.to_datetime(invoices["issue_date"]).astype("datetime64[ns]")
    plan = hidden_plan(args.clients, args.seed, TODAY)
    print(f"{args.clients:,} clients, seed {args.seed}; RMSE against the best baseline (negative = better)")
    print(
        f"{'as of':<10} {'horizon':>7} {'model':>8} {'true params':>12}  steady irregular clients: share of the model's squared error"
    )
    for as_of in backtest_dates(args.as_of, args.every, args.times):
        cutoff = as_of_timestamp(as_of)
        clients = np.sort(pd.unique(billable_invoices(invoices, as_of)["client_id"].to_numpy(dtype=np.int64)))
        past = invoices[invoices["client_id"].isin(clients).to_numpy() & (invoices["issue_date"] <= cutoff).to_numpy()]
        history = purchase_history(past, as_of)
        predicted = forecast_from_history(history, (30, 90))
        rows = clients - 1
        steady = (plan.cadence[rows] == IRREGULAR) & (plan.drift[rows] == NEVER) & ~plan.churned[rows]
        for h in (30, 90):
            actual = revenue_between(invoices, cutoff, cutoff + pd.Timedelta(days=h), clients)
            best = min(forecast_metrics(f, actual)["rmse"] for f in baseline_forecasts(invoices, as_of, h, clients).values())
            ceiling = predicted[h].copy()
            ceiling[steady] = true_expected_revenue(plan, rows[steady], as_of, h)
            model_se = (predicted[h] - actual) ** 2
            share = model_se[steady].sum() / model_se.sum() * 100.0
            model_vs = (np.sqrt(model_se.mean()) / best - 1.0) * 100.0
            ceiling_vs = (forecast_metrics(ceiling, actual)["rmse"] / best - 1.0) * 100.0
            print(f"{as_of.isoformat():<10} {h:>6}d {model_vs:>7.1f}% {ceiling_vs:>11.1f}%  {share:.0f} %")


if __name__ == "__main__":
    main()
