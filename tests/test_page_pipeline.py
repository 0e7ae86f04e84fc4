"""Pipeline page (AppTest on the demo portfolio): figures equal crm_core, the four forms, bad input, language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from crm_core.analytics.pipeline import stage_win_rates
from crm_core.config import business_today
from crm_core.db import get_engine
from crm_core.db.models import Opportunity, StageChange
from crm_core.i18n import format_money, format_number
from crm_core.i18n.formatting import format_money_short
from crm_core.store.frames import load_frames
from crm_core.views.board import BOARD_CAP, board_columns, stage_deals
from crm_core.views.forecast import accuracy_text, forecast_accuracy, owner_forecast
from crm_core.views.pipeline import open_deals, pipeline_totals, stage_summary
from tests.apptest_helpers import column_format, open_page, shown_text
from tests.conftest import row_counts
from tests.factories import make_opportunity

AS_OF = date(2026, 11, 25)


def _page(lang: str = "en") -> AppTest:
    return open_page("pages/pipeline.py", AS_OF, lang)


def _table_with(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_figures_match_crm_core(demo_db: str) -> None:
    at = _page()
    frames = load_frames(get_engine(demo_db))
    totals = pipeline_totals(frames, AS_OF)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Open deals"] == format_number(totals["open_count"], "en")
    # amounts in millions from a million on (a card cannot wrap), the exact amount in the tooltip
    helps = {m.label: m.proto.help for m in at.metric}
    for name, key in [
        ("Amount", "open_amount"),
        ("Weighted pipeline", "weighted"),
        ("Pipeline forecast, 30 days", "forecast_30d"),
        ("Pipeline forecast, 90 days", "forecast_90d"),
    ]:
        assert metrics[name] == format_money_short(totals[key], "en"), name
        assert helps[name].endswith(format_money(totals[key], "en", 0)), name
    assert totals["open_count"] > 0
    # the learned forecast's parts and the typed figure beside it, and its past accuracy
    captions = [c.value for c in at.caption]
    accuracy = forecast_accuracy(frames, AS_OF)
    for h in (30, 90):
        assert totals[f"forecast_{h}d"] == pytest.approx(totals[f"learned_{h}d"] + totals[f"new_{h}d"], abs=0.01)
        assert (
            f"Open deals {format_money(totals[f'learned_{h}d'], 'en', 0)} + new deals "
            f"{format_money(totals[f'new_{h}d'], 'en', 0)} · typed probability: "
            f"{format_money(totals[f'typed_{h}d'], 'en', 0)}"
        ) in captions
        assert accuracy_text(accuracy, h, "pipeline", "en") in captions
    # forecast by owner: learned and typed, 30 and 90 days, one row per owner
    owners = _table_with(at, "typed_90d")
    expected_owners = owner_forecast(frames, AS_OF)
    assert owners["owner"].tolist() == expected_owners["owner"].tolist()
    assert owners["total_30d"].tolist() == pytest.approx(expected_owners["total_30d"].tolist())
    assert owners["typed_90d"].tolist() == pytest.approx(expected_owners["typed_90d"].tolist())
    assert owners["total_90d"].sum() == pytest.approx(totals["forecast_90d"], abs=1.0)

    by_stage = _table_with(at, "weighted")
    expected = stage_summary(frames, AS_OF)
    assert by_stage["count"].tolist() == expected["count"].tolist()
    assert by_stage["amount"].tolist() == pytest.approx(expected["amount"].tolist())
    assert by_stage["stage"].tolist() == ["Identified", "Contacted", "Proposal", "Negotiation", "Won", "Lost"]

    rates = _table_with(at, "win_rate")
    learned = stage_win_rates(frames, AS_OF)
    assert rates["win_rate"].tolist() == pytest.approx(learned["win_rate"].tolist())
    assert rates["mean_typed_probability"].tolist() == pytest.approx(learned["mean_typed_probability"].tolist(), nan_ok=True)


def test_new_opportunity_takes_the_stage_probability(demo_db: str) -> None:
    engine = get_engine(demo_db)
    client_id = int(load_frames(engine).clients["client_id"].iloc[0])
    at = _page()
    at.selectbox(key="opp_client").select(client_id)
    at.text_input(key="opp_name").input("Annual maintenance 2027")
    at.text_input(key="opp_amount").input("12,500")
    at.selectbox(key="opp_stage").select("proposal")
    at.date_input(key="opp_close").set_value(date(2026, 12, 20))
    at.button(key="opp_save").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert "Opportunity Annual maintenance 2027 created (probability 40%)." in [s.value for s in at.success]
    with Session(engine) as session:
        opp = session.scalars(select(Opportunity).where(Opportunity.name == "Annual maintenance 2027")).one()
        assert (opp.client_id, opp.stage, opp.probability, opp.amount) == (client_id, "proposal", 40, Decimal("12500.00"))
        assert opp.expected_close == date(2026, 12, 20)
    # the figures above the form already count it: one more open deal
    assert {m.label: m.value for m in at.metric}["Open deals"] == format_number(
        pipeline_totals(load_frames(engine), AS_OF)["open_count"], "en"
    )


def test_bad_amount_names_the_field_and_writes_nothing(demo_db: str) -> None:
    engine = get_engine(demo_db)
    before = row_counts(engine)
    client_id = int(load_frames(engine).clients["client_id"].iloc[0])
    at = _page()
    at.selectbox(key="opp_client").select(client_id)
    at.text_input(key="opp_name").input("No amount")
    at.button(key="opp_save").click().run()
    assert not at.exception
    assert "Amount: is required" in [e.value for e in at.error]
    assert not at.success
    assert row_counts(engine) == before


def _open_deal(url: str) -> tuple[int, str, float]:
    deals = open_deals(load_frames(get_engine(url)), AS_OF)
    deal = deals.loc[deals["stage"] != "negotiation"].iloc[0]
    return int(deal["opportunity_id"]), str(deal["name"]), float(deal["amount"])


def _stage_of(url: str, deal_id: int) -> str:
    deals = open_deals(load_frames(get_engine(url)), AS_OF).set_index("opportunity_id")
    return str(deals.loc[deal_id, "stage"])


def test_move_stage_records_history_and_default_probability(demo_db: str) -> None:
    engine = get_engine(demo_db)
    deal_id, _, _ = _open_deal(demo_db)
    at = _page()
    at.selectbox(key="deal_pick").select(deal_id).run()
    assert at.selectbox(key=f"move_stage_{deal_id}").value == _stage_of(demo_db, deal_id)  # the deal's own stage
    at.selectbox(key=f"move_stage_{deal_id}").select("negotiation")
    at.button(key="move_save").click().run()
    assert not at.exception and not at.error
    with Session(engine) as session:
        opp = session.get(Opportunity, deal_id)
        assert (opp.stage, opp.probability) == ("negotiation", 70)
        last = session.scalars(
            select(StageChange).where(StageChange.opportunity_id == deal_id).order_by(StageChange.change_id.desc())
        ).first()
        assert last.to_stage == "negotiation"


def test_mark_won_with_amount(demo_db: str) -> None:
    engine = get_engine(demo_db)
    deal_id, name, amount = _open_deal(demo_db)
    at = _page()
    at.selectbox(key="deal_pick").select(deal_id).run()
    assert at.text_input(key=f"won_amount_{deal_id}").value == format_number(amount, "en", 2)  # the deal's amount by default
    at.text_input(key=f"won_amount_{deal_id}").input("1,234.5")
    at.button(key="won_save").click().run()
    assert not at.exception and not at.error
    assert f"{name} won for €1,234.50." in [s.value for s in at.success]
    with Session(engine) as session:
        opp = session.get(Opportunity, deal_id)
        assert (opp.stage, opp.won_amount, opp.closed_at) == ("won", Decimal("1234.50"), AS_OF)


def test_mark_lost_needs_a_reason(demo_db: str) -> None:
    engine = get_engine(demo_db)
    deal_id, name, _ = _open_deal(demo_db)
    before = row_counts(engine)
    at = _page()
    at.selectbox(key="deal_pick").select(deal_id).run()
    at.button(key="lost_save").click().run()
    assert "Lost reason: is required" in [e.value for e in at.error]
    assert row_counts(engine) == before
    at.text_input(key="lost_reason").input("Went with a competitor")
    at.button(key="lost_save").click().run()
    assert not at.error
    with Session(engine) as session:
        opp = session.get(Opportunity, deal_id)
        assert (opp.stage, opp.lost_reason) == ("lost", "Went with a competitor")
        changes = session.scalar(select(func.count()).select_from(StageChange).where(StageChange.opportunity_id == deal_id))
    assert changes >= 2


def test_spanish_labels(demo_db: str) -> None:
    at = _page("es")
    assert at.title[0].value == "Oportunidades"
    labels = {m.label for m in at.metric}
    assert {"Oportunidades abiertas", "Importe ponderado", "Previsión a 30 días"} <= labels
    assert _table_with(at, "weighted")["stage"].tolist()[:2] == ["Identificada", "Contactado"]
    # amounts and counts written in Spanish whatever the browser's locale; percentages as "43 %"
    by_stage = next(df for df in at.dataframe if "weighted" in df.value.columns)
    text = shown_text(by_stage)
    assert text["amount"].tolist() == [format_money(v, "es") for v in by_stage.value["amount"]]
    assert all(cell.endswith(" €") for cell in text["weighted"])
    rates = next(df for df in at.dataframe if "win_rate" in df.value.columns)
    assert column_format(rates, "observed_rate") == "%.0f %%"
    assert "Pipeline ponderado" not in labels
    assert at.button(key="opp_save").label == "Crear oportunidad"
    at.button(key="opp_save").click().run()
    assert "Cliente: Elige un cliente" in [e.value for e in at.error]


def test_spanish_amount_is_read_in_the_spanish_layout_or_refused(demo_db: str) -> None:
    """Issue 16, defect 2: '12.500,50' was saved as 12.50 and '12500,50' as 1,250,050.00."""
    engine = get_engine(demo_db)
    client_id = int(load_frames(engine).clients["client_id"].iloc[0])
    before = row_counts(engine)
    at = _page("es")
    at.selectbox(key="opp_client").select(client_id)
    at.text_input(key="opp_name").input("Mantenimiento 2027")
    at.text_input(key="opp_amount").input("12,500.50")  # the English layout in the Spanish UI: refused
    at.button(key="opp_save").click().run()
    assert [e.value for e in at.error] == [
        "Importe: '12,500.50' está escrito con otro formato: aquí un importe se escribe como 12.500,50"
    ]
    assert row_counts(engine) == before
    at.text_input(key="opp_amount").input("12.500,50")
    at.button(key="opp_save").click().run()
    assert not at.error, [e.value for e in at.error]
    with Session(engine) as session:
        opp = session.scalars(select(Opportunity).where(Opportunity.name == "Mantenimiento 2027")).one()
        assert opp.amount == Decimal("12500.50")


def test_out_of_range_probability_is_said_in_the_form_naming_the_field(demo_db: str) -> None:
    """Issue 16, defect 4: the widget no longer refuses silently; the service's message names the field."""
    engine = get_engine(demo_db)
    client_id = int(load_frames(engine).clients["client_id"].iloc[0])
    before = row_counts(engine)
    at = _page("es")
    at.selectbox(key="opp_client").select(client_id)
    at.text_input(key="opp_name").input("Fuera de rango")
    at.text_input(key="opp_amount").input("1.000")
    at.number_input(key="opp_probability").set_value(150)
    at.button(key="opp_save").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Probabilidad (%): "), errors
    assert row_counts(engine) == before


def test_edit_an_open_deal_and_stay_on_it(demo_db: str) -> None:
    engine = get_engine(demo_db)
    deal_id, name, _ = _open_deal(demo_db)
    at = _page()
    at.selectbox(key="deal_pick").select(deal_id).run()
    prefix = f"deal_edit_{deal_id}"
    at.text_input(key=f"{prefix}_amount").input("8,750.25")
    at.date_input(key=f"{prefix}_expected_close").set_value(date(2027, 1, 15))
    at.number_input(key=f"{prefix}_probability").set_value(55)
    owner = next(
        o
        for o in at.selectbox(key=f"{prefix}_owner").options
        if o not in ("(unassigned)", at.selectbox(key=f"{prefix}_owner").value)
    )
    at.selectbox(key=f"{prefix}_owner").select(owner)
    at.text_input(key=f"{prefix}_notes").input("Send the revised quote")
    at.button(key="edit_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert f"{name} saved." in [s.value for s in at.success]
    with Session(engine) as session:
        opp = session.get(Opportunity, deal_id)
        assert (opp.amount, opp.expected_close, opp.probability, opp.owner, opp.notes) == (
            Decimal("8750.25"),
            date(2027, 1, 15),
            55,
            owner,
            "Send the revised quote",
        )
    assert at.selectbox(key="deal_pick").value == deal_id  # the view stays on the deal
    assert at.text_input(key=f"{prefix}_amount").value == "8,750.25"  # seeded again from the saved deal


def test_board_lists_open_deals_by_stage_and_a_card_moves_one_stage(demo_db: str) -> None:
    engine = get_engine(demo_db)
    frames = load_frames(engine)
    today = business_today()  # a move is dated now: the board as of today shows it
    deals = open_deals(frames, today)
    at = open_page("pages/pipeline.py", today)
    deal = stage_deals(deals, "identified").iloc[0]  # the first card of the first column
    deal_id = int(deal["opportunity_id"])
    assert at.button(key=f"board_next_{deal_id}")  # its card is on the board, in the first column
    with pytest.raises(KeyError):
        at.button(key=f"board_prev_{deal_id}")  # nothing before the first open stage
    at.button(key=f"board_next_{deal_id}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Session(engine) as session:
        opp = session.get(Opportunity, deal_id)
        assert (opp.stage, opp.probability) == ("contacted", 20)
        last = session.scalars(
            select(StageChange).where(StageChange.opportunity_id == deal_id).order_by(StageChange.change_id.desc())
        ).first()
        assert (last.from_stage, last.to_stage) == ("identified", "contacted")
    assert at.selectbox(key="deal_pick").value == deal_id  # the forms are on the moved deal
    assert at.selectbox(key=f"move_stage_{deal_id}").value == "contacted"
    moved = board_columns(open_deals(load_frames(engine), today), pd.DataFrame({"opportunity_id": []}))[1]
    assert deal_id in moved.cards["opportunity_id"].tolist()  # within the column's cap
    assert at.button(key=f"board_prev_{deal_id}")  # the board drawn after the move has it in Contacted


def test_board_caps_each_column_and_lists_the_whole_stage_on_demand(demo_db: str) -> None:
    engine = get_engine(demo_db)
    today = business_today()
    client_id = int(load_frames(engine).clients["client_id"].iloc[0])
    for n in range(BOARD_CAP + 3):  # one column past the cap whatever the demo holds
        make_opportunity(engine, client_id, name=f"Extra {n}", stage="contacted", expected_close=today.isoformat())
    deals = open_deals(load_frames(engine), today)
    counts = deals["stage"].value_counts()
    stage = "contacted"
    at = open_page("pages/pipeline.py", today)
    shown = [b.key for b in at.button if (b.key or "").startswith("board_open_")]
    assert len(shown) == sum(min(int(n), BOARD_CAP) for n in counts)
    more = at.button(key=f"board_more_{stage}")
    assert more.label == f"+ {counts[stage] - BOARD_CAP} more"
    more.click().run()
    assert not at.exception and not at.error
    listed = next(df.value for df in at.dataframe if len(df.value) == counts[stage])
    assert listed["name"].tolist() == stage_deals(deals, stage)["name"].tolist()
    at.button(key="board_hide_list").click().run()
    assert not [df for df in at.dataframe if len(df.value) == counts[stage] and "probability" in df.value.columns]
