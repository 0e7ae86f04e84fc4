"""The pages of the app, in menu order, with translated titles (used by app.py)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from crm_core.i18n import t

# (file relative to app.py, title key, icon); the first is the default page.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("pages/overview.py", "nav.overview", ":material/dashboard:"),
    ("pages/clients.py", "nav.clients", ":material/groups:"),
    ("pages/activities.py", "nav.activities", ":material/event_note:"),
    ("pages/pipeline.py", "nav.pipeline", ":material/filter_alt:"),
    ("pages/health.py", "nav.health", ":material/monitor_heart:"),
    ("pages/import.py", "nav.import", ":material/upload_file:"),
)


def build_pages(root: Path, lang: str) -> list[st.Page]:
    """One st.Page per page file present under `root`, titles in `lang`, the first the default."""
    present = [entry for entry in PAGES if (root / entry[0]).is_file()]
    return [
        st.Page(path, title=t(key, lang), icon=icon, default=(i == 0))
        for i, (path, key, icon) in enumerate(present)
    ]
