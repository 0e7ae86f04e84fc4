"""Which tables (frame names of crm_core.frames) each write changes, so a cache reloads only those.

Read from the services' and import planners' bodies: logging an activity (or importing activities)
also moves the contact's last interaction; an opportunity's create and stage changes add
stage-history rows; deleting a client cascades to every table. A write not listed here (the demo
generator, say) counts as writing every table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_core.frames import TABLES
from crm_core.services.activities import complete_activity, log_activity
from crm_core.services.billing import record_invoice, record_payment
from crm_core.services.clients import create_client, delete_client, update_client
from crm_core.services.contacts import add_contact, update_contact
from crm_core.services.opportunities import (
    create_opportunity,
    mark_lost,
    mark_won,
    move_opportunity,
    update_opportunity,
)

EVERY_TABLE: frozenset[str] = frozenset(TABLES)
_OPPORTUNITY = frozenset({"opportunities", "stage_history"})

TABLES_WRITTEN: dict[Callable[..., Any], frozenset[str]] = {
    log_activity: frozenset({"activities", "contacts"}),
    complete_activity: frozenset({"activities"}),
    create_client: frozenset({"clients"}),
    update_client: frozenset({"clients"}),
    delete_client: EVERY_TABLE,
    add_contact: frozenset({"contacts"}),
    update_contact: frozenset({"contacts"}),
    create_opportunity: _OPPORTUNITY,
    update_opportunity: frozenset({"opportunities"}),
    move_opportunity: _OPPORTUNITY,
    mark_won: _OPPORTUNITY,
    mark_lost: _OPPORTUNITY,
    record_invoice: frozenset({"invoices"}),
    record_payment: frozenset({"payments"}),
}
# By import kind (crm_core.io.planners.PLANNERS): what each planner's write inserts or updates.
IMPORT_TABLES_WRITTEN: dict[str, frozenset[str]] = {
    "clients": frozenset({"clients"}),
    "contacts": frozenset({"contacts"}),
    "invoices": frozenset({"invoices"}),
    "payments": frozenset({"payments"}),
    "activities": frozenset({"activities", "contacts"}),
    "opportunities": _OPPORTUNITY,
}


def tables_written(action: Callable[..., Any]) -> frozenset[str]:
    """The tables `action` may change (every table for a write this module does not know)."""
    return TABLES_WRITTEN.get(action, EVERY_TABLE)


def import_tables_written(kind: str) -> frozenset[str]:
    """The tables an import of `kind` may change (every table for a kind this module does not know)."""
    return IMPORT_TABLES_WRITTEN.get(kind, EVERY_TABLE)
