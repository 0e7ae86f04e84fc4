"""`api`: serve the REST API with uvicorn."""

from __future__ import annotations

import argparse
import os

from crm_core.config import default_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("api", help="serve the REST API (/api/clientes, /api/facturas, /api/pagos; docs at /docs)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--url", default=None, help="database URL (default: DATABASE_URL or data/crm.sqlite3)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from crm_core.db import get_engine

    url = args.url or default_url()
    get_engine(url)  # migrate once here, not in every worker at the same time
    os.environ["DATABASE_URL"] = url  # the workers build their app from it (crm_core.api.asgi)
    uvicorn.run("crm_core.api.asgi:app", host=args.host, port=args.port, workers=max(1, args.workers), log_level="warning")
    return 0
