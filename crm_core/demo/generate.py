"""Pure numpy generation of a deterministic Spanish SMB portfolio (no database access).

Every table comes out as columns (numpy arrays) so that 100,000 clients and ~2 million
invoices are built with whole-array operations; only string formatting runs per row.

Column conventions (bulk.py turns them into database values):
dates are datetime64[D] (NaT = NULL), timestamps datetime64[us] in UTC, money float64 euros
with 2 decimals (NaN = NULL), ids int64, nullable ints float64 (NaN = NULL), flags bool,
text object arrays (None = NULL).
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from crm_core.demo import vocab
from crm_core.demo.names import NamePools, name_pools
from crm_core.enums import DEFAULT_STAGE_PROBABILITY, Stage
from crm_core.services.activities import FOLLOW_UP_HOUR
from crm_core.settings import business_timezone

Columns = dict[str, np.ndarray]

HISTORY_DAYS = 3 * 365
NEVER = 10**7  # a day number far in the future: "no churn", "no drift", "no default"

# Client payment behaviours.
PUNCTUAL, LATE, CHRONIC, PARTIAL, DEFAULTER = range(5)
BEHAVIOUR_WEIGHTS = (0.60, 0.22, 0.10, 0.08)
DEFAULTERS_PER_CLIENT = 0.0015

# Invoice cadences.
MONTHLY, QUARTERLY, IRREGULAR = range(3)

STAGES = [s.value for s in Stage]  # identified, contacted, proposal, negotiation, won, lost
OPEN_STAGE_WEIGHTS = np.array([0.3, 0.3, 0.25, 0.15])


@dataclass
class Portfolio:
    """The generated tables, in foreign-key insert order."""

    tables: dict[str, Columns] = field(default_factory=dict)

    def count(self, table: str) -> int:
        columns = self.tables[table]
        return len(next(iter(columns.values())))

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in self.tables}


# ----------------------------------------------------------------------------- helpers


def day_number(value: date) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype(np.int64))


def _to_dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]")


def _group_index(counts: np.ndarray) -> np.ndarray:
    """For rows repeated `counts` times per group, each row's position 0..count-1 in its group."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _choice(rng: np.random.Generator, weights: tuple[float, ...] | np.ndarray, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _utc_timestamps(days: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Local business-time day + minute of day -> naive UTC datetime64[us]."""
    local = (days.astype(np.int64) * 1440 + minutes.astype(np.int64)).astype("datetime64[m]")
    index = pd.DatetimeIndex(local.astype("datetime64[ns]"))
    aware = index.tz_localize(
        business_timezone().key, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="shift_forward"
    )
    return aware.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]")


def _business_minutes(rng: np.random.Generator, size: int, start_hour: int = 8, end_hour: int = 19) -> np.ndarray:
    return rng.integers(start_hour * 60, end_hour * 60, size=size)


def _weekday_back(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays back to the Friday before (1970-01-01 was a Thursday)."""
    weekday = (days + 3) % 7  # Monday = 0
    return days - np.where(weekday >= 5, weekday - 4, 0)


def _weekday_forward(days: np.ndarray) -> np.ndarray:
    weekday = (days + 3) % 7
    return days + np.where(weekday >= 5, 7 - weekday, 0)


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(ch if ch.isalnum() else "-" for ch in plain)
    return "-".join(part for part in out.split("-") if part)


def _unique_domains(slugs: list[str], tlds: list[str]) -> list[str]:
    """`slug.tld`, with `-2`, `-3`... on the slug when a domain is taken."""
    seen: set[str] = set()
    out: list[str] = []
    for slug, tld in zip(slugs, tlds):
        domain = slug + tld
        n = 2
        while domain in seen:
            domain = f"{slug}-{n}{tld}"
            n += 1
        seen.add(domain)
        out.append(domain)
    return out


def _money(cents: np.ndarray) -> np.ndarray:
    return np.round(cents.astype(np.float64) / 100.0, 2)


def _dedupe(values: list[str], alternatives: list[tuple[str, ...]]) -> list[str]:
    """Make `values` unique: a repeated value gets the first of its alternative words that
    makes it new, else a running number."""
    out = list(values)
    seen: set[str] = set()
    for i, value in enumerate(out):
        if value in seen:
            candidate = next((f"{value} {word}" for word in alternatives[i] if f"{value} {word}" not in seen), None)
            n = 2
            while candidate is None or candidate in seen:
                candidate = f"{value} {n}"
                n += 1
            value = candidate
        seen.add(value)
        out[i] = value
    return out


# ----------------------------------------------------------------------------- clients


@dataclass
class _Plan:
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


def _city_table() -> tuple[list[str], np.ndarray, list[tuple[str, str, str]]]:
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
    region = _choice(rng, [vocab.PLACES[r][0] for r in regions], n)
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


def _plan(rng: np.random.Generator, n: int, today: int) -> _Plan:
    h0 = today - HISTORY_DAYS
    customer = rng.random(n) >= 0.08
    if n >= 20 and customer.all():  # a portfolio always shows at least one prospect
        customer[rng.integers(0, n)] = False
    size = _choice(rng, vocab.SIZE_WEIGHTS, n)
    industry = _choice(rng, [w for w, _ in vocab.INDUSTRIES.values()], n)
    cadence = np.where(
        size == 0, _choice(rng, (0.3, 0.1, 0.6), n), _choice(rng, (0.42, 0.2, 0.38), n)
    )
    monthly_level = np.asarray(vocab.SIZE_MONTHLY_CENTS, dtype=float)[size] * rng.lognormal(0.0, 0.6, n)
    level = monthly_level * np.select([cadence == QUARTERLY, cadence == IRREGULAR], [2.8, 1.2], 1.0)
    terms_idx = _choice(rng, vocab.PAYMENT_TERMS_WEIGHTS, n)
    terms = np.asarray(vocab.PAYMENT_TERMS)[terms_idx]
    terms = np.where((size == 3) & (rng.random(n) < 0.4), 60, terms)

    behaviour = _choice(rng, BEHAVIOUR_WEIGHTS, n)
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
    method = _choice(rng, vocab.PAYMENT_METHOD_WEIGHTS, n)

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

    return _Plan(
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


def _cif_check_digit(digits: np.ndarray) -> np.ndarray:
    """CIF control digit of 7-digit bodies (rows of digits): doubled odd positions, summed."""
    odd = digits[:, 0::2] * 2
    odd_sum = (odd // 10 + odd % 10).sum(axis=1)
    even_sum = digits[:, 1::2].sum(axis=1)
    return (10 - (odd_sum + even_sum) % 10) % 10


def _cifs(rng: np.random.Generator, letters: np.ndarray, provinces: np.ndarray) -> list[str]:
    """Unique valid CIFs whose two first digits are the client's province code."""
    n = len(letters)
    serial = rng.integers(0, 100_000, n)
    body = provinces.astype(np.int64) * 100_000 + serial
    for _ in range(200):
        key = (np.frombuffer("".join(letters).encode(), dtype=np.uint8).astype(np.int64) * 10**7) + body
        _, first = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        # a crowded province spills into the extra codes real CIFs use (e.g. 78-86 for Madrid)
        serial_new = rng.integers(0, 100_000, int(dup.sum()))
        province_new = np.where(rng.random(int(dup.sum())) < 0.5, provinces[dup], rng.integers(53, 99, int(dup.sum())))
        body[dup] = province_new * 100_000 + serial_new
    else:
        raise RuntimeError("could not draw unique CIFs")  # not reached below MAX_CLIENTS
    digits = (body[:, None] // (10 ** np.arange(6, -1, -1))) % 10
    check = _cif_check_digit(digits)
    return [f"{letter}{b:07d}{c}" for letter, b, c in zip(letters.tolist(), body.tolist(), check.tolist())]


def _phones(rng: np.random.Generator, prefixes: list[str], mobile: np.ndarray) -> list[str]:
    tails = rng.integers(0, 10**8, len(prefixes))
    out: list[str] = []
    for prefix, tail, is_mobile in zip(prefixes, tails.tolist(), mobile.tolist()):
        digits = f"6{tail:08d}" if is_mobile else (prefix + f"{tail:08d}")[:9]
        out.append(f"+34 {digits[:3]} {digits[3:6]} {digits[6:]}")
    return out


def _company_names(rng: np.random.Generator, plan: _Plan, pools: NamePools, cities: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Company names (unique), their bare cores (for web domains) and legal-form indexes."""
    n = len(plan.size)
    prefixes = [p for _, p in vocab.INDUSTRIES.values()]
    pattern = _choice(rng, (0.25, 0.25, 0.22, 0.18, 0.10), n)
    core_pick = rng.integers(0, len(pools.company_cores), n)
    last1 = rng.integers(0, len(pools.last_names), n)
    last2 = rng.integers(0, len(pools.last_names), n)
    place = rng.integers(0, len(vocab.PLACE_WORDS), n)
    prefix_pick = rng.integers(0, 100, n)
    legal = _choice(rng, [w for w, _ in vocab.LEGAL_FORMS.values()], n)
    legal_names = list(vocab.LEGAL_FORMS)
    cores: list[str] = []
    for i in range(n):
        p = pattern[i]
        ind = prefixes[plan.industry[i]]
        prefix = ind[prefix_pick[i] % len(ind)]
        if p == 0:
            core = pools.company_cores[core_pick[i]]
        elif p == 1:
            core = f"{prefix} {pools.last_names[last1[i]]}"
        elif p == 2:
            core = f"{prefix} {pools.last_names[last1[i]]} {pools.last_names[last2[i]]}"
        elif p == 3:
            core = f"{pools.last_names[last1[i]]} y {pools.last_names[last2[i]]}"
        else:
            core = f"{prefix} {vocab.PLACE_WORDS[place[i]]}"
        cores.append(core)
    alternatives = [
        (cities[c], vocab.PLACE_WORDS[(p + 7) % len(vocab.PLACE_WORDS)], pools.last_names[l2])
        for c, p, l2 in zip(plan.city.tolist(), place.tolist(), last2[::-1].tolist())
    ]
    cores = _dedupe(cores, alternatives)
    names = [f"{core} {legal_names[l]}" for core, l in zip(cores, legal.tolist())]
    return names, cores, legal


def _clients(rng: np.random.Generator, plan: _Plan, pools: NamePools, today: int, status: np.ndarray) -> tuple[Columns, list[str]]:
    n = len(plan.size)
    _regions, region_of_city, city_rows = _city_table()
    regions = list(vocab.PLACES)
    city_names = [c[0] for c in city_rows]
    names, cores, legal = _company_names(rng, plan, pools, city_names)
    letters = np.array([v[1] for v in vocab.LEGAL_FORMS.values()])[legal]
    provinces = np.array([int(city_rows[c][1]) for c in plan.city])

    slugs = [_ascii_slug(core) or "empresa" for core in cores]
    tld = np.where(rng.random(n) < 0.8, ".es", ".com")
    domains = _unique_domains(slugs, tld.tolist())
    local = np.asarray(vocab.EMAIL_LOCAL_PARTS, dtype=object)[rng.integers(0, len(vocab.EMAIL_LOCAL_PARTS), n)]
    emails = [f"{lp}@{d}" for lp, d in zip(local.tolist(), domains)]
    has_site = rng.random(n) < np.where(plan.size == 0, 0.55, 0.92)
    websites = np.array([f"https://www.{d}" if s else None for d, s in zip(domains, has_site.tolist())], dtype=object)
    has_linkedin = rng.random(n) < np.where(plan.size >= 2, 0.85, 0.45)
    linkedin = np.array(
        [f"https://www.linkedin.com/company/{d.split('.')[0]}" if s else None for d, s in zip(domains, has_linkedin.tolist())],
        dtype=object,
    )

    street = pools.streets[rng.integers(0, len(pools.streets), n)]
    number = rng.integers(1, 180, n)
    post = rng.integers(1, 999, n)
    addresses = [
        f"{s}, {num}, {prov:02d}{pc:03d} {city_names[c]}"
        for s, num, prov, pc, c in zip(street.tolist(), number.tolist(), provinces.tolist(), post.tolist(), plan.city.tolist())
    ]
    phones = _phones(rng, [city_rows[c][2] for c in plan.city], (plan.size == 0) & (rng.random(n) < 0.7))

    lo = np.asarray([r[0] for r in vocab.SIZE_EMPLOYEES])[plan.size]
    hi = np.asarray([r[1] for r in vocab.SIZE_EMPLOYEES])[plan.size]
    employees = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).astype(np.int64)

    seg_weights = np.asarray(vocab.SEGMENT_WEIGHTS)
    cum = np.cumsum(seg_weights, axis=1)
    cum /= cum[:, -1:]
    segment_idx = np.minimum((rng.random(n)[:, None] >= cum[plan.size]).sum(axis=1), len(vocab.SEGMENTS) - 1)

    created_ts = _utc_timestamps(plan.created, _business_minutes(rng, n))
    edited = rng.random(n) < 0.5
    updated_days = plan.created + np.floor((today - plan.created) * rng.random(n)).astype(np.int64)
    updated_ts = np.where(edited, _utc_timestamps(updated_days, _business_minutes(rng, n)), created_ts)
    updated_ts = np.maximum(updated_ts, created_ts)

    columns: Columns = {
        "client_id": np.arange(1, n + 1, dtype=np.int64),
        "company_name": np.array(names, dtype=object),
        "email": np.array(emails, dtype=object),
        "phone": np.array(phones, dtype=object),
        "address": np.array(addresses, dtype=object),
        "tax_id": np.array(_cifs(rng, letters, provinces), dtype=object),
        "status": status,
        "segment": np.asarray(vocab.SEGMENTS, dtype=object)[segment_idx],
        "industry": np.asarray(list(vocab.INDUSTRIES), dtype=object)[plan.industry],
        "company_size": np.asarray(vocab.COMPANY_SIZES, dtype=object)[plan.size],
        "region": np.asarray(regions, dtype=object)[region_of_city[plan.city]],
        "city": np.asarray(city_names, dtype=object)[plan.city],
        "website": websites,
        "linkedin": linkedin,
        "employees": employees,
        "owner": pools.owners[plan.owner],
        "payment_terms_days": plan.terms,
        "created_at": created_ts,
        "updated_at": updated_ts,
        "version": np.ones(n, dtype=np.int64),
    }
    return columns, domains


# ----------------------------------------------------------------------------- invoices


@dataclass
class _Invoices:
    client: np.ndarray
    issue: np.ndarray
    cents: np.ndarray
    credit: np.ndarray
    void: np.ndarray


def _month_start_day(month_index: np.ndarray) -> np.ndarray:
    """Day number of the first day of month index (months since 1970-01)."""
    return month_index.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _regular_invoices(rng: np.random.Generator, plan: _Plan, today: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Issue days and amounts (cents) of ordinary invoices, per client cadence."""
    n = len(plan.size)
    h0 = today - HISTORY_DAYS
    last = np.minimum(plan.end, today)
    span = np.maximum(last - plan.start, 0)
    fixed_step = np.where(plan.cadence == QUARTERLY, 3, 1)
    k_fixed = span // (30 * fixed_step) + 3
    k_irregular = np.ceil(span / plan.mean_gap * 1.7).astype(np.int64) + 6
    count = np.where(plan.customer, np.where(plan.cadence == IRREGULAR, k_irregular, k_fixed), 0)

    client = np.repeat(np.arange(n), count)
    k = _group_index(count)
    cadence = plan.cadence[client]
    start = plan.start[client]
    drift = plan.drift[client]

    # fixed cadences: same day of the month, rolled to a weekday
    start_month = _to_dates(start).astype("datetime64[M]").astype(np.int64)
    dom = np.minimum(start - _month_start_day(start_month), 27)
    fixed_day = _month_start_day(start_month + k * fixed_step[client]) + dom + (rng.random(len(k)) < 0.15)
    fixed_day = _weekday_forward(fixed_day)

    # irregular: gamma gaps, slower after the client starts drifting, fewer in August
    gap_mean = plan.mean_gap[client]
    gaps = rng.gamma(2.2, gap_mean / 2.2)
    gaps[k == 0] = rng.uniform(0, 1, int((k == 0).sum())) * gap_mean[k == 0]
    cum = np.cumsum(gaps)
    group_start = np.repeat(np.cumsum(count) - count, count)
    before = np.concatenate(([0.0], cum[:-1]))
    irregular_day = start + np.floor(cum - before[group_start]).astype(np.int64)
    warped = np.where(irregular_day > drift, drift + (irregular_day - drift) * 2.6, irregular_day)
    irregular_day = _weekday_forward(np.floor(warped).astype(np.int64))

    day = np.where(cadence == IRREGULAR, irregular_day, fixed_day)
    keep = (day >= start) & (day <= np.minimum(plan.end[client], today))
    month = _to_dates(day).astype("datetime64[M]").astype(np.int64) % 12 + 1
    u = rng.random(len(day))
    keep &= ~((cadence == IRREGULAR) & (month == 8) & (u < 0.45))
    keep &= ~((cadence != IRREGULAR) & (day > drift) & (u < 0.6))
    keep &= ~((cadence != IRREGULAR) & (u > 0.985))  # an occasional skipped period

    # amounts: a per-client level with a yearly trend; retainers change price once a year
    level = plan.level[client]
    growth = plan.growth[client]
    years_in = (day - np.maximum(start, h0)) / 365.0
    fixed_amount = level * np.exp(growth * np.floor(years_in)) * rng.lognormal(0, 0.02, len(day))
    extra = rng.random(len(day)) < 0.08
    fixed_amount = np.where(extra, fixed_amount * rng.uniform(1.15, 1.8, len(day)), fixed_amount)
    irregular_amount = level * np.exp(growth * years_in) * rng.lognormal(0, 0.35, len(day))
    amount = np.where(cadence == IRREGULAR, irregular_amount, fixed_amount)
    amount = np.where(day > drift, amount * 0.75, amount)
    december = (month == 12) & (cadence == IRREGULAR)
    amount = np.where(december, amount * 1.2, amount)
    cents = np.maximum(np.round(amount), 1500).astype(np.int64)
    return client[keep], day[keep], cents[keep]


def _invoices(rng: np.random.Generator, plan: _Plan, today: int) -> _Invoices:
    client, issue, cents = _regular_invoices(rng, plan, today)
    m = len(client)
    void = rng.random(m) < 0.005
    noted = ~void & (rng.random(m) < 0.01)
    cn_client = client[noted]
    cn_issue = np.minimum(issue[noted] + rng.integers(2, 45, int(noted.sum())), np.minimum(plan.end[cn_client], today))
    cn_cents = -np.maximum(np.round(cents[noted] * rng.uniform(0.05, 1.0, int(noted.sum()))), 100).astype(np.int64)
    return _Invoices(
        client=np.concatenate([client, cn_client]),
        issue=np.concatenate([issue, cn_issue]),
        cents=np.concatenate([cents, cn_cents]),
        credit=np.concatenate([np.zeros(m, bool), np.ones(len(cn_client), bool)]),
        void=np.concatenate([void, np.zeros(len(cn_client), bool)]),
    )


def _invoice_numbers(issue: np.ndarray, credit: np.ndarray) -> list[str]:
    """F2025-000123 for invoices, R2025-000012 for credit notes, numbered by date within a year."""
    year = _to_dates(issue).astype("datetime64[Y]").astype(np.int64) + 1970
    series = year * 2 + credit
    order = np.lexsort((np.arange(len(issue)), series))
    sorted_series = series[order]
    first = np.searchsorted(sorted_series, sorted_series, side="left")
    seq = np.empty(len(issue), dtype=np.int64)
    seq[order] = np.arange(len(issue)) - first + 1
    if len(seq) and (seq.max() >= 10**6 or year.min() < 1000 or year.max() > 9999):
        prefix = np.where(credit, "R", "F")
        return [f"{p}{y}-{s:06d}" for p, y, s in zip(prefix.tolist(), year.tolist(), seq.tolist())]
    # fixed width 'F2025-000123': build the characters as a code-point matrix (much faster than f-strings)
    chars = np.empty((len(seq), 12), dtype=np.uint32)
    chars[:, 0] = np.where(credit, ord("R"), ord("F"))
    chars[:, 5] = ord("-")
    rest_year, rest_seq = year.astype(np.uint32), seq.astype(np.uint32)
    for position in range(4, 0, -1):
        chars[:, position] = ord("0") + rest_year % 10
        rest_year //= 10
    for position in range(11, 5, -1):
        chars[:, position] = ord("0") + rest_seq % 10
        rest_seq //= 10
    return chars.view("<U12").ravel().tolist()


# ----------------------------------------------------------------------------- payments


def _payments(rng: np.random.Generator, plan: _Plan, inv: _Invoices, due: np.ndarray, today: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(invoice row, paid day, cents, method) of every payment made up to `today`."""
    payable = np.flatnonzero(~inv.void & ~inv.credit)
    client = inv.client[payable]
    issue = inv.issue[payable]
    due_p = due[payable]
    total = inv.cents[payable]
    m = len(payable)
    behaviour = plan.behaviour[client]
    mu = plan.delay_mu[client]
    terms = plan.terms[client]

    early = np.floor(rng.random(m) * (np.minimum(terms, 10) + 1)).astype(np.int64)
    punctual_day = np.where(plan.method[client] == 1, due_p, due_p - early)  # direct debit: on the due date
    slip = rng.random(m) < 0.05
    punctual_day = np.where(slip, due_p + rng.integers(1, 10, m), punctual_day)
    late_day = due_p + np.round(rng.gamma(2.0, np.maximum(mu, 1) / 2.0)).astype(np.int64)
    late_on_time = rng.random(m) < np.where(behaviour == CHRONIC, 0.05, 0.45)
    late_day = np.where(late_on_time, due_p - np.minimum(early, 3), late_day)
    chronic_day = due_p + np.round(rng.gamma(2.5, np.maximum(mu, 1) / 2.5)).astype(np.int64)
    paid = np.select([behaviour == PUNCTUAL, behaviour == CHRONIC], [punctual_day, chronic_day], late_day)
    paid = np.maximum(paid, issue)

    never = (issue >= plan.default_day[client] - 40) | (rng.random(m) < 0.0015)

    split = ~never & (
        ((behaviour == PARTIAL) & (rng.random(m) < 0.4)) | ((behaviour == LATE) & (rng.random(m) < 0.03))
    )
    parts = np.where(split, np.where(rng.random(m) < 0.7, 2, 3), 1)
    first_share = np.round(total * rng.uniform(0.3, 0.6, m)).astype(np.int64)
    second_share = np.where(parts == 3, np.round(total * rng.uniform(0.15, 0.3, m)).astype(np.int64), 0)
    last_share = total - first_share - second_share
    gap1 = rng.integers(12, 45, m)
    gap2 = rng.integers(12, 45, m)

    rows = np.repeat(np.arange(m), parts)
    idx = _group_index(parts)
    n_parts = parts[rows]
    amount = np.where(
        n_parts == 1,
        total[rows],
        np.where(idx == 0, first_share[rows], np.where(idx == n_parts - 1, last_share[rows], second_share[rows])),
    )
    day = paid[rows] + np.where(idx >= 1, gap1[rows], 0) + np.where(idx >= 2, gap2[rows], 0)
    keep = ~never[rows] & (day <= today) & (amount > 0)
    methods = np.where(rng.random(len(rows)) < 0.9, plan.method[client[rows]], _choice(rng, vocab.PAYMENT_METHOD_WEIGHTS, len(rows)))
    return payable[rows[keep]], day[keep], amount[keep], methods[keep]


# ----------------------------------------------------------------------------- contacts and activities


def _contacts(rng: np.random.Generator, plan: _Plan, pools: NamePools, domains: list[str]) -> tuple[Columns, np.ndarray, np.ndarray]:
    """Contacts, the first contact id of each client and each client's contact count."""
    n = len(plan.size)
    count = _choice(rng, (0.4, 0.4, 0.2), n) + 1
    count = np.where(plan.size >= 2, np.maximum(count, 2), count)
    first_id = np.cumsum(count) - count + 1
    client = np.repeat(np.arange(n), count)
    pos = _group_index(count)
    total = len(client)
    female = rng.random(total) < 0.5
    first_f = pools.first_names_female[rng.integers(0, len(pools.first_names_female), total)]
    first_m = pools.first_names_male[rng.integers(0, len(pools.first_names_male), total)]
    first = np.where(female, first_f, first_m)
    last1 = pools.last_names[rng.integers(0, len(pools.last_names), total)]
    last2 = pools.last_names[rng.integers(0, len(pools.last_names), total)]
    full = [f"{a} {b} {c}" for a, b, c in zip(first.tolist(), last1.tolist(), last2.tolist())]
    handle = {
        name: _ascii_slug(name.split()[0]).replace("-", "") or "contacto"
        for name in {*pools.first_names_female, *pools.first_names_male, *pools.last_names}
    }
    emails = [f"{handle[a]}.{handle[b]}@{domains[c]}" for a, b, c in zip(first.tolist(), last1.tolist(), client.tolist())]
    role_main = np.asarray(vocab.CONTACT_ROLES, dtype=object)[rng.integers(0, len(vocab.CONTACT_ROLES), total)]
    role_billing = np.asarray(vocab.BILLING_ROLES, dtype=object)[rng.integers(0, len(vocab.BILLING_ROLES), total)]
    is_billing = (pos == 1) | (count[client] == 1)
    role = np.where((pos == 1), role_billing, role_main)
    phones = _phones(rng, ["6"] * total, np.ones(total, bool))
    whatsapp = np.where(rng.random(total) < 0.5, np.array(phones, dtype=object), None)
    columns: Columns = {
        "contact_id": np.arange(1, total + 1, dtype=np.int64),
        "client_id": client + 1,
        "full_name": np.array(full, dtype=object),
        "role": role,
        "email": np.array(emails, dtype=object),
        "phone": np.array(phones, dtype=object),
        "whatsapp": whatsapp,
        "is_primary": pos == 0,
        "is_billing": is_billing,
        "last_interaction_at": np.full(total, np.datetime64("NaT"), dtype="datetime64[us]"),
        "notes": np.full(total, None, dtype=object),
    }
    return columns, first_id, count


def _activities(
    rng: np.random.Generator,
    plan: _Plan,
    pools: NamePools,
    today: int,
    created_at: np.ndarray,
    contacts: Columns,
    first_contact: np.ndarray,
    n_contacts: np.ndarray,
) -> Columns:
    """Calls, emails, meetings... over each client's life (fading when it drifts or churns),
    plus the follow-up tasks they scheduled; also fills contacts' last_interaction_at."""
    n = len(plan.size)
    window_start = np.maximum(plan.created, today - HISTORY_DAYS - 90)
    window_end = np.where(plan.churned, np.minimum(plan.end + 45, today), today)
    window_end = np.where(plan.customer, window_end, np.minimum(plan.created + 150, today))
    span = np.maximum(window_end - window_start, 1)
    size_factor = np.asarray([0.7, 1.0, 1.3, 1.7])[plan.size]
    rate = rng.lognormal(np.log(0.33), 0.5, n) * size_factor  # per 30 days
    count = np.where(plan.customer, rng.poisson(rate * span / 30.0), 1 + rng.poisson(2.0, n))

    client = np.repeat(np.arange(n), count)
    m = len(client)
    day = window_start[client] + np.floor(rng.random(m) * (span[client] + 1)).astype(np.int64)
    day = np.maximum(_weekday_back(day), window_start[client])
    fade = ((day > plan.drift[client]) & (rng.random(m) < 0.85)) | ((day > plan.end[client]) & (rng.random(m) < 0.9))
    keep = ~fade & (day < today)  # timestamped events end the day before as_of (never later than "now")
    client, day = client[keep], day[keep]
    m = len(client)

    kind_idx = _choice(rng, vocab.ACTIVITY_KIND_WEIGHTS, m)
    kinds = np.asarray(vocab.ACTIVITY_KINDS, dtype=object)[kind_idx]
    title_pick = rng.integers(0, 100, m)
    outcome_pick = rng.integers(0, 100, m)
    duration_pick = rng.integers(0, 100, m)
    titles = np.empty(m, dtype=object)
    outcomes = np.empty(m, dtype=object)
    duration = np.full(m, np.nan)
    for k, kind in enumerate(vocab.ACTIVITY_KINDS):
        mask = kind_idx == k
        options = np.asarray(vocab.ACTIVITY_TITLES[kind], dtype=object)
        titles[mask] = options[title_pick[mask] % len(options)]
        outs = np.asarray([o or None for o in vocab.ACTIVITY_OUTCOMES[kind]], dtype=object)
        outcomes[mask] = outs[outcome_pick[mask] % len(outs)]
        durations = vocab.ACTIVITY_DURATIONS[kind]
        if durations:
            duration[mask] = np.asarray(durations, dtype=float)[duration_pick[mask] % len(durations)]
    contact = first_contact[client] + np.floor(rng.random(m) * n_contacts[client]).astype(np.int64)
    contact_f = np.where((kind_idx == 4) & (rng.random(m) < 0.6), np.nan, contact.astype(float))
    owner = np.where(rng.random(m) < 0.9, plan.owner[client], rng.integers(0, vocab.ACCOUNT_MANAGERS, m))
    occurred = np.maximum(_utc_timestamps(day, _business_minutes(rng, m)), created_at[client])

    # recent conversations still have their follow-up pending more often than old ones
    follow_rate = np.where(day > today - 30, 0.4, 0.15)
    follow = (kind_idx != 4) & (rng.random(m) < follow_rate) & (day <= np.minimum(plan.drift[client], plan.end[client]))
    follow_day = day + rng.integers(2, 22, m)
    follow_on = np.where(follow, follow_day, 0)

    # the follow-up tasks log_activity would have scheduled: open when due after today, else mostly done
    t_rows = np.flatnonzero(follow)
    t_day = follow_day[t_rows]
    # done when due long ago; a few recent ones overdue; open when due after today
    t_done = (t_day < today) & ((t_day < today - 30) | (rng.random(len(t_rows)) < 0.75))
    t_titles = np.array([f"Seguimiento: {t}" for t in titles[t_rows].tolist()], dtype=object)
    t_occurred = _utc_timestamps(t_day, np.full(len(t_rows), FOLLOW_UP_HOUR.hour * 60 + FOLLOW_UP_HOUR.minute))

    all_client = np.concatenate([client, client[t_rows]])
    all_occurred = np.concatenate([occurred, t_occurred])
    order = np.lexsort((np.arange(len(all_client)), all_occurred))
    follow_dates = np.where(follow_on > 0, follow_on, 0)
    follow_col = np.concatenate([follow_dates, t_day])

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a, b])[order]

    follow_col = follow_col[order]
    follow_dates_col = np.where(follow_col > 0, follow_col, 0).astype("datetime64[D]")
    follow_dates_col[follow_col == 0] = np.datetime64("NaT")

    columns: Columns = {
        "activity_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "client_id": all_client[order] + 1,
        "contact_id": cat(contact_f, contact_f[t_rows]),
        "kind": cat(kinds, np.full(len(t_rows), "task", dtype=object)),
        "title": cat(titles, t_titles),
        "description": np.full(len(order), None, dtype=object),
        "occurred_at": all_occurred[order],
        "duration_min": cat(duration, np.full(len(t_rows), np.nan)),
        "owner": pools.owners[cat(owner, owner[t_rows])],
        "done": cat(np.ones(m, bool), t_done),
        "outcome": cat(outcomes, np.full(len(t_rows), None, dtype=object)),
        "follow_up_on": follow_dates_col,
    }
    # a contact's last interaction: its latest done activity
    done_with_contact = columns["done"] & ~np.isnan(columns["contact_id"])
    last = np.full(len(contacts["contact_id"]), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(
        last,
        columns["contact_id"][done_with_contact].astype(np.int64) - 1,
        columns["occurred_at"][done_with_contact].astype(np.int64),
    )
    has = last != np.iinfo(np.int64).min
    contacts["last_interaction_at"][has] = last[has].astype("datetime64[us]")
    return columns


# ----------------------------------------------------------------------------- opportunities


def _final_stage(outcome: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Index into STAGES of each opportunity's current stage."""
    return np.select([outcome == 1, outcome == 2], [4, 5], reach)


def _cover_stages(
    rng: np.random.Generator, outcome: np.ndarray, reach: np.ndarray, s0: np.ndarray, eligible: np.ndarray
) -> None:
    """Make every pipeline stage appear at least once (in place), so any demo shows a full funnel."""
    for target in range(len(STAGES)):
        final = _final_stage(outcome, reach)
        counts = np.bincount(final, minlength=len(STAGES))
        if counts[target]:
            continue
        # take an opportunity from the most crowded stage
        candidates = np.flatnonzero(eligible & (final == counts.argmax()))
        if not len(candidates):
            continue
        j = rng.choice(candidates)
        if target < 4:
            outcome[j], reach[j], s0[j] = 0, target, min(s0[j], target)
        else:
            outcome[j], reach[j] = (1, 3) if target == 4 else (2, max(reach[j], s0[j]))


def _opportunities(
    rng: np.random.Generator,
    plan: _Plan,
    pools: NamePools,
    today: int,
    created_at: np.ndarray,
    status: np.ndarray,
    first_contact: np.ndarray,
) -> tuple[Columns, Columns]:
    """Opportunities in every stage and the stage history of the path each one took."""
    n = len(plan.size)
    closed_only = plan.churned | (status == "lost")
    count = np.where(plan.customer, rng.poisson(1.0, n), 1 + rng.poisson(0.4, n))
    client = np.repeat(np.arange(n), count)
    m = len(client)
    u = rng.random(m)
    prospect = ~plan.customer[client]
    # outcome: 0 open, 1 won, 2 lost
    outcome = np.where(prospect, np.where(u < 0.55, 0, 2), np.where(u < 0.3, 0, np.where(u < 0.65, 1, 2)))
    outcome = np.where(closed_only[client] & (outcome == 0), 2, outcome)
    s0 = _choice(rng, (0.7, 0.2, 0.1), m)
    open_reach = np.maximum(s0, _choice(rng, OPEN_STAGE_WEIGHTS, m))
    lost_reach = s0 + np.floor(rng.random(m) * (4 - s0)).astype(np.int64)
    won_reach = np.maximum(s0, np.where(rng.random(m) < 0.85, 3, 2))
    reach = np.select([outcome == 0, outcome == 1], [open_reach, won_reach], lost_reach)
    _cover_stages(rng, outcome, reach, s0, eligible=plan.customer[client] & ~closed_only[client])
    closed = outcome > 0
    changes = reach - s0 + 1 + closed

    gaps = np.maximum(np.round(rng.gamma(2.0, 7.0, int(changes.sum()))), 1).astype(np.int64)
    row = np.repeat(np.arange(m), changes)
    idx = _group_index(changes)
    gaps[idx == 0] = 0
    offsets = np.cumsum(gaps)
    group_first = np.cumsum(changes) - changes
    offsets = offsets - offsets[group_first][row]
    duration = offsets[group_first + changes - 1]

    earliest = np.where(plan.customer[client], np.maximum(plan.created[client], today - HISTORY_DAYS), plan.created[client])
    last_day_allowed = today - 1  # stage changes are timestamped: none on as_of itself
    latest = last_day_allowed - duration
    recent = latest - rng.integers(0, 150, m)
    stale = latest - rng.integers(150, 420, m)
    anywhere = earliest + np.floor(rng.random(m) * np.maximum(latest - earliest, 0)).astype(np.int64)
    created = np.where(outcome == 0, np.where(rng.random(m) < 0.8, recent, stale), anywhere)
    created = np.maximum(created, earliest)
    # a path that no longer fits before as_of is squeezed into the days available
    room = np.maximum(last_day_allowed - created, 0)
    squeeze = np.where(duration > room, room / np.maximum(duration, 1), 1.0)
    offsets = np.floor(offsets * squeeze[row]).astype(np.int64)
    change_day = created[row] + offsets
    last_day = change_day[group_first + changes - 1]

    from_idx = np.where(idx == 0, -1, s0[row] + idx - 1)
    to_idx = np.where(
        (idx == changes[row] - 1) & closed[row], np.where(outcome[row] == 1, 4, 5), s0[row] + idx
    )
    stage_names = np.asarray(STAGES, dtype=object)
    from_stage = np.where(from_idx < 0, None, stage_names[np.maximum(from_idx, 0)])
    to_stage = stage_names[to_idx]
    minutes = _business_minutes(rng, len(row))
    changed_at = np.maximum(_utc_timestamps(change_day, minutes), created_at[client[row]])
    same_day_fix = np.concatenate(([False], (row[1:] == row[:-1]) & (changed_at[1:] <= changed_at[:-1])))
    while same_day_fix.any():
        changed_at[same_day_fix] = changed_at[np.flatnonzero(same_day_fix) - 1] + np.timedelta64(7, "m")
        same_day_fix = np.concatenate(([False], (row[1:] == row[:-1]) & (changed_at[1:] <= changed_at[:-1])))

    final_idx = _final_stage(outcome, reach)
    stage = stage_names[final_idx]
    default_p = np.asarray([DEFAULT_STAGE_PROBABILITY[Stage(s)] for s in STAGES])
    probability = np.where(
        outcome == 0, np.clip(default_p[final_idx] + rng.integers(-6, 7, m), 1, 99), default_p[final_idx]
    )
    level = plan.level[client]
    amount_cents = np.maximum(np.round(level * rng.uniform(2, 12, m) / 5000) * 5000, 5000).astype(np.int64)
    won_cents = np.round(amount_cents * rng.uniform(0.85, 1.05, m)).astype(np.int64)
    expected = created + rng.integers(20, 120, m)
    expected_missing = rng.random(m) < np.where(outcome == 0, 0.08, 0.05)
    expected_dates = _to_dates(expected)
    expected_dates[expected_missing] = np.datetime64("NaT")
    closed_dates = _to_dates(last_day)
    closed_dates[~closed] = np.datetime64("NaT")
    year = _to_dates(created).astype("datetime64[Y]").astype(np.int64) + 1970
    label = np.asarray(vocab.OPPORTUNITY_NAMES, dtype=object)[rng.integers(0, len(vocab.OPPORTUNITY_NAMES), m)]
    reasons = np.asarray(vocab.LOST_REASONS, dtype=object)[rng.integers(0, len(vocab.LOST_REASONS), m)]

    opportunities: Columns = {
        "opportunity_id": np.arange(1, m + 1, dtype=np.int64),
        "client_id": client + 1,
        "contact_id": first_contact[client].astype(float),
        "name": np.array([f"{a} {y}" for a, y in zip(label.tolist(), year.tolist())], dtype=object),
        "description": np.full(m, None, dtype=object),
        "amount": _money(amount_cents),
        "stage": stage,
        "probability": probability.astype(np.int64),
        "expected_close": expected_dates,
        "closed_at": closed_dates,
        "won_amount": np.where(outcome == 1, _money(won_cents), np.nan),
        "lost_reason": np.where(outcome == 2, reasons, None),
        "owner": pools.owners[plan.owner[client]],
        "notes": np.full(m, None, dtype=object),
        "created_at": changed_at[group_first],
        "version": np.ones(m, dtype=np.int64),
    }
    history: Columns = {
        "change_id": np.arange(1, len(row) + 1, dtype=np.int64),
        "opportunity_id": row + 1,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "changed_at": changed_at,
    }
    return opportunities, history


# ----------------------------------------------------------------------------- status


def _status(plan: _Plan, inv: _Invoices, today: int, rng: np.random.Generator) -> np.ndarray:
    """Lifecycle status consistent with what each client did (prospects never invoiced...)."""
    n = len(plan.size)
    real = ~inv.void & ~inv.credit
    n_invoices = np.bincount(inv.client[real], minlength=n)
    last = np.full(n, -NEVER, dtype=np.int64)
    np.maximum.at(last, inv.client[real], inv.issue[real])
    recent = ~inv.void & (inv.issue > today - 365)
    revenue = np.bincount(inv.client[recent], weights=inv.cents[recent], minlength=n)
    status = np.full(n, "active", dtype=object)
    dormant = today - last > 90
    status[dormant] = "dormant"
    lost = plan.churned & (rng.random(n) < 0.8)
    status[lost] = "lost"
    active = (n_invoices > 0) & ~plan.churned & ~dormant
    if active.any():
        threshold = np.quantile(revenue[active], 0.9)
        status[active & (revenue >= threshold) & (revenue > 0)] = "vip"
    status[n_invoices == 0] = "prospect"
    return status


# ----------------------------------------------------------------------------- entry point


def build_portfolio(clients: int, seed: int, as_of: date, timings: dict[str, float] | None = None) -> Portfolio:
    """Generate every table for `clients` clients, deterministically from (clients, seed, as_of).

    `timings`, when given, receives the seconds spent in each generation step.
    """
    clock = _Clock(timings)
    today = day_number(as_of)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, clients]).spawn(8)]
    pools = name_pools(seed)
    plan = _plan(streams[0], clients, today)
    clock.lap("plan and name pools")
    inv = _invoices(streams[1], plan, today)
    status = _status(plan, inv, today, streams[2])
    clock.lap("invoice dates and amounts")
    client_cols, domains = _clients(streams[3], plan, pools, today, status)
    clock.lap("clients")

    order = np.lexsort((inv.credit, inv.client, inv.issue))
    inv = _Invoices(
        client=inv.client[order], issue=inv.issue[order], cents=inv.cents[order], credit=inv.credit[order], void=inv.void[order]
    )
    due = inv.issue + plan.terms[inv.client]
    invoices: Columns = {
        "invoice_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "client_id": inv.client + 1,
        "number": np.array(_invoice_numbers(inv.issue, inv.credit), dtype=object),
        "issue_date": _to_dates(inv.issue),
        "due_date": _to_dates(due),
        "total": _money(inv.cents),
        "credit_note": inv.credit,
        "void": inv.void,
    }
    clock.lap("invoice numbers")
    pay_inv, pay_day, pay_cents, pay_method = _payments(streams[4], plan, inv, due, today)
    pay_order = np.lexsort((pay_inv, pay_day))
    payments: Columns = {
        "payment_id": np.arange(1, len(pay_order) + 1, dtype=np.int64),
        "invoice_id": pay_inv[pay_order] + 1,
        "paid_on": _to_dates(pay_day[pay_order]),
        "amount": _money(pay_cents[pay_order]),
        "method": np.asarray(vocab.PAYMENT_METHODS, dtype=object)[pay_method[pay_order]],
    }
    clock.lap("payments")
    contacts, first_contact, n_contacts = _contacts(streams[5], plan, pools, domains)
    clock.lap("contacts")
    created_at = client_cols["created_at"]
    activities = _activities(streams[6], plan, pools, today, created_at, contacts, first_contact, n_contacts)
    clock.lap("activities")
    opportunities, history = _opportunities(streams[7], plan, pools, today, created_at, status, first_contact)
    clock.lap("opportunities and stage history")
    return Portfolio(
        tables={
            "clients": client_cols,
            "contacts": contacts,
            "invoices": invoices,
            "payments": payments,
            "activities": activities,
            "opportunities": opportunities,
            "opportunity_stage_history": history,
        }
    )


class _Clock:
    """Records the seconds between successive laps into an optional dict."""

    def __init__(self, sink: dict[str, float] | None) -> None:
        self.sink = sink
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.sink is not None:
            self.sink[name] = now - self.last
        self.last = now
