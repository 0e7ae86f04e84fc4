"""The sign-in gate in front of every page once the database has an active user.

No active user: the app runs open (as before users existed) with a banner saying so. Otherwise
each run re-reads the signed-in user (a disabled user is out at once) and ends the session after
8 hours; the lock-out rule and the password check live in crm_core.auth.users. The typed password
is dropped from the session state as soon as it has been checked.
"""

from __future__ import annotations

import time

import streamlit as st

from crm_core.auth.errors import LockedOutError, SignInError
from crm_core.auth.scope import Viewer
from crm_core.auth.users import authenticate, get_viewer, has_active_users
from crm_core.demo.users import demo_accounts
from crm_core.i18n import LANG_NAMES, LANGS, default_lang, t
from crm_core.ui import cache
from crm_core.ui.context import VIEWER_KEY, current_lang

SESSION_HOURS = 8
SESSION_KEY = "auth_session"  # (user_id, signed-in time.time())
MESSAGE_KEY = "auth_message"


def session_expired(signed_in_at: float, now: float) -> bool:
    """Whether a session begun at `signed_in_at` (seconds) has run out at `now`."""
    return now - signed_in_at >= SESSION_HOURS * 3600


def gate(db_url: str) -> tuple[bool, Viewer | None]:
    """(whether the app may be shown, the signed-in user): (True, None) in open mode, (False, None)
    when the sign-in screen must be drawn instead of any page."""
    engine = cache.engine(db_url)
    if not has_active_users(engine):
        st.session_state.pop(VIEWER_KEY, None)
        return True, None
    session = st.session_state.get(SESSION_KEY)
    viewer = None
    if session is not None:
        user_id, signed_in_at = session
        if session_expired(signed_in_at, time.time()):
            st.session_state[MESSAGE_KEY] = ("info", t("signin.expired", current_lang(), hours=SESSION_HOURS))
        else:
            viewer = get_viewer(engine, user_id)
        if viewer is None:
            st.session_state.pop(SESSION_KEY, None)
    if viewer is None:
        st.session_state.pop(VIEWER_KEY, None)
        return False, None
    st.session_state[VIEWER_KEY] = viewer
    return True, viewer


def _sign_in(db_url: str) -> None:
    """Form callback: check the email and password, then forget the typed password."""
    state = st.session_state
    email, password = state.get("signin_email", ""), state.get("signin_password", "")
    state["signin_password"] = ""
    lang = current_lang()
    try:
        viewer = authenticate(cache.engine(db_url), email, password)
    except LockedOutError as exc:
        state[MESSAGE_KEY] = ("error", t("signin.locked", lang, minutes=exc.minutes))
        return
    except SignInError:
        state[MESSAGE_KEY] = ("error", t("signin.wrong", lang))
        return
    state[SESSION_KEY] = (viewer.user_id, time.time())
    state[VIEWER_KEY] = viewer
    state.pop(MESSAGE_KEY, None)


def sign_in_page(db_url: str) -> None:
    """The sign-in screen: language, email and password, and the demo accounts on the demo database."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = default_lang()
    lang = st.session_state["lang"]
    st.title(t("signin.title", lang))
    st.selectbox(t("sidebar.language", lang), options=list(LANGS), format_func=lambda c: LANG_NAMES[c], key="lang")
    lang = st.session_state["lang"]
    kind, message = st.session_state.pop(MESSAGE_KEY, (None, None))
    if message:
        (st.error if kind == "error" else st.info)(message)
    with st.form("signin"):
        st.text_input(t("signin.email", lang), key="signin_email", autocomplete="username")
        st.text_input(t("signin.password", lang), key="signin_password", type="password", autocomplete="current-password")
        st.form_submit_button(t("signin.submit", lang), type="primary", on_click=_sign_in, args=(db_url,))
    accounts = demo_accounts(cache.engine(db_url))
    if accounts:
        st.subheader(t("signin.demo_title", lang))
        st.markdown(
            "\n".join(
                "- " + t("signin.demo_row", lang, role=t(f"role.{a.role}", lang), email=a.email, password=a.password)
                for a in accounts
            )
        )


def sign_out() -> None:
    """Button callback: end the session (the next run shows the sign-in screen)."""
    for key in (SESSION_KEY, VIEWER_KEY, MESSAGE_KEY):
        st.session_state.pop(key, None)
