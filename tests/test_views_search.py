"""The client search beyond name, email and tax id (crm_core.views.search): contacts, phones, invoice numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from crm_core.store.frames import Frames
from crm_core.views.search import (
    client_search_part,
    clients_matching,
    combined_index,
    contact_search_part,
    folded_names,
    invoice_search_part,
    phone_digits,
    picker_matches,
    search_index,
)
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


# ---------------------------------------------------------------- the bulk build against a plain one

SEP = "\x1f"


def _reference_index(frames: Frames) -> pd.DataFrame:
    """`search_index` the plain way (a Python call per cell and per client, as it was built before issue 18)."""

    def joined(client_ids: pd.Series, texts: list[str | None]) -> pd.Series:
        per_client: dict[int, list[str]] = {}
        for client_id, text in zip(client_ids.tolist(), texts, strict=True):
            if isinstance(text, str) and text:
                per_client.setdefault(client_id, []).append(text)
        return pd.Series({client_id: SEP.join(found) for client_id, found in per_client.items()}, dtype="str")

    def folded(values: pd.Series) -> list[str | None]:
        return [v.casefold() if isinstance(v, str) else None for v in values.tolist()]

    clients, contacts, invoices = frames.clients, frames.contacts, frames.invoices
    names = joined(contacts["client_id"], folded(contacts["full_name"]))
    phones = joined(
        pd.concat([clients["client_id"], contacts["client_id"], contacts["client_id"]], ignore_index=True),
        [phone_digits(v) for column in (clients["phone"], contacts["phone"], contacts["whatsapp"]) for v in column.tolist()],
    )
    numbers = joined(invoices["client_id"], folded(invoices["number"]))
    ids = pd.Index(clients["client_id"], name="client_id")
    return pd.DataFrame(
        {
            column: texts.reindex(ids).fillna("").astype("str")
            for column, texts in (("names", names), ("phones", phones), ("invoices", numbers))
        },
        index=ids,
    )


def _invoice(invoice_id: int, client_id: int, number: object) -> dict[str, object]:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": number,
        "issue_date": d("2026-01-10"),
        "due_date": d("2026-02-10"),
        "total": 1.0,
    }


def _awkward_frames() -> Frames:
    """Blanks, None, NaN, duplicated numbers, clients without contacts or invoices, rows of unknown
    clients, ids out of order, +34 / 0034 prefixes on full and short numbers, odd case and digits."""
    return frames(
        clients=[
            {"client_id": 9, "company_name": "Nine", "phone": "+34 954 12 34 56"},
            {"client_id": 2, "company_name": "Two", "phone": None},
            {"client_id": 5, "company_name": "Five", "phone": "0034 600 111 222"},
            {"client_id": 7, "company_name": "Seven", "phone": "   "},  # blank: no digits
            {"client_id": 1, "company_name": "One", "phone": "34 12 34"},  # short: prefix kept
            {"client_id": 3, "company_name": "Three", "phone": "0034 123"},  # short with 0034: kept
            {"client_id": 4, "company_name": "Four", "phone": "(+34) 91-555.66/77 ext ٣"},  # an Arabic-Indic digit
            {"client_id": 6, "company_name": "Six", "phone": "349541234567"},  # 34 then 10 digits: dropped
        ],
        contacts=[
            {"contact_id": 1, "client_id": 2, "full_name": "Lucía ROMERO", "phone": "91 555 66 77", "whatsapp": "+34600999888"},
            {"contact_id": 2, "client_id": 5, "full_name": None, "phone": None, "whatsapp": float("nan")},
            {"contact_id": 3, "client_id": 2, "full_name": "", "phone": "", "whatsapp": "91 555 66 77"},  # a repeated number
            {"contact_id": 4, "client_id": 9, "full_name": "Straße Groß", "phone": "0034954123456", "whatsapp": None},
            {"contact_id": 5, "client_id": 99, "full_name": "Of no listed client", "phone": "600000000", "whatsapp": None},
            {"contact_id": 6, "client_id": 5, "full_name": float("nan"), "phone": "+34 600 1", "whatsapp": ""},
            {"contact_id": 7, "client_id": 2, "full_name": "Ana Gil", "phone": None, "whatsapp": "0034 600 999 888"},
        ],
        invoices=[
            _invoice(1, 9, "F-2026-0042"),
            _invoice(2, 2, "F-2026-0001"),
            _invoice(3, 9, "F-2026-0042"),  # a repeated number
            _invoice(4, 9, None),
            _invoice(5, 5, ""),
            _invoice(6, 99, "F-UNKNOWN"),
            _invoice(7, 2, np.nan),
            _invoice(8, 9, "f-2025-0100"),
        ],
    )


def test_search_index_equals_the_plain_build_on_awkward_frames() -> None:
    awkward = _awkward_frames()
    built = search_index(awkward)
    pd.testing.assert_frame_equal(built, _reference_index(awkward), check_exact=True)
    # Order within a client is the frame's row order: the client's phone, its contacts' phones, then their WhatsApps.
    assert built.loc[2, "phones"] == SEP.join(["915556677", "600999888", "915556677", "600999888"])
    assert built.loc[9, "phones"] == SEP.join(["954123456", "954123456"])
    assert built.loc[2, "names"] == SEP.join(["lucía romero", "ana gil"])
    assert built.loc[9, "names"] == "strasse gross" and built.loc[9, "invoices"] == SEP.join(
        ["f-2026-0042", "f-2026-0042", "f-2025-0100"]
    )
    assert built.loc[[1, 3, 6, 7], "phones"].tolist() == ["341234", "0034123", "9541234567", ""]
    assert built.loc[7].tolist() == ["", "", ""]  # no contacts, no invoices, no phone
    assert list(built.index) == [9, 2, 5, 7, 1, 3, 4, 6]  # the clients' order; unknown clients' rows left out


def test_search_index_of_empty_frames_is_empty_and_typed_as_a_full_one() -> None:
    empty = Frames.empty()
    pd.testing.assert_frame_equal(search_index(empty), _reference_index(empty), check_exact=True)
    no_rows_but_clients = dataclasses.replace(_awkward_frames(), contacts=empty.contacts, invoices=empty.invoices)
    pd.testing.assert_frame_equal(search_index(no_rows_but_clients), _reference_index(no_rows_but_clients), check_exact=True)


def test_the_index_is_its_parts_each_read_from_one_table() -> None:
    awkward = _awkward_frames()
    parts = (client_search_part(awkward.clients), contact_search_part(awkward.contacts), invoice_search_part(awkward.invoices))
    pd.testing.assert_frame_equal(combined_index(*parts), search_index(awkward), check_exact=True)
    # The invoice part of one frame serves an index whose contacts changed (what the UI cache relies on).
    changed = dataclasses.replace(awkward, contacts=awkward.contacts.iloc[1:])
    rebuilt = combined_index(parts[0], contact_search_part(changed.contacts), parts[2])
    pd.testing.assert_frame_equal(rebuilt, search_index(changed), check_exact=True)
    assert "lucía romero" not in rebuilt.loc[2, "names"]


PHONES = [
    "+34 954 12 34 56",
    "0034 600 111 222",
    "0034954123456",
    "34954123456",
    "34 12 34",  # too short to hold the prefix
    "0034 123",
    "3495412345",  # 34 then 8 digits: kept whole
    "349541234567",  # 34 then 10 digits: dropped
    "00349541234567",
    "0034 34 600 111 222",
    "+34 (600) 11-12-22",
    "",
    "   ",
    "abc",
    None,
    np.nan,
]


@pytest.mark.parametrize(
    "extra",
    [[], ["٣٤ ٩٥٤ 12 34 56"], [954123456]],
    ids=["ascii text (Arrow)", "other digits (Python re)", "a number cell (Python re)"],
)
def test_client_phones_in_bulk_are_phone_digits_of_each_cell(extra: list[object]) -> None:
    cells = PHONES + extra
    clients = pd.DataFrame({"client_id": range(len(cells)), "phone": pd.Series(cells, dtype=object)})
    assert client_search_part(clients).tolist() == [phone_digits(cell) for cell in cells]
