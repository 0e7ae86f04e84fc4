"""Billing forms on a client's page: record a payment (or part-payment) on one of its invoices, record an invoice.

The rules are the services' (`services.record_payment`: no overpayment, not before the issue date, no
payment on a void invoice or a credit note; `services.record_invoice`): a refusal is shown next to the
form in the UI language and nothing is written. Amounts are typed in the UI language's layout.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core import services
from crm_core.enums import PaymentMethod
from crm_core.errors import CRMError
from crm_core.i18n import format_date, format_money, format_number, label
from crm_core.i18n.formatting import date_format_pattern
from crm_core.ui import choices
from crm_core.ui.context import PageContext
from crm_core.ui.forms import error_lines, money_input, perform, read_amount, show_outcome, succeed

METHODS: list[str | None] = [None, *(m.value for m in PaymentMethod)]


def _keep_error(ctx: PageContext, outcome: str, exc: CRMError) -> None:
    st.session_state[outcome] = ("error", error_lines(ctx, exc))


def _record_payment(ctx: PageContext, engine: Engine, client_id: int, outstanding: dict[int, float]) -> None:
    """Submit callback: record the payment typed for the picked invoice."""
    state = st.session_state
    prefix = f"pay_{client_id}"
    outcome = f"{prefix}_outcome"
    invoice_id = state.get(f"{prefix}_invoice")
    if invoice_id is None:
        state[outcome] = ("error", [f"{ctx.t('field.invoice_number')}: {ctx.t('billing.pick_invoice')}"])
        return
    try:
        amount = read_amount(ctx, f"{prefix}_amount", "amount")
    except CRMError as exc:
        _keep_error(ctx, outcome, exc)
        return
    if amount is None and int(invoice_id) in outstanding:  # blank: the whole outstanding amount
        amount = Decimal(str(outstanding[int(invoice_id)])).quantize(Decimal("0.01"))
    paid = perform(
        ctx,
        outcome,
        services.record_payment,
        engine,
        {
            "invoice_id": int(invoice_id),
            "paid_on": state.get(f"{prefix}_paid_on"),
            "amount": amount,
            "method": state.get(f"{prefix}_method"),
        },
    )
    if paid:
        state[f"{prefix}_amount"] = ""
        succeed(
            outcome,
            ctx.t(
                "billing.payment_recorded", amount=format_money(paid.amount, ctx.lang), date=format_date(paid.paid_on, ctx.lang)
            ),
        )


def payment_form(ctx: PageContext, engine: Engine, client_id: int, invoices: pd.DataFrame) -> None:
    """Record a payment on one of the client's invoices still owing money (blank amount: all that is owed)."""
    prefix = f"pay_{client_id}"
    owing = invoices.loc[(invoices["outstanding"] > 0.005) & ~invoices["void"].astype(bool)] if not invoices.empty else invoices
    st.subheader(ctx.t("billing.record_payment"))
    if owing.empty:
        st.info(ctx.t("billing.nothing_owed"))
        show_outcome(f"{prefix}_outcome")
        return
    outstanding = dict(zip(owing["invoice_id"].astype(int), owing["outstanding"].astype(float), strict=True))
    labels = {
        int(row.invoice_id): ctx.t(
            "billing.invoice_label",
            number=row.number,
            date=format_date(row.issue_date, ctx.lang),
            outstanding=format_money(row.outstanding, ctx.lang),
        )
        for row in owing.itertuples()
    }
    with st.form(prefix):
        row = st.columns([3, 2, 2, 2])
        choices.selectbox(
            ctx.t("field.invoice_number"),
            list(labels),
            format_func=lambda i: labels.get(i, str(i)),
            index=None,
            placeholder=ctx.t("billing.pick_invoice"),
            key=f"{prefix}_invoice",
            container=row[0],
        )
        money_input(ctx, ctx.t("field.amount"), f"{prefix}_amount", container=row[1], help=ctx.t("billing.amount_help"))
        row[2].date_input(ctx.t("field.paid_on"), value=ctx.as_of, key=f"{prefix}_paid_on", format=date_format_pattern(ctx.lang))
        choices.selectbox(
            ctx.t("field.method"),
            METHODS,
            key=f"{prefix}_method",
            container=row[3],
            format_func=lambda m: "—" if m is None else label("method", m, ctx.lang),
        )
        st.form_submit_button(
            ctx.t("billing.record_payment"),
            type="primary",
            key=f"{prefix}_save",
            on_click=_record_payment,
            args=(ctx, engine, client_id, outstanding),
        )
    show_outcome(f"{prefix}_outcome")


def _record_invoice(ctx: PageContext, engine: Engine, client_id: int) -> None:
    """Submit callback: record the invoice typed by hand."""
    state = st.session_state
    prefix = f"inv_{client_id}"
    outcome = f"{prefix}_outcome"
    try:
        total = read_amount(ctx, f"{prefix}_total", "total")
    except CRMError as exc:
        _keep_error(ctx, outcome, exc)
        return
    created = perform(
        ctx,
        outcome,
        services.record_invoice,
        engine,
        {
            "client_id": client_id,
            "number": state.get(f"{prefix}_number", ""),
            "issue_date": state.get(f"{prefix}_issue_date"),
            "due_date": state.get(f"{prefix}_due_date"),
            "total": total,
            "credit_note": bool(state.get(f"{prefix}_credit_note")),
        },
    )
    if created:
        for name in ("number", "total"):
            state[f"{prefix}_{name}"] = ""
        succeed(
            outcome,
            ctx.t(
                "billing.invoice_recorded",
                number=created.number,
                total=format_money(created.total, ctx.lang),
                due=format_date(created.due_date, ctx.lang),
            ),
        )


def invoice_form(ctx: PageContext, engine: Engine, client_id: int, terms_days: int) -> None:
    """Record an invoice (or a credit note, negative total) by hand; an empty due date follows the payment terms."""
    prefix = f"inv_{client_id}"
    st.subheader(ctx.t("billing.record_invoice"))
    with st.form(prefix):
        row = st.columns([2, 2, 2, 2, 1], vertical_alignment="bottom")
        row[0].text_input(ctx.t("field.number"), key=f"{prefix}_number", max_chars=40)
        money_input(ctx, ctx.t("field.total"), f"{prefix}_total", container=row[1])
        row[2].date_input(
            ctx.t("field.issue_date"), value=ctx.as_of, key=f"{prefix}_issue_date", format=date_format_pattern(ctx.lang)
        )
        row[3].date_input(
            ctx.t("field.due_date"),
            value=None,
            key=f"{prefix}_due_date",
            format=date_format_pattern(ctx.lang),
            help=ctx.t(
                "billing.due_help",
                days=format_number(terms_days, ctx.lang),
                example=format_date(ctx.as_of + timedelta(days=terms_days), ctx.lang),
            ),
        )
        row[4].checkbox(ctx.t("field.credit_note"), key=f"{prefix}_credit_note")
        st.form_submit_button(
            ctx.t("billing.record_invoice"), key=f"{prefix}_save", on_click=_record_invoice, args=(ctx, engine, client_id)
        )
    show_outcome(f"{prefix}_outcome")
