"""Wall time of the forecasts on a 100,000-client demo portfolio (~2 M invoices), beside the floor.

Run: /work/venv/bin/python benchmarks/bench_forecast.py [--clients N] [--seed S]
The floor is one plain `groupby('client_id')['total'].sum()` over the same invoices.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from crm_core.analytics.cash import cash_forecast
from crm_core.analytics.forecast import recurring_forecast
from crm_core.analytics.monthly import monthly_revenue
from crm_core.analytics.pipeline import pipeline_forecast, stage_win_rates
from crm_core.demo.generate import build_portfolio
from crm_core.store.frames import COLUMNS, Frames

AS_OF = date(2026, 11, 25)
TABLES = {"stage_history": "opportunity_stage_history"}


def demo_frames(clients: int, seed: int) -> Frames:
    """The demo generator's tables as typed frames, without a database."""
    portfolio = build_portfolio(clients, seed, AS_OF)
    empty = Frames.empty()
    out = {}
    for name in COLUMNS:
        template = getattr(empty, name)
        columns = portfolio.tables.get(TABLES.get(name, name))
        if columns is None:
            out[name] = template
            continue
        df = pd.DataFrame({col: columns[col] for col in template.columns if col in columns})
        for col, dtype in template.dtypes.items():
            if col not in df:
                df[col] = pd.Series([None] * len(df), dtype="object")
            if str(dtype).startswith("datetime64"):
                values = pd.to_datetime(df[col])
                if values.dt.tz is not None:
                    values = values.dt.tz_convert("Europe/Madrid").dt.tz_localize(None)
                df[col] = values.astype("datetime64[ns]")
            elif str(dtype) == "Int64":
                df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
            elif str(dtype) != "object":
                df[col] = df[col].astype(dtype)
        out[name] = df[template.columns]
    return Frames(**out)


def timed(label: str, func: Callable[[], Any], repeat: int = 3) -> float:
    """Best wall time of `repeat` runs (CPU time of that run beside it: on a busy machine the wall
    time includes waiting for a core), and the peak memory traced in one more run."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        if wall < best:
            best, best_cpu = wall, cpu
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:<44} wall {best:7.3f} s   cpu {best_cpu:7.3f} s   peak {peak / 2**20:8.1f} MiB")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    frames = demo_frames(args.clients, args.seed)
    print(f"load average: {' '.join(open('/proc/loadavg').read().split()[:3])}" if sys.platform == "linux" else "")
    print(
        f"built {args.clients:,} clients, {len(frames.invoices):,} invoices, {len(frames.payments):,} payments, "
        f"{len(frames.opportunities):,} opportunities in {time.perf_counter() - started:.1f} s"
    )
    as_of = AS_OF - timedelta(days=90)
    floor = timed("floor: groupby('client_id')['total'].sum()", lambda: frames.invoices.groupby("client_id")["total"].sum())
    recurring = timed("recurring_forecast", lambda: recurring_forecast(frames.invoices, as_of))
    timed("pipeline_forecast", lambda: pipeline_forecast(frames.opportunities, as_of, frames.stage_history))
    timed("cash_forecast", lambda: cash_forecast(frames.invoices, frames.payments, as_of))
    timed("stage_win_rates", lambda: stage_win_rates(frames, as_of))
    timed("monthly_revenue (3 months ahead)", lambda: monthly_revenue(frames, as_of))
    print(f"recurring_forecast / floor: {recurring / floor:.1f}x")


if __name__ == "__main__":
    main()
