"""Read a SQLite file as Arrow in a separate process, the only SQLite library loaded there.

The ADBC SQLite driver carries its own copy of SQLite. Two copies in one process do not see each
other's locks and WAL index: checked here, after the app (Python's sqlite3) committed a row, a read
through ADBC in the same process kept returning the old rows, and SQLite's documentation warns that
such a process can corrupt the file. So the app reads SQLite through ADBC only in this worker, which
writes the result as an Arrow IPC file into shared memory (/dev/shm when it has room, else the temp
folder) that the app maps without copying (no Python object per cell on either side).

The worker is this file run as a script (it imports only pyarrow and the driver); an app process
keeps up to WORKERS of them (one per core, at most two), started at the first read, so two tables
are read at once while the app converts a third. Each answers one JSON line per request on stdin and
exits when stdin closes, so it never outlives the app, however the app ends.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from typing import IO, Any

import pyarrow as pa

SHARED_MEMORY = "/dev/shm"
SHARED_MEMORY_MIN_FREE = 2 << 30  # bytes free in /dev/shm to use it (a container's may hold only 64 MB)

# Reads at once: one per core up to two (a third would only share the two cores with the app's conversion).
WORKERS = max(1, min(2, os.cpu_count() or 1))

_lock = threading.Lock()  # guards _idle's filling
_idle: queue.Queue[subprocess.Popen[str] | None] = queue.Queue()  # workers free for a request (None: not started yet)
_all: list[subprocess.Popen[str]] = []  # every worker started and not shut down
_filled = False


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


def _start() -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, __file__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    with _lock:
        _all[:] = [w for w in _all if w.poll() is None]  # forget the dead
        _all.append(worker)
    return worker


def _fill() -> None:
    """Put WORKERS slots in the idle queue once (each starts its worker when first taken)."""
    global _filled
    with _lock:
        if not _filled:
            for _ in range(WORKERS):
                _idle.put(None)
            _filled = True


def _take() -> subprocess.Popen[str]:
    """A free worker, started if needed (waits while every worker is reading)."""
    _fill()
    worker = _idle.get()
    if worker is None or worker.poll() is not None:
        try:
            worker = _start()
        except BaseException:
            _idle.put(None)
            raise
    return worker


def prestart() -> None:
    """Start every worker now (each imports pyarrow and the driver: a second or more on a busy machine),
    so their start overlaps the app's own start instead of delaying the first table reads."""
    taken = [_take() for _ in range(WORKERS)]
    for worker in taken:
        _idle.put(worker)


def read_sqlite(path: str, sql: str, batch_rows: int) -> pa.Table:
    """The result of `sql` on the SQLite file `path` as an Arrow table, read in a worker process.

    Thread-safe: concurrent calls are served by different workers, or wait for one.
    """
    handle, target = tempfile.mkstemp(prefix="crm-arrow-", suffix=".arrow", dir=scratch_folder())
    os.close(handle)
    try:
        request: dict[str, Any] = {"path": path, "sql": sql, "batch_rows": batch_rows, "target": target}
        worker = _take()
        alive = True
        try:
            assert worker.stdin is not None and worker.stdout is not None
            try:
                worker.stdin.write(json.dumps(request) + "\n")
                worker.stdin.flush()
                line = worker.stdout.readline()
            except OSError:
                line = ""
            if not line:
                alive = False  # it died: the slot starts another at the next read
                raise RuntimeError("the SQLite reader process exited")
        finally:
            _idle.put(worker if alive else None)
        error = json.loads(line)["error"]
        if error:
            raise RuntimeError(f"SQLite read failed: {error}")
        # Mapped, not read: the columns point into the file's pages, which outlive its name.
        return pa.ipc.open_file(pa.memory_map(target)).read_all()
    finally:
        os.unlink(target)


def shutdown() -> None:
    """Stop every worker process (the next read starts others)."""
    global _filled
    with _lock:
        workers, _all[:] = list(_all), []
        while not _idle.empty():
            _idle.get_nowait()
        _filled = False
    for worker in workers:
        if worker.stdin is not None:
            worker.stdin.close()
        worker.wait(timeout=10)


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
