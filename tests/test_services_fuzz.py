"""Property tests of every write service under adversarial values, on SQLite and PostgreSQL.

The property: a call either succeeds with a row that reads back as the schema's normalised input,
or raises a crm_core.errors error naming a field of the input, and then the database holds
exactly what it held before (every row of every table, not just the counts).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import Invoice, Opportunity
from crm_core.errors import (
    CRMError,
    DuplicateError,
    FieldError,
    NotFoundError,
    StaleEditError,
    ValidationError,
)
from crm_core.schemas import (
    ActivityCreate,
    ClientCreate,
    ClientUpdate,
    ContactCreate,
    ContactUpdate,
    InvoiceCreate,
    InvoiceOut,
    OpportunityCreate,
    OpportunityOut,
    OpportunityUpdate,
    PaymentCreate,
    WonClose,
    parse,
    trim_text,
)
from crm_core.store.frames import load_frames
from crm_core.views.clients import ClientFilters, list_clients
from tests.conftest import table_rows
from tests.factories import client_list_table

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
_seq = count(1)

# ---------------------------------------------------------------- adversarial values

NASTY_TEXT: list[str] = [
    "",
    "   ",
    "\t\n ",
    "\u00a0\u2003",
    "\u200b",
    "x" * 10_000,
    "\u202eevil.exe\u202c",
    "مرحبا بالعالم",
    "😀🇪🇸👩‍👩‍👧",
    "e\u0301\u0301\u0301\u0301",
    "a\x00b",
    "\x00",
    "\ud800",
    "ok\udfffok",
    "=1+2",
    "+34 600 000 000",
    "-2+3",
    "@SUM(A1:A9)",
    '=HYPERLINK("http://evil","x")',
    "' OR 1=1 --",
    "%_\\",
    "None",
]
NASTY_NUMBERS: list[Any] = [
    -1,
    0,
    2**31,
    2**63,
    10**30,
    -(10**30),
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    -0.0,
    0.1,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("1e1000"),
    Decimal("1e-1000"),
    Decimal("0.001"),
    Decimal("1.000000000000000000000000000001"),
    Decimal("123456789012345678901234567890"),
    Decimal("999999999999.99"),
    Decimal("1E+12"),
    Decimal("-0"),
    "1,5",
    "1.5e3",
    " 12 ",
    "1e1000",
    "12345678901234567890123456789012345",
    True,
]
NASTY_DATES: list[Any] = [
    date(1, 1, 1),
    date(9999, 12, 31),
    datetime(1, 1, 1),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=23, minutes=59))),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-12))),
    "0001-01-01T00:00:00",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "31/02/2026",
    "",
    0,
    -1,
    10**20,
    float("nan"),
]
WRONG_TYPES: list[Any] = [None, {}, [], {"a": 1}, [1, 2], b"\xff\x00", 1.5, object()]
NASTY_IDS: list[Any] = [0, -1, 999_999, 2**31 - 1, 2**31, 2**63, 10**30, "1", "abc", None, True, 1.5, "\x00"]


def _text_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    )


NASTY: dict[str, st.SearchStrategy[Any]] = {
    "text": _text_values(),
    "number": st.one_of(st.sampled_from(NASTY_NUMBERS), st.integers(), st.decimals(places=None)),
    "date": st.one_of(st.sampled_from(NASTY_DATES), st.dates(), st.datetimes(timezones=st.timezones())),
    "id": st.sampled_from(NASTY_IDS),
    "bool": st.sampled_from([None, "yes", "maybe", 2, "", "\x00"]),
    "any": st.sampled_from(WRONG_TYPES),
}


def corrupt(base: dict[str, Any], kinds: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` (a valid payload) with up to three of its fields replaced by adversarial values,
    sometimes a required field dropped or an unknown one added."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload = dict(base)
        names = draw(st.lists(st.sampled_from(sorted(kinds)), max_size=3, unique=True))
        for name in names:
            kind = kinds[name]
            strategy = st.one_of(NASTY[kind], NASTY["any"]) if draw(st.integers(0, 9)) == 0 else NASTY[kind]
            payload[name] = draw(strategy)
        if draw(st.integers(0, 19)) == 0 and payload:
            payload.pop(draw(st.sampled_from(sorted(payload))))
        if draw(st.integers(0, 19)) == 0:
            payload[draw(st.sampled_from(["favourite_colour", "client_id ", "__class__"]))] = "x"
        return payload

    return build()


# ---------------------------------------------------------------- the property


def attempt(engine: Engine, call: Callable[[], Any], fields: set[str]) -> Any | None:
    """Run `call`; on a domain error check it names one of `fields` and that nothing changed.

    Returns the call's result, or None when it was refused. Any other exception fails the test.
    """
    before = table_rows(engine)
    try:
        result = call()
    except CRMError as exc:
        event(f"refused: {type(exc).__name__}")
        assert exc.message and "Traceback" not in exc.message
        if isinstance(exc, ValidationError):
            assert exc.fields, exc.errors
            assert set(exc.fields) <= fields, f"{exc.errors} names no field of {sorted(fields)}"
        elif isinstance(exc, DuplicateError):
            assert exc.field in fields
        elif isinstance(exc, NotFoundError):
            assert exc.what in {"client", "contact", "activity", "opportunity", "invoice"}
        else:
            assert isinstance(exc, StaleEditError)
        assert table_rows(engine) == before, "a refused write changed the database"
        return None
    event("written")
    return result


def same(got: Any, want: Any) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return False
    if isinstance(want, datetime) and isinstance(got, datetime):
        # As instants: == between zones is False for a local time in a DST gap or fold.
        return got.astimezone(UTC) == want.astimezone(UTC)
    return got == want


def assert_round_trip(row: Any, expected: dict[str, Any]) -> None:
    for name, want in expected.items():
        got = getattr(row, name)
        assert same(got, want), f"{name}: stored {got!r}, expected {want!r}"


def fields_of(*models: Any, extra: tuple[str, ...] = ()) -> set[str]:
    names: set[str] = set(extra)
    for model in models:
        names |= set(model.model_fields)
    return names | {"favourite_colour", "client_id ", "__class__"}


# ---------------------------------------------------------------- the world each call runs against


@dataclass
class World:
    client_id: int
    other_client_id: int
    contact_id: int
    other_contact_id: int
    invoice_id: int
    activity_id: int


@pytest.fixture
def world(engine: Engine) -> World:
    client = services.create_client(engine, {"company_name": "Acme", "email": "ventas@acme.es", "tax_id": "B12345674"})
    other = services.create_client(engine, {"company_name": "Otra", "email": "info@otra.es"})
    contact = services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana"})
    other_contact = services.add_contact(engine, {"client_id": other.client_id, "full_name": "Bea"})
    invoice = services.record_invoice(
        engine, {"client_id": client.client_id, "number": "F-1", "issue_date": "2026-10-01", "total": "100.00"}
    )
    activity = services.log_activity(
        engine,
        {"client_id": client.client_id, "kind": "task", "title": "Call back", "occurred_at": "2026-11-20T10:00", "done": False},
    )[0]
    return World(
        client.client_id, other.client_id, contact.contact_id, other_contact.contact_id, invoice.invoice_id, activity.activity_id
    )


def _pick_id(w: World, choice: Any, own: int) -> Any:
    return own if choice == "own" else choice


ID_CHOICE = st.one_of(st.just("own"), st.just("own"), NASTY["id"])

# ---------------------------------------------------------------- clients

CLIENT_KINDS = {
    "company_name": "text",
    "email": "text",
    "phone": "text",
    "address": "text",
    "tax_id": "text",
    "status": "text",
    "segment": "text",
    "industry": "text",
    "company_size": "text",
    "region": "text",
    "city": "text",
    "website": "text",
    "linkedin": "text",
    "employees": "number",
    "owner": "text",
    "payment_terms_days": "number",
    "created_at": "date",
}


BASE_EMAIL = "info@empresa.es"  # replaced by a fresh address in each example that keeps it
CLIENT_BASE = {
    "company_name": "Empresa S.L.",
    "email": BASE_EMAIL,
    "city": "Madrid",
    "region": "Comunidad de Madrid",
    "website": "empresa.es",
}


@FUZZ
@given(payload=corrupt(CLIENT_BASE, CLIENT_KINDS))
@example(payload={"company_name": "W", "email": "w@w.es", "website": "w.es/" + "x" * 400})
@example(payload={"company_name": "Nul\x00", "email": "nul@w.es"})
@example(payload={"company_name": "Lone \ud800", "email": "lone@w.es"})
@example(payload={"company_name": "Early", "email": "early@w.es", "created_at": datetime(1, 1, 1)})
@example(
    payload={
        "company_name": "Late",
        "email": "late@w.es",
        "created_at": datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-12))),
    }
)
def test_create_client(engine: Engine, world: World, payload: dict[str, Any]) -> None:
    if payload.get("email") == BASE_EMAIL:
        payload = {**payload, "email": f"info{next(_seq)}@empresa.es"}
    out = attempt(engine, lambda: services.create_client(engine, payload), fields_of(ClientCreate))
    if out is not None:
        data = parse(ClientCreate, payload)
        assert_round_trip(services.get_client(engine, out.client_id), data.model_dump(exclude_none=True))


@FUZZ
@given(
    payload=corrupt({"city": "Sevilla", "employees": 12, "status": "active"}, CLIENT_KINDS),
    target=ID_CHOICE,
    version=st.one_of(st.just("current"), st.just("current"), st.sampled_from([0, -1, 10**30, "1", None])),
)
@example(payload={"linkedin": "linkedin.com/" + "x" * 300}, target="own", version="current")
@example(payload={"address": "C/ Mayor\x00 1"}, target="own", version="current")
@example(payload={"city": "x"}, target=2**63, version="current")
def test_update_client(engine: Engine, world: World, payload: dict[str, Any], target: Any, version: Any) -> None:
    client_id = _pick_id(world, target, world.client_id)
    before = services.get_client(engine, world.client_id)
    expected_version = before.version if version == "current" else version
    out = attempt(
        engine,
        lambda: services.update_client(engine, client_id, payload, expected_version),
        fields_of(ClientUpdate, extra=("created_at",)) | {"client_id", "expected_version"},
    )
    if out is not None:
        data = parse(ClientUpdate, payload).model_dump(exclude_unset=True)
        after = services.get_client(engine, out.client_id)
        assert_round_trip(after, {**before.model_dump(exclude={"version", "updated_at"}), **data})
        changed = any(getattr(before, name) != value for name, value in data.items())
        assert after.version == before.version + changed


@FUZZ
@given(target=NASTY["id"])
@example(target=2**31)  # past PostgreSQL's INTEGER: "integer out of range"
@example(target=2**63)  # past SQLite's: OverflowError
@example(target="abc")  # PostgreSQL: "invalid input syntax for type integer"
def test_delete_client_of_a_bad_id(engine: Engine, world: World, target: Any) -> None:
    assert attempt(engine, lambda: services.delete_client(engine, target), {"client_id"}) is None


FILTER_VALUE = st.one_of(st.none(), NASTY["text"], NASTY["any"])
PROFILE_FILTERS = ("status", "segment", "industry", "region", "owner")


@FUZZ
@given(
    filters=st.fixed_dictionaries(
        {},
        optional={
            "status": FILTER_VALUE,
            "segment": FILTER_VALUE,
            "industry": FILTER_VALUE,
            "region": FILTER_VALUE,
            "owner": FILTER_VALUE,
            "search": FILTER_VALUE,
            "sort": st.one_of(NASTY["text"], NASTY["any"], st.just("owner")),
            "descending": st.one_of(st.booleans(), NASTY["any"]),
            "offset": st.one_of(NASTY["number"], st.just(0)),
            "limit": st.one_of(NASTY["number"], st.just(50)),
        },
    )
)
@example(filters={"search": "a\x00b"})
@example(filters={"owner": "x\x00"})
@example(filters={"offset": 10**30})
@example(filters={"limit": "x"})
@example(filters={"status": {}})  # TypeError: unhashable type: 'dict'
@example(filters={"sort": []})
def test_list_clients_with_bad_filters(engine: Engine, world: World, filters: dict[str, Any]) -> None:
    """The one client list (crm_core.views.clients): a page or a domain error naming the filter, never a write."""
    table = client_list_table(engine)
    chosen = {name: (value,) for name, value in filters.items() if name in PROFILE_FILTERS and value is not None}
    if filters.get("search") is not None:
        chosen["search"] = filters["search"]
    options = {name: filters[name] for name in ("sort", "descending", "offset", "limit") if name in filters}
    names = {*PROFILE_FILTERS, "search", "sort", "descending", "offset", "limit"}
    page = attempt(engine, lambda: list_clients(table, ClientFilters(**chosen), **options), names)
    if page is not None:
        assert page.total <= 2 and len(page.rows) <= page.total


# ---------------------------------------------------------------- contacts

CONTACT_KINDS = {
    "client_id": "id",
    "full_name": "text",
    "role": "text",
    "email": "text",
    "phone": "text",
    "whatsapp": "text",
    "is_primary": "bool",
    "is_billing": "bool",
    "notes": "text",
}


@FUZZ
@given(payload=corrupt({"full_name": "Luis", "role": "CFO", "email": "luis@acme.es", "is_billing": True}, CONTACT_KINDS))
@example(payload={"client_id": 2**63, "full_name": "Huge"})
@example(payload={"full_name": "Nul", "notes": "a\x00b"})
def test_add_contact(engine: Engine, world: World, payload: dict[str, Any]) -> None:
    payload = {"client_id": world.client_id, **payload}
    out = attempt(engine, lambda: services.add_contact(engine, payload), fields_of(ContactCreate))
    if out is not None:
        data = parse(ContactCreate, payload)
        stored = {c.contact_id: c for c in services.list_contacts(engine, data.client_id)}[out.contact_id]
        assert_round_trip(stored, data.model_dump())


@FUZZ
@given(
    payload=corrupt({"role": "CEO", "phone": "+34 600 000 000"}, {k: v for k, v in CONTACT_KINDS.items() if k != "client_id"}),
    target=ID_CHOICE,
)
@example(payload={"is_primary": None}, target="own")
@example(payload={"is_billing": None}, target="own")
@example(payload={"role": "\ud800"}, target="own")
def test_update_contact(engine: Engine, world: World, payload: dict[str, Any], target: Any) -> None:
    contact_id = _pick_id(world, target, world.contact_id)
    before = {c.contact_id: c for c in services.list_contacts(engine, world.client_id)}[world.contact_id]
    out = attempt(engine, lambda: services.update_contact(engine, contact_id, payload), fields_of(ContactUpdate) | {"contact_id"})
    if out is not None:
        data = parse(ContactUpdate, payload).model_dump(exclude_unset=True)
        stored = {c.contact_id: c for c in services.list_contacts(engine, world.client_id)}[world.contact_id]
        assert_round_trip(stored, {**before.model_dump(), **data})


# ---------------------------------------------------------------- activities

ACTIVITY_KINDS = {
    "client_id": "id",
    "contact_id": "id",
    "kind": "text",
    "title": "text",
    "description": "text",
    "occurred_at": "date",
    "duration_min": "number",
    "owner": "text",
    "done": "bool",
    "outcome": "text",
    "follow_up_on": "date",
}


@FUZZ
@given(
    payload=corrupt(
        {
            "kind": "call",
            "title": "Llamada",
            "occurred_at": "2026-11-20T10:00",
            "duration_min": 15,
            "outcome": "Interesado",
            "follow_up_on": "2026-12-01",
        },
        ACTIVITY_KINDS,
    )
)
@example(payload={"kind": "call", "title": "Early", "occurred_at": datetime(1, 1, 1)})
@example(payload={"kind": "call", "title": "Late", "occurred_at": "9999-12-31T23:59:59", "follow_up_on": date(9999, 12, 31)})
@example(payload={"kind": "call", "title": "Huge contact", "occurred_at": "2026-11-20T10:00", "contact_id": 2**63})
@example(payload={"kind": "call", "title": "Nul\x00", "occurred_at": "2026-11-20T10:00"})
def test_log_activity(engine: Engine, world: World, payload: dict[str, Any]) -> None:
    payload = {"client_id": world.client_id, **payload}
    out = attempt(engine, lambda: services.log_activity(engine, payload), fields_of(ActivityCreate))
    if out is not None:
        data = parse(ActivityCreate, payload)
        stored = {a.activity_id: a for a in services.list_activities(engine, data.client_id, limit=1000)}
        assert_round_trip(stored[out[0].activity_id], data.model_dump())
        assert len(out) == (2 if data.follow_up_on else 1)


@FUZZ
@given(target=ID_CHOICE, outcome=st.one_of(st.none(), NASTY["text"], NASTY["any"]))
@example(target="own", outcome="Hecho\x00")
@example(target="own", outcome=5)
@example(target=2**63, outcome=None)
def test_complete_activity(engine: Engine, world: World, target: Any, outcome: Any) -> None:
    activity_id = _pick_id(world, target, world.activity_id)
    out = attempt(engine, lambda: services.complete_activity(engine, activity_id, outcome), {"activity_id", "outcome"})
    if out is not None:
        stored = {a.activity_id: a for a in services.list_activities(engine, world.client_id, limit=1000)}
        assert stored[out.activity_id].done is True
        if isinstance(outcome, str) and trim_text(outcome):
            assert stored[out.activity_id].outcome == trim_text(outcome)[:300]


# ---------------------------------------------------------------- opportunities

OPPORTUNITY_KINDS = {
    "client_id": "id",
    "contact_id": "id",
    "name": "text",
    "description": "text",
    "amount": "number",
    "stage": "text",
    "probability": "number",
    "expected_close": "date",
    "closed_at": "date",
    "won_amount": "number",
    "lost_reason": "text",
    "owner": "text",
    "notes": "text",
    "created_at": "date",
}


def read_opportunity(engine: Engine, opportunity_id: int) -> OpportunityOut:
    with read_session(engine) as session:
        return OpportunityOut.model_validate(session.get(Opportunity, opportunity_id))


def open_opportunity(engine: Engine, world: World) -> OpportunityOut:
    return services.create_opportunity(
        engine, {"client_id": world.client_id, "name": "ERP", "amount": "1000", "created_at": "2026-01-01T10:00"}
    )


@FUZZ
@given(
    payload=corrupt({"name": "ERP", "amount": "45000.50", "stage": "proposal", "expected_close": "2027-01-31"}, OPPORTUNITY_KINDS)
)
@example(payload={"name": "Huge", "amount": Decimal("1e1000")})
@example(payload={"name": "Many digits", "amount": "123456789012345678901234567890"})
@example(payload={"name": "Early", "amount": "1", "created_at": "0001-01-01T00:00:00"})
@example(payload={"name": "Won", "amount": "1", "stage": "won", "won_amount": "1", "closed_at": date(1, 1, 1)})
def test_create_opportunity(engine: Engine, world: World, payload: dict[str, Any]) -> None:
    payload = {"client_id": world.client_id, **payload}
    out = attempt(engine, lambda: services.create_opportunity(engine, payload), fields_of(OpportunityCreate))
    if out is not None:
        data = parse(OpportunityCreate, payload)
        expected = data.model_dump(exclude={"created_at"})
        assert_round_trip(read_opportunity(engine, out.opportunity_id), expected)


@FUZZ
@given(
    payload=corrupt(
        {"name": "CRM", "amount": "10", "probability": 55},
        {k: v for k, v in OPPORTUNITY_KINDS.items() if k in OpportunityUpdate.model_fields},
    ),
    target=ID_CHOICE,
    version=st.one_of(st.just("current"), st.just(None), st.sampled_from([0, 10**30, "x"])),
)
@example(payload={"notes": "\x00"}, target="own", version="current")
@example(payload={"contact_id": 2**63}, target="own", version="current")
def test_update_opportunity(engine: Engine, world: World, payload: dict[str, Any], target: Any, version: Any) -> None:
    opp = open_opportunity(engine, world)
    opportunity_id = _pick_id(world, target, opp.opportunity_id)
    expected_version = opp.version if version == "current" else version
    out = attempt(
        engine,
        lambda: services.update_opportunity(engine, opportunity_id, payload, expected_version),
        fields_of(OpportunityUpdate) | {"opportunity_id", "expected_version"},
    )
    if out is not None:
        data = parse(OpportunityUpdate, payload).model_dump(exclude_unset=True)
        expected = {**opp.model_dump(exclude={"version"}), **data}
        assert_round_trip(read_opportunity(engine, out.opportunity_id), expected)


MOVE_KINDS = {"stage": "text", "probability": "number", "changed_at": "date"}


@FUZZ
@given(
    payload=st.one_of(corrupt({"stage": "negotiation", "probability": 75}, MOVE_KINDS), NASTY["text"]),
    target=ID_CHOICE,
    version=st.one_of(st.just("current"), st.just(None), st.sampled_from([0, 10**30])),
)
@example(payload={"stage": "proposal", "changed_at": datetime(1, 1, 1)}, target="own", version="current")
@example(payload="\x00", target="own", version="current")
def test_move_opportunity(engine: Engine, world: World, payload: Any, target: Any, version: Any) -> None:
    opp = open_opportunity(engine, world)
    opportunity_id = _pick_id(world, target, opp.opportunity_id)
    expected_version = opp.version if version == "current" else version
    out = attempt(
        engine,
        lambda: services.move_opportunity(engine, opportunity_id, payload, expected_version),
        set(MOVE_KINDS) | {"favourite_colour", "client_id ", "__class__", "opportunity_id", "expected_version"},
    )
    if out is not None:
        stage = payload if isinstance(payload, str) else payload["stage"]
        assert read_opportunity(engine, out.opportunity_id).stage == trim_text(stage)


@FUZZ
@given(
    amount=st.one_of(st.just("900.10"), NASTY["number"], NASTY["text"], NASTY["any"]),
    closed_at=st.one_of(st.none(), st.just(date(2026, 6, 1)), NASTY["date"]),
    target=ID_CHOICE,
)
@example(amount=Decimal("1e1000"), closed_at=None, target="own")
@example(amount="1", closed_at=date(9999, 12, 31), target="own")
@example(amount="1", closed_at=None, target=2**63)
def test_mark_won(engine: Engine, world: World, amount: Any, closed_at: Any, target: Any) -> None:
    opp = open_opportunity(engine, world)
    opportunity_id = _pick_id(world, target, opp.opportunity_id)
    out = attempt(
        engine,
        lambda: services.mark_won(engine, opportunity_id, amount, closed_at, opp.version),
        {"won_amount", "closed_at", "stage", "opportunity_id"},
    )
    if out is not None:
        stored = read_opportunity(engine, out.opportunity_id)
        assert stored.stage == "won" and stored.won_amount == Decimal(str(amount).strip())
        if closed_at is not None:
            assert stored.closed_at == parse_date(closed_at)


def parse_date(value: Any) -> date:
    return WonClose.model_validate({"won_amount": 1, "closed_at": value}).closed_at


@FUZZ
@given(
    reason=st.one_of(st.just("Precio"), NASTY["text"], NASTY["any"]),
    closed_at=st.one_of(st.none(), st.just(date(2026, 6, 1)), NASTY["date"]),
    target=ID_CHOICE,
)
@example(reason="Precio\x00", closed_at=None, target="own")
@example(reason="\ud800", closed_at=None, target="own")
def test_mark_lost(engine: Engine, world: World, reason: Any, closed_at: Any, target: Any) -> None:
    opp = open_opportunity(engine, world)
    opportunity_id = _pick_id(world, target, opp.opportunity_id)
    out = attempt(
        engine,
        lambda: services.mark_lost(engine, opportunity_id, reason, closed_at, opp.version),
        {"lost_reason", "closed_at", "stage", "opportunity_id"},
    )
    if out is not None:
        stored = read_opportunity(engine, out.opportunity_id)
        assert stored.stage == "lost" and stored.lost_reason == trim_text(reason)


# ---------------------------------------------------------------- billing

INVOICE_KINDS = {
    "client_id": "id",
    "number": "text",
    "issue_date": "date",
    "due_date": "date",
    "total": "number",
    "credit_note": "bool",
    "void": "bool",
}


def read_invoice(engine: Engine, invoice_id: int) -> InvoiceOut:
    with read_session(engine) as session:
        return InvoiceOut.model_validate(session.get(Invoice, invoice_id))


@FUZZ
@given(payload=corrupt({"number": "F-2", "issue_date": "2026-11-01", "total": "1210.00"}, INVOICE_KINDS))
@example(payload={"number": "F-late", "issue_date": date(9999, 12, 31), "total": "10"})
@example(payload={"number": "F-\x00", "issue_date": "2026-11-01", "total": "10"})
@example(payload={"number": "F-huge", "issue_date": "2026-11-01", "total": "1e1000"})
def test_record_invoice(engine: Engine, world: World, payload: dict[str, Any]) -> None:
    payload = {"client_id": world.client_id, **payload}
    if isinstance(payload.get("number"), str) and payload["number"].strip():
        payload["number"] = f"{payload['number']}-{next(_seq)}"
    out = attempt(engine, lambda: services.record_invoice(engine, payload), fields_of(InvoiceCreate))
    if out is not None:
        data = parse(InvoiceCreate, payload)
        expected = data.model_dump(exclude={"due_date"} if data.due_date is None else set())
        assert_round_trip(read_invoice(engine, out.invoice_id), expected)


PAYMENT_KINDS = {"invoice_id": "id", "paid_on": "date", "amount": "number", "method": "text"}


@FUZZ
@given(payload=corrupt({"paid_on": "2026-10-05", "amount": "0.01", "method": "transfer"}, PAYMENT_KINDS))
@example(payload={"invoice_id": 2**63, "paid_on": "2026-10-05", "amount": "1"})
@example(payload={"paid_on": "2026-10-05", "amount": Decimal("123456789012345678901234567890")})
def test_record_payment(engine: Engine, world: World, payload: dict[str, Any]) -> None:
    payload = {"invoice_id": world.invoice_id, **payload}
    out = attempt(engine, lambda: services.record_payment(engine, payload), fields_of(PaymentCreate))
    if out is not None:
        data = parse(PaymentCreate, payload)
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT invoice_id, paid_on, amount, method FROM payments WHERE payment_id = :p"), {"p": out.payment_id}
            ).one()
        assert row.invoice_id == data.invoice_id and Decimal(str(row.amount)) == data.amount
        assert str(row.paid_on)[:10] == data.paid_on.isoformat()
        assert row.method == (None if data.method is None else data.method.value)


# ---------------------------------------------------------------- regressions of what the properties found


def test_a_date_the_frames_cannot_hold_is_refused_so_the_pages_keep_working(engine: Engine, world: World) -> None:
    """A year-1500 activity used to be stored, and then every page died on OutOfBoundsDatetime."""
    before = table_rows(engine)
    with pytest.raises(ValidationError) as err:
        services.log_activity(
            engine, {"client_id": world.client_id, "kind": "call", "title": "Typo", "occurred_at": "1500-06-01T10:00"}
        )
    assert err.value.errors == [FieldError("occurred_at", "year_range", {"first": 1900, "last": 2199})]
    assert err.value.errors[0].message == "must be between 1900 and 2199"
    assert table_rows(engine) == before
    frames = load_frames(engine)
    assert len(frames.activities) == 1


@pytest.mark.parametrize(
    ("call", "field", "code", "message"),
    [
        (
            lambda e, w: services.create_client(e, {"company_name": "Acme\x00", "email": "n@acme.es"}),
            "company_name",
            "nul",
            "must not contain a NUL character",
        ),
        (
            lambda e, w: services.create_client(e, {"company_name": "W", "email": "w@w.es", "website": "w.es/" + "x" * 400}),
            "website",
            "too_long",
            "must be at most 300 characters",
        ),
        (
            lambda e, w: services.record_invoice(
                e, {"client_id": w.client_id, "number": "F-9", "issue_date": "9999-12-31", "total": "10"}
            ),
            "issue_date",
            "year_range",
            "must be between 1900 and 2199",
        ),
        (
            lambda e, w: services.create_opportunity(
                e, {"client_id": w.client_id, "name": "X", "amount": "123456789012345678901234567890"}
            ),
            "amount",
            "too_large",
            "is too large",
        ),
        (
            lambda e, w: services.update_contact(e, w.contact_id, {"is_primary": None}),
            "is_primary",
            "cannot_empty",
            "is required and cannot be emptied",
        ),
        (lambda e, w: services.complete_activity(e, w.activity_id, 5), "outcome", "text", "must be text, got int"),
        (
            lambda e, w: services.update_client(e, w.client_id, {"address": "y" * 301}, 1),
            "address",
            "too_long",
            "must be at most 300 characters",
        ),
    ],
    ids=["nul", "long-url", "year-9999", "30-digit-amount", "null-flag", "outcome-not-text", "long-optional-text"],
)
def test_each_crash_found_is_now_a_message_naming_the_field(
    engine: Engine, world: World, call: Any, field: str, code: str, message: str
) -> None:
    before = table_rows(engine)
    with pytest.raises(ValidationError) as err:
        call(engine, world)
    assert [(e.field, e.code, e.message) for e in err.value.errors] == [(field, code, message)]
    assert table_rows(engine) == before
