"""Client list and client detail views: the health-joined table, its filters, a client's invoices.

Pure functions over frames and the `client_health` frame; no database, no streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date

import numpy as np
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
from crm_core.errors import ValidationError
from crm_core.schemas import text_problem
from crm_core.store.frames import Frames

TABLE_COLUMNS: list[str] = [
    "client_id",
    "company_name",
    "tax_id",
    "email",
    "lifecycle",
    "segment",
    "industry",
    "region",
    "owner",
    "default_risk",
    "churn_score",
    "ltv",
    "predicted_value_12m",
    "revenue_12m",
    "outstanding",
    "overdue",
    "expected_revenue_90d",
    "days_since_last_activity",
    "status",
    "last_invoice_date",
]
# The orderings the table offers (never a free column name from outside).
SORT_COLUMNS: tuple[str, ...] = (
    "company_name",
    "churn_score",
    "default_risk",
    "ltv",
    "predicted_value_12m",
    "revenue_12m",
    "outstanding",
    "overdue",
    "expected_revenue_90d",
    "days_since_last_activity",
    "lifecycle",
    "region",
    "owner",
)
RISK_OPTIONS: tuple[str, ...] = RISK_LEVELS
LIFECYCLE_OPTIONS: tuple[str, ...] = tuple(s.value for s in ClientStatus)
FILTER_FIELDS: tuple[str, ...] = ("segment", "industry", "region", "owner")
STATUS_OPTIONS: tuple[str, ...] = tuple(s.value for s in ClientStatus)
MAX_PAGE_SIZE = 1000  # the Clients page picker lists up to 1,000 matches
MAX_OFFSET = 2**62  # any offset past the last row gives an empty page; this one still fits 64 bits
MAX_SEARCH = 200  # a longer search text is refused (no name, email or tax id is that long)

# The client_health figures shown on a client's health card, in sections, with how to format each.
HEALTH_CARD: dict[str, list[tuple[str, str]]] = {
    "revenue": [
        ("ltv", "money"),
        ("predicted_value_12m", "money"),
        ("revenue_12m", "money"),
        ("collected", "money"),
        ("avg_invoice_amount", "money"),
        ("months_as_client", "number"),
    ],
    "payments": [
        ("outstanding", "money"),
        ("overdue", "money"),
        ("aging_1_30", "money"),
        ("aging_31_60", "money"),
        ("aging_61_90", "money"),
        ("aging_90_plus", "money"),
        ("avg_days_to_pay", "days"),
        ("avg_days_late", "days"),
        ("on_time_rate", "share"),
        ("dso", "days"),
        ("oldest_unpaid_issue_date", "date"),
    ],
    "engagement": [
        ("cadence_days", "days"),
        ("next_invoice_expected", "date"),
        ("days_since_last_invoice", "days"),
        ("days_since_last_activity", "days"),
        ("activities_30d", "number"),
        ("open_opportunities", "number"),
    ],
    "risk": [
        ("lifecycle", "lifecycle"),
        ("default_risk", "risk"),
        ("churn_score", "score"),
        ("churn_recency", "score"),
        ("churn_engagement", "score"),
        ("churn_payment", "score"),
        ("churn_trend", "score"),
        ("churn_driver", "driver"),
        ("churn_reason", "reason"),
    ],
    "forecast": [
        ("recurring_30d", "money"),
        ("pipeline_30d", "money"),
        ("expected_revenue_30d", "money"),
        ("recurring_90d", "money"),
        ("pipeline_90d", "money"),
        ("expected_revenue_90d", "money"),
        ("expected_cash_30d", "money"),
        ("expected_cash_90d", "money"),
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
    status: tuple[str, ...] = ()  # the status a person set (lifecycle is the computed one)

    @classmethod
    def from_inputs(
        cls,
        search: str,
        lifecycle: Iterable[str],
        default_risk: Iterable[str],
        min_churn: float,
        profile: Mapping[str, Iterable[str]],
    ) -> ClientFilters:
        """The filters from the page's widgets: a churn floor of 0 means none; `profile` holds FILTER_FIELDS."""
        return cls(
            search=search,
            lifecycle=tuple(lifecycle),
            default_risk=tuple(default_risk),
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
        ["company_name", "tax_id", "email", "segment", "industry", "region", "owner", "status"]
    ]
    figures = by_client(health)
    wanted = [c for c in TABLE_COLUMNS if c in figures.columns and c not in profile.columns]
    table = profile.join(figures[wanted], how="left").reset_index()
    return table.reindex(columns=TABLE_COLUMNS)


def filter_options(frames: Frames) -> dict[str, list[str]]:
    """The distinct values of each filterable profile field, sorted, blanks left out."""
    clients = frames.clients
    return {name: sorted(str(v) for v in pd.unique(clients[name].dropna()) if str(v).strip()) for name in FILTER_FIELDS}


SEARCH_SEPARATOR = "\x1f"  # between a client's name and email in the search text (never typed)


@dataclass(frozen=True)
class ClientList:
    """`client_table` with what filtering and sorting it needs, built once per table version (`client_list`).

    A rerun that changes a filter, the order or the page then scans two prepared text columns and sorts
    integer ranks, instead of case-folding and comparing 100,000 names again.
    """

    table: pd.DataFrame  # client_table, index 0..n-1
    text: pd.Series  # per row, case-folded "company_name<SEARCH_SEPARATOR>email" (Arrow-backed strings)
    tax_ids: pd.Series  # per row, the tax id ("" when none)
    name_rank: np.ndarray  # per row, its name's place in case-insensitive order (equal names share it; blank first)
    name_missing: np.ndarray  # per row, whether it has no name at all (sorted last by name either way)

    def matching(self, filters: ClientFilters, also_found: Collection[int] = ()) -> np.ndarray:
        """Positions (rows of `table`) matching every filter; search is case-insensitive over name, email, tax id.

        `also_found`: client ids the search text found elsewhere (contact names, phones, invoice numbers:
        `views.search.clients_matching`), kept by the search too.
        """
        table = self.table
        keep = np.ones(len(table), dtype=bool)
        needle = filters.search.strip().casefold()
        if needle:
            compact = needle.replace("-", "").replace(" ", "").upper()
            hits = self.tax_ids.str.contains(compact, regex=False).to_numpy(dtype=bool)
            if SEARCH_SEPARATOR not in needle:
                hits = hits | self.text.str.contains(needle, regex=False).to_numpy(dtype=bool)
            if len(also_found):
                hits = hits | table["client_id"].isin(list(also_found)).to_numpy(dtype=bool)
            keep &= hits
        for name in ("lifecycle", "default_risk", "status", *FILTER_FIELDS):
            chosen = getattr(filters, name)
            if chosen:
                keep &= table[name].isin(list(chosen)).to_numpy(dtype=bool)
        if filters.min_churn is not None:
            keep &= (table["churn_score"] >= filters.min_churn).to_numpy(dtype=bool)
        return np.flatnonzero(keep)

    def ordered(self, positions: np.ndarray, by: str, descending: bool = False) -> np.ndarray:
        """`positions` ordered by one of SORT_COLUMNS (risk by severity), ties by company name; blanks last."""
        if not isinstance(by, str) or by not in SORT_COLUMNS:
            raise ValidationError.on(
                "sort", "unknown_sort", value=by if isinstance(by, str) else repr(by), expected=list(SORT_COLUMNS)
            )
        rank = self.name_rank[positions]
        if by == "company_name":
            keys: tuple[np.ndarray, ...] = (positions, -rank if descending else rank, self.name_missing[positions])
        else:
            column = self.table[by].iloc[positions]
            if by == "default_risk":
                column = column.map(RISK_RANK)
            missing = column.isna().to_numpy()
            if pd.api.types.is_numeric_dtype(column):
                key = column.to_numpy(dtype="float64", na_value=0.0)
            else:
                key = pd.factorize(column.astype("object"), sort=True)[0].astype("float64")
            keys = (positions, rank, -key if descending else key, missing)
        return positions[np.lexsort(keys)]

    def query(self, filters: ClientFilters, by: str, descending: bool = False, also_found: Collection[int] = ()) -> np.ndarray:
        """The positions of the matching rows in display order (`also_found`: see `matching`)."""
        return self.ordered(self.matching(filters, also_found), by, descending)


def client_list(table: pd.DataFrame) -> ClientList:
    """Prepare `client_table` for filtering and sorting (see ClientList): once per table version."""
    table = table.reset_index(drop=True)
    names = table["company_name"]
    folded_names = names.fillna("").astype("object").str.casefold()
    folded_emails = table["email"].fillna("").astype("object").str.casefold()
    text = (folded_names + SEARCH_SEPARATOR + folded_emails).astype("str")
    rank = pd.factorize(folded_names, sort=True)[0].astype("int64")
    return ClientList(
        table=table,
        text=text,
        tax_ids=table["tax_id"].fillna("").astype("str"),
        name_rank=rank,
        name_missing=names.isna().to_numpy(),
    )


def filter_clients(table: pd.DataFrame, filters: ClientFilters, also_found: Collection[int] = ()) -> pd.DataFrame:
    """The rows of `client_table` matching every filter; search is case-insensitive over name, email, tax id."""
    return table.iloc[client_list(table).matching(filters, also_found)]


def sort_clients(table: pd.DataFrame, by: str, descending: bool = False) -> pd.DataFrame:
    """`table` ordered by one of SORT_COLUMNS (risk by severity), ties by company name."""
    return table.iloc[client_list(table).ordered(np.arange(len(table)), by, descending)]


@dataclass(frozen=True)
class ClientListPage:
    """One page of the client list: its rows (TABLE_COLUMNS), how many matched, where it starts."""

    rows: pd.DataFrame
    total: int
    offset: int
    limit: int


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def check_filters(filters: ClientFilters) -> None:
    """ValidationError naming the filter that is not text, not a known value, or not storable text."""
    if not isinstance(filters.search, str):
        raise ValidationError.on("search", "text", type=type(filters.search).__name__)
    if len(filters.search) > MAX_SEARCH:
        raise ValidationError.on("search", "too_long", max_length=MAX_SEARCH)
    known = {"lifecycle": LIFECYCLE_OPTIONS, "default_risk": RISK_OPTIONS, "status": STATUS_OPTIONS}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if f.name == "min_churn":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value)):
                raise ValidationError.on("min_churn", "number", value=repr(value))
            continue
        values = (value,) if f.name == "search" else value
        if not isinstance(values, tuple):
            raise ValidationError.on(f.name, "text", type=type(value).__name__)
        for item in values:
            if not isinstance(item, str):
                raise ValidationError.on(f.name, "text", type=type(item).__name__)
            problem = text_problem(item)
            if problem is not None:
                raise ValidationError.on(f.name, problem)
            if f.name in known and item not in known[f.name]:
                raise ValidationError.on(f.name, "unknown_value", value=item, one_of=list(known[f.name]))


def _prepared(table: pd.DataFrame | ClientList) -> ClientList:
    return table if isinstance(table, ClientList) else client_list(table)


def count_clients(table: pd.DataFrame | ClientList, filters: ClientFilters | None = None) -> int:
    """How many rows of `client_table` match `filters` (checked as `list_clients` checks them)."""
    filters = filters or ClientFilters()
    check_filters(filters)
    return len(_prepared(table).matching(filters))


def list_clients(
    table: pd.DataFrame | ClientList,
    filters: ClientFilters | None = None,
    *,
    sort: str = "company_name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> ClientListPage:
    """One page of the client list (`ClientList.query`, which the Clients page pages through too), input checked.

    `table` is `client_table` or, better, its `client_list` built once per table version. Bad input
    raises ValidationError naming it: a sort key outside SORT_COLUMNS, an offset or limit out of
    bounds, a filter that is not text, not a known value, or holds a NUL / lone surrogate.
    """
    filters = filters or ClientFilters()
    if not isinstance(sort, str) or sort not in SORT_COLUMNS:
        raise ValidationError.on(
            "sort", "unknown_sort", value=sort if isinstance(sort, str) else repr(sort), expected=list(SORT_COLUMNS)
        )
    if not isinstance(descending, bool):
        raise ValidationError.on("descending", "yes_no", value=repr(descending))
    if not _whole(offset) or not 0 <= offset <= MAX_OFFSET:
        raise ValidationError.on("offset", "page_range", first=0, last=MAX_OFFSET)
    if not _whole(limit) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationError.on("limit", "between", first=1, last=MAX_PAGE_SIZE)
    check_filters(filters)
    listing = _prepared(table)
    positions = listing.query(filters, sort, descending)
    page = positions[int(offset) : int(offset) + int(limit)]
    return ClientListPage(rows=listing.table.iloc[page], total=len(positions), offset=int(offset), limit=int(limit))


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


def client_advice(figures: pd.Series | None, claim: pd.Series | None = None) -> list[Recommendation]:
    """The recommendations for one client from its health row (`health_row`; none when it has no figures yet).

    `claim` (its row of `receivables.client_claims`) adds the `cobro` action with the claimable amount.
    """
    return [] if figures is None else recommendations(figures, claim=claim)


def client_names(frames: Frames) -> pd.Series:
    """Company name by client_id, in alphabetical order (the options of a client picker)."""
    names = frames.clients.set_index("client_id")["company_name"]
    return names.iloc[names.str.casefold().argsort(kind="stable")]


def contacts_of(frames: Frames, client_id: int) -> pd.DataFrame:
    """One client's contacts, the primary one first, then by name."""
    contacts = frames.contacts.loc[frames.contacts["client_id"] == client_id]
    return contacts.sort_values(["is_primary", "full_name"], ascending=[False, True]).reset_index(drop=True)


def picker_ids(matches: Sequence[int], page: Sequence[int], current: int | None, cap: int) -> list[int]:
    """The clients (ids) a "open a client" picker offers: every match while there are at most `cap`,
    else the clients of the page shown (the search box narrows the matches); the open one always."""
    source = matches if len(matches) <= cap else page
    ids = [int(i) for i in source]
    if current is not None and current not in ids:
        ids.insert(0, int(current))
    return ids
