"""API tokens: shown once when created, stored only as their SHA-256, revoked by id or by value.

A token is 32 random bytes (256 bits), so a plain fast hash is enough to store it: nobody can
guess one, and the database alone never lets anyone use one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from crm_core.auth.errors import InvalidTokenError
from crm_core.auth.scope import Viewer
from crm_core.auth.users import _user, viewer_of
from crm_core.db import read_session, write_session
from crm_core.db.models import ApiToken, User
from crm_core.db.types import utcnow
from crm_core.errors import NotFoundError, ValidationError

PREFIX = "sbc_"


@dataclass(frozen=True)
class TokenRow:
    token_id: int
    email: str
    name: str | None
    created_at: datetime
    revoked: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, email: str, name: str | None = None) -> tuple[int, str]:
    """(token id, the token): the token is returned this once and stored only as its hash."""
    if name is not None and (len(name) > 100 or "\x00" in name):
        raise ValidationError.on("name", "too_long", max_length=100)
    token = PREFIX + secrets.token_urlsafe(32)
    with write_session(engine) as session:
        user = _user(session, email)
        if not user.active:
            raise ValidationError.on("email", "user_disabled")
        row = ApiToken(user_id=user.user_id, name=name, token_hash=token_hash(token), created_at=utcnow())
        session.add(row)
        session.flush()
        return row.token_id, token


def revoke_token(engine: Engine, token_or_id: str | int) -> None:
    """Revoke a token, given its id (as `token list` shows) or the token itself."""
    with write_session(engine) as session:
        if isinstance(token_or_id, int) or str(token_or_id).isdigit():
            row = session.get(ApiToken, int(token_or_id))
        else:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(str(token_or_id))))
        if row is None:
            raise NotFoundError("token", token_or_id if isinstance(token_or_id, int) or str(token_or_id).isdigit() else "given")
        if row.revoked_at is None:
            row.revoked_at = utcnow()


def list_tokens(engine: Engine) -> list[TokenRow]:
    with read_session(engine) as session:
        rows = session.execute(
            select(ApiToken, User.email).join(User, User.user_id == ApiToken.user_id).order_by(ApiToken.token_id)
        ).all()
        return [TokenRow(t.token_id, email, t.name, t.created_at, t.revoked_at is not None) for t, email in rows]


def viewer_for_token(engine: Engine, token: str) -> Viewer:
    """The active user a token (not revoked) belongs to; InvalidTokenError otherwise."""
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise InvalidTokenError()
    with write_session(engine) as session:
        row = session.execute(
            select(ApiToken, User).join(User, User.user_id == ApiToken.user_id).where(ApiToken.token_hash == token_hash(token))
        ).first()
        if row is None or row[0].revoked_at is not None or not row[1].active:
            raise InvalidTokenError()
        row[0].last_used_at = utcnow()
        return viewer_of(row[1])
