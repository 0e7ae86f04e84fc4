"""Read a SQLite file as Arrow in a separate process, the only SQLite library loaded there.

The ADBC SQLite driver carries its own copy of SQLite. Two copies in one process do not see each
other's locks and WAL index: checked here, after the app (Python's sqlite3) committed a row, a read
through ADBC in the same process kept returning the old rows, and SQLite's documentation warns that
such a process can corrupt the file. So the app reads SQLite through ADBC only in this worker, which
writes the result as an Arrow IPC file into shared memory (/dev/shm when it has room, else the temp
folder) that the app maps without copying (no Python object per cell on either side).

The worker is this file run as a script (it imports only pyarrow and the driver), one per app
process, started at the first read; it answers one JSON line per request on stdin and exits when
stdin closes, so it never outlives the app, however the app ends.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from typing import IO, Any

import pyarrow as pa

SHARED_MEMORY = "/dev/shm"
SHARED_MEMORY_MIN_FREE = 2 << 30  # bytes free in /dev/shm to use it (a container's may hold only 64 MB)

_lock = threading.Lock()
_worker: subprocess.Popen[str] | None = None


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


def serve(requests: IO[str], replies: IO[str]) -> None:
    """(In the worker) answer each request line ({path, sql, batch_rows, target}) with {"error": None or text}."""
    for line in requests:  # ends when the app closes the pipe or dies
        error: str | None = None
        try:
            read_into(**json.loads(line))
        except Exception as exc:  # noqa: BLE001 - reported to the app, which falls back to SQLAlchemy
            error = f"{type(exc).__name__}: {exc}"
        replies.write(json.dumps({"error": error}) + "\n")
        replies.flush()


def _started() -> subprocess.Popen[str]:
    global _worker
    if _worker is None or _worker.poll() is not None:
        _worker = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
    return _worker


def prestart() -> None:
    """Start the worker now (it imports pyarrow and the driver: a second or more on a busy machine),
    so its start overlaps the app's own start instead of delaying the first table read."""
    with _lock:
        _started()


def read_sqlite(path: str, sql: str, batch_rows: int) -> pa.Table:
    """The result of `sql` on the SQLite file `path` as an Arrow table, read in the worker process."""
    global _worker
    handle, target = tempfile.mkstemp(prefix="crm-arrow-", suffix=".arrow", dir=scratch_folder())
    os.close(handle)
    try:
        request: dict[str, Any] = {"path": path, "sql": sql, "batch_rows": batch_rows, "target": target}
        with _lock:  # one request at a time per worker
            worker = _started()
            assert worker.stdin is not None and worker.stdout is not None
            try:
                worker.stdin.write(json.dumps(request) + "\n")
                worker.stdin.flush()
                line = worker.stdout.readline()
            except OSError:
                line = ""
            if not line:
                _worker = None  # it died: the next read starts another
                raise RuntimeError("the SQLite reader process exited")
        error = json.loads(line)["error"]
        if error:
            raise RuntimeError(f"SQLite read failed: {error}")
        # Mapped, not read: the columns point into the file's pages, which outlive its name.
        return pa.ipc.open_file(pa.memory_map(target)).read_all()
    finally:
        os.unlink(target)


def shutdown() -> None:
    """Stop the worker process (the next read starts another)."""
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is not None and worker.stdin is not None:
        worker.stdin.close()
        worker.wait(timeout=10)


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
