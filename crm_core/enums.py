"""Closed vocabularies of the domain, stored as their English string values."""

from __future__ import annotations

from enum import StrEnum


class ClientStatus(StrEnum):
    """Lifecycle status of a client (as set by a person; analytics compute their own)."""

    PROSPECT = "prospect"
    ACTIVE = "active"
    DORMANT = "dormant"
    LOST = "lost"
    VIP = "vip"


class CompanySize(StrEnum):
    SELF_EMPLOYED = "self_employed"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    VIDEO_CALL = "video_call"
    TASK = "task"
    NOTE = "note"
    PROPOSAL = "proposal"
    INVOICE = "invoice"
    PAYMENT = "payment"


class Stage(StrEnum):
    """Sales pipeline stage, in funnel order; won and lost are closed."""

    IDENTIFIED = "identified"
    CONTACTED = "contacted"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"

    @property
    def is_closed(self) -> bool:
        return self in (Stage.WON, Stage.LOST)


class PaidStatus(StrEnum):
    """An imported invoice's payment status as billing exports write it (`Estado`: Cobrada / Pendiente)."""

    PAID = "paid"
    UNPAID = "unpaid"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class PaymentMethod(StrEnum):
    TRANSFER = "transfer"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    CASH = "cash"
    OTHER = "other"


# Display orders: every page, chart, export and figure lists these vocabularies in this order.
RISK_LEVELS: tuple[str, ...] = tuple(level.value for level in RiskLevel)  # least to most severe
RISK_RANK: dict[str, int] = {level: rank for rank, level in enumerate(RISK_LEVELS)}
LIFECYCLES: tuple[str, ...] = tuple(status.value for status in ClientStatus)
AGING_BUCKETS: tuple[str, ...] = ("aging_not_due", "aging_1_30", "aging_31_60", "aging_61_90", "aging_90_plus")

OPEN_STAGES: tuple[Stage, ...] = (
    Stage.IDENTIFIED,
    Stage.CONTACTED,
    Stage.PROPOSAL,
    Stage.NEGOTIATION,
)
OPEN_STAGE_VALUES: tuple[str, ...] = tuple(s.value for s in OPEN_STAGES)  # the stored text of each open stage

# Until stage history teaches better (docs/design.md §2.3).
DEFAULT_STAGE_PROBABILITY: dict[Stage, int] = {
    Stage.IDENTIFIED: 10,
    Stage.CONTACTED: 20,
    Stage.PROPOSAL: 40,
    Stage.NEGOTIATION: 70,
    Stage.WON: 100,
    Stage.LOST: 0,
}

# Comunidades y ciudades autónomas, as a client's region.
REGIONS: tuple[str, ...] = (
    "Andalucía",
    "Aragón",
    "Asturias",
    "Illes Balears",
    "Canarias",
    "Cantabria",
    "Castilla y León",
    "Castilla-La Mancha",
    "Cataluña",
    "Comunitat Valenciana",
    "Extremadura",
    "Galicia",
    "Comunidad de Madrid",
    "Región de Murcia",
    "Comunidad Foral de Navarra",
    "País Vasco",
    "La Rioja",
    "Ceuta",
    "Melilla",
)
