"""Streamlit glue for receivables: cached claims and worklist, the rates table (errors shown, not raised), the collection call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from crm_core import services
from crm_core.analytics.late_rates import LateRates, LateRatesError, load_late_rates
from crm_core.analytics.receivables import (
    client_claims,
)
from crm_core.enums import ActivityKind
from crm_core.i18n import format_money
from crm_core.i18n.error_text import error_text
from crm_core.io.receivables import claims_csv, provisional_note
from crm_core.store.versions import Generations
from crm_core.ui import cache
from crm_core.ui.cache import current_owner
from crm_core.ui.context import PageContext
from crm_core.ui.forms import combine_local, default_time, perform, succeed
from crm_core.ui.markdown import literal
from crm_core.views import receivables as receivables_view
from crm_core.views.receivables import collections_worklist


def rates(ctx: PageContext) -> LateRates | None:
    """The late-payment rates (shipped + CRM_LATE_RATES); on a bad file, its line and problem shown and None."""
    try:
        return load_late_rates()
    except LateRatesError as exc:
        st.error(literal(error_text(exc, ctx.lang)), icon=":material/error:")
        return None


def show_provisional(ctx: PageContext, claims: pd.DataFrame, table: LateRates) -> None:
    """One warning per missing half-year among provisional claims, naming the file to add it to."""
    for half_years in sorted(set(claims.loc[claims["provisional"], "missing_half_years"])):
        st.warning(literal(provisional_note(half_years, table.where_to_add, ctx.lang)), icon=":material/warning:")


def portfolio_claims(db_url: str, as_of: date, table: LateRates) -> pd.DataFrame:
    """late_payment_claims for every invoice, cached until invoices or payments change."""
    return _portfolio_claims(db_url, as_of, table, cache.versions(db_url), current_owner())


@cache.shared(max_entries=4)
def _portfolio_claims(db_url: str, as_of: date, table: LateRates, generations: Generations, owner: int | None) -> pd.DataFrame:
    """Cached twin of `portfolio_claims`, keyed by the tables' generations and the viewer's owner id;
    shared, not unpickled on every rerun (a row per unpaid invoice: hundreds of thousands at 100,000 clients)."""
    data = cache.frames_at(db_url, generations, owner)
    return receivables_view.portfolio_claims(data, as_of, table)


def worklist(db_url: str, as_of: date, table: LateRates, owner: str | None) -> pd.DataFrame:
    """The collections worklist (one owner's clients, if given), cached per date, owner and generations."""
    return _worklist(db_url, as_of, table, owner, cache.versions(db_url), current_owner())


@cache.shared(max_entries=8)
def _worklist(
    db_url: str, as_of: date, table: LateRates, owner: str | None, generations: Generations, viewer_owner: int | None
) -> pd.DataFrame:
    """Cached twin of `worklist`, keyed also by the viewer's owner id."""
    health = cache.scoped_health_at(db_url, as_of, generations, viewer_owner)
    claims = client_claims(_portfolio_claims(db_url, as_of, table, generations, viewer_owner), health.index)
    activities = cache.frames_at(db_url, generations, viewer_owner).activities
    return collections_worklist(health, claims, activities, as_of, owner)


def claims_download(db_url: str, as_of: date, table: LateRates, lang: str, client_ids: tuple[int, ...] | None) -> bytes:
    """The claims CSV of the portfolio (or of `client_ids`), cached like the claims."""
    return _claims_download(db_url, as_of, table, lang, client_ids, cache.versions(db_url), current_owner())


def claims_download_later(
    db_url: str, as_of: date, table: LateRates, lang: str, client_ids: tuple[int, ...] | None
) -> Callable[[], bytes]:
    """`claims_download` to run when the user clicks `st.download_button(data=...)`, not on every page run:
    the portfolio's file is about 110 MB and 10 s of work at 100,000 clients. The generations and the
    viewer are read now (the file holds what the page shows); the bytes are cached as `claims_download`'s.
    """
    return partial(_claims_download, db_url, as_of, table, lang, client_ids, cache.versions(db_url), current_owner())


@st.cache_data(show_spinner=False, max_entries=8)
def _claims_download(
    db_url: str,
    as_of: date,
    table: LateRates,
    lang: str,
    client_ids: tuple[int, ...] | None,
    generations: Generations,
    owner: int | None,
) -> bytes:
    """Cached twin of `claims_download`, keyed also by the viewer's owner id."""
    claims = _portfolio_claims(db_url, as_of, table, generations, owner)
    if client_ids is not None:
        claims = claims.loc[claims["client_id"].isin(client_ids)]
    clients = cache.frames_at(db_url, generations, owner).clients
    return claims_csv(claims, clients, lang, table.where_to_add, ";" if lang == "es" else ",")


def log_collection_call(ctx: PageContext, outcome_key: str, row: pd.Series, outcome: str | None) -> None:
    """Record a done collection call with the client (titled with what is at stake) from a widget callback."""
    client = str(row["company_name"])
    payload = {
        "client_id": int(row["client_id"]),
        "kind": ActivityKind.CALL.value,
        "title": ctx.t("collections.call_title", amount=format_money(float(row["at_stake"]), ctx.lang)),
        "occurred_at": combine_local(ctx.as_of, default_time(ctx)),
        "done": True,
        "owner": None if pd.isna(row["owner"]) else str(row["owner"]),
        "outcome": outcome or None,
    }
    if perform(ctx, outcome_key, services.log_activity, cache.engine(ctx.db_url), payload) is not None:
        succeed(outcome_key, ctx.t("collections.call_logged", client=client))
