"""Issue 14, item 10: one close-date rule for create_opportunity, mark_won, mark_lost and the import."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm_core import services
from crm_core.config import business_timezone
from crm_core.errors import ValidationError
from crm_core.io.importing import import_opportunities
from tests.conftest import database_hash
from tests.factories import make_client, make_opportunity
from tests.io_files import cif, write_csv

CREATED = datetime(2024, 3, 1, 10, tzinfo=UTC)
CLOSED_BEFORE_CREATED = "must not be before the opportunity was created"


@pytest.mark.parametrize("stage", ["won", "lost"])
def test_create_closed_before_created_is_refused_like_mark_won(engine: Engine, stage: str) -> None:
    client = make_client(engine)
    before = database_hash(engine)
    payload = {
        "client_id": client.client_id,
        "name": "Deal",
        "amount": "100",
        "stage": stage,
        "closed_at": date(1950, 1, 1),
        "won_amount": "100" if stage == "won" else None,
        "lost_reason": "price" if stage == "lost" else None,
    }
    with pytest.raises(ValidationError) as explicit:
        services.create_opportunity(engine, payload | {"created_at": CREATED})
    assert database_hash(engine) == before
    opp = make_opportunity(engine, client.client_id, created_at=CREATED)
    before = database_hash(engine)
    with pytest.raises(ValidationError) as closed:
        if stage == "won":
            services.mark_won(engine, opp.opportunity_id, "100", date(1950, 1, 1))
        else:
            services.mark_lost(engine, opp.opportunity_id, "price", date(1950, 1, 1))
    assert database_hash(engine) == before
    for exc in (explicit, closed):
        assert exc.value.fields == ["closed_at"]
        assert exc.value.errors[0].code == "before_created" and CLOSED_BEFORE_CREATED in exc.value.message


def test_a_deal_recorded_closed_without_a_creation_date_was_created_by_its_close(engine: Engine) -> None:
    """Without created_at, a deal entered already closed is dated on its close day, not after it."""
    client = make_client(engine)
    won = services.create_opportunity(
        engine,
        {
            "client_id": client.client_id,
            "name": "Old deal",
            "amount": "100",
            "stage": "won",
            "closed_at": date(1950, 1, 1),
            "won_amount": "100",
        },
    )
    assert won.created_at.astimezone(business_timezone()).date() == date(1950, 1, 1)
    assert won.closed_at == date(1950, 1, 1)


def test_closing_on_the_creation_day_is_accepted_everywhere(engine: Engine) -> None:
    client = make_client(engine)
    won = services.create_opportunity(
        engine,
        {
            "client_id": client.client_id,
            "name": "A",
            "amount": "100",
            "stage": "won",
            "closed_at": date(2024, 3, 1),
            "won_amount": "100",
            "created_at": CREATED,
        },
    )
    assert won.closed_at == date(2024, 3, 1)
    opp = make_opportunity(engine, client.client_id, created_at=CREATED)
    assert services.mark_won(engine, opp.opportunity_id, "100", date(2024, 3, 1)).stage == "won"


def test_import_applies_the_same_rule(engine: Engine, tmp_path: Path) -> None:
    make_client(engine, tax_id=cif(3))
    before = database_hash(engine)
    path = write_csv(
        tmp_path / "o.csv",
        [
            ["client_tax_id", "name", "amount", "stage", "closed_at", "won_amount", "created_at"],
            [cif(3), "Deal", "100", "won", "01/01/2024", "100", "01/03/2024"],
        ],
    )
    report = import_opportunities(engine, path)
    assert [(p.column, p.message) for p in report.problems] == [("closed_at", CLOSED_BEFORE_CREATED)]
    assert database_hash(engine) == before
