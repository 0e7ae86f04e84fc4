"""Issue 14, item 8: invisible and direction-control characters.

Names made only of invisible characters (default-ignorables, Hangul filler, braille blank,
combining marks) are blank, so 'required'; direction controls are refused in any text and C0/C1
control characters in one-line fields, naming the field; the database stays unchanged.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.errors import ValidationError
from tests.conftest import database_hash
from tests.factories import make_client

INVISIBLE_ONLY = [
    "\u200e\u200f",
    "\u202a\u202b\u202c\u202d\u202e",
    "\u2066\u2067\u2068\u2069",
    "\u3164",
    "\u2800",
    "\u00ad",
    "\u180e",
    "\u0301\u0308",
    " \u200b\ufeff ",
    "\ufe0f",
]


@pytest.mark.parametrize("name", INVISIBLE_ONLY)
def test_a_name_made_of_invisible_characters_is_required(engine: Engine, name: str) -> None:
    before = database_hash(engine)
    with pytest.raises(ValidationError) as exc:
        services.create_client(engine, {"company_name": name, "email": "a@x.es"})
    assert [(e.field, e.message) for e in exc.value.errors] == [("company_name", "is required")]
    assert database_hash(engine) == before


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Acme \u202egnp.exe", "U+202E"),
        ("Acme\u2067x", "U+2067"),
        ("A\u200fB", "U+200F"),
    ],
)
def test_direction_controls_inside_text_are_refused(engine: Engine, name: str, code: str) -> None:
    client = make_client(engine)
    before = database_hash(engine)
    with pytest.raises(ValidationError) as exc:
        services.create_client(engine, {"company_name": name, "email": "b@x.es"})
    assert exc.value.fields == ["company_name"] and code in exc.value.message
    with pytest.raises(ValidationError) as notes:
        services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana", "notes": f"see {name}"})
    assert notes.value.fields == ["notes"]
    assert database_hash(engine) == before


@pytest.mark.parametrize("name", ["Acme\nSL", "Acme\tSL", "Acme\x85SL", "Acme\x1bSL"])
def test_control_characters_in_a_one_line_field_are_refused(engine: Engine, name: str) -> None:
    before = database_hash(engine)
    with pytest.raises(ValidationError) as exc:
        services.create_client(engine, {"company_name": name, "email": "b@x.es"})
    assert exc.value.fields == ["company_name"] and "control characters" in exc.value.message
    assert database_hash(engine) == before


def test_multi_line_fields_keep_line_breaks_and_real_names_keep_their_marks(engine: Engine) -> None:
    client = make_client(engine, company_name="Añil Ca\u0301diz", address="C/ Mayor 1\n28001 Madrid")
    assert client.company_name == "Añil Ca\u0301diz" and client.address == "C/ Mayor 1\n28001 Madrid"
    contact = services.add_contact(
        engine, {"client_id": client.client_id, "full_name": "\u200bAna\u200b", "notes": "line 1\nline 2\tend"}
    )
    assert contact.full_name == "Ana" and contact.notes == "line 1\nline 2\tend"
