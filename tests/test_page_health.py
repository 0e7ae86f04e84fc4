"""Health page (AppTest on the demo portfolio): figures, the at-risk list and its thresholds, the export button."""

from __future__ import annotations

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from crm_core.analytics import at_risk, client_health
from crm_core.db import get_engine
from crm_core.i18n import format_days, format_money, format_number, format_percent
from crm_core.store.frames import load_frames
from crm_core.views.at_risk import at_risk_export
from tests.apptest_helpers import open_page, shown_text

AS_OF = date(2026, 11, 25)


@pytest.fixture
def health(demo_db):
    return client_health(load_frames(get_engine(demo_db)), AS_OF)


def _health_page() -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.run()
    at.switch_page("pages/health.py").run()
    assert not at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table_companies(at: AppTest, header: str = "Company") -> list[str]:
    return list(at.dataframe[0].value[header])


def test_health_page_shows_the_portfolio_figures_and_at_risk_list(health):
    at = _health_page()
    assert at.title[0].value == "Client health"
    shown = _metrics(at)
    assert shown["Median DSO"] == format_days(health["dso"].median(), "en", 1)
    assert shown["Median DSO"].endswith(" days")
    assert shown["Paid on time (mean)"] == format_percent(health["on_time_rate"].mean(), "en", 1)
    expected = at_risk(health)
    assert shown["Clients at risk"] == format_number(len(expected), "en")
    assert shown["Overdue of clients at risk"] == format_money(expected["overdue"].sum(), "en", 0)
    # Default thresholds: churn >= 60 or default risk high/critical, most severe first.
    assert len(expected) > 0
    assert _table_companies(at) == list(expected["company_name"])[:100]
    table = at.dataframe[0].value
    assert list(table["Suggested action"]) == list(at_risk_export(health, "en")["Suggested action"])[:100]
    assert (table["Churn reason"].str.len() > 0).all()
    # On screen the list leads with what a manager acts on.
    assert list(at.dataframe[0].proto.column_order[:3]) == ["Company", "Churn score", "Churn reason"]
    # Four distribution charts, their titles drawn as page text (they wrap on a phone; Plotly's are cut).
    assert len(at.get("plotly_chart")) == 4
    texts = [m.value for m in at.markdown]
    for title in (
        "**Churn score (clients not lost)**",
        "**Default risk**",
        "**DSO (days sales outstanding)**",
        "**Invoices paid on time**",
    ):
        assert title in texts
    assert [json.loads(chart.proto.spec)["layout"].get("title", {}).get("text") for chart in at.get("plotly_chart")] == [None] * 4
    (button,) = at.get("download_button")
    assert button.label == "Download the at-risk list (CSV)"
    assert at.radio(key="health_sep_en").value == ","


def test_thresholds_change_the_list(health):
    at = _health_page()
    at.slider(key="health_churn_min").set_value(90)
    at.multiselect(key="health_risk_levels").set_value(["critical"]).run()
    assert not at.exception
    expected = at_risk(health, churn_min=90, risk_levels=("critical",))
    assert _table_companies(at) == list(expected["company_name"])
    assert _metrics(at)["Clients at risk"] == format_number(len(expected), "en")

    at.number_input(key="health_overdue_min").set_value(1.0).run()
    with_overdue = at_risk(health, churn_min=90, risk_levels=("critical",), overdue_min=1.0)
    assert len(with_overdue) > len(expected)
    assert _table_companies(at) == list(with_overdue["company_name"])


def test_no_client_at_risk_shows_a_message(demo_db):
    # lost clients have churn 100 and are listed by the churn rule (issue 16): reopen them for an empty list
    engine = get_engine(demo_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE clients SET status = 'active' WHERE status = 'lost'")
    health = client_health(load_frames(engine), AS_OF)
    at = _health_page()
    at.slider(key="health_churn_min").set_value(100)
    at.multiselect(key="health_risk_levels").set_value([]).run()
    assert len(at_risk(health, churn_min=100, risk_levels=())) == 0
    assert [i.value for i in at.info] == ["No client is at risk with these thresholds."]
    assert at.get("download_button")[0].proto.disabled


def test_spanish_headers_and_semicolon_by_default(health):
    at = _health_page()
    at.selectbox(key="lang").select("es").run()
    assert not at.exception
    assert at.title[0].value == "Salud de la cartera"
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["Empresa", "CIF/NIF"]
    assert set(table["Riesgo de impago"]) <= {"Bajo", "Medio", "Alto", "Crítico"}
    expected = at_risk_export(health, "es")
    assert list(table["Motivo del riesgo de abandono"]) == list(expected["Motivo del riesgo de abandono"])[:100]
    # amounts in Spanish whatever the browser's locale (the grid's "euro" format would write €1,234.56)
    text = shown_text(at.dataframe[0])
    assert text["Vencido (EUR)"].tolist() == [format_money(v, "es") for v in table["Vencido (EUR)"]]
    assert at.dataframe[0].proto.placeholder == "—"
    assert {m.label: m.value for m in at.metric}["DSO mediano"].endswith(" días")
    assert not table["Motivo del riesgo de abandono"].str.startswith("churn_reason.").any()
    assert not table["Acción sugerida"].str.startswith("action.").any()
    assert at.radio(key="health_sep_es").value == ";"
    assert at.get("download_button")[0].label == "Descargar la lista de riesgo (CSV)"


def test_spanish_ui_sets_the_texts_streamlit_lets_it_set(demo_db):
    """Issue 16, defect 6: an emptied select shows 'Choose an option' unless the page gives its own placeholder."""
    at = open_page("pages/health.py", AS_OF, "es")
    assert at.multiselect(key="health_risk_levels").proto.placeholder == "Ninguno: solo por riesgo de abandono"


def test_the_at_risk_file_is_built_on_click_not_on_every_run(health, monkeypatch):
    """Issue 18: the at-risk CSV was built on every run, clicked or not; the page now hands
    st.download_button a callable, which Streamlit runs on its own thread when the button is clicked."""
    from crm_core.io import at_risk as at_risk_io
    from crm_core.ui import derived

    to_csv_bytes = at_risk_io.to_csv_bytes
    built, handed = [], []

    def spy(*args):
        built.append(to_csv_bytes(*args))
        return built[-1]

    def later(*args):
        handed.append(make(*args))
        return handed[-1]

    make = derived.at_risk_csv_later
    monkeypatch.setattr(at_risk_io, "to_csv_bytes", spy)
    monkeypatch.setattr(derived, "at_risk_csv_later", later)
    at = _health_page()
    assert at.get("download_button")[0].label == "Download the at-risk list (CSV)"
    assert len(handed) >= 1 and built == []  # the page ran without building the file

    data = handed[-1]()  # what a click runs, off the script thread
    assert data == to_csv_bytes(at_risk_export(health, "en"), ",", "en")
    assert handed[-1]() == data and len(built) == 1  # a second click reuses the cached bytes
