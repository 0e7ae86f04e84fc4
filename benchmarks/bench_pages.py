"""Render time of every dashboard page, cold and warm, and right after a write, measured with AppTest.

    python benchmarks/bench_pages.py [DB] [--clients 10000] [--warm 5] [--writes 3] [--as-of 2026-11-25]
                                     [--pages pages/clients.py ...] [--settle] [--profile DIR]

DB is a database URL (sqlite:///..., postgresql://...) or a SQLite file path (default:
crm_bench_<clients>.sqlite3 in the system temp folder). A SQLite file that does not exist is built
with the demo generator (seed 7); an empty PostgreSQL database is filled the same way. Printed:
  first run    a fresh process's first script run: imports, loading every table, health, the Overview
  cold         per page, every Streamlit cache emptied first (frames loaded, health computed again)
  warm         per page, --warm re-renders (what a user waits for after any click): median and max
  after write  --writes activities logged through the Activities page's form: the submit's run (the
               write in the callback, then the page again) and the Overview opened right after
               (health rebuilt); these activities are written to DB (a few rows per run)
  peak memory  the process's peak resident set size (ru_maxrss)
With --settle, each cold page and the after-write series start only once the server's background jobs
(the backtest's process, the Overview's month-ago health: ui.derived) are done, so a cold figure is the
page's own time, not the page's beside a minute-long backtest on the other core; without it (the
default) they run as a user may meet them: a cache clear starts again those already finished (one still
running is taken back, not started twice).
With --profile DIR, every timed script run is profiled in Streamlit's script thread (cProfile, which
follows only the thread it runs in) and its stats written to DIR/<phase>.pstats, with the top
functions by cumulative time printed; profiling slows every figure, so do not read them as timings.
Each render is a full script run: router, sidebar and page, signed in as the first active manager
when the database has users (the demo databases do). The load average is printed beside each
figure: on a shared machine every figure is inflated by it. Targets (issue 18, on a 2-core machine):
at 100,000 clients first run <= 8 s, cold <= 6 s, warm median <= 0.5 s, after a write <= 2 s,
memory <= 3 GB; at 10,000 clients cold <= 1.5 s, warm median <= 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES: tuple[str, ...] = (
    "pages/overview.py",
    "pages/clients.py",
    "pages/activities.py",
    "pages/pipeline.py",
    "pages/health.py",
    "pages/collections.py",
    "pages/import.py",
)


@dataclass(frozen=True)
class Targets:
    """Issue 18's targets for one portfolio size (None: no target at that size)."""

    first: float | None
    cold: float
    warm: float
    after_write: float | None


LARGE = Targets(first=8.0, cold=6.0, warm=0.5, after_write=2.0)  # 100,000 clients
SMALL = Targets(first=None, cold=1.5, warm=0.2, after_write=None)  # 10,000 clients
MEMORY_TARGET_GB = 3.0


def targets_for(clients: int) -> Targets:
    return LARGE if clients >= 50_000 else SMALL


def database_url(db: str | None, clients: int) -> str:
    if db is None:
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'crm_bench_{clients}.sqlite3'}"
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def build_or_reuse(url: str, clients: int, as_of: date) -> int:
    """The number of clients in the database, after filling it with the demo portfolio if empty."""
    from sqlalchemy import func, select

    from crm_core.db import dispose_engines, get_engine
    from crm_core.db.models import Client
    from crm_core.demo import generate_demo

    engine = get_engine(url)
    with engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(Client)).scalar_one()
    if existing == 0:
        started = time.perf_counter()
        stats = generate_demo(engine, clients=clients, seed=7, as_of=as_of)
        print(f"built {engine.url.render_as_string()}: {stats.rows} in {time.perf_counter() - started:.1f} s")
        existing = clients
    else:
        print(f"reusing {engine.url.render_as_string()}: {existing} clients")
    dispose_engines()
    return int(existing)


def manager_id(url: str) -> int | None:
    """The first active manager's user id (to sign the benchmark in), or None when the app runs open."""
    from sqlalchemy import select

    from crm_core.db import dispose_engines, get_engine
    from crm_core.db.models import User

    with get_engine(url).connect() as conn:
        found = conn.execute(
            select(User.user_id).where(User.active.is_(True), User.role == "manager").order_by(User.user_id).limit(1)
        ).scalar()
    dispose_engines()
    return None if found is None else int(found)


def load() -> str:
    """The 1-minute load average, printed beside the figures."""
    return f"load {os.getloadavg()[0]:.1f}"


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    at = run()
    elapsed = time.perf_counter() - started
    if at.exception:  # type: ignore[attr-defined]
        raise SystemExit(f"page raised: {at.exception[0].message}")  # type: ignore[attr-defined]
    return elapsed


def _verdict(seconds: float, target: float | None) -> str:
    if target is None:
        return ""
    return "ok" if seconds <= target else f"MISSED by {seconds - target:.2f} s"


SETTLE_TIMEOUT = 900.0  # seconds a --settle wait gives the background jobs before timing anyway


def _settle(enabled: bool) -> str:
    """With `enabled`, wait until no background job of the server is queued or running; what was waited."""
    if not enabled:
        return ""
    from crm_core.ui import derived

    started = time.perf_counter()
    while derived.background_busy() and time.perf_counter() - started < SETTLE_TIMEOUT:
        time.sleep(0.2)
    return f"settled {time.perf_counter() - started:.0f} s, "


def _clear_caches() -> None:
    """Empty every cache a fresh process would not have: Streamlit's, and the analytics memos (whose
    entries keep the frames they were computed on alive: without this, each cold page would add a copy)."""
    import streamlit as st

    from crm_core.analytics import memo

    st.cache_data.clear()
    st.cache_resource.clear()
    memo.clear_all()


class ScriptProfiles:
    """cProfile of Streamlit's script thread (where pages run), one pstats file per named phase."""

    def __init__(self, folder: Path) -> None:
        import cProfile

        from streamlit.runtime.scriptrunner import script_runner

        self.folder = folder
        self.phase = "setup"
        self.profiles: dict[str, cProfile.Profile] = {}
        original = script_runner.ScriptRunner._run_script

        def profiled(runner: object, rerun_data: object) -> None:
            profile = self.profiles.setdefault(self.phase, cProfile.Profile())
            profile.enable()
            try:
                original(runner, rerun_data)  # type: ignore[arg-type]
            finally:
                profile.disable()

        script_runner.ScriptRunner._run_script = profiled  # type: ignore[method-assign,assignment]

    def save(self, top: int = 25) -> None:
        """Write every phase's stats and print its `top` functions by cumulative time."""
        import pstats

        self.folder.mkdir(parents=True, exist_ok=True)
        for phase, profile in self.profiles.items():
            path = self.folder / f"{phase.replace('/', '_')}.pstats"
            profile.dump_stats(path)
            print(f"\n--- profile of {phase} ({path}) ---")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", help="database URL or SQLite file")
    parser.add_argument("--clients", type=int, default=10_000, help="clients to build when the database is empty")
    parser.add_argument("--warm", type=int, default=5, help="warm renders per page")
    parser.add_argument("--writes", type=int, default=3, help="activities logged for the after-write figures (0: none)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 25))
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES), help="pages to time (default: all)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the script thread per phase to this folder")
    parser.add_argument("--settle", action="store_true", help="time each cold page once background jobs are done")
    args = parser.parse_args()
    url = database_url(args.db, args.clients)
    clients = build_or_reuse(url, args.clients, args.as_of)
    target = targets_for(clients)
    os.environ["DATABASE_URL"] = url
    signed_in = manager_id(url)

    from streamlit.testing.v1 import AppTest, app_test

    from tests.apptest_helpers import router_pages_manager

    app_test.PagesManager = router_pages_manager()  # type: ignore[misc,assignment]  # as the server runs after its first run
    app = str(ROOT / "app.py")

    def fresh() -> AppTest:
        at = AppTest.from_file(app, default_timeout=900)
        at.session_state["as_of"] = args.as_of
        if signed_in is not None:
            from crm_core.ui.signin import SESSION_KEY

            at.session_state[SESSION_KEY] = (signed_in, time.time())
        return at

    profiles = ScriptProfiles(args.profile) if args.profile else None

    def phase(name: str) -> None:
        if profiles is not None:
            profiles.phase = name

    phase("first_run")
    first = _timed(fresh().run)
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"{clients:,} clients on {backend}; as of {args.as_of}; figures in seconds; each render a full script run; "
        f"{'signed in as manager ' + str(signed_in) if signed_in is not None else 'open mode'}; "
        f"{'cold pages timed once background jobs are done (--settle)' if args.settle else 'background jobs left running'}"
    )
    print(
        f"first run in this process (imports, every table loaded, health, the Overview): {first:.2f}  "
        f"{_verdict(first, target.first)}  ({load()})"
    )
    print(
        f"\n{'page':<22}{'cold':>8}{'warm median':>13}{'warm max':>10}   targets: cold <= {target.cold} s, "
        f"warm median <= {target.warm} s"
    )
    for page in args.pages:
        _clear_caches()
        at = fresh()
        phase("untimed")
        at.run()  # lands on the default page (not timed: it would warm the caches for the overview)
        _clear_caches()
        settled = _settle(args.settle)
        phase(f"cold_{Path(page).stem}")
        cold = _timed(lambda: at.switch_page(page).run())  # noqa: B023 - called at once
        phase(f"warm_{Path(page).stem}")
        warm = [_timed(at.run) for _ in range(args.warm)]
        phase("untimed")
        median = statistics.median(warm)
        verdicts = [v for v in (_verdict(cold, target.cold), _verdict(median, target.warm)) if v != "ok"]
        print(
            f"{page:<22}{cold:>8.2f}{median:>13.3f}{max(warm):>10.3f}   {'; '.join(verdicts) or 'ok'}  ({settled}{load()})",
            flush=True,
        )

    if args.writes:
        after_write(fresh, args.as_of, args.writes, target, phase, args.settle)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"\npeak memory of this process: {peak_gb:.2f} GB  "
        f"{'ok' if peak_gb <= MEMORY_TARGET_GB else f'MISSED by {peak_gb - MEMORY_TARGET_GB:.2f} GB'} "
        f"(target <= {MEMORY_TARGET_GB:.0f} GB)"
    )
    if profiles is not None:
        profiles.profiles.pop("untimed", None)
        profiles.save()
    from crm_core.db import dispose_engines

    dispose_engines()
    return 0


def after_write(
    fresh: Callable[[], object], as_of: date, writes: int, target: Targets, phase: Callable[[str], None], settle: bool
) -> None:
    """Log `writes` activities through the Activities page's form, timing the submit and the next Overview."""
    from crm_core.db import default_url, get_engine
    from crm_core.store.frames import load_table
    from crm_core.ui.pickers import SEARCH_SUFFIX

    clients = load_table(get_engine(default_url()), "clients").iloc[:writes]
    _clear_caches()
    at = fresh()
    at.run()  # type: ignore[attr-defined]
    at.switch_page("pages/activities.py").run()  # type: ignore[attr-defined]
    settled = _settle(settle)
    submits, overviews = [], []
    stamp = time.strftime("%H%M%S")
    for n, (client_id, name) in enumerate(zip(clients["client_id"].astype(int), clients["company_name"], strict=True)):
        search = [box for box in at.text_input if box.key == "act_client" + SEARCH_SUFFIX]  # type: ignore[attr-defined]
        if search:  # the search-first picker of a large portfolio: type the name, then pick
            search[0].input(str(name)).run()
        at.selectbox(key="act_client").select(int(client_id)).run()  # type: ignore[attr-defined]
        at.text_input(key="act_title").input(f"Benchmark call {stamp}-{n}")  # type: ignore[attr-defined]
        at.date_input(key="act_date").set_value(as_of)  # type: ignore[attr-defined]
        at.time_input(key="act_time").set_value(clock_time(9, n % 60))  # type: ignore[attr-defined]
        phase("after_write_submit")
        submits.append(_timed(at.button(key="act_save").click().run))  # type: ignore[attr-defined]
        phase("untimed")
        if not any(f"Benchmark call {stamp}-{n}" in s.value for s in at.success):  # type: ignore[attr-defined]
            raise SystemExit(f"the activity was not saved: {[e.value for e in at.error]}")  # type: ignore[attr-defined]
        phase("after_write_overview")
        overviews.append(_timed(at.switch_page("pages/overview.py").run))  # type: ignore[attr-defined]
        phase("untimed")
        at.switch_page("pages/activities.py").run()  # type: ignore[attr-defined]
    print(
        f"\nafter logging an activity ({writes} logged; {settled or 'background jobs left running, '}then none waited for)   median     max"
    )
    for label, times in (("submit (write + Activities page)", submits), ("Overview opened next", overviews)):
        median = statistics.median(times)
        print(f"  {label:<36}{median:>7.2f}{max(times):>8.2f}   {_verdict(median, target.after_write) or ''}  ({load()})")


if __name__ == "__main__":
    raise SystemExit(main())
