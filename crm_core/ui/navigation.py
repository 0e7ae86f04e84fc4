"""The pages of the app, in menu order, with translated titles (used by app.py)."""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from crm_core.auth.scope import Viewer
from crm_core.i18n import t

# (file relative to app.py, title key, icon); the first is the default page.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/overview.py", "nav.overview", ":material/dashboard:"),
    ("pages/clients.py", "nav.clients", ":material/groups:"),
    ("pages/activities.py", "nav.activities", ":material/event_note:"),
    ("pages/pipeline.py", "nav.pipeline", ":material/filter_alt:"),
    ("pages/health.py", "nav.health", ":material/monitor_heart:"),
    ("pages/collections.py", "nav.collections", ":material/request_quote:"),
    ("pages/import.py", "nav.import", ":material/upload_file:"),
)
# Pages only a manager (or anyone in open mode) gets: an import writes in bulk, past a rep's scope.
MANAGER_PAGES = frozenset({"pages/import.py"})


class PageEntry(NamedTuple):
    path: str
    title: str
    icon: str
    default: bool


def page_entries(lang: str, viewer: Viewer | None = None) -> list[PageEntry]:
    """The menu in `lang` for `viewer` (None: open mode, every page), the first page the default."""
    rep = viewer is not None and not viewer.is_manager
    return [
        PageEntry(path, t(key, lang), icon, i == 0)
        for i, (path, key, icon) in enumerate(PAGES)
        if not (rep and path in MANAGER_PAGES)
    ]


def build_pages(lang: str, viewer: Viewer | None = None) -> list[st.Page]:
    """The st.Page objects for st.navigation (paths are relative to app.py)."""
    return [st.Page(e.path, title=e.title, icon=e.icon, default=e.default) for e in page_entries(lang, viewer)]
