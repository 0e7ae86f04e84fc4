"""Activities: log a call, email, meeting... with an optional follow-up; recent activities; follow-ups due by owner."""

from __future__ import annotations

import streamlit as st

from crm_core.ui import cache, choices, views
from crm_core.ui.activity_form import FRAMES_READ, activity_form, complete_followup
from crm_core.ui.context import current
from crm_core.ui.forms import show_outcome
from crm_core.ui.owners import my_work_picker
from crm_core.ui.tables import capped_table, show_table
from crm_core.ui.welcome import require_data
from crm_core.views.activities import followup_labels
from crm_core.views.my_work import my_work

FOLLOW_UP_HORIZON_DAYS = 7
FOLLOW_UPS_SHOWN = 200  # rows of the follow-up list drawn (about 5,000 are due at 100,000 clients)
DONE_OUTCOME = "_followup_done_outcome"
MY_WORK_OPEN = "my_work_open"  # the "My work" expander's state: open or closed

ctx = current()
require_data(ctx)
engine = cache.engine(ctx.db_url)
st.title(ctx.t("activities.title"))

# ---------------------------------------------------------------- my work
# Drawn only while open (its health and pipeline figures cost seconds at 100,000 clients, and a
# closed expander's content would still run on every rerun, a write's included).
with st.expander(ctx.t("my_work.title"), icon=":material/person_check:", key=MY_WORK_OPEN, on_change="rerun") as my_work_box:
    me = my_work_picker(ctx, "my_work_owner") if my_work_box.open else None
    if me is not None:
        work = my_work(
            views.followups(ctx.db_url, ctx.as_of, FOLLOW_UP_HORIZON_DAYS),
            views.pipeline(ctx.db_url, ctx.as_of).stale,
            cache.health(ctx.db_url, ctx.as_of),
            me,
        )
        st.markdown(f"**{ctx.t('my_work.followups', count=len(work.followups))}**")
        show_table(
            ctx,
            work.followups,
            {"due_on": "date", "status": "enum:followup_status", "company_name": "text", "title": "text"},
            key="my_followups",
        )
        st.markdown(f"**{ctx.t('my_work.stale', count=len(work.stale_deals))}**")
        show_table(
            ctx,
            work.stale_deals,
            {
                "company_name": "text",
                "name": "text",
                "stage": "enum:stage",
                "amount": "money",
                "expected_close": "date",
                "days_idle": "days",
            },
            key="my_stale",
        )
        st.markdown(f"**{ctx.t('my_work.at_risk', count=len(work.at_risk))}**")
        show_table(
            ctx,
            work.at_risk,
            {"company_name": "text", "severity": "enum:risk", "churn_score": "score", "overdue": "money"},
            key="my_at_risk",
        )

# ---------------------------------------------------------------- the form
with st.container(border=True):
    st.subheader(ctx.t("activities.new"))
    activity_form(ctx, engine, cache.frames(ctx.db_url, only=FRAMES_READ), views.client_names(ctx.db_url))

# ---------------------------------------------------------------- follow-ups due, by owner
st.subheader(ctx.t("activities.followups"))
summary = views.followup_summary(ctx.db_url, ctx.as_of, FOLLOW_UP_HORIZON_DAYS, ctx.t("activities.unassigned"))
by_owner, counts = summary.by_owner, summary.counts
show_outcome(DONE_OUTCOME)
metrics = st.columns(3)
metrics[0].metric(ctx.t("followup.overdue"), counts["overdue"])
metrics[1].metric(ctx.t("followup.today"), counts["today"])
metrics[2].metric(ctx.t("followup.upcoming", days=FOLLOW_UP_HORIZON_DAYS), counts["upcoming"])
if not sum(counts.values()):
    st.info(ctx.t("activities.no_followups"))
else:
    left, right = st.columns(2)
    with left:
        st.caption(ctx.t("activities.by_owner"))
        show_table(
            ctx,
            by_owner,
            {"owner": "text", "overdue": "number", "today": "number", "upcoming": "number", "total": "number"},
            key="followups_by_owner",
        )
    with right:
        chosen_owner = choices.selectbox(
            ctx.t("field.owner"),
            [None, *summary.owners],
            format_func=lambda o: ctx.t("common.all") if o is None else o,
            key="fu_owner",
        )
        listed = views.followups(ctx.db_url, ctx.as_of, FOLLOW_UP_HORIZON_DAYS, chosen_owner)
        capped_table(
            ctx,
            listed,
            {
                "due_on": "date",
                "status": "enum:followup_status",
                "days_overdue": "days",
                "company_name": "text",
                "title": "text",
                "contact_name": "text",
                "owner": "text",
            },
            key="followups_table",
            empty_message=ctx.t("activities.no_followups"),
            cap=FOLLOW_UPS_SHOWN,
            height=420,
        )
        # The picker offers the follow-ups shown (most urgent first), and the one picked.
        shown = listed.head(FOLLOW_UPS_SHOWN)
        pick_ids = shown["activity_id"].astype(int).tolist()
        picked = st.session_state.get("fu_pick")
        if picked is not None and picked not in pick_ids and (listed["activity_id"] == picked).any():
            pick_ids.insert(0, int(picked))
            shown = listed.loc[listed["activity_id"].isin(pick_ids)]
        pick_labels = followup_labels(shown)
        done_row = st.columns([2, 1], vertical_alignment="bottom")
        to_close = done_row[0].selectbox(
            ctx.t("activities.mark_done_pick"),
            pick_ids,
            format_func=lambda aid: pick_labels.get(aid, str(aid)),
            index=None,
            placeholder=ctx.t("activities.mark_done_placeholder"),
            key="fu_pick",
        )
        done_row[1].button(
            ctx.t("activities.mark_done"),
            key="fu_done",
            disabled=to_close is None,
            on_click=complete_followup,
            args=(ctx, engine, DONE_OUTCOME),
        )

# ---------------------------------------------------------------- recent activities
st.subheader(ctx.t("activities.recent"))
recent = views.recent_activities(ctx.db_url, ctx.as_of, 50)
if recent.empty:
    st.info(ctx.t("activities.none"))
else:
    show_table(
        ctx,
        recent,
        {
            "occurred_at": "datetime",
            "company_name": "text",
            "kind": "enum:kind",
            "title": "text",
            "contact_name": "text",
            "outcome": "text",
            "duration_min": "number",
            "owner": "text",
        },
        key="recent_activities",
    )
