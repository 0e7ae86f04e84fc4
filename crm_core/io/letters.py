"""Letter-style PDFs with fpdf2 (drawn by io.letter_page): a client's statement of account and a Ley 3/2004 claim letter, in Spanish or English.

Each page carries the sender (CRM_COMPANY_NAME, CRM_COMPANY_TAX_ID, CRM_COMPANY_ADDRESS), the client with
its tax id, the date and "page N of M". Text is drawn with a Unicode TrueType font when one is found
(CRM_PDF_FONT, else DejaVu Sans where Debian installs it), so accents and the euro sign print as such;
without one, fpdf2's core Helvetica (Latin-1: accents still print) is used and amounts read "EUR".
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from crm_core.analytics.late_rates import (
    RATE_UNITS_PER_PERCENT,
    LateRates,
    half_year_label,
    half_year_of,
)
from crm_core.analytics.receivables import LEGAL_BASIS_ARTICLES, Statement
from crm_core.i18n import format_date, format_money, format_number, t
from crm_core.io.receivables import provisional_note

FONT_ENV = "CRM_PDF_FONT"
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
)


@dataclass(frozen=True)
class Party:
    """Who sends or receives a letter: name, tax id and address lines."""

    name: str
    tax_id: str = ""
    address: str = ""


def sender_from_env() -> Party:
    """The business sending the letters, from CRM_COMPANY_NAME / CRM_COMPANY_TAX_ID / CRM_COMPANY_ADDRESS."""
    return Party(
        name=os.environ.get("CRM_COMPANY_NAME", "").strip() or "SmartBilling CRM",
        tax_id=os.environ.get("CRM_COMPANY_TAX_ID", "").strip(),
        address=os.environ.get("CRM_COMPANY_ADDRESS", "").strip(),
    )


def recipient_of(client: pd.Series | dict[str, Any]) -> Party:
    """A client (a clients-frame row or ClientOut dump) as the letter's recipient."""

    def text(name: str) -> str:
        value = client.get(name)
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)

    place = ", ".join(part for part in (text("address"), text("city")) if part)
    return Party(name=text("company_name"), tax_id=text("tax_id"), address=place)


def unicode_font() -> tuple[str, str] | None:
    """(regular, bold) TrueType paths to draw with, or None when the machine has none (then core Helvetica)."""
    chosen = os.environ.get(FONT_ENV)
    if chosen:
        return (chosen, chosen) if Path(chosen).is_file() else None
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else regular
    return None


def _money(value: Any, lang: str) -> str:
    return format_money(float(value), lang)


def statement_pdf(statement: Statement, sender: Party, recipient: Party, lang: str, issued_on: date) -> bytes:
    """The statement of account as a PDF letter: period, opening balance, every line, closing balance."""
    title = t("letter.statement_title", lang)
    from crm_core.io.letter_page import LetterPage  # fpdf2 loads on the first letter, not with every page

    pdf = LetterPage(lang, sender, title, issued_on, unicode_font())
    pdf.add_page()
    pdf.heading(recipient)
    pdf.write_line(t("letter.period", lang, start=format_date(statement.start, lang), end=format_date(statement.end, lang)))
    pdf.write_line(f"{t('statement.opening', lang)}: {_money(statement.opening_balance, lang)}", bold=True)
    pdf.ln(2)
    headers = [t(f"column.{name}", lang) for name in ("date", "kind", "reference", "debit", "credit", "balance")]
    rows = []
    for line in statement.rows.to_dict("records"):
        reference = str(line["reference"])
        if line["kind"] == "credit_note":
            reference = f"{reference} ({_money(line['note_amount'], lang)})"
        rows.append(
            [
                format_date(line["date"], lang),
                t(f"statement_kind.{line['kind']}", lang),
                reference,
                _money(line["debit"], lang) if line["debit"] else "",
                _money(line["credit"], lang) if line["credit"] else "",
                _money(line["balance"], lang),
            ]
        )
    if rows:
        pdf.grid(headers, rows, (22, 22, 46, 32, 32, 36), numeric_from=3)
    else:
        pdf.write_line(t("statement.none", lang))
    pdf.write_line(f"{t('statement.closing', lang)}: {_money(statement.closing_balance, lang)}", bold=True)
    if statement.unapplied_credit_notes:
        pdf.ln(2)
        pdf.write_line(t("statement.credit_notes", lang, amount=_money(statement.unapplied_credit_notes, lang)), size=9)
    return bytes(pdf.output())


def rates_used(claims: pd.DataFrame, rates: LateRates, lang: str) -> str:
    """'2025-H1 11,15 %; 2025-H2 10,15 %': the half-years the claims' interest days fall in, with their rates."""
    if claims.empty:
        return ""
    first = pd.to_datetime(claims["capped_due_date"]).min() + pd.Timedelta(days=1)
    last = (pd.to_datetime(claims["capped_due_date"]) + pd.to_timedelta(claims["days_late"], unit="D")).max()
    halves = range(half_year_of(first.date()), half_year_of(last.date()) + 1)
    table = rates.half_year_units()
    parts = []
    for half in halves:
        unit = table.get(half)
        if unit is None:  # priced as the claims were: the latest half-year before it, else the first
            known = [h for h in sorted(table) if h < half] or sorted(table)
            unit = table[known[-1] if known[-1] < half else known[0]]
            note = " (" + t("column.provisional", lang).lower() + ")"
        else:
            note = ""
        parts.append(f"{half_year_label(half)} {format_number(unit / RATE_UNITS_PER_PERCENT, lang, 2)} %{note}")
    return "; ".join(parts)


def claim_letter_pdf(
    claims: pd.DataFrame,
    sender: Party,
    recipient: Party,
    as_of: date,
    lang: str,
    rates: LateRates,
    issued_on: date | None = None,
) -> bytes:
    """The Ley 3/2004 claim letter for one client: its claimed invoices, the totals and the legal basis (art. 5, 7, 8)."""
    title = t("letter.claim_title", lang)
    from crm_core.io.letter_page import LetterPage  # fpdf2 loads on the first letter, not with every page

    pdf = LetterPage(lang, sender, title, issued_on or as_of, unicode_font())
    pdf.add_page()
    pdf.heading(recipient)
    pdf.write_line(t("letter.salutation", lang))
    pdf.ln(1)
    pdf.write_line(t("letter.claim_intro", lang, as_of=format_date(as_of, lang)))
    pdf.ln(2)
    rows = claims.sort_values(["capped_due_date", "number"], kind="stable")
    if rows.empty:
        pdf.write_line(t("letter.no_claims", lang))
    else:
        headers = [
            t(key, lang)
            for key in (
                "field.number",
                "column.capped_due_date",
                "column.days_late",
                "column.principal",
                "column.interest",
                "column.compensation",
                "column.claim_total",
            )
        ]
        body = [
            [
                str(r["number"]) + (" *" if r["provisional"] else ""),
                format_date(r["capped_due_date"], lang),
                format_number(r["days_late"], lang),
                _money(r["principal"], lang),
                _money(r["interest"], lang),
                _money(r["compensation"], lang),
                _money(r["claim_total"], lang),
            ]
            for r in rows.to_dict("records")
        ]
        interest = int(rows["interest_cents"].sum())
        compensation = int(rows["compensation_cents"].sum())
        body.append(
            [
                t("letter.total", lang),
                "",
                "",
                "",
                _money(interest / 100, lang),
                _money(compensation / 100, lang),
                _money((interest + compensation) / 100, lang),
            ]
        )
        pdf.grid(headers, body, (28, 28, 18, 30, 26, 30, 30), numeric_from=2)
        for half_years in sorted(set(rows.loc[rows["provisional"], "missing_half_years"])):
            pdf.write_line("* " + provisional_note(half_years, rates.where_to_add, lang), size=8)
        pdf.write_line(t("letter.rates_used", lang, rates=rates_used(rows, rates, lang)), size=9)
        pdf.ln(2)
        pdf.write_line(
            t(
                "letter.claim_request",
                lang,
                claim=_money((interest + compensation) / 100, lang),
                principal=_money(rows["outstanding"].sum(), lang),
            )
        )
    pdf.ln(3)
    pdf.write_line(t("letter.legal_basis", lang), bold=True)
    for article in LEGAL_BASIS_ARTICLES:
        pdf.write_line(t(f"letter.art{article}", lang), size=9)
        pdf.ln(1)
    pdf.ln(3)
    pdf.write_line(t("letter.closing", lang))
    pdf.write_line(sender.name)
    return bytes(pdf.output())
