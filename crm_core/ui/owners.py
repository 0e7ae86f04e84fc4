"""The owner pickers: every owner field, "My work", bulk reassign and the Collections owner filter list
users (crm_core.auth), never free text.

The options are the active users by name (in open mode, before anyone can sign in: every user,
which are the owners typed so far; `auth.users.owner_choices`). A manager (or anyone in open mode)
picks any of them, or nobody; a rep's own name is fixed, since a rep cannot hand work to someone
else. The pick is the user's name, which the write checks (crm_core.auth.guard) turn into the
`owner_id` reference, as for every owner written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from crm_core.auth.users import owner_choices
from crm_core.ui import cache, choices
from crm_core.ui.context import PageContext

# The tables whose writes may add a user (a new owner name becomes an inactive user, crm_core.auth.guard).
OWNER_TABLES: tuple[str, ...] = ("clients", "activities", "opportunities")


def owner_names(db_url: str) -> list[str]:
    """The names an owner picker offers (`auth.users.owner_choices`), read once per generation of the
    tables that may add a user; a user added elsewhere shows through the clients' fingerprint
    (crm_core.store.fingerprints), so a rerun does not query the users table."""
    return _owner_names(db_url, cache.generations_of(db_url, OWNER_TABLES))


@st.cache_data(show_spinner=False, max_entries=8)
def _owner_names(db_url: str, generations: tuple[int, ...]) -> list[str]:
    return owner_choices(cache.engine(db_url))


def owner_picker(ctx: PageContext, container: Any, label: str, key: str, default: str | None = None) -> None:
    """A selectbox of users under `key` (its value: a name, or "" for nobody), drawn in `container`.

    The value already held (an owner who can no longer sign in, on an edited record) stays listed.
    """
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


def my_work_picker(ctx: PageContext, key: str) -> str | None:
    """Whose work "My work" shows: a rep's own (fixed); a manager picks a user, themselves at first;
    in open mode nobody is picked until chosen. Returns the picked name (None: not picked yet)."""
    state = st.session_state
    if ctx.viewer is not None and not ctx.viewer.is_manager:
        state[key] = ctx.viewer.name
        st.selectbox(ctx.t("my_work.owner"), [ctx.viewer.name], key=key, disabled=True, help=ctx.t("my_work.help_rep"))
        return ctx.viewer.name
    names = owner_names(ctx.db_url)
    if key not in state and ctx.viewer is not None and ctx.viewer.name in names:
        state[key] = ctx.viewer.name
    picked: str | None = choices.selectbox(
        ctx.t("my_work.owner"),
        names,
        index=None,
        key=key,
        placeholder=ctx.t("my_work.pick"),
        help=ctx.t("my_work.help"),
    )
    return picked


def reassign_picker(ctx: PageContext, container: Any, key: str) -> None:
    """The new account manager of a bulk reassign: a user (or nobody, which unassigns), picked, never typed."""
    choices.selectbox(
        ctx.t("clients.reassign_to"),
        ["", *owner_names(ctx.db_url)],
        index=None,
        key=key,
        format_func=lambda name: name or ctx.t("owner.unassigned"),
        placeholder=ctx.t("clients.reassign_pick"),
        container=container,
    )


def owner_filter(ctx: PageContext, label: str, key: str, held: Sequence[str] = ()) -> str | None:
    """An "account manager is" filter: everyone (None) or one user, listed as every owner picker lists
    them (`owner_names`); an owner in `held` (e.g. a disabled user who still has clients in the list)
    stays pickable after them, so no row is out of reach. A rep's is their own name, fixed."""
    if ctx.viewer is not None and not ctx.viewer.is_manager:
        st.session_state[key] = ctx.viewer.name
        st.selectbox(label, [ctx.viewer.name], key=key, disabled=True)
        return ctx.viewer.name
    names = owner_names(ctx.db_url)
    listed = set(names)
    others = sorted({str(name) for name in held if name and str(name) not in listed}, key=str.lower)
    picked: str | None = choices.selectbox(
        label,
        [None, *names, *others],
        key=key,
        format_func=lambda name: ctx.t("common.all") if name is None else name,
    )
    return picked
