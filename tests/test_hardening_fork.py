"""Issue 14, item 11: a process forked after the parent used the database gets its own connections."""

from __future__ import annotations

import multiprocessing
from datetime import date

from sqlalchemy import Engine, func, select

from crm_core import services
from crm_core.db import get_engine, read_session
from crm_core.db.models import Invoice
from tests.factories import make_client

WRITERS = 4
INVOICES_EACH = 5


def _write_invoices(url: str, client_id: int, writer: int) -> None:
    engine = get_engine(url)  # the parent's cached engine, pool inherited through the fork
    for n in range(INVOICES_EACH):
        services.record_invoice(
            engine, {"client_id": client_id, "number": f"W{writer}-{n}", "issue_date": date(2024, 1, 1), "total": "10"}
        )


def test_forked_writers_use_their_own_connections(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    engine = get_engine(url)
    client = make_client(engine)
    with read_session(engine) as session:  # the parent holds pooled connections when it forks
        session.scalar(select(func.count()).select_from(Invoice))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_invoices, args=(url, client.client_id, w)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * WRITERS
    # The parent's own connections still work after the children exited.
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == WRITERS * INVOICES_EACH
