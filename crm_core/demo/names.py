"""Pools of Spanish names drawn once from Faker `es_ES`, then combined with numpy (Faker per row is slow)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from crm_core.demo.vocab import ACCOUNT_MANAGERS, LEGAL_FORMS


@dataclass(frozen=True)
class NamePools:
    """Name parts for the demo portfolio; `company_cores` are Faker company names without legal form."""

    company_cores: np.ndarray
    last_names: np.ndarray
    first_names_female: np.ndarray
    first_names_male: np.ndarray
    streets: np.ndarray
    owners: np.ndarray


def _strip_legal_form(name: str) -> str:
    words = name.split()
    suffixes = set(LEGAL_FORMS) | {"S.A.D", "S.A.T.", "S.A.U", "S.C.P", "S.Com.", "S.L.N.E"}
    while len(words) > 1 and words[-1] in suffixes:
        words.pop()
    return " ".join(words)


def name_pools(seed: int, companies: int = 2500, people: int = 600) -> NamePools:
    """Deterministic pools for `seed` (Faker seeded per instance, so other Faker users are untouched)."""
    fake = Faker("es_ES")
    fake.seed_instance(seed)
    cores = sorted({_strip_legal_form(fake.company()) for _ in range(companies)})
    last = sorted({fake.last_name() for _ in range(people * 2)})
    female = sorted({fake.first_name_female() for _ in range(people)})
    male = sorted({fake.first_name_male() for _ in range(people)})
    streets = sorted({fake.street_name() for _ in range(people)})
    owners: list[str] = []
    while len(owners) < ACCOUNT_MANAGERS:
        first = fake.first_name_female() if len(owners) % 2 else fake.first_name_male()
        owner = f"{first} {fake.last_name()}"
        if owner not in owners:
            owners.append(owner)
    as_array = lambda values: np.array(values, dtype=object)  # noqa: E731
    return NamePools(
        company_cores=as_array(cores),
        last_names=as_array(last),
        first_names_female=as_array(female),
        first_names_male=as_array(male),
        streets=as_array(streets),
        owners=as_array(owners),
    )
