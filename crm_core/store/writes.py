"""Which tables (frame names of crm_core.store.frames) each write changes, so a cache reloads only those.

Every write service declares its tables with `@writes(...)` where it is defined: logging an activity
also moves the contact's last interaction; an opportunity's create and stage changes add
stage-history rows; deleting a client cascades to every table. A write that declares nothing (the
demo generator, say) counts as writing every table. A table a write only inserts rows into is also
declared with `appends=` (logging an activity): a cache may then load just the new rows (frames.append_rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from crm_core.store.frames import TABLES

F = TypeVar("F", bound=Callable[..., Any])

EVERY_TABLE: frozenset[str] = frozenset(TABLES)
OPPORTUNITY_TABLES: tuple[str, ...] = ("opportunities", "stage_history")

TABLES_WRITTEN: dict[Callable[..., Any], frozenset[str]] = {}
TABLES_APPENDED: dict[Callable[..., Any], frozenset[str]] = {}  # of those, the tables only inserted into
# By import kind (crm_core.io.planners.PLANNERS): what each planner's write inserts or updates.
IMPORT_TABLES_WRITTEN: dict[str, frozenset[str]] = {
    "clients": frozenset({"clients"}),
    "contacts": frozenset({"contacts"}),
    "invoices": frozenset({"invoices", "payments"}),  # a paid status records the payment
    "payments": frozenset({"payments"}),
    "activities": frozenset({"activities", "contacts"}),
    "opportunities": frozenset(OPPORTUNITY_TABLES),
}


def writes(*tables: str, appends: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Declare the tables a write service changes (registered in TABLES_WRITTEN; the function is unchanged).

    `appends`: those of `tables` the service only inserts rows into (never updates or deletes one).
    """
    unknown = (set(tables) | set(appends)) - EVERY_TABLE
    if unknown or not tables:
        raise ValueError(f"unknown tables: {sorted(unknown)}" if unknown else "name at least one table")
    if not set(appends) <= set(tables):
        raise ValueError(f"appended tables not written: {sorted(set(appends) - set(tables))}")

    def register(action: F) -> F:
        TABLES_WRITTEN[action] = frozenset(tables)
        TABLES_APPENDED[action] = frozenset(appends)
        return action

    return register


def writes_every_table(action: F) -> F:
    """Declare a write that may change every table (a delete that cascades)."""
    TABLES_WRITTEN[action] = EVERY_TABLE
    return action


def tables_written(action: Callable[..., Any]) -> frozenset[str]:
    """The tables `action` may change (every table for a write that declared nothing)."""
    return TABLES_WRITTEN.get(action, EVERY_TABLE)


def tables_appended(action: Callable[..., Any]) -> frozenset[str]:
    """The tables `action` only inserts rows into (none for a write that declared nothing)."""
    return TABLES_APPENDED.get(action, frozenset())


def import_tables_written(kind: str) -> frozenset[str]:
    """The tables an import of `kind` may change (every table for a kind this module does not know)."""
    return IMPORT_TABLES_WRITTEN.get(kind, EVERY_TABLE)
