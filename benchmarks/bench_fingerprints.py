"""The table fingerprint read, side by side: counting rows versus PostgreSQL's change counters (revision 0005).

    python benchmarks/bench_fingerprints.py --url URL [--url URL ...] [--repeat 7]
    python benchmarks/bench_fingerprints.py --write-url URL [--rows 20000]

For each --url (only read: upgrade a PostgreSQL one first, `python -m crm_core db upgrade --url URL`,
to have the counters), the two reads alternate --repeat times and the median, min and max of each are printed
(on SQLite, or PostgreSQL without the counters, only the row counts). The 100,000-client demo on
PostgreSQL is the case of issue 18: about 1 s for the counts, which ran on every fresh registry.

--write-url (a scratch PostgreSQL database: it writes rows and rolls them back, and takes table locks)
prices the statement triggers on a writer: --rows activities inserted by `executemany` (one statement,
so one trigger call, per row: the worst case) and by one multi-row INSERT, each with the triggers on
and with them disabled inside the same rolled-back transaction.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from crm_core.db import create_raw_engine, get_engine
from crm_core.store.fingerprints import changes_fingerprints, counts_changes, row_fingerprints


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def timed(engine: Engine, read: Callable[[Connection], object]) -> float:
    started = time.perf_counter()
    with engine.connect() as conn:
        read(conn.execution_options(crm_readonly=True))
    return time.perf_counter() - started


def summary(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:9.1f} ms  min {min(seconds) * 1000:9.1f}  max {max(seconds) * 1000:9.1f}"


def bench_read(url: str, repeat: int) -> None:
    engine = create_raw_engine(url)
    reads: dict[str, Callable[[Connection], object]] = {"row counts": row_fingerprints}
    if counts_changes(engine):
        reads["change counters"] = changes_fingerprints
    print(f"\n{engine.url.render_as_string(hide_password=True)}  ({load()})")
    times: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(repeat):
        for name, read in reads.items():
            times[name].append(timed(engine, read))
    for name, seconds in times.items():
        print(f"  {name:16} {summary(seconds)}")
    if len(times) == 2:
        ratio = statistics.median(times["row counts"]) / statistics.median(times["change counters"])
        print(f"  counters read {ratio:,.0f}x faster (medians)")
    print(f"  after: {load()}")


_INSERT = (
    "INSERT INTO activities (client_id, kind, title, occurred_at, done) VALUES (:client, 'call', 'bench', '2026-01-02', false)"
)


def bench_writes(url: str, rows: int) -> None:
    engine = get_engine(url)
    if not counts_changes(engine):
        raise SystemExit(f"{url}: not PostgreSQL with the change counters")
    with engine.begin() as conn:
        client = conn.execute(text("SELECT MIN(client_id) FROM clients")).scalar_one()
        if client is None:
            client = conn.execute(
                text(
                    "INSERT INTO clients (company_name, email, status, payment_terms_days, created_at, updated_at, version) "
                    "VALUES ('Bench', 'b@bench.es', 'active', 30, now(), now(), 1) RETURNING client_id"
                )
            ).scalar_one()
    params = [{"client": client}] * rows
    values = ", ".join(f"({client}, 'call', 'bench', '2026-01-02', false)" for _ in range(rows))
    multi = f"INSERT INTO activities (client_id, kind, title, occurred_at, done) VALUES {values}"

    def run(triggers: bool, how: str) -> float:
        with engine.connect() as conn:
            trans = conn.begin()
            if not triggers:
                conn.execute(text("ALTER TABLE activities DISABLE TRIGGER note_changes"))
            started = time.perf_counter()
            if how == "executemany":
                conn.execute(text(_INSERT), params)
            else:
                conn.execute(text(multi))
            seconds = time.perf_counter() - started
            trans.rollback()
        return seconds

    print(f"\n{rows} activities into {engine.url.render_as_string(hide_password=True)}  ({load()})")
    for how in ("executemany", "one INSERT"):
        on, off = [], []
        for _ in range(3):
            off.append(run(False, how))
            on.append(run(True, how))
        print(f"  {how:12} triggers off {summary(off)}")
        print(f"  {how:12} triggers on  {summary(on)}")
        extra = (statistics.median(on) - statistics.median(off)) / rows * 1e6
        print(f"  {how:12} about {extra:+.1f} µs per row with the triggers")
    print(f"  after: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write-url")
    parser.add_argument("--rows", type=int, default=20000)
    args = parser.parse_args()
    for url in args.url:
        bench_read(url, args.repeat)
    if args.write_url:
        bench_writes(args.write_url, args.rows)


if __name__ == "__main__":
    main()
