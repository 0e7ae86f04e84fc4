"""Cached figures derived from the cached health (summaries, monthly revenue, at-risk tables).

Cached (the overview and the at-risk table with cache.shared, the rest with st.cache_data), keyed by
database URL, as-of date, (where it matters) language and thresholds, and every table's generation
(cache.versions): any write refreshes them.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from crm_core.store.versions import Generations
from crm_core.ui import cache
from crm_core.ui.background import accuracy_from_database, start_background_process
from crm_core.ui.cache import current_owner
from crm_core.views import forecast as forecast_view
from crm_core.views import overview as overview_view

R = TypeVar("R")


def overview(db_url: str, as_of: date) -> overview_view.Overview:
    """Portfolio KPIs with their 30-day and 12-month deltas and the monthly revenue, cached per date.

    From BACKGROUND_FROM_CLIENTS clients the health 30 days earlier (a second whole health computation,
    seconds at 100,000 clients) runs in the background: until it is done the figures come without
    their 30-day deltas (`Overview.deltas_pending`; the page says so and reruns with them, see
    `rerun_when_deltas_ready`).
    """
    generations, owner = cache.versions(db_url), current_owner()
    large = cache.client_count(db_url) >= BACKGROUND_FROM_CLIENTS
    if large and _month_ago_health(db_url, as_of, generations, owner, start=False) is None:
        return _overview(db_url, as_of, generations, owner, with_deltas=False)
    return _overview(db_url, as_of, generations, owner, with_deltas=True)


@cache.shared(max_entries=8)
def _overview(db_url: str, as_of: date, generations: Generations, owner: int | None, with_deltas: bool) -> overview_view.Overview:
    """Cached twin of `overview`, keyed by the tables' generations."""
    month_ago, _ = overview_view.comparison_dates(as_of)  # the year-ago revenue comes from the invoices alone
    return overview_view.overview(
        cache.frames_at(db_url, generations, owner),
        as_of,
        cache.scoped_health_at(db_url, as_of, generations, owner),
        cache.scoped_health_at(db_url, month_ago, generations, owner) if with_deltas else None,
    )


def _month_ago_health(
    db_url: str, as_of: date, generations: Generations, owner: int | None, start: bool = True
) -> pd.DataFrame | None:
    """The health 30 days before `as_of`, or None while the background lane is still computing it
    (or, with `start` False, has not been asked to yet)."""
    month_ago, _ = overview_view.comparison_dates(as_of)
    key = ("month_ago_health", db_url, month_ago, generations, owner)
    if not start:
        return _finished(key)
    return _in_background(key, lambda: cache.scoped_health_at(db_url, month_ago, generations, owner))


def rerun_when_deltas_ready(db_url: str, as_of: date, note: Any) -> None:
    """Write into `note` (a placeholder under the cards) that the 30-day changes are being computed, start
    computing them, and rerun the page once they are done.

    Called at the end of the page: the background thread then does not hold the GIL while this run
    still draws the rest of the page.
    """
    from crm_core.ui.context import current

    note.caption(current().t("overview.deltas_pending"))
    generations, owner = cache.versions(db_url), current_owner()

    @st.fragment(run_every=PENDING_REFRESH_SECONDS)
    def _watch_deltas() -> None:
        if _month_ago_health(db_url, as_of, generations, owner) is not None:
            st.rerun()

    _watch_deltas()


def summary(db_url: str, as_of: date) -> dict[str, Any]:
    """portfolio_summary as of `as_of`, cached (Health page risk counts)."""
    return _summary(db_url, as_of, cache.versions(db_url), current_owner())


@st.cache_data(show_spinner=False, max_entries=8)
def _summary(db_url: str, as_of: date, generations: Generations, owner: int | None) -> dict[str, Any]:
    """Cached twin of `summary`, keyed by the tables' generations."""
    return overview_view.summary(cache.scoped_health_at(db_url, as_of, generations, owner))


def at_risk_export(
    db_url: str, as_of: date, lang: str, churn_min: float, risk_levels: Sequence[str], overdue_min: float | None
) -> pd.DataFrame:
    """The at-risk table in `lang` for these thresholds, cached so paging and downloading reuse it."""
    return _at_risk_export(
        db_url, as_of, lang, churn_min, tuple(risk_levels), overdue_min, cache.versions(db_url), current_owner()
    )


@cache.shared(max_entries=16)
def _at_risk_export(
    db_url: str,
    as_of: date,
    lang: str,
    churn_min: float,
    risk_levels: tuple[str, ...],
    overdue_min: float | None,
    generations: Generations,
    owner: int | None,
) -> pd.DataFrame:
    """Cached twin of `at_risk_export`, keyed by the tables' generations."""
    from crm_core.views.at_risk import at_risk_export as build

    return build(
        cache.scoped_health_at(db_url, as_of, generations, owner),
        lang,
        churn_min=churn_min,
        risk_levels=risk_levels,
        overdue_min=overdue_min,
    )


def at_risk_csv_later(
    db_url: str,
    as_of: date,
    lang: str,
    churn_min: float,
    risk_levels: Sequence[str],
    overdue_min: float | None,
    sep: str,
) -> Callable[[], bytes]:
    """The download's bytes, built when the user clicks `st.download_button(data=...)`, not on every page run
    (thousands of rows at 10,000 clients, 9 MB at 100,000), then cached. The generations and the viewer
    are read now, so the file is the list the page shows.
    """
    return partial(
        _at_risk_csv,
        db_url,
        as_of,
        lang,
        churn_min,
        tuple(risk_levels),
        overdue_min,
        sep,
        cache.versions(db_url),
        current_owner(),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _at_risk_csv(
    db_url: str,
    as_of: date,
    lang: str,
    churn_min: float,
    risk_levels: tuple[str, ...],
    overdue_min: float | None,
    sep: str,
    generations: Generations,
    owner: int | None,
) -> bytes:
    """The at-risk list as CSV bytes (see `at_risk_csv_later`), keyed by the tables' generations and the viewer."""
    from crm_core.io.at_risk import to_csv_bytes

    table = _at_risk_export(db_url, as_of, lang, churn_min, risk_levels, overdue_min, generations, owner)
    return to_csv_bytes(table, sep, lang)


# The tables the forecast backtest reads (seconds at 10,000 clients, a minute at 100,000).
ACCURACY_TABLES = forecast_view.ACCURACY_TABLES


# From this many clients the backtest runs in a background thread: a few seconds at 10,000 clients and
# about a minute at 100,000, which the first page would otherwise wait for. Below, it runs inline.
BACKGROUND_FROM_CLIENTS = 5_000
PENDING_REFRESH_SECONDS = 3.0  # how often a page waiting for the backtest looks whether it is done


def forecast_accuracy(db_url: str, as_of: date) -> forecast_view.Accuracy | None:
    """How the expected revenue and its parts did at past dates (views.forecast.Accuracy), cached per tables.

    None while a large portfolio's backtest is still running in the background: the page says so
    and shows the figures once done (`refresh_when_ready`).
    """
    generations, owner = cache.generations_of(db_url, ACCURACY_TABLES), current_owner()
    if cache.client_count(db_url) < BACKGROUND_FROM_CLIENTS:
        return _forecast_accuracy(db_url, as_of, generations, owner)
    key = ("accuracy", db_url, as_of, generations, owner)
    return _in_process(key, accuracy_from_database, db_url, as_of, owner)


BACKGROUND_JOBS_KEPT = 8  # finished or running background jobs kept (a few dates and table generations)


# One background job at a time for the whole process (even across cache clears), first come first
# served: on two cores a second one would only slow every page further, and the Overview's month-ago
# health (seconds) is asked for before its backtest (a minute at 100,000 clients).
_BACKGROUND = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-background")


@dataclass
class _Jobs:
    """The background jobs of this server, each kept under its key (cleared with st.cache_resource)."""

    running: dict[tuple[Any, ...], Future[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def _jobs() -> _Jobs:
    return _Jobs()


# The backtest runs in a process of its own (ui.background says why): one at a time, started at the
# first large portfolio's backtest and kept for the next ones (it imports the app's modules once), at a
# lower CPU priority (BACKGROUND_NICENESS), so on two cores the pages' own work and table reads come first.
_PROCESS = ProcessPoolExecutor(
    max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=start_background_process
)


def _in_process(key: tuple[Any, ...], compute: Callable[..., R], *args: Any) -> R | None:
    """`compute(*args)`'s result for `key` if the background process has finished it, else None (started if new).

    `compute` and `args` must pickle (a module-level function, plain values): it runs in another process.
    """
    return _once(key, lambda: _supersede(key, _process_lane().submit(compute, *args)))


def _process_lane() -> ProcessPoolExecutor:
    """The background process's executor, replaced if its process died (killed for memory, say)."""
    global _PROCESS
    if getattr(_PROCESS, "_broken", False):
        _PROCESS = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=start_background_process
        )
    return _PROCESS


def _in_background(key: tuple[Any, ...], compute: Callable[[], R]) -> R | None:
    """`compute()`'s result for `key` if the background thread has finished it, else None (started if new)."""
    return _once(key, lambda: _supersede(key, _BACKGROUND.submit(compute)))


# Every background key is (what, database, date, generations, owner). A job asked for with newer
# generations supersedes the one of older generations with the same other parts: if the older one is
# still queued it is cancelled (a portfolio written to every minute would otherwise queue a minute-long
# backtest per write, each computing figures nobody will read). A job already running finishes.
GENERATIONS_AT = 3  # the position of the generations in a background job's key
# Per key without its generations: the key and job last asked for, while it is queued or running (a
# finished one is forgotten at once, so its result is kept only where _jobs keeps it).
_latest: dict[tuple[Any, ...], tuple[tuple[Any, ...], Future[Any]]] = {}
_latest_lock = threading.Lock()


def _kind(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A background job's key without its generations: what a newer job of the same figure supersedes."""
    return key[:GENERATIONS_AT] + key[GENERATIONS_AT + 1 :]


def _supersede(key: tuple[Any, ...], job: Future[R]) -> Future[R]:
    """Record `job` as the latest of its kind and cancel the earlier one if it has not started; `job`."""
    kind = _kind(key)
    with _latest_lock:
        earlier = _latest.get(kind)
        _latest[kind] = (key, job)
    if earlier is not None and earlier[1] is not job:
        earlier[1].cancel()  # False (and nothing done) once it runs
    job.add_done_callback(partial(_forget, kind))  # at once if it is already done
    return job


def _unfinished(key: tuple[Any, ...]) -> Future[Any] | None:
    """The queued or running job asked for under exactly `key`, if any: one `_jobs` no longer holds
    (emptied with st.cache_resource, or pushed out by BACKGROUND_JOBS_KEPT newer ones) is taken back
    rather than started a second time, which on two cores would run a minute-long backtest twice."""
    with _latest_lock:
        latest = _latest.get(_kind(key))
    if latest is None or latest[0] != key or latest[1].done():
        return None
    return latest[1]


def _forget(kind: tuple[Any, ...], job: Future[Any]) -> None:
    """Drop a finished (or cancelled) job from `_latest`, unless a newer one of its kind took its place."""
    with _latest_lock:
        if kind in _latest and _latest[kind][1] is job:
            del _latest[kind]


def background_busy() -> bool:
    """Whether a background job asked for last of its kind is still queued or running (benchmarks wait on it)."""
    with _latest_lock:
        return any(not job.done() for _, job in _latest.values())


def _finished(key: tuple[Any, ...]) -> Any:
    """The result of the job kept under `key` if it has finished (None: running, or never started)."""
    jobs = _jobs()
    with jobs.lock:
        job = jobs.running.get(key)
    return job.result() if job is not None and job.done() and not job.cancelled() else None


def _once(key: tuple[Any, ...], start: Callable[[], Future[R]]) -> R | None:
    """The result of the job kept under `key`, None while it runs; `start` starts it if there is none
    (or its process died)."""
    jobs = _jobs()
    with jobs.lock:
        job = jobs.running.get(key)
        if job is None or (job.done() and (job.cancelled() or isinstance(job.exception(), BrokenProcessPool))):
            job = (_unfinished(key) if job is None else None) or start()
            jobs.running[key] = job
            while len(jobs.running) > BACKGROUND_JOBS_KEPT:
                jobs.running.pop(next(iter(jobs.running)))
    result: R | None = job.result() if job.done() else None
    return result


def refresh_when_ready(db_url: str, as_of: date) -> None:
    """Draw a note that past accuracy is being computed, and rerun the page once it is."""
    from crm_core.ui.context import current

    st.caption(current().t("forecast.accuracy_pending"))

    @st.fragment(run_every=PENDING_REFRESH_SECONDS)
    def _watch() -> None:
        if forecast_accuracy(db_url, as_of) is not None:
            st.rerun()

    _watch()


@st.cache_data(show_spinner=False, max_entries=4)
def _forecast_accuracy(db_url: str, as_of: date, generations: tuple[int, ...], owner: int | None) -> forecast_view.Accuracy:
    """Cached twin of `forecast_accuracy`, keyed by the generations of ACCURACY_TABLES (all it reads)."""
    frames = cache.frames_with(db_url, dict(zip(ACCURACY_TABLES, generations, strict=True)), owner)
    return forecast_view.forecast_accuracy(frames, as_of)
