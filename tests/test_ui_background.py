"""ui.background: the backtest computed in another process gives the figures of the in-process backtest."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import select

from crm_core.auth.scope import Scope, scope_frames, visible_client_ids
from crm_core.db import get_engine
from crm_core.db.models import User
from crm_core.store.frames import load_frames
from crm_core.ui.background import accuracy_from_database
from crm_core.views.forecast import forecast_accuracy

AS_OF = date(2026, 11, 25)


def test_accuracy_from_the_database_equals_the_backtest_over_loaded_frames(demo_db: str) -> None:
    engine = get_engine(demo_db)
    frames = load_frames(engine)
    expected = forecast_accuracy(frames, AS_OF)
    got = accuracy_from_database(demo_db, AS_OF)
    pd.testing.assert_frame_equal(got.scores, expected.scores)
    pd.testing.assert_frame_equal(got.summary, expected.summary)
    assert len(got.scores) > 0

    with engine.connect() as conn:
        rep = conn.execute(select(User.user_id).where(User.role == "rep").order_by(User.user_id).limit(1)).scalar_one()
    mine = forecast_accuracy(scope_frames(frames, visible_client_ids(engine, Scope(rep))), AS_OF)
    got_mine = accuracy_from_database(demo_db, AS_OF, rep)
    pd.testing.assert_frame_equal(got_mine.scores, mine.scores)
    assert not got_mine.scores.equals(got.scores)  # a rep's backtest covers only the rep's clients
