"""Activities: log a call, email, meeting... with an optional follow-up; recent activities; follow-ups due by owner."""

from __future__ import annotations

import streamlit as st

from crm_core import services
from crm_core.activity_views import followups, followups_by_owner, recent_activities
from crm_core.client_views import client_names, contacts_of
from crm_core.enums import ActivityKind
from crm_core.i18n import format_date, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui import cache
from crm_core.ui.context import current
from crm_core.ui.forms import blank_to_none, combine_local, default_time, flash_and_rerun, show_flash, submit
from crm_core.ui.tables import show_table
from crm_core.ui.welcome import require_data

LOGGABLE_KINDS = [k.value for k in ActivityKind if k not in (ActivityKind.INVOICE, ActivityKind.PAYMENT)]
FOLLOW_UP_HORIZON_DAYS = 7

ctx = current()
require_data(ctx)
engine = cache.engine(ctx.db_url)
st.title(ctx.t("activities.title"))

# ---------------------------------------------------------------- the form
data = cache.frames(ctx.db_url)
names = client_names(data)
with st.container(border=True):
    st.subheader(ctx.t("activities.new"))
    pick = st.columns(2)
    client_id = pick[0].selectbox(
        ctx.t("field.client"),
        options=names.index.tolist(),
        format_func=lambda cid: names.get(cid, str(cid)),
        index=None,
        placeholder=ctx.t("activities.pick_client"),
        key="act_client",
    )
    if client_id is None:
        st.info(ctx.t("activities.pick_client_first"))
    else:
        contacts = contacts_of(data, client_id).set_index("contact_id")["full_name"]
        contact_id = pick[1].selectbox(
            ctx.t("field.contact_id"),
            options=[None, *contacts.index.tolist()],
            format_func=lambda cid: ctx.t("common.none") if cid is None else contacts.get(cid, str(cid)),
            key=f"act_contact_{client_id}",
        )
        owner_default = data.clients.set_index("client_id")["owner"].get(client_id)
        with st.form("activity_form"):
            row = st.columns([1, 2])
            kind = row[0].selectbox(
                ctx.t("field.kind"), LOGGABLE_KINDS, format_func=lambda k: label("kind", k, ctx.lang), key="act_kind"
            )
            title = row[1].text_input(ctx.t("field.title"), key="act_title", max_chars=200)
            description = st.text_area(ctx.t("field.description"), key="act_description", height=80)
            row = st.columns(4)
            day = row[0].date_input(ctx.t("activities.date"), value=ctx.as_of, key="act_date", format=date_format_pattern(ctx.lang))
            at = row[1].time_input(ctx.t("activities.time"), value=default_time(ctx), key="act_time", step=300)
            duration = row[2].number_input(
                ctx.t("field.duration_min"), min_value=0, max_value=24 * 60, value=15, step=5, key="act_duration"
            )
            owner = row[3].text_input(
                ctx.t("activities.who"), value=owner_default if isinstance(owner_default, str) else "",
                key=f"act_owner_{client_id}",
            )
            row = st.columns([3, 1])
            outcome = row[0].text_input(ctx.t("field.outcome"), key="act_outcome", max_chars=300)
            follow_up = row[1].date_input(
                ctx.t("field.follow_up_on"), value=None, key="act_follow_up", format=date_format_pattern(ctx.lang),
                help=ctx.t("activities.follow_up_help"),
            )
            saved = st.form_submit_button(ctx.t("activities.save"), type="primary")
        if saved:
            created = submit(
                ctx,
                services.log_activity,
                engine,
                {
                    "client_id": client_id,
                    "contact_id": contact_id,
                    "kind": kind,
                    "title": title,
                    "description": blank_to_none(description),
                    "occurred_at": combine_local(day, at),
                    "duration_min": int(duration),
                    "owner": blank_to_none(owner),
                    "outcome": blank_to_none(outcome),
                    "follow_up_on": follow_up,
                    "done": True,
                },
            )
            if created:
                st.success(ctx.t("activities.saved", title=created[0].title, client=names.get(client_id, "")))
                if len(created) > 1:
                    st.success(ctx.t("activities.follow_up_saved", date=format_date(created[1].follow_up_on, ctx.lang)))
                data = cache.frames(ctx.db_url)

# ---------------------------------------------------------------- follow-ups due, by owner
st.subheader(ctx.t("activities.followups"))
show_flash("activities")
due = followups(data, ctx.as_of, horizon_days=FOLLOW_UP_HORIZON_DAYS)
by_owner = followups_by_owner(due)
metrics = st.columns(3)
metrics[0].metric(ctx.t("followup.overdue"), int(by_owner["overdue"].sum()))
metrics[1].metric(ctx.t("followup.today"), int(by_owner["today"].sum()))
metrics[2].metric(ctx.t("followup.upcoming", days=FOLLOW_UP_HORIZON_DAYS), int(by_owner["upcoming"].sum()))
if due.empty:
    st.info(ctx.t("activities.no_followups"))
else:
    left, right = st.columns([1, 2])
    with left:
        st.caption(ctx.t("activities.by_owner"))
        show_table(
            ctx,
            by_owner.assign(owner=by_owner["owner"].fillna(ctx.t("activities.unassigned"))),
            {"owner": "text", "overdue": "number", "today": "number", "upcoming": "number", "total": "number"},
            key="followups_by_owner",
        )
    with right:
        owners = [o for o in by_owner["owner"].tolist() if o is not None]
        chosen_owner = st.selectbox(
            ctx.t("field.owner"), [None, *owners],
            format_func=lambda o: ctx.t("common.all") if o is None else o, key="fu_owner",
        )
        listed = due if chosen_owner is None else followups(
            data, ctx.as_of, horizon_days=FOLLOW_UP_HORIZON_DAYS, owner=chosen_owner
        )
        show_table(
            ctx,
            listed,
            {"due_on": "date", "status": "enum:followup_status", "days_overdue": "days", "company_name": "text",
             "title": "text", "contact_name": "text", "owner": "text"},
            key="followups_table",
        )
        pick_labels = dict(zip(listed["activity_id"], listed["company_name"] + " · " + listed["title"], strict=True))
        done_row = st.columns([3, 1], vertical_alignment="bottom")
        to_close = done_row[0].selectbox(
            ctx.t("activities.mark_done_pick"),
            listed["activity_id"].tolist(),
            format_func=lambda aid: pick_labels.get(aid, str(aid)),
            index=None,
            key="fu_pick",
        )
        if done_row[1].button(ctx.t("activities.mark_done"), key="fu_done", disabled=to_close is None):
            closed = submit(ctx, services.complete_activity, engine, int(to_close))
            if closed:
                flash_and_rerun("activities", ctx.t("activities.marked_done", title=closed.title))

# ---------------------------------------------------------------- recent activities
st.subheader(ctx.t("activities.recent"))
recent = recent_activities(data, ctx.as_of, limit=50)
if recent.empty:
    st.info(ctx.t("activities.none"))
else:
    show_table(
        ctx,
        recent,
        {"occurred_at": "datetime", "company_name": "text", "kind": "enum:kind", "title": "text",
         "contact_name": "text", "outcome": "text", "duration_min": "number", "owner": "text"},
        key="recent_activities",
    )
