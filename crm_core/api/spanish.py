"""The specification's Spanish JSON vocabulary: field names and enum values, both ways, in one place.

The API speaks the seed's names (`nombre_empresa`, `tamaño_empresa`, `prospecto`...); the code,
schemas and database speak English. Names with an accent are also accepted in ASCII
(`tamano_empresa`, `duracion_minutos`), and so are enum values (`reunion`, `autonomo`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

# English field name -> the API's Spanish name (the seed's where it has one).
FIELDS: dict[str, str] = {
    # clients
    "client_id": "id",
    "company_name": "nombre_empresa",
    "email": "email",
    "phone": "telefono",
    "address": "direccion",
    "tax_id": "cif_nif",
    "status": "estado",
    "segment": "segmento",
    "industry": "sector_industria",
    "company_size": "tamaño_empresa",
    "region": "comunidad_autonoma",
    "city": "ciudad",
    "website": "web_empresa",
    "linkedin": "linkedin",
    "employees": "numero_empleados",
    "owner": "responsable",
    "payment_terms_days": "dias_plazo_pago",
    "created_at": "fecha_creacion",
    "updated_at": "fecha_actualizacion",
    "version": "version",
    # contacts
    "contact_id": "id",
    "full_name": "nombre_completo",
    "role": "rol",
    "whatsapp": "telefono_whatapp",  # sic: the seed's spelling
    "is_primary": "es_contacto_principal",
    "is_billing": "es_contacto_financiero",
    "last_interaction_at": "fecha_ultima_interaccion",
    "notes": "notas",
    # activities
    "activity_id": "id",
    "kind": "tipo",
    "title": "titulo",
    "description": "descripcion",
    "occurred_at": "fecha",
    "duration_min": "duración_minutos",
    "done": "completada",
    "outcome": "resultado",
    "follow_up_on": "fecha_seguimiento",
    # opportunities
    "opportunity_id": "id",
    "name": "nombre_proyecto",
    "amount": "monto_estimado",
    "stage": "estado",
    "probability": "probabilidad_cierre",
    "expected_close": "fecha_cierre_estimada",
    "closed_at": "fecha_cierre_real",
    "won_amount": "valor_ganado",
    "lost_reason": "motivo_perdida",
    # billing
    "invoice_id": "id",
    "number": "numero",
    "issue_date": "fecha_emision",
    "due_date": "fecha_vencimiento",
    "total": "total",
    "credit_note": "es_abono",
    "void": "anulada",
    "payment_id": "id",
    "paid_on": "fecha_pago",
    "method": "metodo",
}
# Per entity, where a shared English name means something else in Spanish.
ENTITY_FIELDS: dict[str, dict[str, str]] = {
    "contact": {"client_id": "cliente_id", "notes": "notas"},
    "activity": {"client_id": "cliente_id", "contact_id": "contacto_id", "owner": "responsable"},
    "opportunity": {
        "client_id": "cliente_id",
        "contact_id": "contacto_responsable_id",
        "notes": "notas_internas",
        "created_at": "fecha_creacion",
    },
    "invoice": {"client_id": "cliente_id"},
    "payment": {"invoice_id": "factura_id", "amount": "importe"},
}

# Enum vocabularies: English stored value -> the seed's Spanish value.
VALUES: dict[str, dict[str, str]] = {
    "status": {
        "prospect": "prospecto",
        "active": "cliente_activo",
        "dormant": "cliente_dormido",
        "lost": "cliente_perdido",
        "vip": "vip",
    },
    "risk": {"low": "bajo", "medium": "medio", "high": "alto", "critical": "critico"},
    "company_size": {"self_employed": "autónomo", "small": "pequeña", "medium": "mediana", "large": "grande"},
    "kind": {
        "call": "llamada",
        "email": "email",
        "meeting": "reunión",
        "video_call": "videollamada",
        "task": "tarea",
        "note": "nota",
        "invoice": "factura",
        "payment": "pago",
        "proposal": "propuesta",
    },
    "stage": {
        "identified": "identificada",
        "contacted": "contactado",
        "proposal": "presupuesto",
        "negotiation": "negociación",
        "won": "ganada",
        "lost": "perdida",
    },
    "method": {
        "transfer": "transferencia",
        "direct_debit": "domiciliacion",
        "card": "tarjeta",
        "cash": "efectivo",
        "other": "otro",
    },
    "severity": {"low": "baja", "medium": "media", "high": "alta", "critical": "critica"},
    "driver": {"recency": "recencia", "engagement": "actividad", "payment": "pagos", "trend": "tendencia"},
}


def ascii_name(name: str) -> str:
    """`name` without accents (`tamaño_empresa` -> `tamano_empresa`)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")


def spanish_field(name: str, entity: str | None = None) -> str:
    """The API name of the English field `name` (of `entity` when the name differs per entity)."""
    if entity is not None and name in ENTITY_FIELDS.get(entity, {}):
        return ENTITY_FIELDS[entity][name]
    return FIELDS.get(name, name)


def english_value(vocabulary: str, value: object) -> object:
    """The stored value of a Spanish (or accent-less Spanish, or English) `value`; anything else unchanged."""
    if not isinstance(value, str):
        return value
    for english, spanish in VALUES[vocabulary].items():
        if value in (spanish, ascii_name(spanish)):
            return english
    return value


def spanish_value(vocabulary: str, value: object) -> object:
    """The Spanish value of a stored `value` (None and unknown values unchanged)."""
    if not isinstance(value, str):
        return value
    return VALUES[vocabulary].get(value, value)


def spanish_values(vocabulary: str) -> list[str]:
    """Every Spanish value of `vocabulary`, in its English order."""
    return list(VALUES[vocabulary].values())


def field_map(entity: str, names: Mapping[str, object] | list[str]) -> dict[str, str]:
    """English -> Spanish names of `names` for `entity`."""
    return {name: spanish_field(name, entity) for name in names}
