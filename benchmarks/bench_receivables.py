"""Benchmark Ley 3/2004 claims for a whole portfolio: the 100,000-client demo and bench_analytics' 2M-invoice frames.

Prints the wall time of `late_payment_claims` (invoice status included) and of `client_claims`, and
how many invoices carry a claim. The demo portfolio is generated in memory by the demo generator
(`build_portfolio`, no database); the synthetic frames are those of bench_analytics.py.

    /work/main/.venv/bin/python benchmarks/bench_receivables.py [--clients 100000] [--runs 3] [--no-synthetic]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import client_claims, late_payment_claims
from crm_core.demo.generate import build_portfolio

DEMO_AS_OF = date(2026, 11, 25)


def demo_frames(clients: int, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame, pd.Index]:
    """Invoices and payments of the demo portfolio, typed like crm_core.store.frames (dates as datetime64[ns])."""
    portfolio = build_portfolio(clients, 42, as_of)
    invoices = pd.DataFrame(portfolio.tables["invoices"])
    payments = pd.DataFrame(portfolio.tables["payments"])
    for frame, columns in ((invoices, ("issue_date", "due_date")), (payments, ("paid_on",))):
        for name in columns:
            frame[name] = frame[name].astype("datetime64[ns]")
    return invoices, payments, pd.Index(portfolio.tables["clients"]["client_id"])


def measure(label: str, invoices: pd.DataFrame, payments: pd.DataFrame, clients: pd.Index, as_of: date, runs: int) -> None:
    rates = load_late_rates()
    best_claims = best_sum = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        claims = late_payment_claims(invoices, payments, as_of, rates)
        middle = time.perf_counter()
        per_client = client_claims(claims, clients)
        end = time.perf_counter()
        best_claims, best_sum = min(best_claims, middle - start), min(best_sum, end - middle)
    print(f"{label}: {len(clients):,} clients, {len(invoices):,} invoices, {len(payments):,} payments, as of {as_of}")
    print(f"  late_payment_claims (invoice status included): {best_claims:.2f} s  (best of {runs})")
    print(f"  client_claims: {best_sum:.2f} s;  total {best_claims + best_sum:.2f} s")
    print(
        f"  {len(claims):,} invoices claimable, {int((per_client['claimed_invoices'] > 0).sum()):,} clients, "
        f"{int(claims['provisional'].sum()):,} provisional; claimable EUR {per_client['claim_total'].sum():,.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-synthetic", action="store_true", help="skip bench_analytics' synthetic frames")
    args = parser.parse_args()
    start = time.perf_counter()
    invoices, payments, clients = demo_frames(args.clients, DEMO_AS_OF)
    print(f"demo portfolio generated in memory in {time.perf_counter() - start:.1f} s")
    measure("demo", invoices, payments, clients, DEMO_AS_OF, args.runs)
    if not args.no_synthetic:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_analytics import AS_OF, synthetic_frames

        frames = synthetic_frames(args.clients, 1.0)
        measure(
            "synthetic (bench_analytics)",
            frames.invoices,
            frames.payments,
            pd.Index(frames.clients["client_id"]),
            AS_OF,
            args.runs,
        )


if __name__ == "__main__":
    main()
