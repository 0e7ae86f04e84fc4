"""Cached engine, per-table frames and health; a write reloads only the tables it touched.

Each table's frame is cached under its generation (crm_core.store.versions), shared by every
session of this server. A write through the UI bumps the tables it declares (crm_core.store.writes),
so the next render reloads those and reuses the others. Health (and every view built on it) is
keyed by every table's generation, so it is recomputed after any write, from the cached frames;
a view that reads fewer tables is keyed by just theirs (ui.views). Writes by another process are
noticed through a fingerprint query (crm_core.store.fingerprints), at most once a second per server.

Frames, health and the views built on them are cached with `shared` (st.cache_resource handing out
copy-on-write shallow copies), not st.cache_data: a cache_data hit unpickles a full copy, which at
100,000 clients costs seconds per rerun for the seven tables alone.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, ParamSpec, Protocol, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core.db import get_engine
from crm_core.store.fingerprints import table_fingerprints
from crm_core.store.frames import TABLES, Frames, load_table, row_count
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
        return dataclasses.replace(value, **{
            f.name: _handout(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        })
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


@st.cache_resource(show_spinner=False)
def engine(db_url: str) -> Engine:
    """The database engine for `db_url`, one per URL for the whole server (it holds the connection pool)."""
    return get_engine(db_url)


@shared(max_entries=4 * len(TABLES))
def table(db_url: str, name: str, generation: int) -> pd.DataFrame:
    """One table's typed frame at `generation` (see `versions`): loaded once, until a write bumps it."""
    return load_table(engine(db_url), name)


@st.cache_resource(show_spinner=False)
def _registry() -> dict[str, TableVersions]:
    """Every database's table generations, shared by all sessions (st.cache_resource.clear() resets them)."""
    return {}


def _versions_of(db_url: str) -> TableVersions:
    registry = _registry()
    tracked = registry.get(db_url)
    if tracked is None:
        tracked = registry.setdefault(db_url, TableVersions(
            lambda: table_fingerprints(engine(db_url)),
            retire=lambda name, generation: table.clear(db_url, name, generation),
        ))
    return tracked


def versions(db_url: str) -> Generations:
    """Every table's current generation (one per name of TABLES): the cache key of anything built on the frames."""
    return _versions_of(db_url).current()


def frames_at(db_url: str, generations: Generations) -> Frames:
    """The frames at these generations, each table from its own cache entry."""
    return Frames(**{name: table(db_url, name, gen) for name, gen in zip(TABLES, generations, strict=True)})


def frames_with(db_url: str, generations: Mapping[str, int]) -> Frames:
    """Frames holding only these tables at these generations, the others empty: for a reader of just those.

    A view that reads one table is keyed by that table's generation only, so a write to another
    table does not rebuild it.
    """
    unknown = set(generations) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    return Frames(**{
        name: table(db_url, name, generations[name]) if name in generations else getattr(_empty(), name).copy()
        for name in TABLES
    })


def frames(db_url: str, only: Iterable[str] | None = None) -> Frames:
    """Every table (or `only` these, the others empty) as typed frames, current: a write reloads the tables it wrote."""
    if only is None:
        return frames_at(db_url, versions(db_url))
    names = tuple(only)
    return frames_with(db_url, dict(zip(names, generations_of(db_url, names), strict=True)))


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


def health(db_url: str, as_of: date) -> pd.DataFrame:
    """client_health as of `as_of`, cached per date until any table changes (then rebuilt from the cached frames)."""
    return health_at(db_url, as_of, versions(db_url))


@st.cache_data(show_spinner=False, max_entries=4)
def _client_count(db_url: str, clients_generation: int) -> int:
    return row_count(engine(db_url), "clients")


def client_count(db_url: str) -> int:
    """How many clients the database holds (cached per clients generation): an empty database or a loaded one."""
    return _client_count(db_url, generation(db_url, "clients"))


def invalidate(db_url: str, tables: Iterable[str] = EVERY_TABLE) -> None:
    """After a committed write of `tables` (frame names): their frames, health and the views reload on next use."""
    _versions_of(db_url).wrote(tables)


def clear() -> None:
    """Forget every cached frame and figure of every database (prefer `invalidate` with the tables written)."""
    for tracked in _registry().values():
        tracked.wrote(TABLES)
    for cached in _SHARED:
        cached.clear()
    st.cache_data.clear()
