"""Which file column holds which field: a synonym table (Spanish and English) and explicit mappings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from crm_core.enums import ActivityKind, ClientStatus, CompanySize, PaidStatus, PaymentMethod, Stage
from crm_core.errors import Problem
from crm_core.i18n.catalogue import MESSAGES
from crm_core.io.cells import fold
from crm_core.io.reading import ImportFileError

KINDS: tuple[str, ...] = ("clients", "contacts", "invoices", "payments", "activities", "opportunities")

CellType = Literal["text", "money", "int", "date", "datetime", "bool", "enum", "ignored"]


@dataclass(frozen=True)
class Column:
    """One importable field: its canonical name, how its cells are read, and other names for it."""

    name: str
    kind: CellType = "text"
    synonyms: tuple[str, ...] = ()
    enum: type[StrEnum] | None = None


# References to other rows, by natural key first (ids only work within one database).
_CLIENT_REFS = (
    Column(
        "client_tax_id",
        synonyms=(
            "cif_nif_cliente",
            "cif_cliente",
            "nif_cliente",
            "cliente_cif",
            "cliente_nif",
            "tax_id_cliente",
            "cif",
            "nif",
            "cif_nif",
            "nif_cif",
            "tax_id",
            "vat",
            "vat_id",
            "vat_number",
            "customer_tax_id",
        ),
    ),
    Column("client_email", synonyms=("email_cliente", "correo_cliente", "cliente_email", "customer_email")),
    Column("client_id", "int", synonyms=("id_cliente", "cliente_id", "customer_id")),
)
_CONTACT_REFS = (
    Column("contact_email", synonyms=("email_contacto", "correo_contacto", "contacto_email")),
    Column("contact_id", "int", synonyms=("id_contacto", "contacto_id")),
)

# Each kind's first column is the record's own id (`client_id` of a client, `contact_id` of a contact...):
# an export carries it, so the rows the forms allow twice (two calls alike, two payments of one day)
# import back as the records they are (planners.Planner.own_id). A bare `id` column is another
# tool's id and is left out (LEFT_OUT).
COLUMNS: dict[str, tuple[Column, ...]] = {
    "clients": (
        Column("client_id", "int", ("id_cliente",)),
        Column(
            "company_name",
            synonyms=(
                "nombre_empresa",
                "empresa",
                "company",
                "razon_social",
                "nombre",
                "cliente",
                "nombre_cliente",
                "name",
                "client",
                "client_name",
                "customer",
                "customer_name",
                "nombre_fiscal",
            ),
        ),
        Column("email", synonyms=("correo", "correo_electronico", "e_mail", "mail", "email_address")),
        Column("phone", synonyms=("telefono", "tel", "movil", "telephone", "phone_number")),
        Column("address", synonyms=("direccion", "domicilio", "direccion_fiscal")),
        Column("tax_id", synonyms=("cif_nif", "nif_cif", "cif", "nif", "nie", "dni", "vat", "vat_id", "vat_number", "nif_iva")),
        Column("status", "enum", ("estado", "lifecycle", "ciclo_de_vida", "client_status"), ClientStatus),
        Column("segment", synonyms=("segmento",)),
        Column("industry", synonyms=("sector", "industria", "actividad")),
        Column("company_size", "enum", ("tamano", "tamano_empresa", "size"), CompanySize),
        Column("region", synonyms=("comunidad", "comunidad_autonoma", "ccaa", "provincia_region")),
        Column("city", synonyms=("ciudad", "localidad", "poblacion", "municipio", "town")),
        Column("website", synonyms=("web", "sitio_web", "pagina_web", "url", "site")),
        Column("linkedin", synonyms=("linked_in", "perfil_linkedin")),
        Column(
            "employees", "int", ("empleados", "num_empleados", "numero_empleados", "n_empleados", "plantilla", "employee_count")
        ),
        Column("owner", synonyms=("responsable", "comercial", "gestor", "account_manager", "propietario")),
        Column(
            "payment_terms_days",
            "int",
            ("dias_pago", "plazo_pago", "plazo_de_pago", "dias_de_pago", "condiciones_pago", "payment_terms", "terms_days"),
        ),
        Column("created_at", "datetime", ("fecha_alta", "alta", "creado", "fecha_creacion", "created")),
        Column("updated_at", "datetime", ("actualizado", "fecha_actualizacion", "modified_at")),
        Column("version", "int"),
    ),
    "contacts": (
        Column("contact_id", "int", ("id_contacto",)),
        *_CLIENT_REFS,
        Column("full_name", synonyms=("nombre", "nombre_completo", "contacto", "name", "nombre_y_apellidos")),
        Column("role", synonyms=("cargo", "puesto", "position", "title", "job_title")),
        Column("email", synonyms=("correo", "correo_electronico", "e_mail", "mail", "email_contacto")),
        Column("phone", synonyms=("telefono", "tel", "telephone")),
        Column("whatsapp", synonyms=("movil", "mobile", "wa")),
        Column("is_primary", "bool", ("principal", "primary", "contacto_principal")),
        Column("is_billing", "bool", ("facturacion", "billing", "contacto_facturacion", "financiero")),
        Column("last_interaction_at", "datetime", ("ultima_interaccion", "ultimo_contacto", "last_contact")),
        Column("notes", synonyms=("notas", "observaciones", "comentarios")),
    ),
    "invoices": (
        Column("invoice_id", "int", ("id_factura",)),
        *_CLIENT_REFS,
        Column(
            "number",
            synonyms=(
                "numero",
                "numero_factura",
                "n_factura",
                "no_factura",
                "num_factura",
                "factura",
                "invoice",
                "invoice_number",
                "invoice_no",
                "n",
                "no",
                "num",
            ),
        ),
        Column(
            "issue_date",
            "date",
            ("fecha", "fecha_emision", "fecha_factura", "fecha_de_emision", "date", "invoice_date", "issued_on"),
        ),
        Column("due_date", "date", ("vencimiento", "fecha_vencimiento", "fecha_de_vencimiento", "due", "due_on")),
        Column(
            "total",
            "money",
            ("importe", "importe_total", "total_factura", "total_eur", "amount", "invoice_total", "total_con_iva"),
        ),
        Column("credit_note", "bool", ("rectificativa", "abono", "factura_rectificativa", "es_abono")),
        Column("void", "bool", ("anulada", "anulado", "cancelada", "voided", "is_void")),
        # A paid status (and date) in the file records the payment of the whole total (planners.InvoicePlanner).
        Column(
            "paid_status",
            "enum",
            (
                "estado",
                "estado_factura",
                "estado_cobro",
                "estado_de_cobro",
                "estado_pago",
                "situacion",
                "cobrada",
                "pagada",
                "status",
                "payment_status",
                "paid",
            ),
            PaidStatus,
        ),
        Column(
            "paid_on",
            "date",
            (
                "fecha_cobro",
                "fecha_de_cobro",
                "fecha_pago",
                "fecha_de_pago",
                "cobrada_el",
                "pagada_el",
                "payment_date",
                "paid_date",
                "paid_at",
            ),
        ),
    ),
    "payments": (
        Column("payment_id", "int", ("id_pago", "id_cobro")),
        Column(
            "invoice_number",
            synonyms=(
                "numero_factura",
                "n_factura",
                "no_factura",
                "num_factura",
                "factura",
                "invoice",
                "invoice_no",
                "numero",
                "number",
            ),
        ),
        Column("invoice_id", "int", ("id_factura", "factura_id")),
        Column("paid_on", "date", ("fecha_pago", "fecha_cobro", "fecha", "payment_date", "paid_at", "date")),
        Column(
            "amount",
            "money",
            ("importe", "importe_pagado", "importe_cobrado", "cantidad", "cobrado", "pagado", "total", "paid_amount"),
        ),
        Column(
            "method",
            "enum",
            ("metodo", "metodo_pago", "forma_pago", "forma_de_pago", "medio_pago", "payment_method"),
            PaymentMethod,
        ),
    ),
    "activities": (
        Column("activity_id", "int", ("id_actividad",)),
        *_CLIENT_REFS,
        *_CONTACT_REFS,
        Column("kind", "enum", ("tipo", "tipo_actividad", "type", "activity_type"), ActivityKind),
        Column("title", synonyms=("titulo", "asunto", "subject")),
        Column("description", synonyms=("descripcion", "detalle", "details")),
        Column("occurred_at", "datetime", ("fecha", "fecha_hora", "cuando", "date", "when", "fecha_actividad")),
        Column("duration_min", "int", ("duracion", "duracion_min", "minutos", "duration", "minutes")),
        Column("owner", synonyms=("responsable", "comercial", "usuario", "user")),
        Column("done", "bool", ("hecho", "hecha", "realizada", "realizado", "completada", "completed")),
        Column("outcome", synonyms=("resultado", "result")),
        Column("follow_up_on", "date", ("seguimiento", "fecha_seguimiento", "proximo_paso", "follow_up")),
    ),
    "opportunities": (
        Column("opportunity_id", "int", ("id_oportunidad",)),
        *_CLIENT_REFS,
        *_CONTACT_REFS,
        Column("name", synonyms=("nombre", "oportunidad", "titulo", "title", "opportunity")),
        Column("description", synonyms=("descripcion", "detalle")),
        Column("amount", "money", ("importe", "valor", "importe_estimado", "value")),
        Column("stage", "enum", ("etapa", "fase", "estado"), Stage),
        Column("probability", "int", ("probabilidad", "prob")),
        Column(
            "expected_close",
            "date",
            ("cierre_previsto", "fecha_cierre_prevista", "fecha_prevista", "expected_close_date", "close_date"),
        ),
        Column("closed_at", "date", ("fecha_cierre", "cerrada", "cierre", "closed_on")),
        Column("won_amount", "money", ("importe_ganado", "importe_cerrado", "won")),
        Column("lost_reason", synonyms=("motivo_perdida", "motivo", "razon_perdida", "reason_lost")),
        Column("owner", synonyms=("responsable", "comercial")),
        Column("notes", synonyms=("notas", "observaciones")),
        Column("created_at", "datetime", ("fecha_alta", "creada", "fecha_creacion", "created")),
        Column("version", "int"),
    ),
}

# Each inner tuple: at least one of these fields must have a column.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "clients": (("company_name",), ("email",)),
    "contacts": (("client_tax_id", "client_email", "client_id"), ("full_name",)),
    "invoices": (("client_tax_id", "client_email", "client_id"), ("number",), ("issue_date",), ("total",)),
    "payments": (("invoice_number", "invoice_id"), ("paid_on",), ("amount",)),
    "activities": (("client_tax_id", "client_email", "client_id"), ("kind",), ("title",), ("occurred_at",)),
    "opportunities": (("client_tax_id", "client_email", "client_id"), ("name",), ("amount",)),
}

IGNORE = "-"  # explicit mapping target: leave this file column out
REASON_COLUMN = "reason"  # added to the rejected-rows file; left out when that file comes back


def header_key(header: str) -> str:
    """`Fecha emisión` -> `fecha_emision`: lower case, no accents, runs of other marks as `_`."""
    return re.sub(r"[^a-z0-9]+", "_", fold(header)).strip("_")


def _lookup(kind: str) -> dict[str, str]:
    """Header key -> field: names and synonyms first, then each field's label in every UI language
    (what `export --lang` writes), where no synonym already took it."""
    table: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for word in (column.name, *column.synonyms):
            table.setdefault(header_key(word), column.name)
    for column in COLUMNS[kind]:
        for label in MESSAGES.get(f"field.{column.name}", ()):
            if header_key(label) not in _LEFT_OUT_KEYS[kind]:
                table.setdefault(header_key(label), column.name)
    return table


# Columns that billing and spreadsheet exports often hold but the CRM does not keep: recognised,
# left out without an error, and listed as left out in the report.
LEFT_OUT: dict[str, tuple[str, ...]] = {
    "clients": ("id", "codigo_postal", "cp", "postal_code", "zip", "zip_code", "provincia", "province", "pais", "country", "fax"),
    "contacts": ("id",),
    "invoices": (
        "id",
        "base_imponible",
        "base",
        "subtotal",
        "tax_base",
        "iva",
        "cuota_iva",
        "tipo_iva",
        "vat_amount",
        "irpf",
        "retencion",
        "concepto",
        "cliente",
        "nombre_cliente",
        "razon_social",
        "client_name",
        "customer",
        "moneda",
        "divisa",
        "currency",
        "forma_pago",
        "serie",
    ),
    "payments": (
        "id",
        "cliente",
        "nombre_cliente",
        "cif",
        "nif",
        "cif_cliente",
        "nif_cliente",
        "client_name",
        "concepto",
        "referencia",
        "reference",
        "moneda",
        "divisa",
        "currency",
    ),
    "activities": ("id", "cliente", "nombre_cliente", "client_name", "contacto", "contact_name"),
    "opportunities": (
        "id",
        "cliente",
        "nombre_cliente",
        "client_name",
        "contacto",
        "contact_name",
        "moneda",
        "divisa",
        "currency",
    ),
}
_LEFT_OUT_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset({REASON_COLUMN, *(header_key(name) for name in names)}) for kind, names in LEFT_OUT.items()
}


_LOOKUPS: dict[str, dict[str, str]] = {kind: _lookup(kind) for kind in KINDS}


def is_left_out(kind: str, header: str) -> bool:
    """True for a column this kind recognises but does not import (e.g. `Base imponible` of an invoice)."""
    return header_key(header) in _LEFT_OUT_KEYS[kind]


def check_kind(kind: str) -> str:
    if kind not in COLUMNS:
        raise ImportFileError("unknown_kind", {"value": kind, "expected": list(KINDS)})
    return kind


def field_names(kind: str) -> list[str]:
    """The fields a file of `kind` may hold, in export order."""
    return [column.name for column in COLUMNS[check_kind(kind)]]


def column_of(kind: str, field: str) -> Column:
    for column in COLUMNS[check_kind(kind)]:
        if column.name == field:
            return column
    raise KeyError(field)


def suggest_mapping(kind: str, header: list[str]) -> dict[str, str | None]:
    """For each file header, the field its name matches (None when no synonym matches)."""
    table = _LOOKUPS[check_kind(kind)]
    return {name: table.get(header_key(name)) for name in header}


@dataclass(frozen=True)
class HeaderMatch:
    """Field of each file column (None: left out) and the mapping as shown to the user."""

    fields: list[str | None]
    mapping: dict[str, str | None]

    def column_label(self, header: list[str], field: str) -> str:
        """The file's own name for `field` (what the user sees), else the field name."""
        for name, mapped in zip(header, self.fields, strict=True):
            if mapped == field:
                return name
        return field


def match_header(
    kind: str,
    header: list[str],
    explicit: Mapping[str, str | None] | None = None,
    blank_columns: set[int] | None = None,
) -> HeaderMatch:
    """Match each file column to a field; ImportFileError names unknown, duplicate or missing columns.

    `explicit` maps a file header (as written, or in any case/accents) to a field name, or to
    None / '-' to leave that column out. `blank_columns` are columns without a value in any row:
    if unnamed they are dropped silently (spreadsheets add them after the last column).
    """
    check_kind(kind)
    known = {column.name for column in COLUMNS[kind]}
    overrides: dict[str, str | None] = {}
    for name, target in (explicit or {}).items():
        target = (target or "").strip() or None
        if target == IGNORE:
            target = None
        if target is not None and target not in known:
            raise ImportFileError(
                "mapping_target", {"column": name, "target": target, "file_kind": kind, "expected": sorted(known)}
            )
        overrides[header_key(name)] = target
    suggested = suggest_mapping(kind, header)
    fields: list[str | None] = []
    unknown: list[str] = []
    unnamed: list[int] = []
    for index, name in enumerate(header):
        key = header_key(name)
        if key in overrides:
            fields.append(overrides[key])
            continue
        if key in _LEFT_OUT_KEYS[kind]:
            fields.append(None)
            continue
        if not key:
            if blank_columns is not None and index in blank_columns:
                fields.append(None)
                continue
            unnamed.append(index + 1)
            fields.append(None)
            continue
        field = suggested[name]
        if field is None:
            unknown.append(name)
        fields.append(field)
    problems: list[Problem] = []
    if unknown:
        problems.append(
            Problem(
                "unknown_columns",
                {
                    "columns": unknown,
                    "count": len(unknown),
                    "file_kind": kind,
                    "fields": field_names(kind),
                },
            )
        )
    if unnamed:
        problems.append(Problem("unnamed_columns", {"positions": unnamed, "count": len(unnamed)}))
    seen: dict[str, str] = {}
    for name, field in zip(header, fields, strict=True):
        if field is None:
            continue
        if field in seen:
            problems.append(Problem("same_field", {"first": seen[field], "second": name, "field": field}))
        seen[field] = name
    for group in REQUIRED[kind]:
        if not any(field in seen for field in group):
            problems.append(Problem("missing_column", {"any_of": list(group)}))
    if problems:
        raise ImportFileError(problems)
    mapping = dict(zip(header, fields, strict=True))
    return HeaderMatch(fields=fields, mapping=mapping)
