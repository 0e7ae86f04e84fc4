"""How the Health page draws the at-risk export frame: score bars, € amounts, dates per language."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui.context import PageContext
from crm_core.ui.tables import styled


def at_risk_column_config(ctx: PageContext) -> dict[str, Any]:
    """st.dataframe column_config for `at_risk_export` frames (keyed by their translated headers)."""
    churn, overdue = ctx.t("at_risk.churn_score"), ctx.t("at_risk.overdue")
    expected, oldest = ctx.t("at_risk.expected_revenue_90d"), ctx.t("at_risk.oldest_unpaid")
    return {
        churn: st.column_config.ProgressColumn(churn, min_value=0, max_value=100, format="%.0f"),
        overdue: st.column_config.NumberColumn(overdue),  # written in the UI language by at_risk_styled
        expected: st.column_config.NumberColumn(expected),
        oldest: st.column_config.DateColumn(oldest, format=date_format_pattern(ctx.lang)),
    }


def at_risk_styled(ctx: PageContext, frame: pd.DataFrame) -> pd.DataFrame | Styler:
    """The at-risk frame with its amounts written in the UI language (the cells stay numbers)."""
    money = {ctx.t("at_risk.overdue"): "money", ctx.t("at_risk.expected_revenue_90d"): "money"}
    return styled(frame, money, ctx.lang)


# The list on screen leads with what a manager acts on; the export keeps the column order.
SCREEN_ORDER: tuple[str, ...] = (
    "field.company_name",
    "at_risk.churn_score",
    "at_risk.churn_reason",
    "at_risk.default_risk",
    "at_risk.overdue",
    "at_risk.suggested_action",
    "at_risk.oldest_unpaid",
    "at_risk.days_since_activity",
    "at_risk.expected_revenue_90d",
    "at_risk.lifecycle",
    "field.owner",
    "field.phone",
    "field.email",
    "field.tax_id",
)


def at_risk_column_order(ctx: PageContext) -> list[str]:
    """The translated headers of the at-risk list in screen order."""
    return [ctx.t(key) for key in SCREEN_ORDER]
