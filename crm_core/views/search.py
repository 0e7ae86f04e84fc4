"""What the client search finds besides name, email and tax id: contact names, phone numbers, invoice numbers.

A pure read model: one text per client to search in (`search_index`) and the clients a typed text
finds in it (`clients_matching`); for a search-first client picker, the few clients a typed text
names (`picker_matches`: company names first, then what the index finds). Phone numbers are compared by their digits, without the Spanish
prefix (+34 / 0034), so `954 12 34 56`, `+34954123456` and `954123456` find the same client.
"""

from __future__ import annotations

import re

import pandas as pd

from crm_core.store.frames import Frames

_NOT_DIGIT = re.compile(r"\D+")
_PHONE_LIKE = re.compile(r"^[+\d][\d\s().\-/]*$")
_SEP = "\x1f"  # between the texts of one client, so a match never spans two of them
MIN_PHONE_DIGITS = 4
PICKER_LIMIT = 50  # clients a search-first picker offers for one typed text


def phone_digits(text: object) -> str:
    """The digits of a phone number without the Spanish prefix: `+34 954 12 34 56` -> `954123456`."""
    if not isinstance(text, str):
        return ""
    digits = _NOT_DIGIT.sub("", text)
    for prefix in ("0034", "34"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 9:
            return digits[len(prefix) :]
    return digits


def _joined(frame: pd.DataFrame, column: str, values: pd.Series) -> pd.Series:
    """Per client_id, the non-empty `values` joined by the separator."""
    kept = pd.DataFrame({"client_id": frame[column], "text": values}).dropna()
    kept = kept.loc[kept["text"] != ""]
    return kept.groupby("client_id")["text"].agg(_SEP.join)


def search_index(frames: Frames) -> pd.DataFrame:
    """Per client_id: `names` (contact names, case-folded), `phones` (digits of every phone of the client
    and its contacts) and `invoices` (invoice numbers, case-folded), each joined by a separator."""
    clients, contacts, invoices = frames.clients, frames.contacts, frames.invoices
    names = _joined(
        contacts, "client_id", contacts["full_name"].astype("object").map(lambda v: v.casefold() if isinstance(v, str) else None)
    )
    phone_columns = [
        pd.DataFrame({"client_id": clients["client_id"], "text": clients["phone"].map(phone_digits)}),
        pd.DataFrame({"client_id": contacts["client_id"], "text": contacts["phone"].map(phone_digits)}),
        pd.DataFrame({"client_id": contacts["client_id"], "text": contacts["whatsapp"].map(phone_digits)}),
    ]
    every_phone = pd.concat(phone_columns, ignore_index=True)
    phones = _joined(every_phone, "client_id", every_phone["text"])
    numbers = _joined(
        invoices, "client_id", invoices["number"].astype("object").map(lambda v: v.casefold() if isinstance(v, str) else None)
    )
    index = pd.DataFrame(index=pd.Index(clients["client_id"], name="client_id"))
    return index.assign(names=names, phones=phones, invoices=numbers).fillna("")


def clients_matching(index: pd.DataFrame, text: str) -> pd.Index:
    """The client ids whose contact names or invoice numbers contain `text` (any case), or whose phone
    numbers contain its digits when it looks like a phone number (spaces and +34 ignored)."""
    needle = text.strip().casefold()
    if not needle:
        return pd.Index([], name="client_id")
    found = index["names"].str.contains(needle, regex=False) | index["invoices"].str.contains(needle, regex=False)
    if _PHONE_LIKE.match(needle):
        digits = phone_digits(needle)
        for prefix in ("+34", "0034"):  # a number typed with the prefix, even in part
            if needle.startswith(prefix):
                digits = _NOT_DIGIT.sub("", needle[len(prefix) :])
        if len(digits) >= MIN_PHONE_DIGITS:
            found |= index["phones"].str.contains(digits, regex=False)
    return index.index[found.to_numpy()]


def folded_names(names: pd.Series) -> pd.Series:
    """Company names by client_id, case-folded and in alphabetical order: what `picker_matches` scans."""
    folded = names.fillna("").astype("object").str.casefold()
    return folded.sort_values(kind="stable")


def picker_matches(folded: pd.Series, text: str, index: pd.DataFrame | None = None, limit: int = PICKER_LIMIT) -> list[int]:
    """Up to `limit` client ids for a typed `text`: names starting with it, then names containing it
    (each alphabetical), then clients `index` finds by contact name, phone or invoice number.

    `folded` is `folded_names` (of the clients the viewer sees); `index` (`search_index`) may be None
    to search names only. Blank
    text finds nothing: a picker over 100,000 clients lists none until something is typed.
    """
    needle = text.strip().casefold()
    if not needle:
        return []
    contains = folded.str.contains(needle, regex=False).to_numpy()
    starts = folded.str.startswith(needle).to_numpy()
    ids = folded.index.to_numpy()
    found = [int(i) for i in ids[starts][:limit]]
    if len(found) < limit:
        found += [int(i) for i in ids[contains & ~starts][: limit - len(found)]]
    if len(found) < limit and index is not None:  # only clients `folded` holds (a rep's own)
        extra = clients_matching(index, text)
        extra = extra[extra.isin(folded.index) & ~extra.isin(found)]
        found += [int(i) for i in extra[: limit - len(found)]]
    return found
