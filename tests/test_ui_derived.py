"""ui.derived's background lanes: a job asked for with newer table generations cancels the queued older one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from crm_core.ui import derived

DB = "sqlite:///superseding.sqlite3"


@pytest.fixture
def held_lane() -> Iterator[threading.Event]:
    """The background thread busy until the test sets the event (so jobs asked for meanwhile stay queued)."""
    derived._jobs.clear()  # no job kept from another test
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(60)

    derived._BACKGROUND.submit(hold)
    assert started.wait(30)
    yield release
    release.set()
    derived._BACKGROUND.submit(lambda: None).result(timeout=60)


def _key(generations: tuple[int, ...], owner: int | None = None) -> tuple[object, ...]:
    return ("month_ago_health", DB, "2026-10-26", generations, owner)


def _recording(ran: list[str], name: str) -> Callable[[], str]:
    def compute() -> str:
        ran.append(name)
        return name

    return compute


def test_newer_generations_cancel_the_queued_older_job_and_only_the_newer_one_runs(held_lane: threading.Event) -> None:
    ran: list[str] = []
    assert derived._in_background(_key((1,)), _recording(ran, "old")) is None
    assert derived._in_background(_key((2,)), _recording(ran, "new")) is None
    assert derived.background_busy()
    held_lane.set()
    deadline = time.monotonic() + 60
    while derived._in_background(_key((2,)), lambda: "again") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert derived._in_background(_key((2,)), lambda: "again") == "new"
    assert ran == ["new"]  # the superseded job never ran
    assert derived._finished(_key((1,))) is None  # cancelled: no result, and no error either
    kind = ("month_ago_health", DB, "2026-10-26", None)
    assert kind not in derived._latest  # finished jobs are not kept there (their results would pile up per date and owner)


def test_another_owner_or_date_is_not_superseded(held_lane: threading.Event) -> None:
    ran: list[str] = []
    derived._in_background(_key((1,), owner=7), lambda: ran.append("rep 7"))
    derived._in_background(_key((2,), owner=8), lambda: ran.append("rep 8"))
    derived._in_background(("month_ago_health", DB, "2026-09-26", (3,), 7), lambda: ran.append("other date"))
    held_lane.set()
    derived._BACKGROUND.submit(lambda: None).result(timeout=60)
    assert ran == ["rep 7", "rep 8", "other date"]


def test_a_cancelled_job_asked_for_again_is_started_again(held_lane: threading.Event) -> None:
    ran: list[str] = []
    derived._in_background(_key((1,)), lambda: ran.append("first ask"))
    derived._in_background(_key((2,)), lambda: ran.append("newer"))
    derived._in_background(_key((1,)), lambda: ran.append("asked again"))  # cancels the queued newer one in turn
    held_lane.set()
    derived._BACKGROUND.submit(lambda: None).result(timeout=60)
    assert ran == ["asked again"]


def test_a_job_still_queued_is_taken_back_after_the_kept_jobs_were_emptied(held_lane: threading.Event) -> None:
    """Emptying st.cache_resource (or pushing the job out of the kept ones) does not start the same job twice."""
    ran: list[str] = []
    assert derived._in_background(_key((1,)), _recording(ran, "first")) is None
    derived._jobs.clear()
    assert derived._in_background(_key((1,)), _recording(ran, "second")) is None
    held_lane.set()
    deadline = time.monotonic() + 60
    while derived._in_background(_key((1,)), _recording(ran, "third")) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert derived._in_background(_key((1,)), _recording(ran, "third")) == "first"
    assert ran == ["first"]


def test_a_finished_job_asked_for_after_the_kept_jobs_were_emptied_runs_again(held_lane: threading.Event) -> None:
    ran: list[str] = []
    held_lane.set()
    derived._in_background(_key((1,)), _recording(ran, "first"))
    derived._BACKGROUND.submit(lambda: None).result(timeout=60)
    derived._jobs.clear()
    derived._in_background(_key((1,)), _recording(ran, "again"))
    derived._BACKGROUND.submit(lambda: None).result(timeout=60)
    assert ran == ["first", "again"]
