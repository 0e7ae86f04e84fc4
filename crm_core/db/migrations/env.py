"""Alembic environment: uses the engine handed over by crm_core.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from crm_core.db import create_raw_engine
from crm_core.db.migrate import modelled
from crm_core.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_raw_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration copies a table and drops the old one; with foreign keys on, that DROP
            # would delete every child row through ON DELETE CASCADE (SQLite's own ALTER procedure
            # switches them off the same way, outside the transaction).
            _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            _migrate(connection)
        finally:
            if sqlite:
                _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    """Run a PRAGMA on the driver connection (outside any transaction, where SQLite honours it)."""
    connection.connection.dbapi_connection.execute(pragma)  # type: ignore[union-attr]


def _migrate(connection: Connection) -> None:
    """Every pending revision in one transaction."""
    with connection.begin():
        if connection.dialect.name == "postgresql":
            # Two processes migrating the same database at once wait for each other.
            connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=modelled,
        )
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows pointing at nothing: {broken[:5]}")


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
