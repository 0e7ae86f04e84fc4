"""Team use: users and roles, password sign-in with lock-out, API tokens, the visibility scope, audit.

Pure Python over the database (no Streamlit, no FastAPI): the pages, the command line and the API
all sign in, scope and audit through this package. Importing it hooks the scope, the write checks
and the audit into every ORM session.
"""

from crm_core.auth import audit, guard, scope
from crm_core.auth.errors import InvalidTokenError, LockedOutError, NotAllowedError, SignInError
from crm_core.auth.scope import (
    EVERYTHING,
    MANAGER,
    REP,
    ROLES,
    Scope,
    Viewer,
    acting_as,
    current_actor,
    scope_frames,
    scope_rows,
    visible_client_ids,
)

scope.install()
guard.install()
audit.install()

__all__ = [
    "EVERYTHING",
    "MANAGER",
    "REP",
    "ROLES",
    "InvalidTokenError",
    "LockedOutError",
    "NotAllowedError",
    "Scope",
    "SignInError",
    "Viewer",
    "acting_as",
    "current_actor",
    "scope_frames",
    "scope_rows",
    "visible_client_ids",
]
