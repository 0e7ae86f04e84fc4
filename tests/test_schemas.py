"""Validation rules that the services rely on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from crm_core.errors import ValidationError
from crm_core.schemas import (
    ActivityCreate,
    ClientCreate,
    InvoiceCreate,
    OpportunityCreate,
    parse,
)
from crm_core.tax_ids import normalise_tax_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("b-12345674", "B12345674"),
        (" B 1234 5674 ", "B12345674"),
        ("12345678z", "12345678Z"),
        ("x-1234567-l", "X1234567L"),
        ("ES B12345674", "B12345674"),
    ],
)
def test_tax_ids_are_normalised(raw, expected):
    assert normalise_tax_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"), [("B12345675", "check digit"), ("B123", "9 characters"), ("hello", "not a valid Spanish tax id")]
)
def test_bad_tax_ids_say_why(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_tax_id(raw)


def test_blank_optional_text_becomes_none_and_url_gets_scheme():
    client = parse(ClientCreate, {"company_name": " Acme ", "email": "a@acme.es", "phone": "  ", "website": "acme.es"})
    assert client.company_name == "Acme"
    assert client.phone is None
    assert client.website == "https://acme.es"


def test_invisible_characters_at_the_ends_are_trimmed_and_alone_count_as_blank():
    client = parse(
        ClientCreate,
        {"company_name": "\ufeff Acme\u200b ", "email": "a@acme.es", "phone": "\u200b", "address": "Calle\u200dMayor"},
    )
    assert client.company_name == "Acme"
    assert client.phone is None
    assert client.address == "Calle\u200dMayor"  # inside the text it stays (emoji sequences use it)
    with pytest.raises(ValidationError) as err:
        parse(ClientCreate, {"company_name": "\u200b\u2060 \u200c", "email": "a@acme.es"})
    assert err.value.fields == ["company_name"]
    assert "company_name: is required" in str(err.value)


def test_naive_activity_time_is_read_in_madrid():
    act = parse(ActivityCreate, {"client_id": 1, "kind": "call", "title": "x", "occurred_at": "2026-07-01T10:00"})
    assert act.occurred_at.utcoffset().total_seconds() == 7200
    aware = parse(
        ActivityCreate,
        {"client_id": 1, "kind": "call", "title": "x", "occurred_at": datetime.fromisoformat("2026-07-01T10:00+00:00")},
    )
    assert aware.occurred_at.utcoffset().total_seconds() == 0


def test_money_keeps_cents_exactly():
    inv = parse(InvoiceCreate, {"client_id": 1, "number": "F", "issue_date": "2026-01-01", "total": "0.1"})
    assert inv.total == Decimal("0.10")
    with pytest.raises(ValidationError) as err:
        parse(InvoiceCreate, {"client_id": 1, "number": "F", "issue_date": "2026-01-01", "total": "NaN"})
    assert err.value.fields == ["total"]


def test_several_bad_fields_are_all_named():
    with pytest.raises(ValidationError) as err:
        parse(OpportunityCreate, {"client_id": 1, "name": "", "amount": "-1", "probability": 101})
    assert set(err.value.fields) == {"name", "amount", "probability"}
    assert "name: is required" in str(err.value)
