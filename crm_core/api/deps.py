"""Everything a route depends on, as FastAPI dependencies, in one module: the engine, the frame cache, the language.

A guard (authentication, roles) is added in one place: append it to `GUARDS`; every router of the
app runs it before its routes (`create_app` passes `GUARDS` as the routers' dependencies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from crm_core.store.cache import FrameCache
from crm_core.store.writes import tables_appended, tables_written


@dataclass
class ApiState:
    """What one app serves: its database engine and the cache of that database's frames and health."""

    engine: Engine
    cache: FrameCache


def get_state(request: Request) -> ApiState:
    return request.app.state.crm


def get_engine(state: Annotated[ApiState, Depends(get_state)]) -> Engine:
    """The app's database engine (migrated to head when the app was made)."""
    return state.engine


def get_cache(state: Annotated[ApiState, Depends(get_state)]) -> FrameCache:
    """The app's frame cache: health and the client table per table version."""
    return state.cache


def preferred_language(accept_language: str | None) -> str:
    """`es` or `en` from an Accept-Language header (the first of them by preference), else English."""
    best, best_q = "en", -1.0
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        if lang not in ("es", "en"):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        q -= position * 1e-6  # equal weights: the first named wins
        if q > best_q:
            best, best_q = lang, q
    return best


def get_language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """The language of messages: `Accept-Language: es` gives Spanish, anything else English."""
    return preferred_language(accept_language)


def after_write(cache: FrameCache, action: Callable[..., Any]) -> None:
    """Tell the cache that `action` (a service) committed: the tables it declares reload on next read."""
    cache.wrote(tables_written(action), tables_appended(action))


Engine_ = Annotated[Engine, Depends(get_engine)]
Cache = Annotated[FrameCache, Depends(get_cache)]
Language = Annotated[str, Depends(get_language)]

# Run before every route of every router (issue 13 adds the API-token check here).
GUARDS: list[Any] = []
