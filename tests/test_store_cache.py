"""FrameCache: frames and derived values built once per table version, rebuilt after a write."""

from __future__ import annotations

from sqlalchemy import Engine

from crm_core import services
from crm_core.store.cache import FrameCache
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


def test_only_the_written_table_is_reloaded(engine: Engine) -> None:
    client = make_client(engine)
    cache = FrameCache(engine, recheck_seconds=3600)
    before = cache.frames()
    make_invoice(engine, client.client_id)
    cache.wrote(["invoices"])
    after = cache.frames()
    assert after.clients is before.clients  # the same frame object: not reloaded
    assert after.invoices is not before.invoices and len(after.invoices) == 1
