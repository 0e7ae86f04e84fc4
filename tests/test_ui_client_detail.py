"""A client's "Statement & claims" tab (AppTest on the demo portfolio): statement, claims, downloads, cobro advice."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from crm_core.analytics import client_health
from crm_core.analytics.advice import recommendations
from crm_core.analytics.late_rates import load_late_rates
from crm_core.analytics.receivables import (
    client_claims,
    client_statement,
    late_payment_claims,
)
from crm_core.db import get_engine
from crm_core.i18n import format_money
from crm_core.i18n.domain_text import recommendation_text
from crm_core.store.frames import load_frames
from tests.apptest_helpers import open_page

AS_OF = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def shipped_rates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LATE_RATES", raising=False)


@pytest.fixture
def demo(demo_db: str):
    frames = load_frames(get_engine(demo_db))
    health = client_health(frames, AS_OF)
    claims = late_payment_claims(frames.invoices, frames.payments, AS_OF, load_late_rates())
    return frames, health, claims


def _open(client_id: int, lang: str = "en"):
    at = open_page("pages/clients.py", AS_OF, lang)
    at.selectbox(key="client_pick").select(client_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_statement_and_claims_of_an_overdue_client(demo) -> None:
    frames, health, claims = demo
    late = health.loc[health["max_days_overdue"] > 30]
    client_id = int(late.index[0])
    at = _open(client_id)
    statement = client_statement(frames.invoices, frames.payments, client_id, AS_OF - timedelta(days=365), AS_OF)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Opening balance"] == format_money(statement.opening_balance, "en")
    assert metrics["Closing balance (outstanding)"] == format_money(health.loc[client_id, "outstanding"], "en")
    shown = next(df.value for df in at.dataframe if "balance" in df.value.columns)
    assert [float(v) for v in shown["balance"]] == [float(v) for v in statement.rows["balance"]]
    mine = claims.loc[claims["client_id"] == client_id]
    assert len(mine) > 0
    table = next(df.value for df in at.dataframe if "claim_total" in df.value.columns)
    assert sorted(table["number"]) == sorted(mine["number"])
    assert metrics["Total claimable"] == format_money(
        (mine["interest_cents"].sum() + mine["compensation_cents"].sum()) / 100, "en"
    )
    labels = {b.label for b in at.get("download_button")}
    assert {"Statement (CSV)", "Statement (PDF)", "Claims (CSV)", "Claim letter (PDF)"} <= labels
    # the cobro recommendation with the claimable amount
    claim = client_claims(mine, pd.Index([client_id])).iloc[0]
    cobro = next(rec for rec in recommendations(health.loc[client_id], claim=claim) if rec.code == "cobro")
    texts = " ".join(e.value for e in [*at.error, *at.warning, *at.info, *at.success])
    assert recommendation_text(cobro, "en") in texts


def test_statement_period_is_chosen_and_spanish_labels(demo) -> None:
    frames, health, _ = demo
    client_id = int(health.loc[health["outstanding"] > 0].index[0])
    at = _open(client_id, "es")
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    at.date_input(key=f"statement_start_{client_id}").set_value(start)
    at.date_input(key=f"statement_end_{client_id}").set_value(end).run()
    assert not at.exception
    statement = client_statement(frames.invoices, frames.payments, client_id, start, end)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Saldo inicial"] == format_money(statement.opening_balance, "es")
    assert metrics["Saldo final (pendiente de cobro)"] == format_money(statement.closing_balance, "es")
    labels = {b.label for b in at.get("download_button")}
    assert {"Extracto (CSV)", "Extracto (PDF)"} <= labels


def test_a_bad_rates_file_is_said_not_raised(demo, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, health, _ = demo
    bad = tmp_path / "rates.csv"
    bad.write_text("half_year_start,rate_percent\n2026-07-01,9,5,x\n2026-13-01,9\n", encoding="utf-8")
    monkeypatch.setenv("CRM_LATE_RATES", str(bad))
    at = _open(int(health.index[0]))
    errors = " ".join(e.value for e in at.error)
    assert f"late-payment rates file {bad}, line 3: half_year_start '2026-13-01' is not a date YYYY-MM-DD" in errors
    collections = open_page("pages/collections.py", AS_OF, "es")
    assert f"fichero de tipos de interés de demora {bad}, línea 3: half_year_start '2026-13-01' no es una fecha" in " ".join(
        e.value for e in collections.error
    )
