"""Client forms: create, edit (with the stale-edit check), add a contact, delete with confirmation.

Widget values live in st.session_state under per-form keys, seeded once from the record, so a
"load the current values" button can reset them after someone else changed the client.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core import services
from crm_core.auth.scope import acting_as
from crm_core.enums import REGIONS, ClientStatus, CompanySize
from crm_core.errors import CRMError, StaleEditError
from crm_core.i18n import label
from crm_core.schemas import ClientOut
from crm_core.store.writes import tables_written
from crm_core.ui import cache, choices
from crm_core.ui.context import PageContext
from crm_core.ui.forms import blank_to_none, error_lines, perform, show_outcome, succeed
from crm_core.ui.markdown import literal
from crm_core.ui.owners import owner_picker, reassign_picker
from crm_core.ui.pickers import client_picker
from crm_core.views.duplicates import duplicate_candidates

TEXT_FIELDS: tuple[str, ...] = (
    "company_name",
    "email",
    "phone",
    "tax_id",
    "segment",
    "industry",
    "city",
    "address",
    "website",
    "linkedin",
    "owner",
)
EDITABLE_FIELDS: tuple[str, ...] = (
    *TEXT_FIELDS,
    "status",
    "company_size",
    "region",
    "employees",
    "payment_terms_days",
)
CLIENTS_OUTCOME = "_clients_outcome"  # confirmations shown at the top of the clients page
NEW_OUTCOME = "_new_client_outcome"  # errors of the new-client form, shown under it
NEW_DEFAULTS: dict[str, Any] = {"status": ClientStatus.ACTIVE.value, "payment_terms_days": 30}
CONTACT_FIELDS: tuple[str, ...] = ("full_name", "role", "email", "phone", "whatsapp", "is_primary", "is_billing")


def _seed(prefix: str, values: dict[str, Any], force: bool = False) -> None:
    """Put a record's values into the form's widget state (only where unset, unless `force`)."""
    for name in EDITABLE_FIELDS:
        key = f"{prefix}_{name}"
        value = values.get(name)
        if name in TEXT_FIELDS:
            value = value or ""
        if force or key not in st.session_state:
            st.session_state[key] = value


def _client_widgets(ctx: PageContext, prefix: str) -> dict[str, Any]:
    """The client fields, drawn inside the current form; returns the payload they make."""
    row = st.columns(3)
    row[0].text_input(ctx.t("field.company_name"), key=f"{prefix}_company_name", max_chars=200)
    row[1].text_input(ctx.t("field.email"), key=f"{prefix}_email")
    row[2].text_input(ctx.t("field.tax_id"), key=f"{prefix}_tax_id", help=ctx.t("clients.tax_id_help"))
    row = st.columns(3)
    choices.selectbox(
        ctx.t("field.status"),
        [s.value for s in ClientStatus],
        container=row[0],
        format_func=lambda v: label("status", v, ctx.lang),
        key=f"{prefix}_status",
        help=ctx.t("clients.status_help"),
    )
    owner_picker(ctx, row[1], ctx.t("field.owner"), f"{prefix}_owner")
    row[2].number_input(ctx.t("field.payment_terms_days"), step=15, key=f"{prefix}_payment_terms_days")
    row = st.columns(3)
    row[0].text_input(ctx.t("field.segment"), key=f"{prefix}_segment")
    row[1].text_input(ctx.t("field.industry"), key=f"{prefix}_industry")
    choices.selectbox(
        ctx.t("field.company_size"),
        [None, *[s.value for s in CompanySize]],
        container=row[2],
        format_func=lambda v: "—" if v is None else label("company_size", v, ctx.lang),
        key=f"{prefix}_company_size",
    )
    region = st.session_state.get(f"{prefix}_region")
    regions = [None, *REGIONS, *([region] if region and region not in REGIONS else [])]
    row = st.columns(3)
    choices.selectbox(
        ctx.t("field.region"), regions, format_func=lambda v: "—" if v is None else v, key=f"{prefix}_region", container=row[0]
    )
    row[1].text_input(ctx.t("field.city"), key=f"{prefix}_city")
    row[2].number_input(ctx.t("field.employees"), value=None, step=1, key=f"{prefix}_employees")
    row = st.columns(3)
    row[0].text_input(ctx.t("field.phone"), key=f"{prefix}_phone")
    row[1].text_input(ctx.t("field.website"), key=f"{prefix}_website")
    row[2].text_input(ctx.t("field.linkedin"), key=f"{prefix}_linkedin")
    st.text_input(ctx.t("field.address"), key=f"{prefix}_address")
    return collect(prefix)


def collect(prefix: str) -> dict[str, Any]:
    """The payload of a client form from its widget state (blank texts as None)."""
    state = st.session_state
    payload: dict[str, Any] = {name: blank_to_none(state.get(f"{prefix}_{name}")) for name in TEXT_FIELDS}
    payload["status"] = state.get(f"{prefix}_status")
    payload["company_size"] = state.get(f"{prefix}_company_size")
    payload["region"] = state.get(f"{prefix}_region")
    employees = state.get(f"{prefix}_employees")
    payload["employees"] = None if employees is None else int(employees)
    terms = state.get(f"{prefix}_payment_terms_days")
    payload["payment_terms_days"] = None if terms is None else int(terms)
    return payload


def _create(ctx: PageContext, engine: Engine, clients: pd.DataFrame | None = None) -> None:
    """Submit callback of the new-client form: create it and open its page.

    When the name or email looks like an existing client's (views.duplicates), nothing is written
    until the user confirms with the form's "create anyway" box.
    """
    payload = collect("new")
    if clients is not None and not st.session_state.get("new_not_duplicate"):
        found = duplicate_candidates(clients, payload.get("company_name"), payload.get("email"))
        if not found.empty:
            st.session_state[NEW_OUTCOME] = (
                "warning",
                [
                    ctx.t(
                        "clients.duplicate_warning",
                        names=", ".join(found["company_name"].astype(str)),
                    )
                ],
            )
            return
    created = perform(ctx, NEW_OUTCOME, services.create_client, engine, payload)
    if created:
        _seed("new", NEW_DEFAULTS, force=True)
        st.session_state["new_not_duplicate"] = False
        st.session_state["client_pick"] = created.client_id
        succeed(CLIENTS_OUTCOME, ctx.t("clients.created", name=created.company_name))


def create_form(ctx: PageContext, engine: Engine, clients: pd.DataFrame | None = None) -> None:
    """The new-client form; on success the client is opened. `clients` (the clients frame) enables the duplicate check."""
    _seed("new", NEW_DEFAULTS)
    with st.form("client_new"):
        _client_widgets(ctx, "new")
        row = st.columns([1, 2], vertical_alignment="center")
        row[1].checkbox(ctx.t("clients.not_duplicate"), key="new_not_duplicate", help=ctx.t("clients.not_duplicate_help"))
        row[0].form_submit_button(
            ctx.t("clients.create"), type="primary", key="new_save", on_click=_create, args=(ctx, engine, clients)
        )
    show_outcome(NEW_OUTCOME)


def _reload(prefix: str, seen_key: str, current: dict[str, Any]) -> None:
    """Callback: put the current record into the edit form and edit from its version."""
    _seed(prefix, current, force=True)
    st.session_state[seen_key] = current["version"]
    st.session_state.pop(f"{prefix}_stale", None)


def _update(ctx: PageContext, engine: Engine, client_id: int, prefix: str, seen_key: str) -> None:
    """Submit callback of the edit form: save from the version first shown, or flag a stale edit."""
    state = st.session_state
    outcome = f"{prefix}_outcome"
    try:
        with acting_as(ctx.viewer):
            updated = services.update_client(engine, client_id, collect(prefix), state[seen_key])
    except StaleEditError:
        state[f"{prefix}_stale"] = True
        state.pop(outcome, None)
        return
    except CRMError as exc:
        state[outcome] = ("error", error_lines(ctx, exc))
        return
    cache.invalidate(ctx.db_url, tables_written(services.update_client))
    state[seen_key] = updated.version
    state.pop(f"{prefix}_stale", None)
    succeed(outcome, ctx.t("clients.updated", name=updated.company_name))


def edit_form(ctx: PageContext, engine: Engine, client: ClientOut) -> None:
    """Edit a client from the version first shown; a concurrent change is reported with the current values."""
    prefix = f"edit_{client.client_id}"
    seen_key = f"{prefix}_version"
    if seen_key not in st.session_state:
        _reload(prefix, seen_key, client.model_dump())
    with st.form(f"client_edit_{client.client_id}"):
        _client_widgets(ctx, prefix)
        st.form_submit_button(
            ctx.t("clients.save_changes"),
            type="primary",
            key=f"{prefix}_save",
            on_click=_update,
            args=(ctx, engine, client.client_id, prefix, seen_key),
        )
    show_outcome(f"{prefix}_outcome")
    if st.session_state.get(f"{prefix}_stale"):
        _stale_notice(ctx, prefix, seen_key, client)


def _stale_notice(ctx: PageContext, prefix: str, seen_key: str, current: ClientOut) -> None:
    """Tell the user someone else changed the client, show its current values and offer to load them."""
    st.error(ctx.t("clients.stale", seen=st.session_state[seen_key], current=current.version), icon=":material/sync_problem:")
    mine = collect(prefix)
    theirs = current.model_dump()
    rows = [
        {"field": ctx.t(f"field.{name}"), "current": _plain(theirs.get(name)), "yours": _plain(mine.get(name))}
        for name in EDITABLE_FIELDS
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        key=f"{prefix}_current_values",
        column_config={
            "field": st.column_config.TextColumn(ctx.t("clients.stale_field")),
            "current": st.column_config.TextColumn(ctx.t("clients.stale_current")),
            "yours": st.column_config.TextColumn(ctx.t("clients.stale_yours")),
        },
    )
    st.button(ctx.t("clients.stale_reload"), key=f"{prefix}_reload", on_click=_reload, args=(prefix, seen_key, theirs))


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _add_contact(ctx: PageContext, engine: Engine, client_id: int, prefix: str) -> None:
    """Submit callback of the contact form."""
    state = st.session_state
    created = perform(
        ctx,
        f"{prefix}_outcome",
        services.add_contact,
        engine,
        {
            "client_id": client_id,
            "full_name": state.get(f"{prefix}_full_name", ""),
            **{name: blank_to_none(state.get(f"{prefix}_{name}")) for name in ("role", "email", "phone", "whatsapp")},
            "is_primary": bool(state.get(f"{prefix}_is_primary")),
            "is_billing": bool(state.get(f"{prefix}_is_billing")),
        },
    )
    if created:
        for name in CONTACT_FIELDS:
            state[f"{prefix}_{name}"] = False if name.startswith("is_") else ""
        succeed(f"{prefix}_outcome", ctx.t("clients.contact_added", name=created.full_name))


def contact_form(ctx: PageContext, engine: Engine, client_id: int) -> None:
    """Add a contact to the client."""
    prefix = f"contact_{client_id}"
    with st.form(prefix):
        row = list(st.columns(3))
        row[0].text_input(ctx.t("field.full_name"), key=f"{prefix}_full_name")
        row[1].text_input(ctx.t("field.role"), key=f"{prefix}_role")
        row[2].text_input(ctx.t("field.email"), key=f"{prefix}_email")
        row = list(st.columns(4))
        row[0].text_input(ctx.t("field.phone"), key=f"{prefix}_phone")
        row[1].text_input(ctx.t("field.whatsapp"), key=f"{prefix}_whatsapp")
        row[2].checkbox(ctx.t("field.is_primary"), key=f"{prefix}_is_primary")
        row[3].checkbox(ctx.t("field.is_billing"), key=f"{prefix}_is_billing")
        st.form_submit_button(
            ctx.t("clients.add_contact"), key=f"{prefix}_save", on_click=_add_contact, args=(ctx, engine, client_id, prefix)
        )
    show_outcome(f"{prefix}_outcome")


def _delete(ctx: PageContext, engine: Engine, client_id: int, name: str) -> None:
    """Button callback: delete the client (the confirmation box was ticked) and close its page."""
    try:
        with acting_as(ctx.viewer):
            services.delete_client(engine, client_id)
    except CRMError as exc:
        st.session_state[f"delete_{client_id}_outcome"] = ("error", error_lines(ctx, exc))
        return
    cache.invalidate(ctx.db_url, tables_written(services.delete_client))  # cascades: every table
    st.session_state["client_pick"] = None
    succeed(CLIENTS_OUTCOME, ctx.t("clients.deleted", name=name))


def delete_control(ctx: PageContext, engine: Engine, client: ClientOut) -> None:
    """Delete the client and everything of it, after an explicit confirmation."""
    st.warning(ctx.t("clients.delete_warning", name=literal(client.company_name)), icon=":material/warning:")
    confirmed = st.checkbox(
        ctx.t("clients.delete_confirm", name=literal(client.company_name)), key=f"delete_confirm_{client.client_id}"
    )
    st.button(
        ctx.t("clients.delete"),
        key=f"delete_{client.client_id}",
        disabled=not confirmed,
        type="primary",
        on_click=_delete,
        args=(ctx, engine, client.client_id, client.company_name),
    )
    show_outcome(f"delete_{client.client_id}_outcome")


def _merge(ctx: PageContext, engine: Engine, client_id: int) -> None:
    """Button callback: merge the picked duplicate into this client (the confirmation box was ticked)."""
    state = st.session_state
    other = state.get(f"merge_pick_{client_id}")
    outcome = f"merge_{client_id}_outcome"
    if other is None:
        state[outcome] = ("error", [f"{ctx.t('field.client')}: {ctx.t('clients.merge_pick')}"])
        return
    merged = perform(ctx, outcome, services.merge_clients, engine, client_id, int(other))
    if merged:
        state[f"merge_pick_{client_id}"] = None
        state[f"merge_confirm_{client_id}"] = False
        succeed(
            outcome,
            ctx.t(
                "clients.merged",
                name=merged.removed_name,
                contacts=merged.contacts,
                activities=merged.activities,
                opportunities=merged.opportunities,
                invoices=merged.invoices,
            ),
        )


def merge_control(ctx: PageContext, engine: Engine, client: ClientOut, names: pd.Series) -> None:
    """Merge a duplicate client into this one: its contacts, activities, deals and invoices move here, it is deleted."""
    st.markdown(f"**{ctx.t('clients.merge_title')}**")
    client_picker(
        ctx,
        ctx.t("clients.merge_other"),
        names,
        exclude=(client.client_id,),
        placeholder=ctx.t("clients.merge_pick"),
        key=f"merge_pick_{client.client_id}",
        help=ctx.t("clients.merge_help"),
    )
    confirmed = st.checkbox(
        ctx.t("clients.merge_confirm", name=literal(client.company_name)), key=f"merge_confirm_{client.client_id}"
    )
    st.button(
        ctx.t("clients.merge"),
        key=f"merge_{client.client_id}",
        disabled=not confirmed,
        on_click=_merge,
        args=(ctx, engine, client.client_id),
    )
    show_outcome(f"merge_{client.client_id}_outcome")


def _reassign(ctx: PageContext, engine: Engine, client_ids: list[int]) -> None:
    """Button callback: give the listed clients the account manager picked (a user, or nobody)."""
    state = st.session_state
    owner = state.get("reassign_owner")
    if owner is None:
        state["reassign_outcome"] = ("error", [f"{ctx.t('field.owner')}: {ctx.t('clients.reassign_pick')}"])
        return
    changed = perform(ctx, "reassign_outcome", services.reassign_owner, engine, client_ids, owner or None)
    if changed is not None:
        state["reassign_confirm"] = False
        succeed("reassign_outcome", ctx.t("clients.reassigned", count=changed, owner=owner or ctx.t("owner.unassigned")))


def reassign_control(ctx: PageContext, engine: Engine, client_ids: list[int]) -> None:
    """Bulk reassign (managers): every client the filters list gets the user picked as account manager."""
    row = st.columns([3, 3, 1], vertical_alignment="bottom")
    reassign_picker(ctx, row[0], "reassign_owner")
    confirmed = row[1].checkbox(ctx.t("clients.reassign_confirm", count=len(client_ids)), key="reassign_confirm")
    row[2].button(
        ctx.t("clients.reassign"),
        key="reassign_save",
        disabled=not confirmed or not client_ids,
        on_click=_reassign,
        args=(ctx, engine, client_ids),
    )
    show_outcome("reassign_outcome")
