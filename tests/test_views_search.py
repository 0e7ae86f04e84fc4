"""The client search beyond name, email and tax id (crm_core.views.search): contacts, phones, invoice numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_core.views.search import clients_matching, folded_names, phone_digits, picker_matches, search_index
from tests.frames_builder import d, frames


@pytest.fixture(scope="module")
def index():
    return search_index(
        frames(
            clients=[
                {"client_id": 1, "company_name": "Talleres Pérez S.L.", "phone": "+34 954 12 34 56"},
                {"client_id": 2, "company_name": "Beta S.A.", "phone": None},
                {"client_id": 3, "company_name": "Gamma S.L.", "phone": "0034 600 111 222"},
            ],
            contacts=[
                {
                    "contact_id": 1,
                    "client_id": 2,
                    "full_name": "Lucía Romero",
                    "phone": "91 555 66 77",
                    "whatsapp": "+34600999888",
                },
                {"contact_id": 2, "client_id": 3, "full_name": "Jorge Núñez", "phone": None, "whatsapp": None},
            ],
            invoices=[
                {
                    "invoice_id": 1,
                    "client_id": 1,
                    "number": "F-2026-0042",
                    "issue_date": d("2026-01-10"),
                    "due_date": d("2026-02-10"),
                    "total": 100.0,
                },
            ],
        )
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lucía", [2]),
        ("ROMERO", [2]),
        ("núñez", [3]),
        ("954 12 34 56", [1]),  # spaces ignored
        ("+34954123456", [1]),  # the prefix ignored
        ("+34 600 1", [3]),  # a number typed in part with its prefix
        ("+34 600 9", [2]),  # ... a contact's WhatsApp finds its client
        ("600111222", [3]),
        ("915556677", [2]),  # a contact's phone finds its client
        ("f-2026-0042", [1]),  # invoice number, any case
        ("2026-00", [1]),
        ("nadie", []),
        ("12", []),  # too few digits to be a phone search
    ],
)
def test_finds_clients_by_contact_phone_and_invoice_number(index, text: str, expected: list[int]) -> None:
    assert sorted(clients_matching(index, text)) == sorted(expected)


def test_phone_digits_drop_the_spanish_prefix_only_before_a_full_number() -> None:
    assert phone_digits("+34 954 12 34 56") == "954123456"
    assert phone_digits("0034 600 111 222") == "600111222"
    assert phone_digits("341 22") == "34122"
    assert phone_digits(None) == ""


def test_picker_matches_names_starting_first_then_containing_then_the_index(index) -> None:
    names = folded_names(
        pd.Series(
            {1: "Talleres Pérez S.L.", 2: "Beta S.A.", 3: "Gamma S.L.", 4: "Alfa Talleres", 5: "Talleres Abad"},
            name="company_name",
        )
    )
    # Names starting with the text (alphabetical), then names containing it; the index adds nothing new here.
    assert picker_matches(names, "talleres", index) == [5, 1, 4]
    assert picker_matches(names, "TALLERES", index, limit=2) == [5, 1]
    # A contact's name finds its client after the name matches.
    assert picker_matches(names, "romero", index) == [2]
    assert picker_matches(names, "romero", None) == []  # names only
    assert picker_matches(names, "  ", index) == []  # nothing typed: nothing listed


def test_picker_matches_only_offers_clients_the_viewer_sees(index) -> None:
    mine = folded_names(pd.Series({1: "Talleres Pérez S.L."}, name="company_name"))  # a rep's one client
    assert picker_matches(mine, "lucía", index) == []  # client 2's contact: not this rep's client
    assert picker_matches(mine, "f-2026", index) == [1]
