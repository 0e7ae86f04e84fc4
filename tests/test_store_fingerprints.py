"""table_fingerprints: an insert, a delete and an edit of a versioned table change the fingerprint; reading does not."""

from __future__ import annotations

from sqlalchemy import Engine

from crm_core import services
from crm_core.store.fingerprints import Fingerprints, table_fingerprints
from crm_core.store.frames import TABLES, load_frames
from tests.factories import make_client, make_invoice


def _changed(engine: Engine, before: Fingerprints) -> set[str]:
    after = table_fingerprints(engine)
    return {name for name in TABLES if after[name] != before[name]}


def test_fingerprints_follow_inserts_edits_and_deletes(engine: Engine) -> None:
    empty = table_fingerprints(engine)
    assert set(empty) == set(TABLES)
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
    assert _changed(engine, before) == {"clients", "invoices"}


def test_the_clients_fingerprint_covers_the_users_added_and_disabled(engine: Engine) -> None:
    from crm_core.auth.users import add_user, disable_user

    before = table_fingerprints(engine)
    add_user(engine, "new@example.com", "Nuria Nueva", "rep", "a long password")
    assert _changed(engine, before) == {"clients"}  # the owner pickers' names renew with it
    before = table_fingerprints(engine)
    disable_user(engine, "new@example.com")
    assert _changed(engine, before) == {"clients"}
