"""Concurrent writers: no lost rows, no spurious errors; optimistic locking between two editors."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import Activity
from crm_core.errors import StaleEditError
from tests.factories import make_client

THREADS = 8
PER_THREAD = 50


def test_eight_threads_logging_fifty_activities_each(engine):
    client = make_client(engine)
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana"})
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                services.log_activity(
                    engine,
                    {
                        "client_id": client.client_id,
                        "contact_id": contact.contact_id,
                        "kind": "call",
                        "title": f"t{n}-{i}",
                        "occurred_at": f"2026-11-{1 + i % 28:02d}T{8 + n:02d}:00",
                    },
                )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == THREADS * PER_THREAD
        titles = set(s.scalars(select(Activity.title)))
    assert titles == {f"t{n}-{i}" for n in range(THREADS) for i in range(PER_THREAD)}


def test_two_edits_from_the_same_version(engine):
    client = make_client(engine, city="Madrid")
    seen = services.get_client(engine, client.client_id).version

    services.update_client(engine, client.client_id, {"city": "Valencia"}, seen)
    with pytest.raises(StaleEditError) as err:
        services.update_client(engine, client.client_id, {"city": "Zaragoza"}, seen)

    assert "changed by someone else" in str(err.value)
    stored = services.get_client(engine, client.client_id)
    assert stored.city == "Valencia"
    assert stored.version == seen + 1


def test_two_simultaneous_edits_only_one_wins(engine):
    client = make_client(engine)
    seen = client.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(city: str) -> None:
        barrier.wait()
        try:
            services.update_client(engine, client.client_id, {"city": city}, seen)
            outcomes.append("ok")
        except StaleEditError:
            outcomes.append("stale")

    threads = [threading.Thread(target=edit, args=(c,)) for c in ("Lugo", "Cádiz")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "stale"]
    assert services.get_client(engine, client.client_id).version == seen + 1
