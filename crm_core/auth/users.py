"""Users: add, list, disable, set a password, and sign in with the lock-out rule.

Emails are kept lower-case (one user per address whatever its case). Five wrong passwords for one
email within 15 minutes lock that email for 15 minutes; an unknown email counts like a wrong
password, so the answers never tell whether an email exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Engine, delete, func, select

from crm_core.auth.errors import LockedOutError, SignInError
from crm_core.auth.passwords import hash_password, verify_password
from crm_core.auth.scope import ROLES, Viewer
from crm_core.db import read_session, write_session
from crm_core.db.models import SignInFailure, User
from crm_core.db.owners import PLACEHOLDER_DOMAIN
from crm_core.db.types import utcnow
from crm_core.errors import DuplicateError, NotFoundError, ValidationError

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)


@dataclass(frozen=True)
class UserRow:
    """A user as `user list` shows it (no password hash)."""

    user_id: int
    email: str
    name: str
    role: str
    active: bool
    has_password: bool


def normalise_email(email: object) -> str:
    """The email as stored: checked, trimmed, lower-case; ValidationError naming `email` otherwise."""
    if not isinstance(email, str) or not email.strip():
        raise ValidationError.on("email", "required")
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError.on("email", "email", reason=str(exc)) from None
    return checked.normalized.lower()


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError.on("name", "required")
    if len(name.strip()) > 100 or "\x00" in name:
        raise ValidationError.on("name", "too_long", max_length=100)
    return name.strip()


def _check_role(role: object) -> str:
    if role not in ROLES:
        raise ValidationError.on("role", "unknown_value", value=role, one_of=list(ROLES))
    return str(role)


def viewer_of(user: User) -> Viewer:
    return Viewer(user_id=user.user_id, email=user.email, name=user.display_name, role=user.role)


def add_user(engine: Engine, email: str, name: str, role: str, password: str, *, demo: bool = False) -> Viewer:
    """Add an active user with an Argon2id-hashed password. A user made from a free-text owner of the
    same name (inactive, placeholder email) is taken over instead, keeping the clients it owns."""
    email = normalise_email(email)
    name, role = _check_name(name), _check_role(role)
    password_hash = hash_password(password)
    with write_session(engine) as session:
        if session.scalar(select(User.user_id).where(User.email == email)) is not None:
            raise DuplicateError("email", email, "user")
        placeholder = session.scalars(
            select(User).where(User.email.like(f"%@{PLACEHOLDER_DOMAIN}"), User.password_hash.is_(None)).order_by(User.user_id)
        ).all()
        user = next((u for u in placeholder if u.display_name.strip().lower() == name.lower()), None)
        if user is None:
            user = User(email=email, display_name=name, role=role, created_at=utcnow())
            session.add(user)
        user.email, user.display_name, user.role = email, name, role
        user.password_hash, user.active, user.demo = password_hash, True, demo
        session.flush()
        return viewer_of(user)


def list_users(engine: Engine) -> list[UserRow]:
    """Every user by name (inactive ones too)."""
    with read_session(engine) as session:
        users = session.scalars(select(User).order_by(func.lower(User.display_name), User.user_id)).all()
        return [UserRow(u.user_id, u.email, u.display_name, u.role, u.active, u.password_hash is not None) for u in users]


def active_users(engine: Engine) -> list[Viewer]:
    """The users who can sign in, by name: what every owner picker lists."""
    with read_session(engine) as session:
        users = session.scalars(
            select(User).where(User.active.is_(True)).order_by(func.lower(User.display_name), User.user_id)
        ).all()
        return [viewer_of(u) for u in users]


def owner_choices(engine: Engine) -> list[str]:
    """The names every owner picker lists: the active users by name; while nobody can sign in (open
    mode) every user, which are the owners typed so far (free-text owners became inactive users)."""
    with read_session(engine) as session:
        names = session.execute(
            select(User.display_name, User.active).order_by(func.lower(User.display_name), User.user_id)
        ).all()
    active = [str(name) for name, is_active in names if is_active]
    return active or [str(name) for name, _ in names]


def has_active_users(engine: Engine) -> bool:
    """Whether anyone can sign in: if not, the app runs open, as before users existed."""
    with read_session(engine) as session:
        return session.scalar(select(User.user_id).where(User.active.is_(True)).limit(1)) is not None


def _user(session: object, email: str) -> User:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))  # type: ignore[attr-defined]
    if user is None:
        raise NotFoundError("user", email)
    return user


def disable_user(engine: Engine, email: str) -> None:
    """Stop a user signing in and revoke their API tokens; their clients stay theirs."""
    from crm_core.db.models import ApiToken

    with write_session(engine) as session:
        user = _user(session, email)
        user.active = False
        for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.user_id, ApiToken.revoked_at.is_(None))):
            token.revoked_at = utcnow()


def set_password(engine: Engine, email: str, password: str) -> None:
    """Give a user a new password; it (re)enables the user and ends their demo status."""
    password_hash = hash_password(password)
    with write_session(engine) as session:
        user = _user(session, email)
        user.password_hash, user.active, user.demo = password_hash, True, False


def get_viewer(engine: Engine, user_id: int) -> Viewer | None:
    """The active user `user_id` (None when disabled or gone): checked on every page run."""
    with read_session(engine) as session:
        user = session.get(User, user_id)
        return viewer_of(user) if user is not None and user.active else None


def viewer_by_email(engine: Engine, email: str) -> Viewer:
    """The active user with this email (a command run on their behalf: `export --as EMAIL`)."""
    with read_session(engine) as session:
        user = _user(session, email)
        if not user.active:
            raise NotFoundError("user", email)
        return viewer_of(user)


def _locked_for(session: object, key: str, now: datetime) -> timedelta | None:
    recent = session.scalars(  # type: ignore[attr-defined]
        select(SignInFailure.failed_at)
        .where(SignInFailure.email == key)
        .order_by(SignInFailure.failed_at.desc())
        .limit(MAX_FAILURES)
    ).all()
    if len(recent) < MAX_FAILURES or recent[0] - recent[-1] > FAILURE_WINDOW:
        return None
    left = recent[0] + LOCK_TIME - now
    return left if left > timedelta(0) else None


def authenticate(engine: Engine, email: str, password: str, now: datetime | None = None) -> Viewer:
    """The user with this email and password; SignInError (wrong email or password, either) or
    LockedOutError (five wrong passwords for this email within 15 minutes) otherwise."""
    now = now or utcnow()
    key = email.strip().lower() if isinstance(email, str) else ""
    password = password if isinstance(password, str) else ""
    with write_session(engine) as session:
        left = _locked_for(session, key, now)
        if left is not None:
            raise LockedOutError(max(1, -(-int(left.total_seconds()) // 60)))
        user = session.scalar(select(User).where(User.email == key)) if key else None
        stored = user.password_hash if user is not None and user.active else None
        if verify_password(password, stored) and user is not None:
            session.execute(delete(SignInFailure).where(SignInFailure.email == key))
            return viewer_of(user)
        session.add(SignInFailure(email=key[:254], failed_at=now))
        session.execute(delete(SignInFailure).where(SignInFailure.failed_at < now - 2 * FAILURE_WINDOW))
    raise SignInError()
