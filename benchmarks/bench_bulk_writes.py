"""Time of the whole-client bulk writes on a copy of a demo database: bulk reassign and merge.

    python benchmarks/bench_bulk_writes.py DB_FILE [--repeat 3]

DB_FILE (e.g. /tmp/scale/crm_10000.sqlite3) is never written: it is copied (SQLite backup) into
the system temp folder first. Each run reassigns every client to one user and back to another (as
a manager: checks once, bulk UPDATE, bulk audit rows), then merges the client with the most invoices
into another. Target (issue 16): the reassign of 10,000 clients in at most 2 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 2.0


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import func, select, text

    from crm_core import services
    from crm_core.auth import acting_as
    from crm_core.auth.users import add_user
    from crm_core.db import dispose_engines, get_engine
    from crm_core.db.models import Client, Invoice

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "bench.sqlite3"
        _copy(args.db, copy)
        engine = get_engine(f"sqlite:///{copy}")
        boss = add_user(engine, "bench-boss@example.com", "Bench Boss", "manager", "bench-password-1")
        add_user(engine, "bench-a@example.com", "Bench A", "rep", "bench-password-2")
        add_user(engine, "bench-b@example.com", "Bench B", "rep", "bench-password-3")
        with engine.connect() as conn:
            ids = [int(i) for (i,) in conn.execute(select(Client.client_id).order_by(Client.client_id))]
            ranked = conn.execute(
                select(Invoice.client_id, func.count()).group_by(Invoice.client_id).order_by(func.count().desc()).limit(2)
            ).all()
        times = []
        with acting_as(boss):
            for run in range(args.repeat):
                started = time.perf_counter()
                changed = services.reassign_owner(engine, ids, "Bench A" if run % 2 == 0 else "Bench B")
                times.append(time.perf_counter() - started)
                print(f"reassign {len(ids):,} clients (changed {changed:,}): {times[-1]:.2f} s")
            started = time.perf_counter()
            result = services.merge_clients(engine, int(ranked[1][0]), int(ranked[0][0]))
            merged = time.perf_counter() - started
        with engine.connect() as conn:
            audit = conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one()
        dispose_engines()
    best = min(times)
    print(f"reassign: median {statistics.median(times):.2f} s, best {best:.2f} s (target <= {TARGET_SECONDS:.0f} s)")
    print(
        f"merge ({result.invoices:,} invoices, {result.contacts} contacts, {result.activities:,} activities, "
        f"{result.opportunities} deals moved): {merged:.2f} s; audit rows now {audit:,}"
    )
    return 0 if best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
