"""Password hashing with Argon2id (pwdlib's Argon2 hasher over argon2-cffi): never stored or logged plain."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from crm_core.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 1024


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def check_password(password: object) -> str:
    """The password if it is acceptable (text of 8 to 1,024 characters), else ValidationError naming `password`."""
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationError.on("password", "password_length", first=MIN_LENGTH, last=MAX_LENGTH)
    if "\x00" in password:
        raise ValidationError.on("password", "nul")
    return password


def hash_password(password: str) -> str:
    """An Argon2id hash of `password` (salted; `$argon2id$...`)."""
    return _hasher().hash(check_password(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches `password_hash`; without a hash, a dummy one is checked so that
    an unknown email takes as long as a wrong password."""
    if password_hash is None:
        _hasher().verify(password, _dummy_hash())
        return False
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # a malformed stored hash is a wrong password, not a crash
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not a password of anyone")
