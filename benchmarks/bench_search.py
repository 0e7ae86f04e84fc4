"""The client search index (crm_core.views.search): the whole build and each per-table part.

    python benchmarks/bench_search.py DATABASE_URL [--repeat 3] [--before]

Loads the three tables the index reads (clients, contacts, invoices), then times `search_index` and
each part: the client part, the contact part (all a contacts write rebuilds, e.g. logging an
activity), the invoice part (2M numbers at 100,000 clients) and `combined_index`. `--before` also
times the pre-issue-18 build (a groupby joining per client, a Python call per cell) and checks the two
indexes hold the same texts. Median of `--repeat` runs, with the load average beside each line.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEARCH_TABLES = ("clients", "contacts", "invoices")


def _timed(repeat: int, build: Callable[[], Any]) -> tuple[float, list[float], Any]:
    """Median seconds of `repeat` runs of `build`, every run's seconds and the last result."""
    runs: list[float] = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = build()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), runs, result


def _groupby_build(frames: Any) -> Any:
    """The index as built before issue 18 (kept here only to measure against): groupby(...).agg(join)."""
    import pandas as pd

    from crm_core.views.search import _SEP, phone_digits

    def joined(client_ids: pd.Series, values: pd.Series) -> pd.Series:
        kept = pd.DataFrame({"client_id": client_ids, "text": values}).dropna()
        kept = kept.loc[kept["text"] != ""]
        return kept.groupby("client_id")["text"].agg(_SEP.join)

    def folded(values: pd.Series) -> pd.Series:
        return values.astype("object").map(lambda v: v.casefold() if isinstance(v, str) else None)

    clients, contacts, invoices = frames.clients, frames.contacts, frames.invoices
    every_phone = pd.concat(
        [
            pd.DataFrame({"client_id": clients["client_id"], "text": clients["phone"].map(phone_digits)}),
            pd.DataFrame({"client_id": contacts["client_id"], "text": contacts["phone"].map(phone_digits)}),
            pd.DataFrame({"client_id": contacts["client_id"], "text": contacts["whatsapp"].map(phone_digits)}),
        ],
        ignore_index=True,
    )
    index = pd.DataFrame(index=pd.Index(clients["client_id"], name="client_id"))
    return index.assign(
        names=joined(contacts["client_id"], folded(contacts["full_name"])),
        phones=joined(every_phone["client_id"], every_phone["text"]),
        invoices=joined(invoices["client_id"], folded(invoices["number"])),
    ).fillna("")


def main() -> int:
    import pandas as pd

    from crm_core.db import get_engine
    from crm_core.store.frames import Frames, load_table
    from crm_core.views import search

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (median shown)")
    parser.add_argument("--before", action="store_true", help="also time the pre-issue-18 groupby build")
    args = parser.parse_args()

    def load() -> str:
        return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())

    engine = get_engine(args.url)
    started = time.perf_counter()
    frames = dataclasses.replace(Frames.empty(), **{name: load_table(engine, name) for name in SEARCH_TABLES})
    rows = ", ".join(f"{name} {len(getattr(frames, name)):,}" for name in SEARCH_TABLES)
    print(f"{engine.url.get_backend_name()}: loaded {rows} in {time.perf_counter() - started:.2f} s  ({load()})")

    def report(label: str, build: Callable[[], Any]) -> Any:
        median, runs, result = _timed(args.repeat, build)
        print(f"  {label:<42}{median:>8.3f} s  (runs {' '.join(f'{r:.3f}' for r in runs)}; {load()})", flush=True)
        return result

    index = report("search_index (whole build)", lambda: search.search_index(frames))
    client_part = report("  client_search_part", lambda: search.client_search_part(frames.clients))
    contact_part = report("  contact_search_part", lambda: search.contact_search_part(frames.contacts))
    invoice_part = report("  invoice_search_part", lambda: search.invoice_search_part(frames.invoices))
    report("  combined_index", lambda: search.combined_index(client_part, contact_part, invoice_part))
    report(
        "after a contacts write (contact+combine)",
        lambda: search.combined_index(client_part, search.contact_search_part(frames.contacts), invoice_part),
    )
    if args.before:
        before = report("before issue 18 (groupby build)", lambda: _groupby_build(frames))
        pd.testing.assert_frame_equal(index, before, check_exact=True, check_dtype=False)
        print("  same texts per client as the groupby build")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
