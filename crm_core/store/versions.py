"""Per-table generations of one database's cached frames, so a write reloads only the tables it touched.

A cache keys each table's frame on its generation. Writes made through this server bump the tables
they declare. Writes by another process (the CLI, a second server) are noticed by comparing the
tables' fingerprints, read at most once per `recheck_seconds` (longer when the read itself is slow,
see SLOW_READ_FACTOR). With PostgreSQL's change counters (crm_core.store.fingerprints.exact) a change
this server did not make bumps just the tables whose counter moved; with fingerprints counted from the
rows it bumps every table, since such a writer may also have touched tables whose fingerprint cannot show it.
With `background` (the Streamlit server), a re-read after a slow one runs in a thread instead of
holding the page that found it due. A write that only inserted rows into a table (`wrote(...,
appended=...)`) is remembered, so a cache may load just the new rows (`only_appended`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from crm_core.store.fingerprints import Fingerprints, exact
from crm_core.store.frames import TABLES

# How long one fingerprint read serves: the several cached reads of one rerun share it.
RECHECK_SECONDS = 1.0
# A slow fingerprint read (COUNTs of the big tables, where the database keeps no change counters: on
# PostgreSQL without them 1-3 s at 100,000 clients on a busy machine; with them about 1 ms)
# serves this many times its own duration, so it takes at most about a tenth of the time; reads under
# SLOW_READ_SECONDS keep RECHECK_SECONDS. Writes by this server are seen at once either way (`wrote`).
SLOW_READ_SECONDS = 0.25
SLOW_READ_FACTOR = 10.0

Generations = tuple[int, ...]  # one per name of TABLES, in that order


class TableVersions:
    """The current generation of every table of one database (thread-safe: sessions run in threads)."""

    def __init__(
        self,
        fingerprints: Callable[[], Fingerprints],
        retire: Callable[[str, int], None] = lambda _name, _generation: None,
        recheck_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        start: int | None = None,
        background: bool = False,
    ) -> None:
        self._fingerprints = fingerprints
        self._retire = retire  # told (table, old generation) when a generation is replaced
        self._recheck_seconds = recheck_seconds  # None: RECHECK_SECONDS, read at each call
        self._clock = clock
        self._lock = threading.Lock()
        # Unique per instance unless given: entries cached under an earlier registry's generations
        # (st.cache_resource cleared without st.cache_data) can never be taken for current ones.
        self._generations = dict.fromkeys(TABLES, time.time_ns() if start is None else start)
        # Per table, the earliest generation from which every later one came from appends only (None: none).
        self._append_base: dict[str, int | None] = dict.fromkeys(TABLES)
        self._seen: Fingerprints | None = None
        self._checked_at: float | None = None
        self._read_seconds = 0.0  # how long the last fingerprint read took (by the clock given)
        self._written: set[str] = set()  # tables this server wrote since the last fingerprint read
        # With `background`, a due re-read after a slow one runs in a thread and `current` answers at
        # once with the generations known (a server's pages never wait seconds for the COUNTs of a
        # large PostgreSQL database); a change made elsewhere then shows one run later.
        self._background = background
        self._reading = False  # a background read is under way
        self._write_epoch = 0  # counts `wrote` calls, so a read that overlapped a write keeps it as ours

    def current(self) -> Generations:
        """Every table's generation, after reading the fingerprints if the last read is too old."""
        retired: list[tuple[str, int]] = []
        with self._lock:
            now = self._clock()
            recheck = RECHECK_SECONDS if self._recheck_seconds is None else self._recheck_seconds
            if recheck > 0 and self._read_seconds >= SLOW_READ_SECONDS:  # 0: read every time
                recheck = max(recheck, SLOW_READ_FACTOR * self._read_seconds)
            due = self._checked_at is None or now - self._checked_at >= recheck
            if due and self._background and self._seen is not None and self._read_seconds >= SLOW_READ_SECONDS:
                if not self._reading:
                    self._reading = True
                    threading.Thread(target=self._read_later, args=(now, self._write_epoch), daemon=True).start()
            elif due:
                prints = self._fingerprints()
                self._read_seconds = self._clock() - now
                retired = self._apply(prints, now, self._write_epoch)
            generations = tuple(self._generations[name] for name in TABLES)
        self._retire_all(retired)
        return generations

    def _read_later(self, started: float, epoch: int) -> None:
        """(In a thread) read the fingerprints and apply them, as `current` does in the foreground."""
        retired: list[tuple[str, int]] = []
        try:
            prints = self._fingerprints()
        except Exception:  # noqa: BLE001 - a failed read is retried at the next due time
            with self._lock:
                self._reading, self._checked_at = False, started
            return
        with self._lock:
            self._read_seconds = self._clock() - started
            retired = self._apply(prints, started, epoch)
            self._reading = False
        self._retire_all(retired)

    def _apply(self, prints: Fingerprints, started: float, epoch: int) -> list[tuple[str, int]]:
        """Take a fingerprint read begun at `started` (clock) when `epoch` writes had been told (lock held)."""
        retired: list[tuple[str, int]] = []
        if self._seen is not None:
            changed = {name for name in TABLES if prints.get(name) != self._seen.get(name)}
            if exact(prints) and exact(self._seen):  # counters: an unchanged table was not written
                retired = self._bump(changed - self._written)
            elif changed - self._written:
                retired = self._bump(TABLES)
        self._seen, self._checked_at = prints, started
        if epoch == self._write_epoch:
            self._written.clear()
        else:  # a write landed during the read: it may be missing from `prints`; read again soon
            self._checked_at = None
        return retired

    def wrote(self, tables: Iterable[str], appended: Iterable[str] = ()) -> None:
        """Record a committed write of `tables` by this server: they reload on their next read.

        `appended`: those of `tables` the write only inserted rows into (see `only_appended`).
        """
        names, appends = set(tables), set(appended)
        unknown = (names | appends) - set(TABLES)
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        if not appends <= names:
            raise ValueError(f"appended tables not written: {sorted(appends - names)}")
        with self._lock:
            retired = self._bump(names, appends)
            self._written |= names
            self._write_epoch += 1
            self._checked_at = None  # the next read sees the write's fingerprint as ours
        self._retire_all(retired)

    def only_appended(self, name: str, old: int, new: int) -> bool:
        """Whether every write of table `name` from generation `old` to `new` only inserted rows (told by `wrote`).

        False after any other write, a change noticed from another process, or for generations not seen.
        """
        with self._lock:
            base = self._append_base[name]
            return base is not None and base <= old < new <= self._generations[name]

    def _bump(self, names: Iterable[str], appended: Iterable[str] = ()) -> list[tuple[str, int]]:
        """Move `names` to their next generation (lock held); `appended` ones keep their chain of appends."""
        appends = set(appended)
        retired = []
        for name in names:
            old = self._generations[name]
            retired.append((name, old))
            self._generations[name] = old + 1
            if name not in appends:
                self._append_base[name] = None
            elif self._append_base[name] is None:
                self._append_base[name] = old
        return retired

    def _retire_all(self, retired: list[tuple[str, int]]) -> None:
        for name, generation in retired:
            self._retire(name, generation)
