"""Overview page (AppTest on the demo portfolio): KPI cards equal portfolio_summary, deltas, charts, language."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from crm_core.analytics import client_health, portfolio_summary
from crm_core.db import get_engine
from crm_core.i18n import format_money, format_number
from crm_core.i18n.formatting import format_money_short
from crm_core.store.frames import load_frames
from crm_core.views.forecast import accuracy_text, forecast_accuracy, pipeline_parts, with_new_deals

AS_OF = date(2026, 11, 25)


def _app() -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["as_of"] = AS_OF
    return at


def _signed(text: str, delta: float) -> str:
    if round(delta, 2) == 0:
        return text.lstrip("-")
    return text if delta < 0 else f"+{text}"


@pytest.fixture
def expected(demo_db):
    """The overview's figures computed straight from crm_core for the same data and date."""
    frames = load_frames(get_engine(demo_db))
    health = client_health(frames, AS_OF)
    summary = portfolio_summary(health, previous=client_health(frames, AS_OF - timedelta(days=30)))
    # the cards add the pipeline's new-deal part (a portfolio figure, outside client_health)
    summary = with_new_deals(summary, pipeline_parts(frames, AS_OF), pipeline_parts(frames, AS_OF - timedelta(days=30)))
    year = portfolio_summary(health, previous=client_health(frames, AS_OF - timedelta(days=365)))
    return summary, year["deltas"]


def _metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_overview_kpis_match_portfolio_summary(demo_db, expected):
    summary, year_deltas = expected
    at = _app().run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    shown = _metrics(at)
    deltas = summary["deltas"]

    for life, name in [
        ("active", "Active"),
        ("vip", "VIP"),
        ("dormant", "Dormant"),
        ("prospect", "Prospects"),
        ("lost", "Lost"),
    ]:
        count, change = summary["by_lifecycle"][life], deltas["by_lifecycle"][life]
        assert shown[name] == (format_number(count, "en"), _signed(format_number(change, "en"), change))
    assert sum(summary["by_lifecycle"].values()) == 120

    # amounts in millions from a million on (a card cannot wrap), the exact amount in the tooltip
    assert shown["Revenue, 12 months"] == (
        format_money_short(summary["revenue_12m"], "en"),
        _signed(format_money_short(year_deltas["revenue_12m"], "en"), year_deltas["revenue_12m"]),
    )
    assert summary["revenue_12m"] > 1_000_000 and shown["Revenue, 12 months"][0].endswith("M")
    helps = {m.label: m.proto.help for m in at.metric}
    assert helps["Revenue, 12 months"].endswith(format_money(summary["revenue_12m"], "en", 0))
    for key, name in [
        ("outstanding", "Outstanding"),
        ("overdue", "Overdue"),
        ("expected_revenue_30d", "Revenue, 30 days"),
        ("expected_revenue_90d", "Revenue, 90 days"),
        ("expected_cash_30d", "Cash-in, 30 days"),
        ("expected_cash_90d", "Cash-in, 90 days"),
    ]:
        assert shown[name] == (
            format_money_short(summary[key], "en"),
            _signed(format_money_short(deltas[key], "en"), deltas[key]),
        ), name
        assert helps[name].endswith(format_money(summary[key], "en", 0)), name
    assert shown["Clients at risk"] == (
        format_number(summary["clients_at_risk"], "en"),
        _signed(format_number(deltas["clients_at_risk"], "en"), deltas["clients_at_risk"]),
    )
    assert summary["clients_at_risk"] > 0

    captions = [c.value for c in at.caption]
    assert "Arrows: change against 30 days ago." in captions
    assert all(not m.proto.delta_description for m in at.metric)  # said once per row, not cut on each card
    for h in (30, 90):
        parts = (
            f"Recurring {format_money(summary[f'recurring_{h}d'], 'en', 0)} · "
            f"Pipeline {format_money(summary[f'pipeline_{h}d'], 'en', 0)} "
            f"(of which new deals {format_money(summary[f'new_deals_{h}d'], 'en', 0)}; "
            f"typed probability would say {format_money(summary[f'typed_pipeline_{h}d'], 'en', 0)})"
        )
        assert parts in captions
        assert summary[f"expected_revenue_{h}d"] == pytest.approx(
            summary[f"recurring_{h}d"] + summary[f"pipeline_{h}d"], abs=0.01
        )
    # Past accuracy of the same figures, from a backtest at earlier dates.
    frames = load_frames(get_engine(demo_db))
    accuracy = forecast_accuracy(frames, AS_OF)
    for h in (30, 90):
        line = accuracy_text(accuracy, h, "total", "en")
        assert line in captions
        assert line.startswith("Past accuracy: at the last 6 monthly dates this")
        for part, name in (("recurring", "Recurring"), ("pipeline", "Pipeline")):
            assert f"{name}: {accuracy_text(accuracy, h, part, 'en')}" in captions
    # Five plotly charts: monthly revenue, aging, risk map, forecast vs actual at 30 and 90 days.
    assert len(at.get("plotly_chart")) == 5


def test_overview_in_spanish(demo_db, expected):
    summary, _ = expected
    at = _app().run()
    at.selectbox(key="lang").select("es").run()
    assert not at.exception
    assert at.title[0].value == "Resumen"
    shown = _metrics(at)
    assert shown["Pendiente de cobro"][0] == format_money_short(summary["outstanding"], "es")
    assert shown["Pendiente de cobro"][0].endswith(" €") or shown["Pendiente de cobro"][0].endswith(" M€")
    assert shown["Facturación, 12 meses"][0] == format_money_short(summary["revenue_12m"], "es")
    assert shown["Facturación, 12 meses"][0].endswith(" M€")  # 3,78 M€, not €3.78M
    assert shown["Activos"][0] == format_number(summary["by_lifecycle"]["active"], "es")
    assert "Active" not in shown
    # what the arrows compare with, once under each row (no room beside each delta)
    assert "Flechas: la facturación respecto a los 12 meses anteriores; el resto respecto a hace 30 días." in [
        c.value for c in at.caption
    ]
    frames = load_frames(get_engine(demo_db))
    line = accuracy_text(forecast_accuracy(frames, AS_OF), 30, "total", "es")
    assert line.startswith("Acierto pasado: en las últimas 6 fechas mensuales esta cifra a 30 días")
    assert line in [c.value for c in at.caption]
    # The sidebar is still drawn after the switch, in Spanish.
    assert at.selectbox(key="lang").label == "Idioma"
    assert at.date_input(key="as_of").label == "A fecha de"


def test_overview_follows_the_as_of_date(demo_db):
    at = _app().run()
    before = _metrics(at)["Outstanding"][0]
    at.date_input(key="as_of").set_value(date(2025, 11, 25)).run()
    assert not at.exception
    frames = load_frames(get_engine(demo_db))
    earlier = portfolio_summary(client_health(frames, date(2025, 11, 25)))
    after = _metrics(at)["Outstanding"][0]
    assert after == format_money_short(earlier["outstanding"], "en")
    assert after != before


def test_a_large_portfolios_backtest_runs_in_the_background_and_shows_when_done(demo_db, monkeypatch):
    """From BACKGROUND_FROM_CLIENTS on, the first page does not wait for the backtest: it says it is
    being computed, and the next run after it finished shows the same accuracy lines."""
    from crm_core.i18n import t
    from crm_core.ui import derived

    monkeypatch.setattr(derived, "BACKGROUND_FROM_CLIENTS", 100)  # the demo's 120 clients count as large
    derived._process_lane().submit(time.sleep, 0).result(timeout=120)  # the process started (imports done)
    held = derived._process_lane().submit(time.sleep, 20)  # hold the background process
    at = _app().run()
    assert not at.exception and not held.done()
    captions = [c.value for c in at.caption]
    assert t("forecast.accuracy_pending", "en") in captions
    assert not any(c.startswith("Past accuracy:") for c in captions)
    derived._process_lane().submit(int).result(timeout=300)  # one at a time: the page's backtest is done
    derived._BACKGROUND.submit(int).result(timeout=120)  # and the month-ago health

    at.run()
    captions = [c.value for c in at.caption]
    accuracy = forecast_accuracy(load_frames(get_engine(demo_db)), AS_OF)
    assert accuracy_text(accuracy, 30, "total", "en") in captions
    assert t("forecast.accuracy_pending", "en") not in captions


def test_a_large_portfolios_30_day_changes_come_from_the_background_and_then_match(demo_db, monkeypatch):
    """From BACKGROUND_FROM_CLIENTS on, the Overview shows its figures without waiting for the health 30 days
    earlier: the cards have no 30-day change and a note says it is coming; once the background lane has
    computed it, the next run shows the same cards as a small portfolio's Overview (changes included)."""
    from crm_core.i18n import t
    from crm_core.ui import derived

    inline = _metrics(_app().run())  # below the threshold: everything computed in the run
    monkeypatch.setattr(derived, "BACKGROUND_FROM_CLIENTS", 100)  # the demo's 120 clients count as large
    derived.cache.clear()
    started = threading.Event()
    release = threading.Event()
    derived._BACKGROUND.submit(lambda: (started.set(), release.wait(60)))  # hold the background lane
    started.wait(10)
    at = _app().run()
    assert not at.exception
    assert t("overview.deltas_pending", "en") in [c.value for c in at.caption]
    pending = _metrics(at)
    assert {label: value for label, (value, _) in pending.items()} == {label: value for label, (value, _) in inline.items()}
    assert not pending["Outstanding"][1] and inline["Outstanding"][1]  # no 30-day change shown yet
    assert pending["Revenue, 12 months"][1] == inline["Revenue, 12 months"][1]  # the 12-month change needs no second health
    release.set()
    derived._BACKGROUND.submit(lambda: None).result(timeout=120)

    at.run()
    assert not at.exception
    assert t("overview.deltas_pending", "en") not in [c.value for c in at.caption]
    assert _metrics(at) == inline
