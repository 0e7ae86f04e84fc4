"""The API's JSON bodies: the project's schemas under the specification's Spanish names (pydantic aliases).

Input models subclass the write schemas of crm_core.schemas, so every rule is the schema's own;
only the names (and enum values) are Spanish. Output models subclass the `*Out` schemas the same
way. Money is a JSON number rounded to the cent on the way out, and a number or a decimal string
with at most two decimals on the way in.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema

from crm_core.api.spanish import (
    ascii_name,
    english_value,
    spanish_field,
    spanish_value,
    spanish_values,
)
from crm_core.config import business_timezone
from crm_core.enums import ActivityKind, ClientStatus, CompanySize, PaymentMethod, Stage
from crm_core.schemas import (
    ActivityCreate,
    ActivityOut,
    AwareDatetime,
    ClientCreate,
    ClientOut,
    ClientUpdate,
    ContactCreate,
    ContactOut,
    InvoiceCreate,
    InvoiceOut,
    OpportunityCreate,
    OpportunityOut,
    PaymentCreate,
    PaymentOut,
)

ENUMS: dict[str, type[Enum]] = {
    "status": ClientStatus,
    "company_size": CompanySize,
    "kind": ActivityKind,
    "stage": Stage,
    "method": PaymentMethod,
}


def _money_out(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 2)


Money = Annotated[Decimal, PlainSerializer(_money_out, return_type=float)]
OptMoney = Annotated[Decimal | None, PlainSerializer(_money_out, return_type=float | None)]


def _enum_in(vocabulary: str, optional: bool) -> Any:
    """An enum field that takes the Spanish values (the English ones too) and documents the Spanish ones."""
    enum = ENUMS[vocabulary]
    values = {"type": "string", "enum": spanish_values(vocabulary)}
    schema = {"anyOf": [values, {"type": "null"}]} if optional else values
    return Annotated[
        enum | None if optional else enum, BeforeValidator(lambda v: english_value(vocabulary, v)), WithJsonSchema(schema)
    ]


def _enum_out(vocabulary: str, optional: bool) -> Any:
    """A stored enum value written in Spanish."""
    values = {"type": "string", "enum": spanish_values(vocabulary)}
    schema = {"anyOf": [values, {"type": "null"}]} if optional else values
    return Annotated[
        str | None if optional else str, PlainSerializer(lambda v: spanish_value(vocabulary, v)), WithJsonSchema(schema)
    ]


def _aliases(entity: str, *, ascii_too: bool) -> AliasGenerator:
    def validation(name: str) -> str | AliasChoices:
        spanish = spanish_field(name, entity)
        plain = ascii_name(spanish)
        return AliasChoices(spanish, plain) if ascii_too and plain != spanish else spanish

    return AliasGenerator(validation_alias=validation, serialization_alias=lambda name: spanish_field(name, entity))


def spanish_input(
    base: type[BaseModel],
    entity: str,
    name: str,
    enums: dict[str, str],
    *,
    extra: dict[str, tuple[Any, Any]] | None = None,
    hidden: tuple[str, ...] = (),
) -> type[BaseModel]:
    """`base` (a write schema) reading the Spanish names of `entity`; `enums` maps field -> vocabulary;
    `hidden` fields come from the path, not the body; `extra` adds (annotation, default) fields."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"{base.__name__} with the specification's Spanish field names.",
        "model_config": ConfigDict(alias_generator=_aliases(entity, ascii_too=True)),
    }
    for field, vocabulary in enums.items():
        info = base.model_fields[field]
        optional = not info.is_required() and info.default is None
        annotations[field] = _enum_in(vocabulary, optional)
        default = info.default if not info.is_required() else ...
        spanish_default: Any = spanish_value(vocabulary, default.value if isinstance(default, Enum) else default)
        namespace[field] = Field(default, json_schema_extra=None if default is ... else {"default": spanish_default})
    for field in hidden:
        annotations[field] = Annotated[int | None, SkipJsonSchema()]
        namespace[field] = Field(None)  # set from the path by the route
    for field, (annotation, default) in (extra or {}).items():
        annotations[field] = annotation
        namespace[field] = default
    namespace["__annotations__"] = annotations
    return type(name, (base,), namespace)


def spanish_output(
    base: type[BaseModel],
    entity: str,
    name: str,
    enums: dict[str, str],
    money: tuple[str, ...] = (),
) -> type[BaseModel]:
    """`base` (an *Out schema) written with the Spanish names of `entity`, enum values in Spanish, money as numbers."""
    annotations: dict[str, Any] = {}
    for field, vocabulary in enums.items():
        annotations[field] = _enum_out(
            vocabulary, not base.model_fields[field].is_required() or base.model_fields[field].annotation is not str
        )
    for field in money:
        annotations[field] = OptMoney if "None" in str(base.model_fields[field].annotation) else Money
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"{base.__name__} with the specification's Spanish field names.",
        "__annotations__": annotations,
        "model_config": ConfigDict(
            from_attributes=True,
            alias_generator=_aliases(entity, ascii_too=False),
            validate_by_name=True,
            validate_by_alias=True,
            serialize_by_alias=True,
        ),
    }
    return type(name, (base,), namespace)


def _now() -> datetime:
    return datetime.now(business_timezone())


# ---------------------------------------------------------------- inputs

ClienteNuevo = spanish_input(ClientCreate, "client", "ClienteNuevo", {"status": "status", "company_size": "company_size"})
ClienteCambios = spanish_input(
    ClientUpdate,
    "client",
    "ClienteCambios",
    {"status": "status", "company_size": "company_size"},
    extra={"version": (Annotated[int | None, Field(ge=1, le=2**31 - 1)], Field(None, exclude=True))},
)
ContactoNuevo = spanish_input(ContactCreate, "contact", "ContactoNuevo", {}, hidden=("client_id",))
ActividadNueva = spanish_input(
    ActivityCreate,
    "activity",
    "ActividadNueva",
    {"kind": "kind"},
    hidden=("client_id",),
    extra={"occurred_at": (AwareDatetime, Field(default_factory=_now))},
)
OportunidadNueva = spanish_input(OpportunityCreate, "opportunity", "OportunidadNueva", {"stage": "stage"}, hidden=("client_id",))
FacturaNueva = spanish_input(InvoiceCreate, "invoice", "FacturaNueva", {})
PagoNuevo = spanish_input(PaymentCreate, "payment", "PagoNuevo", {"method": "method"})

# ---------------------------------------------------------------- outputs

ClienteOut = spanish_output(ClientOut, "client", "Cliente", {"status": "status", "company_size": "company_size"})
ContactoOut = spanish_output(ContactOut, "contact", "Contacto", {})
ActividadOut = spanish_output(ActivityOut, "activity", "Actividad", {"kind": "kind"})
OportunidadOut = spanish_output(OpportunityOut, "opportunity", "Oportunidad", {"stage": "stage"}, money=("amount", "won_amount"))
FacturaOut = spanish_output(InvoiceOut, "invoice", "Factura", {}, money=("total",))
PagoOut = spanish_output(PaymentOut, "payment", "Pago", {"method": "method"}, money=("amount",))


class Spanish(BaseModel):
    """An API-only shape, already named in Spanish."""

    model_config = ConfigDict(extra="forbid")


RiesgoImpago = _enum_out("risk", True)
CicloVida = _enum_out("status", True)


class Salud(Spanish):
    """A client's health figures as of a date (the row of `client_health` the Health page shows)."""

    cliente_id: int
    fecha_calculo: date
    dias_promedio_para_pagar: float | None = Field(description="avg_days_to_pay: issue to paid, days")
    dias_promedio_retraso: float | None = Field(description="avg_days_late: due to paid, floored at 0")
    porcentaje_pagos_a_tiempo: float | None = Field(description="on_time_rate × 100")
    factura_impagada_mas_antigua: date | None = Field(description="oldest_unpaid_issue_date")
    monto_promedio_factura: float | None = Field(description="avg_invoice_amount, EUR")
    frecuencia_compra_dias: float | None = Field(description="cadence_days: median gap between invoices")
    meses_como_cliente: float | None = Field(description="months_as_client")
    ltv_lifetime_value: float = Field(description="ltv: non-void invoice totals, EUR")
    ingresos_12_meses: float = Field(description="revenue_12m, EUR")
    cobrado: float = Field(description="collected, EUR")
    pendiente_cobro: float = Field(description="outstanding, EUR")
    vencido: float = Field(description="overdue, EUR")
    dso: float | None = Field(description="days sales outstanding")
    fecha_proxima_factura_esperada: date | None = Field(description="next_invoice_expected")
    ingresos_esperados_30_dias: float = Field(description="expected_revenue_30d = recurring + pipeline, EUR")
    ingresos_esperados_90_dias: float = Field(description="expected_revenue_90d, EUR")
    ingresos_recurrentes_30_dias: float
    ingresos_recurrentes_90_dias: float
    pipeline_30_dias: float
    pipeline_90_dias: float
    cobros_esperados_30_dias: float
    cobros_esperados_90_dias: float
    riesgo_impago_nivel: RiesgoImpago  # type: ignore[valid-type]
    riesgo_perdida_score: float = Field(description="churn_score 0-100")
    riesgo_perdida_factor: str | None = Field(description="churn_driver")
    ciclo_vida: CicloVida  # type: ignore[valid-type]
    dias_sin_actividad: float | None
    dias_sin_factura: float | None
    numero_actividades_ultimos_30_dias: int
    oportunidades_abiertas: int
    ultima_interaccion: date | None


class ClienteDetalle(ClienteOut):  # type: ignore[valid-type,misc]
    """The client with its contacts, latest activities, open opportunities and health figures."""

    contactos: list[ContactoOut] = Field(default_factory=list)  # type: ignore[valid-type]
    actividades_recientes: list[ActividadOut] = Field(default_factory=list)  # type: ignore[valid-type]
    oportunidades_abiertas: list[OportunidadOut] = Field(default_factory=list)  # type: ignore[valid-type]
    salud: Salud | None = None


class ClienteResumen(Spanish):
    """One row of the client list (the Clients page's columns)."""

    id: int
    nombre_empresa: str
    email: str | None
    cif_nif: str | None
    estado: CicloVida  # type: ignore[valid-type]
    ciclo_vida: CicloVida  # type: ignore[valid-type]
    riesgo_impago: RiesgoImpago  # type: ignore[valid-type]
    riesgo_perdida_score: float | None
    ltv: float | None
    ingresos_12_meses: float | None
    pendiente_cobro: float | None
    vencido: float | None
    ingresos_esperados_90_dias: float | None
    fecha_ultima_compra: date | None
    dias_sin_actividad: float | None
    segmento: str | None
    sector_industria: str | None
    comunidad_autonoma: str | None
    responsable: str | None


class ListaClientes(Spanish):
    total: int
    skip: int
    limit: int
    clientes: list[ClienteResumen]


class Alerta(Spanish):
    tipo: str
    severidad: str
    mensaje: str


class OportunidadSugerida(Spanish):
    tipo: str
    mensaje: str


class Recomendaciones(Spanish):
    cliente_id: int
    fecha_generacion: datetime
    alertas: list[Alerta]
    oportunidades: list[OportunidadSugerida]
    acciones_sugeridas: list[str]


class OportunidadGanada(Spanish):
    mensaje: str
    oportunidad: OportunidadOut  # type: ignore[valid-type]
    cliente: ClienteOut  # type: ignore[valid-type]
