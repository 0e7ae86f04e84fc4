"""The owner picker of every form: it lists users (crm_core.auth), never free text.

A manager (or anyone in open mode) picks any user, or nobody; a rep's own name is fixed, since a
rep cannot hand work to someone else. The pick is the user's name, which the write checks
(crm_core.auth.guard) turn into the `owner_id` reference.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from crm_core.auth.users import list_users
from crm_core.ui import cache
from crm_core.ui.context import PageContext


def owner_names(db_url: str) -> list[str]:
    """Every user's name, the ones who can sign in first (those made from old free-text owners after)."""
    users = list_users(cache.engine(db_url))
    return [u.name for u in users if u.active] + [u.name for u in users if not u.active]


def owner_picker(ctx: PageContext, container: Any, label: str, key: str, default: str | None = None) -> None:
    """A selectbox of users under `key` (its value: a name, or "" for nobody), drawn in `container`."""
    state = st.session_state
    if ctx.viewer is not None and not ctx.viewer.is_manager:
        state[key] = ctx.viewer.name
        container.selectbox(label, [ctx.viewer.name], key=key, disabled=True)
        return
    names = owner_names(ctx.db_url)
    if key not in state and default:
        state[key] = default
    current = state.get(key) or ""
    options = ["", *names, *([current] if current and current not in names else [])]
    container.selectbox(
        label,
        options,
        key=key,
        format_func=lambda name: name or ctx.t("owner.unassigned"),
    )
