"""A client's page: profile, health card, recommendations, contacts, timeline, opportunities, invoices, edit."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from crm_core import services
from crm_core.analytics.late_rates import LateRates
from crm_core.analytics.receivables import client_statement, statement_start
from crm_core.auth.audit import client_history, read_merge_summary
from crm_core.auth.scope import acting_as
from crm_core.config import business_timezone
from crm_core.errors import NotFoundError
from crm_core.i18n import (
    format_date,
    format_money,
    format_number,
    format_percent,
    label,
)
from crm_core.i18n.domain_text import churn_reason_text, recommendation_text
from crm_core.i18n.error_text import error_text
from crm_core.i18n.formatting import date_format_pattern
from crm_core.io.letters import claim_letter_pdf, recipient_of, sender_from_env, statement_pdf
from crm_core.io.receivables import file_name, statement_csv
from crm_core.schemas import ClientOut
from crm_core.store.frames import Frames
from crm_core.ui import billing_forms, receivables, views
from crm_core.ui.client_forms import contact_form, delete_control, edit_form, merge_control
from crm_core.ui.context import PageContext
from crm_core.ui.markdown import literal
from crm_core.ui.tables import header, show_table
from crm_core.views.activities import client_timeline
from crm_core.views.clients import (
    HEALTH_CARD,
    client_advice,
    client_invoices,
    client_opportunities,
    contacts_of,
    health_row,
)
from crm_core.views.receivables import claim_total, client_claim_rows, client_claim_summary

PROFILE_FIELDS: tuple[str, ...] = (
    "tax_id",
    "email",
    "phone",
    "address",
    "city",
    "region",
    "segment",
    "industry",
    "company_size",
    "employees",
    "owner",
    "payment_terms_days",
    "website",
    "linkedin",
    "status",
    "created_at",
)
CHURN_COMPONENTS: tuple[str, ...] = ("churn_recency", "churn_engagement", "churn_payment", "churn_trend")
SEVERITY_ICONS: dict[str, str] = {
    "critical": ":material/error:",
    "high": ":material/warning:",
    "medium": ":material/info:",
    "low": ":material/lightbulb:",
}


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def format_figure(ctx: PageContext, value: Any, kind: str) -> str:
    """One health figure as text in the UI language (a dash when it is empty)."""
    if _missing(value):
        return "—"
    if kind == "money":
        return format_money(value, ctx.lang)
    if kind == "days":
        return ctx.t("unit.days", n=format_number(value, ctx.lang))
    if kind == "share":
        return format_percent(value, ctx.lang)
    if kind in ("score", "number"):
        return format_number(value, ctx.lang)
    if kind == "date":
        return format_date(pd.Timestamp(value), ctx.lang)
    if kind in ("lifecycle", "risk"):
        return label(kind, value, ctx.lang)
    if kind == "driver":
        return label("churn_driver", value, ctx.lang)
    return str(value)


def render(ctx: PageContext, engine: Engine, data: Frames, health: pd.DataFrame, client_id: int) -> None:
    """The whole client page (the client is read fresh from the database for its version)."""
    try:
        with acting_as(ctx.viewer):
            client = services.get_client(engine, client_id)
    except NotFoundError as exc:
        st.warning(literal(error_text(exc, ctx.lang)))
        return
    figures = health_row(health, client_id)
    st.header(literal(client.company_name), anchor=False)
    if figures is not None:
        st.caption(
            " · ".join(
                [
                    f"{ctx.t('client.status_set')}: {label('status', client.status, ctx.lang)}",
                    f"{ctx.t('client.lifecycle_computed')}: {label('lifecycle', figures['lifecycle'], ctx.lang)}",
                    f"{header(ctx, 'default_risk')}: {label('risk', figures['default_risk'], ctx.lang)}",
                    f"{header(ctx, 'churn_score')}: {format_number(figures['churn_score'], ctx.lang)}/100",
                ]
            ),
            help=ctx.t("clients.status_help"),
        )
    tabs = st.tabs(
        [
            ctx.t("client.tab_summary"),
            ctx.t("client.tab_contacts"),
            ctx.t("client.tab_timeline"),
            ctx.t("client.tab_opportunities"),
            ctx.t("client.tab_invoices"),
            ctx.t("client.tab_receivables"),
            ctx.t("client.tab_edit"),
            *([ctx.t("history.title")] if ctx.is_manager else []),
        ]
    )
    rates = receivables.rates(ctx)
    claims = None
    if rates is not None:
        claims = client_claim_rows(receivables.portfolio_claims(ctx.db_url, ctx.as_of, rates), client_id)
    with tabs[0]:
        claim = None if claims is None else client_claim_summary(claims, client_id)
        _summary(ctx, client, figures, claim)
    with tabs[1]:
        _contacts(ctx, engine, data, client_id)
    with tabs[2]:
        _timeline(ctx, data, client_id)
    with tabs[3]:
        _opportunities(ctx, data, client_id)
    with tabs[4]:
        _invoices(ctx, data, client_id)
        billing_forms.payment_form(ctx, engine, client_id, client_invoices(data, client_id, ctx.as_of))
        billing_forms.invoice_form(ctx, engine, client_id, client.payment_terms_days)
    with tabs[5]:
        _receivables(ctx, data, client, claims, rates)
    with tabs[6]:
        st.subheader(ctx.t("clients.edit"))
        edit_form(ctx, engine, client)
        st.divider()
        delete_control(ctx, engine, client)
        st.divider()
        merge_control(ctx, engine, client, views.client_names(ctx.db_url))
    if ctx.is_manager:
        with tabs[7]:
            _history(ctx, engine, client_id)


def _moment(at: object, lang: str) -> str:
    """A stored UTC time as the business's local date and hour:minute."""
    local = pd.Timestamp(at).tz_convert(business_timezone())
    return f"{format_date(local, lang)} {local:%H:%M}"


def _history(ctx: PageContext, engine: Engine, client_id: int) -> None:
    """Who changed what on this client and its records (managers only): when, who, field, old -> new."""
    history = client_history(engine, client_id)
    if history.empty:
        st.info(ctx.t("history.none"))
        return
    shown = pd.DataFrame(
        {
            ctx.t("history.at"): history["at"].map(lambda at: _moment(at, ctx.lang)),
            ctx.t("history.user"): history["user"].fillna(ctx.t("history.by_nobody")),
            ctx.t("history.entity"): [
                f"{ctx.t(f'entity.{e}')} {i}" if e != "client" else ctx.t("entity.client")
                for e, i in zip(history["entity"], history["entity_id"], strict=True)
            ],
            ctx.t("history.action"): history["action"].map(lambda a: ctx.t(f"history.{a}")),
            ctx.t("history.field"): history["field"].map(lambda f: "" if f is None else ctx.t(f"field.{f}")),
            ctx.t("history.old_value"): history["old_value"].fillna(""),
            ctx.t("history.new_value"): [
                _new_value(ctx, a, v) for a, v in zip(history["action"], history["new_value"], strict=True)
            ],
        }
    )
    st.dataframe(shown, hide_index=True, key=f"history_{client_id}")


def _new_value(ctx: PageContext, action: str, value: str | None) -> str:
    """A history row's new value; a merge's summary as the sentence the merge showed (who went in, counts moved)."""
    summary = read_merge_summary(value) if action == "merge" else None
    if summary is None:
        return value or ""
    counts = {k: summary.get(k, 0) for k in ("contacts", "activities", "opportunities", "invoices")}
    return ctx.t("clients.merged", name=summary["company_name"], **counts)


def _summary(ctx: PageContext, client: ClientOut, figures: pd.Series | None, claim: pd.Series | None) -> None:
    if figures is not None:
        cols = st.columns(7)
        cols[0].metric(header(ctx, "ltv"), format_money(figures["ltv"], ctx.lang, 0))
        cols[1].metric(
            header(ctx, "predicted_value_12m"),
            format_money(figures["predicted_value_12m"], ctx.lang, 0),
            help=ctx.t("figure.predicted_value_12m_help"),
        )
        cols[2].metric(header(ctx, "revenue_12m"), format_money(figures["revenue_12m"], ctx.lang, 0))
        cols[3].metric(header(ctx, "overdue"), format_money(figures["overdue"], ctx.lang, 0))
        cols[4].metric(header(ctx, "churn_score"), format_number(figures["churn_score"], ctx.lang))
        cols[5].metric(header(ctx, "default_risk"), label("risk", figures["default_risk"], ctx.lang))
        cols[6].metric(header(ctx, "expected_revenue_90d"), format_money(figures["expected_revenue_90d"], ctx.lang, 0))
    left, right = st.columns([1, 1])
    with left:
        values = client.model_dump()
        rows = []
        for name in PROFILE_FIELDS:
            value = values.get(name)
            if name == "status":
                value = label("status", value, ctx.lang)
            elif name == "company_size":
                value = label("company_size", value, ctx.lang)
            elif name == "created_at":
                value = format_date(value, ctx.lang)
            rows.append((header(ctx, name), "—" if _missing(value) or value == "" else literal(value)))
        st.table(pd.DataFrame({ctx.t("client.profile"): [v for _, v in rows]}, index=[f for f, _ in rows]))
    with right:
        if figures is None:
            st.info(ctx.t("client.no_figures"))
            return
        st.subheader(ctx.t("client.churn"))
        st.markdown(f"**{format_number(figures['churn_score'], ctx.lang)}/100** — {churn_reason_text(figures, ctx.lang)}")
        for component in CHURN_COMPONENTS:
            score = 0.0 if _missing(figures[component]) else float(figures[component])
            st.progress(min(max(score / 100.0, 0.0), 1.0), text=f"{header(ctx, component)}: {format_number(score, ctx.lang)}")
        st.subheader(ctx.t("client.recommendations"))
        recs = client_advice(figures, claim)
        if not recs:
            st.success(ctx.t("client.no_recommendations"))
        for rec in recs:
            text = f"**{label('rec_kind', rec.kind, ctx.lang)}** · {recommendation_text(rec, ctx.lang)}"
            icon = SEVERITY_ICONS.get(rec.severity)
            if rec.kind == "alert" and rec.severity in ("critical", "high"):
                st.error(text, icon=icon)
            elif rec.kind == "alert":
                st.warning(text, icon=icon)
            elif rec.kind == "opportunity":
                st.success(text, icon=icon)
            else:
                st.info(text, icon=icon)
    with st.expander(ctx.t("client.health_card"), expanded=True):
        _health_card(ctx, figures)


def _health_card(ctx: PageContext, figures: pd.Series) -> None:
    """Every figure of client_health for the client, by section, formatted (static tables: nothing cut)."""
    sections = list(HEALTH_CARD.items())
    for start in range(0, len(sections), 3):
        for col, (section, items) in zip(st.columns(3), sections[start : start + 3], strict=False):
            with col:
                st.table(
                    pd.DataFrame(
                        {ctx.t(f"client.section_{section}"): [_card_figure(ctx, figures, name, kind) for name, kind in items]},
                        index=[header(ctx, name) for name, _ in items],
                    )
                )


def _card_figure(ctx: PageContext, figures: pd.Series, name: str, kind: str) -> str:
    """One health-card figure; the churn reason is a sentence rebuilt in the UI language from the row."""
    if kind == "reason":
        return churn_reason_text(figures, ctx.lang) if not _missing(figures.get(name)) else "—"
    return format_figure(ctx, figures.get(name), kind)


def _contacts(ctx: PageContext, engine: Engine, data: Frames, client_id: int) -> None:
    contacts = contacts_of(data, client_id)
    if contacts.empty:
        st.info(ctx.t("client.no_contacts"))
    else:
        show_table(
            ctx,
            contacts,
            {
                "full_name": "text",
                "role": "text",
                "email": "text",
                "phone": "text",
                "whatsapp": "text",
                "is_primary": "bool",
                "is_billing": "bool",
                "last_interaction_at": "datetime",
            },
            key="client_contacts",
        )
    st.subheader(ctx.t("clients.add_contact"))
    contact_form(ctx, engine, client_id)


def _timeline(ctx: PageContext, data: Frames, client_id: int) -> None:
    timeline = client_timeline(data, client_id, ctx.as_of)
    if timeline.empty:
        st.info(ctx.t("client.no_timeline"))
        return
    event, kind = timeline["event"], timeline["kind"]
    what = event.map(lambda e: ctx.t(f"event.{e}"))
    what = what.where(event != "activity", kind.map(lambda k: label("kind", k, ctx.lang)))
    what = what.where(kind != "credit_note", label("invoice_status", "credit_note", ctx.lang))
    moves = (
        timeline["from_stage"].map(lambda s: label("stage", s, ctx.lang))
        + " → "
        + timeline["to_stage"].map(lambda s: label("stage", s, ctx.lang))
    )
    detail = timeline["detail"].astype("object")
    detail = detail.where(event != "stage", moves.str.removeprefix(" → "))
    detail = detail.where(event != "payment", detail.map(lambda m: label("method", m, ctx.lang)))
    detail = detail.where(~((event == "invoice") & (detail == "void")), label("invoice_status", "void", ctx.lang))
    done = timeline["done"].where(event == "activity")
    shown = timeline.assign(what=what, detail=detail, done=done)
    show_table(
        ctx,
        shown,
        {"at": "moment", "what": "text", "title": "text", "detail": "text", "amount": "money", "owner": "text", "done": "bool"},
        key="client_timeline",
        height=400,
    )


def _opportunities(ctx: PageContext, data: Frames, client_id: int) -> None:
    opps = client_opportunities(data, client_id, ctx.as_of)
    if opps.empty:
        st.info(ctx.t("client.no_opportunities"))
        return
    show_table(
        ctx,
        opps,
        {
            "name": "text",
            "stage": "enum:stage",
            "amount": "money",
            "probability": "probability",
            "expected_close": "date",
            "closed_at": "date",
            "won_amount": "money",
            "lost_reason": "text",
            "owner": "text",
        },
        key="client_opportunities",
    )


def _invoices(ctx: PageContext, data: Frames, client_id: int) -> None:
    invoices = client_invoices(data, client_id, ctx.as_of)
    if invoices.empty:
        st.info(ctx.t("client.no_invoices"))
        return
    show_table(
        ctx,
        invoices,
        {
            "number": "text",
            "issue_date": "date",
            "due_date": "date",
            "total": "money",
            "paid_amount": "money",
            "outstanding": "money",
            "paid_date": "date",
            "days_overdue": "days",
            "status": "enum:invoice_status",
        },
        key="client_invoices",
        height=400,
    )


STATEMENT_COLUMNS = {
    "date": "date",
    "kind": "text",
    "reference": "text",
    "debit": "money",
    "credit": "money",
    "balance": "money",
    "note_amount": "money",
}
CLAIM_COLUMNS = {
    "number": "text",
    "issue_date": "date",
    "due_date": "date",
    "capped_due_date": "date",
    "paid_date": "date",
    "days_late": "days",
    "principal": "money",
    "outstanding": "money",
    "interest": "money",
    "compensation": "money",
    "claim_total": "money",
    "provisional": "bool",
}


def _receivables(ctx: PageContext, data: Frames, client: ClientOut, claims: pd.DataFrame | None, rates: LateRates | None) -> None:
    """The statement over a chosen period and the Ley 3/2004 claims as of the page's date, each with CSV and PDF.

    The PDFs and the statement CSV are made when their button is clicked (plain functions, no Streamlit),
    not on every render; the claims CSV comes from the cache.
    """
    sender, recipient = sender_from_env(), recipient_of(client.model_dump())
    st.subheader(ctx.t("statement.heading"))
    cols = st.columns(2)
    start = cols[0].date_input(
        ctx.t("statement.from"),
        value=statement_start(ctx.as_of),
        max_value=ctx.as_of,
        key=f"statement_start_{client.client_id}",
        format=date_format_pattern(ctx.lang),
    )
    end = cols[1].date_input(
        ctx.t("statement.to"),
        value=ctx.as_of,
        max_value=ctx.as_of,
        key=f"statement_end_{client.client_id}",
        format=date_format_pattern(ctx.lang),
    )
    start, end = _day(start, ctx.as_of), _day(end, ctx.as_of)
    statement = client_statement(data.invoices, data.payments, client.client_id, start, end)
    metrics = st.columns(2)
    metrics[0].metric(ctx.t("statement.opening"), format_money(statement.opening_balance, ctx.lang))
    metrics[1].metric(ctx.t("statement.closing"), format_money(statement.closing_balance, ctx.lang))
    if statement.rows.empty:
        st.info(ctx.t("statement.none"))
    else:
        shown = statement.rows.assign(
            kind=statement.rows["kind"].map(lambda k: ctx.t(f"statement_kind.{k}")),
            **{name: statement.rows[name].astype("float64") for name in ("debit", "credit", "balance", "note_amount")},
        )
        shown["note_amount"] = shown["note_amount"].where(shown["note_amount"] != 0)
        columns = (
            STATEMENT_COLUMNS
            if shown["note_amount"].notna().any()
            else {name: kind for name, kind in STATEMENT_COLUMNS.items() if name != "note_amount"}
        )
        show_table(ctx, shown, columns, key="client_statement", height=_height(len(shown)))
    if statement.unapplied_credit_notes:
        st.caption(ctx.t("statement.credit_notes", amount=format_money(statement.unapplied_credit_notes, ctx.lang)))
    buttons = st.columns(2)
    stem = f"{start.isoformat()}-{end.isoformat()}"
    buttons[0].download_button(
        ctx.t("statement.download_csv"),
        data=partial(statement_csv, statement, ctx.lang, ";" if ctx.lang == "es" else ","),
        file_name=file_name("statement.file_stem", client.client_id, stem, ctx.lang, "csv"),
        mime="text/csv",
        icon=":material/download:",
        key="statement_csv",
    )
    buttons[1].download_button(
        ctx.t("statement.download_pdf"),
        data=partial(statement_pdf, statement, sender, recipient, ctx.lang, ctx.as_of),
        file_name=file_name("statement.file_stem", client.client_id, stem, ctx.lang, "pdf"),
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="statement_pdf",
    )

    st.subheader(ctx.t("claims.heading"))
    if claims is None or rates is None:
        return  # the rates file's problem is already shown
    st.caption(ctx.t("claims.caption", as_of=format_date(ctx.as_of, ctx.lang)))
    if claims.empty:
        st.info(ctx.t("claims.none"))
        return
    receivables.show_provisional(ctx, claims, rates)
    st.metric(ctx.t("claims.total"), format_money(claim_total(claims), ctx.lang))
    show_table(ctx, claims, CLAIM_COLUMNS, key="client_claims", height=_height(len(claims)))
    buttons = st.columns(2)
    buttons[0].download_button(
        ctx.t("claims.download_csv"),
        data=receivables.claims_download(ctx.db_url, ctx.as_of, rates, ctx.lang, (client.client_id,)),
        file_name=file_name("claims.file_stem", client.client_id, ctx.as_of, ctx.lang, "csv"),
        mime="text/csv",
        icon=":material/download:",
        key="claims_csv",
    )
    buttons[1].download_button(
        ctx.t("claims.download_pdf"),
        data=partial(claim_letter_pdf, claims, sender, recipient, ctx.as_of, ctx.lang, rates),
        file_name=file_name("claims.letter_stem", client.client_id, ctx.as_of, ctx.lang, "pdf"),
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="claims_pdf",
    )


def _day(value: Any, fallback: date) -> date:
    """A date_input's value as one date (a cleared box falls back to `fallback`)."""
    return value if isinstance(value, date) else fallback


def _height(rows: int) -> int | None:
    """A fixed scrolling height for a long table, else the table's own height (no empty rows)."""
    return 400 if rows > 10 else None
