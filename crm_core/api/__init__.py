"""The REST API of the specification (`/api/clientes`) and the billing feed, on FastAPI.

`create_app(database_url)` builds the app over the same services and views as the pages;
`smartbilling-crm api` serves it with uvicorn. Only this package imports fastapi.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from crm_core.api import auth, billing, clients, problems
from crm_core.api.deps import GUARDS, ApiState
from crm_core.api.limits import BodyLimit
from crm_core.db import get_engine
from crm_core.memory import prepare_process_memory
from crm_core.store.cache import FrameCache

TITLE = "SmartBilling CRM API"
DESCRIPTION = (
    "Clients, contacts, activities, opportunities, health figures and recommendations of the CRM, "
    "and the billing feed (invoices and payments). JSON field names and values are the specification's "
    "Spanish ones; money is a JSON number in euros rounded to the cent (a decimal string is accepted on input). "
    "Errors: 404 unknown id, 409 duplicate or stale version (412 with If-Match), 413 body over 1 MB, "
    "422 invalid input naming each field with its error code. `Accept-Language: es` gives Spanish messages."
)


def create_app(database_url: str | None = None) -> FastAPI:
    """The API over the database at `database_url` (None: the DATABASE_URL rule), migrated to head."""
    prepare_process_memory()
    engine = get_engine(database_url)
    app = FastAPI(title=TITLE, description=DESCRIPTION, version="1.0.0")
    app.state.crm = ApiState(engine=engine, cache=FrameCache(engine))
    # Every data route runs as the token's user (open while the database has no user at all).
    guards = [*GUARDS, Depends(auth.require_viewer)]
    for router in (clients.router, billing.router):
        app.include_router(router, dependencies=guards, responses=problems.RESPONSES)
    app.include_router(auth.router)
    problems.install(app)
    auth.install(app)
    app.add_middleware(BodyLimit)
    return app


__all__ = ["create_app"]
