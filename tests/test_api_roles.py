"""The real API's role matrix: a token's user sees only what the pages would show them.

No token or a revoked one is 401; a rep's list, health and advice hold only their clients (counted
against the database); another rep's client answers 404 exactly like a client that does not exist.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from crm_core import services
from crm_core.api import create_app
from crm_core.auth.tokens import revoke_token
from crm_core.auth.users import add_user
from crm_core.db.models import Client


@pytest.fixture
def api(engine: Any) -> tuple[TestClient, dict[str, int]]:
    add_user(engine, "boss@example.com", "Boss", "manager", "boss password")
    add_user(engine, "ana@example.com", "Ana", "rep", "ana password")
    add_user(engine, "bob@example.com", "Bob", "rep", "bob password")
    ids = {}
    for name, owner in [("Acme", "Ana"), ("Beta", "Bob"), ("Gamma", "Ana"), ("Delta", "Bob"), ("Epsilon", "Bob")]:
        ids[name] = services.create_client(engine, {"company_name": name, "email": f"x@{name}.es", "owner": owner}).client_id
    return TestClient(create_app(engine.url.render_as_string(hide_password=False)), raise_server_exceptions=False), ids


def _bearer(client: TestClient, email: str, password: str) -> dict[str, str]:
    answer = client.post("/api/auth/token", data={"username": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _owned_by(engine: Any, owner: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Client).where(Client.owner == owner)).scalar_one())


def test_every_data_route_needs_a_token_once_users_exist(api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    for path in (
        "/api/clientes/",
        f"/api/clientes/{ids['Acme']}",
        f"/api/clientes/{ids['Acme']}/salud",
        f"/api/clientes/{ids['Acme']}/recomendaciones",
        f"/api/clientes/{ids['Acme']}/actividades",
    ):
        answer = client.get(path)
        assert answer.status_code == 401, path
    assert client.get("/api/clientes/", headers={"Authorization": "Bearer sbc_nope"}).status_code == 401


def test_a_rep_sees_only_their_clients_and_a_manager_sees_all(engine: Any, api: tuple[TestClient, dict[str, int]]) -> None:
    client, ids = api
    ana = _bearer(client, "ana@example.com", "ana password")
    boss = _bearer(client, "boss@example.com", "boss password")
    mine = client.get("/api/clientes/?limit=100", headers=ana).json()
    assert mine["total"] == _owned_by(engine, "Ana") == 2
    assert sorted(c["nombre_empresa"] for c in mine["clientes"]) == ["Acme", "Gamma"]
    everyone = client.get("/api/clientes/?limit=100", headers=boss).json()
    with engine.connect() as conn:
        assert everyone["total"] == conn.execute(select(func.count()).select_from(Client)).scalar_one() == 5
    for path in ("", "/salud", "/recomendaciones", "/actividades", "/contactos"):
        assert client.get(f"/api/clientes/{ids['Acme']}{path}", headers=ana).status_code == 200, path
        other = client.get(f"/api/clientes/{ids['Beta']}{path}", headers=ana)
        missing = client.get(f"/api/clientes/999999{path}", headers=ana)
        assert other.status_code == missing.status_code == 404, path
        assert client.get(f"/api/clientes/{ids['Beta']}{path}", headers=boss).status_code == 200, path


def test_a_rep_writing_to_another_reps_client_gets_404_and_nothing_is_written(
    engine: Any, api: tuple[TestClient, dict[str, int]]
) -> None:
    client, ids = api
    ana = _bearer(client, "ana@example.com", "ana password")
    body = {"tipo": "llamada", "titulo": "Seguimiento"}
    refused = client.post(f"/api/clientes/{ids['Beta']}/actividades", json=body, headers=ana)
    assert refused.status_code == 404, refused.text
    assert services.list_activities(engine, ids["Beta"]) == []
    accepted = client.post(f"/api/clientes/{ids['Acme']}/actividades", json=body, headers=ana)
    assert accepted.status_code == 201, accepted.text


def test_a_revoked_token_is_401_on_the_real_routes(engine: Any, api: tuple[TestClient, dict[str, int]]) -> None:
    client, _ids = api
    headers = _bearer(client, "bob@example.com", "bob password")
    assert client.get("/api/clientes/", headers=headers).json()["total"] == _owned_by(engine, "Bob") == 3
    revoke_token(engine, headers["Authorization"].removeprefix("Bearer "))
    assert client.get("/api/clientes/", headers=headers).status_code == 401
