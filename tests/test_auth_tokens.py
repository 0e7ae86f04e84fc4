"""API tokens: shown once, stored only as a SHA-256, refused once revoked or when the user is disabled."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from crm_core.auth.errors import InvalidTokenError
from crm_core.auth.tokens import create_token, list_tokens, revoke_token, viewer_for_token
from crm_core.auth.users import add_user, disable_user
from crm_core.db.models import ApiToken
from tests.conftest import table_rows


def test_a_token_is_stored_only_as_its_hash_and_names_its_user(engine):
    ana = add_user(engine, "ana@example.com", "Ana", "rep", "password one")
    token_id, token = create_token(engine, "ana@example.com", "laptop")
    assert token.startswith("sbc_") and len(token) > 40
    with engine.connect() as conn:
        stored = conn.execute(select(ApiToken.token_hash)).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(table_rows(engine))
    assert viewer_for_token(engine, token) == ana
    listed = [(t.token_id, t.email, t.name, t.revoked) for t in list_tokens(engine)]
    assert listed == [(token_id, "ana@example.com", "laptop", False)]


def test_revoked_unknown_and_disabled_users_tokens_are_refused(engine):
    add_user(engine, "ana@example.com", "Ana", "rep", "password one")
    first_id, first = create_token(engine, "ana@example.com")
    _, second = create_token(engine, "ana@example.com")
    revoke_token(engine, first_id)
    with pytest.raises(InvalidTokenError):
        viewer_for_token(engine, first)
    assert viewer_for_token(engine, second).name == "Ana"
    revoke_token(engine, second)  # by the token itself
    with pytest.raises(InvalidTokenError):
        viewer_for_token(engine, second)
    for bad in ["", "sbc_nope", "Bearer x", first.upper()]:
        with pytest.raises(InvalidTokenError):
            viewer_for_token(engine, bad)
    _, third = create_token(engine, "ana@example.com")
    disable_user(engine, "ana@example.com")
    with pytest.raises(InvalidTokenError):
        viewer_for_token(engine, third)
    assert all(t.revoked for t in list_tokens(engine))
