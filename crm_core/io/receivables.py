"""Receivables as CSV a spreadsheet opens cleanly: late-payment claims and a client's statement.

Headers and labels in the chosen language, numbers left as numbers, UTF-8 with BOM, `,` or `;`
(`;` with a decimal comma), formula-like cells neutralised: the conventions of `io.at_risk`.
A provisional claim says in its own row which half-year has no rate and where to add it.
"""

from __future__ import annotations

import pandas as pd

from crm_core.analytics.receivables import Statement
from crm_core.i18n import t
from crm_core.io.at_risk import to_csv_bytes

# (claims column, header key), in the order of the export.
CLAIM_EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("client_id", "field.client_id"),
    ("company_name", "field.company_name"),
    ("tax_id", "field.tax_id"),
    ("number", "field.number"),
    ("issue_date", "field.issue_date"),
    ("due_date", "field.due_date"),
    ("capped_due_date", "column.capped_due_date"),
    ("paid_date", "column.paid_date"),
    ("days_late", "column.days_late"),
    ("principal", "column.principal"),
    ("outstanding", "figure.outstanding"),
    ("interest", "column.interest"),
    ("compensation", "column.compensation"),
    ("claim_total", "column.claim_total"),
    ("provisional", "column.provisional"),
    ("rates_note", "column.missing_half_years"),
)
STATEMENT_EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("date", "column.date"),
    ("kind", "column.kind"),
    ("reference", "column.reference"),
    ("debit", "column.debit"),
    ("credit", "column.credit"),
    ("balance", "column.balance"),
    ("note_amount", "column.note_amount"),
)


def provisional_note(half_years: str, where_to_add: str, lang: str) -> str:
    """The sentence a provisional claim carries: which half-year lacks a rate and which file to add it to."""
    return t("claims.provisional", lang, half_years=half_years, path=where_to_add)


def claims_export(claims: pd.DataFrame, clients: pd.DataFrame, lang: str, where_to_add: str) -> pd.DataFrame:
    """`late_payment_claims` rows with the client's name and tax id, headers in `lang`, by client then due date."""
    names = clients.set_index("client_id")[["company_name", "tax_id"]]
    rows = claims.join(names, on="client_id").sort_values(["client_id", "capped_due_date", "number"], kind="stable")
    out = pd.DataFrame(index=rows.index)
    for column, _ in CLAIM_EXPORT_COLUMNS:
        if column == "provisional":
            out[column] = rows[column].map({True: t("common.yes", lang), False: t("common.no", lang)})
        elif column == "rates_note":
            out[column] = [
                provisional_note(half, where_to_add, lang) if flag else ""
                for flag, half in zip(rows["provisional"], rows["missing_half_years"], strict=True)
            ]
        elif column in ("issue_date", "due_date", "capped_due_date", "paid_date"):
            out[column] = pd.to_datetime(rows[column]).dt.normalize()
        elif column in ("company_name", "tax_id", "number"):
            out[column] = rows[column].astype(object)
        else:
            out[column] = rows[column]
    return out.rename(columns={column: t(key, lang) for column, key in CLAIM_EXPORT_COLUMNS}).reset_index(drop=True)


def claims_csv(claims: pd.DataFrame, clients: pd.DataFrame, lang: str, where_to_add: str, sep: str = ",") -> bytes:
    """The claims as CSV bytes (UTF-8 with BOM, Excel-safe)."""
    return to_csv_bytes(claims_export(claims, clients, lang, where_to_add), sep, lang)


def statement_export(statement: Statement, lang: str) -> pd.DataFrame:
    """The statement as a table in `lang`: an opening-balance row, the lines, a closing-balance row."""

    def money(values: pd.Series) -> list[float]:
        return [float(value) for value in values]

    rows = statement.rows
    lines = pd.DataFrame(
        {
            "date": rows["date"],
            "kind": rows["kind"].map(lambda kind: t(f"statement_kind.{kind}", lang)),
            "reference": rows["reference"],
            "debit": money(rows["debit"]),
            "credit": money(rows["credit"]),
            "balance": money(rows["balance"]),
            "note_amount": [float(v) if v else None for v in rows["note_amount"]],
        }
    )
    opening = pd.DataFrame(
        {
            "date": [pd.Timestamp(statement.start)],
            "kind": [t("statement.opening", lang)],
            "reference": [""],
            "debit": [None],
            "credit": [None],
            "balance": [float(statement.opening_balance)],
            "note_amount": [None],
        }
    )
    closing = pd.DataFrame(
        {
            "date": [pd.Timestamp(statement.end)],
            "kind": [t("statement.closing", lang)],
            "reference": [""],
            "debit": [float(statement.total_debit)],
            "credit": [float(statement.total_credit)],
            "balance": [float(statement.closing_balance)],
            "note_amount": [float(statement.unapplied_credit_notes) or None],
        }
    )
    out = pd.concat([opening, lines, closing], ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    for column in ("debit", "credit", "balance", "note_amount"):
        out[column] = out[column].astype("float64")
    return out.rename(columns={column: t(key, lang) for column, key in STATEMENT_EXPORT_COLUMNS})


def statement_csv(statement: Statement, lang: str, sep: str = ",") -> bytes:
    """The statement as CSV bytes (UTF-8 with BOM, Excel-safe)."""
    return to_csv_bytes(statement_export(statement, lang), sep, lang)


def file_name(stem_key: str, client_id: int | None, as_of: object, lang: str, extension: str) -> str:
    """`late-payment-claims-12-2026-11-25.csv` (Spanish stems: `reclamacion-morosidad-...`)."""
    client = f"-{client_id}" if client_id is not None else ""
    return f"{t(stem_key, lang)}{client}-{as_of}.{extension}"
