"""Cached engine, per-table frames and health; a write reloads only the tables it touched.

Each table's frame is cached under its generation (crm_core.store.versions), shared by every
session of this server. A write through the UI bumps the tables it declares (crm_core.store.writes),
so the next render reloads those (only the new rows of a table a write just appended to) and reuses the others. Health (and every view built on it) is
keyed by every table's generation, so it is recomputed after any write, from the cached frames;
a view that reads fewer tables is keyed by just theirs (ui.views). Writes by another process are
noticed through a fingerprint query (crm_core.store.fingerprints: PostgreSQL's change counters, or row
counts elsewhere), at most once a second per server.

Frames, health and the views built on them are cached with `shared` (st.cache_resource handing out
copy-on-write shallow copies), not st.cache_data: a cache_data hit unpickles a full copy, which at
100,000 clients costs seconds per rerun for the seven tables alone.

What a signed-in rep sees is cut here, once, by crm_core.auth.scope: frames and health are
cached for the whole portfolio and cut to the viewer's clients (`owner`, the rep's user id, or
None for everything) on the way out; every cached view is keyed by that owner too.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, ParamSpec, Protocol, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core.analytics import memo
from crm_core.auth.scope import Scope, scope_frames, scope_rows, visible_client_ids
from crm_core.db import get_engine
from crm_core.store.arrow import arrow_backend
from crm_core.store.fingerprints import table_fingerprints
from crm_core.store.frames import TABLES, Frames, append_rows, gather_tables, load_table, row_count
from crm_core.store.versions import Generations, TableVersions
from crm_core.store.writes import EVERY_TABLE
from crm_core.views.health import health_table

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

_SHARED: list[Any] = []  # every `shared` cache, emptied by clear()


def handout(value: R) -> R:
    """`value` with every frame in it (alone, in Frames or a dataclass, dict, list or tuple) a shallow copy.

    pandas 3 copies on write: a caller that adds a column to or assigns into its copy changes only its
    copy, never the cached frame, and the shallow copy itself costs microseconds whatever the size.
    """
    result: R = _handout(value)
    return result


def _handout(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _handout(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    if isinstance(value, dict):
        return {key: _handout(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_handout(item) for item in value)
    return value


class SharedCache(Protocol[P, R_co]):
    """A `shared` cached function: called like the function, `.clear(*args)` forgets one entry (no args: all)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

    def clear(self, *args: Any, **kwargs: Any) -> None: ...


def shared(max_entries: int) -> Callable[[Callable[P, R]], SharedCache[P, R]]:
    """Like st.cache_data(max_entries=...), but each hit returns `handout` copies instead of unpickling one.

    The cached object is kept once, shared by every session of the server (st.cache_resource);
    `.clear(*args)` forgets one entry, as on any Streamlit cache.
    """

    def decorate(func: Callable[P, R]) -> SharedCache[P, R]:
        cached = st.cache_resource(show_spinner=False, max_entries=max_entries)(func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return handout(cached(*args, **kwargs))

        wrapper.clear = cached.clear  # type: ignore[attr-defined]
        _SHARED.append(cached)
        return wrapper  # type: ignore[return-value]

    return decorate


@dataclasses.dataclass
class _Kept:
    """The last value one view built, with what it was built from (see `reused_while_same`)."""

    key: Any = None
    read: pd.DataFrame | None = None
    value: Any = None
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def _kept(db_url: str, what: str) -> _Kept:
    return _Kept()


_SHARED.append(_kept)  # emptied with the shared caches (`clear`)


def reused_while_same(db_url: str, what: str, key: Any, read: pd.DataFrame, build: Callable[[], R]) -> R:
    """`build()`, or the value the last call for (`db_url`, `what`) built, if it had the same `key` and
    equal `read` (the columns `build` reads, compared value by value: milliseconds for 200,000 rows).

    For a view cached per table generation whose table was written without changing what it reads
    (an activity logged moves a contact's last interaction, not the contact's name).
    """
    kept = _kept(db_url, what)
    with kept.lock:
        if kept.read is not None and kept.key == key and kept.read.equals(read):
            value: R = kept.value
            return value
    value = build()
    with kept.lock:
        kept.key, kept.read, kept.value = key, read.copy(deep=False), value
    return value


@st.cache_resource(show_spinner=False)
def engine(db_url: str) -> Engine:
    """The database engine for `db_url`, one per URL for the whole server (it holds the connection pool).

    For a SQLite file, the Arrow reader's worker process is started at once (see sqlite_worker.prestart).
    """
    created = get_engine(db_url)
    if arrow_backend(created) == "sqlite":
        from crm_core.store.sqlite_worker import prestart

        prestart()
    return created


@shared(max_entries=4 * len(TABLES))
def table(db_url: str, name: str, generation: int) -> pd.DataFrame:
    """One table's typed frame at `generation` (see `versions`): loaded once, until a write bumps it.

    After writes that only inserted rows into it, just those rows are loaded and appended to the
    latest frame (frames.append_rows); after any other change, or any doubt, it is loaded whole.
    """
    latest = _latest()
    previous = latest.get((db_url, name))
    frame = None
    if previous is not None and _versions_of(db_url).only_appended(name, previous[0], generation):
        frame = append_rows(engine(db_url), name, previous[1])
    if frame is None:
        frame = load_table(engine(db_url), name)
    if previous is None or previous[0] < generation:
        latest[(db_url, name)] = (generation, frame)
    return frame


@st.cache_resource(show_spinner=False)
def _latest() -> dict[tuple[str, str], tuple[int, pd.DataFrame]]:
    """Per database and table, the newest frame loaded and its generation: the base of an append."""
    return {}


@st.cache_resource(show_spinner=False)
def _registry() -> dict[str, TableVersions]:
    """Every database's table generations, shared by all sessions (st.cache_resource.clear() resets them)."""
    return {}


def _versions_of(db_url: str) -> TableVersions:
    registry = _registry()
    tracked = registry.get(db_url)
    if tracked is None:
        tracked = registry.setdefault(
            db_url,
            TableVersions(
                lambda: table_fingerprints(engine(db_url)),
                retire=lambda name, generation: table.clear(db_url, name, generation),
                background=True,  # a slow re-read (row COUNTs of a large database) never holds a page
            ),
        )
    return tracked


def versions(db_url: str) -> Generations:
    """Every table's current generation (one per name of TABLES): the cache key of anything built on the frames."""
    return _versions_of(db_url).current()


def current_owner() -> int | None:
    """Whose clients the signed-in viewer sees: a rep's user id, or None (a manager, open mode)."""
    from crm_core.ui.context import current_scope

    return current_scope().owner_id


def visible_ids(db_url: str, owner: int | None) -> frozenset[int] | None:
    """The ids of the clients `owner` sees (None: all), cached per clients generation."""
    if owner is None:
        return None
    return _visible_ids(db_url, owner, generation(db_url, "clients"))


@st.cache_data(show_spinner=False, max_entries=64)
def _visible_ids(db_url: str, owner: int, clients_generation: int) -> frozenset[int] | None:
    return visible_client_ids(engine(db_url), Scope(owner))


def frames_at(db_url: str, generations: Generations, owner: int | None = None) -> Frames:
    """The frames at these generations, each table from its own cache entry, cut to `owner`'s clients."""
    if owner is None:
        return Frames(**_tables(db_url, dict(zip(TABLES, generations, strict=True))))
    return _scoped_at(db_url, generations, owner, generation(db_url, "clients"))


def _tables(db_url: str, generations: Mapping[str, int]) -> dict[str, pd.DataFrame]:
    """These tables at these generations from their cache entries; those not cached yet load two at a time
    (frames.gather_tables). The loader threads carry no script run context: `table` and what it calls
    are global caches (st.cache_resource), which need none."""
    return gather_tables({name: functools.partial(table, db_url, name, gen) for name, gen in generations.items()})


@shared(max_entries=8)
def _scoped_at(db_url: str, generations: Generations, owner: int, clients_generation: int) -> Frames:
    """A rep's cut of the frames, kept so a rerun does not cut the tables again."""
    return scope_frames(frames_at(db_url, generations), visible_ids(db_url, owner))


def prefetch(db_url: str) -> None:
    """Load every table not yet cached at its current generation, all in one go (two at a time).

    Every page but Import reads all seven tables (health joins them). Asked for piecemeal (one view's
    three tables, then another's, then the rest) a cold page loads them in small batches that leave a
    core idle; asked for at once, the large ones load side by side. Cached tables cost nothing here.
    """
    frames_at(db_url, versions(db_url))


def frames_with(db_url: str, generations: Mapping[str, int], owner: int | None = None) -> Frames:
    """`_frames_with` cut to `owner`'s clients (see there)."""
    if owner is None:
        return _frames_with(db_url, generations)
    return _scoped_with(db_url, tuple(sorted(generations.items())), owner, generation(db_url, "clients"))


@shared(max_entries=8)
def _scoped_with(db_url: str, generations: tuple[tuple[str, int], ...], owner: int, clients_generation: int) -> Frames:
    """A rep's cut of some tables' frames, kept like `_scoped_at`."""
    return scope_frames(_frames_with(db_url, dict(generations)), visible_ids(db_url, owner))


def _frames_with(db_url: str, generations: Mapping[str, int]) -> Frames:
    """Frames holding only these tables at these generations, the others empty: for a reader of just those.

    A view that reads one table is keyed by that table's generation only, so a write to another
    table does not rebuild it.
    """
    unknown = set(generations) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    loaded = _tables(db_url, generations)
    return Frames(**{name: loaded[name] if name in loaded else getattr(_empty(), name).copy() for name in TABLES})


def frames(db_url: str, only: Iterable[str] | None = None) -> Frames:
    """Every table (or `only` these, the others empty) as typed frames, current, of the viewer's
    clients: a write reloads the tables it wrote."""
    owner = current_owner()
    if only is None:
        return frames_at(db_url, versions(db_url), owner)
    names = tuple(only)
    return frames_with(db_url, dict(zip(names, generations_of(db_url, names), strict=True)), owner)


@lru_cache(maxsize=1)
def _empty() -> Frames:
    """Typed empty frames to copy from (building them takes about 30 ms)."""
    return Frames.empty()


def generations_of(db_url: str, names: Iterable[str]) -> tuple[int, ...]:
    """These tables' current generations, in the order given: the cache key of a view that reads only them."""
    current = versions(db_url)
    return tuple(current[TABLES.index(name)] for name in names)


def generation(db_url: str, name: str) -> int:
    """One table's current generation: the cache key of a view that reads only that table."""
    return generations_of(db_url, (name,))[0]


@shared(max_entries=8)
def health_at(db_url: str, as_of: date, generations: Generations) -> pd.DataFrame:
    """client_health as of `as_of` from the frames at these generations (cached per date and generations)."""
    return health_table(frames_at(db_url, generations), as_of)


def scoped_health_at(db_url: str, as_of: date, generations: Generations, owner: int | None) -> pd.DataFrame:
    """client_health of `owner`'s clients (all for None): computed for the whole portfolio, then cut,
    so a client's figures (its VIP rank among all clients) do not depend on who looks."""
    return scope_rows(health_at(db_url, as_of, generations), visible_ids(db_url, owner))


def health(db_url: str, as_of: date) -> pd.DataFrame:
    """client_health of the viewer's clients as of `as_of`, cached per date until any table changes."""
    return scoped_health_at(db_url, as_of, versions(db_url), current_owner())


@st.cache_data(show_spinner=False, max_entries=4)
def _client_count(db_url: str, clients_generation: int) -> int:
    return row_count(engine(db_url), "clients")


def client_count(db_url: str) -> int:
    """How many clients the database holds (cached per clients generation): an empty database or a loaded one."""
    return _client_count(db_url, generation(db_url, "clients"))


def invalidate(db_url: str, tables: Iterable[str] = EVERY_TABLE, appended: Iterable[str] = ()) -> None:
    """After a committed write of `tables` (frame names): their frames, health and the views reload on next use.

    `appended`: those the write only inserted rows into (crm_core.store.writes): just the new rows are loaded.
    """
    _versions_of(db_url).wrote(tables, appended)


def clear() -> None:
    """Forget every cached frame and figure of every database (prefer `invalidate` with the tables written)."""
    for tracked in _registry().values():
        tracked.wrote(TABLES)
    for cached in _SHARED:
        cached.clear()
    st.cache_data.clear()
    memo.clear_all()
