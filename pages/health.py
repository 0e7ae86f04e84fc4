"""Health: churn and default-risk distributions, DSO and on-time rate, the at-risk list and its CSV export."""

from __future__ import annotations

import streamlit as st

from crm_core.charts import health as charts
from crm_core.enums import RiskLevel
from crm_core.i18n import (
    format_date,
    format_days,
    format_money,
    format_number,
    format_percent,
    label,
)
from crm_core.io.at_risk import SEPARATORS, export_file_name
from crm_core.ui import cache, choices, derived
from crm_core.ui.at_risk_table import (
    at_risk_column_config,
    at_risk_column_order,
    at_risk_styled,
)
from crm_core.ui.chart_view import show_chart
from crm_core.ui.context import current
from crm_core.ui.tables import EMPTY_CELL
from crm_core.ui.welcome import require_data
from crm_core.views.at_risk import DEFAULT_SETTINGS, overdue_total
from crm_core.views.health import AT_RISK_PAGE_SIZE, payment_overview
from crm_core.views.paging import page_count, page_of, page_rows

ctx = current()
require_data(ctx)
st.title(ctx.t("health.title"))
st.caption(ctx.t("health.subtitle", as_of=format_date(ctx.as_of, ctx.lang)))

health = cache.health(ctx.db_url, ctx.as_of)
summary = derived.summary(ctx.db_url, ctx.as_of)
payments = payment_overview(health)

st.subheader(ctx.t("health.distributions"))
cols = st.columns(2)
cols[0].metric(
    ctx.t("health.median_dso"),
    format_days(payments["median_dso"], ctx.lang, 1),
    help=ctx.t("health.median_dso_help"),
    border=True,
)
cols[1].metric(
    ctx.t("health.on_time"), format_percent(payments["mean_on_time"], ctx.lang, 1), help=ctx.t("health.on_time_help"), border=True
)
left, right = st.columns(2)
with left:
    show_chart(charts.churn_histogram(health, ctx.lang), key="chart_churn")
with right:
    show_chart(charts.risk_level_chart(summary["by_risk"], ctx.lang), key="chart_risk_levels")
with left:
    show_chart(charts.dso_histogram(health, ctx.lang), key="chart_dso")
with right:
    show_chart(charts.on_time_histogram(health, ctx.lang), key="chart_on_time")

st.subheader(ctx.t("health.at_risk_heading"))
st.caption(ctx.t("health.thresholds"))
controls = st.columns(3)
churn_min = controls[0].slider(
    ctx.t("health.churn_min"), 0, 100, int(DEFAULT_SETTINGS.at_risk_churn_min), step=5, key="health_churn_min"
)
st.session_state.setdefault("health_risk_levels", list(DEFAULT_SETTINGS.at_risk_levels))
risk_levels = choices.multiselect(
    ctx.t("health.risk_levels"),
    [level.value for level in RiskLevel],
    container=controls[1],
    format_func=lambda level: label("risk", level, ctx.lang),
    key="health_risk_levels",
    placeholder=ctx.t("health.no_levels"),
)
overdue_min = controls[2].number_input(
    ctx.t("health.overdue_min"), min_value=0.0, value=None, step=500.0, key="health_overdue_min"
)

table = derived.at_risk_export(ctx.db_url, ctx.as_of, ctx.lang, float(churn_min), tuple(risk_levels), overdue_min)
metrics = st.columns(2)
metrics[0].metric(ctx.t("health.at_risk_count"), format_number(len(table), ctx.lang), border=True)
metrics[1].metric(ctx.t("health.overdue_at_risk"), format_money(overdue_total(table, ctx.lang), ctx.lang, 0), border=True)

if table.empty:
    st.info(ctx.t("health.none_at_risk"))
else:
    pages = page_count(len(table), AT_RISK_PAGE_SIZE)
    page_no = st.number_input(ctx.t("common.page"), min_value=1, max_value=pages, value=1, key="health_page") if pages > 1 else 1
    shown = page_of(table, int(page_no), AT_RISK_PAGE_SIZE)
    first, last = page_rows(len(table), int(page_no), AT_RISK_PAGE_SIZE)
    st.caption(
        ctx.t(
            "health.showing",
            first=format_number(first, ctx.lang),
            last=format_number(last, ctx.lang),
            total=format_number(len(table), ctx.lang),
        )
    )
    st.dataframe(
        at_risk_styled(ctx, shown),
        hide_index=True,
        width="stretch",
        column_config=at_risk_column_config(ctx),
        column_order=at_risk_column_order(ctx),
        key="health_at_risk_table",
        placeholder=EMPTY_CELL,
    )

export = st.columns([1, 2])
sep = export[0].radio(
    ctx.t("health.separator"),
    SEPARATORS,
    index=1 if ctx.lang == "es" else 0,
    key=f"health_sep_{ctx.lang}",
    format_func=lambda s: ctx.t("health.separator_semicolon" if s == ";" else "health.separator_comma"),
)
export[1].download_button(
    ctx.t("health.download"),
    data=derived.at_risk_csv_later(ctx.db_url, ctx.as_of, ctx.lang, float(churn_min), tuple(risk_levels), overdue_min, sep),
    file_name=export_file_name(ctx.as_of, ctx.lang),
    mime="text/csv",
    help=ctx.t("health.download_help"),
    icon=":material/download:",
    key="health_download",
    disabled=table.empty,
)
