"""Late-payment claims (Ley 3/2004) and statements, on cases worked by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics.late_rates import LateRatesError, load_late_rates
from crm_core.analytics.payments import client_payment_figures, invoice_status
from crm_core.analytics.receivables import (
    client_claims,
    client_statement,
    late_payment_claims,
    missing_half_years,
)
from crm_core.db import get_engine
from crm_core.i18n.error_text import error_text
from crm_core.store.frames import load_frames
from tests.frames_builder import d, table


def invoice(invoice_id: int, total: float, issue: str, due: str, client_id: int = 1, **more: object) -> dict:
    return {
        "invoice_id": invoice_id,
        "client_id": client_id,
        "number": f"F-{invoice_id}",
        "issue_date": d(issue),
        "due_date": d(due),
        "total": total,
        **more,
    }


def payment(payment_id: int, invoice_id: int, paid_on: str, amount: float) -> dict:
    return {"payment_id": payment_id, "invoice_id": invoice_id, "paid_on": d(paid_on), "amount": amount}


def claims_of(invoices: list[dict], payments: list[dict], as_of: str) -> pd.DataFrame:
    return late_payment_claims(table("invoices", invoices), table("payments", payments), d(as_of))


def one(claims: pd.DataFrame) -> pd.Series:
    assert len(claims) == 1
    return claims.iloc[0]


@pytest.fixture(autouse=True)
def shipped_rates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LATE_RATES", raising=False)


def test_worked_example_of_the_issue_to_the_cent() -> None:
    # 1,000.00 due 2025-06-09, unpaid at 2025-08-31: 21 days at 11.15 % + 62 days at 10.15 %
    # = 1000 * (21 * 0.1115 + 62 * 0.1015) / 365 = 23.6562 -> 23.66, plus 40.
    row = one(claims_of([invoice(1, 1000.00, "2025-05-10", "2025-06-09")], [], "2025-08-31"))
    assert row["days_late"] == 83
    assert row["interest_cents"] == 2366
    assert row["interest"] == 23.66
    assert row["compensation"] == 40.0
    assert row["claim_total"] == 63.66
    assert not row["provisional"]


def test_paid_late_across_a_half_year_boundary() -> None:
    # 2,000.00 due 2024-06-20, paid in full 2024-07-10: 10 days (06-21..06-30) at 12.50 % and 10 days
    # (07-01..07-10, the payment day included) at 12.25 %: 2000 * (1.25 + 1.225) / 365 = 13.5616 -> 13.56.
    row = one(claims_of([invoice(1, 2000.00, "2024-05-21", "2024-06-20")], [payment(1, 1, "2024-07-10", 2000.00)], "2024-12-31"))
    assert row["days_late"] == 20
    assert row["interest"] == 13.56
    assert row["claim_total"] == 53.56
    assert row["outstanding"] == 0.0


def test_partial_payment_mid_delay_stops_interest_on_its_amount_the_next_day() -> None:
    # 1,000.00 due 2025-03-31; 400 paid 2025-04-10, 600 on 2025-04-30. 04-01..04-10: 10 days on 1,000;
    # 04-11..04-30: 20 days on 600; at 11.15 %: (10,000 + 12,000) * 0.1115 / 365 = 6.7205 -> 6.72.
    row = one(
        claims_of(
            [invoice(1, 1000.00, "2025-03-01", "2025-03-31")],
            [payment(1, 1, "2025-04-10", 400.00), payment(2, 1, "2025-04-30", 600.00)],
            "2025-06-30",
        )
    )
    assert row["days_late"] == 30
    assert row["interest"] == 6.72
    assert row["paid_date"] == pd.Timestamp("2025-04-30")


def test_payment_before_the_due_date_lowers_the_principal_from_the_first_late_day() -> None:
    # 1,000 due 2025-03-31, 700 paid on time (03-20), 300 still owed at 2025-04-29: 29 days on 300 at 11.15 %
    # = 300 * 0.1115 * 29 / 365 = 2.6576 -> 2.66.
    row = one(claims_of([invoice(1, 1000.00, "2025-03-01", "2025-03-31")], [payment(1, 1, "2025-03-20", 700.00)], "2025-04-29"))
    assert row["interest"] == 2.66
    assert row["outstanding"] == 300.0


def test_credit_note_has_no_claim_and_does_not_lower_the_invoices_claim() -> None:
    # Invoice 500 due 2025-01-31, unpaid at 2025-03-02 (30 days at 11.15 % = 4.5822 -> 4.58); a credit note of
    # -200 issued 2025-02-10 is not linked to an invoice: it neither claims nor reduces the principal.
    claims = claims_of(
        [invoice(1, 500.00, "2025-01-01", "2025-01-31"), invoice(2, -200.00, "2025-02-10", "2025-02-10", credit_note=True)],
        [],
        "2025-03-02",
    )
    row = one(claims)
    assert row["invoice_id"] == 1
    assert row["days_late"] == 30
    assert row["interest"] == 4.58


def test_agreed_term_of_90_days_is_capped_to_60() -> None:
    # Issued 2024-01-15 with 90 days (due 2024-04-14): capped due 2024-03-15 (issue + 60); unpaid at 2024-04-14:
    # 30 days (03-16..04-14) at 12.50 % on 3,000 = 30.8219 -> 30.82, though the agreed due date is only today.
    row = one(claims_of([invoice(1, 3000.00, "2024-01-15", "2024-04-14")], [], "2024-04-14"))
    assert row["capped_due_date"] == pd.Timestamp("2024-03-15")
    assert row["days_late"] == 30
    assert row["interest"] == 30.82


def test_paid_late_invoice_claims_the_paid_delay_only() -> None:
    # 1,500 due 2023-09-30, paid in full 2023-10-20; at 2024-06-30 the claim is the 20 late days at 12.00 %:
    # 1500 * 0.12 * 20 / 365 = 9.8630 -> 9.86, nothing after the payment.
    row = one(claims_of([invoice(1, 1500.00, "2023-08-31", "2023-09-30")], [payment(1, 1, "2023-10-20", 1500.00)], "2024-06-30"))
    assert row["days_late"] == 20
    assert row["interest"] == 9.86
    assert row["claim_total"] == 49.86


def test_no_claim_when_paid_on_time_not_yet_due_void_or_paid_after_the_as_of_date() -> None:
    claims = claims_of(
        [
            invoice(1, 100.00, "2025-01-01", "2025-01-31"),  # paid on its due date
            invoice(2, 100.00, "2025-03-01", "2025-04-30"),  # not due at T
            invoice(3, 100.00, "2025-01-01", "2025-01-31", void=True),
            invoice(4, 100.00, "2025-02-01", "2025-02-28"),
        ],  # paid after T: still owed at T
        [payment(1, 1, "2025-01-31", 100.00), payment(2, 4, "2025-04-15", 100.00)],
        "2025-03-10",
    )
    row = one(claims)
    assert row["invoice_id"] == 4
    assert row["days_late"] == 10  # 03-01 .. 03-10, the payment of 04-15 is not known at T
    # 100 * 0.1115 * 10 / 365 = 0.30548 -> 0.31
    assert row["interest"] == 0.31


def test_days_in_a_half_year_the_table_lacks_are_provisional_at_the_latest_rate() -> None:
    # Unpaid 1,000 due 2026-06-20, at 2026-07-10: 10 days (06-21..06-30) at 10.15 % + 10 days in 2026-H2, which
    # the shipped table lacks, priced at its latest rate (10.15 %): 1000 * 0.1015 * 20 / 365 = 5.5616 -> 5.56.
    row = one(claims_of([invoice(1, 1000.00, "2026-05-21", "2026-06-20")], [], "2026-07-10"))
    assert row["interest"] == 5.56
    assert row["provisional"]
    assert row["missing_half_years"] == "2026-H2"
    claims = claims_of([invoice(1, 1000.00, "2026-05-21", "2026-06-20")], [], "2026-07-10")
    assert missing_half_years(claims) == ["2026-H2"]


def test_a_user_rates_file_adds_the_missing_half_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "rates.csv"
    extra.write_text("half_year_start,rate_percent,source\n2026-07-01,9.00,test\n", encoding="utf-8")
    monkeypatch.setenv("CRM_LATE_RATES", str(extra))
    # 10 days at 10.15 % + 10 days at 9.00 %: 1000 * (1.015 + 0.9) / 365 = 5.2466 -> 5.25, no longer provisional.
    row = one(claims_of([invoice(1, 1000.00, "2026-05-21", "2026-06-20")], [], "2026-07-10"))
    assert row["interest"] == 5.25
    assert not row["provisional"]
    assert load_late_rates().where_to_add == str(extra)


@pytest.mark.parametrize(
    ("content", "line", "code", "english", "spanish"),
    [
        (
            "half_year_start,rate_percent\n2026-07-02,9.00\n",
            2,
            "late_rates.half_year_start",
            "half_year_start 2026-07-02 must be a 1 January or a 1 July",
            "debe ser un 1 de enero o un 1 de julio",
        ),
        (
            "half_year_start,rate_percent\n2026-07-01,nine\n",
            2,
            "late_rates.rate",
            "rate_percent 'nine' is not a number",
            "rate_percent 'nine' no es un número",
        ),
        (
            "half_year_start,rate_percent\n2026-01-01,9\n2026-07-01,9.1234\n",
            3,
            "late_rates.rate_range",
            "rate_percent 9.1234 must be between 0 and 100 with at most 3 decimals",
            "con 3 decimales como máximo",
        ),
        (
            "half_year_start,rate_percent\n2026-07-01,9\n2026-07-01,9.5\n",
            3,
            "late_rates.twice",
            "half-year 2026-07-01 is listed twice",
            "el semestre 2026-07-01 aparece dos veces",
        ),
        (
            "start,rate\n2026-07-01,9\n",
            1,
            "late_rates.columns",
            "missing column(s) 'half_year_start', 'rate_percent' (expected half_year_start, rate_percent, source)",
            "faltan las columnas 'half_year_start', 'rate_percent'",
        ),
    ],
)
def test_a_bad_rates_file_is_refused_naming_the_line(
    tmp_path: Path, content: str, line: int, code: str, english: str, spanish: str
) -> None:
    bad = tmp_path / "rates.csv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(LateRatesError) as caught:
        load_late_rates(str(bad))
    assert (caught.value.code, caught.value.line) == (code, line)
    assert caught.value.message == f"late-payment rates file {bad}, line {line}: {english}"
    assert f"{bad}, línea {line}: " in error_text(caught.value, "es") and spanish in error_text(caught.value, "es")


def test_missing_user_rates_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LateRatesError, match="does not exist"):
        load_late_rates(str(tmp_path / "none.csv"))


def test_shipped_table_holds_the_rates_of_the_issue() -> None:
    rates = load_late_rates()
    for day, percent in [
        ("2023-03-01", "10.50"),
        ("2023-09-01", "12.00"),
        ("2024-01-01", "12.50"),
        ("2024-12-31", "12.25"),
        ("2025-06-30", "11.15"),
        ("2025-07-01", "10.15"),
        ("2026-06-30", "10.15"),
    ]:
        assert rates.rate_percent(d(day)) == Decimal(percent)
    assert rates.rate_percent(d("2026-07-01")) is None


def test_client_claims_sum_per_client_exactly() -> None:
    claims = claims_of(
        [
            invoice(1, 1000.00, "2025-05-10", "2025-06-09", client_id=1),  # 23.66 + 40
            invoice(2, 1000.00, "2025-05-10", "2025-06-09", client_id=1),  # 23.66 + 40
            invoice(3, 500.00, "2025-08-01", "2025-08-31", client_id=2),
        ],  # not late at T
        [],
        "2025-08-31",
    )
    per_client = client_claims(claims, pd.Index([1, 2, 3], name="client_id"))
    assert per_client.loc[1, "claimed_invoices"] == 2
    assert per_client.loc[1, "interest"] == 47.32
    assert per_client.loc[1, "compensation"] == 80.0
    assert per_client.loc[1, "claim_total"] == 127.32
    assert per_client.loc[1, "unpaid_principal"] == 2000.0
    assert per_client.loc[2, "claim_total"] == 0.0
    assert per_client.loc[3, "claimed_invoices"] == 0


# ---------------------------------------------------------------- statement


def test_statement_lines_running_balance_and_credit_note() -> None:
    invoices = table(
        "invoices",
        [
            invoice(1, 1000.00, "2025-01-10", "2025-02-09"),  # before the range
            invoice(2, 500.00, "2025-03-05", "2025-04-04"),
            invoice(3, -120.00, "2025-03-10", "2025-03-10", credit_note=True),
            invoice(4, 300.00, "2025-03-12", "2025-04-11", void=True),
            invoice(5, 50.00, "2025-05-01", "2025-05-31"),  # after the range
            invoice(6, 999.00, "2025-03-05", "2025-04-04", client_id=2),
        ],
    )
    payments = table(
        "payments",
        [
            payment(1, 1, "2025-02-20", 400.00),  # before: opening 1000 - 400 = 600
            payment(2, 1, "2025-03-05", 600.00),  # same day as invoice 2: the invoice comes first
            payment(3, 2, "2025-03-20", 200.00),
            payment(4, 4, "2025-03-15", 300.00),  # on the void invoice: left out
            payment(5, 2, "2025-04-02", 100.00),  # after the range
        ],
    )
    statement = client_statement(invoices, payments, 1, d("2025-03-01"), d("2025-03-31"))
    assert statement.opening_balance == Decimal("600.00")
    rows = statement.rows
    assert list(rows["kind"]) == ["invoice", "payment", "credit_note", "payment"]
    assert list(rows["reference"]) == ["F-2", "F-1", "F-3", "F-2"]
    assert list(rows["debit"]) == [Decimal("500.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")]
    assert list(rows["credit"]) == [Decimal("0.00"), Decimal("600.00"), Decimal("0.00"), Decimal("200.00")]
    assert list(rows["balance"]) == [Decimal("1100.00"), Decimal("500.00"), Decimal("500.00"), Decimal("300.00")]
    assert rows.loc[2, "note_amount"] == Decimal("120.00")
    assert statement.closing_balance == Decimal("300.00")
    assert statement.unapplied_credit_notes == Decimal("120.00")
    assert statement.total_debit == Decimal("500.00")
    assert statement.total_credit == Decimal("800.00")
    status = invoice_status(invoices, payments, d("2025-03-31"))
    figures = client_payment_figures(status, pd.Index([1, 2]), d("2025-03-31"))
    assert Decimal(str(figures.loc[1, "outstanding"])) == statement.closing_balance


@pytest.fixture(scope="module")
def demo_frames(demo_template: Path):
    engine = get_engine(f"sqlite:///{demo_template}")
    try:
        return load_frames(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("end", ["2026-11-25", "2025-12-31", "2026-06-30"])
def test_statement_closing_balance_is_the_aging_outstanding_for_every_demo_client(demo_frames, end: str) -> None:
    as_of = d(end)
    status = invoice_status(demo_frames.invoices, demo_frames.payments, as_of)
    clients = pd.Index(demo_frames.clients["client_id"].to_numpy())
    figures = client_payment_figures(status, clients, as_of)
    assert figures["outstanding"].sum() > 0
    for client_id in clients:
        statement = client_statement(demo_frames.invoices, demo_frames.payments, int(client_id), d("2025-06-01"), as_of)
        assert statement.closing_balance == Decimal(f"{figures.loc[client_id, 'outstanding']:.2f}"), client_id
        if len(statement.rows):
            assert statement.rows["balance"].iloc[-1] == statement.closing_balance


def test_claims_on_the_demo_data_are_late_real_invoices_only(demo_frames) -> None:
    as_of = d("2026-11-25")
    claims = late_payment_claims(demo_frames.invoices, demo_frames.payments, as_of)
    assert len(claims) > 0
    assert (claims["days_late"] > 0).all()
    invoices = demo_frames.invoices.set_index("invoice_id")
    assert not invoices.loc[claims["invoice_id"], "credit_note"].any()
    assert not invoices.loc[claims["invoice_id"], "void"].any()
    # each claim carries its own invoice's number, as the frames' text type
    assert claims["number"].tolist() == invoices.loc[claims["invoice_id"], "number"].tolist()
    assert claims["number"].dtype == "str"
    assert np.array_equal(claims["compensation_cents"].to_numpy(), np.full(len(claims), 4000))
    # 2026-H2 is not in the shipped table: claims with days after 2026-06-30 are provisional, others not.
    last_interest_day = claims["capped_due_date"] + pd.to_timedelta(claims["days_late"], unit="D")
    in_h2 = last_interest_day >= pd.Timestamp("2026-07-01")
    assert in_h2.any() and (~in_h2).any()
    assert (claims["provisional"] == in_h2).all()
    assert set(claims.loc[in_h2, "missing_half_years"]) == {"2026-H2"}


def test_half_a_cent_rounds_up_exactly_once_per_invoice() -> None:
    # 50.00 due 2025-07-01, unpaid at 2025-09-12: 73 days at 10.15 % = 50 * 0.1015 * 73 / 365 = 1.015 exactly:
    # 101.5 cents, rounded half up to 102.
    row = one(claims_of([invoice(1, 50.00, "2025-06-01", "2025-07-01")], [], "2025-09-12"))
    assert row["days_late"] == 73
    assert row["interest_cents"] == 102
    assert row["interest"] == 1.02
