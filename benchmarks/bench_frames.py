"""Frame loading through Arrow (ADBC) against SQLAlchemy rows, side by side in one run, per table.

    python benchmarks/bench_frames.py DATABASE_URL [--repeat 1]

For each table: load it through each reader (`crm_core.store.frames.load_table`, reader "arrow"
and "sqlalchemy"), check the two frames are equal (columns, dtypes, values), and print both times.
On a SQLite file the Arrow reader's worker processes are started (and have imported pyarrow) before
anything is timed, as the app starts them when it opens the database (crm_core.store.sqlite_worker);
their start is printed apart.
Target (issue 18): Arrow at least 5x faster than SQLAlchemy over the seven tables at 100,000 clients.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 5.0


def main() -> int:
    import pandas as pd

    from crm_core.db import get_engine
    from crm_core.store.arrow import arrow_backend, read_table
    from crm_core.store.frames import TABLES, load_table
    from crm_core.store.sqlite_worker import WORKERS, prestart

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=1, help="loads per table and reader (median shown)")
    args = parser.parse_args()
    engine = get_engine(args.url)
    if arrow_backend(engine) == "sqlite":
        started = time.perf_counter()
        prestart()
        for _ in range(WORKERS):  # one trivial read per worker: each answers once its imports are done
            read_table(engine, "SELECT 1 AS ready")
        print(f"SQLite reader processes started before timing (as the app does): {time.perf_counter() - started:.2f} s")
    print(f"{engine.url.get_backend_name()}: {'table':<15}{'rows':>11}{'arrow s':>10}{'sqlalchemy s':>14}{'ratio':>8}")
    totals = {"arrow": 0.0, "sqlalchemy": 0.0}
    for name in TABLES:
        seconds: dict[str, float] = {}
        frames: dict[str, pd.DataFrame] = {}
        for reader in ("arrow", "sqlalchemy"):
            runs = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                frames[reader] = load_table(engine, name, reader)
                runs.append(time.perf_counter() - started)
            seconds[reader] = statistics.median(runs)
            totals[reader] += seconds[reader]
        pd.testing.assert_frame_equal(frames["arrow"], frames["sqlalchemy"], check_exact=True)
        print(
            f"{'':<8}{name:<15}{len(frames['arrow']):>11,}{seconds['arrow']:>10.2f}{seconds['sqlalchemy']:>14.2f}"
            f"{seconds['sqlalchemy'] / seconds['arrow']:>7.1f}x",
            flush=True,
        )
    ratio = totals["sqlalchemy"] / totals["arrow"]
    print(
        f"{'':<8}{'all tables':<26}{totals['arrow']:>10.2f}{totals['sqlalchemy']:>14.2f}{ratio:>7.1f}x"
        f"  (frames equal; target >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
