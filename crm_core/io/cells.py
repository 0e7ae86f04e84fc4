"""Cell values as people type them in spreadsheets: decimal comma or point, Spanish dates, sí/no."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

from crm_core.enums import ActivityKind, ClientStatus, CompanySize, PaidStatus, PaymentMethod, Stage
from crm_core.io.csv_safety import looks_like_formula

DecimalMark = Literal[",", "."]

# A number with the decimal mark named by the key; the other mark may group thousands by 3.
_NUMBER_RE: dict[str, re.Pattern[str]] = {
    ",": re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$", re.ASCII),
    ".": re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$", re.ASCII),
}
_CURRENCY = ("€", "EUR", "eur", "\u00a0", "\u202f", " ")

_DAY_FIRST_RE = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?$",
    re.ASCII,  # ASCII digits only: '١٢/٠١/٢٠٢٤' is not read as a date
)
_YEAR_FIRST_RE = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$", re.ASCII)
_ISO_START_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]", re.ASCII)

_TRUE = {"1", "true", "t", "yes", "y", "si", "s", "x", "verdadero", "v"}
_FALSE = {"0", "false", "f", "no", "n", "falso"}


def fold(text: str) -> str:
    """Lower-case text without accents, for matching headers and words people type."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def restore_cell(text: str) -> str:
    """Undo the quote that `neutralise_cell` put before a formula-like value on export.

    The value is then stored as the text it was (never evaluated) and neutralised again on export.
    """
    if len(text) > 1 and text[0] == "'" and looks_like_formula(text[1:]):
        return text[1:]
    return text


def _strip_money(text: str) -> str:
    value = text.strip()
    for mark in _CURRENCY:
        value = value.replace(mark, "")
    if value.startswith("(") and value.endswith(")"):  # accounting style negative
        value = "-" + value[1:-1]
    if value.startswith("+"):
        value = value[1:]
    return value


def number_text(text: str, mark: DecimalMark) -> str | None:
    """`text` as a plain `1234.56` string, reading `mark` as the decimal mark; None if not a number."""
    value = _strip_money(text)
    if not _NUMBER_RE[mark].match(value):
        return None
    if mark == ",":
        return value.replace(".", "").replace(",", ".")
    return value.replace(",", "")


def sniff_decimal_mark(values: Iterable[str], separator: str) -> DecimalMark:
    """The decimal mark the money cells use; ambiguous cells (`1.234`, `12`) follow the separator."""
    comma = point = 0
    for raw in values:
        value = _strip_money(raw)
        as_comma = bool(_NUMBER_RE[","].match(value))
        as_point = bool(_NUMBER_RE["."].match(value))
        if as_comma and not as_point:
            comma += 1
        elif as_point and not as_comma:
            point += 1
        elif as_comma and as_point and ("," in value or "." in value):
            # '1,234' / '1.234': a 3-digit tail is a thousands group, anything else a decimal part.
            tail = value.rsplit("," if "," in value else ".", 1)[1]
            if len(tail) != 3:
                if "," in value:
                    comma += 1
                else:
                    point += 1
    if comma != point:
        return "," if comma > point else "."
    return "," if separator == ";" else "."


def parse_when(text: str) -> datetime | None:
    """A date or date-time in `dd/mm/yyyy[ hh:mm[:ss]]` (or `dd/mm/yy`), `yyyy-mm-dd` or ISO 8601 form.

    None if the text is not one. Slash dates are always day first: `01/13/2024` is not a date,
    never silently 13 January. The result is naive unless the text carries an offset.
    """
    value = text.strip()
    try:
        m = _DAY_FIRST_RE.match(value)
        if m:
            day, month, year, hh, mm, ss, frac = m.groups()
            if len(year) == 2:  # spreadsheets' short years: 00-69 -> 2000s, 70-99 -> 1900s
                year = ("20" if int(year) < 70 else "19") + year
            micro = int((frac or "0").ljust(6, "0")) if frac else 0
            return datetime(int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0), micro)
        m = _YEAR_FIRST_RE.match(value)
        if m:
            return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if _ISO_START_RE.match(value):
            return datetime.fromisoformat(value.replace(",", "."))
    except ValueError:
        return None
    return None


def parse_bool(text: str) -> bool | None:
    """sí/no, yes/no, true/false, 1/0, x; None if the word is none of them."""
    word = fold(text)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


# Spanish words (as the UI shows them) and common spellings for each stored value.
_VALUE_WORDS: dict[type[StrEnum], dict[str, tuple[str, ...]]] = {
    ClientStatus: {
        "prospect": ("prospecto", "potencial", "lead"),
        "active": ("activo", "activa"),
        "dormant": ("inactivo", "inactiva", "dormido", "dormida", "durmiente"),
        "lost": ("perdido", "perdida", "baja"),
        "vip": ("vip",),
    },
    CompanySize: {
        "self_employed": ("autonomo", "autonoma", "self employed", "freelance"),
        "small": ("pequena", "pequeno", "pyme"),
        "medium": ("mediana", "mediano"),
        "large": ("grande",),
    },
    ActivityKind: {
        "call": ("llamada", "telefono"),
        "email": ("correo", "e-mail", "mail"),
        "meeting": ("reunion", "visita"),
        "video_call": ("videollamada", "video call", "videoconferencia"),
        "task": ("tarea",),
        "note": ("nota",),
        "proposal": ("propuesta", "presupuesto"),
        "invoice": ("factura",),
        "payment": ("pago", "cobro"),
    },
    Stage: {
        "identified": ("identificado", "identificada"),
        "contacted": ("contactado", "contactada"),
        "proposal": ("propuesta",),
        "negotiation": ("negociacion",),
        "won": ("ganado", "ganada"),
        "lost": ("perdido", "perdida"),
    },
    PaidStatus: {
        "paid": ("cobrada", "cobrado", "pagada", "pagado", "liquidada", "saldada", "abonada", "si", "yes", "true"),
        "unpaid": (
            "pendiente",
            "pendiente de cobro",
            "pending",
            "no cobrada",
            "impagada",
            "impagado",
            "vencida",
            "emitida",
            "open",
            "outstanding",
            "due",
            "overdue",
            "no",
            "false",
        ),
    },
    PaymentMethod: {
        "transfer": ("transferencia", "transferencia bancaria", "bank transfer"),
        "direct_debit": ("domiciliacion", "recibo", "recibo domiciliado", "direct debit", "sepa"),
        "card": ("tarjeta", "tarjeta de credito"),
        "cash": ("efectivo", "metalico"),
        "other": ("otro", "otros", "bizum", "paypal"),
    },
}
_VALUE_LOOKUP: dict[type[StrEnum], dict[str, str]] = {
    enum: {fold(word): value for value, words in table.items() for word in (value, *words)}
    for enum, table in _VALUE_WORDS.items()
}


def enum_value(enum: type[StrEnum], text: str) -> str:
    """The stored value for `text` (English value or Spanish word); unknown text is returned as is."""
    return _VALUE_LOOKUP[enum].get(fold(text).replace("_", " "), _VALUE_LOOKUP[enum].get(fold(text), text.strip()))
