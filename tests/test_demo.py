"""Demo portfolio: plausible, deterministic, consistent with the schema rules, loaded all-or-nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from email_validator import validate_email
from sqlalchemy import Engine, inspect
from stdnum.es import cif

import crm_core.demo as demo
from crm_core import services
from crm_core.db import get_engine
from crm_core.demo import DemoStats, generate_demo
from crm_core.demo.vocab import PLACES
from crm_core.enums import (
    DEFAULT_STAGE_PROBABILITY,
    OPEN_STAGES,
    ClientStatus,
    CompanySize,
    Stage,
)
from crm_core.errors import CRMError, ValidationError
from crm_core.schemas import ClientCreate, parse
from crm_core.store.frames import Frames, load_frames
from tests.conftest import row_counts

AS_OF = date(2026, 6, 30)
AS_OF_TS = pd.Timestamp(AS_OF)
CLIENTS = 60
SEED = 11


@pytest.fixture
def loaded(engine: Engine) -> tuple[Engine, DemoStats, Frames]:
    stats = generate_demo(engine, clients=CLIENTS, seed=SEED, as_of=AS_OF)
    return engine, stats, load_frames(engine)


def _sqlite(tmp_path: Path, name: str) -> Engine:
    return get_engine(f"sqlite:///{tmp_path / name}")


def test_counts_are_what_was_written_and_plausible(loaded: tuple[Engine, DemoStats, Frames]) -> None:
    engine, stats, frames = loaded
    counts = row_counts(engine)
    assert stats.rows == {name: counts[name] for name in stats.rows}
    assert counts["clients"] == CLIENTS
    invoiced = frames.invoices[~frames.invoices.credit_note]
    per_client = invoiced.groupby("client_id").size()
    assert 12 <= per_client.mean() <= 30  # about three years of monthly / quarterly / irregular billing
    contacts = frames.contacts.groupby("client_id")
    assert set(contacts.size()) <= {1, 2, 3} and contacts.ngroups == CLIENTS
    assert (contacts.is_primary.sum() == 1).all()
    assert (contacts.is_billing.sum() == 1).all()
    assert counts["opportunities"] >= CLIENTS // 2
    assert counts["opportunity_stage_history"] > counts["opportunities"]
    assert counts["payments"] > 0.8 * len(invoiced)
    assert counts["activities"] > 3 * CLIENTS


def test_same_seed_same_rows_on_any_backend_and_another_seed_differs(
    loaded: tuple[Engine, DemoStats, Frames], tmp_path: Path
) -> None:
    _engine, _stats, frames = loaded
    again = _sqlite(tmp_path, "again.sqlite3")
    generate_demo(again, clients=CLIENTS, seed=SEED, as_of=AS_OF)
    frames_again = load_frames(again)
    for name in ("clients", "contacts", "activities", "opportunities", "invoices", "payments", "stage_history"):
        pd.testing.assert_frame_equal(getattr(frames, name), getattr(frames_again, name), check_exact=True)

    other = _sqlite(tmp_path, "other.sqlite3")
    generate_demo(other, clients=CLIENTS, seed=SEED + 1, as_of=AS_OF)
    frames_other = load_frames(other)
    assert set(frames_other.clients.company_name) != set(frames.clients.company_name)
    assert set(frames_other.clients.tax_id) != set(frames.clients.tax_id)


def test_every_stage_is_present_and_history_matches_each_final_stage(
    loaded: tuple[Engine, DemoStats, Frames],
) -> None:
    _engine, _stats, frames = loaded
    opps = frames.opportunities.set_index("opportunity_id")
    assert set(opps.stage) == {s.value for s in Stage}
    history = frames.stage_history.sort_values(["opportunity_id", "changed_at", "change_id"])
    assert set(history.opportunity_id) == set(opps.index)
    order = [s.value for s in Stage]
    for opp_id, rows in history.groupby("opportunity_id"):
        opp = opps.loc[opp_id]
        assert pd.isna(rows.from_stage.iloc[0])
        assert rows.from_stage.iloc[1:].tolist() == rows.to_stage.iloc[:-1].tolist()
        assert rows.to_stage.iloc[-1] == opp.stage
        open_path = [s for s in rows.to_stage if s in order[:4]]
        assert open_path == sorted(open_path, key=order.index)  # the funnel only moves forward
        assert rows.changed_at.iloc[0] == opp.created_at
        assert rows.changed_at.max() < AS_OF_TS
        if opp.stage in (Stage.WON, Stage.LOST):
            assert opp.closed_at == rows.changed_at.iloc[-1].normalize()
            assert opp.probability == DEFAULT_STAGE_PROBABILITY[Stage(opp.stage)]
            assert pd.notna(opp.won_amount) == (opp.stage == Stage.WON)
            assert (opp.lost_reason is not None and pd.notna(opp.lost_reason)) == (opp.stage == Stage.LOST)
        else:
            assert pd.isna(opp.closed_at) and pd.isna(opp.won_amount)
            assert 0 < opp.probability < 100
    open_opps = opps[opps.stage.isin([s.value for s in OPEN_STAGES])]
    assert (open_opps.expected_close < AS_OF_TS).any()  # some are past their expected close
    assert opps.expected_close.isna().any()


def test_invoices_and_payments_obey_the_billing_rules(loaded: tuple[Engine, DemoStats, Frames]) -> None:
    _engine, _stats, frames = loaded
    inv = frames.invoices.set_index("invoice_id")
    pay = frames.payments
    clients = frames.clients.set_index("client_id")
    assert (inv.due_date >= inv.issue_date).all()
    terms = inv.client_id.map(clients.payment_terms_days)
    assert ((inv.due_date - inv.issue_date).dt.days == terms).all()
    assert ((inv.total < 0) == inv.credit_note).all() and (inv.total != 0).all()
    assert inv.issue_date.max() <= AS_OF_TS
    assert inv.number.is_unique
    assert inv.number.str.fullmatch(r"[FR]20\d\d-\d{6}").all()

    assert pay.paid_on.max() <= AS_OF_TS
    assert (pay.amount > 0).all()
    joined = pay.join(inv, on="invoice_id")
    assert (joined.paid_on >= joined.issue_date).all()
    assert not (joined.void | joined.credit_note).any()
    paid = pay.groupby("invoice_id").amount.sum()
    payable = inv[~inv.credit_note & ~inv.void]
    outstanding = payable.total - paid.reindex(payable.index, fill_value=0.0)
    assert (outstanding > -0.005).all()  # never overpaid
    assert (outstanding > 0.005).any()  # some still open
    assert (joined.paid_on > joined.due_date).any() and (joined.paid_on <= joined.due_date).any()
    assert (pay.groupby("invoice_id").size() > 1).any()  # partial payments


def test_clients_have_valid_unique_ids_and_pass_the_client_schema(
    loaded: tuple[Engine, DemoStats, Frames],
) -> None:
    _engine, _stats, frames = loaded
    clients = frames.clients
    assert clients.tax_id.map(cif.is_valid).all()
    assert clients.tax_id.is_unique and clients.email.is_unique
    assert clients.company_name.is_unique
    for email in clients.email:
        assert validate_email(email, check_deliverability=False).normalized.lower() == email
    assert set(clients.status) <= {s.value for s in ClientStatus}
    assert set(clients.company_size) <= {s.value for s in CompanySize}
    for row in clients.to_dict("records"):
        assert row["city"] in [c[0] for c in PLACES[row["region"]][1]]
        payload = {k: row[k] for k in ClientCreate.model_fields if k in row}
        payload["employees"] = int(row["employees"])
        payload["created_at"] = row["created_at"].to_pydatetime()
        payload = {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v) for k, v in payload.items()}
        parse(ClientCreate, payload)  # raises if any value breaks a validation rule
    for email in frames.contacts.email:
        validate_email(email, check_deliverability=False)


def test_statuses_follow_what_clients_did(loaded: tuple[Engine, DemoStats, Frames]) -> None:
    _engine, _stats, frames = loaded
    clients = frames.clients.set_index("client_id")
    real = frames.invoices[~frames.invoices.void & ~frames.invoices.credit_note]
    last_invoice = real.groupby("client_id").issue_date.max().reindex(clients.index)
    never = last_invoice.isna()
    assert never.any()
    assert (clients.status[never] == ClientStatus.PROSPECT).all()
    assert (clients.status[~never] != ClientStatus.PROSPECT).all()
    churned = last_invoice < AS_OF_TS - pd.Timedelta(days=120)
    assert churned.any()
    assert clients.status[churned].isin([ClientStatus.LOST, ClientStatus.DORMANT]).all()
    assert (clients.status[clients.status == ClientStatus.LOST].index.isin(churned[churned].index)).all()
    assert (clients.created_at < AS_OF_TS).all() and (clients.updated_at >= clients.created_at).all()
    first_invoice = frames.invoices.groupby("client_id").issue_date.min().reindex(clients.index)
    assert (clients.created_at.dt.normalize() <= first_invoice.fillna(AS_OF_TS)).all()
    created = frames.activities.client_id.map(clients.created_at)
    assert (frames.activities.occurred_at >= created).all()
    assert (frames.opportunities.created_at >= frames.opportunities.client_id.map(clients.created_at)).all()


def test_activities_are_done_in_the_past_and_follow_ups_are_scheduled(
    loaded: tuple[Engine, DemoStats, Frames],
) -> None:
    _engine, _stats, frames = loaded
    acts = frames.activities
    done = acts[acts.done]
    assert done.occurred_at.max() < AS_OF_TS  # timestamped history ends the day before as_of
    assert {"call", "email", "meeting", "video_call", "note", "proposal"} <= set(acts.kind)
    open_tasks = acts[~acts.done]
    assert (open_tasks.kind == "task").all()
    assert (open_tasks.occurred_at > AS_OF_TS + pd.Timedelta(days=1)).any()  # follow-ups due later
    assert (open_tasks.follow_up_on == open_tasks.occurred_at.dt.normalize()).all()
    with_follow_up = acts[acts.follow_up_on.notna()]
    assert (with_follow_up.follow_up_on >= with_follow_up.occurred_at.dt.normalize()).all()
    contacts = frames.contacts.set_index("contact_id")
    own = acts.dropna(subset=["contact_id"])
    assert (own.client_id.values == contacts.client_id.reindex(own.contact_id.astype(int)).values).all()


def test_refuses_a_database_that_already_has_clients(engine: Engine) -> None:
    services.create_client(engine, {"company_name": "Existente S.L.", "email": "hola@existente.es"})
    before = row_counts(engine)
    with pytest.raises(ValidationError) as err:
        generate_demo(engine, clients=10, seed=1, as_of=AS_OF)
    assert "already has clients" in str(err.value) and err.value.fields == ["database"]
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"clients": 0}, "clients"), ({"clients": "ten"}, "clients"), ({"seed": -3}, "seed"), ({"as_of": "2026-01-01"}, "as_of")],
)
def test_bad_arguments_name_the_field_and_write_nothing(sqlite_engine: Engine, kwargs: dict, field: str) -> None:
    args = {"clients": 10, "seed": 1, "as_of": AS_OF} | kwargs
    with pytest.raises(ValidationError) as err:
        generate_demo(sqlite_engine, **args)
    assert err.value.fields == [field]
    assert sum(row_counts(sqlite_engine).values()) == 0


def _schema(engine: Engine) -> dict[str, tuple[list[str], list[str]]]:
    inspector = inspect(engine)
    return {
        table: (
            sorted(i["name"] for i in inspector.get_indexes(table)),
            sorted(f"{fk['constrained_columns']}->{fk['referred_table']}" for fk in inspector.get_foreign_keys(table)),
        )
        for table in inspector.get_table_names()
    }


def _break_check(portfolio: demo.Portfolio) -> None:
    invoices = portfolio.tables["invoices"]
    invoices["due_date"][-1] = invoices["issue_date"][-1] - np.timedelta64(1, "D")


def _break_foreign_key(portfolio: demo.Portfolio) -> None:
    portfolio.tables["payments"]["invoice_id"][-1] = 10**9


@pytest.mark.parametrize("breakage", [_break_check, _break_foreign_key], ids=["check", "foreign_key"])
def test_a_failing_load_leaves_no_half_portfolio_and_keeps_the_schema(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, breakage: object
) -> None:
    schema_before = _schema(engine)
    real_build = demo.build_portfolio

    def broken_build(clients: int, seed: int, as_of: date) -> demo.Portfolio:
        portfolio = real_build(clients, seed, as_of)
        breakage(portfolio)  # type: ignore[operator]
        return portfolio

    monkeypatch.setattr(demo, "build_portfolio", broken_build)
    with pytest.raises(CRMError, match="nothing was written"):
        generate_demo(engine, clients=30, seed=2, as_of=AS_OF)
    assert sum(row_counts(engine).values()) == 0
    assert _schema(engine) == schema_before
    monkeypatch.setattr(demo, "build_portfolio", real_build)
    generate_demo(engine, clients=30, seed=2, as_of=AS_OF)  # the database is still usable
    assert row_counts(engine)["clients"] == 30
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_services_keep_working_after_a_demo_load(loaded: tuple[Engine, DemoStats, Frames]) -> None:
    engine, stats, _frames = loaded
    client = services.create_client(
        engine, {"company_name": "Después del Demo S.L.", "email": "nuevo@despues.es", "tax_id": "B12345674"}
    )
    assert client.client_id == CLIENTS + 1
    invoice = services.record_invoice(
        engine, {"client_id": client.client_id, "number": "Z2026-000001", "issue_date": AS_OF, "total": "100.00"}
    )
    assert invoice.invoice_id == stats.rows["invoices"] + 1
    payment = services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": AS_OF, "amount": "40.00"})
    assert payment.payment_id == stats.rows["payments"] + 1
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana Ruiz"})
    assert contact.contact_id == stats.rows["contacts"] + 1
    when = datetime(2026, 6, 30, 10, tzinfo=UTC)
    logged = services.log_activity(
        engine,
        {
            "client_id": client.client_id,
            "kind": "call",
            "title": "Hola",
            "occurred_at": when,
            "follow_up_on": AS_OF + timedelta(days=3),
        },
    )
    assert [a.activity_id for a in logged] == [stats.rows["activities"] + 1, stats.rows["activities"] + 2]
    opp = services.create_opportunity(engine, {"client_id": client.client_id, "name": "Nueva", "amount": "500"})
    assert opp.opportunity_id == stats.rows["opportunities"] + 1
    moved = services.move_opportunity(engine, opp.opportunity_id, "contacted")
    assert moved.stage == "contacted"
    assert row_counts(engine)["opportunity_stage_history"] == stats.rows["opportunity_stage_history"] + 2


def test_invoice_numbers_restart_each_year() -> None:
    portfolio = demo.build_portfolio(40, 5, AS_OF)
    numbers = pd.Series(portfolio.tables["invoices"]["number"])
    years = numbers.str.slice(1, 5).astype(int)
    assert set(years) == {2023, 2024, 2025, 2026}
    firsts = numbers[numbers.str.fullmatch(r"F\d{4}-000001")]
    assert len(firsts) == 4
    assert not numbers.map(lambda n: re.fullmatch(r"[FR]\d{4}-\d{6}", n) is None).any()


def test_a_larger_portfolio_has_credit_notes_void_invoices_and_a_defaulter() -> None:
    portfolio = demo.build_portfolio(1000, 3, AS_OF)
    invoices = pd.DataFrame(portfolio.tables["invoices"])
    payments = pd.DataFrame(portfolio.tables["payments"])
    assert invoices.credit_note.sum() > 0 and invoices.void.sum() > 0
    assert not payments.invoice_id.isin(invoices.invoice_id[invoices.void | invoices.credit_note]).any()
    # a defaulter: stopped paying, yet was invoiced at least three more times (long overdue now)
    with_client = payments.join(invoices.set_index("invoice_id").client_id, on="invoice_id")
    last_paid = with_client.groupby("client_id").paid_on.max()
    regular = invoices[~invoices.credit_note & ~invoices.void]
    after = regular[regular.issue_date > regular.client_id.map(last_paid)]
    after = after[after.issue_date < pd.Timestamp(AS_OF) - pd.Timedelta(days=90)]
    assert (after.groupby("client_id").size() >= 3).any()


def test_hidden_plan_is_the_plan_behind_the_portfolio() -> None:
    from crm_core.demo.generate import hidden_plan
    from crm_core.demo.plan import IRREGULAR, NEVER

    portfolio = demo.build_portfolio(300, 8, AS_OF)
    plan = hidden_plan(300, 8, AS_OF)
    invoices = pd.DataFrame(portfolio.tables["invoices"])
    invoiced = np.zeros(300, bool)
    invoiced[invoices.client_id.unique() - 1] = True
    # prospects (not customers) were never invoiced; customers were, but for a few too new to be yet
    assert not invoiced[~plan.customer].any()
    assert invoiced[plan.customer].mean() > 0.9
    # a churned client's last invoice (credit notes aside) is on or before its hidden end day
    ordinary = invoices[~invoices.credit_note]
    last_day = ordinary.groupby("client_id").issue_date.max().to_numpy().astype("datetime64[D]").astype(np.int64)
    ids = ordinary.groupby("client_id").issue_date.max().index.to_numpy() - 1
    churned = plan.churned[ids] & (plan.end[ids] < NEVER)
    assert churned.any() and (last_day[churned] <= plan.end[ids][churned] + 3).all()  # +3: rolled to a weekday
    # irregular buyers invoice about once per hidden mean gap
    counts = ordinary.groupby("client_id").size().to_numpy()
    span = (last_day - np.maximum(plan.start[ids], last_day.min())).clip(min=1)
    steady = (plan.cadence[ids] == IRREGULAR) & ~plan.churned[ids] & (plan.drift[ids] == NEVER) & (span > 365)
    ratio = counts[steady] / (span[steady] / plan.mean_gap[ids][steady])
    assert 0.8 < np.median(ratio) < 1.2


def test_text_with_tabs_newlines_and_backslashes_is_stored_verbatim(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    tricky = "Tab\there\\back\nnew line\r\\N"
    real_build = demo.build_portfolio

    def build_with_tricky_text(clients: int, seed: int, as_of: date) -> demo.Portfolio:
        portfolio = real_build(clients, seed, as_of)
        portfolio.tables["clients"]["address"][0] = tricky
        portfolio.tables["activities"]["description"][0] = tricky
        return portfolio

    monkeypatch.setattr(demo, "build_portfolio", build_with_tricky_text)
    generate_demo(engine, clients=10, seed=4, as_of=AS_OF)
    frames = load_frames(engine)
    assert frames.clients.address.iloc[0] == tricky
    assert frames.activities.description.iloc[0] == tricky
    assert frames.activities.description.iloc[1:].isna().all()


def test_cli_loads_prints_counts_and_refuses_a_second_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crm_core.cli import main

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    args = ["demo", "--clients", "25", "--seed", "9", "--url", url, "--as-of", "2026-06-30"]
    assert main(args) == 0
    out = capsys.readouterr().out
    counts = row_counts(get_engine(url))
    assert "25 clients, seed 9, history up to 2026-06-30" in out
    for name in ("clients", "invoices", "payments", "opportunity_stage_history"):
        assert re.search(rf"{name}\s+{counts[name]:,}\b", out), name
    assert re.search(r"done in \d+\.\d s", out)

    assert main(args) == 1
    assert "already has clients" in capsys.readouterr().err
    assert row_counts(get_engine(url)) == counts


def _storage_shapes(engine: Engine) -> dict[tuple[str, str], set[tuple[str, int | None]]]:
    """(table, column) -> the SQLite storage classes (and text lengths of dates/times) it holds."""
    shapes: dict[tuple[str, str], set[tuple[str, int | None]]] = {}
    with engine.connect() as conn:
        conn = conn.execution_options(crm_readonly=True)
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            for column in inspector.get_columns(table):
                name = column["name"]
                timed = name.endswith(("_at", "_date", "_on", "_close")) or name == "due_date"
                length = f"length({name})" if timed else "NULL"
                rows = conn.exec_driver_sql(
                    f"SELECT DISTINCT typeof({name}), {length} FROM {table} WHERE {name} IS NOT NULL"
                ).all()
                shapes[(table, name)] = {(kind, size) for kind, size in rows}
    return shapes


def test_sqlite_values_are_stored_exactly_like_the_orm_stores_them(tmp_path: Path) -> None:
    orm = _sqlite(tmp_path, "orm.sqlite3")
    client = services.create_client(
        orm,
        {
            "company_name": "Orm S.L.",
            "email": "a@orm.es",
            "tax_id": "B12345674",
            "employees": 3,
            "created_at": datetime(2026, 1, 5, 10, tzinfo=UTC),
        },
    )
    contact = services.add_contact(orm, {"client_id": client.client_id, "full_name": "Ana", "is_primary": True})
    services.log_activity(
        orm,
        {
            "client_id": client.client_id,
            "contact_id": contact.contact_id,
            "kind": "call",
            "title": "x",
            "occurred_at": datetime(2026, 2, 1, 9, 30, tzinfo=UTC),
            "duration_min": 5,
            "follow_up_on": date(2026, 2, 3),
        },
    )
    # amounts with and without cents: SQLite's NUMERIC affinity keeps whole ones as integers
    for number, (amount, won) in enumerate([("10.50", "10.25"), ("500", "300")]):
        opp = services.create_opportunity(
            orm,
            {
                "client_id": client.client_id,
                "contact_id": contact.contact_id,
                "name": "o",
                "amount": amount,
                "expected_close": date(2026, 3, 1),
                "created_at": datetime(2026, 2, 1, 9, tzinfo=UTC),
            },
        )
        services.mark_won(orm, opp.opportunity_id, won, closed_at=date(2026, 2, 20))
        invoice = services.record_invoice(
            orm, {"client_id": client.client_id, "number": f"F{number}", "issue_date": date(2026, 2, 1), "total": amount}
        )
        services.record_payment(orm, {"invoice_id": invoice.invoice_id, "paid_on": date(2026, 2, 2), "amount": won})
    services.record_invoice(
        orm,
        {"client_id": client.client_id, "number": "R1", "issue_date": date(2026, 2, 1), "total": "-3.5", "credit_note": True},
    )

    demo_engine = _sqlite(tmp_path, "demo.sqlite3")
    generate_demo(demo_engine, clients=CLIENTS, seed=SEED, as_of=AS_OF)
    orm_shapes, demo_shapes = _storage_shapes(orm), _storage_shapes(demo_engine)
    compared = 0
    for key, shapes in orm_shapes.items():
        if shapes:  # the ORM wrote a value there: the demo must store the same kind of value
            assert demo_shapes[key] <= shapes, key
            compared += 1
    assert compared >= 50
    # and the ORM reads demo rows back
    assert services.get_client(demo_engine, 1).created_at.tzinfo is not None
    assert services.list_activities(demo_engine, 1)


def _payload(row: dict, fields: dict, dates: set[str]) -> dict:
    """A frame row as a schema payload: NaN/NaT -> None, date columns -> date, timestamps -> datetime."""
    out = {}
    for name in fields:
        if name not in row:
            continue
        value = row[name]
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out[name] = None
        elif isinstance(value, pd.Timestamp):
            out[name] = value.date() if name in dates else value.to_pydatetime()
        elif isinstance(value, (np.integer,)):
            out[name] = int(value)
        else:
            out[name] = value
    return out


def test_every_generated_row_passes_the_write_schemas(loaded: tuple[Engine, DemoStats, Frames]) -> None:
    from crm_core.schemas import (
        ActivityCreate,
        ContactCreate,
        InvoiceCreate,
        OpportunityCreate,
        PaymentCreate,
    )

    _engine, _stats, frames = loaded
    dates = {"issue_date", "due_date", "paid_on", "expected_close", "closed_at", "follow_up_on"}
    for schema, frame in [
        (ContactCreate, frames.contacts),
        (ActivityCreate, frames.activities),
        (OpportunityCreate, frames.opportunities),
        (InvoiceCreate, frames.invoices),
        (PaymentCreate, frames.payments),
    ]:
        for row in frame.to_dict("records"):
            payload = _payload(row, schema.model_fields, dates)
            if schema is OpportunityCreate:
                payload["amount"] = f"{payload['amount']:.2f}"
                if payload.get("won_amount") is not None:
                    payload["won_amount"] = f"{payload['won_amount']:.2f}"
            if schema in (InvoiceCreate, PaymentCreate):
                key = "total" if schema is InvoiceCreate else "amount"
                payload[key] = f"{payload[key]:.2f}"
            parse(schema, payload)  # raises ValidationError naming the field on any broken rule
