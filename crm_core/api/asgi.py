"""`crm_core.api.asgi:app`: the app for an ASGI server, over DATABASE_URL (uvicorn imports it in each worker)."""

from crm_core.api import create_app

app = create_app()
