"""The activity form: client (searchable), that client's contacts, the activity, an optional follow-up.

The client picker sits outside the st.form so the contact list follows the chosen client; the
save runs in the submit button's callback (see `forms.perform`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core import services
from crm_core.enums import ActivityKind
from crm_core.i18n import format_date, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.store.frames import Frames
from crm_core.ui import choices
from crm_core.ui.context import PageContext
from crm_core.ui.forms import (
    blank_to_none,
    combine_local,
    default_time,
    perform,
    show_outcome,
    succeed,
)
from crm_core.ui.owners import owner_picker
from crm_core.ui.pickers import client_picker
from crm_core.views.clients import contacts_of

LOGGABLE_KINDS: list[str] = [k.value for k in ActivityKind if k not in (ActivityKind.INVOICE, ActivityKind.PAYMENT)]
OUTCOME_KEY = "_activity_form_outcome"
FRAMES_READ: tuple[str, ...] = ("clients", "contacts")  # all that activity_form reads of its frames
# Fields emptied after a save (a widget is reset by setting its state, not by deleting it).
RESET_VALUES: dict[str, object] = {"act_title": "", "act_description": "", "act_outcome": "", "act_follow_up": None}


def _save(ctx: PageContext, engine: Engine, names: pd.Series) -> None:
    """Submit callback: log the activity from the form's widget values."""
    state = st.session_state
    client_id = state.get("act_client")
    if client_id is None:
        state[OUTCOME_KEY] = ("error", [f"{ctx.t('field.client')}: {ctx.t('activities.pick_client')}"])
        return
    created = perform(
        ctx,
        OUTCOME_KEY,
        services.log_activity,
        engine,
        {
            "client_id": client_id,
            "contact_id": state.get(f"act_contact_{client_id}"),
            "kind": state.get("act_kind"),
            "title": state.get("act_title", ""),
            "description": blank_to_none(state.get("act_description")),
            "occurred_at": combine_local(state["act_date"], state["act_time"]),
            "duration_min": None if state.get("act_duration") is None else int(state["act_duration"]),
            "owner": blank_to_none(state.get(f"act_owner_{client_id}")),
            "outcome": blank_to_none(state.get("act_outcome")),
            "follow_up_on": state.get("act_follow_up"),
            "done": True,
        },
    )
    if created:
        messages = [ctx.t("activities.saved", title=created[0].title, client=names.get(client_id, ""))]
        if len(created) > 1:
            messages.append(ctx.t("activities.follow_up_saved", date=format_date(created[1].follow_up_on, ctx.lang)))
        succeed(OUTCOME_KEY, *messages)
        for key, value in RESET_VALUES.items():
            state[key] = value


def activity_form(ctx: PageContext, engine: Engine, data: Frames, names: pd.Series) -> None:
    """Draw the whole activity entry block, with its confirmation or field errors below.

    Of `data` only the FRAMES_READ tables are read (the page may pass frames holding just those).
    """
    pattern = date_format_pattern(ctx.lang)
    pick = st.columns(2)
    client_id = client_picker(
        ctx, ctx.t("field.client"), names, container=pick[0], placeholder=ctx.t("activities.pick_client"), key="act_client"
    )
    if client_id is None:
        st.info(ctx.t("activities.pick_client_first"))
        show_outcome(OUTCOME_KEY)
        return
    contacts = contacts_of(data, client_id).set_index("contact_id")["full_name"]
    choices.selectbox(
        ctx.t("field.contact_id"),
        [None, *contacts.index.tolist()],
        container=pick[1],
        format_func=lambda cid: ctx.t("common.none") if cid is None else contacts.get(cid, str(cid)),
        key=f"act_contact_{client_id}",
    )
    owner_default = data.clients.set_index("client_id")["owner"].get(client_id)
    with st.form("activity_form"):
        row = st.columns([1, 2])
        choices.selectbox(
            ctx.t("field.kind"),
            LOGGABLE_KINDS,
            format_func=lambda k: label("kind", k, ctx.lang),
            key="act_kind",
            container=row[0],
        )
        row[1].text_input(ctx.t("field.title"), key="act_title", max_chars=200)
        st.text_area(ctx.t("field.description"), key="act_description", height=80)
        row = list(st.columns(4))
        row[0].date_input(ctx.t("activities.date"), value=ctx.as_of, key="act_date", format=pattern)
        row[1].time_input(ctx.t("activities.time"), value=default_time(ctx), key="act_time", step=300)
        row[2].number_input(ctx.t("field.duration_min"), value=15, step=5, key="act_duration")
        owner_picker(
            ctx,
            row[3],
            ctx.t("activities.who"),
            f"act_owner_{client_id}",
            default=(ctx.viewer.name if ctx.viewer is not None else None)
            or (owner_default if isinstance(owner_default, str) else None),
        )
        row = st.columns([3, 1])
        row[0].text_input(ctx.t("field.outcome"), key="act_outcome", max_chars=300)
        row[1].date_input(
            ctx.t("field.follow_up_on"),
            value=None,
            key="act_follow_up",
            format=pattern,
            help=ctx.t("activities.follow_up_help"),
        )
        st.form_submit_button(ctx.t("activities.save"), type="primary", key="act_save", on_click=_save, args=(ctx, engine, names))
    show_outcome(OUTCOME_KEY)


def complete_followup(ctx: PageContext, engine: Engine, outcome_key: str) -> None:
    """Button callback: mark the follow-up picked in `fu_pick` as done."""
    activity_id = st.session_state.get("fu_pick")
    if activity_id is None:
        return
    closed = perform(ctx, outcome_key, services.complete_activity, engine, int(activity_id))
    if closed:
        succeed(outcome_key, ctx.t("activities.marked_done", title=closed.title))
        st.session_state.pop("fu_pick", None)
