"""Render time right after a form submit, per-table invalidation against clearing the whole cache.

    python benchmarks/bench_after_write.py [DB_FILE] [--rounds 5] [--as-of 2026-11-25]

DB_FILE (default: /tmp/bench10k.sqlite3, built as `python -m crm_core demo --clients 10000 --seed 42
--url sqlite:////tmp/bench10k.sqlite3` when missing) is copied to a temporary file first, so the
activities logged here never pile up in it. For each mode, with the Streamlit caches emptied, the
activities page is opened and rendered warm, then --rounds activities are logged through its form
and the run of each submit (the write in the button's callback plus the whole re-render) is timed;
then the Overview is opened right after each of --rounds more logged activities (health as of three
dates, rebuilt), and a client is edited on the clients page (whose list joins health). Modes:
  per-table    the app as it is: the write invalidates the tables it wrote (crm_core.store.writes)
  whole-cache  every write clears the whole data cache (cache.clear(), the behaviour before)
Run from a checkout older than per-table invalidation (with --modes whole-cache) for the figures before.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = Path("/tmp/bench10k.sqlite3")
MODES: tuple[str, ...] = ("whole-cache", "per-table")


def build_if_missing(path: Path) -> None:
    if path.exists():
        return
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "-m", "crm_core", "demo", "--clients", "10000", "--seed", "42", "--url", url], check=True, cwd=ROOT
    )


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    at = run()
    elapsed = time.perf_counter() - started
    if at.exception:  # type: ignore[attr-defined]
        raise SystemExit(f"page raised: {at.exception[0].message}")  # type: ignore[attr-defined]
    return elapsed


def _set_mode(mode: str) -> None:
    """per-table: the app unchanged; whole-cache: every invalidation clears the whole data cache, as before."""
    from crm_core.ui import cache

    if not hasattr(cache, "invalidate"):  # a checkout from before per-table invalidation: it clears the cache
        if mode != "whole-cache":
            raise SystemExit("this checkout has no per-table invalidation: run it with --modes whole-cache")
        return
    if not hasattr(cache, "_per_table_invalidate"):
        cache._per_table_invalidate = cache.invalidate  # type: ignore[attr-defined]
    if mode == "whole-cache":
        cache.invalidate = lambda db_url, tables=(): cache.clear()  # type: ignore[assignment]
    else:
        cache.invalidate = cache._per_table_invalidate  # type: ignore[attr-defined]


def _count_loads() -> Counter[str]:
    """Count the tables loaded from the database (to print what each submit reloaded)."""
    from crm_core.store import frames
    from crm_core.ui import cache

    seen: Counter[str] = Counter()
    real = getattr(frames, "_real_load_table", frames.load_table)
    frames._real_load_table = real  # type: ignore[attr-defined]

    def counting(engine: object, name: str) -> object:
        seen[name] += 1
        return real(engine, name)

    frames.load_table = counting  # type: ignore[assignment]  # what load_frames calls (the cache before)
    if hasattr(cache, "load_table"):
        cache.load_table = counting  # type: ignore[assignment]  # the per-table cache's own reference
    return seen


def _summary(label: str, times: list[float], loaded: Iterable[str]) -> str:
    return (
        f"  {label:<30}{statistics.median(times):>9.3f}{max(times):>9.3f}{min(times):>9.3f}"
        f"   reloaded: {', '.join(sorted(set(loaded))) or 'nothing'}"
    )


def manager_id(url: str) -> int | None:
    """The first active manager's user id (to sign the benchmark in), or None when the app runs open."""
    from bench_pages import manager_id as first_manager

    return first_manager(url)


def _pick_client(at: object, key: str, client_id: int, name: str) -> None:
    """Pick a client in the picker `key`: a plain select box up to 1,000 clients; beyond that the picker is
    search-first (crm_core.ui.pickers), so type the company name into its search box, then pick."""
    from crm_core.ui.pickers import SEARCH_SUFFIX

    search = [box for box in at.text_input if box.key == key + SEARCH_SUFFIX]  # type: ignore[attr-defined]
    if search:
        search[0].input(name).run()
    at.selectbox(key=key).select(client_id).run()  # type: ignore[attr-defined]


def bench(mode: str, as_of: date, rounds: int) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from crm_core.db import default_url, get_engine
    from crm_core.store.frames import load_table

    _set_mode(mode)
    st.cache_data.clear()
    st.cache_resource.clear()
    loads = _count_loads()
    clients = load_table(get_engine(default_url()), "clients")
    client_ids = [int(c) for c in clients["client_id"].iloc[:rounds]]
    names = dict(zip(clients["client_id"], clients["company_name"], strict=True))

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["as_of"] = as_of
    signed_in = manager_id(default_url())
    if signed_in is not None:  # a database with users (the demo ones): signed in as its first manager
        from crm_core.ui.signin import SESSION_KEY

        at.session_state[SESSION_KEY] = (signed_in, time.time())
    at.run()
    at.switch_page("pages/activities.py").run()
    warm = [_timed(at.run) for _ in range(3)]
    print(f"\n{mode}")
    print(f"  {'render':<30}{'median s':>9}{'max s':>9}{'min s':>9}")
    print(_summary("activities page, warm", warm, []))

    submits, reloaded = [], []
    for n, client_id in enumerate(client_ids):
        _pick_client(at, "act_client", client_id, str(names[client_id]))
        at.text_input(key="act_title").input(f"Benchmark call {n}")
        at.date_input(key="act_date").set_value(as_of)
        at.time_input(key="act_time").set_value(clock_time(9, n % 60))
        loads.clear()
        submits.append(_timed(at.button(key="act_save").click().run))
        if not any(f"Benchmark call {n}" in s.value for s in at.success):
            raise SystemExit(f"the activity was not saved: {[e.value for e in at.error]}")
        reloaded.extend(loads)
    print(_summary("after logging an activity", submits, reloaded))

    overviews, reloaded = [], []
    for n, client_id in enumerate(client_ids):
        _pick_client(at, "act_client", client_id, str(names[client_id]))
        at.text_input(key="act_title").input(f"Benchmark visit {n}")
        at.date_input(key="act_date").set_value(as_of)
        at.time_input(key="act_time").set_value(clock_time(11, n % 60))
        at.button(key="act_save").click().run()
        loads.clear()
        overviews.append(_timed(at.switch_page("pages/overview.py").run))
        reloaded.extend(loads)
        at.switch_page("pages/activities.py").run()
    print(_summary("overview, next after logging", overviews, reloaded))

    at.switch_page("pages/clients.py").run()
    edits, reloaded = [], []
    for n, client_id in enumerate(client_ids):
        at.text_input(key="clients_search").input(str(names[client_id])).run()
        _pick_client(at, "client_pick", client_id, str(names[client_id]))
        at.text_input(key=f"edit_{client_id}_city").input(f"Ciudad {n}")
        loads.clear()
        edits.append(_timed(at.button(key=f"edit_{client_id}_save").click().run))
        if not any("saved" in s.value for s in at.success):
            raise SystemExit(f"the client was not saved: {[e.value for e in at.error]}")
        reloaded.extend(loads)
    print(_summary("after editing a client", edits, reloaded))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("--rounds", type=int, default=5, help="submits timed per form and mode")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    args = parser.parse_args()
    build_if_missing(args.db)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "bench.sqlite3"
        shutil.copy(args.db, copy)
        os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
        from streamlit.testing.v1 import app_test

        from tests.apptest_helpers import router_pages_manager

        app_test.PagesManager = router_pages_manager()  # as the server runs after its first run
        print(
            f"database: copy of {args.db}; {args.rounds} submits per form; each time is one full script run "
            "(the write in the callback, then router, sidebar and page)"
        )
        for mode in args.modes:
            bench(mode, args.as_of, args.rounds)
        from crm_core.db import dispose_engines

        dispose_engines()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
