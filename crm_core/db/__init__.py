"""The data layer: engine and transactions (`engine`), ORM tables (`models`), column types, migrations."""

from crm_core.config import default_url
from crm_core.db.engine import (
    create_raw_engine,
    dispose_engines,
    get_engine,
    read_session,
    write_session,
)

__all__ = ["create_raw_engine", "default_url", "dispose_engines", "get_engine", "read_session", "write_session"]
