"""The schema comes from Alembic migrations, and matches the ORM models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from crm_core.cli import main
from crm_core.db import create_raw_engine
from crm_core.db.migrate import current_revision, upgrade
from crm_core.db.models import Base


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(ctx, Base.metadata)


def test_upgraded_schema_equals_models(engine):
    assert current_revision(engine) == "0002_idempotency_keys"
    assert _diff(engine) == []


def test_upgrade_on_empty_sqlite_file_and_idempotent(tmp_path: Path):
    engine = create_raw_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert inspect(engine).get_table_names() == []
    upgrade(engine)
    upgrade(engine)
    names = set(inspect(engine).get_table_names())
    assert {"clients", "contacts", "activities", "opportunities", "opportunity_stage_history",
            "invoices", "payments", "idempotency_keys", "alembic_version"} == names
    assert _diff(engine) == []


def test_cli_db_upgrade(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert main(["db", "upgrade", "--url", url]) == 0
    assert "0002_idempotency_keys" in capsys.readouterr().out
    assert current_revision(create_raw_engine(url)) == "0002_idempotency_keys"


def test_indexes_on_client_ids_and_dates(engine):
    insp = inspect(engine)
    indexed = {
        table: {col for ix in insp.get_indexes(table) for col in ix["column_names"]}
        for table in insp.get_table_names()
    }
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
