"""table_fingerprints: an insert, a delete and an edit change the fingerprint; reading does not. On PostgreSQL
the database's change counters (schema revision 0005) show any committed write, by any connection, of that
table only; a rolled-back one shows nothing; a database without them falls back to counting rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, text

from crm_core import services
from crm_core.db import create_raw_engine, get_engine
from crm_core.store.fingerprints import CHANGES, Fingerprints, counts_changes, exact, table_fingerprints
from crm_core.store.frames import TABLES, load_frames
from tests.conftest import TABLES_IN_DELETE_ORDER
from tests.factories import make_client, make_invoice


def _changed(engine: Engine, before: Fingerprints) -> set[str]:
    after = table_fingerprints(engine)
    return {name for name in TABLES if after[name] != before[name]}


def test_fingerprints_follow_inserts_edits_and_deletes(engine: Engine) -> None:
    empty = table_fingerprints(engine)
    assert set(empty) == set(TABLES)
    assert exact(empty) == (engine.dialect.name == "postgresql")
    if engine.dialect.name == "sqlite":
        assert empty["clients"][:2] == (0, None)  # no rows, no highest id

    client = make_client(engine)
    assert _changed(engine, empty) == {"clients"}

    before = table_fingerprints(engine)
    load_frames(engine)
    assert _changed(engine, before) == set()  # reading changes nothing

    services.update_client(engine, client.client_id, {"city": "Bilbao"}, client.version)
    assert _changed(engine, before) == {"clients"}  # the version sum moved, the row count did not

    before = table_fingerprints(engine)
    make_invoice(engine, client.client_id)
    assert _changed(engine, before) == {"invoices"}

    before = table_fingerprints(engine)
    services.delete_client(engine, client.client_id)
    deleted = _changed(engine, before)
    assert {"clients", "invoices"} <= deleted
    if engine.dialect.name == "sqlite":
        assert deleted == {"clients", "invoices"}  # (PostgreSQL also counts the cascade's empty deletes)


def test_the_clients_fingerprint_covers_the_users_added_and_disabled(engine: Engine) -> None:
    from crm_core.auth.users import add_user, disable_user

    before = table_fingerprints(engine)
    add_user(engine, "new@example.com", "Nuria Nueva", "rep", "a long password")
    assert _changed(engine, before) == {"clients"}  # the owner pickers' names renew with it
    before = table_fingerprints(engine)
    disable_user(engine, "new@example.com")
    assert _changed(engine, before) == {"clients"}


# ---------------------------------------------------------------- PostgreSQL: the change counters


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Engine]:
    """The migrated test PostgreSQL database, emptied, holding one client (id 1)."""
    engine = get_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
    make_client(engine)
    yield engine


@pytest.fixture
def other(postgres_url: str) -> Iterator[Engine]:
    """A second engine on the same database: its own connections, as another process would have."""
    engine = create_raw_engine(postgres_url)
    yield engine
    engine.dispose()


_ACTIVITY = "INSERT INTO activities (client_id, kind, title, occurred_at, done) VALUES (1, 'call', 'Hola', '2026-01-02', false)"


@pytest.mark.postgres
def test_postgres_reads_the_counters_and_each_write_by_another_connection_moves_its_table_only(pg: Engine, other: Engine) -> None:
    assert counts_changes(pg)
    before = table_fingerprints(pg)
    assert exact(before)
    with other.begin() as conn:
        conn.execute(text(_ACTIVITY))
    assert _changed(pg, before) == {"activities"}

    before = table_fingerprints(pg)
    with other.begin() as conn:  # an in-place edit, which no count, highest id or version sum shows
        conn.execute(text("UPDATE activities SET done = true"))
    assert _changed(pg, before) == {"activities"}
    assert table_fingerprints(pg)["activities"] == (CHANGES, before["activities"][1] + 1)  # one commit, one change

    before = table_fingerprints(pg)
    with other.begin() as conn:
        conn.execute(text("INSERT INTO contacts (client_id, full_name, is_primary, is_billing) VALUES (1, 'Eva', false, false)"))
    assert _changed(pg, before) == {"contacts"}
    before = table_fingerprints(pg)
    with other.begin() as conn:
        conn.execute(text("UPDATE contacts SET full_name = 'Eva María'"))
    assert _changed(pg, before) == {"contacts"}

    before = table_fingerprints(pg)
    with other.begin() as conn:
        conn.execute(text("DELETE FROM activities"))
    assert _changed(pg, before) == {"activities"}

    before = table_fingerprints(pg)
    with other.begin() as conn:  # an edit of a user without a count or id moving: the clients' fingerprint
        conn.execute(
            text(
                "INSERT INTO users (email, display_name, role, active, demo, created_at) "
                "VALUES ('u@x.es', 'U', 'rep', true, false, now())"
            )
        )
    before = table_fingerprints(pg)
    with other.begin() as conn:
        conn.execute(text("UPDATE users SET display_name = 'Ursula'"))
    assert _changed(pg, before) == {"clients"}


@pytest.mark.postgres
def test_postgres_counts_a_write_at_its_commit_and_never_a_rolled_back_one(pg: Engine, other: Engine) -> None:
    before = table_fingerprints(pg)
    with other.connect() as conn:
        conn.execute(text(_ACTIVITY))
        conn.execute(text("UPDATE clients SET city = 'Bilbao'"))
        assert _changed(pg, before) == set()  # not committed yet
        conn.rollback()
    assert _changed(pg, before) == set()

    with other.connect() as conn:  # a savepoint rolled back inside a committed transaction
        conn.execute(text(_ACTIVITY))
        savepoint = conn.begin_nested()
        conn.execute(text("UPDATE clients SET city = 'Bilbao'"))
        savepoint.rollback()
        conn.execute(text(_ACTIVITY))
        assert _changed(pg, before) == set()
        conn.commit()
    assert _changed(pg, before) == {"activities"}
    assert table_fingerprints(pg)["activities"] == (CHANGES, before["activities"][1] + 1)  # one transaction, one change

    before = table_fingerprints(pg)
    with other.begin() as conn:  # TRUNCATE counts too
        conn.execute(text("TRUNCATE payments"))
    assert _changed(pg, before) == {"payments"}


@pytest.mark.postgres
def test_postgres_writers_of_the_same_tables_neither_wait_for_each_other_nor_deadlock(pg: Engine, other: Engine) -> None:
    """The counters are locked only while a transaction commits: an open transaction that wrote a table
    does not hold up another writer of it, and two writers taking two tables in opposite orders both commit."""
    third = create_raw_engine(pg.url.render_as_string(hide_password=False))
    make_client(pg)  # client 2
    before = table_fingerprints(pg)
    try:
        with other.connect() as first, third.connect() as second:
            for conn in (first, second):
                conn.execute(text("SET lock_timeout = '5s'"))  # a wait would fail here, not hang the run
            first.execute(text("UPDATE clients SET city = 'A' WHERE client_id = 1"))
            second.execute(text(_ACTIVITY))
            second.execute(text("UPDATE clients SET city = 'B' WHERE client_id = 2"))
            first.execute(text(_ACTIVITY))
            done = threading.Event()

            def commit_second() -> None:
                second.commit()
                done.set()

            worker = threading.Thread(target=commit_second)
            worker.start()
            worker.join(timeout=30)
            first.commit()
            assert done.is_set()
    finally:
        third.dispose()
    after = table_fingerprints(pg)
    assert after["clients"][1] == before["clients"][1] + 2
    assert after["activities"] == (CHANGES, before["activities"][1] + 2)


@pytest.mark.postgres
def test_postgres_bulk_copy_of_the_demo_generator_counts_every_table(postgres_url: str) -> None:
    from crm_core.demo import generate_demo

    engine = get_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
    before = table_fingerprints(engine)
    generate_demo(engine, clients=12, seed=3, as_of=date(2026, 11, 25))
    assert _changed(engine, before) == set(TABLES)


@pytest.mark.postgres
def test_postgres_without_the_counters_falls_back_to_counting_rows(pg: Engine) -> None:
    from alembic import command

    from crm_core.db.migrate import alembic_config, upgrade

    counted = table_fingerprints(pg)
    command.downgrade(alembic_config(pg), "0004")
    try:
        counts = table_fingerprints(pg)  # the counters it read before are gone: it counts rows instead
        assert counts["clients"][:2] == (1, 1)  # one client, highest id 1
        assert not exact(counts)
        assert not counts_changes(pg)
        before = counts
        make_invoice(pg, 1)
        assert _changed(pg, before) == {"invoices"}
    finally:
        upgrade(pg)
    assert counts_changes(pg)
    again = table_fingerprints(pg)  # counters made anew start where no earlier counter was
    assert all(again[name][1] > counted[name][1] for name in TABLES)
