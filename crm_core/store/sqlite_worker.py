"""Read a SQLite file as Arrow in a separate process, the only SQLite library loaded there.

The ADBC SQLite driver carries its own copy of SQLite. Two copies in one process do not see each
other's locks and WAL index: checked here, after the app (Python's sqlite3) committed a row, a read
through ADBC in the same process kept returning the old rows, and SQLite's documentation warns that
such a process can corrupt the file. So the app reads SQLite through ADBC only in this worker, which
writes the result as an Arrow IPC file into shared memory (/dev/shm when it has room, else the temp
folder) that the app maps without copying (no Python object per cell on either side).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pyarrow as pa

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
SHARED_MEMORY = "/dev/shm"
SHARED_MEMORY_MIN_FREE = 2 << 30  # bytes free in /dev/shm to use it (a container's may hold only 64 MB)


def scratch_folder() -> str:
    """Where the worker writes a result: shared memory when it has room, else the temp folder."""
    try:
        stats = os.statvfs(SHARED_MEMORY)
    except OSError:
        return tempfile.gettempdir()
    free = stats.f_bavail * stats.f_frsize
    return SHARED_MEMORY if free >= SHARED_MEMORY_MIN_FREE and os.access(SHARED_MEMORY, os.W_OK) else tempfile.gettempdir()


def read_into(path: str, sql: str, batch_rows: int, target: str) -> None:
    """(In the worker) run `sql` on the SQLite file `path` through ADBC; write the result as an Arrow IPC file."""
    import adbc_driver_sqlite.dbapi

    with adbc_driver_sqlite.dbapi.connect(path) as conn, conn.cursor() as cursor:
        # SQLite types a column from the first rows of a batch: one batch, so a long run of blanks cannot mislead it.
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
    with pa.OSFile(target, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def read_sqlite(path: str, sql: str, batch_rows: int) -> pa.Table:
    """The result of `sql` on the SQLite file `path` as an Arrow table, read in the worker process."""
    global _pool
    handle, target = tempfile.mkstemp(prefix="crm-arrow-", suffix=".arrow", dir=scratch_folder())
    os.close(handle)
    try:
        try:
            _executor().submit(read_into, path, sql, batch_rows, target).result()
        except BrokenProcessPool:
            with _lock:
                _pool = None  # a killed worker: the next read starts a new one
            raise
        # Mapped, not read: the columns point into the file's pages, which outlive its name.
        return pa.ipc.open_file(pa.memory_map(target)).read_all()
    finally:
        os.unlink(target)


def shutdown() -> None:
    """Stop the worker process (it is started again by the next read)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
