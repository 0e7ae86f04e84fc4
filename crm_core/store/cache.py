"""An in-process cache of the frames and of what is built on them, per table version, for faces without Streamlit.

The API (and any long-running process) keeps one `FrameCache` per database: each table's frame is
loaded once per generation (crm_core.store.versions), or only its new rows after a write that just
appended to it, and a derived value (the portfolio's health, the
client table) is built once per key and table generations, so a request never recomputes the
portfolio unless a table changed. Writes by this process are told with `wrote`; writes by another
process are noticed through the table fingerprints, at most once per `recheck_seconds`.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine

from crm_core.store.fingerprints import table_fingerprints
from crm_core.store.frames import TABLES, Frames, append_rows, gather_tables, load_table
from crm_core.store.versions import Generations, TableVersions

T = TypeVar("T")

DERIVED_ENTRIES = 8  # derived values kept (a few as-of dates of health and the client table)


class FrameCache:
    """Frames and derived values of one database, rebuilt only when a table's generation changes (thread-safe)."""

    def __init__(self, engine: Engine, recheck_seconds: float | None = None) -> None:
        self.engine = engine
        self.versions = TableVersions(lambda: table_fingerprints(engine), recheck_seconds=recheck_seconds)
        self._tables: dict[str, tuple[int, pd.DataFrame]] = {}
        self._derived: OrderedDict[Hashable, tuple[Generations, Any]] = OrderedDict()
        # One builder at a time: concurrent first requests wait for one build instead of each making one.
        self._build = threading.RLock()

    def generations(self) -> Generations:
        """Every table's current generation (reads the fingerprints at most once per recheck period)."""
        return self.versions.current()

    def frames(self, generations: Generations | None = None) -> Frames:
        """Every table as typed frames at `generations` (current if None); a table is reloaded only when its generation moved."""
        current = self.generations() if generations is None else generations
        with self._build:
            stale = {name: gen for name, gen in zip(TABLES, current, strict=True) if self._tables.get(name, (None,))[0] != gen}
            fresh = gather_tables({name: functools.partial(self._reload, name, gen) for name, gen in stale.items()})
            for name, gen in stale.items():
                self._tables[name] = (gen, fresh[name])
            return Frames(**{name: self._tables[name][1] for name in TABLES})

    def _reload(self, name: str, gen: int) -> pd.DataFrame:
        """Table `name` at `gen`: the cached frame plus the rows appended since, or loaded whole."""
        cached = self._tables.get(name)
        if cached is not None and self.versions.only_appended(name, cached[0], gen):
            frame = append_rows(self.engine, name, cached[1])  # None: not sure, reload it whole
            if frame is not None:
                return frame
        return load_table(self.engine, name)

    def derived(self, key: Hashable, build: Callable[[Frames], T]) -> T:
        """`build(frames)` for `key`, computed once per key and table generations (the last DERIVED_ENTRIES kept)."""
        current = self.generations()
        hit = self._derived.get(key)
        if hit is not None and hit[0] == current:
            return hit[1]
        with self._build:
            hit = self._derived.get(key)
            if hit is not None and hit[0] == current:
                return hit[1]
            value = build(self.frames(current))
            self._derived[key] = (current, value)
            self._derived.move_to_end(key)
            while len(self._derived) > DERIVED_ENTRIES:
                self._derived.popitem(last=False)
            return value

    def wrote(self, tables: Iterable[str] = TABLES, appended: Iterable[str] = ()) -> None:
        """After a committed write of `tables` by this process: they (and everything derived) reload on next use.

        `appended`: those only inserted into, of which just the new rows are loaded (frames.append_rows).
        """
        self.versions.wrote(tables, appended)
