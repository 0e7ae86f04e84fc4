"""Client list and client detail views: the health-joined table, its filters, a client's invoices.

Pure functions over frames and the `client_health` frame; no database, no streamlit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from crm_core.analytics.advice import Recommendation, recommendations
from crm_core.analytics.days import end_of_day
from crm_core.analytics.payments import invoice_status
from crm_core.analytics.pipeline import open_stage_as_of, probability_as_of, stage_as_of
from crm_core.enums import (
    RISK_LEVELS,
    RISK_RANK,
    ClientStatus,
)
from crm_core.store.frames import Frames

TABLE_COLUMNS: list[str] = [
    "client_id", "company_name", "tax_id", "email", "lifecycle", "segment", "industry", "region",
    "owner", "default_risk", "churn_score", "ltv", "revenue_12m", "outstanding", "overdue",
    "expected_revenue_90d", "days_since_last_activity",
]
# The orderings the table offers (never a free column name from outside).
SORT_COLUMNS: tuple[str, ...] = (
    "company_name", "churn_score", "default_risk", "ltv", "revenue_12m", "outstanding", "overdue",
    "expected_revenue_90d", "days_since_last_activity", "lifecycle", "region", "owner",
)
RISK_OPTIONS: tuple[str, ...] = RISK_LEVELS
LIFECYCLE_OPTIONS: tuple[str, ...] = tuple(s.value for s in ClientStatus)
FILTER_FIELDS: tuple[str, ...] = ("segment", "industry", "region", "owner")

# The client_health figures shown on a client's health card, in sections, with how to format each.
HEALTH_CARD: dict[str, list[tuple[str, str]]] = {
    "revenue": [
        ("ltv", "money"), ("revenue_12m", "money"), ("collected", "money"),
        ("avg_invoice_amount", "money"), ("months_as_client", "number"),
    ],
    "payments": [
        ("outstanding", "money"), ("overdue", "money"), ("aging_1_30", "money"),
        ("aging_31_60", "money"), ("aging_61_90", "money"), ("aging_90_plus", "money"),
        ("avg_days_to_pay", "days"), ("avg_days_late", "days"), ("on_time_rate", "share"),
        ("dso", "days"), ("oldest_unpaid_issue_date", "date"),
    ],
    "engagement": [
        ("cadence_days", "days"), ("next_invoice_expected", "date"),
        ("days_since_last_invoice", "days"), ("days_since_last_activity", "days"),
        ("activities_30d", "number"), ("open_opportunities", "number"),
    ],
    "risk": [
        ("lifecycle", "lifecycle"), ("default_risk", "risk"), ("churn_score", "score"),
        ("churn_recency", "score"), ("churn_engagement", "score"), ("churn_payment", "score"),
        ("churn_trend", "score"), ("churn_driver", "driver"), ("churn_reason", "reason"),
    ],
    "forecast": [
        ("recurring_30d", "money"), ("pipeline_30d", "money"), ("expected_revenue_30d", "money"),
        ("recurring_90d", "money"), ("pipeline_90d", "money"), ("expected_revenue_90d", "money"),
        ("expected_cash_30d", "money"), ("expected_cash_90d", "money"),
    ],
}


@dataclass(frozen=True)
class ClientFilters:
    """What the user narrowed the client list to; empty tuples and None mean "any"."""

    search: str = ""
    lifecycle: tuple[str, ...] = ()
    default_risk: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    min_churn: float | None = None

    @classmethod
    def from_inputs(
        cls, search: str, lifecycle: Iterable[str], default_risk: Iterable[str], min_churn: float,
        profile: Mapping[str, Iterable[str]],
    ) -> ClientFilters:
        """The filters from the page's widgets: a churn floor of 0 means none; `profile` holds FILTER_FIELDS."""
        return cls(
            search=search, lifecycle=tuple(lifecycle), default_risk=tuple(default_risk),
            min_churn=float(min_churn) if min_churn > 0 else None,
            **{name: tuple(profile.get(name, ())) for name in FILTER_FIELDS},
        )


def by_client(health: pd.DataFrame) -> pd.DataFrame:
    """`client_health` indexed by client_id, whether it came with it as a column or as the index."""
    if "client_id" in health.columns:
        return health.set_index("client_id")
    return health.rename_axis("client_id")


def client_table(frames: Frames, health: pd.DataFrame) -> pd.DataFrame:
    """One row per client: profile fields joined with its health figures (TABLE_COLUMNS)."""
    profile = frames.clients.set_index("client_id")[
        ["company_name", "tax_id", "email", "segment", "industry", "region", "owner"]
    ]
    figures = by_client(health)
    wanted = [c for c in TABLE_COLUMNS if c in figures.columns and c not in profile.columns]
    table = profile.join(figures[wanted], how="left")
    return table.reset_index().reindex(columns=TABLE_COLUMNS)


def filter_options(frames: Frames) -> dict[str, list[str]]:
    """The distinct values of each filterable profile field, sorted, blanks left out."""
    clients = frames.clients
    return {
        name: sorted(str(v) for v in pd.unique(clients[name].dropna()) if str(v).strip())
        for name in FILTER_FIELDS
    }


def filter_clients(table: pd.DataFrame, filters: ClientFilters, also_found: Collection[int] = ()) -> pd.DataFrame:
    """The rows of `client_table` matching every filter; search is case-insensitive over name, email, tax id.

    `also_found`: client ids the search text found elsewhere (contacts, phones, invoice numbers:
    `views.search.clients_matching`), kept by the search too.
    """
    keep = pd.Series(True, index=table.index)
    needle = filters.search.strip().casefold()
    if needle:
        compact = needle.replace("-", "").replace(" ", "").upper()
        keep &= (
            table["company_name"].fillna("").str.casefold().str.contains(needle, regex=False)
            | table["email"].fillna("").str.casefold().str.contains(needle, regex=False)
            | table["tax_id"].fillna("").str.contains(compact, regex=False)
            | table["client_id"].isin(list(also_found))
        )
    for name in ("lifecycle", "default_risk", *FILTER_FIELDS):
        chosen = getattr(filters, name)
        if chosen:
            keep &= table[name].isin(list(chosen))
    if filters.min_churn is not None:
        keep &= table["churn_score"] >= filters.min_churn
    return table.loc[keep]


def sort_clients(table: pd.DataFrame, by: str, descending: bool = False) -> pd.DataFrame:
    """`table` ordered by one of SORT_COLUMNS (risk by severity), ties by company name."""
    if by not in SORT_COLUMNS:
        raise ValueError(f"unknown sort column {by!r}; expected one of {', '.join(SORT_COLUMNS)}")
    if by == "company_name":
        return table.sort_values("company_name", ascending=not descending, key=lambda s: s.str.casefold(), na_position="last")
    key = table[by].map(RISK_RANK) if by == "default_risk" else table[by]
    order = pd.DataFrame({"key": key, "name": table["company_name"].fillna("").str.casefold()}, index=table.index)
    order = order.sort_values(["key", "name"], ascending=[not descending, True], na_position="last")
    return table.loc[order.index]


def client_invoices(frames: Frames, client_id: int, as_of: date) -> pd.DataFrame:
    """One client's invoices issued by `as_of` with their payment position, newest first."""
    invoices = frames.invoices.loc[frames.invoices["client_id"] == client_id]
    payments = frames.payments.loc[frames.payments["invoice_id"].isin(invoices["invoice_id"])]
    status = invoice_status(invoices, payments, as_of)
    return status.sort_values(["issue_date", "invoice_id"], ascending=False).reset_index(drop=True)


def client_opportunities(frames: Frames, client_id: int, as_of: date) -> pd.DataFrame:
    """One client's opportunities as they stood on `as_of`, open ones first, then by expected close date.

    Only deals created by `as_of`; a deal closed after it is shown open, in its stage and probability of
    that day (`stage_as_of`, `probability_as_of`) and without its later close fields.
    """
    mine = frames.opportunities.loc[frames.opportunities["client_id"] == client_id]
    next_day = end_of_day(as_of)
    opps = mine.loc[(mine["created_at"] < next_day).to_numpy()].copy()
    is_open = ~(opps["closed_at"] < next_day).to_numpy()  # NaT compares False: open
    later = is_open & opps["closed_at"].notna().to_numpy()
    stage = stage_as_of(opps, frames.stage_history, as_of).astype("object")
    stage[later] = open_stage_as_of(opps.loc[later], frames.stage_history, as_of)
    opps["probability"] = probability_as_of(opps, frames.stage_history, as_of)
    opps["stage"] = stage
    opps.loc[later, ["closed_at", "won_amount", "lost_reason"]] = None
    opps["is_open"] = is_open
    opps = opps.sort_values(["is_open", "expected_close"], ascending=[False, True], na_position="last")
    return opps.drop(columns="is_open").reset_index(drop=True)


def health_row(health: pd.DataFrame, client_id: int) -> pd.Series | None:
    """The health figures of one client, or None when it has none (e.g. just created)."""
    figures = by_client(health)
    if client_id not in figures.index:
        return None
    return figures.loc[client_id]


def client_advice(figures: pd.Series | None) -> list[Recommendation]:
    """The recommendations for one client from its health row (`health_row`; none when it has no figures yet)."""
    return [] if figures is None else recommendations(figures)


def client_names(frames: Frames) -> pd.Series:
    """Company name by client_id, in alphabetical order (the options of a client picker)."""
    names = frames.clients.set_index("client_id")["company_name"]
    return names.iloc[names.str.casefold().argsort(kind="stable")]


def contacts_of(frames: Frames, client_id: int) -> pd.DataFrame:
    """One client's contacts, the primary one first, then by name."""
    contacts = frames.contacts.loc[frames.contacts["client_id"] == client_id]
    return contacts.sort_values(["is_primary", "full_name"], ascending=[False, True]).reset_index(drop=True)


def picker_ids(matches: pd.DataFrame, page: pd.DataFrame, current: int | None, cap: int) -> list[int]:
    """The clients a "open a client" picker offers: every match while there are at most `cap`,
    else the clients of the page shown (the search box narrows the matches); the open one always."""
    source = matches if len(matches) <= cap else page
    ids = [int(i) for i in source["client_id"]]
    if current is not None and current not in ids:
        ids.insert(0, int(current))
    return ids
