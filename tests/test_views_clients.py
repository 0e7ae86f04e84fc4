"""The health-joined client table: filters, search, sorting, paging; a client's invoices."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from crm_core.errors import ValidationError
from crm_core.views.clients import (
    HEALTH_CARD,
    MAX_PAGE_SIZE,
    ClientFilters,
    client_invoices,
    client_names,
    client_opportunities,
    client_table,
    contacts_of,
    count_clients,
    filter_clients,
    filter_options,
    health_row,
    list_clients,
    picker_ids,
    sort_clients,
)
from crm_core.views.paging import page_count, page_of
from tests.factories import client_list_table, make_client
from tests.frames_builder import frames

AS_OF = date(2026, 11, 25)


def _book():
    return frames(
        clients=[
            {
                "client_id": 1,
                "company_name": "acme SL",
                "email": "info@acme.es",
                "tax_id": "B12345674",
                "segment": "smb",
                "region": "Cataluña",
                "owner": "ana",
            },
            {
                "client_id": 2,
                "company_name": "Beta SA",
                "email": "hola@beta.es",
                "tax_id": "A58818501",
                "segment": "enterprise",
                "region": "Galicia",
                "owner": "bea",
            },
            {
                "client_id": 3,
                "company_name": "Gamma Coop",
                "email": "g@gamma.es",
                "tax_id": None,
                "segment": "smb",
                "region": None,
                "owner": "ana",
            },
        ],
        invoices=[
            {
                "invoice_id": 10,
                "client_id": 1,
                "number": "F-10",
                "issue_date": date(2026, 9, 1),
                "due_date": date(2026, 10, 1),
                "total": 1000.0,
            },
            {
                "invoice_id": 11,
                "client_id": 1,
                "number": "F-11",
                "issue_date": date(2026, 11, 1),
                "due_date": date(2026, 12, 1),
                "total": 500.0,
            },
            {
                "invoice_id": 12,
                "client_id": 2,
                "number": "F-12",
                "issue_date": date(2026, 11, 1),
                "due_date": date(2026, 12, 1),
                "total": 800.0,
            },
        ],
        payments=[{"payment_id": 1, "invoice_id": 10, "paid_on": date(2026, 10, 20), "amount": 400.0}],
    )


def _health() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": [1, 2, 3],
            "lifecycle": ["active", "vip", "prospect"],
            "default_risk": ["high", "low", "critical"],
            "churn_score": [72.0, 10.0, 55.0],
            "ltv": [1500.0, 800.0, 0.0],
            "revenue_12m": [1500.0, 800.0, 0.0],
            "outstanding": [1100.0, 800.0, 0.0],
            "overdue": [600.0, 0.0, 0.0],
            "expected_revenue_90d": [300.0, 900.0, 0.0],
            "days_since_last_activity": [3.0, 40.0, float("nan")],
        }
    )


def test_client_table_joins_profile_and_health() -> None:
    table = client_table(_book(), _health()).set_index("client_id")
    assert table.loc[1, "company_name"] == "acme SL"
    assert table.loc[1, "churn_score"] == 72.0
    assert table.loc[2, "lifecycle"] == "vip"
    assert table.loc[3, "region"] is None or pd.isna(table.loc[3, "region"])


def test_client_table_accepts_health_indexed_by_client() -> None:
    table = client_table(_book(), _health().set_index("client_id")).set_index("client_id")
    assert table.loc[2, "overdue"] == 0.0 and table.loc[1, "overdue"] == 600.0


def test_search_name_email_and_compact_tax_id() -> None:
    table = client_table(_book(), _health())
    assert filter_clients(table, ClientFilters(search="ACME"))["client_id"].tolist() == [1]
    assert filter_clients(table, ClientFilters(search="hola@"))["client_id"].tolist() == [2]
    assert filter_clients(table, ClientFilters(search="a-5881 8501"))["client_id"].tolist() == [2]


def test_filters_combine() -> None:
    table = client_table(_book(), _health())
    smb_ana = filter_clients(table, ClientFilters(segment=("smb",), owner=("ana",)))
    assert sorted(smb_ana["client_id"]) == [1, 3]
    risky = filter_clients(table, ClientFilters(default_risk=("high", "critical"), min_churn=60))
    assert risky["client_id"].tolist() == [1]
    assert filter_clients(table, ClientFilters(lifecycle=("vip", "prospect")))["client_id"].tolist() == [2, 3]


def test_sorting_by_risk_severity_and_amounts() -> None:
    table = client_table(_book(), _health())
    assert sort_clients(table, "default_risk", descending=True)["client_id"].tolist() == [3, 1, 2]
    assert sort_clients(table, "company_name")["client_id"].tolist() == [1, 2, 3]  # case-insensitive
    assert sort_clients(table, "overdue", descending=True)["client_id"].tolist()[0] == 1
    with pytest.raises(ValidationError, match="unknown sort key"):
        sort_clients(table, "email; DROP TABLE clients")


def test_list_clients_filters_search_sort_and_pages(engine) -> None:
    """The one client list (Clients page and API), moved from the SQL list of services.clients."""
    make_client(engine, company_name="Alfa Logística", status="active", region="Galicia", owner="Ana", tax_id="B12345674")
    make_client(engine, company_name="Beta Software", status="active", region="Galicia", owner="Luis", industry="software")
    make_client(engine, company_name="Gamma 100% Bio", status="prospect", region="Aragón", owner="Ana")
    table = client_list_table(engine)

    page = list_clients(table, ClientFilters(status=("active",)), sort="company_name", descending=True)
    assert page.rows["company_name"].tolist() == ["Beta Software", "Alfa Logística"]
    assert page.total == 2

    def names(**filters: object) -> list[str]:
        return list_clients(table, ClientFilters(**filters)).rows["company_name"].tolist()  # type: ignore[arg-type]

    assert names(owner=("Ana",)) == ["Alfa Logística", "Gamma 100% Bio"]
    assert names(industry=("software",)) == ["Beta Software"]
    assert names(search="beta") == ["Beta Software"]
    assert names(search="b-1234") == ["Alfa Logística"]
    assert names(search="100%") == ["Gamma 100% Bio"]  # no wildcard: literal text
    assert count_clients(table, ClientFilters(search="%")) == 1

    first = list_clients(table, offset=0, limit=2)
    second = list_clients(table, offset=2, limit=2)
    assert first.total == second.total == 3
    assert len(first.rows) == 2 and len(second.rows) == 1
    assert set(first.rows["client_id"]).isdisjoint(set(second.rows["client_id"]))


def test_list_clients_sorts_by_health_figures_blanks_last() -> None:
    table = client_table(_book(), _health())
    assert list_clients(table, sort="churn_score", descending=True).rows["client_id"].tolist()[0] == 1
    by_activity = list_clients(table, sort="days_since_last_activity").rows["client_id"].tolist()
    assert by_activity == [1, 2, 3]  # client 3 has no activity: last
    assert list_clients(table, sort="days_since_last_activity", descending=True).rows["client_id"].tolist() == [2, 1, 3]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sort": "company_name; DROP TABLE clients"}, "sort"),
        ({"sort": ["owner"]}, "sort"),
        ({"offset": -1}, "offset"),
        ({"offset": 2.5}, "offset"),
        ({"limit": 0}, "limit"),
        ({"limit": MAX_PAGE_SIZE + 1}, "limit"),
        ({"limit": True}, "limit"),
        ({"filters": ClientFilters(search="a\x00b")}, "search"),
        ({"filters": ClientFilters(owner=("x\ud800",))}, "owner"),
        ({"filters": ClientFilters(status=("signed",))}, "status"),
        ({"filters": ClientFilters(region="Galicia")}, "region"),  # type: ignore[arg-type]
        ({"filters": ClientFilters(segment=({},))}, "segment"),  # type: ignore[arg-type]
        ({"filters": ClientFilters(min_churn=float("nan"))}, "min_churn"),
    ],
)
def test_list_clients_refuses_bad_input_naming_it(kwargs: dict[str, object], field: str) -> None:
    table = client_table(_book(), _health())
    with pytest.raises(ValidationError) as err:
        list_clients(table, **kwargs)  # type: ignore[arg-type]
    assert err.value.fields == [field]


def test_paging() -> None:
    table = client_table(_book(), _health())
    assert page_count(len(table), 2) == 2
    assert page_of(table, 2, 2)["client_id"].tolist() == [3]
    assert page_of(table, 9, 2)["client_id"].tolist() == [3]  # past the end: last page


def test_filter_options_are_distinct_sorted_values() -> None:
    options = filter_options(_book())
    assert options["segment"] == ["enterprise", "smb"]
    assert options["region"] == ["Cataluña", "Galicia"]


def test_client_invoices_with_payment_status() -> None:
    invoices = client_invoices(_book(), 1, AS_OF)
    assert invoices["number"].tolist() == ["F-11", "F-10"]
    f10 = invoices.set_index("number").loc["F-10"]
    assert f10["paid_amount"] == 400.0 and f10["outstanding"] == 600.0 and f10["status"] == "overdue"


def test_health_row_of_unknown_client_is_none() -> None:
    assert health_row(_health(), 99) is None
    assert health_row(_health(), 1)["churn_score"] == 72.0


def test_client_names_alphabetical_and_contacts_primary_first() -> None:
    book = frames(
        clients=[
            {"client_id": 1, "company_name": "zeta", "email": "z@z.es"},
            {"client_id": 2, "company_name": "Alfa", "email": "a@a.es"},
        ],
        contacts=[
            {"contact_id": 1, "client_id": 1, "full_name": "Ana", "is_primary": False, "is_billing": False},
            {"contact_id": 2, "client_id": 1, "full_name": "Zoe", "is_primary": True, "is_billing": False},
            {"contact_id": 3, "client_id": 2, "full_name": "Other", "is_primary": True, "is_billing": False},
        ],
    )
    assert client_names(book).index.tolist() == [2, 1]
    assert contacts_of(book, 1)["full_name"].tolist() == ["Zoe", "Ana"]


def test_picker_lists_every_match_up_to_the_cap_else_the_page() -> None:
    ids = client_table(_book(), _health())["client_id"].tolist()
    assert picker_ids(ids, ids[:1], None, cap=3) == [1, 2, 3]
    assert picker_ids(ids, ids[:1], None, cap=2) == [1]  # too many matches: the page's
    assert picker_ids(ids, ids[:1], 3, cap=2) == [3, 1]  # the open client stays choosable


def test_health_card_shows_every_figure_of_client_health() -> None:
    from crm_core.analytics.health import FIGURE_COLUMNS

    shown = {name for items in HEALTH_CARD.values() for name, _ in items}
    assert set(FIGURE_COLUMNS) - shown == set()


def test_client_opportunities_as_of_leave_out_later_deals_and_later_closes() -> None:
    book = frames(
        clients=[{"client_id": 1, "company_name": "Acme SL"}, {"client_id": 2, "company_name": "Beta SA"}],
        opportunities=[
            # won on 1 Nov: closed on as_of
            {
                "opportunity_id": 1,
                "client_id": 1,
                "name": "won",
                "stage": "won",
                "probability": 100,
                "won_amount": 900.0,
                "amount": 1_000.0,
                "closed_at": date(2026, 11, 1),
                "created_at": datetime(2026, 10, 1),
                "expected_close": date(2026, 11, 1),
            },
            # in proposal on as_of, won on 1 Dec: open on as_of, at the proposal default, no close shown
            {
                "opportunity_id": 2,
                "client_id": 1,
                "name": "later",
                "stage": "won",
                "probability": 100,
                "won_amount": 5_000.0,
                "amount": 5_000.0,
                "closed_at": date(2026, 12, 1),
                "created_at": datetime(2026, 10, 1),
                "expected_close": date(2026, 12, 20),
            },
            # created after as_of: not there yet
            {
                "opportunity_id": 3,
                "client_id": 1,
                "name": "future",
                "stage": "identified",
                "probability": 10,
                "amount": 100.0,
                "created_at": datetime(2026, 11, 26),
            },
            # another client's deal
            {
                "opportunity_id": 4,
                "client_id": 2,
                "name": "other",
                "stage": "identified",
                "probability": 10,
                "amount": 100.0,
                "created_at": datetime(2026, 10, 1),
            },
        ],
        stage_history=[
            {"change_id": 1, "opportunity_id": 2, "to_stage": "proposal", "changed_at": datetime(2026, 10, 1)},
            {
                "change_id": 2,
                "opportunity_id": 2,
                "from_stage": "proposal",
                "to_stage": "won",
                "changed_at": datetime(2026, 12, 1, 12),
            },
        ],
    )
    opps = client_opportunities(book, 1, AS_OF)
    assert opps["name"].tolist() == ["later", "won"]  # open first
    later = opps.iloc[0]
    assert (later["stage"], later["probability"]) == ("proposal", 40.0)
    assert pd.isna(later["closed_at"]) and pd.isna(later["won_amount"])
    assert (opps.iloc[1]["stage"], opps.iloc[1]["won_amount"]) == ("won", 900.0)
    # A day after the close the same deal is won and closed.
    assert client_opportunities(book, 1, date(2026, 12, 1)).set_index("name").loc["later", "stage"] == "won"


def test_filters_from_page_inputs() -> None:
    filters = ClientFilters.from_inputs("acme", ["active"], ["high"], 0, {"region": ["Madrid"], "owner": []})
    assert filters == ClientFilters(search="acme", lifecycle=("active",), default_risk=("high",), region=("Madrid",))
    assert ClientFilters.from_inputs("", [], [], 40, {}).min_churn == 40.0


def _reference_order(table: pd.DataFrame, filters: ClientFilters, by: str, descending: bool) -> list[int]:
    """The client list's order as the page computed it before ClientList: plain pandas over the whole table."""
    from crm_core.enums import RISK_RANK

    keep = pd.Series(True, index=table.index)
    needle = filters.search.strip().casefold()
    if needle:
        compact = needle.replace("-", "").replace(" ", "").upper()
        keep &= (
            table["company_name"].fillna("").str.casefold().str.contains(needle, regex=False)
            | table["email"].fillna("").str.casefold().str.contains(needle, regex=False)
            | table["tax_id"].fillna("").str.contains(compact, regex=False)
        )
    for name in ("lifecycle", "default_risk", "segment", "industry", "region", "owner"):
        if getattr(filters, name):
            keep &= table[name].isin(list(getattr(filters, name)))
    if filters.min_churn is not None:
        keep &= table["churn_score"] >= filters.min_churn
    rows = table.loc[keep]
    if by == "company_name":
        rows = rows.sort_values(
            "company_name", ascending=not descending, key=lambda s: s.str.casefold(), na_position="last", kind="stable"
        )
    else:
        key = rows[by].map(RISK_RANK) if by == "default_risk" else rows[by]
        order = pd.DataFrame({"key": key, "name": rows["company_name"].fillna("").str.casefold()}, index=rows.index)
        rows = rows.loc[order.sort_values(["key", "name"], ascending=[not descending, True], na_position="last").index]
    return rows["client_id"].tolist()


def test_client_list_orders_and_filters_as_plain_pandas_would() -> None:
    """ClientList (built once, then positions only) gives the rows and order of the plain-pandas reference."""
    import numpy as np

    from crm_core.views.clients import client_list

    rng = np.random.default_rng(3)
    n = 400
    names = rng.choice(["acme", "Acme", "beta", "Ñandú SL", "zeta", "Óptica Sur", "delta"], n)
    table = pd.DataFrame(
        {
            "client_id": np.arange(1, n + 1),
            "company_name": [f"{name} {i % 37}" for i, name in enumerate(names)],
            "tax_id": [None if i % 5 == 0 else f"B{i:08d}" for i in range(n)],
            "email": [f"c{i}@{'acme' if i % 3 else 'mail'}.es" for i in range(n)],
            "lifecycle": rng.choice(["active", "vip", "prospect", "churned"], n),
            "segment": rng.choice(["smb", "enterprise", None], n),
            "industry": rng.choice(["retail", "legal"], n),
            "region": rng.choice(["Galicia", "Cataluña", None], n),
            "owner": rng.choice(["ana", "bea", None], n),
            "default_risk": rng.choice(["low", "medium", "high", "critical", None], n),
            "churn_score": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 100, n).astype(float)),
            "ltv": rng.choice([0.0, 100.0, 250.5, np.nan], n),
            "revenue_12m": rng.random(n) * 1000,
            "outstanding": rng.random(n),
            "overdue": rng.choice([0.0, 5.0], n),
            "expected_revenue_90d": rng.random(n),
            "days_since_last_activity": rng.choice([1.0, 30.0, np.nan], n),
        }
    )
    listing = client_list(table)
    cases = [
        ClientFilters(),
        ClientFilters(search="acme"),
        ClientFilters(search="B0000001"),
        ClientFilters(search="  ÑANDÚ "),
        ClientFilters(default_risk=("high", "critical"), min_churn=40.0),
        ClientFilters(region=("Galicia",), owner=("ana", "bea"), lifecycle=("vip", "active")),
    ]
    for filters in cases:
        for by in ("company_name", "default_risk", "churn_score", "ltv", "region", "owner", "days_since_last_activity"):
            for descending in (False, True):
                got = table["client_id"].to_numpy()[listing.query(filters, by, descending)].tolist()
                assert got == _reference_order(table, filters, by, descending), (filters, by, descending)
