"""Cached views of the clients, activities and pipeline pages, rebuilt after any write.

Each is a crm_core pure function of the cached frames (and health) for one database and as-of
date, so a rerun that only changes a filter or opens a tab does not recompute them. Each public
function reads the generations of the tables it depends on (cache.versions: every table, for
anything built on health) and calls its cached twin keyed by them: a write to one of those tables
makes the next call rebuild the view from the (mostly still cached) frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from crm_core.store.versions import Generations
from crm_core.ui import cache
from crm_core.ui.cache import current_owner
from crm_core.views import activities as activity_views
from crm_core.views import clients as client_views
from crm_core.views import pipeline as pipeline_views
from crm_core.views import search as search_views

# The tables crm_core.views.activities reads (activities, named by client and contact); a view that
# reads fewer than all tables is keyed by just their generations and given only those frames.
ACTIVITY_TABLES: tuple[str, ...] = ("activities", "clients", "contacts")


def client_table(db_url: str, as_of: date) -> pd.DataFrame:
    """The health-joined client list as of `as_of`, cached so filtering and sorting do not rebuild it."""
    return _client_table(db_url, as_of, cache.versions(db_url), current_owner())


@cache.shared(max_entries=4)
def _client_table(db_url: str, as_of: date, generations: Generations, owner: int | None) -> pd.DataFrame:
    """Cached twin of `client_table`, keyed by the tables' generations."""
    return client_views.client_table(
        cache.frames_at(db_url, generations, owner), cache.scoped_health_at(db_url, as_of, generations, owner)
    )


def client_list(db_url: str, as_of: date) -> client_views.ClientList:
    """The client list prepared for filtering and sorting (search text, name order), built once per
    as-of date and table versions: a rerun that changes a filter or the page only scans and slices it."""
    return _client_list(db_url, as_of, cache.versions(db_url), current_owner())


@cache.shared(max_entries=4)
def _client_list(db_url: str, as_of: date, generations: Generations, owner: int | None) -> client_views.ClientList:
    """Cached twin of `client_list`, keyed by the tables' generations."""
    return client_views.client_list(_client_table(db_url, as_of, generations, owner))


def client_names(db_url: str) -> pd.Series:
    """Company name by client_id for the client pickers, cached per database until the clients change."""
    return _client_names(db_url, cache.generation(db_url, "clients"), current_owner())


@cache.shared(max_entries=4)
def _client_names(db_url: str, clients_generation: int, owner: int | None) -> pd.Series:
    """Cached twin of `client_names`, keyed by the clients table's generation: the only table it reads."""
    return client_views.client_names(cache.frames_with(db_url, {"clients": clients_generation}, owner))


# The tables crm_core.views.search.search_index reads: each part of the index reads one of them.
SEARCH_TABLES: tuple[str, ...] = ("clients", "contacts", "invoices")


def search_index(db_url: str) -> pd.DataFrame:
    """Contact names, phones and invoice numbers per client for the client search, cached per database."""
    return _search_index(db_url, cache.generations_of(db_url, SEARCH_TABLES))


@cache.shared(max_entries=2)
def _search_index(db_url: str, generations: tuple[int, ...]) -> pd.DataFrame:
    """Cached twin of `search_index`, keyed by the generations of SEARCH_TABLES (all it reads); shared,
    not pickled per hit (100,000 rows of joined texts). Combined from parts cached per table, so a
    write to one table rebuilds only that table's part; a contacts write that left the searched
    columns as they were (an activity logged moves a contact's last interaction only) rebuilds nothing."""
    clients_generation, contacts_generation, invoices_generation = generations
    return cache.reused_while_same(
        db_url,
        "search_index",
        (clients_generation, invoices_generation),
        _searched_contacts(db_url, contacts_generation),
        lambda: search_views.combined_index(
            _client_search_part(db_url, clients_generation),
            _contact_search_part(db_url, contacts_generation),
            _invoice_search_part(db_url, invoices_generation),
        ),
    )


def _searched_contacts(db_url: str, contacts_generation: int) -> pd.DataFrame:
    """The contacts' columns the search index reads, at `contacts_generation`."""
    contacts = cache.frames_with(db_url, {"contacts": contacts_generation}).contacts
    return contacts[list(search_views.CONTACT_SEARCH_COLUMNS)]


@cache.shared(max_entries=2)
def _client_search_part(db_url: str, clients_generation: int) -> pd.Series:
    """The clients' own phones for the search index, keyed by the clients table's generation: all it reads."""
    return search_views.client_search_part(cache.frames_with(db_url, {"clients": clients_generation}).clients)


@cache.shared(max_entries=2)
def _contact_search_part(db_url: str, contacts_generation: int) -> pd.DataFrame:
    """Contact names and phones for the search index, keyed by the contacts table's generation (all it
    reads), and reused while the columns it reads are unchanged (after an activity is logged)."""
    searched = _searched_contacts(db_url, contacts_generation)
    return cache.reused_while_same(
        db_url, "contact_search_part", (), searched, lambda: search_views.contact_search_part(searched)
    )


@cache.shared(max_entries=2)
def _invoice_search_part(db_url: str, invoices_generation: int) -> pd.Series:
    """Invoice numbers for the search index (2M at 100,000 clients), keyed by the invoices table's
    generation: all it reads, so logging an activity (a contacts write) does not rebuild it."""
    return search_views.invoice_search_part(cache.frames_with(db_url, {"invoices": invoices_generation}).invoices)


def picker_names(db_url: str) -> pd.Series:
    """Case-folded company names of the viewer's clients, alphabetical, for the search-first client pickers."""
    return _picker_names(db_url, cache.generation(db_url, "clients"), current_owner())


@cache.shared(max_entries=4)
def _picker_names(db_url: str, clients_generation: int, owner: int | None) -> pd.Series:
    """Cached twin of `picker_names`, keyed by the clients table's generation: the only table it reads."""
    return search_views.folded_names(_client_names(db_url, clients_generation, owner))


def filter_options(db_url: str) -> dict[str, list[str]]:
    """The choices of the client list's profile filters, cached per database until the clients change."""
    return _filter_options(db_url, cache.generation(db_url, "clients"), current_owner())


@st.cache_data(show_spinner=False, max_entries=4)
def _filter_options(db_url: str, clients_generation: int, owner: int | None) -> dict[str, list[str]]:
    """Cached twin of `filter_options`, keyed by the clients table's generation: the only table it reads."""
    return client_views.filter_options(cache.frames_with(db_url, {"clients": clients_generation}, owner))


def followups(db_url: str, as_of: date, horizon_days: int, owner: str | None = None) -> pd.DataFrame:
    """Open follow-ups due by `as_of` + `horizon_days` (one owner's if given), cached per owner pick."""
    return _followups(db_url, as_of, horizon_days, owner, cache.generations_of(db_url, ACTIVITY_TABLES), current_owner())


@cache.shared(max_entries=8)
def _followups(
    db_url: str,
    as_of: date,
    horizon_days: int,
    owner: str | None,
    generations: tuple[int, ...],
    viewer_owner: int | None,
) -> pd.DataFrame:
    """Cached twin of `followups`, keyed by the generations of ACTIVITY_TABLES (all it reads)."""
    frames = cache.frames_with(db_url, dict(zip(ACTIVITY_TABLES, generations, strict=True)), viewer_owner)
    return activity_views.followups(frames, as_of, horizon_days=horizon_days, owner=owner)


@dataclass(frozen=True)
class FollowupSummary:
    """What the Activities page shows above the follow-up list: counts by owner and status, owners, totals."""

    by_owner: pd.DataFrame  # followups_by_owner, owner-less ones under the page's label
    owners: list[str]  # followup_owners
    counts: dict[str, int]  # followup_counts


def followup_summary(db_url: str, as_of: date, horizon_days: int, unassigned: str) -> FollowupSummary:
    """The counts of `followups` by owner and status, cached with them (a group-by of thousands of
    rows at 100,000 clients, done once per table versions instead of on every run)."""
    return _followup_summary(
        db_url, as_of, horizon_days, unassigned, cache.generations_of(db_url, ACTIVITY_TABLES), current_owner()
    )


@cache.shared(max_entries=8)
def _followup_summary(
    db_url: str, as_of: date, horizon_days: int, unassigned: str, generations: tuple[int, ...], viewer_owner: int | None
) -> FollowupSummary:
    """Cached twin of `followup_summary`, keyed like `followups`."""
    due = _followups(db_url, as_of, horizon_days, None, generations, viewer_owner)
    return FollowupSummary(
        by_owner=activity_views.followups_by_owner(due, unassigned=unassigned),
        owners=activity_views.followup_owners(due),
        counts=activity_views.followup_counts(due),
    )


def recent_activities(db_url: str, as_of: date, limit: int) -> pd.DataFrame:
    """The latest `limit` done activities up to `as_of`, cached so the activities page reruns cheaply."""
    return _recent_activities(db_url, as_of, limit, cache.generations_of(db_url, ACTIVITY_TABLES), current_owner())


@st.cache_data(show_spinner=False, max_entries=4)
def _recent_activities(db_url: str, as_of: date, limit: int, generations: tuple[int, ...], owner: int | None) -> pd.DataFrame:
    """Cached twin of `recent_activities`, keyed by the generations of ACTIVITY_TABLES (all it reads)."""
    frames = cache.frames_with(db_url, dict(zip(ACTIVITY_TABLES, generations, strict=True)), owner)
    return activity_views.recent_activities(frames, as_of, limit=limit)


def pipeline(db_url: str, as_of: date) -> pipeline_views.PipelineView:
    """The pipeline page's figures as of `as_of` (open deals sorted for the pickers), cached per database."""
    return _pipeline(db_url, as_of, cache.versions(db_url), current_owner())


@cache.shared(max_entries=4)
def _pipeline(db_url: str, as_of: date, generations: Generations, owner: int | None) -> pipeline_views.PipelineView:
    """Cached twin of `pipeline`, keyed by the tables' generations."""
    return pipeline_views.pipeline_view(cache.frames_at(db_url, generations, owner), as_of)
