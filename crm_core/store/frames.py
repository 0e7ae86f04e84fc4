"""Load every table into pandas frames, one query per table, for the analytics.

A SQLite file or a PostgreSQL database is read as Arrow through ADBC (crm_core.store.arrow) and
converted column by column in bulk; any other database, or an in-memory SQLite one, through
SQLAlchemy rows. Both readers give the same frames (same columns, dtypes and values).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, Float, String, case, cast, func, select, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from crm_core.config import business_timezone
from crm_core.db.models import (
    Activity,
    Base,
    Client,
    Contact,
    Invoice,
    Opportunity,
    Payment,
    StageChange,
)
from crm_core.memory import release_freed_memory
from crm_core.schemas import FIRST_DAY, LAST_DAY
from crm_core.store.arrow import arrow_backend, fits, read_table, select_sql

CLIENT_COLUMNS = [
    "client_id",
    "company_name",
    "email",
    "phone",
    "address",
    "tax_id",
    "status",
    "segment",
    "industry",
    "company_size",
    "region",
    "city",
    "website",
    "linkedin",
    "employees",
    "owner",
    "payment_terms_days",
    "created_at",
    "updated_at",
    "version",
]
CONTACT_COLUMNS = [
    "contact_id",
    "client_id",
    "full_name",
    "role",
    "email",
    "phone",
    "whatsapp",
    "is_primary",
    "is_billing",
    "last_interaction_at",
    "notes",
]
ACTIVITY_COLUMNS = [
    "activity_id",
    "client_id",
    "contact_id",
    "kind",
    "title",
    "description",
    "occurred_at",
    "duration_min",
    "owner",
    "done",
    "outcome",
    "follow_up_on",
]
OPPORTUNITY_COLUMNS = [
    "opportunity_id",
    "client_id",
    "contact_id",
    "name",
    "description",
    "amount",
    "stage",
    "probability",
    "expected_close",
    "closed_at",
    "won_amount",
    "lost_reason",
    "owner",
    "notes",
    "created_at",
    "version",
]
INVOICE_COLUMNS = ["invoice_id", "client_id", "number", "issue_date", "due_date", "total", "void", "credit_note"]
PAYMENT_COLUMNS = ["payment_id", "invoice_id", "paid_on", "amount", "method"]
STAGE_HISTORY_COLUMNS = ["change_id", "opportunity_id", "from_stage", "to_stage", "changed_at"]

_MONEY = {"total", "amount", "won_amount"}
_DATES = {"issue_date", "due_date", "paid_on", "expected_close", "closed_at", "follow_up_on"}
_TIMESTAMPS = {"created_at", "updated_at", "occurred_at", "last_interaction_at", "changed_at"}
_BOOLS = {"void", "credit_note", "done", "is_primary", "is_billing"}
_INTS = {
    "client_id",
    "activity_id",
    "opportunity_id",
    "invoice_id",
    "payment_id",
    "change_id",
    "payment_terms_days",
    "version",
    "probability",
}
_NULLABLE_INTS = {"contact_id", "employees", "duration_min"}
# Text columns kept as Arrow strings (pandas' `str` dtype: blanks are NaN) rather than Python str objects:
# distinct values in every row of a large table (two million invoice numbers at 100,000 clients), where
# one str object per cell cost over four times the Arrow buffers. Columns of a few repeated values keep
# their shared objects (lighter still), and the others stay objects so blanks stay None for every reader.
ARROW_TEXT = frozenset({"number"})
STR = pd.StringDtype("pyarrow", na_value=np.nan)


@dataclass(frozen=True)
class Frames:
    """One frame per table; dates are naive pandas datetimes in the business timezone."""

    clients: pd.DataFrame
    contacts: pd.DataFrame
    activities: pd.DataFrame
    opportunities: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    stage_history: pd.DataFrame

    @classmethod
    def empty(cls) -> Frames:
        """Frames with no rows but every column and dtype, so analytics run on an empty database unchanged."""
        return cls(**{f.name: _typed(pd.DataFrame(columns=COLUMNS[f.name])) for f in fields(cls)})


COLUMNS: dict[str, list[str]] = {
    "clients": CLIENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
    "activities": ACTIVITY_COLUMNS,
    "opportunities": OPPORTUNITY_COLUMNS,
    "invoices": INVOICE_COLUMNS,
    "payments": PAYMENT_COLUMNS,
    "stage_history": STAGE_HISTORY_COLUMNS,
}
TABLES: tuple[str, ...] = tuple(COLUMNS)  # the frame names, in load order
MODELS: dict[str, type[Base]] = {
    "clients": Client,
    "contacts": Contact,
    "activities": Activity,
    "opportunities": Opportunity,
    "invoices": Invoice,
    "payments": Payment,
    "stage_history": StageChange,
}


def _raw(column: ColumnElement, name: str) -> ColumnElement:
    """Skip per-row type processing: money as float, dates as driver values, parsed later in bulk."""
    if name in _MONEY:
        return cast(column, Float).label(name)
    if name in _DATES or name in _TIMESTAMPS:
        return type_coerce(column, String).label(name)
    return column.label(name)


# Stored dates outside the one date rule (crm_core.schemas.FIRST_DAY..LAST_DAY) are shown as missing.
_FIRST = pd.Timestamp(FIRST_DAY)
_AFTER_LAST = pd.Timestamp(LAST_DAY) + pd.Timedelta(days=1)
_log = logging.getLogger(__name__)
_reported: set[tuple[str, str]] = set()


def _report_out_of_range(table: str, column: str, count: int) -> None:
    """Log once per table and column that `count` stored dates were out of range and are shown as missing."""
    if count and (table, column) not in _reported:
        _reported.add((table, column))
        _log.warning(
            "%s.%s: %d stored date(s) outside %d-%d (or unreadable) are shown as missing; correct them in the database",
            table,
            column,
            count,
            FIRST_DAY.year,
            LAST_DAY.year,
        )


def _in_range(parsed: pd.Series, raw: pd.Series, table: str, column: str) -> pd.Series:
    """`parsed` with every value outside the date rule (or unparseable) set to NaT, reported once.

    Defence in depth: the schemas refuse such dates, but one row written by hand must not take
    every page down with pandas' OutOfBoundsDatetime.
    """
    naive = parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed
    bad = parsed.notna() & ((naive < _FIRST) | (naive >= _AFTER_LAST))
    lost = raw.notna() & parsed.isna()
    _report_out_of_range(table, column, int(bad.sum()) + int(lost.sum()))
    return parsed.mask(bad)


def _to_local_naive(series: pd.Series, table: str = "", column: str = "") -> pd.Series:
    if series.empty:
        return pd.Series(pd.to_datetime(series), dtype="datetime64[ns]", index=series.index)
    parsed = _in_range(pd.to_datetime(series, utc=True, format="mixed", errors="coerce"), series, table, column)
    return parsed.dt.tz_convert(business_timezone()).dt.tz_localize(None).astype("datetime64[ns]")


def _to_day(series: pd.Series, table: str = "", column: str = "") -> pd.Series:
    raw = series.astype("object")
    parsed = pd.to_datetime(raw, format="mixed", errors="coerce")
    if not parsed.empty:
        parsed = _in_range(parsed, raw, table, column)
    return parsed.astype("datetime64[ns]")


def _typed(df: pd.DataFrame, table: str = "") -> pd.DataFrame:
    for name in df.columns:
        if name in _MONEY:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
        elif name in _DATES:
            df[name] = _to_day(df[name], table, name)
        elif name in _TIMESTAMPS:
            df[name] = _to_local_naive(df[name], table, name)
        elif name in _BOOLS:
            df[name] = df[name].astype("bool")
        elif name in _INTS:
            df[name] = df[name].astype("int64")
        elif name in _NULLABLE_INTS:
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("Int64")
        elif name in ARROW_TEXT:
            df[name] = df[name].astype(STR)
        else:
            df[name] = df[name].astype("object")
    return df


def column_kind(name: str) -> str:
    """How a frame column is typed: "money", "date", "timestamp", "bool", "int", "nullable_int" or "text"."""
    if name in _MONEY:
        return "money"
    if name in _DATES:
        return "date"
    if name in _TIMESTAMPS:
        return "timestamp"
    if name in _BOOLS:
        return "bool"
    if name in _INTS:
        return "int"
    if name in _NULLABLE_INTS:
        return "nullable_int"
    return "text"


Reader = Literal["auto", "arrow", "sqlalchemy"]
_log = logging.getLogger(__name__)


def load_table(engine: Engine, name: str, reader: Reader = "auto", after: int | None = None) -> pd.DataFrame:
    """One table (a name of TABLES) as a typed frame, with one query; load_frames and the UI cache both use it.

    `reader` "auto" reads through Arrow where the database allows it (arrow_backend), else through
    SQLAlchemy; "arrow" or "sqlalchemy" force one (the equality test compares them).
    `after`: only the rows whose id (the first column) is greater, in the same types (see append_rows).
    The memory the conversion freed is then handed back to the system (crm_core.memory).
    """
    frame = _load(engine, name, reader, after)
    release_freed_memory()
    return frame


def _load(engine: Engine, name: str, reader: Reader, after: int | None) -> pd.DataFrame:
    if reader == "sqlalchemy" or (reader == "auto" and arrow_backend(engine) is None):
        return _load_rows(engine, name, after)
    if reader == "arrow":
        return _load_arrow(engine, name, after)
    try:
        return _load_arrow(engine, name, after)
    except Exception as error:  # noqa: BLE001 - a driver quirk must cost speed, not the page
        _log.warning("Arrow read of %s failed (%s); reading it through SQLAlchemy", name, error)
        return _load_rows(engine, name, after)


def append_rows(engine: Engine, name: str, loaded: pd.DataFrame, reader: Reader = "auto") -> pd.DataFrame | None:
    """Table `name` now, as `loaded` (its earlier full load) plus the rows added since, or None if unsure.

    For a table only inserted into since `loaded` (crm_core.store.versions.only_appended): the rows with
    an id above `loaded`'s highest are read through the same reader and appended, equal to a full
    load (`load_table`) in columns, dtypes, values and order. None (reload it whole) unless the table
    still holds exactly `loaded`'s count of rows up to that id and every other row is above it: an
    insert below the highest id (an import keeping a file's ids) or a delete is thereby refused.
    """
    key = COLUMNS[name][0]
    if loaded.empty or list(loaded.columns) != COLUMNS[name]:
        return None
    highest = int(loaded[key].iloc[-1])
    column = getattr(MODELS[name], key)
    counts = select(func.count(), func.count(case((column > highest, 1))))
    with engine.connect() as conn:
        total, above = conn.execution_options(crm_readonly=True).execute(counts.select_from(MODELS[name])).one()
    if int(total) - int(above) != len(loaded):
        return None
    if not above:
        return loaded
    added = load_table(engine, name, reader, after=highest)
    if len(added) != int(above) or not added.dtypes.equals(loaded.dtypes):
        return None
    return pd.concat([loaded, added], ignore_index=True)


def _load_arrow(engine: Engine, name: str, after: int | None = None) -> pd.DataFrame:
    backend = arrow_backend(engine)
    if backend is None:
        raise ValueError(f"{engine.url.get_backend_name()} databases cannot be read through Arrow here")
    args = (backend, MODELS[name].__tablename__, COLUMNS[name], column_kind, COLUMNS[name][0])
    if backend == "sqlite":
        table = read_table(engine, select_sql(*args, cast=False, after=after))
        if not fits(table, column_kind):
            table = read_table(engine, select_sql(*args, after=after))
    else:
        table = read_table(engine, select_sql(*args, after=after))
    return frame_from_arrow(table, COLUMNS[name], name)


def frame_from_arrow(table: pa.Table, columns: list[str], table_name: str = "") -> pd.DataFrame:
    """The typed frame of an Arrow result (as `select_sql` casts it), each column converted in one call."""
    return pd.DataFrame(
        {
            name: _column_from_arrow(
                _in_range_arrow(table.column(name), column_kind(name), table_name, name), column_kind(name), name in ARROW_TEXT
            )
            for name in columns
        }
    )


def _in_range_arrow(column: pa.ChunkedArray, kind: str, table: str, name: str) -> pa.ChunkedArray:
    """A date or timestamp column with every value outside the date rule set to null, reported once (as `_in_range`)."""
    if kind not in ("date", "timestamp"):
        return column
    if kind == "date" and not pa.types.is_date(column.type):
        column = column.cast(pa.string()).cast(pa.date32())
    if kind == "timestamp" and not pa.types.is_timestamp(column.type):
        column = column.cast(pa.string()).cast(pa.timestamp("us"))
    moments = column.cast(pa.timestamp("us")) if kind == "timestamp" else column.cast(pa.date32())
    if kind == "timestamp":
        zone = UTC if moments.type.tz is not None else None
        first = pa.scalar(_FIRST.to_pydatetime().replace(tzinfo=zone), type=moments.type)
        after_last = pa.scalar(_AFTER_LAST.to_pydatetime().replace(tzinfo=zone), type=moments.type)
    else:
        first, after_last = pa.scalar(FIRST_DAY, type=moments.type), pa.scalar(_AFTER_LAST.date(), type=moments.type)
    bad = pc.or_(pc.less(moments, first), pc.greater_equal(moments, after_last))
    count = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
    if not count:
        return moments
    _report_out_of_range(table, name, count)
    return pc.if_else(bad, pa.scalar(None, type=moments.type), moments)


def _column_from_arrow(
    column: pa.ChunkedArray, kind: str, arrow_text: bool = False
) -> np.ndarray | pd.Series | pd.api.extensions.ExtensionArray:
    if kind == "money":
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if kind == "int":
        return column.cast(pa.int64()).to_numpy(zero_copy_only=False)
    if kind == "bool":
        return column.cast(pa.int64()).fill_null(0).cast(pa.bool_()).to_numpy(zero_copy_only=False)
    if kind == "nullable_int":
        return column.cast(pa.int64()).to_pandas(types_mapper=lambda _t: pd.Int64Dtype()).array
    if kind == "date":
        if (
            pa.types.is_string(column.type)
            or pa.types.is_large_string(column.type)
            or pa.types.is_null(column.type)
            or pa.types.is_integer(column.type)
        ):
            column = column.cast(pa.string()).cast(pa.date32())  # SQLite: ISO 'YYYY-MM-DD' text
        return column.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    if kind == "timestamp":
        if not pa.types.is_timestamp(column.type):
            column = column.cast(pa.string()).cast(pa.timestamp("us"))  # SQLite: naive UTC text
        utc = pd.Series(column.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False), dtype="datetime64[us]")
        local = utc.dt.tz_localize("UTC").dt.tz_convert(business_timezone()).dt.tz_localize(None)
        return local.astype("datetime64[ns]").to_numpy()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    if arrow_text:  # Arrow strings (see ARROW_TEXT)
        return _owned_strings(column).to_pandas(types_mapper={pa.large_string(): STR}.get).array
    # An object Series: in a dict of plain arrays, pandas 3 would infer its own string dtype.
    return pd.Series(_text_objects(column), dtype="object", copy=False)


def _owned_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """The column as one chunk of large strings (pandas' storage) in buffers of its own.

    Copied, not viewed: on SQLite the read is a mapped file (crm_core.store.sqlite_worker), and a view
    of its strings would keep the whole file, every other column included, mapped for the frame's life.
    """
    chunks = [chunk.cast(pa.large_string()) for chunk in column.chunks]
    return pa.chunked_array([pa.concat_arrays(chunks) if chunks else pa.array([], pa.large_string())])


def _text_objects(column: pa.ChunkedArray) -> np.ndarray:
    """A text column as an object array of str (None where blank), one Python str per distinct value.

    Most text columns repeat a few values (an activity's kind, owner, outcome): building each distinct
    string once and repeating the reference is several times faster, and lighter, than one per cell.
    """
    if _mostly_distinct(column):  # names, emails, invoice numbers: one str per cell anyway
        return column.to_numpy(zero_copy_only=False)
    encoded = column.combine_chunks().dictionary_encode()
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    values = np.empty(len(distinct) + 1, dtype=object)  # the last one, None, for blanks
    values[:-1] = distinct
    codes = encoded.indices.fill_null(len(values) - 1).to_numpy(zero_copy_only=False)
    return values[codes]


TEXT_SAMPLE = 4096  # cells looked at to tell a column of repeated values from one of distinct ones


def _mostly_distinct(column: pa.ChunkedArray) -> bool:
    """Whether more than half of an evenly spread sample of the cells are distinct values.

    Hashing a whole column of distinct values (two million invoice numbers) only to find that out
    took longer than building the strings themselves.
    """
    rows = len(column)
    if rows <= TEXT_SAMPLE:
        sample = column
    else:
        sample = column.take(pa.array(np.linspace(0, rows - 1, TEXT_SAMPLE, dtype=np.int64)))
    return int(pc.count_distinct(sample).as_py()) > len(sample) // 2


def _load_rows(engine: Engine, name: str, after: int | None = None) -> pd.DataFrame:
    """The SQLAlchemy reader: every row (with an id above `after`) as a Python tuple (the fallback for other databases)."""
    model = MODELS[name]
    cols = [_raw(getattr(model, col), col) for col in COLUMNS[name]]
    pk = getattr(model, COLUMNS[name][0])
    query = select(*cols).order_by(pk)
    if after is not None:
        query = query.where(pk > after)
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        rows = conn.execute(query).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, ~10x slower on large tables.
    df = pd.DataFrame.from_records([tuple(row) for row in rows], columns=COLUMNS[name])
    return _typed(df, name)


def row_count(engine: Engine, name: str) -> int:
    """How many rows one table (a name of TABLES) holds, with one COUNT query."""
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        return int(conn.execute(select(func.count()).select_from(MODELS[name])).scalar_one())


def load_frames(url_or_engine: str | Engine, reader: Reader = "auto") -> Frames:
    """Every table of the database (an URL or an engine) as frames, one query per table, never one per client."""
    from crm_core.db.engine import get_engine

    engine = get_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
    return Frames(**gather_tables({name: functools.partial(load_table, engine, name, reader) for name in TABLES}))


T = TypeVar("T")

# The tables from the largest to the smallest in a usual portfolio: two loaders take them in this order,
# so the long reads start first and the short ones fill the gaps.
LARGEST_FIRST: tuple[str, ...] = ("invoices", "payments", "activities", "stage_history", "contacts", "clients", "opportunities")
LOADERS = 2  # tables loaded at once: the reads run in the database (or the SQLite reader processes), not under the GIL
_loaders = ThreadPoolExecutor(max_workers=LOADERS, thread_name_prefix="crm-frames")
_in_loader = threading.local()


def gather_tables(tasks: Mapping[str, Callable[[], T]]) -> dict[str, T]:
    """Run each table's loader, two at a time (largest tables first), and return their results by name.

    A table is read in the database (or a SQLite reader process) while another is converted here, so
    the seven tables of a large portfolio load in about half the time of one after the other. A single
    task, or a call from a loader thread itself, runs inline. An error in any loader is raised here.
    """
    if len(tasks) <= 1 or getattr(_in_loader, "active", False):
        return {name: task() for name, task in tasks.items()}

    def run(task: Callable[[], T]) -> T:
        _in_loader.active = True
        try:
            return task()
        finally:
            _in_loader.active = False

    order = sorted(tasks, key=lambda name: LARGEST_FIRST.index(name) if name in LARGEST_FIRST else len(LARGEST_FIRST))
    futures = {name: _loaders.submit(run, tasks[name]) for name in order}
    return {name: futures[name].result() for name in tasks}
