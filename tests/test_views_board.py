"""The pipeline board's read model (crm_core.views.board): columns by open stage, cards, stale marks, cap."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crm_core.views.board import board_columns, neighbour_stages, stage_deals


def _deals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "opportunity_id": [1, 2, 3, 4, 5],
            "company_name": ["Alfa", "Beta", "Gamma", "Delta", "Épsilon"],
            "name": ["A", "B", "C", "D", "E"],
            "stage": ["identified", "identified", "proposal", "negotiation", "identified"],
            "amount": [1_000.0, 5_000.0, 2_500.0, None, 3_000.0],
            "probability": [10, 10, 40, 70, 10],
            "expected_close": pd.to_datetime([date(2026, 12, 1), None, date(2027, 1, 5), date(2026, 11, 1), None]),
            "owner": ["ana", "luis", None, "ana", "ana"],
            "version": [1, 3, 2, 1, 1],
        }
    )


def test_one_column_per_open_stage_in_pipeline_order_soonest_close_first() -> None:
    columns = board_columns(_deals(), pd.DataFrame({"opportunity_id": [4]}))
    assert [c.stage for c in columns] == ["identified", "contacted", "proposal", "negotiation"]
    first = columns[0]
    assert first.cards["opportunity_id"].tolist() == [1, 2, 5]  # dated first; undated by amount
    assert (first.count, first.amount, first.hidden) == (3, 9_000.0, 0)
    assert columns[1].cards.empty and columns[1].count == 0 and columns[1].amount == 0.0
    assert columns[3].cards["stale"].tolist() == [True]
    assert not first.cards["stale"].any()
    assert columns[3].amount == 0.0  # a deal without amount counts as nothing


def test_cap_keeps_the_count_and_amount_of_the_whole_stage() -> None:
    first = board_columns(_deals(), pd.DataFrame({"opportunity_id": []}), cap=2)[0]
    assert first.cards["opportunity_id"].tolist() == [1, 2]
    assert (first.count, first.amount, first.hidden) == (3, 9_000.0, 1)


def test_neighbour_stages() -> None:
    assert neighbour_stages("identified") == (None, "contacted")
    assert neighbour_stages("proposal") == ("contacted", "negotiation")
    assert neighbour_stages("negotiation") == ("proposal", None)


def test_stage_deals_put_a_passed_close_first_then_the_larger_amount_on_one_date() -> None:
    deals = _deals().assign(
        stage="proposal",
        expected_close=pd.to_datetime([date(2026, 12, 1), date(2026, 10, 1), None, date(2026, 12, 1), date(2027, 1, 1)]),
        amount=[1_000.0, 10.0, 99_000.0, 2_000.0, 50.0],
    )
    assert stage_deals(deals, "proposal")["opportunity_id"].tolist() == [2, 4, 1, 5, 3]
    assert stage_deals(deals, "identified").empty
