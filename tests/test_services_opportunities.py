"""Opportunity services: defaults, stage history, won/lost, optimistic locking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_core import services
from crm_core.db import read_session
from crm_core.db.models import StageChange
from crm_core.errors import StaleEditError, ValidationError
from tests.factories import make_client, make_opportunity


def _history(engine, opportunity_id):
    with read_session(engine) as s:
        rows = s.scalars(
            select(StageChange).where(StageChange.opportunity_id == opportunity_id).order_by(StageChange.change_id)
        ).all()
        return [(r.from_stage, r.to_stage) for r in rows]


def test_probability_defaults_from_stage(engine):
    client = make_client(engine)
    for stage, expected in [("identified", 10), ("contacted", 20), ("proposal", 40), ("negotiation", 70)]:
        assert make_opportunity(engine, client.client_id, stage=stage).probability == expected
    assert make_opportunity(engine, client.client_id, stage="proposal", probability=55).probability == 55


def test_move_records_stage_history_and_resets_probability(engine):
    client = make_client(engine)
    opp = make_opportunity(engine, client.client_id, stage="identified")
    opp = services.move_opportunity(engine, opp.opportunity_id, "contacted")
    opp = services.move_opportunity(engine, opp.opportunity_id, {"stage": "negotiation", "probability": 65})
    assert (opp.stage, opp.probability, opp.version) == ("negotiation", 65, 3)
    assert _history(engine, opp.opportunity_id) == [
        (None, "identified"),
        ("identified", "contacted"),
        ("contacted", "negotiation"),
    ]


def test_mark_won_and_lost(engine):
    client = make_client(engine)
    opp = make_opportunity(engine, client.client_id, created_at="2026-11-02T10:00")
    won = services.mark_won(engine, opp.opportunity_id, "44000.50", closed_at=date(2026, 11, 20))
    assert (won.stage, won.won_amount, won.probability, won.closed_at) == ("won", Decimal("44000.50"), 100, date(2026, 11, 20))
    lost = services.mark_lost(engine, make_opportunity(engine, client.client_id).opportunity_id, "Price")
    assert (lost.stage, lost.lost_reason, lost.probability) == ("lost", "Price", 0)
    assert _history(engine, lost.opportunity_id)[-1] == ("proposal", "lost")
    with pytest.raises(ValidationError) as err:
        services.move_opportunity(engine, won.opportunity_id, "proposal")
    assert err.value.fields == ["stage"]
    with pytest.raises(ValidationError):
        services.mark_lost(engine, won.opportunity_id, "changed mind")
    early = make_opportunity(engine, client.client_id, created_at="2026-11-02T10:00")
    with pytest.raises(ValidationError) as err:
        services.mark_won(engine, early.opportunity_id, "10", closed_at=date(2026, 11, 1))
    assert err.value.fields == ["closed_at"]


def test_mark_lost_needs_a_reason_and_won_an_amount(engine):
    client = make_client(engine)
    opp = make_opportunity(engine, client.client_id)
    with pytest.raises(ValidationError) as err:
        services.mark_lost(engine, opp.opportunity_id, "   ")
    assert err.value.fields == ["lost_reason"]
    with pytest.raises(ValidationError) as err:
        services.mark_won(engine, opp.opportunity_id, "-5")
    assert err.value.fields == ["won_amount"]
    assert _history(engine, opp.opportunity_id) == [(None, "proposal")]


def test_update_opportunity_with_stale_version(engine):
    client = make_client(engine)
    opp = make_opportunity(engine, client.client_id)
    updated = services.update_opportunity(engine, opp.opportunity_id, {"amount": "50000"}, opp.version)
    assert updated.amount == Decimal("50000.00") and updated.version == 2
    with pytest.raises(StaleEditError):
        services.update_opportunity(engine, opp.opportunity_id, {"amount": "1"}, opp.version)
    with pytest.raises(StaleEditError):
        services.move_opportunity(engine, opp.opportunity_id, "negotiation", expected_version=opp.version)


def test_create_closed_opportunity_requires_close_fields(engine):
    client = make_client(engine)
    with pytest.raises(ValidationError) as err:
        make_opportunity(engine, client.client_id, stage="won")
    assert "won_amount" in err.value.fields
    won = make_opportunity(
        engine, client.client_id, stage="won", won_amount="100", closed_at="2026-01-10", created_at="2025-12-01T10:00:00+01:00"
    )
    assert won.probability == 100


def test_a_won_deal_makes_a_prospect_active_once_no_other_deal_is_open(engine):
    client = make_client(engine, status="prospect")
    first = make_opportunity(engine, client.client_id)
    second = make_opportunity(engine, client.client_id, name="Support")
    services.mark_won(engine, first.opportunity_id, "1000")
    assert services.get_client(engine, client.client_id).status == "prospect"  # another deal still open
    services.mark_lost(engine, second.opportunity_id, "Price")
    third = make_opportunity(engine, client.client_id, name="Training")
    services.mark_won(engine, third.opportunity_id, "500")
    assert services.get_client(engine, client.client_id).status == "active"


def test_a_won_deal_leaves_a_status_other_than_prospect(engine):
    client = make_client(engine, status="dormant")
    deal = make_opportunity(engine, client.client_id)
    services.mark_won(engine, deal.opportunity_id, "1000")
    assert services.get_client(engine, client.client_id).status == "dormant"


def test_list_opportunities_open_only(engine):
    client = make_client(engine)
    won = make_opportunity(engine, client.client_id)
    services.mark_won(engine, won.opportunity_id, "1")
    open_deal = make_opportunity(engine, client.client_id, name="Open")
    assert [o.opportunity_id for o in services.list_opportunities(engine, client.client_id, open_only=True)] == [
        open_deal.opportunity_id
    ]
    assert len(services.list_opportunities(engine, client.client_id)) == 2
