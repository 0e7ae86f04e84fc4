"""The public write/read API used by pages, the CLI and scripts.

Every function takes the engine first, runs in one transaction, and either fully happens
or leaves the database unchanged, raising a `crm_core.errors` error with a user-fit message.
"""

import crm_core.auth  # noqa: F401  (hooks the visibility scope, the write checks and the audit into every session)
from crm_core.services.activities import (
    complete_activity,
    list_activities,
    log_activity,
)
from crm_core.services.billing import (
    Recorded,
    record_invoice,
    record_invoices,
    record_payment,
    record_payments,
)
from crm_core.services.clients import (
    create_client,
    delete_client,
    get_client,
    update_client,
)
from crm_core.services.contacts import add_contact, list_contacts, update_contact
from crm_core.services.merging import merge_clients, reassign_owner
from crm_core.services.opportunities import (
    create_opportunity,
    list_opportunities,
    mark_lost,
    mark_won,
    move_opportunity,
    update_opportunity,
)

__all__ = [
    "Recorded",
    "add_contact",
    "complete_activity",
    "create_client",
    "create_opportunity",
    "delete_client",
    "get_client",
    "list_activities",
    "list_contacts",
    "list_opportunities",
    "log_activity",
    "mark_lost",
    "mark_won",
    "merge_clients",
    "move_opportunity",
    "reassign_owner",
    "record_invoice",
    "record_invoices",
    "record_payment",
    "record_payments",
    "update_client",
    "update_contact",
    "update_opportunity",
]
