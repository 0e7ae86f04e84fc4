"""`/api/clientes`: the specification's nine endpoints, plus contacts and PATCH, over crm_core.services and crm_core.views."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from types import GenericAlias
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Header, Query, Response
from pydantic import Field

from crm_core import services
from crm_core.analytics.late_rates import load_late_rates
from crm_core.api.deps import Cache, Engine_, Language, after_write
from crm_core.api.models import (
    ActividadNueva,
    ActividadOut,
    Alerta,
    ClienteCambios,
    ClienteDetalle,
    ClienteNuevo,
    ClienteOut,
    ClienteResumen,
    ContactoNuevo,
    ContactoOut,
    ListaClientes,
    OportunidadGanada,
    OportunidadNueva,
    OportunidadOut,
    OportunidadSugerida,
    Recomendaciones,
    Salud,
)
from crm_core.api.problems import located
from crm_core.api.spanish import english_value, spanish_value
from crm_core.auth.scope import current_scope, scope_frames, scope_rows, visible_client_ids
from crm_core.config import business_timezone, business_today
from crm_core.errors import NotFoundError, ValidationError
from crm_core.i18n.domain_text import recommendation_text
from crm_core.schemas import Day
from crm_core.store.cache import FrameCache
from crm_core.store.frames import Frames
from crm_core.views.clients import (
    ClientFilters,
    ClientList,
    client_advice,
    client_list,
    client_table,
    health_row,
    list_clients,
)
from crm_core.views.health import health_table
from crm_core.views.receivables import client_claim_rows, client_claim_summary, portfolio_claims

router = APIRouter(prefix="/api/clientes", tags=["clientes"])

ClientId = Annotated[int, Field(description="The client's id")]
AsOf = Annotated[Day | None, Query(description="Figures as of this date (default: today in the business timezone)")]
RECENT_ACTIVITIES = 10
# The list's query parameters by the field list_clients names in its errors.
LIST_PARAMS: dict[str, list[str | int]] = {
    "offset": ["query", "skip"],
    "limit": ["query", "limit"],
    "status": ["query", "estado"],
    "industry": ["query", "sector"],
    "search": ["query", "buscar"],
    "lifecycle": ["query", "ciclo_vida"],
    "default_risk": ["query", "riesgo_impago"],
    "region": ["query", "comunidad_autonoma"],
    "owner": ["query", "responsable"],
    "segment": ["query", "segmento"],
    "sort": ["query", "orden"],
}
SORTS = (
    "company_name",
    "churn_score",
    "default_risk",
    "ltv",
    "revenue_12m",
    "outstanding",
    "overdue",
    "expected_revenue_90d",
    "days_since_last_activity",
    "lifecycle",
    "region",
    "owner",
)
SORT_NAMES = {
    "company_name": "nombre_empresa",
    "churn_score": "riesgo_perdida_score",
    "default_risk": "riesgo_impago",
    "ltv": "ltv",
    "revenue_12m": "ingresos_12_meses",
    "outstanding": "pendiente_cobro",
    "overdue": "vencido",
    "expected_revenue_90d": "ingresos_esperados_90_dias",
    "days_since_last_activity": "dias_sin_actividad",
    "lifecycle": "ciclo_vida",
    "region": "comunidad_autonoma",
    "owner": "responsable",
}


# ---------------------------------------------------------------- reading figures (cached per table version)


def _portfolio_health(cache: FrameCache, as_of: date) -> pd.DataFrame:
    """Every client's health as of `as_of`, computed once per table version (crm_core.views.health)."""
    return cache.derived(("health", as_of), lambda frames: health_table(frames, as_of))


def health_of(cache: FrameCache, as_of: date) -> pd.DataFrame:
    """The health of the clients the acting user sees (every client for a manager or in open mode).

    Computed on the whole portfolio and then cut, so a figure ranked against the portfolio (VIP) does
    not depend on who asks (docs/design.md §3.7)."""
    return scope_rows(_portfolio_health(cache, as_of), visible_client_ids(cache.engine, current_scope()))


def list_of(cache: FrameCache, as_of: date) -> ClientList:
    """The Clients page's health-joined list as of `as_of` for the acting user, prepared once per table
    version and per owner."""
    scope = current_scope()

    def build(frames: Frames) -> ClientList:
        ids = visible_client_ids(cache.engine, scope)
        return client_list(client_table(scope_frames(frames, ids), scope_rows(_portfolio_health(cache, as_of), ids)))

    return cache.derived(("client_list", as_of, None if scope.everything else scope.owner_id), build)


def _figures(engine: Any, cache: FrameCache, client_id: int, as_of: date) -> pd.Series:
    """The client's health row; 404 if no such client. A client made by another process since the last
    fingerprint read makes the cache reload once."""
    row = health_row(health_of(cache, as_of), client_id)
    if row is None:
        services.get_client(engine, client_id)  # NotFoundError when it does not exist
        cache.wrote()
        row = health_row(health_of(cache, as_of), client_id)
        if row is None:
            raise NotFoundError("client", client_id)
    return row


def _claim_of(cache: FrameCache, client_id: int, as_of: date) -> pd.Series:
    """The client's Ley 3/2004 claim totals as of `as_of` (the `cobro` advice needs them), the portfolio's
    claims computed once per table version and rates table, as the client page does."""
    rates = load_late_rates()
    claims = cache.derived(("claims", as_of, rates), lambda frames: portfolio_claims(frames, as_of, rates))
    return client_claim_summary(client_claim_rows(claims, client_id), client_id)


def _plain(value: Any) -> Any:
    """A frame cell as JSON can carry it: NaN / NaT -> None, Timestamp -> date, numpy -> Python."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def salud(client_id: int, row: pd.Series, as_of: date) -> Salud:
    """The health model of one client's `client_health` row."""
    v = {name: _plain(row.get(name)) for name in row.index}
    on_time = v.get("on_time_rate")
    return Salud(
        cliente_id=client_id,
        fecha_calculo=as_of,
        dias_promedio_para_pagar=v["avg_days_to_pay"],
        dias_promedio_retraso=v["avg_days_late"],
        porcentaje_pagos_a_tiempo=None if on_time is None else round(on_time * 100, 2),
        factura_impagada_mas_antigua=v["oldest_unpaid_issue_date"],
        monto_promedio_factura=v["avg_invoice_amount"],
        frecuencia_compra_dias=v["cadence_days"],
        meses_como_cliente=v["months_as_client"],
        ltv_lifetime_value=v["ltv"] or 0.0,
        ingresos_12_meses=v["revenue_12m"] or 0.0,
        cobrado=v["collected"] or 0.0,
        pendiente_cobro=v["outstanding"] or 0.0,
        vencido=v["overdue"] or 0.0,
        dso=v["dso"],
        fecha_proxima_factura_esperada=v["next_invoice_expected"],
        ingresos_esperados_30_dias=v["expected_revenue_30d"],
        ingresos_esperados_90_dias=v["expected_revenue_90d"],
        ingresos_recurrentes_30_dias=v["recurring_30d"],
        ingresos_recurrentes_90_dias=v["recurring_90d"],
        pipeline_30_dias=v["pipeline_30d"],
        pipeline_90_dias=v["pipeline_90d"],
        cobros_esperados_30_dias=v["expected_cash_30d"],
        cobros_esperados_90_dias=v["expected_cash_90d"],
        riesgo_impago_nivel=spanish_value("risk", v["default_risk"]),
        riesgo_perdida_score=v["churn_score"] or 0.0,
        riesgo_perdida_factor=None if v["churn_driver"] is None else str(spanish_value("driver", v["churn_driver"])),
        ciclo_vida=spanish_value("status", v["lifecycle"]),
        dias_sin_actividad=v["days_since_last_activity"],
        dias_sin_factura=v["days_since_last_invoice"],
        numero_actividades_ultimos_30_dias=int(v["activities_30d"] or 0),
        oportunidades_abiertas=int(v["open_opportunities"] or 0),
        ultima_interaccion=v["last_activity_date"],
    )


def _summary(row: dict[str, Any]) -> ClienteResumen:
    v = {name: _plain(value) for name, value in row.items()}
    return ClienteResumen(
        id=int(v["client_id"]),
        nombre_empresa=v["company_name"],
        email=v["email"],
        cif_nif=v["tax_id"],
        estado=spanish_value("status", v["status"]),
        ciclo_vida=spanish_value("status", v["lifecycle"]),
        riesgo_impago=spanish_value("risk", v["default_risk"]),
        riesgo_perdida_score=v["churn_score"],
        ltv=v["ltv"],
        ingresos_12_meses=v["revenue_12m"],
        pendiente_cobro=v["outstanding"],
        vencido=v["overdue"],
        ingresos_esperados_90_dias=v["expected_revenue_90d"],
        fecha_ultima_compra=v["last_invoice_date"],
        dias_sin_actividad=v["days_since_last_activity"],
        segmento=v["segment"],
        sector_industria=v["industry"],
        comunidad_autonoma=v["region"],
        responsable=v["owner"],
    )


def _words(values: list[str] | None, vocabulary: str | None = None) -> tuple[str, ...]:
    if not values:
        return ()
    return tuple(str(english_value(vocabulary, v)) if vocabulary else v for v in values if v != "")


# ---------------------------------------------------------------- clients


@router.post("/", status_code=201, response_model=ClienteDetalle, summary="Crear cliente")
def crear_cliente(cliente: ClienteNuevo, engine: Engine_, cache: Cache) -> Any:  # type: ignore[valid-type]
    """Create a client (its tax id and email unique); 201 with the full client (no contacts yet)."""
    with located("client"):
        created = services.create_client(engine, cliente)
    after_write(cache, services.create_client)
    return ClienteDetalle.model_validate(created)


@router.get("/", response_model=ListaClientes, summary="Listar clientes")
def listar_clientes(
    cache: Cache,
    skip: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    estado: Annotated[list[str] | None, Query(description="status set by a person (prospecto, cliente_activo...)")] = None,
    sector: Annotated[list[str] | None, Query(description="sector_industria")] = None,
    ciclo_vida: Annotated[list[str] | None, Query(description="computed lifecycle")] = None,
    riesgo_impago: Annotated[list[str] | None, Query(description="bajo, medio, alto, critico")] = None,
    segmento: Annotated[list[str] | None, Query()] = None,
    comunidad_autonoma: Annotated[list[str] | None, Query()] = None,
    responsable: Annotated[list[str] | None, Query()] = None,
    buscar: Annotated[str, Query(description="name, email or tax id contains")] = "",
    orden: Annotated[str, Query(description="one of: " + ", ".join(SORT_NAMES.values()))] = "nombre_empresa",
    descendente: bool = False,
) -> Any:
    """One page of clients (the Clients page's list and figures as of today), filtered and sorted."""
    sort = next((english for english, spanish in SORT_NAMES.items() if spanish == orden), orden)
    filters = ClientFilters(
        search=buscar,
        status=_words(estado, "status"),
        industry=_words(sector),
        lifecycle=_words(ciclo_vida, "status"),
        default_risk=_words(riesgo_impago, "risk"),
        segment=_words(segmento),
        region=_words(comunidad_autonoma),
        owner=_words(responsable),
    )
    with located("client", LIST_PARAMS, where="query"):
        page = list_clients(
            list_of(cache, business_today()), filters, sort=sort, descending=descendente, offset=skip, limit=limit
        )
    return ListaClientes(total=page.total, skip=skip, limit=limit, clientes=[_summary(r) for r in page.rows.to_dict("records")])


@router.get("/{cliente_id}", response_model=ClienteDetalle, summary="Obtener cliente completo")
def obtener_cliente(cliente_id: int, engine: Engine_, cache: Cache, response: Response) -> Any:
    """The client with its contacts, latest activities, open opportunities and health figures as of today.

    The `ETag` header holds its version, for a PATCH with `If-Match`."""
    client = services.get_client(engine, cliente_id)
    response.headers["ETag"] = f'"{client.version}"'
    today = business_today()
    row = health_row(health_of(cache, today), cliente_id)
    detail = ClienteDetalle.model_validate(client)
    detail.contactos = [ContactoOut.model_validate(c) for c in services.list_contacts(engine, cliente_id)]
    detail.actividades_recientes = [
        ActividadOut.model_validate(a) for a in services.list_activities(engine, cliente_id, limit=RECENT_ACTIVITIES)
    ]
    detail.oportunidades_abiertas = [
        OportunidadOut.model_validate(o) for o in services.list_opportunities(engine, cliente_id, open_only=True)
    ]
    detail.salud = None if row is None else salud(cliente_id, row, today)
    return detail


@router.patch(
    "/{cliente_id}",
    response_model=ClienteOut,
    summary="Modificar cliente",
    responses={428: {"description": "No version given (If-Match or version)"}},
)
def modificar_cliente(
    cliente_id: int,
    cambios: ClienteCambios,  # type: ignore[valid-type]  # a model built at import time (Spanish aliases)
    engine: Engine_,
    cache: Cache,
    if_match: Annotated[str | None, Header(description='The version read (ETag), e.g. "3"')] = None,
) -> Any:
    """Change the fields given, if the client is still at the version read (`If-Match` or `version`)."""
    version = cambios.version  # type: ignore[attr-defined]
    with located("client", {"If-Match": ["header", "If-Match"]}):
        if if_match is not None:
            text = if_match.strip().removeprefix("W/").strip('"')
            if not text.isdigit() or len(text) > 10:
                raise ValidationError.on("If-Match", "whole_number", value=if_match)
            version = int(text)
        if version is None:
            raise ValidationError.on("version", "required")
        changes = cambios.model_dump(exclude_unset=True, exclude={"version"})  # type: ignore[attr-defined]
        updated = services.update_client(engine, cliente_id, changes, version)
    after_write(cache, services.update_client)
    return ClienteOut.model_validate(updated)


# ---------------------------------------------------------------- contacts


@router.get("/{cliente_id}/contactos", response_model=GenericAlias(list, (ContactoOut,)), summary="Contactos del cliente")
def listar_contactos(cliente_id: int, engine: Engine_) -> Any:
    """The client's contacts, the primary one first."""
    services.get_client(engine, cliente_id)
    return [ContactoOut.model_validate(c) for c in services.list_contacts(engine, cliente_id)]


@router.post("/{cliente_id}/contactos", status_code=201, response_model=ContactoOut, summary="Añadir contacto")
def crear_contacto(cliente_id: int, contacto: ContactoNuevo, engine: Engine_, cache: Cache) -> Any:  # type: ignore[valid-type]
    """Add a person at the client (one primary and one billing contact: the newest flagged wins)."""
    services.get_client(engine, cliente_id)
    with located("contact"):
        created = services.add_contact(engine, contacto.model_copy(update={"client_id": cliente_id}))  # type: ignore[attr-defined]
    after_write(cache, services.add_contact)
    return ContactoOut.model_validate(created)


# ---------------------------------------------------------------- activities


@router.post("/{cliente_id}/actividades", status_code=201, response_model=ActividadOut, summary="Registrar actividad")
def registrar_actividad(cliente_id: int, actividad: ActividadNueva, engine: Engine_, cache: Cache) -> Any:  # type: ignore[valid-type]
    """Log a call, email, meeting...; with `fecha_seguimiento` a follow-up task is scheduled too."""
    services.get_client(engine, cliente_id)
    with located("activity"):
        created = services.log_activity(engine, actividad.model_copy(update={"client_id": cliente_id}))  # type: ignore[attr-defined]
    after_write(cache, services.log_activity)
    return ActividadOut.model_validate(created[0])


@router.get("/{cliente_id}/actividades", response_model=GenericAlias(list, (ActividadOut,)), summary="Historial de actividades")
def historial_actividades(cliente_id: int, engine: Engine_, limite: Annotated[int, Query(ge=1, le=100)] = 20) -> Any:
    """The client's latest activities, newest first."""
    services.get_client(engine, cliente_id)
    return [ActividadOut.model_validate(a) for a in services.list_activities(engine, cliente_id, limit=limite)]


# ---------------------------------------------------------------- opportunities


@router.post("/{cliente_id}/oportunidades", status_code=201, response_model=OportunidadOut, summary="Crear oportunidad")
def crear_oportunidad(cliente_id: int, oportunidad: OportunidadNueva, engine: Engine_, cache: Cache) -> Any:  # type: ignore[valid-type]
    """Open an opportunity (its probability defaults from the stage)."""
    services.get_client(engine, cliente_id)
    with located("opportunity"):
        created = services.create_opportunity(engine, oportunidad.model_copy(update={"client_id": cliente_id}))  # type: ignore[attr-defined]
    after_write(cache, services.create_opportunity)
    return OportunidadOut.model_validate(created)


@router.put("/oportunidades/{oportunidad_id}/ganada", response_model=OportunidadGanada, summary="Marcar oportunidad como ganada")
def marcar_ganada(
    oportunidad_id: int,
    engine: Engine_,
    cache: Cache,
    valor_final: Annotated[Decimal, Query(description="Final value, EUR (up to 2 decimals)")],
    lang: Language,
) -> Any:
    """Close the opportunity as won for `valor_final`, closed today; a prospect with no other open deal becomes active."""
    with located("opportunity", {"won_amount": ["query", "valor_final"], "closed_at": ["query", "valor_final"]}):
        won = services.mark_won(engine, oportunidad_id, valor_final)
    after_write(cache, services.mark_won)
    client = services.get_client(engine, won.client_id)
    message = "Oportunidad marcada como ganada" if lang == "es" else "Opportunity marked as won"
    return OportunidadGanada(
        mensaje=message, oportunidad=OportunidadOut.model_validate(won), cliente=ClienteOut.model_validate(client)
    )


# ---------------------------------------------------------------- figures


@router.get("/{cliente_id}/salud", response_model=Salud, summary="Salud del cliente")
def obtener_salud(cliente_id: int, engine: Engine_, cache: Cache, as_of: AsOf = None) -> Any:
    """The client's health figures as of `as_of` (default today): the numbers the Health page shows."""
    day = as_of or business_today()
    return salud(cliente_id, _figures(engine, cache, cliente_id, day), day)


@router.get("/{cliente_id}/recomendaciones", response_model=Recomendaciones, summary="Recomendaciones")
def obtener_recomendaciones(cliente_id: int, engine: Engine_, cache: Cache, lang: Language, as_of: AsOf = None) -> Any:
    """Alerts, opportunities and suggested actions from the advice rules the pages use, in the caller's language."""
    day = as_of or business_today()
    recs = client_advice(_figures(engine, cache, cliente_id, day), _claim_of(cache, cliente_id, day))
    return Recomendaciones(
        cliente_id=cliente_id,
        fecha_generacion=datetime.now(business_timezone()),
        alertas=[
            Alerta(tipo=r.code, severidad=str(spanish_value("severity", r.severity)), mensaje=recommendation_text(r, lang))
            for r in recs
            if r.kind == "alert"
        ],
        oportunidades=[
            OportunidadSugerida(tipo=r.code, mensaje=recommendation_text(r, lang)) for r in recs if r.kind == "opportunity"
        ],
        acciones_sugeridas=[recommendation_text(r, lang) for r in recs if r.kind == "action"],
    )
