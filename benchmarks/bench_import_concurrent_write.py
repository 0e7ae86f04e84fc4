"""How long a form write waits while a large CSV import runs (issue 14, item 5).

    python benchmarks/bench_import_concurrent_write.py [--rows 500000] [--every 0.2] [--url URL]

Writes an invoice CSV of --rows rows for 2,000 clients into a fresh temporary SQLite file (or the
empty database at --url, e.g. a PostgreSQL one: its tables are emptied first), starts the
`import invoices` command on it in another process, and meanwhile records a payment through the
service (what the form calls) every --every seconds until the import ends. Prints the import's
time, how long it held the write lock (SQLite) or its write transaction lasted (PostgreSQL), as
the importer logs it, and each form write's latency (median, 95th percentile, max) and how many
were refused as busy (with how long they waited).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy.exc import OperationalError  # noqa: E402

from crm_core import services  # noqa: E402
from crm_core.db import get_engine  # noqa: E402
from crm_core.db.models import Base  # noqa: E402

try:
    from crm_core.errors import BusyError  # noqa: E402
except ImportError:  # before issue 14: the raw 'database is locked'
    BusyError = OperationalError  # type: ignore[misc,assignment]

CLIENTS = 2_000
# The import command with the importer's log on (it says how long the write lock was held).
IMPORT_COMMAND = (
    "import logging, sys; logging.basicConfig(level=logging.INFO, format='%(name)s: %(message)s');"
    "from crm_core.cli import main; sys.exit(main(sys.argv[1:]))"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--every", type=float, default=0.2, help="seconds between two form writes")
    parser.add_argument("--url", help="an empty database to use instead of a temporary SQLite file (emptied first)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-busy-"))
    url = args.url or f"sqlite:///{folder / 'crm.sqlite3'}"
    engine = get_engine(url)
    if args.url:
        with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    ids = [services.create_client(engine, {"company_name": f"Firm {i}", "email": f"f{i}@x.es"}).client_id for i in range(CLIENTS)]
    invoice = services.record_invoice(
        engine, {"client_id": ids[0], "number": "BENCH-0", "issue_date": date(2024, 1, 1), "total": "1000000"}
    )
    csv_path = folder / "invoices.csv"
    with csv_path.open("w", encoding="utf-8") as out:
        out.write("number,client_id,issue_date,total\n")
        for n in range(args.rows):
            out.write(f"F-{n},{ids[n % CLIENTS]},{1 + n % 28:02d}/0{1 + n % 9}/2024,{10 + n % 900}.50\n")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", IMPORT_COMMAND, "import", "invoices", str(csv_path), "--url", url],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    latencies: list[float] = []
    log: list[str] = []
    busy: list[float] = []
    while process.poll() is None:
        t0 = time.perf_counter()
        try:
            services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": date(2024, 2, 1), "amount": "0.01"})
            latencies.append(time.perf_counter() - t0)
            log.append(f"  at {t0 - started:6.1f} s: written in {(time.perf_counter() - t0) * 1000:,.0f} ms")
        except (BusyError, OperationalError):
            busy.append(time.perf_counter() - t0)
            log.append(f"  at {t0 - started:6.1f} s: refused as busy after {time.perf_counter() - t0:,.1f} s")
        time.sleep(args.every)
    elapsed = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    print(f"import of {args.rows:,} invoices: {elapsed:.1f} s, exit {process.returncode}")
    lines = output.strip().splitlines()
    print(next((line for line in lines if "rows read" in line), "(no report line)"))
    print(next((line for line in lines if line.startswith("crm_core.io.importing")), "(no lock time logged)"))
    refused = f"{len(busy)} refused as busy" + (f" (after {', '.join(f'{b:.1f}' for b in busy)} s)" if busy else "")
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"form writes during the import: {len(latencies)} written, {refused}; "
            f"latency median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms"
        )
    else:
        print(f"form writes during the import: none written, {refused}")
    if args.every >= 5:
        print("\n".join(log))


if __name__ == "__main__":
    main()
