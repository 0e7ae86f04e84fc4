"""Clients page (AppTest on the demo portfolio): the health table, a client's page, the client forms, language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from crm_core import services
from crm_core.analytics import client_health
from crm_core.analytics.advice import recommendations
from crm_core.db import get_engine
from crm_core.db.models import Client, Contact
from crm_core.i18n import format_money, format_number, format_percent, label
from crm_core.i18n.domain_text import churn_reason_text, recommendation_text
from crm_core.store.frames import load_frames
from crm_core.views.clients import (
    HEALTH_CARD,
    ClientFilters,
    client_table,
    filter_clients,
    sort_clients,
)
from tests.apptest_helpers import open_page, shown_text
from tests.conftest import row_counts

AS_OF = date(2026, 11, 25)


def _page(lang: str = "en") -> AppTest:
    return open_page("pages/clients.py", AS_OF, lang)


def _list(at: AppTest):
    return next(df.value for df in at.dataframe if "churn_score" in df.value.columns)


@pytest.fixture
def health(demo_db: str):
    frames = load_frames(get_engine(demo_db))
    return frames, client_health(frames, AS_OF)


def test_table_is_joined_from_client_health(demo_db: str, health) -> None:
    frames, figures = health
    at = _page()
    shown = _list(at)
    assert len(shown) == 100  # first page of 120
    expected = sort_clients(client_table(frames, figures), "company_name").head(100)
    assert shown["company_name"].tolist() == expected["company_name"].tolist()
    assert shown["churn_score"].tolist() == pytest.approx(expected["churn_score"].tolist())
    assert shown["overdue"].tolist() == pytest.approx(expected["overdue"].tolist())
    assert shown["default_risk"].tolist() == [label("risk", r, "en") for r in expected["default_risk"]]


def test_filters_sort_and_search(demo_db: str, health) -> None:
    frames, figures = health
    at = _page()
    at.multiselect(key="clients_risk").select("high").select("critical")
    at.slider(key="clients_min_churn").set_value(20)
    at.selectbox(key="clients_sort").select("overdue")
    at.toggle(key="clients_desc").set_value(True)
    at.run()
    expected = sort_clients(
        filter_clients(client_table(frames, figures), ClientFilters(default_risk=("high", "critical"), min_churn=20.0)),
        "overdue",
        descending=True,
    )
    assert 0 < len(expected) < 120
    assert _list(at)["company_name"].tolist() == expected["company_name"].tolist()

    name = str(frames.clients["company_name"].iloc[7])
    at = _page()
    at.text_input(key="clients_search").input(name.upper()).run()
    assert name in _list(at)["company_name"].tolist()


def test_client_page_shows_its_health_and_recommendations(demo_db: str, health) -> None:
    frames, figures = health
    # a client with recommendations and overdue money, so every block has something to show
    client_id = int(figures.loc[figures["overdue"] > 0].index[0])
    row = figures.loc[client_id]
    at = _page()
    at.selectbox(key="client_pick").select(client_id).run()
    assert not at.exception
    assert at.header[0].value == row["company_name"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Lifetime value"] == format_money(row["ltv"], "en", 0)
    assert metrics["Predicted value, next 12 months"] == format_money(row["predicted_value_12m"], "en", 0)
    assert metrics["Overdue"] == format_money(row["overdue"], "en", 0)
    assert metrics["Churn score"] == format_number(row["churn_score"], "en")
    assert metrics["Default risk"] == label("risk", row["default_risk"], "en")
    # the health card lists every figure of its sections
    sections = {"Revenue", "Payments", "Engagement", "Risk", "Forecast"}
    card = {table.value.columns[0]: table.value.iloc[:, 0] for table in at.table if table.value.columns[0] in sections}
    assert set(card) == sections
    assert sum(len(values) for values in card.values()) == sum(len(items) for items in HEALTH_CARD.values())
    assert card["Revenue"]["Lifetime value"] == format_money(row["ltv"], "en")
    assert card["Revenue"]["Predicted value, next 12 months"] == format_money(row["predicted_value_12m"], "en")
    assert card["Payments"]["Paid on time"] == format_percent(row["on_time_rate"], "en")
    assert card["Risk"]["Recency"] == format_number(row["churn_recency"], "en")
    profile = next(table.value for table in at.table if table.value.columns[0] == "Profile").iloc[:, 0]
    assert profile["Email"] == frames.clients.set_index("client_id").loc[client_id, "email"]
    # recommendations as computed, translated by code
    texts = " ".join(e.value for e in [*at.error, *at.warning, *at.info, *at.success])
    recs = recommendations(row)
    assert recs
    for rec in recs:
        assert recommendation_text(rec, "en") in texts
    # invoices with payment status, timeline
    invoices = next(df.value for df in at.dataframe if "paid_amount" in df.value.columns)
    assert "Overdue" in invoices["status"].tolist()
    assert any("what" in df.value.columns for df in at.dataframe)


def test_create_client_and_bad_email(demo_db: str) -> None:
    engine = get_engine(demo_db)
    before = row_counts(engine)
    at = _page()
    at.text_input(key="new_company_name").input("Talleres Nuevos S.L.")
    at.text_input(key="new_email").input("not-an-email")
    at.button(key="new_save").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("Email: not a valid email address") for e in errors), errors
    assert row_counts(engine) == before

    at.text_input(key="new_email").input("info@talleres-nuevos.es")
    at.text_input(key="new_tax_id").input("b-12345674")
    at.button(key="new_save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Client Talleres Nuevos S.L. created." in [s.value for s in at.success]
    with Session(engine) as session:
        client = session.scalars(select(Client).where(Client.email == "info@talleres-nuevos.es")).one()
        assert (client.company_name, client.tax_id, client.status) == ("Talleres Nuevos S.L.", "B12345674", "active")
    assert at.header[0].value == "Talleres Nuevos S.L."  # its page opened
    # issue 16, defect 7: the status a person set and the lifecycle the figures give, each labelled
    assert any(c.value.startswith("Status (set by you): Active · Lifecycle (from the figures): Prospect") for c in at.caption), [
        c.value for c in at.caption
    ]
    assert row_counts(engine)["clients"] == before["clients"] + 1


def test_edit_then_a_stale_edit_shows_the_current_values(demo_db: str) -> None:
    engine = get_engine(demo_db)
    client_id = int(load_frames(engine).clients["client_id"].iloc[3])
    at = _page()
    at.selectbox(key="client_pick").select(client_id).run()
    prefix = f"edit_{client_id}"
    at.text_input(key=f"{prefix}_city").input("Zaragoza")
    at.button(key=f"{prefix}_save").click().run()
    name = services.get_client(engine, client_id).company_name
    assert f"Client {name} saved." in [s.value for s in at.success]
    assert services.get_client(engine, client_id).city == "Zaragoza"

    # someone else renames the client meanwhile; our next edit was made on the old version
    other = services.get_client(engine, client_id)
    services.update_client(engine, client_id, {"company_name": "Renamed Elsewhere S.L."}, other.version)
    at.text_input(key=f"{prefix}_city").input("Huesca")
    at.button(key=f"{prefix}_save").click().run()
    assert not at.exception
    assert any("Someone else changed this client" in e.value for e in at.error)
    current = next(df.value for df in at.dataframe if "current" in df.value.columns).set_index("field")
    assert current.loc["Company", "current"] == "Renamed Elsewhere S.L."
    assert current.loc["City", "yours"] == "Huesca"
    saved = services.get_client(engine, client_id)
    assert (saved.company_name, saved.city) == ("Renamed Elsewhere S.L.", "Zaragoza")  # nothing of ours

    at.button(key=f"{prefix}_reload").click().run()
    assert at.text_input(key=f"{prefix}_company_name").value == "Renamed Elsewhere S.L."
    at.text_input(key=f"{prefix}_city").input("Huesca")
    at.button(key=f"{prefix}_save").click().run()
    assert "Client Renamed Elsewhere S.L. saved." in [s.value for s in at.success]
    assert not any("Someone else" in e.value for e in at.error)
    saved = services.get_client(engine, client_id)
    assert (saved.company_name, saved.city) == ("Renamed Elsewhere S.L.", "Huesca")


def test_add_contact_and_a_bad_one(demo_db: str) -> None:
    engine = get_engine(demo_db)
    client_id = int(load_frames(engine).clients["client_id"].iloc[5])
    at = _page()
    at.selectbox(key="client_pick").select(client_id).run()
    prefix = f"contact_{client_id}"
    before = row_counts(engine)
    at.text_input(key=f"{prefix}_email").input("maria@example.es")
    at.button(key=f"{prefix}_save").click().run()
    assert "Full name: is required" in [e.value for e in at.error]
    assert row_counts(engine) == before

    at.text_input(key=f"{prefix}_full_name").input("María Gómez")
    at.checkbox(key=f"{prefix}_is_billing").check()
    at.button(key=f"{prefix}_save").click().run()
    assert "Contact María Gómez added." in [s.value for s in at.success]
    with Session(engine) as session:
        contact = session.scalars(select(Contact).where(Contact.full_name == "María Gómez")).one()
        assert (contact.client_id, contact.email, contact.is_billing) == (client_id, "maria@example.es", True)
    contacts = next(df.value for df in at.dataframe if "is_billing" in df.value.columns)
    assert "María Gómez" in contacts["full_name"].tolist()


def test_delete_needs_confirmation(demo_db: str) -> None:
    engine = get_engine(demo_db)
    frames = load_frames(engine)
    client_id = int(frames.clients["client_id"].iloc[10])
    name = str(frames.clients["company_name"].iloc[10])
    at = _page()
    at.selectbox(key="client_pick").select(client_id).run()
    assert at.button(key=f"delete_{client_id}").disabled
    at.checkbox(key=f"delete_confirm_{client_id}").check().run()
    at.button(key=f"delete_{client_id}").click().run()
    assert not at.exception
    assert f"Client {name} deleted." in [s.value for s in at.success]
    with Session(engine) as session:
        assert session.get(Client, client_id) is None
    assert at.selectbox(key="client_pick").value is None
    assert name not in _list(at)["company_name"].tolist()


def test_spanish_labels(demo_db: str, health) -> None:
    frames, figures = health
    at = _page("es")
    assert at.title[0].value == "Clientes"
    assert at.text_input(key="clients_search").label == "Buscar"
    assert at.multiselect(key="clients_risk").label == "Riesgo de impago"
    assert set(_list(at)["lifecycle"]) <= {"Prospecto", "Cliente activo", "Cliente dormido", "Cliente perdido", "VIP"}
    # amounts written in Spanish (1.234,56 €) whatever the browser's locale; empty cells as a dash, not "None"
    grid = next(df for df in at.dataframe if "churn_score" in df.value.columns)
    assert shown_text(grid)["ltv"].tolist() == [format_money(v, "es") for v in grid.value["ltv"]]
    assert shown_text(grid)["predicted_value_12m"].tolist() == [format_money(v, "es") for v in grid.value["predicted_value_12m"]]
    assert set(grid.value["predicted_value_12m"].round(2)) <= set(figures["predicted_value_12m"].round(2))
    assert grid.proto.placeholder == "—"
    assert any(c.value.startswith("100 mostrados de 120 que coinciden (120 clientes)") for c in at.caption)
    client_id = int(figures.loc[figures["churn_reason"].notna() & (figures["lifecycle"] != "lost")].index[0])
    at.selectbox(key="client_pick").select(client_id).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Valor de vida (LTV)"] == format_money(figures.loc[client_id, "ltv"], "es", 0)
    assert metrics["Valor previsto, próximos 12 meses"] == format_money(figures.loc[client_id, "predicted_value_12m"], "es", 0)
    # the health card's churn reason is the Spanish sentence, not the English one the analytics wrote
    risk = next(table.value for table in at.table if table.value.columns[0] == "Riesgo").iloc[:, 0]
    assert risk["Motivo"] == churn_reason_text(figures.loc[client_id], "es")
    assert risk["Motivo"] != figures.loc[client_id, "churn_reason"]
    assert risk["Factor principal"] == label("churn_driver", figures.loc[client_id, "churn_driver"], "es")
    # the timeline: an invoice has a date, no "00:00"; amounts in Spanish
    timeline = next(df for df in at.dataframe if "what" in df.value.columns)
    text = shown_text(timeline)
    invoices = timeline.value["what"] == "Factura"
    assert invoices.any()
    assert all(len(cell) == 10 for cell in text.loc[invoices, "at"])  # dd/mm/yyyy
    assert all(cell.endswith(" €") for cell in text.loc[invoices, "amount"])
    at.text_input(key="new_company_name").input("X")
    at.text_input(key="new_email").input("")
    at.button(key="new_save").click().run()
    assert "Email: es obligatorio" in [e.value for e in at.error]


def test_pages_run_on_a_database_with_one_bare_client(app_db: str) -> None:
    """No invoices, activities, contacts or opportunities yet: every page of this module still draws."""
    engine = get_engine(app_db)
    client = services.create_client(engine, {"company_name": "Solo S.L.", "email": "solo@example.es"})
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.run()
    for page in ("pages/clients.py", "pages/activities.py", "pages/pipeline.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page("pages/clients.py").run()
    assert _list(at)["company_name"].tolist() == ["Solo S.L."]
    at.selectbox(key="client_pick").select(client.client_id).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value == "Solo S.L."
    assert "No invoices up to the as-of date." in [i.value for i in at.info]


def test_empty_database_shows_the_welcome(app_db: str) -> None:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.run()
    for page in ("pages/clients.py", "pages/activities.py", "pages/pipeline.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title[0].value == "Welcome to SmartBilling CRM"


def _form_errors(at: AppTest) -> list[str]:
    """The errors shown by forms (the client page's recommendations are drawn as bold-led alerts too)."""
    return [e.value for e in at.error if not e.value.startswith("**")]


def _owing_invoice(url: str) -> tuple[int, int, str, Decimal]:
    """(client, invoice, number, outstanding) of an unpaid invoice issued by AS_OF, owing more than 100."""
    from crm_core.analytics.payments import invoice_status

    frames = load_frames(get_engine(url))
    status = invoice_status(frames.invoices, frames.payments, AS_OF)
    row = status.loc[(status["outstanding"] > 100) & (status["paid_amount"] == 0)].iloc[0]
    return (
        int(row["client_id"]),
        int(row["invoice_id"]),
        str(row["number"]),
        Decimal(str(row["outstanding"])).quantize(Decimal("0.01")),
    )


def test_record_a_part_payment_then_refuse_an_overpayment_in_spanish(demo_db: str) -> None:
    """Issue 16, item 10: a part-payment on one of the client's invoices, with record_payment's rules."""
    from crm_core.db.models import Payment

    engine = get_engine(demo_db)
    client_id, invoice_id, number, outstanding = _owing_invoice(demo_db)
    at = _page("es")
    at.selectbox(key="client_pick").select(client_id).run()
    prefix = f"pay_{client_id}"
    at.selectbox(key=f"{prefix}_invoice").select(invoice_id)
    at.text_input(key=f"{prefix}_amount").input("100,50")
    at.selectbox(key=f"{prefix}_method").select("transfer")
    at.button(key=f"{prefix}_save").click().run()
    assert not at.exception and not _form_errors(at), _form_errors(at)
    assert f"Cobro de 100,50 € el {AS_OF:%d/%m/%Y} registrado." in [s.value for s in at.success]
    with Session(engine) as session:
        paid = session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).all()
        assert [(p.amount, p.paid_on, p.method) for p in paid] == [(Decimal("100.50"), AS_OF, "transfer")]
    # what is left plus one cent is more than owed: refused, nothing written
    before = row_counts(engine)
    too_much = format_number(outstanding - Decimal("100.50") + Decimal("0.01"), "es", 2)
    at.selectbox(key=f"{prefix}_invoice").select(invoice_id)
    at.text_input(key=f"{prefix}_amount").input(too_much)
    at.button(key=f"{prefix}_save").click().run()
    errors = _form_errors(at)
    assert len(errors) == 1 and errors[0].startswith("Importe: "), errors
    assert row_counts(engine) == before


def test_record_an_invoice_by_hand(demo_db: str) -> None:
    from crm_core.db.models import Invoice

    engine = get_engine(demo_db)
    client_id = int(load_frames(engine).clients["client_id"].iloc[0])
    at = _page()
    at.selectbox(key="client_pick").select(client_id).run()
    prefix = f"inv_{client_id}"
    at.text_input(key=f"{prefix}_number").input("F-2026-HAND-1")
    at.text_input(key=f"{prefix}_total").input("1,210.00")
    at.button(key=f"{prefix}_save").click().run()
    assert not at.exception and not _form_errors(at), _form_errors(at)
    with Session(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == "F-2026-HAND-1")).one()
        terms = session.get(Client, client_id).payment_terms_days
        assert (invoice.client_id, invoice.total, invoice.issue_date) == (client_id, Decimal("1210.00"), AS_OF)
        assert (invoice.due_date - invoice.issue_date).days == terms


def test_search_finds_a_client_by_invoice_number_and_contact_name(demo_db: str) -> None:
    """Issue 16, item 12: the search box also finds invoice numbers, contact names and phone numbers."""
    frames = load_frames(get_engine(demo_db))
    invoice = frames.invoices.iloc[0]
    owner_of_invoice = frames.clients.set_index("client_id").loc[int(invoice["client_id"]), "company_name"]
    at = _page()
    at.text_input(key="clients_search").input(str(invoice["number"]).lower()).run()
    assert owner_of_invoice in _list(at)["company_name"].tolist()
    contact = frames.contacts.iloc[0]
    company = frames.clients.set_index("client_id").loc[int(contact["client_id"]), "company_name"]
    at.text_input(key="clients_search").input(str(contact["full_name"]).upper()).run()
    assert company in _list(at)["company_name"].tolist()


def test_creating_a_lookalike_client_warns_and_needs_a_confirmation(demo_db: str) -> None:
    """Issue 16, item 14: "TALLERES PEREZ SL" when "Talleres Pérez S.L." exists: warned, nothing written until confirmed."""
    engine = get_engine(demo_db)
    services.create_client(engine, {"company_name": "Talleres Pérez S.L.", "email": "taller@perez.es"})
    before = row_counts(engine)
    at = _page()
    at.text_input(key="new_company_name").input("TALLERES PEREZ SL")
    at.text_input(key="new_email").input("otro@perez.es")
    at.button(key="new_save").click().run()
    warnings = [w.value for w in at.warning if "Talleres Pérez S.L." in w.value]
    assert warnings and "S.L.." not in warnings[0]  # a name ending in "." is not followed by a second one
    assert row_counts(engine) == before
    at.checkbox(key="new_not_duplicate").check()
    at.button(key="new_save").click().run()
    assert not at.exception and not _form_errors(at), _form_errors(at)
    assert row_counts(engine)["clients"] == before["clients"] + 1


def test_merge_a_duplicate_into_the_client_from_its_page(demo_db: str) -> None:
    """Issue 16, item 14: the merge moves the duplicate's invoices here and deletes it, after a confirmation."""
    from crm_core.db.models import Invoice

    engine = get_engine(demo_db)
    kept_id = int(load_frames(engine).clients["client_id"].iloc[0])
    dup = services.create_client(engine, {"company_name": "Duplicado S.L.", "email": "dup@x.es"})
    services.record_invoice(engine, {"client_id": dup.client_id, "number": "F-DUP-1", "issue_date": AS_OF, "total": "10"})
    at = _page()
    at.selectbox(key="client_pick").select(kept_id).run()
    at.selectbox(key=f"merge_pick_{kept_id}").select(dup.client_id)
    at.checkbox(key=f"merge_confirm_{kept_id}").check().run()
    at.button(key=f"merge_{kept_id}").click().run()
    assert not at.exception and not _form_errors(at), _form_errors(at)
    assert any(s.value.startswith("Duplicado S.L. merged:") for s in at.success)
    with Session(engine) as session:
        assert session.get(Client, dup.client_id) is None
        assert session.scalars(select(Invoice.client_id).where(Invoice.number == "F-DUP-1")).one() == kept_id


def test_bulk_reassign_the_account_manager_of_the_filtered_clients(demo_db: str) -> None:
    """Issue 16, item 13: the clients the filters list get the picked account manager; the others keep theirs.
    With nobody able to sign in yet (open mode), the picker lists every user: the owners typed so far."""
    engine = get_engine(demo_db)
    clients = load_frames(engine).clients
    owners = sorted(clients["owner"].dropna().unique(), key=str.lower)
    owner, other = str(owners[0]), str(owners[1])
    mine = set(clients.loc[clients["owner"] == owner, "client_id"].astype(int))
    theirs = set(clients.loc[clients["owner"] == other, "client_id"].astype(int))
    at = _page()
    assert at.selectbox(key="reassign_owner").options == ["(unassigned)", *owners]
    at.multiselect(key="clients_owner").set_value([owner]).run()
    at.selectbox(key="reassign_owner").select(other)
    at.checkbox(key="reassign_confirm").check().run()
    at.button(key="reassign_save").click().run()
    assert not at.exception and not _form_errors(at), _form_errors(at)
    assert f"{len(mine)} clients now have {other} as account manager." in [s.value for s in at.success]
    after = load_frames(engine).clients.set_index("client_id")["owner"]
    assert set(after[after == other].index) == mine | theirs
