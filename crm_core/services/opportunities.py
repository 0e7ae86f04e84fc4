"""Opportunities: the sales pipeline, with every stage change kept as history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_core.config import business_timezone, business_today
from crm_core.db import read_session, write_session
from crm_core.db.models import Client, Contact, Opportunity, StageChange
from crm_core.db.types import utcnow
from crm_core.enums import (
    DEFAULT_STAGE_PROBABILITY,
    OPEN_STAGE_VALUES,
    ClientStatus,
    Stage,
)
from crm_core.errors import StaleEditError, ValidationError
from crm_core.schemas import (
    LostClose,
    OpportunityCreate,
    OpportunityOut,
    OpportunityUpdate,
    StageMove,
    WonClose,
    close_date_problem,
    parse,
)
from crm_core.services._common import find, get_or_404, require_whole
from crm_core.store.writes import OPPORTUNITY_TABLES, writes


def _check_contact(session: Session, client_id: int, contact_id: int | None) -> None:
    if contact_id is None:
        return
    contact = find(session, Contact, contact_id)
    if contact is None or contact.client_id != client_id:
        raise ValidationError.on("contact_id", "contact_of_client")


@writes(*OPPORTUNITY_TABLES)
def create_opportunity(engine: Engine, payload: OpportunityCreate | dict[str, Any]) -> OpportunityOut:
    """Open an opportunity (probability defaults from its stage) and record its first stage."""
    data = parse(OpportunityCreate, payload)
    with write_session(engine) as session:
        get_or_404(session, Client, data.client_id, "client")
        _check_contact(session, data.client_id, data.contact_id)
        values = data.model_dump()
        values["created_at"] = values["created_at"] or utcnow()
        opp = Opportunity(**values)
        session.add(opp)
        session.flush()
        session.add(
            StageChange(
                opportunity_id=opp.opportunity_id,
                from_stage=None,
                to_stage=opp.stage,
                changed_at=values["created_at"],
            )
        )
        session.flush()
        return OpportunityOut.model_validate(opp)


def _load_for_edit(session: Session, opportunity_id: int, expected_version: int | None) -> Opportunity:
    require_whole(expected_version, "expected_version", optional=True)
    opp = get_or_404(session, Opportunity, opportunity_id, "opportunity", lock=True)
    if expected_version is not None and opp.version != expected_version:
        raise StaleEditError("opportunity", opportunity_id, expected_version, opp.version)
    return opp


def _stale(engine: Engine, opportunity_id: int, expected_version: int | None) -> StaleEditError:
    with read_session(engine) as session:
        opp = session.get(Opportunity, opportunity_id)
        return StaleEditError("opportunity", opportunity_id, expected_version or 0, opp.version if opp else None)


@writes("opportunities")
def update_opportunity(
    engine: Engine,
    opportunity_id: int,
    payload: OpportunityUpdate | dict[str, Any],
    expected_version: int | None = None,
) -> OpportunityOut:
    """Edit an opportunity's details (not its stage)."""
    data = parse(OpportunityUpdate, payload)
    try:
        with write_session(engine) as session:
            opp = _load_for_edit(session, opportunity_id, expected_version)
            values = data.model_dump(exclude_unset=True)
            if "contact_id" in values:
                _check_contact(session, opp.client_id, values["contact_id"])
            for name, value in values.items():
                setattr(opp, name, value)
            session.flush()
            return OpportunityOut.model_validate(opp)
    except StaleDataError:
        raise _stale(engine, opportunity_id, expected_version) from None


def _change_stage(session: Session, opp: Opportunity, stage: Stage, when: datetime) -> None:
    session.add(StageChange(opportunity_id=opp.opportunity_id, from_stage=opp.stage, to_stage=stage.value, changed_at=when))
    opp.stage = stage.value


@writes(*OPPORTUNITY_TABLES)
def move_opportunity(
    engine: Engine,
    opportunity_id: int,
    payload: StageMove | dict[str, Any] | str,
    expected_version: int | None = None,
) -> OpportunityOut:
    """Move an open opportunity to another open stage, recording the change."""
    if isinstance(payload, str):
        payload = {"stage": payload}
    data = parse(StageMove, payload)
    try:
        with write_session(engine) as session:
            opp = _load_for_edit(session, opportunity_id, expected_version)
            if Stage(opp.stage).is_closed:
                raise ValidationError.on("stage", "cannot_move_closed", stage=opp.stage)
            if opp.stage != data.stage.value:
                _change_stage(session, opp, data.stage, data.changed_at or utcnow())
                opp.probability = data.probability if data.probability is not None else DEFAULT_STAGE_PROBABILITY[data.stage]
            elif data.probability is not None:
                opp.probability = data.probability
            session.flush()
            return OpportunityOut.model_validate(opp)
    except StaleDataError:
        raise _stale(engine, opportunity_id, expected_version) from None


def _close(
    engine: Engine,
    opportunity_id: int,
    stage: Stage,
    closed_at: date | None,
    expected_version: int | None,
    **values: Any,
) -> OpportunityOut:
    try:
        with write_session(engine) as session:
            opp = _load_for_edit(session, opportunity_id, expected_version)
            if Stage(opp.stage).is_closed:
                raise ValidationError.on("stage", "already_closed", stage=opp.stage)
            closed = closed_at or business_today()
            if close_date_problem(closed, opp.created_at) is not None:
                raise ValidationError.on("closed_at", "before_created")
            _change_stage(session, opp, stage, utcnow() if closed_at is None else _at_noon(closed))
            opp.closed_at = closed
            opp.probability = DEFAULT_STAGE_PROBABILITY[stage]
            if stage == Stage.WON:
                _prospect_won(session, opp)
            for name, value in values.items():
                setattr(opp, name, value)
            session.flush()
            return OpportunityOut.model_validate(opp)
    except StaleDataError:
        raise _stale(engine, opportunity_id, expected_version) from None


def _prospect_won(session: Session, opp: Opportunity) -> None:
    """A prospect with no other open opportunity becomes an active client when a deal is won (as the seed does)."""
    client = session.get(Client, opp.client_id)
    if client is None or client.status != ClientStatus.PROSPECT.value:
        return
    still_open = session.scalar(
        select(func.count())
        .select_from(Opportunity)
        .where(
            Opportunity.client_id == opp.client_id,
            Opportunity.opportunity_id != opp.opportunity_id,
            Opportunity.stage.in_(OPEN_STAGE_VALUES),
        )
    )
    if not still_open:
        client.status = ClientStatus.ACTIVE.value


def list_opportunities(engine: Engine, client_id: int, *, open_only: bool = False) -> list[OpportunityOut]:
    """One client's opportunities (only the open ones with `open_only`), newest first."""
    with read_session(engine) as session:
        query = select(Opportunity).where(Opportunity.client_id == client_id)
        if open_only:
            query = query.where(Opportunity.stage.in_(OPEN_STAGE_VALUES))
        rows = session.scalars(query.order_by(Opportunity.created_at.desc(), Opportunity.opportunity_id.desc())).all()
        return [OpportunityOut.model_validate(r) for r in rows]


def _at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=business_timezone())


@writes(*OPPORTUNITY_TABLES, "clients")
def mark_won(
    engine: Engine,
    opportunity_id: int,
    won_amount: Any,
    closed_at: date | None = None,
    expected_version: int | None = None,
) -> OpportunityOut:
    """Close an open opportunity as won, for `won_amount`; a prospect with no other open deal becomes active."""
    data = parse(WonClose, {"won_amount": won_amount, "closed_at": closed_at})
    return _close(engine, opportunity_id, Stage.WON, data.closed_at, expected_version, won_amount=data.won_amount)


@writes(*OPPORTUNITY_TABLES)
def mark_lost(
    engine: Engine,
    opportunity_id: int,
    lost_reason: str,
    closed_at: date | None = None,
    expected_version: int | None = None,
) -> OpportunityOut:
    """Close an open opportunity as lost, with the reason."""
    data = parse(LostClose, {"lost_reason": lost_reason, "closed_at": closed_at})
    return _close(engine, opportunity_id, Stage.LOST, data.closed_at, expected_version, lost_reason=data.lost_reason)
