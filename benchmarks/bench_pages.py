"""Render time of every dashboard page on a 10,000-client demo database, measured with AppTest.

    python benchmarks/bench_pages.py [DB_FILE] [--clients 10000] [--warm 5] [--as-of 2026-11-25]

DB_FILE (default: crm_bench_<clients>.sqlite3 in the system temp folder) is built with the demo
generator when it does not exist, else reused. For each page: the Streamlit caches are cleared and
the page is rendered once (cold: loads the frames and computes health), then re-rendered --warm
times (warm: what a user waits for after any click). Each render is a full script run: router,
sidebar and page. Python imports are paid once, in a separate warm-up run, reported apart.
Target (issue 4): every page under 2 s warm.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES: tuple[str, ...] = (
    "pages/overview.py", "pages/clients.py", "pages/activities.py", "pages/pipeline.py", "pages/health.py",
    "pages/import.py",
)
TARGET_SECONDS = 2.0


def build_or_reuse(path: Path, clients: int, as_of: date) -> None:
    from sqlalchemy import func, select

    from crm_core.db import dispose_engines, get_engine
    from crm_core.db.models import Client
    from crm_core.demo import generate_demo

    engine = get_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(Client)).scalar_one()
    if existing == 0:
        started = time.perf_counter()
        stats = generate_demo(engine, clients=clients, seed=7, as_of=as_of)
        print(f"built {path}: {stats.rows} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"reusing {path}: {existing} clients")
    dispose_engines()


def _timed(run: object) -> float:
    started = time.perf_counter()
    at = run()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"page raised: {at.exception[0].message}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--warm", type=int, default=5, help="warm renders per page")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 25))
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"crm_bench_{args.clients}.sqlite3"
    build_or_reuse(db, args.clients, args.as_of)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"

    import streamlit as st
    from streamlit.testing.v1 import AppTest, app_test

    from tests.apptest_helpers import router_pages_manager

    app_test.PagesManager = router_pages_manager()  # as the server runs after its first run
    app = str(ROOT / "app.py")

    def fresh() -> AppTest:
        at = AppTest.from_file(app, default_timeout=300)
        at.session_state["as_of"] = args.as_of
        return at

    imports = _timed(fresh().run)
    print(f"first run in this process (imports + cold overview): {imports:.2f} s\n")
    print(f"{'page':<22}{'cold s':>8}{'warm median s':>15}{'warm max s':>12}  target < {TARGET_SECONDS:.0f} s warm")
    worst = 0.0
    for page in PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = fresh()
        at.run()  # lands on the default page (not timed: it would warm the caches for the overview)
        st.cache_data.clear()
        cold = _timed(lambda: at.switch_page(page).run())
        warm = [_timed(at.run) for _ in range(args.warm)]
        worst = max(worst, max(warm))
        verdict = "ok" if max(warm) < TARGET_SECONDS else "SLOW"
        print(f"{page:<22}{cold:>8.2f}{statistics.median(warm):>15.3f}{max(warm):>12.3f}  {verdict}")
    print(f"\nslowest warm render: {worst:.3f} s ({'meets' if worst < TARGET_SECONDS else 'misses'} the 2 s target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
