"""Clients (names, CIFs, places, phones, e-mails) and their contacts."""

from __future__ import annotations

import numpy as np

from crm_core.demo import vocab
from crm_core.demo.arrays import (
    NO_TEXT,
    Columns,
    ascii_slug,
    business_minutes,
    dedupe,
    group_index,
    pick,
    unique_domains,
    utc_timestamps,
)
from crm_core.demo.names import NamePools
from crm_core.demo.plan import Plan, city_table


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
    return [f"{letter}{b:07d}{c}" for letter, b, c in zip(letters.tolist(), body.tolist(), check.tolist(), strict=False)]


def _phones(rng: np.random.Generator, prefixes: list[str], mobile: np.ndarray) -> list[str]:
    """Spanish numbers '+34 912 345 678': the city's landline prefix, or a mobile."""
    tails = rng.integers(0, 10**8, len(prefixes))
    out: list[str] = []
    for prefix, tail, is_mobile in zip(prefixes, tails.tolist(), mobile.tolist(), strict=False):
        digits = f"6{tail:08d}" if is_mobile else (prefix + f"{tail:08d}")[:9]
        out.append(f"+34 {digits[:3]} {digits[3:6]} {digits[6:]}")
    return out


def _company_names(
    rng: np.random.Generator, plan: Plan, pools: NamePools, cities: list[str]
) -> tuple[list[str], list[str], np.ndarray]:
    """Company names (unique), their bare cores (for web domains) and legal-form indexes."""
    n = len(plan.size)
    prefixes = [p for _, p in vocab.INDUSTRIES.values()]
    pattern = pick(rng, (0.25, 0.25, 0.22, 0.18, 0.10), n)
    core_pick = rng.integers(0, len(pools.company_cores), n)
    last1 = rng.integers(0, len(pools.last_names), n)
    last2 = rng.integers(0, len(pools.last_names), n)
    place = rng.integers(0, len(vocab.PLACE_WORDS), n)
    prefix_pick = rng.integers(0, 100, n)
    legal = pick(rng, [w for w, _ in vocab.LEGAL_FORMS.values()], n)
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
        for c, p, l2 in zip(plan.city.tolist(), place.tolist(), last2[::-1].tolist(), strict=False)
    ]
    cores = dedupe(cores, alternatives)
    names = [f"{core} {legal_names[form]}" for core, form in zip(cores, legal.tolist(), strict=True)]
    return names, cores, legal


def client_columns(
    rng: np.random.Generator, plan: Plan, pools: NamePools, today: int, status: np.ndarray
) -> tuple[Columns, list[str]]:
    """The clients table, and each client's unique web domain (reused for contact e-mails)."""
    n = len(plan.size)
    _regions, region_of_city, city_rows = city_table()
    regions = list(vocab.PLACES)
    city_names = [c[0] for c in city_rows]
    names, cores, legal = _company_names(rng, plan, pools, city_names)
    letters = np.array([v[1] for v in vocab.LEGAL_FORMS.values()])[legal]
    provinces = np.array([int(city_rows[c][1]) for c in plan.city])

    slugs = [ascii_slug(core) or "empresa" for core in cores]
    tld = np.where(rng.random(n) < 0.8, ".es", ".com")
    domains = unique_domains(slugs, tld.tolist())
    local = np.asarray(vocab.EMAIL_LOCAL_PARTS, dtype=object)[rng.integers(0, len(vocab.EMAIL_LOCAL_PARTS), n)]
    emails = [f"{lp}@{d}" for lp, d in zip(local.tolist(), domains, strict=False)]
    has_site = rng.random(n) < np.where(plan.size == 0, 0.55, 0.92)
    websites = np.array(
        [f"https://www.{d}" if s else None for d, s in zip(domains, has_site.tolist(), strict=False)], dtype=object
    )
    has_linkedin = rng.random(n) < np.where(plan.size >= 2, 0.85, 0.45)
    linkedin = np.array(
        [
            f"https://www.linkedin.com/company/{d.split('.')[0]}" if s else None
            for d, s in zip(domains, has_linkedin.tolist(), strict=False)
        ],
        dtype=object,
    )

    street = pools.streets[rng.integers(0, len(pools.streets), n)]
    number = rng.integers(1, 180, n)
    post = rng.integers(1, 999, n)
    addresses = [
        f"{s}, {num}, {prov:02d}{pc:03d} {city_names[c]}"
        for s, num, prov, pc, c in zip(
            street.tolist(), number.tolist(), provinces.tolist(), post.tolist(), plan.city.tolist(), strict=False
        )
    ]
    phones = _phones(rng, [city_rows[c][2] for c in plan.city], (plan.size == 0) & (rng.random(n) < 0.7))

    lo = np.asarray([r[0] for r in vocab.SIZE_EMPLOYEES])[plan.size]
    hi = np.asarray([r[1] for r in vocab.SIZE_EMPLOYEES])[plan.size]
    employees = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))).astype(np.int64)

    seg_weights = np.asarray(vocab.SEGMENT_WEIGHTS)
    cum = np.cumsum(seg_weights, axis=1)
    cum /= cum[:, -1:]
    segment_idx = np.minimum((rng.random(n)[:, None] >= cum[plan.size]).sum(axis=1), len(vocab.SEGMENTS) - 1)

    created_ts = utc_timestamps(plan.created, business_minutes(rng, n))
    edited = rng.random(n) < 0.5
    updated_days = plan.created + np.floor((today - plan.created) * rng.random(n)).astype(np.int64)
    updated_ts = np.where(edited, utc_timestamps(updated_days, business_minutes(rng, n)), created_ts)
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


def contact_columns(
    rng: np.random.Generator, plan: Plan, pools: NamePools, domains: list[str]
) -> tuple[Columns, np.ndarray, np.ndarray]:
    """Contacts, the first contact id of each client and each client's contact count."""
    n = len(plan.size)
    count = pick(rng, (0.4, 0.4, 0.2), n) + 1
    count = np.where(plan.size >= 2, np.maximum(count, 2), count)
    first_id = np.cumsum(count) - count + 1
    client = np.repeat(np.arange(n), count)
    pos = group_index(count)
    total = len(client)
    female = rng.random(total) < 0.5
    first_f = pools.first_names_female[rng.integers(0, len(pools.first_names_female), total)]
    first_m = pools.first_names_male[rng.integers(0, len(pools.first_names_male), total)]
    first = np.where(female, first_f, first_m)
    last1 = pools.last_names[rng.integers(0, len(pools.last_names), total)]
    last2 = pools.last_names[rng.integers(0, len(pools.last_names), total)]
    full = [f"{a} {b} {c}" for a, b, c in zip(first.tolist(), last1.tolist(), last2.tolist(), strict=False)]
    handle = {
        name: ascii_slug(name.split()[0]).replace("-", "") or "contacto"
        for name in {*pools.first_names_female, *pools.first_names_male, *pools.last_names}
    }
    emails = [
        f"{handle[a]}.{handle[b]}@{domains[c]}" for a, b, c in zip(first.tolist(), last1.tolist(), client.tolist(), strict=False)
    ]
    role_main = np.asarray(vocab.CONTACT_ROLES, dtype=object)[rng.integers(0, len(vocab.CONTACT_ROLES), total)]
    role_billing = np.asarray(vocab.BILLING_ROLES, dtype=object)[rng.integers(0, len(vocab.BILLING_ROLES), total)]
    is_billing = (pos == 1) | (count[client] == 1)
    role = np.where((pos == 1), role_billing, role_main)
    phones = _phones(rng, ["6"] * total, np.ones(total, bool))
    whatsapp = np.where(rng.random(total) < 0.5, np.array(phones, dtype=object), NO_TEXT)
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
