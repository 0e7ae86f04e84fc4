"""FrameCache: frames and derived values built once per table version, rebuilt after a write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.store import cache as store_cache
from crm_core.store.cache import FrameCache
from crm_core.store.frames import TABLES, load_table
from crm_core.store.writes import tables_appended, tables_written
from tests.factories import make_client, make_invoice


def test_derived_value_is_built_once_per_table_version(engine: Engine) -> None:
    client = make_client(engine)
    cache = FrameCache(engine, recheck_seconds=3600)  # only `wrote` moves it on
    builds: list[int] = []

    def count_invoices(frames) -> int:  # type: ignore[no-untyped-def]
        builds.append(1)
        return len(frames.invoices)

    assert cache.derived("invoices", count_invoices) == 0
    assert cache.derived("invoices", count_invoices) == 0
    assert len(builds) == 1
    make_invoice(engine, client.client_id)
    cache.wrote(["invoices"])
    assert cache.derived("invoices", count_invoices) == 1
    assert len(builds) == 2


def test_a_write_by_another_process_is_noticed_through_fingerprints(engine: Engine) -> None:
    cache = FrameCache(engine, recheck_seconds=0)  # read the fingerprints on every call
    assert cache.derived("clients", lambda frames: len(frames.clients)) == 0
    services.create_client(engine, {"company_name": "Other process", "email": "x@other.es"})  # not told to the cache
    assert cache.derived("clients", lambda frames: len(frames.clients)) == 1


def test_a_write_by_another_process_reloads_every_table_or_with_postgresql_counters_just_its_own(engine: Engine) -> None:
    """An activity marked done elsewhere: SQLite's row counts cannot tell which table changed (nor see this edit
    at all: the cache keeps its frames); PostgreSQL's change counters name it, and only it is reloaded."""
    from sqlalchemy import text

    from crm_core.db import create_raw_engine

    client = make_client(engine)
    _log(engine, client.client_id, "Call back")
    cache = FrameCache(engine, recheck_seconds=0)
    before = cache.frames()
    other = create_raw_engine(engine.url.render_as_string(hide_password=False))  # another process's connections
    try:
        with other.begin() as conn:
            conn.execute(text("UPDATE activities SET done = NOT done"))
    finally:
        other.dispose()
    after = cache.frames()
    if engine.dialect.name == "postgresql":
        assert after.activities is not before.activities
        assert after.activities["done"].tolist() != before.activities["done"].tolist()
        assert all(getattr(after, name) is getattr(before, name) for name in TABLES if name != "activities")
    else:  # an in-place edit of a table without version or updated_at: not seen (docs/design.md §3.5)
        assert after.activities is before.activities


def test_only_the_written_table_is_reloaded(engine: Engine) -> None:
    client = make_client(engine)
    cache = FrameCache(engine, recheck_seconds=3600)
    before = cache.frames()
    make_invoice(engine, client.client_id)
    cache.wrote(["invoices"])
    after = cache.frames()
    assert after.clients is before.clients  # the same frame object: not reloaded
    assert after.invoices is not before.invoices and len(after.invoices) == 1


def _counting_appends(monkeypatch: pytest.MonkeyPatch) -> list[pd.DataFrame | None]:
    """Every result of the cache's append_rows (a spy): None where it refused and the table was reloaded whole."""
    results: list[pd.DataFrame | None] = []
    real = store_cache.append_rows

    def spy(engine: Engine, name: str, loaded: pd.DataFrame) -> pd.DataFrame | None:
        results.append(real(engine, name, loaded))
        return results[-1]

    monkeypatch.setattr(store_cache, "append_rows", spy)
    return results


def _log(engine: Engine, client_id: int, title: str) -> list:  # type: ignore[type-arg]
    return services.log_activity(
        engine, {"client_id": client_id, "kind": "call", "title": title, "occurred_at": "2026-11-20T10:00", "done": False}
    )


def _told(cache: FrameCache, action: Callable[..., Any]) -> None:
    cache.wrote(tables_written(action), tables_appended(action))


def test_logged_activities_are_appended_and_equal_a_fresh_load(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: after activities logged through the service, only their rows are loaded; the frame equals a full load."""
    appends = _counting_appends(monkeypatch)
    client = make_client(engine)
    _log(engine, client.client_id, "before")
    cache = FrameCache(engine, recheck_seconds=3600)
    before = cache.frames()
    for n in range(2):
        _log(engine, client.client_id, f"call {n}")
        _told(cache, services.log_activity)
    after = cache.frames()
    assert len(appends) == 1 and appends[0] is not None  # two writes, one append of both rows
    assert after.activities["title"].tolist() == ["before", "call 0", "call 1"]
    pd.testing.assert_frame_equal(after.activities, load_table(engine, "activities"), check_exact=True)
    assert after.contacts is not before.contacts  # written, not appended: reloaded whole


def test_an_update_of_an_old_row_with_an_insert_reloads_the_table_whole(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    appends = _counting_appends(monkeypatch)
    client = make_client(engine)
    [old] = _log(engine, client.client_id, "to complete")
    cache = FrameCache(engine, recheck_seconds=3600)
    cache.frames()
    services.complete_activity(engine, old.activity_id, "done")  # an update: same count, same highest id
    _told(cache, services.complete_activity)
    _log(engine, client.client_id, "new")
    _told(cache, services.log_activity)
    after = cache.frames().activities
    assert appends == []  # not an append since the cached frame: the full reload path
    assert after["done"].tolist() == [True, False] and after["outcome"].tolist() == ["done", None]
    pd.testing.assert_frame_equal(after, load_table(engine, "activities"), check_exact=True)


def test_a_delete_reloads_every_table_whole(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    appends = _counting_appends(monkeypatch)
    first, second = make_client(engine), make_client(engine)
    _log(engine, first.client_id, "gone")
    cache = FrameCache(engine, recheck_seconds=3600)
    cache.frames()
    services.delete_client(engine, first.client_id)
    _told(cache, services.delete_client)
    _log(engine, second.client_id, "kept")
    _told(cache, services.log_activity)
    after = cache.frames()
    assert appends == []
    assert after.activities["title"].tolist() == ["kept"]
    for name in ("clients", "activities"):
        pd.testing.assert_frame_equal(getattr(after, name), load_table(engine, name), check_exact=True, obj=name)
