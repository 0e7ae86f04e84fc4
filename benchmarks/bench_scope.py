"""Warm render time of every page for the demo manager and a demo rep (the scope's cost), AppTest.

    python benchmarks/bench_scope.py [DB_FILE] [--clients 10000] [--warm 3] [--as-of 2026-11-25]

DB_FILE (default: crm_bench_team_<clients>.sqlite3 in the system temp folder) is built with the
demo generator and its team when it does not exist. For each role the session is signed in (as the
sign-in form does), every page is rendered once cold and --warm times warm. Also prints the cost of
one Argon2id password check (what a sign-in waits for). Target (issue 4): every page under 2 s warm.
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

PAGES: tuple[str, ...] = ("pages/overview.py", "pages/clients.py", "pages/activities.py", "pages/pipeline.py", "pages/health.py")
TARGET_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 25))
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"crm_bench_team_{args.clients}.sqlite3"
    url = f"sqlite:///{db}"

    from sqlalchemy import text

    from crm_core.auth.passwords import hash_password, verify_password
    from crm_core.db import dispose_engines, get_engine
    from crm_core.demo import generate_demo
    from crm_core.demo.users import demo_accounts

    engine = get_engine(url)
    with engine.connect() as conn:
        existing = conn.execute(text("SELECT COUNT(*) FROM clients")).scalar_one()
    if existing == 0:
        started = time.perf_counter()
        generate_demo(engine, clients=args.clients, seed=7, as_of=args.as_of, users=True)
        print(f"built {db} in {time.perf_counter() - started:.1f} s")
    accounts = demo_accounts(engine)
    with engine.connect() as conn:
        ids = {
            a.email: conn.execute(text("SELECT user_id FROM users WHERE email = :e"), {"e": a.email}).scalar_one()
            for a in accounts
        }
        owned = {
            a.email: conn.execute(text("SELECT COUNT(*) FROM clients WHERE owner_id = :u"), {"u": ids[a.email]}).scalar_one()
            for a in accounts
        }
    stored = hash_password("benchmark password")
    started = time.perf_counter()
    for _ in range(5):
        verify_password("benchmark password", stored)
    print(f"Argon2id password check: {(time.perf_counter() - started) / 5 * 1000:.0f} ms")
    dispose_engines()
    os.environ["DATABASE_URL"] = url

    import streamlit as st
    from streamlit.testing.v1 import AppTest, app_test

    from tests.apptest_helpers import router_pages_manager

    app_test.PagesManager = router_pages_manager()
    roles = [a for a in accounts if a.role == "manager"][:1] + [a for a in accounts if a.role == "rep"][:1]
    print(f"\n{'role':<8}{'clients':>8}  {'page':<22}{'cold s':>8}{'warm median s':>15}{'warm max s':>12}")
    worst = 0.0
    for account in roles:
        for page in PAGES:
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
            at.session_state["as_of"] = args.as_of
            at.session_state["auth_session"] = (ids[account.email], time.time())
            at.run()
            st.cache_data.clear()
            started = time.perf_counter()
            at.switch_page(page).run()
            cold = time.perf_counter() - started
            warm = []
            for _ in range(args.warm):
                started = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - started)
            if at.exception:
                raise SystemExit(f"{page} raised: {at.exception[0].message}")
            worst = max(worst, max(warm))
            print(
                f"{account.role:<8}{owned[account.email] if account.role == 'rep' else args.clients:>8}  "
                f"{page:<22}{cold:>8.2f}{statistics.median(warm):>15.3f}{max(warm):>12.3f}"
            )
    print(f"\nslowest warm render: {worst:.3f} s ({'meets' if worst < TARGET_SECONDS else 'misses'} the 2 s target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
