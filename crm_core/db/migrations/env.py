"""Alembic environment: uses the engine handed over by crm_core.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from crm_core.db import create_raw_engine
from crm_core.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_raw_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                # Two processes migrating the same database at once wait for each other.
                connection.execute(text("SELECT pg_advisory_xact_lock(727274)"))
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
