"""Cached engine, frames and health; every write clears them so the next render is fresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select

from crm_core.db import get_engine
from crm_core.errors import CRMError
from crm_core.frames import Frames, load_frames
from crm_core.models import Client
from crm_core.ui.context import current

P = ParamSpec("P")
R = TypeVar("R")


@st.cache_resource(show_spinner=False)
def engine(db_url: str) -> Engine:
    """The database engine for `db_url`, one per URL for the whole server (it holds the connection pool)."""
    return get_engine(db_url)


@st.cache_data(show_spinner=False, max_entries=4)
def frames(db_url: str) -> Frames:
    """Every table as typed frames, cached so a rerun does not query the database again."""
    return load_frames(engine(db_url))


@st.cache_data(show_spinner=False, max_entries=8)
def health(db_url: str, as_of: date) -> pd.DataFrame:
    """client_health as of `as_of`, cached: the analytics run once per date until a write clears them."""
    from crm_core.analytics import client_health

    return client_health(frames(db_url), as_of)


@st.cache_data(show_spinner=False, max_entries=4)
def client_count(db_url: str) -> int:
    """How many clients the database holds (cached), to tell an empty database from a loaded one."""
    with engine(db_url).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Client)).scalar_one())


def clear() -> None:
    """Forget every cached frame and figure (after any write)."""
    st.cache_data.clear()


def write(action: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """Run a service call; on a domain error show it as the forms do (in the UI language) and return None.

    On success the caches are cleared, so what was written shows at once.
    """
    try:
        result = action(*args, **kwargs)
    except CRMError as exc:
        from crm_core.ui.forms import show_error  # forms imports this module: import on use

        show_error(current(), exc)
        return None
    clear()
    return result
