"""Errors of signing in and of acting beyond one's role (each a CRMError with a user-fit message)."""

from __future__ import annotations

from crm_core.errors import CRMError


class SignInError(CRMError):
    """Wrong email or password (never says which, nor whether the email exists)."""

    def __init__(self) -> None:
        super().__init__("wrong email or password")


class LockedOutError(CRMError):
    """Too many wrong passwords for one email within the window: that email is locked for a while."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(
            f"too many wrong passwords for this email: signing in with it is locked for {minutes} more minutes"
        )


class InvalidTokenError(CRMError):
    """An API token that is unknown, revoked, or whose user is disabled."""

    def __init__(self) -> None:
        super().__init__("the API token is not valid (unknown, revoked, or its user is disabled)")


class NotAllowedError(CRMError):
    """The signed-in user's role does not allow this (a rep reassigning a client, managing users)."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(f"your role does not allow this: {action}")
