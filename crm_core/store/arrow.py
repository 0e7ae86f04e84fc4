"""Read one table as Arrow through an ADBC driver (SQLite file, PostgreSQL): no Python object per cell.

At 100,000 clients the seven tables hold about 5.8 million rows; read as SQLAlchemy rows they take
over 20 s, read as Arrow a few seconds. The query casts each column to one wire type (SQLite keeps
whole amounts as INTEGER and others as REAL in the same column; PostgreSQL's NUMERIC would arrive
as text), and crm_core.store.frames converts the result to the usual dtypes in bulk.
`arrow_backend` is None for any other database, and the caller keeps the SQLAlchemy reader.
SQLite is read in a worker process (crm_core.store.sqlite_worker says why), PostgreSQL in this one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyarrow as pa
from sqlalchemy import Engine

# SQLite decides a column's Arrow type from the first rows of a batch; a long run of NULLs (an
# optional field left blank by the first thousands of clients) would otherwise fix a wrong type.
SQLITE_BATCH_ROWS = 1 << 24  # one batch for any table this app holds

ColumnKind = Callable[[str], str]  # column name -> one of "money", "date", "timestamp", "bool", "int", "text"


def arrow_backend(engine: Engine) -> str | None:
    """ "sqlite" or "postgresql" when this engine's database can be read through ADBC, else None.

    An in-memory SQLite database lives in its engine's own connection, which ADBC cannot see.
    """
    url = engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return "sqlite" if _importable("adbc_driver_sqlite") else None
    if backend == "postgresql":
        return "postgresql" if _importable("adbc_driver_postgresql") else None
    return None


def _importable(module: str) -> bool:
    try:
        __import__(f"{module}.dbapi")
    except ImportError:
        return False
    return True


def read_table(engine: Engine, sql: str) -> pa.Table:
    """The whole result of `sql` (see `select_sql`) on the engine's database as an Arrow table."""
    backend = arrow_backend(engine)
    if backend == "sqlite":
        from crm_core.store.sqlite_worker import read_sqlite

        return read_sqlite(str(engine.url.database), sql, SQLITE_BATCH_ROWS)
    if backend == "postgresql":
        import adbc_driver_postgresql.dbapi

        with adbc_driver_postgresql.dbapi.connect(libpq_uri(engine)) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetch_arrow_table()
    raise ValueError(f"{engine.url.get_backend_name()} databases cannot be read through Arrow here")


def libpq_uri(engine: Engine) -> str:
    """The engine's PostgreSQL URL as libpq reads it (no SQLAlchemy driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def select_sql(backend: str, table: str, columns: Iterable[str], kind: ColumnKind, order_by: str, cast: bool = True) -> str:
    """SELECT of `columns` with each cast to the one type its kind arrives as on `backend`.

    SQLite: money REAL, dates and timestamps TEXT (ISO, parsed in bulk), the rest as stored.
    PostgreSQL: money float8 (NUMERIC would come as text), dates and timestamps native Arrow types.
    `cast=False` on SQLite selects the columns as stored: the CASTs cost about 40 % of the read of a
    large table, and the declared affinities already give one type per column in a sound file
    (`fits` checks the result; a column that does not fit is read again with the CASTs).
    """
    parts = []
    for name in columns:
        column = _quoted(name)
        k = kind(name)
        if backend == "sqlite" and not cast:
            parts.append(column)
        elif k == "money":
            parts.append(f"CAST({column} AS {'REAL' if backend == 'sqlite' else 'DOUBLE PRECISION'}) AS {column}")
        elif k in ("date", "timestamp", "text") and backend == "sqlite":
            parts.append(f"CAST({column} AS TEXT) AS {column}")
        elif k in ("int", "bool") and backend == "sqlite":
            parts.append(f"CAST({column} AS INTEGER) AS {column}")
        else:
            parts.append(column)
    return f"SELECT {', '.join(parts)} FROM {_quoted(table)} ORDER BY {_quoted(order_by)}"


def fits(table: pa.Table, kind: ColumnKind) -> bool:
    """Whether every column of an uncast SQLite result has the wire type its kind arrives as with the CASTs.

    The SQLite driver types a column by its values: numbers stored as INTEGER in a money column come
    as int64 (exact as float), blanks alone as int64 or null; a column mixing storage classes (text
    in a money column, say) comes as text, and only SQLite's own CAST gives what the other reader
    gives there.
    """
    for name, column in zip(table.column_names, table.columns, strict=True):
        k, kind_type = kind(name), column.type
        blank = pa.types.is_null(kind_type) or column.null_count == len(column)
        if k == "money":
            ok = pa.types.is_float64(kind_type) or pa.types.is_int64(kind_type) or blank
        elif k in ("int", "bool", "nullable_int"):
            ok = pa.types.is_int64(kind_type) or blank
        else:
            ok = pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type) or blank
        if not ok:
            return False
    return True


def _quoted(identifier: str) -> str:
    if not identifier.replace("_", "").isalnum():
        raise ValueError(f"not a plain identifier: {identifier!r}")
    return f'"{identifier}"'
