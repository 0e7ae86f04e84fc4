"""Pipeline: deals by stage, weighted pipeline and forecast, close months, win rates, deals needing care, forms."""

from __future__ import annotations

import streamlit as st

from crm_core.charts.forecast import accuracy_chart
from crm_core.charts.pipeline import (
    close_month_chart,
    stage_funnel_chart,
    win_rate_chart,
)
from crm_core.i18n import format_money, format_number
from crm_core.i18n.formatting import format_money_short
from crm_core.ui import cache, derived, views
from crm_core.ui.chart_view import show_built_chart
from crm_core.ui.context import current
from crm_core.ui.kpis import money_help
from crm_core.ui.pipeline_forms import pipeline_board, pipeline_forms
from crm_core.ui.tables import capped_table, show_table
from crm_core.ui.welcome import require_data
from crm_core.views.forecast import accuracy_text

DEAL_TABLE = {
    "company_name": "text",
    "name": "text",
    "stage": "enum:stage",
    "amount": "money",
    "probability": "probability",
    "weighted": "money",
    "expected_close": "date",
    "owner": "text",
}

ctx = current()
require_data(ctx)
engine = cache.engine(ctx.db_url)
st.title(ctx.t("pipeline.title"))
view = views.pipeline(ctx.db_url, ctx.as_of)

# ---------------------------------------------------------------- headline figures
totals = view.totals
cols = st.columns(5)
cols[0].metric(ctx.t("pipeline.open_deals"), format_number(totals["open_count"], ctx.lang))
cols[1].metric(
    ctx.t("pipeline.amount"),
    format_money_short(totals["open_amount"], ctx.lang),
    help=format_money(totals["open_amount"], ctx.lang, 0),
)
cols[2].metric(
    ctx.t("pipeline.weighted"),
    format_money_short(totals["weighted"], ctx.lang),
    help=money_help(ctx.t("pipeline.weighted_help"), totals["weighted"], ctx.lang),
)
cols[3].metric(
    ctx.t("pipeline.forecast_30d"),
    format_money_short(totals["forecast_30d"], ctx.lang),
    help=money_help(ctx.t("pipeline.forecast_help"), totals["forecast_30d"], ctx.lang),
)
cols[4].metric(
    ctx.t("pipeline.forecast_90d"),
    format_money_short(totals["forecast_90d"], ctx.lang),
    help=money_help(ctx.t("pipeline.forecast_help"), totals["forecast_90d"], ctx.lang),
)
with st.spinner(ctx.t("forecast.accuracy_heading")):
    accuracy = derived.forecast_accuracy(ctx.db_url, ctx.as_of)
for column, h in zip(cols[3:], (30, 90), strict=True):
    column.caption(
        ctx.t(
            "pipeline.forecast_parts",
            learned=format_money(totals[f"learned_{h}d"], ctx.lang, 0),
            new=format_money(totals[f"new_{h}d"], ctx.lang, 0),
            typed=format_money(totals[f"typed_{h}d"], ctx.lang, 0),
        )
    )
    if accuracy is not None:
        column.caption(accuracy_text(accuracy, h, "pipeline", ctx.lang), help=ctx.t("forecast.accuracy_help"))
if accuracy is None:  # a large portfolio's backtest, still running in the background
    derived.refresh_when_ready(ctx.db_url, ctx.as_of)

# ---------------------------------------------------------------- forecast by owner and past accuracy
left, right = st.columns(2)
with left:
    st.subheader(ctx.t("pipeline.by_owner"))
    owners = view.by_owner.assign(owner=view.by_owner["owner"].replace("", ctx.t("pipeline.no_owner")))
    show_table(
        ctx,
        owners,
        {
            "owner": "text",
            "open_deals": "number",
            "total_30d": "money",
            "typed_30d": "money",
            "total_90d": "money",
            "typed_90d": "money",
            "learned_90d": "money",
            "new_90d": "money",
        },
        key="owner_table",
        keep=True,
    )
    st.caption(ctx.t("pipeline.by_owner_help"))
with right:
    for h in (30, 90):
        if accuracy is not None and accuracy.figure(h, "pipeline")["dates"]:
            show_built_chart(accuracy_chart, (accuracy.scores,), ("pipeline", h, ctx.lang), key=f"pipeline_accuracy_{h}")

# ---------------------------------------------------------------- by stage and by month
summary = view.by_stage
left, right = st.columns(2)
with left:
    show_built_chart(stage_funnel_chart, (summary,), (ctx.lang,), key="funnel")
with right:
    st.subheader(ctx.t("pipeline.by_stage"))
    show_table(
        ctx,
        summary,
        {"stage": "enum:stage", "count": "number", "amount": "money", "weighted": "money"},
        key="stage_table",
        keep=True,
    )
    st.caption(ctx.t("pipeline.closed_window"))

by_month = view.by_month
left, right = st.columns(2)
with left:
    if by_month.empty:
        st.info(ctx.t("pipeline.no_close_dates"))
    else:
        show_built_chart(close_month_chart, (by_month,), (ctx.lang,), key="close_months")
with right:
    rates = view.win_rates
    show_built_chart(win_rate_chart, (rates,), (ctx.lang,), key="win_rates")
    show_table(
        ctx,
        rates,
        {
            "stage": "enum:stage",
            "closed": "number",
            "won": "number",
            "observed_rate": "probability",
            "win_rate": "probability",
            "mean_typed_probability": "probability",
            "default_probability": "probability",
        },
        key="win_rate_table",
        keep=True,
    )
    st.caption(ctx.t("pipeline.win_rates_help"))

# ---------------------------------------------------------------- deals needing care
stale = view.stale
missing = view.no_next_activity
left, right = st.columns(2)
with left:
    st.subheader(ctx.t("pipeline.stale", count=format_number(len(stale), ctx.lang)))
    st.caption(ctx.t("pipeline.stale_help"))
    capped_table(
        ctx,
        stale,
        {**DEAL_TABLE, "days_idle": "days", "close_passed": "bool"},
        key="stale_table",
        keep=True,
        empty_message=ctx.t("pipeline.none_stale"),
    )
with right:
    st.subheader(ctx.t("pipeline.no_next", count=format_number(len(missing), ctx.lang)))
    st.caption(ctx.t("pipeline.no_next_help"))
    capped_table(ctx, missing, DEAL_TABLE, key="no_next_table", keep=True, empty_message=ctx.t("pipeline.none_missing"))

# ---------------------------------------------------------------- board and forms
st.subheader(ctx.t("board.title"), help=ctx.t("board.help"))
pipeline_board(ctx, engine, view.board, view.open_deals)
st.subheader(ctx.t("pipeline.actions"))
pipeline_forms(ctx, engine, views.client_names(ctx.db_url), view.open_deals)
