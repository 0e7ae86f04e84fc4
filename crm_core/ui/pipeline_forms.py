"""Pipeline forms: create an opportunity (probability from its stage unless typed), edit an open one, move its stage, won / lost.

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
from crm_core.errors import CRMError
from crm_core.i18n import format_date, format_money, format_number, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui import choices
from crm_core.ui.context import PageContext
from crm_core.ui.forms import blank_to_none, error_lines, money_input, perform, read_amount, show_outcome, succeed
from crm_core.ui.markdown import literal
from crm_core.ui.owners import owner_picker
from crm_core.ui.pickers import client_picker, deal_picker
from crm_core.views.board import BoardColumn, neighbour_stages

OUTCOME_KEY = "_pipeline_outcome"
# Fields emptied after a save (a widget is reset by setting its state, not by deleting it).
NEW_RESET: dict[str, object] = {
    "opp_client": None,
    "opp_name": "",
    "opp_amount": "",
    "opp_probability": None,
    "opp_owner": "",
    "opp_description": "",
}
EDIT_FIELDS: tuple[str, ...] = ("amount", "expected_close", "probability", "owner", "notes")


def _amount_or_error(ctx: PageContext, key: str, field: str) -> tuple[bool, object]:
    """(True, amount) when the typed amount reads in the UI language, else (False, None) with the error kept for the form."""
    try:
        return True, read_amount(ctx, key, field)
    except CRMError as exc:
        st.session_state[OUTCOME_KEY] = ("error", error_lines(ctx, exc))
        return False, None


def _create(ctx: PageContext, engine: Engine) -> None:
    state = st.session_state
    if state.get("opp_client") is None:
        state[OUTCOME_KEY] = ("error", [f"{ctx.t('field.client')}: {ctx.t('activities.pick_client')}"])
        return
    ok, amount = _amount_or_error(ctx, "opp_amount", "amount")
    if not ok:
        return
    created = perform(
        ctx,
        OUTCOME_KEY,
        services.create_opportunity,
        engine,
        {
            "client_id": state["opp_client"],
            "name": state.get("opp_name", ""),
            "amount": amount,
            "stage": state.get("opp_stage"),
            "probability": state.get("opp_probability"),
            "expected_close": state.get("opp_close"),
            "owner": blank_to_none(state.get("opp_owner")),
            "description": blank_to_none(state.get("opp_description")),
        },
    )
    if created:
        succeed(OUTCOME_KEY, ctx.t("pipeline.created", name=created.name, probability=created.probability))
        for key, value in NEW_RESET.items():
            state[key] = value


def move_deal(ctx: PageContext, engine: Engine, deal_id: int, stage: str, version: int, probability: int | None = None) -> None:
    """Move a deal to `stage` (the move form and the board's cards): `services.move_opportunity`, kept picked."""
    moved = perform(
        ctx,
        OUTCOME_KEY,
        services.move_opportunity,
        engine,
        deal_id,
        {"stage": stage, "probability": probability},
        expected_version=version,
    )
    if moved:
        st.session_state["deal_pick"] = deal_id
        succeed(OUTCOME_KEY, ctx.t("pipeline.moved", name=moved.name, stage=label("stage", moved.stage, ctx.lang)))


def _move(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    state = st.session_state
    deal_id = int(state["deal_pick"])
    move_deal(
        ctx,
        engine,
        deal_id,
        state.get(f"move_stage_{deal_id}") or "",
        int(versions[deal_id]),
        state.get(f"move_probability_{deal_id}"),
    )


def _edit(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    """Submit callback of the edit form: amount, expected close, probability, owner, next step of the picked deal."""
    state = st.session_state
    deal_id = int(state["deal_pick"])
    prefix = f"deal_edit_{deal_id}"
    ok, amount = _amount_or_error(ctx, f"{prefix}_amount", "amount")
    if not ok:
        return
    payload = {
        "amount": amount,
        "expected_close": state.get(f"{prefix}_expected_close"),
        "probability": state.get(f"{prefix}_probability"),
        "owner": blank_to_none(state.get(f"{prefix}_owner")),
        "notes": blank_to_none(state.get(f"{prefix}_notes")),
    }
    edited = perform(
        ctx, OUTCOME_KEY, services.update_opportunity, engine, deal_id, payload, expected_version=int(versions[deal_id])
    )
    if edited:
        for name in EDIT_FIELDS:
            state.pop(f"{prefix}_{name}", None)  # seeded again from the saved deal
        succeed(OUTCOME_KEY, ctx.t("pipeline.edited", name=edited.name))


def _won(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    state = st.session_state
    deal_id = int(state["deal_pick"])
    ok, amount = _amount_or_error(ctx, f"won_amount_{deal_id}", "won_amount")
    if not ok:
        return
    won = perform(
        ctx,
        OUTCOME_KEY,
        services.mark_won,
        engine,
        deal_id,
        amount,
        state.get("won_on"),
        expected_version=int(versions[deal_id]),
    )
    if won:
        succeed(OUTCOME_KEY, ctx.t("pipeline.won", name=won.name, amount=format_money(won.won_amount, ctx.lang)))


def _lost(ctx: PageContext, engine: Engine, versions: pd.Series) -> None:
    state = st.session_state
    deal_id = int(state["deal_pick"])
    lost = perform(
        ctx,
        OUTCOME_KEY,
        services.mark_lost,
        engine,
        deal_id,
        state.get("lost_reason", ""),
        state.get("lost_on"),
        expected_version=int(versions[deal_id]),
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
        client_picker(
            ctx, ctx.t("field.client"), names, placeholder=ctx.t("activities.pick_client"), key="opp_client", container=row[0]
        )
        row[1].text_input(ctx.t("field.name"), key="opp_name", max_chars=200)
        row = list(st.columns(4))
        money_input(ctx, ctx.t("field.amount"), "opp_amount", container=row[0])
        choices.selectbox(ctx.t("field.stage"), OPEN_STAGE_VALUES, format_func=stage_name, key="opp_stage", container=row[1])
        row[2].number_input(
            ctx.t("field.probability"),
            value=None,
            step=5,
            key="opp_probability",
            placeholder=ctx.t("pipeline.probability_default"),
            help=ctx.t(
                "pipeline.probability_help",
                defaults=", ".join(f"{stage_name(s.value)} {DEFAULT_STAGE_PROBABILITY[s]}%" for s in OPEN_STAGES),
            ),
        )
        row[3].date_input(ctx.t("field.expected_close"), value=ctx.as_of + timedelta(days=30), key="opp_close", format=pattern)
        row = st.columns([1, 3])
        owner_picker(ctx, row[0], ctx.t("field.owner"), "opp_owner", default=None if ctx.viewer is None else ctx.viewer.name)
        row[1].text_input(ctx.t("field.description"), key="opp_description")
        st.form_submit_button(ctx.t("pipeline.create"), type="primary", key="opp_save", on_click=_create, args=(ctx, engine))

    if deals.empty:
        update_tab.info(ctx.t("pipeline.no_open"))
        return
    with update_tab:
        deal_id = deal_picker(ctx, ctx.t("pipeline.deal"), deals, stage_name, key="deal_pick")
        if deal_id is None or not (deals["opportunity_id"] == deal_id).any():
            return
        by_id = deals.set_index("opportunity_id")
        versions = by_id["version"]
        deal = by_id.loc[deal_id]
        _edit_form(ctx, engine, int(deal_id), deal, versions, pattern)
        move_col, won_col, lost_col = st.columns(3)
        # keyed by deal: the stage starts at the deal's own, the won amount at its amount
        st.session_state.setdefault(f"move_stage_{deal_id}", deal["stage"])
        st.session_state.setdefault(f"won_amount_{deal_id}", format_number(float(deal["amount"]), ctx.lang, 2))
        with move_col, st.form("opp_move"):
            st.markdown(f"**{ctx.t('pipeline.move')}**")
            choices.selectbox(ctx.t("field.stage"), OPEN_STAGE_VALUES, format_func=stage_name, key=f"move_stage_{deal_id}")
            st.number_input(
                ctx.t("field.probability"),
                value=None,
                step=5,
                key=f"move_probability_{deal_id}",
                placeholder=ctx.t("pipeline.probability_default"),
            )
            st.form_submit_button(ctx.t("pipeline.move_button"), key="move_save", on_click=_move, args=(ctx, engine, versions))
        with won_col, st.form("opp_won"):
            st.markdown(f"**{ctx.t('pipeline.mark_won')}**")
            money_input(ctx, ctx.t("field.won_amount"), f"won_amount_{deal_id}")
            st.date_input(ctx.t("field.closed_at"), value=ctx.as_of, key="won_on", format=pattern)
            st.form_submit_button(ctx.t("pipeline.mark_won"), key="won_save", on_click=_won, args=(ctx, engine, versions))
        with lost_col, st.form("opp_lost"):
            st.markdown(f"**{ctx.t('pipeline.mark_lost')}**")
            st.text_input(ctx.t("field.lost_reason"), key="lost_reason", max_chars=300)
            st.date_input(ctx.t("field.closed_at"), value=ctx.as_of, key="lost_on", format=pattern)
            st.form_submit_button(ctx.t("pipeline.mark_lost"), key="lost_save", on_click=_lost, args=(ctx, engine, versions))


def _edit_form(ctx: PageContext, engine: Engine, deal_id: int, deal: pd.Series, versions: pd.Series, pattern: str) -> None:
    """Edit an open deal: amount, expected close, probability, account manager, next step (seeded from the deal)."""
    prefix = f"deal_edit_{deal_id}"
    state = st.session_state
    seeds = {
        "amount": format_number(float(deal["amount"]), ctx.lang, 2),
        "expected_close": None if pd.isna(deal["expected_close"]) else pd.Timestamp(deal["expected_close"]).date(),
        "probability": int(deal["probability"]),
        "owner": "" if pd.isna(deal["owner"]) else str(deal["owner"]),
        "notes": "" if pd.isna(deal.get("notes")) else str(deal.get("notes")),
    }
    for name, value in seeds.items():
        state.setdefault(f"{prefix}_{name}", value)
    with st.form("opp_edit"):
        st.markdown(f"**{ctx.t('pipeline.edit')}**")
        row = st.columns(4)
        money_input(ctx, ctx.t("field.amount"), f"{prefix}_amount", container=row[0])
        row[1].date_input(ctx.t("field.expected_close"), key=f"{prefix}_expected_close", format=pattern)
        row[2].number_input(ctx.t("field.probability"), step=5, key=f"{prefix}_probability")
        owner_picker(ctx, row[3], ctx.t("field.owner"), f"{prefix}_owner")
        st.text_input(ctx.t("pipeline.next_step"), key=f"{prefix}_notes", help=ctx.t("pipeline.next_step_help"))
        st.form_submit_button(ctx.t("pipeline.edit_save"), key="edit_save", on_click=_edit, args=(ctx, engine, versions))


def _open_deal(deal_id: int) -> None:
    """Card button callback: pick the deal in the forms below (edit, move, won, lost)."""
    st.session_state["deal_pick"] = deal_id


def pipeline_board(ctx: PageContext, engine: Engine, columns: list[BoardColumn]) -> None:
    """The open deals as cards in one column per stage; the arrows move a card one stage (services.move_opportunity)."""
    stage_name = lambda s: label("stage", s, ctx.lang)  # noqa: E731 - a format_func
    for column, place in zip(columns, st.columns(len(columns)), strict=True):
        with place:
            st.markdown(f"**{stage_name(column.stage)}** · {format_number(column.count, ctx.lang)}")
            st.caption(format_money(column.amount, ctx.lang, 0))
            previous, following = neighbour_stages(column.stage)
            for card in column.cards.itertuples():
                deal_id, version = int(card.opportunity_id), int(card.version)
                with st.container(border=True, key=f"card_{deal_id}"):
                    stale = f" · :orange[{ctx.t('board.stale')}]" if card.stale else ""
                    st.markdown(f"**{literal(card.name)}**{stale}  \n{literal(card.company_name)}")
                    close = "—" if pd.isna(card.expected_close) else format_date(card.expected_close, ctx.lang)
                    st.caption(f"{format_money(card.amount, ctx.lang, 0)} · {ctx.t('board.closes', date=close)}")
                    buttons = st.columns(3)
                    if previous is not None:
                        buttons[0].button(
                            "←",
                            key=f"board_prev_{deal_id}",
                            help=ctx.t("board.move_to", stage=stage_name(previous)),
                            on_click=move_deal,
                            args=(ctx, engine, deal_id, previous, version),
                        )
                    buttons[1].button(
                        "✎", key=f"board_open_{deal_id}", help=ctx.t("board.open"), on_click=_open_deal, args=(deal_id,)
                    )
                    if following is not None:
                        buttons[2].button(
                            "→",
                            key=f"board_next_{deal_id}",
                            help=ctx.t("board.move_to", stage=stage_name(following)),
                            on_click=move_deal,
                            args=(ctx, engine, deal_id, following, version),
                        )
            if column.hidden:
                st.caption(ctx.t("board.more", count=format_number(column.hidden, ctx.lang)))
