"""Pipeline forms: create an opportunity (probability from its stage unless typed), move its stage, won / lost.

Each write runs in its submit button's callback (see `forms.perform`), so the figures drawn above
the forms on the same run already include it.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core import services
from crm_core.enums import DEFAULT_STAGE_PROBABILITY, OPEN_STAGE_VALUES, OPEN_STAGES
from crm_core.i18n import format_money, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui import choices
from crm_core.ui.context import PageContext
from crm_core.ui.forms import blank_to_none, perform, show_outcome, succeed

OUTCOME_KEY = "_pipeline_outcome"
# Fields emptied after a save (a widget is reset by setting its state, not by deleting it).
NEW_RESET: dict[str, object] = {
    "opp_client": None, "opp_name": "", "opp_amount": None, "opp_probability": None, "opp_owner": "", "opp_description": "",
}


def _create(ctx: PageContext, engine: Engine) -> None:
    state = st.session_state
    if state.get("opp_client") is None:
        state[OUTCOME_KEY] = ("error", [f"{ctx.t('field.client')}: {ctx.t('activities.pick_client')}"])
        return
    created = perform(ctx, OUTCOME_KEY, services.create_opportunity, engine, {
        "client_id": state["opp_client"],
        "name": state.get("opp_name", ""),
        "amount": state.get("opp_amount"),
        "stage": state.get("opp_stage"),
        "probability": state.get("opp_probability"),
        "expected_close": state.get("opp_close"),
        "owner": blank_to_none(state.get("opp_owner")),
        "description": blank_to_none(state.get("opp_description")),
    })
    if created:
        succeed(OUTCOME_KEY, ctx.t("pipeline.created", name=created.name, probability=created.probability))
        for key, value in NEW_RESET.items():
            state[key] = value


def _move(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    state = st.session_state
    deal_id = int(state["deal_pick"])
    moved = perform(
        ctx, OUTCOME_KEY, services.move_opportunity, engine, deal_id,
        {"stage": state.get("move_stage"), "probability": state.get("move_probability")},
        expected_version=int(versions[deal_id]),
    )
    if moved:
        succeed(OUTCOME_KEY, ctx.t("pipeline.moved", name=moved.name, stage=label("stage", moved.stage, ctx.lang)))


def _won(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    state = st.session_state
    deal_id = int(state["deal_pick"])
    won = perform(
        ctx, OUTCOME_KEY, services.mark_won, engine, deal_id, state.get(f"won_amount_{deal_id}"),
        state.get("won_on"), expected_version=int(versions[deal_id]),
    )
    if won:
        succeed(OUTCOME_KEY, ctx.t("pipeline.won", name=won.name, amount=format_money(won.won_amount, ctx.lang)))


def _lost(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    state = st.session_state
    deal_id = int(state["deal_pick"])
    lost = perform(
        ctx, OUTCOME_KEY, services.mark_lost, engine, deal_id, state.get("lost_reason", ""),
        state.get("lost_on"), expected_version=int(versions[deal_id]),
    )
    if lost:
        succeed(OUTCOME_KEY, ctx.t("pipeline.lost", name=lost.name))
        state["lost_reason"] = ""


def pipeline_forms(ctx: PageContext, engine: Engine, names: pd.Series, deals: pd.DataFrame) -> None:
    """Two tabs: a new opportunity; an open one (picked once) to move, mark won or mark lost."""
    pattern = date_format_pattern(ctx.lang)
    stage_name = lambda s: label("stage", s, ctx.lang)  # noqa: E731 - a format_func
    show_outcome(OUTCOME_KEY)
    new_tab, update_tab = st.tabs([ctx.t("pipeline.new"), ctx.t("pipeline.update")])
    with new_tab, st.form("opp_new"):
        row = st.columns([2, 2])
        choices.selectbox(
            ctx.t("field.client"), names.index.tolist(), format_func=lambda cid: names.get(cid, str(cid)),
            index=None, placeholder=ctx.t("activities.pick_client"), key="opp_client", container=row[0],
        )
        row[1].text_input(ctx.t("field.name"), key="opp_name", max_chars=200)
        row = st.columns(4)
        row[0].number_input(ctx.t("field.amount"), min_value=0.0, value=None, step=100.0, key="opp_amount")
        choices.selectbox(ctx.t("field.stage"), OPEN_STAGE_VALUES, format_func=stage_name, key="opp_stage", container=row[1])
        row[2].number_input(
            ctx.t("field.probability"), min_value=0, max_value=100, value=None, step=5, key="opp_probability",
            placeholder=ctx.t("pipeline.probability_default"),
            help=ctx.t("pipeline.probability_help", defaults=", ".join(
                f"{stage_name(s.value)} {DEFAULT_STAGE_PROBABILITY[s]}%" for s in OPEN_STAGES
            )),
        )
        row[3].date_input(
            ctx.t("field.expected_close"), value=ctx.as_of + timedelta(days=30), key="opp_close", format=pattern
        )
        row = st.columns([1, 3])
        row[0].text_input(ctx.t("field.owner"), key="opp_owner")
        row[1].text_input(ctx.t("field.description"), key="opp_description")
        st.form_submit_button(ctx.t("pipeline.create"), type="primary", key="opp_save", on_click=_create, args=(ctx, engine))

    if deals.empty:
        update_tab.info(ctx.t("pipeline.no_open"))
        return
    deal_labels = dict(zip(
        deals["opportunity_id"],
        deals["company_name"] + " · " + deals["name"] + " (" + deals["stage"].map(stage_name) + ")",
        strict=True,
    ))
    by_id = deals.set_index("opportunity_id")
    versions = by_id["version"]
    with update_tab:
        deal_id = choices.selectbox(
            ctx.t("pipeline.deal"), list(deal_labels), format_func=lambda oid: deal_labels.get(oid, str(oid)),
            key="deal_pick",
        )
        move_col, won_col, lost_col = st.columns(3)
        with move_col, st.form("opp_move"):
            st.markdown(f"**{ctx.t('pipeline.move')}**")
            choices.selectbox(ctx.t("field.stage"), OPEN_STAGE_VALUES, format_func=stage_name, key="move_stage")
            st.number_input(
                ctx.t("field.probability"), min_value=0, max_value=100, value=None, step=5, key="move_probability",
                placeholder=ctx.t("pipeline.probability_default"),
            )
            st.form_submit_button(ctx.t("pipeline.move_button"), key="move_save", on_click=_move, args=(ctx, engine, versions))
        with won_col, st.form("opp_won"):
            st.markdown(f"**{ctx.t('pipeline.mark_won')}**")
            st.number_input(
                ctx.t("field.won_amount"), min_value=0.0, value=float(by_id.loc[deal_id, "amount"]), step=100.0,
                key=f"won_amount_{deal_id}",
            )
            st.date_input(ctx.t("field.closed_at"), value=ctx.as_of, key="won_on", format=pattern)
            st.form_submit_button(ctx.t("pipeline.mark_won"), key="won_save", on_click=_won, args=(ctx, engine, versions))
        with lost_col, st.form("opp_lost"):
            st.markdown(f"**{ctx.t('pipeline.mark_lost')}**")
            st.text_input(ctx.t("field.lost_reason"), key="lost_reason", max_chars=300)
            st.date_input(ctx.t("field.closed_at"), value=ctx.as_of, key="lost_on", format=pattern)
            st.form_submit_button(ctx.t("pipeline.mark_lost"), key="lost_save", on_click=_lost, args=(ctx, engine, versions))
