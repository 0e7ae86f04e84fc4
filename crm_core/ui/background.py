"""What the Streamlit server computes in a separate process, loading what it reads from the database itself.

The forecast backtest takes about a minute at 100,000 clients. Run in a thread of the server it
holds the GIL for much of that minute and slows every page of every session; in its own process it
uses the other core and the server keeps its own. The process loads only the tables the backtest
reads, through the same loader as everyone (crm_core.store.frames), so its figures are those of the
same data: docs/design.md §3.3. This module imports no Streamlit (the process has no session).
"""

from __future__ import annotations

import functools
import os
from datetime import date

from crm_core.auth.scope import Scope, scope_frames, visible_client_ids
from crm_core.db import get_engine
from crm_core.memory import prepare_process_memory
from crm_core.store.frames import TABLES, Frames, gather_tables, load_table
from crm_core.views.forecast import ACCURACY_TABLES, Accuracy, forecast_accuracy

BACKGROUND_NICENESS = 10  # added to the process's niceness: the pages' own work and reads come first


def start_background_process() -> None:
    """Set up the background process as it starts: a lower CPU priority, numpy's memory and malloc's as the server's."""
    os.nice(BACKGROUND_NICENESS)
    prepare_process_memory()


def accuracy_from_database(db_url: str, as_of: date, owner: int | None = None) -> Accuracy:
    """`forecast_accuracy` over the database's ACCURACY_TABLES as they are now, cut to `owner`'s clients
    (None: every client); the other tables are empty, as the backtest does not read them."""
    engine = get_engine(db_url)
    loaded = gather_tables({name: functools.partial(load_table, engine, name) for name in ACCURACY_TABLES})
    empty = Frames.empty()
    frames = Frames(**{name: loaded[name] if name in loaded else getattr(empty, name) for name in TABLES})
    if owner is not None:
        frames = scope_frames(frames, visible_client_ids(engine, Scope(owner)))
    return forecast_accuracy(frames, as_of)
