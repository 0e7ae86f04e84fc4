"""Request bodies over 1 MB are refused with 413, declared or streamed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from crm_core.api import create_app
from crm_core.api.limits import MAX_BODY_BYTES
from tests.conftest import table_rows


def test_body_over_one_megabyte_is_413_and_nothing_is_written(sqlite_engine) -> None:
    api = TestClient(create_app(sqlite_engine.url.render_as_string()), raise_server_exceptions=False)
    before = table_rows(sqlite_engine)
    big = b'{"nombre_empresa": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = api.post("/api/clientes/", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    spanish = api.post("/api/facturas", content=big, headers={"content-type": "application/json", "Accept-Language": "es"})
    assert spanish.status_code == 413 and spanish.json()["detail"] == "El cuerpo de la petición pasa de 1 MB"

    def chunks():  # no Content-Length: counted while read
        for _ in range(12):
            yield b"x" * 100_000

    streamed = api.post("/api/pagos", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert table_rows(sqlite_engine) == before


def test_body_just_under_the_limit_is_read(sqlite_engine) -> None:
    api = TestClient(create_app(sqlite_engine.url.render_as_string()), raise_server_exceptions=False)
    body = b'{"nombre_empresa": "' + b"x" * (MAX_BODY_BYTES - 100) + b'"}'
    response = api.post("/api/clientes/", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422  # read and refused for its fields, not for its size
    assert {tuple(i["loc"]) for i in response.json()["detail"]} == {("body", "nombre_empresa"), ("body", "email")}
