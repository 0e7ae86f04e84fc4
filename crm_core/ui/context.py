"""What every page needs to know: the as-of date, the language and the database in use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from crm_core.auth.scope import EVERYTHING, Scope, Viewer
from crm_core.config import business_today
from crm_core.db import default_url
from crm_core.i18n import default_lang, t, t_count
from crm_core.ui.routing import ensure_router


@dataclass(frozen=True)
class PageContext:
    """What every page needs from the sidebar: the as-of date, the UI language and the database URL."""

    as_of: date
    lang: str
    db_url: str
    viewer: Viewer | None = None  # None: nobody signed in because the database has no user (open mode)

    @property
    def is_manager(self) -> bool:
        """Whether this viewer may see everything and manage owners (a manager, or anyone in open mode)."""
        return self.viewer is None or self.viewer.is_manager

    def t(self, key: str, **params: object) -> str:
        """The catalogue text for `key` in this page's language."""
        return t(key, self.lang, **params)

    def tn(self, key: str, count: int, **params: object) -> str:
        """The catalogue text for `key` about `count` things (see `i18n.t_count`), count formatted."""
        return t_count(key, count, self.lang, **params)


def today() -> date:
    """Today in the business time zone, the default as-of date (crm_core.config.business_today)."""
    return business_today()


def current_lang() -> str:
    """The language chosen in the sidebar (CRM_LANG or English before it has run)."""
    return st.session_state.get("lang") or default_lang()


VIEWER_KEY = "auth_viewer"  # the signed-in Viewer, set by ui.signin.gate on every run


def current_viewer() -> Viewer | None:
    """The signed-in user (None in open mode, or before the sign-in gate has run)."""
    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else None


def current_scope() -> Scope:
    """Whose clients this session sees (crm_core.auth.scope): a rep's own, else every client."""
    viewer = current_viewer()
    return EVERYTHING if viewer is None else viewer.scope


def current() -> PageContext:
    """The context chosen in the sidebar (defaults when the sidebar has not run yet).

    Called first by every page, so it also makes sure the run went through the router.
    """
    ensure_router()
    lang = current_lang()
    as_of = st.session_state.get("as_of") or today()
    return PageContext(as_of=as_of, lang=lang, db_url=default_url(), viewer=current_viewer())
