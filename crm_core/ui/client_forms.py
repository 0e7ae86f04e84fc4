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
from crm_core.enums import REGIONS, ClientStatus, CompanySize
from crm_core.errors import CRMError, StaleEditError
from crm_core.i18n import label
from crm_core.schemas import ClientOut
from crm_core.ui import cache
from crm_core.ui.context import PageContext
from crm_core.ui.forms import blank_to_none, flash_and_rerun, show_error, submit

TEXT_FIELDS: tuple[str, ...] = (
    "company_name", "email", "phone", "tax_id", "segment", "industry", "city", "address", "website",
    "linkedin", "owner",
)
EDITABLE_FIELDS: tuple[str, ...] = (
    *TEXT_FIELDS, "status", "company_size", "region", "employees", "payment_terms_days",
)
OPEN_CLIENT_KEY = "_open_client"  # a client id to open on the next run (set before the picker exists)


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
    row[0].selectbox(
        ctx.t("field.status"), [s.value for s in ClientStatus],
        format_func=lambda v: label("status", v, ctx.lang), key=f"{prefix}_status",
    )
    row[1].text_input(ctx.t("field.owner"), key=f"{prefix}_owner")
    row[2].number_input(ctx.t("field.payment_terms_days"), min_value=0, max_value=365, step=15, key=f"{prefix}_payment_terms_days")
    row = st.columns(3)
    row[0].text_input(ctx.t("field.segment"), key=f"{prefix}_segment")
    row[1].text_input(ctx.t("field.industry"), key=f"{prefix}_industry")
    row[2].selectbox(
        ctx.t("field.company_size"), [None, *[s.value for s in CompanySize]],
        format_func=lambda v: "—" if v is None else label("company_size", v, ctx.lang), key=f"{prefix}_company_size",
    )
    region = st.session_state.get(f"{prefix}_region")
    regions = [None, *REGIONS, *([region] if region and region not in REGIONS else [])]
    row = st.columns(3)
    row[0].selectbox(ctx.t("field.region"), regions, format_func=lambda v: "—" if v is None else v, key=f"{prefix}_region")
    row[1].text_input(ctx.t("field.city"), key=f"{prefix}_city")
    row[2].number_input(ctx.t("field.employees"), min_value=0, value=None, step=1, key=f"{prefix}_employees")
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


def create_form(ctx: PageContext, engine: Engine) -> None:
    """The new-client form; on success the client is opened."""
    _seed("new", {"status": ClientStatus.ACTIVE.value, "payment_terms_days": 30})
    with st.form("client_new"):
        payload = _client_widgets(ctx, "new")
        saved = st.form_submit_button(ctx.t("clients.create"), type="primary")
    if saved:
        created = submit(ctx, services.create_client, engine, payload)
        if created:
            for name in EDITABLE_FIELDS:
                st.session_state.pop(f"new_{name}", None)
            st.session_state[OPEN_CLIENT_KEY] = created.client_id
            flash_and_rerun("clients", ctx.t("clients.created", name=created.company_name))


def _reload(prefix: str, seen_key: str, current: dict[str, Any]) -> None:
    """Callback: put the current record into the edit form and edit from its version."""
    _seed(prefix, current, force=True)
    st.session_state[seen_key] = current["version"]
    st.session_state.pop(f"{prefix}_stale", None)


def edit_form(ctx: PageContext, engine: Engine, client: ClientOut) -> None:
    """Edit a client from the version first shown; a concurrent change is reported with the current values."""
    prefix = f"edit_{client.client_id}"
    seen_key = f"{prefix}_version"
    if seen_key not in st.session_state:
        _reload(prefix, seen_key, client.model_dump())
    with st.form(f"client_edit_{client.client_id}"):
        payload = _client_widgets(ctx, prefix)
        saved = st.form_submit_button(ctx.t("clients.save_changes"), type="primary")
    if saved:
        try:
            updated = services.update_client(engine, client.client_id, payload, st.session_state[seen_key])
        except StaleEditError:
            st.session_state[f"{prefix}_stale"] = True
        except CRMError as exc:
            show_error(ctx, exc)
        else:
            cache.clear()
            st.session_state[seen_key] = updated.version
            flash_and_rerun("clients", ctx.t("clients.updated", name=updated.company_name))
    if st.session_state.get(f"{prefix}_stale"):
        _stale_notice(ctx, prefix, seen_key, services.get_client(engine, client.client_id))


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
    st.button(
        ctx.t("clients.stale_reload"), key=f"{prefix}_reload", on_click=_reload, args=(prefix, seen_key, theirs)
    )


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def contact_form(ctx: PageContext, engine: Engine, client_id: int) -> None:
    """Add a contact to the client."""
    prefix = f"contact_{client_id}"
    with st.form(prefix, clear_on_submit=False):
        row = st.columns(3)
        full_name = row[0].text_input(ctx.t("field.full_name"), key=f"{prefix}_full_name")
        role = row[1].text_input(ctx.t("field.role"), key=f"{prefix}_role")
        email = row[2].text_input(ctx.t("field.email"), key=f"{prefix}_email")
        row = st.columns(4)
        phone = row[0].text_input(ctx.t("field.phone"), key=f"{prefix}_phone")
        whatsapp = row[1].text_input(ctx.t("field.whatsapp"), key=f"{prefix}_whatsapp")
        primary = row[2].checkbox(ctx.t("field.is_primary"), key=f"{prefix}_is_primary")
        billing = row[3].checkbox(ctx.t("field.is_billing"), key=f"{prefix}_is_billing")
        saved = st.form_submit_button(ctx.t("clients.add_contact"))
    if saved:
        created = submit(ctx, services.add_contact, engine, {
            "client_id": client_id, "full_name": full_name, "role": blank_to_none(role),
            "email": blank_to_none(email), "phone": blank_to_none(phone), "whatsapp": blank_to_none(whatsapp),
            "is_primary": primary, "is_billing": billing,
        })
        if created:
            for name in ("full_name", "role", "email", "phone", "whatsapp", "is_primary", "is_billing"):
                st.session_state.pop(f"{prefix}_{name}", None)
            flash_and_rerun("clients", ctx.t("clients.contact_added", name=created.full_name))


def delete_control(ctx: PageContext, engine: Engine, client: ClientOut) -> None:
    """Delete the client and everything of it, after an explicit confirmation."""
    st.warning(ctx.t("clients.delete_warning", name=client.company_name), icon=":material/warning:")
    confirmed = st.checkbox(ctx.t("clients.delete_confirm", name=client.company_name), key=f"delete_confirm_{client.client_id}")
    if st.button(ctx.t("clients.delete"), key=f"delete_{client.client_id}", disabled=not confirmed, type="primary"):
        try:
            services.delete_client(engine, client.client_id)
        except CRMError as exc:
            show_error(ctx, exc)
            return
        cache.clear()
        st.session_state[OPEN_CLIENT_KEY] = None
        flash_and_rerun("clients", ctx.t("clients.deleted", name=client.company_name))

