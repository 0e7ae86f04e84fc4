"""Time the demo-data load (target: 100,000 clients / ~2 million invoices well under 5 minutes).

    /work/venv/bin/python benchmarks/bench_demo.py [--clients 100000] [--seed 42] [--as-of DATE]
                                                   [--postgres-server URL] [--skip-sqlite]

Always loads into a fresh temporary SQLite file (unless --skip-sqlite). With
--postgres-server (e.g. postgresql://postgres@127.0.0.1:5432/test) it also CREATEs a
throw-away database on that server, loads it, and DROPs it. Prints the wall time of each
phase (generation steps, insert per table, commit) and the rows per table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm_core.db import dispose_engines, get_engine  # noqa: E402
from crm_core.demo import build_portfolio, paused_gc  # noqa: E402
from crm_core.demo.bulk import write_portfolio  # noqa: E402


def run(url: str, label: str, clients: int, seed: int, as_of: date) -> None:
    print(f"\n== {label}: {clients:,} clients, seed {seed}, as of {as_of.isoformat()}")
    started = time.perf_counter()
    engine = get_engine(url)
    print(f"  {'migrate empty schema':<34} {time.perf_counter() - started:8.2f} s")
    with paused_gc():  # as generate_demo does
        _load(engine, clients, seed, as_of)
    engine.dispose()


def _load(engine: Engine, clients: int, seed: int, as_of: date) -> None:
    wall = time.perf_counter()
    cpu = time.process_time()
    steps: dict[str, float] = {}
    portfolio = build_portfolio(clients, seed, as_of, timings=steps)
    generated = time.perf_counter() - wall
    for name, seconds in steps.items():
        print(f"  generate: {name:<24} {seconds:8.2f} s")
    print(f"  {'generate (total)':<34} {generated:8.2f} s")
    counts = portfolio.counts()
    cpu_marks = [time.process_time()]
    cpu_by_table: dict[str, float] = {}

    def note_cpu(name: str, _seconds: float) -> None:
        cpu_marks.append(time.process_time())
        cpu_by_table[name] = cpu_marks[-1] - cpu_marks[-2]

    inserted = write_portfolio(engine, portfolio, progress=note_cpu)
    for name, seconds in inserted.items():
        rows = counts.get(name)
        rate = f"{rows / seconds:>10,.0f} rows/s" if rows and seconds > 0 else ""
        cpu_text = f"(CPU {cpu_by_table[name]:6.2f} s)" if name in cpu_by_table else " " * 15
        print(f"  insert: {name:<26} {seconds:8.2f} s {cpu_text} {rate}")
    total = time.perf_counter() - wall
    print(f"  {'TOTAL (generate + insert)':<34} {total:8.2f} s wall, {time.process_time() - cpu:.2f} s CPU of this process")
    print(f"  load average (1/5/15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print("  rows:")
    for name, rows in counts.items():
        print(f"    {name:<28} {rows:>12,}")
    print(f"    {'all tables':<28} {sum(counts.values()):>12,}")
    invoices_per_client = counts["invoices"] / clients
    print(f"    invoices per client: {invoices_per_client:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 25), dest="as_of")
    parser.add_argument("--postgres-server", help="a PostgreSQL URL whose server gets a throw-away database")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", args.clients, args.seed, args.as_of)
            dispose_engines()
            size = sum(p.stat().st_size for p in Path(tmp).iterdir())
            print(f"  database files: {size / 2**20:,.0f} MiB")

    if args.postgres_server:
        admin_url = make_url(args.postgres_server).set(drivername="postgresql+psycopg")
        name = f"crm_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin_url.set(database=name).render_as_string(hide_password=False)
            run(url, f"PostgreSQL (throw-away database {name})", args.clients, args.seed, args.as_of)
        finally:
            dispose_engines()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
