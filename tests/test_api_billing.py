"""The billing feed (`POST /api/facturas`, `POST /api/pagos`): one item or a list, idempotent, all or none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crm_core.api import create_app
from tests.conftest import row_counts, table_rows
from tests.factories import make_client


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine.url.render_as_string(hide_password=False)), raise_server_exceptions=False) as client:
        yield client


def _invoice(client_id: int, number: str, **overrides: object) -> dict[str, object]:
    return {"numero": number, "cliente_id": client_id, "fecha_emision": "2026-11-01", "total": 1210.5, **overrides}


def test_one_invoice_then_its_resend(api: TestClient, engine: Engine) -> None:
    client = make_client(engine, payment_terms_days=45)
    first = api.post("/api/facturas", json=_invoice(client.client_id, "SB-1"))
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["numero"], body["total"], body["fecha_vencimiento"], body["es_abono"]) == ("SB-1", 1210.5, "2026-12-16", False)
    before = table_rows(engine)
    again = api.post("/api/facturas", json=_invoice(client.client_id, "SB-1"))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert table_rows(engine) == before


def test_a_list_of_invoices_is_all_or_none(api: TestClient, engine: Engine) -> None:
    client = make_client(engine)
    two = [_invoice(client.client_id, "SB-1"), _invoice(client.client_id, "SB-2", total="99.99")]
    listed = api.post("/api/facturas", json=two)
    assert listed.status_code == 201
    assert [(i["numero"], i["total"]) for i in listed.json()] == [("SB-1", 1210.5), ("SB-2", 99.99)]
    before = table_rows(engine)
    bad = api.post(
        "/api/facturas",
        json=[
            _invoice(client.client_id, "SB-3"),
            _invoice(client.client_id, "SB-4", total=0),
            _invoice(client.client_id, "SB-5", fecha_emision="2026-13-01"),
        ],
    )
    assert bad.status_code == 422
    assert {tuple(item["loc"]) for item in bad.json()["detail"]} == {("body", 1, "total"), ("body", 2, "fecha_emision")}
    unknown = api.post("/api/facturas", json=[_invoice(client.client_id, "SB-3"), _invoice(4242, "SB-4")])
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", 1, "cliente_id"]
    assert table_rows(engine) == before


def test_same_number_other_content_is_409(api: TestClient, engine: Engine) -> None:
    client = make_client(engine)
    api.post("/api/facturas", json=_invoice(client.client_id, "SB-1"))
    before = table_rows(engine)
    clash = api.post("/api/facturas", json=_invoice(client.client_id, "SB-1", total=5), headers={"Accept-Language": "es"})
    assert clash.status_code == 409
    assert clash.json()["code"] == "duplicate" and clash.json()["loc"] == ["body", "numero"]
    assert clash.json()["detail"] == "otra factura ya tiene 'SB-1'"
    assert table_rows(engine) == before


def test_payments_single_list_and_idempotency_key(api: TestClient, engine: Engine) -> None:
    client = make_client(engine)
    invoice = api.post("/api/facturas", json=_invoice(client.client_id, "SB-1", total=100)).json()
    pay = {"factura_id": invoice["id"], "fecha_pago": "2026-11-10", "importe": "40.00", "metodo": "transferencia"}
    first = api.post("/api/pagos", json=pay, headers={"Idempotency-Key": "cobro-1"})
    assert first.status_code == 201 and first.json()["metodo"] == "transferencia" and first.json()["importe"] == 40.0
    before = row_counts(engine)
    retry = api.post("/api/pagos", json=pay, headers={"Idempotency-Key": "cobro-1"})
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert row_counts(engine) == before
    reuse = api.post("/api/pagos", json={**pay, "importe": 1}, headers={"Idempotency-Key": "cobro-1"})
    assert reuse.status_code == 409 and reuse.json()["loc"] == ["header", "Idempotency-Key"]
    listed = api.post("/api/pagos", json=[{**pay, "importe": 30}, {**pay, "importe": 30}])
    assert listed.status_code == 201 and len(listed.json()) == 2
    assert row_counts(engine)["payments"] == 3


def test_overpayment_and_bad_payments_name_the_item(api: TestClient, engine: Engine) -> None:
    client = make_client(engine)
    invoice = api.post("/api/facturas", json=_invoice(client.client_id, "SB-1", total=100)).json()
    pay = {"factura_id": invoice["id"], "fecha_pago": "2026-11-10", "importe": 60}
    before = table_rows(engine)
    over = api.post("/api/pagos", json=[pay, pay])
    assert over.status_code == 422 and over.json()["detail"][0]["loc"] == ["body", 1, "importe"]
    early = api.post("/api/pagos", json={**pay, "fecha_pago": "2026-10-01"})
    assert early.status_code == 422 and early.json()["detail"][0]["loc"] == ["body", "fecha_pago"]
    missing = api.post("/api/pagos", json={**pay, "factura_id": 4242})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "factura_id"]
    zero = api.post("/api/pagos", json={**pay, "importe": 0})
    assert zero.status_code == 422 and zero.json()["detail"][0]["code"] == "greater_than"
    assert table_rows(engine) == before


def test_malformed_json_and_wrong_shapes_are_422(api: TestClient, engine: Engine) -> None:
    before = table_rows(engine)
    for body in (b"{bad", b"", b"42", b'"text"', b"[1, 2]", b"null"):
        response = api.post("/api/facturas", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"] and all(item["code"] for item in response.json()["detail"])
    assert table_rows(engine) == before
