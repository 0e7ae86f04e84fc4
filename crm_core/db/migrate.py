"""Alembic wiring: run the packaged migrations against an engine."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Tables of the database's own bookkeeping, outside the ORM models: the change counters that revision 0005
# adds on PostgreSQL (crm_core.store.fingerprints reads them). A schema comparison leaves them out.
UNMODELLED_TABLES = frozenset({"table_changes", "table_changes_due"})


def modelled(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's `include_object` hook: everything but UNMODELLED_TABLES (and what belongs to them)."""
    table = getattr(obj, "table", None)
    owner = name if type_ == "table" else getattr(table, "name", None)
    return owner not in UNMODELLED_TABLES


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option(
            "sqlalchemy.url",
            engine.url.render_as_string(hide_password=False).replace("%", "%%"),
        )
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (idempotent).

    A database already at the head is only read (its alembic_version): Alembic's run, and the
    foreign-key check after a SQLite migration (a scan of every table: about 7 s at 100,000
    clients), happen only when there is something to migrate. Every app, API and CLI start calls this.
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return
    command.upgrade(alembic_config(engine), revision)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision of the packaged migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:  # a read: on SQLite a deferred BEGIN, never the write lock
        return MigrationContext.configure(conn.execution_options(crm_readonly=True)).get_current_revision()
