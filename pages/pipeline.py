"""Pipeline: deals by stage, weighted pipeline and forecast, close months, win rates, deals needing care, forms."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from crm_core import services
from crm_core.analytics.pipeline import stage_win_rates
from crm_core.charts_pipeline import close_month_chart, stage_funnel_chart, win_rate_chart
from crm_core.client_views import client_names
from crm_core.enums import DEFAULT_STAGE_PROBABILITY, OPEN_STAGES, Stage
from crm_core.i18n import format_money, format_number, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.pipeline_views import (
    close_by_month,
    deals_without_next_activity,
    open_deals,
    pipeline_totals,
    stage_summary,
    stale_deals,
)
from crm_core.ui import cache
from crm_core.ui.context import current
from crm_core.ui.forms import blank_to_none, flash_and_rerun, show_flash, submit
from crm_core.ui.tables import show_table
from crm_core.ui.welcome import require_data

OPEN_STAGE_VALUES = [s.value for s in OPEN_STAGES]
DEAL_TABLE = {
    "company_name": "text", "name": "text", "stage": "enum:stage", "amount": "money",
    "probability": "probability", "weighted": "money", "expected_close": "date", "owner": "text",
}

ctx = current()
require_data(ctx)
engine = cache.engine(ctx.db_url)
pattern = date_format_pattern(ctx.lang)
st.title(ctx.t("pipeline.title"))
show_flash("pipeline")
data = cache.frames(ctx.db_url)

# ---------------------------------------------------------------- headline figures
totals = pipeline_totals(data, ctx.as_of)
cols = st.columns(5)
cols[0].metric(ctx.t("pipeline.open_deals"), format_number(totals["open_count"], ctx.lang))
cols[1].metric(ctx.t("pipeline.amount"), format_money(totals["open_amount"], ctx.lang, 0))
cols[2].metric(ctx.t("pipeline.weighted"), format_money(totals["weighted"], ctx.lang, 0), help=ctx.t("pipeline.weighted_help"))
cols[3].metric(ctx.t("pipeline.forecast_30d"), format_money(totals["forecast_30d"], ctx.lang, 0), help=ctx.t("pipeline.forecast_help"))
cols[4].metric(ctx.t("pipeline.forecast_90d"), format_money(totals["forecast_90d"], ctx.lang, 0), help=ctx.t("pipeline.forecast_help"))

# ---------------------------------------------------------------- by stage and by month
summary = stage_summary(data, ctx.as_of)
left, right = st.columns(2)
with left:
    st.plotly_chart(stage_funnel_chart(summary, ctx.lang), width="stretch", key="funnel")
with right:
    st.subheader(ctx.t("pipeline.by_stage"))
    show_table(ctx, summary, {"stage": "enum:stage", "count": "number", "amount": "money", "weighted": "money"}, key="stage_table")
    st.caption(ctx.t("pipeline.closed_window"))

by_month = close_by_month(data, ctx.as_of)
left, right = st.columns(2)
with left:
    if by_month.empty:
        st.info(ctx.t("pipeline.no_close_dates"))
    else:
        st.plotly_chart(close_month_chart(by_month, ctx.lang), width="stretch", key="close_months")
with right:
    rates = stage_win_rates(data, ctx.as_of)
    st.plotly_chart(win_rate_chart(rates, ctx.lang), width="stretch", key="win_rates")
    show_table(
        ctx, rates,
        {"stage": "enum:stage", "closed": "number", "won": "number", "observed_rate": "probability",
         "win_rate": "probability", "mean_typed_probability": "probability", "default_probability": "probability"},
        key="win_rate_table",
    )
    st.caption(ctx.t("pipeline.win_rates_help"))

# ---------------------------------------------------------------- deals needing care
stale = stale_deals(data, ctx.as_of)
missing = deals_without_next_activity(data, ctx.as_of)
left, right = st.columns(2)
with left:
    st.subheader(ctx.t("pipeline.stale", count=len(stale)))
    st.caption(ctx.t("pipeline.stale_help"))
    if stale.empty:
        st.info(ctx.t("pipeline.none_stale"))
    else:
        show_table(ctx, stale, {**DEAL_TABLE, "days_idle": "days", "close_passed": "bool"}, key="stale_table", height=300)
with right:
    st.subheader(ctx.t("pipeline.no_next", count=len(missing)))
    st.caption(ctx.t("pipeline.no_next_help"))
    if missing.empty:
        st.info(ctx.t("pipeline.none_missing"))
    else:
        show_table(ctx, missing, DEAL_TABLE, key="no_next_table", height=300)

# ---------------------------------------------------------------- forms
st.subheader(ctx.t("pipeline.actions"))
names = client_names(data)
deals = open_deals(data, ctx.as_of).sort_values(["company_name", "name"])
new_tab, move_tab, close_tab = st.tabs(
    [ctx.t("pipeline.new"), ctx.t("pipeline.move"), ctx.t("pipeline.close")]
)
with new_tab, st.form("opp_new"):
    row = st.columns([2, 2])
    client_id = row[0].selectbox(
        ctx.t("field.client"), names.index.tolist(), format_func=lambda cid: names.get(cid, str(cid)),
        index=None, placeholder=ctx.t("activities.pick_client"), key="opp_client",
    )
    name = row[1].text_input(ctx.t("field.name"), key="opp_name", max_chars=200)
    row = st.columns(4)
    amount = row[0].number_input(ctx.t("field.amount"), min_value=0.0, value=None, step=100.0, key="opp_amount")
    stage = row[1].selectbox(ctx.t("field.stage"), OPEN_STAGE_VALUES, format_func=lambda s: label("stage", s, ctx.lang), key="opp_stage")
    probability = row[2].number_input(
        ctx.t("field.probability"), min_value=0, max_value=100, value=None, step=5, key="opp_probability",
        placeholder=ctx.t("pipeline.probability_default"),
        help=ctx.t("pipeline.probability_help", defaults=", ".join(
            f"{label('stage', s, ctx.lang)} {DEFAULT_STAGE_PROBABILITY[s]}%" for s in OPEN_STAGES
        )),
    )
    expected_close = row[3].date_input(
        ctx.t("field.expected_close"), value=ctx.as_of + timedelta(days=30), key="opp_close", format=pattern
    )
    row = st.columns([1, 3])
    owner = row[0].text_input(ctx.t("field.owner"), key="opp_owner")
    description = row[1].text_input(ctx.t("field.description"), key="opp_description")
    if st.form_submit_button(ctx.t("pipeline.create"), type="primary"):
        if client_id is None:
            st.error(f"{ctx.t('field.client')}: {ctx.t('activities.pick_client')}")
        else:
            created = submit(ctx, services.create_opportunity, engine, {
                "client_id": client_id, "name": name, "amount": amount, "stage": stage,
                "probability": probability, "expected_close": expected_close,
                "owner": blank_to_none(owner), "description": blank_to_none(description),
            })
            if created:
                flash_and_rerun("pipeline", ctx.t("pipeline.created", name=created.name, probability=created.probability))

if deals.empty:
    with move_tab:
        st.info(ctx.t("pipeline.no_open"))
    with close_tab:
        st.info(ctx.t("pipeline.no_open"))
else:
    deal_labels = dict(zip(
        deals["opportunity_id"],
        deals["company_name"] + " · " + deals["name"] + " (" + deals["stage"].map(lambda s: label("stage", s, ctx.lang)) + ")",
        strict=True,
    ))
    by_id = deals.set_index("opportunity_id")
    with move_tab:
        deal_id = st.selectbox(
            ctx.t("pipeline.deal"), list(deal_labels), format_func=lambda oid: deal_labels.get(oid, str(oid)),
            key="move_deal",
        )
        with st.form("opp_move"):
            row = st.columns(2)
            new_stage = row[0].selectbox(ctx.t("field.stage"), OPEN_STAGE_VALUES, format_func=lambda s: label("stage", s, ctx.lang), key="move_stage")
            new_probability = row[1].number_input(
                ctx.t("field.probability"), min_value=0, max_value=100, value=None, step=5, key="move_probability",
                placeholder=ctx.t("pipeline.probability_default"),
            )
            if st.form_submit_button(ctx.t("pipeline.move_button")):
                moved = submit(ctx, services.move_opportunity, engine, int(deal_id),
                               {"stage": new_stage, "probability": new_probability},
                               expected_version=int(by_id.loc[deal_id, "version"]))
                if moved:
                    flash_and_rerun("pipeline", ctx.t("pipeline.moved", name=moved.name, stage=label("stage", moved.stage, ctx.lang)))
    with close_tab:
        deal_id = st.selectbox(
            ctx.t("pipeline.deal"), list(deal_labels), format_func=lambda oid: deal_labels.get(oid, str(oid)),
            key="close_deal",
        )
        version = int(by_id.loc[deal_id, "version"])
        won_col, lost_col = st.columns(2)
        with won_col, st.form("opp_won"):
            st.markdown(f"**{label('stage', Stage.WON.value, ctx.lang)}**")
            won_amount = st.number_input(
                ctx.t("field.won_amount"), min_value=0.0, value=float(by_id.loc[deal_id, "amount"]), step=100.0,
                key=f"won_amount_{deal_id}",
            )
            won_on = st.date_input(ctx.t("field.closed_at"), value=ctx.as_of, key="won_on", format=pattern)
            if st.form_submit_button(ctx.t("pipeline.mark_won")):
                won = submit(ctx, services.mark_won, engine, int(deal_id), won_amount, won_on, expected_version=version)
                if won:
                    flash_and_rerun("pipeline", ctx.t("pipeline.won", name=won.name, amount=format_money(won.won_amount, ctx.lang)))
        with lost_col, st.form("opp_lost"):
            st.markdown(f"**{label('stage', Stage.LOST.value, ctx.lang)}**")
            reason = st.text_input(ctx.t("field.lost_reason"), key="lost_reason", max_chars=300)
            lost_on = st.date_input(ctx.t("field.closed_at"), value=ctx.as_of, key="lost_on", format=pattern)
            if st.form_submit_button(ctx.t("pipeline.mark_lost")):
                lost = submit(ctx, services.mark_lost, engine, int(deal_id), reason, lost_on, expected_version=version)
                if lost:
                    flash_and_rerun("pipeline", ctx.t("pipeline.lost", name=lost.name))
