"""API sign-in (crm_core.api.auth) on a small app with one probe route using the services: bearer
tokens (401 without, with an unknown or a revoked one), the OAuth2 password form with the lock-out
rule, a rep's answers scoped to their own clients (another rep's client: 404), open mode without users."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.testclient import TestClient

from crm_core import services
from crm_core.api.auth import CurrentViewer, install, require_viewer
from crm_core.api.auth import router as auth_router
from crm_core.auth.tokens import create_token, revoke_token
from crm_core.auth.users import add_user
from crm_core.errors import NotFoundError
from crm_core.io.exporting import export_frame


def _app(engine: Any) -> FastAPI:
    probe = APIRouter(dependencies=[Depends(require_viewer)])

    @probe.get("/probe/clients")
    def clients(viewer: CurrentViewer) -> dict[str, Any]:
        return {"who": None if viewer is None else viewer.email, "names": sorted(export_frame(engine, "clients")["company_name"])}

    @probe.put("/probe/clients/{client_id}/owner/{name}")
    def hand_over(client_id: int, name: str) -> dict[str, Any]:
        current = services.get_client(engine, client_id)
        return {"owner": services.update_client(engine, client_id, {"owner": name}, current.version).owner}

    @probe.patch("/probe/clients/{client_id}")
    def edit(client_id: int) -> dict[str, Any]:
        current = services.get_client(engine, client_id) if _exists(client_id) else None
        if current is None:
            raise HTTPException(404)
        return {"city": services.update_client(engine, client_id, {"city": "Soria"}, current.version).city}

    def _exists(client_id: int) -> bool:
        try:
            services.get_client(engine, client_id)
        except NotFoundError:
            return False
        return True

    app = FastAPI()
    install(app)
    app.state.crm = SimpleNamespace(engine=engine)
    app.include_router(auth_router)
    app.include_router(probe)
    return app


@pytest.fixture
def team(engine):
    add_user(engine, "boss@example.com", "Boss", "manager", "boss password")
    add_user(engine, "ana@example.com", "Ana", "rep", "ana password")
    add_user(engine, "bob@example.com", "Bob", "rep", "bob password")
    ids = {}
    for name, owner in [("Acme", "Ana"), ("Beta", "Bob"), ("Gamma", "Ana")]:
        ids[name] = services.create_client(engine, {"company_name": name, "email": f"x@{name}.es", "owner": owner}).client_id
    return ids


def _token(client: TestClient, email: str, password: str) -> str:
    answer = client.post("/api/auth/token", data={"username": email, "password": password})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    return str(body["access_token"])


def test_no_token_or_a_bad_one_is_401_and_a_token_scopes_the_answers(engine, team):
    client = TestClient(_app(engine), raise_server_exceptions=False)
    missing = client.get("/probe/clients")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/probe/clients", headers={"Authorization": "Bearer sbc_nope"}).status_code == 401
    ana = {"Authorization": f"Bearer {_token(client, 'ANA@example.com', 'ana password')}"}
    boss = {"Authorization": f"Bearer {_token(client, 'boss@example.com', 'boss password')}"}
    assert client.get("/probe/clients", headers=ana).json() == {"who": "ana@example.com", "names": ["Acme", "Gamma"]}
    assert client.get("/probe/clients", headers=boss).json()["names"] == ["Acme", "Beta", "Gamma"]
    # A rep writing to another rep's client: 404, as for a client that does not exist.
    assert client.patch(f"/probe/clients/{team['Beta']}", headers=ana).status_code == 404
    assert client.patch("/probe/clients/999999", headers=ana).status_code == 404
    assert client.patch(f"/probe/clients/{team['Acme']}", headers=ana).json() == {"city": "Soria"}
    assert services.get_client(engine, team["Beta"]).city is None
    # Handing a client over: a rep may not (403), a manager may.
    refused = client.put(f"/probe/clients/{team['Acme']}/owner/Bob", headers=ana)
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert client.put(f"/probe/clients/{team['Acme']}/owner/Bob", headers=boss).json() == {"owner": "Bob"}


def test_a_revoked_token_is_401_at_once(engine, team):
    client = TestClient(_app(engine))
    token = _token(client, "bob@example.com", "bob password")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/probe/clients", headers=headers).json()["names"] == ["Beta"]
    revoke_token(engine, token)
    assert client.get("/probe/clients", headers=headers).status_code == 401
    token_id, cli_token = create_token(engine, "bob@example.com", "script")
    assert client.get("/probe/clients", headers={"Authorization": f"Bearer {cli_token}"}).status_code == 200
    revoke_token(engine, token_id)
    assert client.get("/probe/clients", headers={"Authorization": f"Bearer {cli_token}"}).status_code == 401


def test_the_token_endpoint_keeps_the_lock_out_rule(engine, team):
    client = TestClient(_app(engine))
    for _ in range(5):
        wrong = client.post("/api/auth/token", data={"username": "ana@example.com", "password": "nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong email or password"
    locked = client.post(
        "/api/auth/token", data={"username": "ana@example.com", "password": "ana password"}, headers={"Accept-Language": "es"}
    )
    assert locked.status_code == 429 and locked.headers["retry-after"] == "900"
    assert "queda bloqueado 15 minutos más" in locked.json()["detail"]


def test_without_users_the_api_runs_open(engine):
    services.create_client(engine, {"company_name": "Acme", "email": "x@acme.es"})
    client = TestClient(_app(engine))
    assert client.get("/probe/clients").json() == {"who": None, "names": ["Acme"]}
