"""Possible duplicates of a client being created: the same company name or email once normalised.

Normalised: case, accents, punctuation and the legal form (S.L., SL, S.A., S.L.U., S.Coop., …) do
not count, so "Talleres Pérez S.L." and "TALLERES PEREZ SL" are the same name; an email is the
same in any case. A pure read model over the clients frame; the form warns, a person decides.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# Legal forms at the end of a Spanish company name, written without dots and spaces.
LEGAL_FORMS: tuple[str, ...] = (
    "slu",
    "sl",
    "sa",
    "sau",
    "scoop",
    "scl",
    "sll",
    "slne",
    "sc",
    "cb",
    "slp",
    "sap",
    "sal",
    "srl",
    "ltd",
    "inc",
    "llc",
)
_FORM_RE = re.compile(
    r"(?:\b(?:" + "|".join(f"{'[ .]*'.join(form)}" for form in sorted(LEGAL_FORMS, key=len, reverse=True)) + r")\.?)+$"
)


def normalise_name(name: object) -> str:
    """A company name compared as a person would: `Talleres Pérez S.L.` -> `talleres perez`."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[,;:()\"'’]+", " ", text).strip()
    text = _FORM_RE.sub("", text).strip(" .-&")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def duplicate_candidates(clients: pd.DataFrame, company_name: str | None, email: str | None) -> pd.DataFrame:
    """The clients whose normalised name or email equals the new one's (client_id, company_name, email, why)."""
    wanted_name = normalise_name(company_name)
    wanted_email = (email or "").strip().casefold()
    names = clients["company_name"].map(normalise_name)
    emails = clients["email"].fillna("").astype("object").str.strip().str.casefold()
    same_name = (names == wanted_name) & (wanted_name != "")
    same_email = (emails == wanted_email) & (wanted_email != "")
    found = clients.loc[(same_name | same_email).to_numpy(), ["client_id", "company_name", "email"]].copy()
    found["why"] = ["name" if n else "email" for n in same_name[same_name | same_email]]
    return found.reset_index(drop=True)
