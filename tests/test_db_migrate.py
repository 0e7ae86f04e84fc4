"""The schema comes from Alembic migrations, and matches the ORM models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from crm_core.cli import main
from crm_core.db import create_raw_engine
from crm_core.db.migrate import current_revision, modelled, upgrade
from crm_core.db.models import Base


def _diff(engine):
    with engine.connect() as conn:
        opts = {"compare_type": True, "compare_server_default": True, "include_object": modelled}
        ctx = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(ctx, Base.metadata)


def test_upgraded_schema_equals_models(engine):
    assert current_revision(engine) == "0005"
    assert _diff(engine) == []


def test_upgrade_on_empty_sqlite_file_and_idempotent(tmp_path: Path):
    engine = create_raw_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert inspect(engine).get_table_names() == []
    upgrade(engine)
    upgrade(engine)
    names = set(inspect(engine).get_table_names())
    assert {
        "clients",
        "contacts",
        "activities",
        "opportunities",
        "opportunity_stage_history",
        "invoices",
        "payments",
        "idempotency_keys",
        "alembic_version",
        "users",
        "api_tokens",
        "sign_in_failures",
        "audit_log",
    } == names
    assert _diff(engine) == []


def test_cli_db_upgrade(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert "0005" in capsys.readouterr().out
    assert current_revision(create_raw_engine(url)) == "0005"


def test_indexes_on_client_ids_and_dates(engine):
    insp = inspect(engine)
    indexed = {table: {col for ix in insp.get_indexes(table) for col in ix["column_names"]} for table in insp.get_table_names()}
    for table in ("contacts", "activities", "opportunities", "invoices"):
        assert "client_id" in indexed[table]
    assert {"issue_date", "due_date"} <= indexed["invoices"]
    assert "paid_on" in indexed["payments"] and "invoice_id" in indexed["payments"]
    assert "occurred_at" in indexed["activities"]


def test_cli_reports_a_bad_url_without_traceback(capsys):
    assert main(["db", "upgrade", "--url", "notaurl"]) == 2
    err = capsys.readouterr().err
    assert "not a valid database URL" in err and "Traceback" not in err


def test_cli_reports_an_unreachable_server(capsys):
    assert main(["db", "current", "--url", "postgresql://nobody@127.0.0.1:1/none"]) == 2
    assert "cannot open the database" in capsys.readouterr().err


def test_migration_0003_turns_free_text_owners_into_users_and_keeps_every_row(engine):
    """From 0001 with data: each owner name (case and outer spaces aside) becomes one inactive user
    without a password, every row points at it, and no child row is lost while tables are rebuilt."""
    from alembic import command
    from sqlalchemy import text

    from crm_core.db.migrate import alembic_config

    command.downgrade(alembic_config(engine), "0002_idempotency_keys")
    assert current_revision(engine) == "0002_idempotency_keys"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (client_id, company_name, email, status, owner, payment_terms_days, created_at, "
                "updated_at, version) VALUES "
                "(1, 'A', 'a@x.es', 'active', 'Ana López', 30, '2026-01-01', '2026-01-01', 1), "
                "(2, 'B', 'b@x.es', 'active', ' ana lópez ', 30, '2026-01-01', '2026-01-01', 1), "
                "(3, 'C', 'c@x.es', 'active', 'Íñigo', 30, '2026-01-01', '2026-01-01', 1), "
                "(4, 'D', 'd@x.es', 'active', NULL, 30, '2026-01-01', '2026-01-01', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO contacts (contact_id, client_id, full_name, is_primary, is_billing) VALUES "
                "(1, 1, 'Eva', true, false), (2, 3, 'Luis', false, false)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO activities (activity_id, client_id, kind, title, occurred_at, owner, done) "
                "VALUES (1, 1, 'call', 'Hola', '2026-01-02', 'Marta', true)"
            )
        )
    upgrade(engine)
    assert current_revision(engine) == "0005"
    with engine.connect() as conn:
        users = conn.execute(
            text("SELECT user_id, email, display_name, active, password_hash FROM users ORDER BY display_name")
        ).all()
        owners = dict(conn.execute(text("SELECT client_id, owner_id FROM clients")).all())
        activity_owner = conn.execute(text("SELECT owner_id FROM activities")).scalar_one()
        contacts = conn.execute(text("SELECT COUNT(*) FROM contacts")).scalar_one()
    by_name = {u.display_name: u for u in users}
    assert sorted(by_name) == ["Ana López", "Marta", "Íñigo"]
    assert all(not u.active and u.password_hash is None for u in users)
    assert by_name["Íñigo"].email == "inigo@owners.invalid"
    assert owners == {1: by_name["Ana López"].user_id, 2: by_name["Ana López"].user_id, 3: by_name["Íñigo"].user_id, 4: None}
    assert activity_owner == by_name["Marta"].user_id
    assert contacts == 2
    assert _diff(engine) == []


def _invoice_rows(*numbers: str) -> str:
    values = ", ".join(f"({i}, 1, '{n}', '2026-01-01', '2026-01-31', 10, false, false)" for i, n in enumerate(numbers, 1))
    return f"INSERT INTO invoices (invoice_id, client_id, number, issue_date, due_date, total, credit_note, void) VALUES {values}"


def test_migration_0004_stops_on_numbers_differing_only_in_case_and_changes_nothing(engine, capsys):
    """F-1 and f-1 already stored: the upgrade names them and leaves the database as it was (a fiscal number
    is renamed by a person, not a migration); once renamed it runs, and the database refuses f-1 beside F-1."""
    import pytest
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from crm_core.db.migrate import alembic_config
    from crm_core.errors import SchemaUpgradeError
    from tests.conftest import database_hash

    command.downgrade(alembic_config(engine), "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (client_id, company_name, email, status, payment_terms_days, created_at, "
                "updated_at, version) VALUES (1, 'A', 'a@x.es', 'active', 30, '2026-01-01', '2026-01-01', 1)"
            )
        )
        conn.execute(text(_invoice_rows("F-1", "G-2", "f-1", "H-3", "F-1-b", "h-3")))
    before = database_hash(engine)
    with pytest.raises(SchemaUpgradeError) as err:
        upgrade(engine)
    assert err.value.code == "invoice_numbers_differ_in_case"
    assert err.value.params["groups"] == "F-1 (invoice 1) / f-1 (invoice 3); H-3 (invoice 4) / h-3 (invoice 6)"
    assert "rename one invoice of each group" in str(err.value)
    assert current_revision(engine) == "0003"
    assert database_hash(engine) == before
    # The command line says the same, without a traceback.
    url = engine.url.render_as_string(hide_password=False)
    assert main(["db", "upgrade", "--url", url]) == 1
    printed = capsys.readouterr().err
    assert "F-1 (invoice 1) / f-1 (invoice 3)" in printed and "Traceback" not in printed
    assert database_hash(engine) == before

    with engine.begin() as conn:
        conn.execute(text("UPDATE invoices SET number = 'f-1-bis' WHERE invoice_id = 3"))
        conn.execute(text("UPDATE invoices SET number = 'h-3-bis' WHERE invoice_id = 6"))
    upgrade(engine)
    assert current_revision(engine) == "0005"
    rival = _invoice_rows("g-2").replace("(1, 1,", "(9, 1,")
    with pytest.raises(IntegrityError, match="uq_invoices_number_lower"), engine.begin() as conn:
        conn.execute(text(rival))
    command.downgrade(alembic_config(engine), "0003")  # the downgrade drops the index again
    with engine.begin() as conn:
        conn.execute(text(rival))
        conn.execute(text("DELETE FROM invoices WHERE invoice_id = 9"))
    upgrade(engine)
    assert current_revision(engine) == "0005"


def test_upgrade_at_head_only_reads_the_revision(engine):
    """Every start calls upgrade: at the head it must not run Alembic nor SQLite's foreign-key check (a scan of
    every table, seconds on a large database); below the head it migrates as before."""
    from alembic import command
    from sqlalchemy import event

    from crm_core.db.migrate import alembic_config, head_revision

    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # noqa: ANN001, ANN202 - SQLAlchemy's listener signature
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        upgrade(engine)
        assert head_revision() == "0005"
        assert statements and all(
            s.lstrip().upper().startswith(("SELECT", "BEGIN", "PRAGMA MAIN.TABLE_INFO")) for s in statements
        )
        assert "BEGIN IMMEDIATE" not in statements  # a read: SQLite's write lock is not taken
        assert not any("foreign_key_check" in s or "INSERT" in s or "UPDATE" in s for s in statements)

        command.downgrade(alembic_config(engine), "0003")
        statements.clear()
        upgrade(engine)
        assert current_revision(engine) == "0005"
        assert any("uq_invoices_number_lower" in s for s in statements)
        if engine.dialect.name == "sqlite":
            assert any("foreign_key_check" in s for s in statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_migration_0005_adds_the_change_counters_on_postgresql_only_and_its_downgrade_drops_them(engine):
    """PostgreSQL: a counter per table, a statement trigger per table and event, no table rewritten (each
    keeps its file); the downgrade removes all of it. SQLite: nothing (its fingerprint counts rows)."""
    from alembic import command
    from sqlalchemy import text

    from crm_core.db.migrate import UNMODELLED_TABLES, alembic_config

    counted = ["activities", "clients", "contacts", "invoices", "opportunities", "opportunity_stage_history", "payments", "users"]
    if engine.dialect.name == "sqlite":
        assert not UNMODELLED_TABLES & set(inspect(engine).get_table_names())
        return

    def state() -> tuple[list[tuple[str, str]], list[str], list[str]]:
        with engine.connect() as conn:
            triggers = conn.execute(
                text(
                    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
                    "AND tgname IN ('note_changes', 'note_truncate', 'count_table_changes') ORDER BY 1, 2"
                )
            ).all()
            functions = conn.execute(text("SELECT proname FROM pg_proc WHERE proname LIKE 'crm_%' ORDER BY 1")).scalars().all()
            tables = sorted(set(inspect(conn).get_table_names()) & UNMODELLED_TABLES)
        return [tuple(t) for t in triggers], list(functions), tables

    def files() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(
                conn.execute(
                    text("SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(:names)"), {"names": counted}
                ).all()
            )

    triggers, functions, tables = state()
    assert triggers == sorted(
        [("table_changes_due", "count_table_changes")] + [(t, n) for t in counted for n in ("note_changes", "note_truncate")]
    )
    assert functions == ["crm_count_table_changes", "crm_note_table_change"]
    assert tables == ["table_changes", "table_changes_due"]
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT table_name FROM table_changes")).scalars()) == counted

    command.downgrade(alembic_config(engine), "0004")
    assert state() == ([], [], [])
    assert _diff(engine) == []
    before = files()
    upgrade(engine)
    assert current_revision(engine) == "0005"
    assert state() == (triggers, functions, tables)
    assert files() == before  # no table was rewritten
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM table_changes_due")).scalar_one() == 0  # nothing left pending
