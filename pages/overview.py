"""Overview: the portfolio at a glance (KPI cards with deltas, revenue, receivables, risk map)."""

from __future__ import annotations

import streamlit as st

from crm_core.charts import overview as charts
from crm_core.charts.forecast import accuracy_chart
from crm_core.i18n import format_date
from crm_core.ui import cache, derived
from crm_core.ui.chart_view import show_chart
from crm_core.ui.context import current
from crm_core.ui.kpis import draw_rows, overview_cards
from crm_core.ui.welcome import require_data
from crm_core.views.forecast import accuracy_text

ctx = current()
require_data(ctx)
st.title(ctx.t("overview.title"))
st.caption(ctx.t("overview.subtitle", as_of=format_date(ctx.as_of, ctx.lang)))

data = derived.overview(ctx.db_url, ctx.as_of)
cards = overview_cards(data.summary, data.year_deltas, ctx.lang)
draw_rows(cards, ctx.lang)
pending_note = st.empty()  # what is still being computed, when anything is (filled at the end)
with st.spinner(ctx.t("forecast.accuracy_heading")):
    accuracy = derived.forecast_accuracy(ctx.db_url, ctx.as_of)
if accuracy is None:  # a large portfolio's backtest, still running in the background
    derived.refresh_when_ready(ctx.db_url, ctx.as_of)
else:
    for h in (30, 90):
        st.caption(accuracy_text(accuracy, h, "total", ctx.lang), help=ctx.t("forecast.accuracy_help"))
    with st.expander(ctx.t("forecast.accuracy_heading")):
        left, right = st.columns(2)
        for column, h in zip((left, right), (30, 90), strict=True):
            with column:
                if accuracy.figure(h, "total")["dates"]:
                    show_chart(accuracy_chart(accuracy.scores, "total", h, ctx.lang), key=f"chart_accuracy_{h}")
                for part in ("recurring", "pipeline"):
                    st.caption(f"{ctx.t(f'forecast.part_{part}')}: {accuracy_text(accuracy, h, part, ctx.lang)}")

show_chart(charts.monthly_revenue_chart(data.monthly, ctx.lang), key="chart_monthly")
left, right = st.columns(2)
with left:
    show_chart(charts.aging_chart(data.summary, ctx.lang), key="chart_aging")
with right:
    show_chart(charts.risk_map_chart(cache.health(ctx.db_url, ctx.as_of), ctx.lang), key="chart_risk_map")

if data.deltas_pending:  # a large portfolio: the health 30 days earlier, computed in the background from now
    derived.rerun_when_deltas_ready(ctx.db_url, ctx.as_of, pending_note)
