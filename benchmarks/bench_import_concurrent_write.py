"""How long a form write waits while a large CSV import runs on SQLite (issue 14, item 5).

    python benchmarks/bench_import_concurrent_write.py [--rows 500000] [--every 0.2]

Writes an invoice CSV of --rows rows for 2,000 clients into a fresh temporary SQLite file, starts
`python -m crm_core import invoices` on it in another process, and meanwhile records a payment
through the service (what the form calls) every --every seconds until the import ends. Prints the import's
time and each write's latency (median, 95th percentile, max) and how many were refused as busy.
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

try:
    from crm_core.errors import BusyError  # noqa: E402
except ImportError:  # before issue 14: the raw 'database is locked'
    BusyError = OperationalError  # type: ignore[misc,assignment]

CLIENTS = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--every", type=float, default=0.2, help="seconds between two form writes")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-busy-"))
    url = f"sqlite:///{folder / 'crm.sqlite3'}"
    engine = get_engine(url)
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
        [sys.executable, "-m", "crm_core", "import", "invoices", str(csv_path), "--url", url],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    latencies: list[float] = []
    log: list[str] = []
    busy = 0
    while process.poll() is None:
        t0 = time.perf_counter()
        try:
            services.record_payment(engine, {"invoice_id": invoice.invoice_id, "paid_on": date(2024, 2, 1), "amount": "0.01"})
            latencies.append(time.perf_counter() - t0)
            log.append(f"  at {t0 - started:6.1f} s: written in {(time.perf_counter() - t0) * 1000:,.0f} ms")
        except (BusyError, OperationalError):
            busy += 1
            log.append(f"  at {t0 - started:6.1f} s: refused as busy after {time.perf_counter() - t0:,.1f} s")
        time.sleep(args.every)
    elapsed = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    print(f"import of {args.rows:,} invoices: {elapsed:.1f} s, exit {process.returncode}")
    print(output.strip().splitlines()[0] if output.strip() else "(no output)")
    if latencies:
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"form writes during the import: {len(latencies)} written, {busy} refused as busy; "
            f"latency median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms"
        )
    else:
        print(f"form writes during the import: none written, {busy} refused as busy")
    if args.every >= 5:
        print("\n".join(log))


if __name__ == "__main__":
    main()
