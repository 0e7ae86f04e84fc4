"""Read a SQLite file as Arrow in a separate process, the only SQLite library loaded there.

The ADBC SQLite driver carries its own copy of SQLite. Two copies in one process do not see each
other's locks and WAL index: checked here, after the app (Python's sqlite3) committed a row, a read
through ADBC in the same process kept returning the old rows, and SQLite's documentation warns that
such a process can corrupt the file. So the app reads SQLite through ADBC only in this worker and
receives the result as an Arrow IPC stream (no Python object per cell on either side).
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pyarrow as pa

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def read_ipc(path: str, sql: str, batch_rows: int) -> bytes:
    """(In the worker) run `sql` on the SQLite file `path` through ADBC; the result as Arrow IPC stream bytes."""
    import adbc_driver_sqlite.dbapi

    with adbc_driver_sqlite.dbapi.connect(path) as conn, conn.cursor() as cursor:
        # SQLite types a column from the first rows of a batch: one batch, so a long run of blanks cannot mislead it.
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def read_sqlite(path: str, sql: str, batch_rows: int) -> pa.Table:
    """The result of `sql` on the SQLite file `path` as an Arrow table, read in the worker process."""
    global _pool
    try:
        data = _executor().submit(read_ipc, path, sql, batch_rows).result()
    except BrokenProcessPool:
        with _lock:
            _pool = None  # a killed worker: the next read starts a new one
        raise
    return pa.ipc.open_stream(data).read_all()


def shutdown() -> None:
    """Stop the worker process (it is started again by the next read)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
