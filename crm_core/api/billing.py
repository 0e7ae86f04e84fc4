"""The billing feed: SmartBilling pushes the invoices it issues and the payments it collects, and may retry safely.

`POST /api/facturas` and `POST /api/pagos` take one item or a list, stored all or none in one
transaction. Invoices are idempotent by number (a resend of the same invoice is answered 200 with
the stored one); both are idempotent by the `Idempotency-Key` header (a retry of the same request
returns, with 200, what the first stored; the same key with another body is a 409).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Response
from pydantic import Discriminator, Tag

from crm_core import services
from crm_core.api.deps import Cache, Engine_, after_write
from crm_core.api.models import FacturaNueva, FacturaOut, PagoNuevo, PagoOut
from crm_core.api.problems import located

router = APIRouter(prefix="/api", tags=["facturación"])

RETRY = "A retry with the same key and body gets the rows stored the first time (200)"
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200, description=RETRY)]


def _one_or_many(value: Any) -> str:
    return "many" if isinstance(value, list) else "one"


def one_or_many(model: Any) -> Any:
    """A body that is one `model` or a list of them (errors located by item, not by both readings)."""
    return Annotated[Annotated[model, Tag("one")] | Annotated[list[model], Tag("many")], Discriminator(_one_or_many)]


Invoices = one_or_many(FacturaNueva)
Payments = one_or_many(PagoNuevo)


def _answer(response: Response, results: list[Any], out: Any, single: bool) -> Any:
    response.status_code = 201 if any(r.created for r in results) else 200
    rows = [out.model_validate(r.row) for r in results]
    return rows[0] if single else rows


@router.post(
    "/facturas",
    status_code=201,
    response_model=FacturaOut | list[FacturaOut],  # type: ignore[valid-type]
    summary="Recibir facturas",
    responses={200: {"description": "Already stored (same number and content, or a retried key)"}},
)
def recibir_facturas(
    facturas: Annotated[Invoices, Body()],  # type: ignore[valid-type]
    engine: Engine_,
    cache: Cache,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Store one invoice or a list (201 if any is new, 200 if all were already there)."""
    single = not isinstance(facturas, list)
    with located("invoice"):
        results = services.record_invoices(engine, [facturas] if single else facturas, idempotency_key)
    after_write(cache, services.record_invoices)
    return _answer(response, results, FacturaOut, single)


@router.post(
    "/pagos",
    status_code=201,
    response_model=PagoOut | list[PagoOut],  # type: ignore[valid-type]
    summary="Recibir pagos",
    responses={200: {"description": "A retried Idempotency-Key: the payments stored the first time"}},
)
def recibir_pagos(
    pagos: Annotated[Payments, Body()],  # type: ignore[valid-type]
    engine: Engine_,
    cache: Cache,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Store one payment or a list; none may pay more than its invoice still owes."""
    single = not isinstance(pagos, list)
    with located("payment"):
        results = services.record_payments(engine, [pagos] if single else pagos, idempotency_key)
    after_write(cache, services.record_payments)
    return _answer(response, results, PagoOut, single)
