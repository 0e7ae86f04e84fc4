"""The hidden per-client traits (cadence, amounts, payment behaviour, churn, drift) that drive every table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_core.demo import vocab
from crm_core.demo.arrays import pick

HISTORY_DAYS = 3 * 365
NEVER = 10**7  # a day number far in the future: "no churn", "no drift", "no default"

# Client payment behaviours.
PUNCTUAL, LATE, CHRONIC, PARTIAL, DEFAULTER = range(5)
BEHAVIOUR_WEIGHTS = (0.60, 0.22, 0.10, 0.08)
DEFAULTERS_PER_CLIENT = 0.0015

# Invoice cadences.
MONTHLY, QUARTERLY, IRREGULAR = range(3)


@dataclass
class Plan:
    """Hidden per-client traits that drive every table (arrays of length n)."""

    customer: np.ndarray
    size: np.ndarray
    city: np.ndarray
    industry: np.ndarray
    owner: np.ndarray
    terms: np.ndarray
    cadence: np.ndarray
    level: np.ndarray  # typical invoice amount in cents
    growth: np.ndarray  # yearly trend of amounts
    mean_gap: np.ndarray  # days, irregular cadence
    behaviour: np.ndarray
    delay_mu: np.ndarray  # typical days late
    method: np.ndarray
    created: np.ndarray  # day numbers
    start: np.ndarray  # first possible invoice day
    end: np.ndarray  # last possible invoice day (churn), NEVER if still a client
    churned: np.ndarray
    drift: np.ndarray  # day from which the client drifts away, NEVER if not
    default_day: np.ndarray  # day from which a defaulter stops paying, NEVER if not


def city_table() -> tuple[list[str], np.ndarray, list[tuple[str, str, str]]]:
    """Region names, the region of each city, and (city, province code, phone prefix) rows."""
    regions = list(vocab.PLACES)
    cities: list[tuple[str, str, str]] = []
    region_of_city: list[int] = []
    for r, name in enumerate(regions):
        for city, province, prefix, _w in vocab.PLACES[name][1]:
            cities.append((city, province, prefix))
            region_of_city.append(r)
    return regions, np.array(region_of_city), cities


def _pick_cities(rng: np.random.Generator, n: int) -> np.ndarray:
    """A region by business population, then one of its cities (so city and region agree)."""
    regions = list(vocab.PLACES)
    region = pick(rng, [vocab.PLACES[r][0] for r in regions], n)
    u = rng.random(n)
    city = np.empty(n, dtype=np.int64)
    offset = 0
    for r, name in enumerate(regions):
        weights = np.array([c[3] for c in vocab.PLACES[name][1]], dtype=float)
        cum = np.cumsum(weights) / weights.sum()
        mask = region == r
        city[mask] = offset + np.minimum(np.searchsorted(cum, u[mask], side="right"), len(cum) - 1)
        offset += len(weights)
    return city


def make_plan(rng: np.random.Generator, n: int, today: int) -> Plan:
    """Draw every client's hidden traits; a few are forced so any portfolio shows each case."""
    h0 = today - HISTORY_DAYS
    customer = rng.random(n) >= 0.08
    if n >= 20 and customer.all():  # a portfolio always shows at least one prospect
        customer[rng.integers(0, n)] = False
    size = pick(rng, vocab.SIZE_WEIGHTS, n)
    industry = pick(rng, [w for w, _ in vocab.INDUSTRIES.values()], n)
    cadence = np.where(size == 0, pick(rng, (0.3, 0.1, 0.6), n), pick(rng, (0.42, 0.2, 0.38), n))
    monthly_level = np.asarray(vocab.SIZE_MONTHLY_CENTS, dtype=float)[size] * rng.lognormal(0.0, 0.6, n)
    level = monthly_level * np.select([cadence == QUARTERLY, cadence == IRREGULAR], [2.8, 1.2], 1.0)
    terms_idx = pick(rng, vocab.PAYMENT_TERMS_WEIGHTS, n)
    terms = np.asarray(vocab.PAYMENT_TERMS)[terms_idx]
    terms = np.where((size == 3) & (rng.random(n) < 0.4), 60, terms)

    behaviour = pick(rng, BEHAVIOUR_WEIGHTS, n)
    customers = np.flatnonzero(customer)
    n_defaulters = int(round(DEFAULTERS_PER_CLIENT * len(customers)))
    if n_defaulters == 0 and len(customers) >= 150:
        n_defaulters = 1
    defaulters = rng.choice(customers, size=n_defaulters, replace=False) if n_defaulters else np.array([], int)
    behaviour[defaulters] = DEFAULTER
    delay_mu = np.select(
        [behaviour == LATE, behaviour == CHRONIC, behaviour == PARTIAL, behaviour == DEFAULTER],
        [rng.uniform(3, 12, n), rng.uniform(25, 70, n), rng.uniform(5, 20, n), rng.uniform(5, 15, n)],
        0.0,
    )
    method = pick(rng, vocab.PAYMENT_METHOD_WEIGHTS, n)

    legacy = rng.random(n) < 0.55
    mean_gap = np.clip(rng.lognormal(np.log(33), 0.45, n), 12, 150)
    phase = rng.uniform(0, 1, n)
    acquired = h0 + np.floor((HISTORY_DAYS - 25) * rng.random(n) ** 0.8).astype(np.int64)
    start = np.where(legacy, h0 + np.floor(phase * 28).astype(np.int64), acquired)
    created = np.where(legacy, h0 - rng.integers(20, 6 * 365, n), start - rng.integers(2, 45, n))
    prospect_created = today - 1 - np.floor(720 * rng.random(n) ** 1.6).astype(np.int64)
    created = np.where(customer, created, prospect_created)

    end = np.full(n, NEVER, dtype=np.int64)
    churn_from = start + 90
    churn_to = np.full(n, today - 125, dtype=np.int64)
    churned = customer & (rng.random(n) < 0.17) & (churn_from < churn_to)
    can_churn = np.flatnonzero(customer & (churn_from < churn_to))
    if n >= 20 and not churned.any() and len(can_churn):  # ... and at least one churned client
        churned[rng.choice(can_churn)] = True
    end[churned] = rng.integers(churn_from[churned], churn_to[churned])

    default_day = np.full(n, NEVER, dtype=np.int64)
    if n_defaulters:
        default_day[defaulters] = today - rng.integers(120, 330, n_defaulters)
        start[defaulters] = np.minimum(start[defaulters], default_day[defaulters] - 240)
        created[defaulters] = np.minimum(created[defaulters], start[defaulters] - 10)
        end[defaulters] = np.minimum(default_day[defaulters] + rng.integers(30, 90, n_defaulters), today - 35)
        churned[defaulters] = True
        cadence[defaulters] = MONTHLY  # so that the unpaid run is visible: several invoices
        level[defaulters] = monthly_level[defaulters]

    drift = np.full(n, NEVER, dtype=np.int64)
    drifting = customer & ~churned & (rng.random(n) < 0.10) & (start < today - 300)
    drift[drifting] = today - rng.integers(100, 240, int(drifting.sum()))

    return Plan(
        customer=customer,
        size=size,
        city=_pick_cities(rng, n),
        industry=industry,
        owner=rng.integers(0, vocab.ACCOUNT_MANAGERS, n),
        terms=terms.astype(np.int64),
        cadence=cadence,
        level=level,
        growth=rng.normal(0.04, 0.12, n),
        mean_gap=mean_gap,
        behaviour=behaviour,
        delay_mu=delay_mu,
        method=method,
        created=created.astype(np.int64),
        start=start.astype(np.int64),
        end=end,
        churned=churned,
        drift=drift,
        default_day=default_day,
    )
