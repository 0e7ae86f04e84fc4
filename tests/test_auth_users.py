"""Users: Argon2id hashes only, case-insensitive emails, taking over owners made from free text,
the lock-out rule (five wrong passwords in 15 minutes lock the email for 15), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from crm_core import services
from crm_core.auth.errors import LockedOutError, SignInError
from crm_core.auth.users import (
    add_user,
    authenticate,
    disable_user,
    get_viewer,
    has_active_users,
    list_users,
    set_password,
)
from crm_core.db.models import SignInFailure, User
from crm_core.db.types import utcnow
from crm_core.errors import DuplicateError, ValidationError
from tests.conftest import table_rows

PASSWORD = "correct horse 42"


def test_a_user_is_stored_with_an_argon2id_hash_and_never_the_password(engine):
    viewer = add_user(engine, "  Ana.Lopez@Example.COM ", "Ana López", "rep", PASSWORD)
    assert (viewer.email, viewer.name, viewer.role) == ("ana.lopez@example.com", "Ana López", "rep")
    with engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    dump = repr(table_rows(engine))
    assert PASSWORD not in dump
    assert authenticate(engine, "ANA.LOPEZ@example.com", PASSWORD) == viewer


def test_email_is_unique_whatever_its_case_and_bad_input_names_the_field(engine):
    add_user(engine, "ana@example.com", "Ana", "rep", PASSWORD)
    before = table_rows(engine)
    with pytest.raises(DuplicateError) as dup:
        add_user(engine, "ANA@example.com", "Ana Two", "rep", PASSWORD)
    assert dup.value.field == "email"
    for args, field in [
        (("not-an-email", "X", "rep", PASSWORD), "email"),
        (("x@example.com", "", "rep", PASSWORD), "name"),
        (("x@example.com", "X", "boss", PASSWORD), "role"),
        (("x@example.com", "X", "rep", "short"), "password"),
    ]:
        with pytest.raises(ValidationError) as bad:
            add_user(engine, *args)
        assert bad.value.fields == [field]
    assert table_rows(engine) == before


def test_adding_a_user_takes_over_the_owner_made_from_free_text(engine):
    client = services.create_client(engine, {"company_name": "Acme", "email": "a@acme.es", "owner": "Marta Ruiz"})
    placeholder = [u for u in list_users(engine) if u.name == "Marta Ruiz"]
    assert [(u.email, u.active, u.has_password) for u in placeholder] == [("marta.ruiz@owners.invalid", False, False)]
    assert not has_active_users(engine)
    viewer = add_user(engine, "marta@acme.es", "marta ruiz", "rep", PASSWORD)
    assert viewer.user_id == placeholder[0].user_id
    assert has_active_users(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT owner_id FROM clients")).scalar_one() == viewer.user_id
    assert services.get_client(engine, client.client_id).owner == "Marta Ruiz"


def test_wrong_password_and_unknown_email_get_the_same_answer(engine):
    add_user(engine, "ana@example.com", "Ana", "rep", PASSWORD)
    for email, password in [("ana@example.com", "wrong password"), ("nobody@example.com", PASSWORD)]:
        with pytest.raises(SignInError) as exc:
            authenticate(engine, email, password)
        assert exc.value.message == "wrong email or password"


def test_five_wrong_passwords_in_15_minutes_lock_the_email_for_15_minutes(engine):
    add_user(engine, "ana@example.com", "Ana", "rep", PASSWORD)
    start = utcnow()
    for i in range(5):
        with pytest.raises(SignInError):
            authenticate(engine, "ana@example.com", "wrong", now=start + timedelta(minutes=2 * i))
    last = start + timedelta(minutes=8)
    # Locked: even the right password is refused, and the message says for how long.
    with pytest.raises(LockedOutError) as locked:
        authenticate(engine, "ana@example.com", PASSWORD, now=last + timedelta(minutes=1))
    assert locked.value.minutes == 14 and "locked" in locked.value.message
    with pytest.raises(LockedOutError):
        authenticate(engine, "Ana@Example.com", PASSWORD, now=last + timedelta(minutes=14, seconds=59))
    # Another email is not locked; an unknown email locks the same way (no hint it does not exist).
    add_user(engine, "bob@example.com", "Bob", "rep", PASSWORD)
    assert authenticate(engine, "bob@example.com", PASSWORD, now=last).name == "Bob"
    for i in range(5):
        with pytest.raises(SignInError):
            authenticate(engine, "ghost@example.com", "x", now=start + timedelta(seconds=i))
    with pytest.raises(LockedOutError):
        authenticate(engine, "ghost@example.com", "x", now=start + timedelta(minutes=1))
    # 15 minutes after the fifth failure the lock is over.
    assert authenticate(engine, "ana@example.com", PASSWORD, now=last + timedelta(minutes=15)).name == "Ana"


def test_failures_spread_over_more_than_15_minutes_do_not_lock(engine):
    add_user(engine, "ana@example.com", "Ana", "rep", PASSWORD)
    start = utcnow()
    for i in range(5):
        with pytest.raises(SignInError):
            authenticate(engine, "ana@example.com", "wrong", now=start + timedelta(minutes=4 * i))
    assert authenticate(engine, "ana@example.com", PASSWORD, now=start + timedelta(minutes=17)).name == "Ana"
    with engine.connect() as conn:  # a success clears the failures of that email
        assert conn.execute(select(SignInFailure)).all() == []


def test_disable_and_set_password(engine):
    viewer = add_user(engine, "ana@example.com", "Ana", "rep", PASSWORD)
    disable_user(engine, "ana@example.com")
    assert get_viewer(engine, viewer.user_id) is None
    with pytest.raises(SignInError):
        authenticate(engine, "ana@example.com", PASSWORD)
    set_password(engine, "ANA@example.com", "another password")
    assert authenticate(engine, "ana@example.com", "another password").user_id == viewer.user_id
    with pytest.raises(SignInError):
        authenticate(engine, "ana@example.com", PASSWORD)


def test_sign_in_and_role_errors_have_codes_said_in_english_and_spanish():
    from crm_core.auth.errors import InvalidTokenError, NotAllowedError
    from crm_core.i18n.error_text import error_text

    cases = [
        (SignInError(), "sign_in", "wrong email or password", "email o contraseña incorrectos"),
        (LockedOutError(12), "locked_out", "locked for 12 more minutes", "queda bloqueado 12 minutos más"),
        (InvalidTokenError(), "invalid_token", "API token is not valid", "token de la API no es válido"),
        (
            NotAllowedError("reassign"),
            "not_allowed",
            "giving a client or its work to another owner",
            "pasar un cliente o su trabajo a otro responsable",
        ),
    ]
    for error, code, english, spanish in cases:
        assert error.code == code
        assert english in error.message and english in error_text(error, "en")
        assert spanish in error_text(error, "es")
    with pytest.raises(ValidationError) as short:
        add_user_checked_password("short")
    assert short.value.errors[0].code == "password_length"
    assert "Contraseña" in error_text(short.value, "es") and "entre 8 y 1.024 caracteres" in error_text(short.value, "es")


def add_user_checked_password(password: str) -> None:
    from crm_core.auth.passwords import check_password

    check_password(password)


def test_owner_choices_are_the_active_users_or_every_user_in_open_mode(engine):
    """Issue 16, item 13: what every owner picker lists."""
    from crm_core.auth.users import disable_user, owner_choices

    services.create_client(engine, {"company_name": "Uno SL", "email": "uno@example.com", "owner": "bruno typed"})
    assert owner_choices(engine) == ["bruno typed"]  # nobody can sign in yet: the owners typed so far
    add_user(engine, "ana@example.com", "Ana", "manager", "pw-ana-123456")
    add_user(engine, "carla@example.com", "carla", "rep", "pw-carla-12345")
    add_user(engine, "dani@example.com", "Dani", "rep", "pw-dani-123456")
    disable_user(engine, "dani@example.com")
    assert owner_choices(engine) == ["Ana", "carla"]  # active users by name, case ignored in the order
