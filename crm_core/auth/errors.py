"""Errors of signing in and of acting beyond one's role: CRMErrors with a code (sentences in the catalogue)."""

from __future__ import annotations

from crm_core.errors import CRMError


class SignInError(CRMError):
    """Wrong email or password (never says which, nor whether the email exists)."""

    def __init__(self) -> None:
        super().__init__("sign_in")


class LockedOutError(CRMError):
    """Too many wrong passwords for one email within the window: that email is locked for a while."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__("locked_out", {"minutes": minutes})


class InvalidTokenError(CRMError):
    """An API token that is unknown, revoked, or whose user is disabled."""

    def __init__(self) -> None:
        super().__init__("invalid_token")


class NotAllowedError(CRMError):
    """The signed-in user's role does not allow this (`what`: reassign, for a rep handing work over)."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__("not_allowed", {"what": what})
