"""`/api/clientes` through FastAPI's TestClient, on SQLite and PostgreSQL: every endpoint, its success and its errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crm_core import services
from crm_core.analytics import client_health
from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import late_payment_claims
from crm_core.api import create_app
from crm_core.db import get_engine
from crm_core.i18n.domain_text import recommendation_text
from crm_core.store.frames import load_frames
from crm_core.views.clients import client_advice
from crm_core.views.receivables import client_claim_rows, client_claim_summary
from tests.conftest import APP_AS_OF, table_rows
from tests.factories import make_client, make_invoice, make_opportunity

NEW_CLIENT = {
    "nombre_empresa": "TechCorp S.L.",
    "email": "info@techcorp.es",
    "telefono": "+34 91 123 4567",
    "direccion": "Calle Tech 123, Madrid",
    "cif_nif": "B12345674",
    "sector_industria": "technology",
    "tamaño_empresa": "mediana",
}


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    """The API over the test database; a 500 comes back as a response (never raised), so tests can see one."""
    with TestClient(create_app(url_of(engine)), raise_server_exceptions=False) as client:
        yield client


def _create(api: TestClient, **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/clientes/", json={**NEW_CLIENT, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


# ---------------------------------------------------------------- POST /api/clientes/


def test_create_client_with_spanish_names_and_values(api: TestClient, engine: Engine) -> None:
    body = _create(api, estado="cliente_activo")
    assert body["nombre_empresa"] == "TechCorp S.L."
    assert body["tamaño_empresa"] == "mediana" and body["estado"] == "cliente_activo"
    assert body["contactos"] == [] and body["salud"] is None and body["version"] == 1
    stored = services.get_client(engine, body["id"])
    assert (stored.company_name, stored.company_size, stored.status, stored.industry) == (
        "TechCorp S.L.",
        "medium",
        "active",
        "technology",
    )


def test_ascii_spellings_are_accepted(api: TestClient, engine: Engine) -> None:
    payload = {k: v for k, v in NEW_CLIENT.items() if k != "tamaño_empresa"}
    response = api.post("/api/clientes/", json={**payload, "tamano_empresa": "autonomo"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["tamaño_empresa"] == "autónomo"
    assert services.get_client(engine, body["id"]).company_size == "self_employed"


def test_create_client_invalid_names_each_field_with_code(api: TestClient, engine: Engine) -> None:
    before = table_rows(engine)
    response = api.post(
        "/api/clientes/",
        json={"nombre_empresa": " ", "email": "x", "cif_nif": "A1234", "tamaño_empresa": "enorme", "company_name": "English"},
    )
    assert response.status_code == 422
    problems = {tuple(item["loc"]): item["code"] for item in response.json()["detail"]}
    assert problems[("body", "nombre_empresa")] == "required"
    assert problems[("body", "email")] == "email"
    assert problems[("body", "cif_nif")] == "tax_id_length"
    assert problems[("body", "tamaño_empresa")] == "unknown_value"
    assert problems[("body", "company_name")] == "unknown_field"
    assert table_rows(engine) == before


def test_messages_in_spanish_with_accept_language(api: TestClient) -> None:
    response = api.post("/api/clientes/", json={**NEW_CLIENT, "cif_nif": "A1234"}, headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["body", "cif_nif"] and item["code"] == "tax_id_length"
    assert item["msg"] == "'A1234' no es un CIF, NIF o NIE válido: tiene 9 caracteres"
    english = api.post("/api/clientes/", json={**NEW_CLIENT, "cif_nif": "A1234"}).json()["detail"][0]["msg"]
    assert english != item["msg"] and "tax id" in english


def test_duplicate_tax_id_is_409_naming_the_field(api: TestClient, engine: Engine) -> None:
    _create(api)
    before = table_rows(engine)
    response = api.post("/api/clientes/", json={**NEW_CLIENT, "email": "otro@techcorp.es", "cif_nif": "b-12345674"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate" and response.json()["loc"] == ["body", "cif_nif"]
    assert table_rows(engine) == before


# ---------------------------------------------------------------- GET /api/clientes/{id}


def test_get_client_with_contacts_activities_open_deals_and_health(api: TestClient, engine: Engine) -> None:
    client = make_client(engine, status="active")
    services.add_contact(engine, {"client_id": client.client_id, "full_name": "Ana Ruiz", "is_primary": True})
    make_invoice(engine, client.client_id, total="1210.00", issue_date="2026-10-01")
    open_deal = make_opportunity(engine, client.client_id)
    won = make_opportunity(engine, client.client_id, name="Won")
    services.mark_won(engine, won.opportunity_id, "10")
    for day in range(1, 13):
        services.log_activity(
            engine,
            {"client_id": client.client_id, "kind": "call", "title": f"Call {day}", "occurred_at": f"2026-11-{day:02d}T10:00:00"},
        )
    # A fresh app: the writes above were made behind its back.
    with TestClient(create_app(url_of(engine)), raise_server_exceptions=False) as fresh:
        response = fresh.get(f"/api/clientes/{client.client_id}")
    assert response.status_code == 200
    body = response.json()
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert [c["nombre_completo"] for c in body["contactos"]] == ["Ana Ruiz"]
    assert [a["titulo"] for a in body["actividades_recientes"]] == [f"Call {d}" for d in range(12, 2, -1)]
    assert [o["id"] for o in body["oportunidades_abiertas"]] == [open_deal.opportunity_id]
    assert body["oportunidades_abiertas"][0]["estado"] == "presupuesto"
    assert body["oportunidades_abiertas"][0]["monto_estimado"] == 45000.0
    assert body["salud"]["ltv_lifetime_value"] == 1210.0


def test_unknown_client_is_404_everywhere(api: TestClient) -> None:
    for path in ("", "/salud", "/recomendaciones", "/actividades", "/contactos"):
        response = api.get(f"/api/clientes/999{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert api.get("/api/clientes/99999999999999999999").status_code == 404  # past any key
    spanish = api.get("/api/clientes/999", headers={"Accept-Language": "es"}).json()["detail"]
    assert spanish == "el cliente 999 no existe (puede que se haya borrado)"
    for path, body in (
        ("/actividades", {"tipo": "nota", "titulo": "x"}),
        ("/contactos", {"nombre_completo": "x"}),
        ("/oportunidades", {"nombre_proyecto": "x", "monto_estimado": 1}),
    ):
        assert api.post(f"/api/clientes/999{path}", json=body).status_code == 404, path
    assert api.patch("/api/clientes/999", json={"ciudad": "Vigo", "version": 1}).status_code == 404


# ---------------------------------------------------------------- GET /api/clientes/


def test_list_pages_filters_and_sorts(api: TestClient, engine: Engine) -> None:
    a = make_client(engine, company_name="Alfa", status="active", industry="retail")
    make_client(engine, company_name="Beta", status="prospect", industry="retail")
    c = make_client(engine, company_name="Gamma", status="active", industry="software")
    make_invoice(engine, c.client_id, total="5000.00")
    make_invoice(engine, a.client_id, total="100.00")
    with TestClient(create_app(url_of(engine))) as fresh:
        page = fresh.get("/api/clientes/?skip=0&limit=2").json()
        assert (page["total"], page["skip"], page["limit"]) == (3, 0, 2)
        assert [row["nombre_empresa"] for row in page["clientes"]] == ["Alfa", "Beta"]
        assert [r["nombre_empresa"] for r in fresh.get("/api/clientes/?skip=2").json()["clientes"]] == ["Gamma"]
        active = fresh.get("/api/clientes/", params={"estado": "cliente_activo", "sector": "retail"}).json()
        assert [r["nombre_empresa"] for r in active["clientes"]] == ["Alfa"] and active["total"] == 1
        by_ltv = fresh.get("/api/clientes/", params={"orden": "ltv", "descendente": "true"}).json()["clientes"]
        assert [(r["nombre_empresa"], r["ltv"]) for r in by_ltv] == [("Gamma", 5000.0), ("Alfa", 100.0), ("Beta", 0.0)]
        assert by_ltv[0]["estado"] == "cliente_activo" and by_ltv[2]["riesgo_impago"] == "bajo"


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("limit=0", ["query", "limit"]),
        ("limit=101", ["query", "limit"]),
        ("skip=-1", ["query", "skip"]),
        ("limit=abc", ["query", "limit"]),
        ("orden=email;DROP", ["query", "orden"]),
        ("estado=firmado", ["query", "estado"]),
        ("buscar=a%00b", ["query", "buscar"]),
    ],
)
def test_list_refuses_bad_parameters_naming_them(api: TestClient, query: str, loc: list[str]) -> None:
    response = api.get(f"/api/clientes/?{query}")
    assert response.status_code == 422, response.text
    assert [item["loc"] for item in response.json()["detail"]] == [loc]
    assert all(item["code"] for item in response.json()["detail"])


# ---------------------------------------------------------------- PATCH /api/clientes/{id}


def test_patch_with_version_field_or_if_match(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    first = api.patch(f"/api/clientes/{client['id']}", json={"ciudad": "Vigo", "version": 1})
    assert first.status_code == 200 and first.json()["ciudad"] == "Vigo" and first.json()["version"] == 2
    second = api.patch(f"/api/clientes/{client['id']}", json={"estado": "vip"}, headers={"If-Match": '"2"'})
    assert second.status_code == 200 and second.json()["estado"] == "vip"
    assert services.get_client(engine, client["id"]).status == "vip"


def test_patch_stale_is_409_or_412_and_changes_nothing(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    api.patch(f"/api/clientes/{client['id']}", json={"ciudad": "Vigo", "version": 1})
    before = table_rows(engine)
    stale = api.patch(f"/api/clientes/{client['id']}", json={"ciudad": "Lugo", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"
    precondition = api.patch(f"/api/clientes/{client['id']}", json={"ciudad": "Lugo"}, headers={"If-Match": '"1"'})
    assert precondition.status_code == 412
    assert table_rows(engine) == before


def test_patch_needs_a_version_and_valid_fields(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    before = table_rows(engine)
    missing = api.patch(f"/api/clientes/{client['id']}", json={"ciudad": "Vigo"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "version"]
    bad = api.patch(f"/api/clientes/{client['id']}", json={"nombre_empresa": None, "version": 1})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "nombre_empresa"]
    header = api.patch(f"/api/clientes/{client['id']}", json={"ciudad": "Vigo"}, headers={"If-Match": "abc"})
    assert header.status_code == 422 and header.json()["detail"][0]["loc"] == ["header", "If-Match"]
    assert table_rows(engine) == before


# ---------------------------------------------------------------- contacts


def test_contacts_add_and_list(api: TestClient) -> None:
    client = _create(api)
    added = api.post(
        f"/api/clientes/{client['id']}/contactos",
        json={
            "nombre_completo": "Juan García López",
            "rol": "Director Comercial",
            "email": "juan@techcorp.es",
            "es_contacto_principal": True,
            "telefono_whatapp": "+34 666 123 456",
        },
    )
    assert added.status_code == 201, added.text
    assert added.json()["cliente_id"] == client["id"] and added.json()["es_contacto_principal"] is True
    listed = api.get(f"/api/clientes/{client['id']}/contactos").json()
    assert [c["nombre_completo"] for c in listed] == ["Juan García López"]
    bad = api.post(f"/api/clientes/{client['id']}/contactos", json={"nombre_completo": "X", "email": "x@"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "email"]


# ---------------------------------------------------------------- activities


def test_log_activity_and_history_newest_first(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    for day in (3, 1, 2):
        response = api.post(
            f"/api/clientes/{client['id']}/actividades",
            json={"tipo": "reunión", "titulo": f"Junta {day}", "fecha": f"2026-11-0{day}T10:00:00", "duración_minutos": 90},
        )
        assert response.status_code == 201, response.text
        assert response.json()["tipo"] == "reunión" and response.json()["duración_minutos"] == 90
    history = api.get(f"/api/clientes/{client['id']}/actividades?limite=2").json()
    assert [a["titulo"] for a in history] == ["Junta 3", "Junta 2"]
    assert api.get(f"/api/clientes/{client['id']}/actividades?limite=101").status_code == 422
    stored = services.list_activities(engine, client["id"])
    assert {a.kind for a in stored} == {"meeting"} and {a.duration_min for a in stored} == {90}


def test_log_activity_refuses_bad_fields(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    before = table_rows(engine)
    response = api.post(
        f"/api/clientes/{client['id']}/actividades", json={"tipo": "comida", "titulo": "", "duracion_minutos": -5}
    )
    assert response.status_code == 422
    locs = {tuple(item["loc"]) for item in response.json()["detail"]}
    assert {("body", "tipo"), ("body", "titulo"), ("body", "duracion_minutos")} <= locs
    other = make_client(engine)
    contact = services.add_contact(engine, {"client_id": other.client_id, "full_name": "Not yours"})
    before = table_rows(engine)
    foreign = api.post(
        f"/api/clientes/{client['id']}/actividades", json={"tipo": "llamada", "titulo": "x", "contacto_id": contact.contact_id}
    )
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"] == ["body", "contacto_id"]
    assert table_rows(engine) == before


# ---------------------------------------------------------------- opportunities


def test_create_opportunity_and_mark_won_makes_the_prospect_active(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    created = api.post(
        f"/api/clientes/{client['id']}/oportunidades",
        json={
            "nombre_proyecto": "Implementación ERP",
            "monto_estimado": 45000,
            "estado": "presupuesto",
            "probabilidad_cierre": 65,
            "fecha_cierre_estimada": "2027-01-31",
        },
    )
    assert created.status_code == 201, created.text
    deal = created.json()
    assert (deal["estado"], deal["probabilidad_cierre"], deal["monto_estimado"]) == ("presupuesto", 65, 45000.0)
    won = api.put(f"/api/clientes/oportunidades/{deal['id']}/ganada?valor_final=40000.5")
    assert won.status_code == 200, won.text
    body = won.json()
    assert body["oportunidad"]["estado"] == "ganada" and body["oportunidad"]["valor_ganado"] == 40000.5
    assert body["oportunidad"]["fecha_cierre_real"] is not None
    assert body["cliente"]["estado"] == "cliente_activo"
    assert services.get_client(engine, client["id"]).status == "active"


def test_mark_won_errors(api: TestClient, engine: Engine) -> None:
    client = make_client(engine)
    deal = make_opportunity(engine, client.client_id)
    assert api.put("/api/clientes/oportunidades/999/ganada?valor_final=1").status_code == 404
    before = table_rows(engine)
    for value in ("-1", "1.001", "NaN", "abc"):
        response = api.put(f"/api/clientes/oportunidades/{deal.opportunity_id}/ganada?valor_final={value}")
        assert response.status_code == 422, value
        assert response.json()["detail"][0]["loc"] == ["query", "valor_final"], value
    missing = api.put(f"/api/clientes/oportunidades/{deal.opportunity_id}/ganada")
    assert missing.status_code == 422
    assert table_rows(engine) == before
    api.put(f"/api/clientes/oportunidades/{deal.opportunity_id}/ganada?valor_final=5")
    again = api.put(f"/api/clientes/oportunidades/{deal.opportunity_id}/ganada?valor_final=5")
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "estado"]


def test_opportunity_refuses_bad_fields(api: TestClient, engine: Engine) -> None:
    client = _create(api)
    before = table_rows(engine)
    response = api.post(
        f"/api/clientes/{client['id']}/oportunidades",
        json={"nombre_proyecto": "X", "monto_estimado": "12.345", "estado": "firmada", "probabilidad_cierre": 101},
    )
    assert response.status_code == 422
    locs = {tuple(item["loc"]): item["code"] for item in response.json()["detail"]}
    assert set(locs) == {("body", "monto_estimado"), ("body", "estado"), ("body", "probabilidad_cierre")}
    assert locs[("body", "probabilidad_cierre")] == "max"
    assert table_rows(engine) == before


# ---------------------------------------------------------------- health and recommendations


def test_health_and_recommendations_of_a_new_client(api: TestClient) -> None:
    client = _create(api)
    health = api.get(f"/api/clientes/{client['id']}/salud")
    assert health.status_code == 200
    assert health.json()["ciclo_vida"] == "prospecto" and health.json()["ltv_lifetime_value"] == 0.0
    advice = api.get(f"/api/clientes/{client['id']}/recomendaciones", headers={"Accept-Language": "es"}).json()
    assert set(advice) == {"cliente_id", "fecha_generacion", "alertas", "oportunidades", "acciones_sugeridas"}
    assert advice["acciones_sugeridas"] == ["Sin contactos registrados: llamar para presentarse."]
    assert api.get(f"/api/clientes/{client['id']}/salud?as_of=1800-01-01").status_code == 422


def test_a_write_through_the_api_shows_in_the_next_figures(api: TestClient) -> None:
    client = _create(api)
    assert api.get(f"/api/clientes/{client['id']}/salud").json()["ltv_lifetime_value"] == 0.0
    invoice = {"numero": "SB-77", "cliente_id": client["id"], "fecha_emision": "2026-11-01", "total": 300}
    assert api.post("/api/facturas", json=invoice).status_code == 201
    assert api.get(f"/api/clientes/{client['id']}/salud").json()["ltv_lifetime_value"] == 300.0


def _expected(row: Any) -> dict[str, Any]:
    def num(name: str) -> Any:
        value = row[name]
        return None if pd.isna(value) else float(value)

    return {
        "ltv_lifetime_value": num("ltv"),
        "ingresos_12_meses": num("revenue_12m"),
        "vencido": num("overdue"),
        "pendiente_cobro": num("outstanding"),
        "dso": num("dso"),
        "riesgo_perdida_score": num("churn_score"),
        "ingresos_esperados_30_dias": num("expected_revenue_30d"),
        "ingresos_esperados_90_dias": num("expected_revenue_90d"),
        "cobros_esperados_90_dias": num("expected_cash_90d"),
        "dias_sin_actividad": num("days_since_last_activity"),
        "frecuencia_compra_dias": num("cadence_days"),
        "dias_promedio_para_pagar": num("avg_days_to_pay"),
    }


def test_single_client_figures_equal_the_portfolio_row_on_demo_data(demo_db: str) -> None:
    """/salud and /recomendaciones of each client equal the portfolio's client_health row and advice."""
    as_of = date.fromisoformat(APP_AS_OF)
    engine = get_engine(demo_db)
    frames = load_frames(engine)
    health = client_health(frames, as_of)
    claims = late_payment_claims(frames.invoices, frames.payments, as_of, load_late_rates())
    risk = {"low": "bajo", "medium": "medio", "high": "alto", "critical": "critico"}
    with TestClient(create_app(demo_db)) as api:
        for client_id in health.index[:: max(1, len(health) // 25)]:
            row = health.loc[client_id]
            body = api.get(f"/api/clientes/{client_id}/salud?as_of={APP_AS_OF}").json()
            got = {name: body[name] for name in _expected(row)}
            assert got == pytest.approx(_expected(row), nan_ok=True), client_id
            assert body["riesgo_impago_nivel"] == risk[row["default_risk"]]
            advice = api.get(f"/api/clientes/{client_id}/recomendaciones?as_of={APP_AS_OF}").json()
            codes = [a["tipo"] for a in advice["alertas"]] + [o["tipo"] for o in advice["oportunidades"]]
            recs = client_advice(row, client_claim_summary(client_claim_rows(claims, client_id), client_id))
            expected = [r.code for r in recs if r.kind in ("alert", "opportunity")]
            assert codes == expected, client_id
            assert advice["acciones_sugeridas"] == [recommendation_text(r, "en") for r in recs if r.kind == "action"]


def test_never_a_500_on_odd_ids_and_methods(api: TestClient) -> None:
    for method, path in (
        ("GET", "/api/clientes/-1"),
        ("GET", "/api/clientes/abc"),
        ("DELETE", "/api/clientes/1"),
        ("GET", "/api/nada"),
        ("POST", "/api/clientes/1/salud"),
    ):
        response = api.request(method, path)
        assert response.status_code < 500, (method, path, response.text)
        assert "Traceback" not in response.text


def test_an_api_write_shows_on_the_clients_page_next_run(demo_db: str) -> None:
    """The page is open (its caches warm), a client is created through the API: the next run lists it."""
    from tests.apptest_helpers import open_page

    at = open_page("pages/clients.py", date.fromisoformat(APP_AS_OF))
    at.text_input(key="clients_search").input("Nuevo Cliente API").run()
    listed = next(df.value for df in at.dataframe if "churn_score" in df.value.columns) if at.dataframe else None
    assert listed is None or listed.empty
    with TestClient(create_app(demo_db)) as api:
        created = api.post("/api/clientes/", json={**NEW_CLIENT, "nombre_empresa": "Nuevo Cliente API S.L."})
        assert created.status_code == 201
    time.sleep(1.1)  # the page reads the table fingerprints at most once a second
    at.run()
    shown = next(df.value for df in at.dataframe if "churn_score" in df.value.columns)
    assert shown["company_name"].tolist() == ["Nuevo Cliente API S.L."]


def test_recommendations_claim_what_ley_3_2004_grants_on_an_invoice_over_30_days_late(api: TestClient) -> None:
    """The issue's worked example: 1,000.00 due 2025-06-09, unpaid on 2025-08-31: 23.66 interest + 40 = 63.66."""
    client = _create(api)
    invoice = {
        "numero": "SB-3-2004",
        "cliente_id": client["id"],
        "fecha_emision": "2025-05-10",
        "fecha_vencimiento": "2025-06-09",
        "total": 1000,
    }
    assert api.post("/api/facturas", json=invoice).status_code == 201
    advice = api.get(f"/api/clientes/{client['id']}/recomendaciones?as_of=2025-08-31").json()
    claims = [text for text in advice["acciones_sugeridas"] if "Ley 3/2004" in text]
    assert claims == ["Claim €63.66 of late-payment interest and compensation (Ley 3/2004); invoices late: 1."], advice
