"""What the client search finds besides name, email and tax id: contact names, phone numbers, invoice numbers.

A pure read model: one text per client to search in (`search_index`) and the clients a typed text
finds in it (`clients_matching`); for a search-first client picker, the few clients a typed text
names (`picker_matches`: company names first, then what the index finds). Phone numbers are compared by their digits, without the Spanish
prefix (+34 / 0034), so `954 12 34 56`, `+34954123456` and `954123456` find the same client.

The index is built in bulk (pandas string methods, one sort per table) from three parts that each
read one table (`client_search_part`, `contact_search_part`, `invoice_search_part`), combined by
`combined_index`: a cache keeps each part until its own table is written.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_core.store.frames import Frames

_NOT_DIGIT = re.compile(r"\D+")
_SPANISH_PREFIX = re.compile(r"^(?:0034|34)(?=\d{9})")  # as phone_digits drops it: 9 digits must remain
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


def _phone_digits(values: pd.Series) -> pd.Series:
    """`phone_digits` of every cell in bulk: missing where the cell is not text (it finds nothing either way).

    ASCII text goes through Arrow's regex kernels (there a digit is 0-9, as in Python's `re` for
    ASCII); a column with other text (another script's digits) or non-text cells through Python's `re`.
    """
    texts = values.astype("object")
    try:
        arrow = pa.array(texts, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a cell that is neither text nor missing
        arrow = None
    if arrow is not None and pc.all(pc.string_is_ascii(arrow)).as_py() is not False:
        digits = pc.replace_substring_regex(arrow, pattern=r"\D+", replacement="")
        local = pc.replace_substring_regex(digits, pattern=r"^(?:0034|34)(\d{9})", replacement=r"\1")
        return pd.Series(local.to_numpy(zero_copy_only=False), index=values.index, dtype=object)
    digits = texts.str.replace(_NOT_DIGIT, "", regex=True)
    return digits.str.replace(_SPANISH_PREFIX, "", regex=True)


def _casefolded(values: pd.Series) -> pd.Series:
    """Every text cell case-folded in bulk; missing where the cell is not text."""
    return values.astype("object").str.casefold()


def _joined(client_ids: pd.Series, texts: pd.Series) -> pd.Series:
    """Per client_id (ascending), its non-empty `texts` joined by the separator, in row order.

    One stable sort and a join per client over slices of one list: a groupby calling a Python
    function per group took seconds at 100,000 clients.
    """
    values = texts.to_numpy(dtype=object)
    kept = client_ids.notna().to_numpy() & texts.notna().to_numpy() & (values != "")
    ids = client_ids.to_numpy()[kept]
    order = np.argsort(ids, kind="stable")
    ids, ordered = ids[order], values[kept][order].tolist()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], dtype=np.intp)
    bounds = [*starts.tolist(), len(ids)]
    joined = [_SEP.join(ordered[start:end]) for start, end in itertools.pairwise(bounds)]
    return pd.Series(joined, index=pd.Index(ids[starts], name="client_id"), dtype="str")


def client_search_part(clients: pd.DataFrame) -> pd.Series:
    """Per client (every one, in the frame's order): the digits of its own phone. Reads only `clients`.

    The part of `search_index` a write to contacts or invoices leaves as it was.
    """
    ids = pd.Index(clients["client_id"], name="client_id")
    return _joined(clients["client_id"], _phone_digits(clients["phone"])).reindex(ids).fillna("")


# The contacts' columns contact_search_part reads (not their last interaction, which every logged
# activity moves): where these are unchanged, so is the part.
CONTACT_SEARCH_COLUMNS: tuple[str, ...] = ("client_id", "full_name", "phone", "whatsapp")


def contact_search_part(contacts: pd.DataFrame) -> pd.DataFrame:
    """Per client_id with contacts: `names` (case-folded contact names) and `phones` (digits of the
    contacts' phones, then of their WhatsApps), each joined by the separator. Reads only
    CONTACT_SEARCH_COLUMNS of `contacts`."""
    names = _joined(contacts["client_id"], _casefolded(contacts["full_name"]))
    twice = pd.concat([contacts["client_id"], contacts["client_id"]], ignore_index=True)
    numbers = pd.concat([_phone_digits(contacts["phone"]), _phone_digits(contacts["whatsapp"])], ignore_index=True)
    part = pd.DataFrame({"names": names, "phones": _joined(twice, numbers)})
    return part.fillna("").rename_axis("client_id")


def invoice_search_part(invoices: pd.DataFrame) -> pd.Series:
    """Per client_id with invoices: their numbers, case-folded, joined by the separator. Reads only `invoices`.

    The costly part at 100,000 clients (2M numbers): kept apart so a contacts write does not rebuild it.
    """
    return _joined(invoices["client_id"], _casefolded(invoices["number"]))


def combined_index(client_part: pd.Series, contact_part: pd.DataFrame, invoice_part: pd.Series) -> pd.DataFrame:
    """`search_index` from its three parts (`client_search_part`, `contact_search_part`,
    `invoice_search_part`): one row per client of `client_part`, in its order; cheap (no per-client call)."""
    index = client_part.index
    own = client_part.astype("str")
    theirs = contact_part["phones"].reindex(index).fillna("").astype("str")
    both = (own != "").to_numpy() & (theirs != "").to_numpy()
    phones = (own + _SEP + theirs).where(both, own + theirs)
    return pd.DataFrame(
        {
            "names": contact_part["names"].reindex(index).fillna("").astype("str"),
            "phones": phones,
            "invoices": invoice_part.reindex(index).fillna("").astype("str"),
        },
        index=index,
    )


def search_index(frames: Frames) -> pd.DataFrame:
    """Per client_id: `names` (contact names, case-folded), `phones` (digits of every phone of the client
    and its contacts) and `invoices` (invoice numbers, case-folded), each joined by a separator.

    Built from parts that each read one table (see `combined_index`), so a cache can keep each part
    until its own table is written.
    """
    return combined_index(
        client_search_part(frames.clients), contact_search_part(frames.contacts), invoice_search_part(frames.invoices)
    )


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
