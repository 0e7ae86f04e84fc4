"""Time the CSV import of a large invoice file (target: 100,000 invoices in under a minute), then a payment per invoice.

    /work/venv/bin/python benchmarks/bench_import.py [--rows 100000] [--clients 2000] [--url URL]

Without --url it uses a fresh temporary SQLite file. With a PostgreSQL URL the tables are
emptied first (use a throw-away database). Prints the time of each phase.
"""

from __future__ import annotations

import argparse
import pickle
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm_core.db import get_engine  # noqa: E402
from crm_core.db.models import Base  # noqa: E402
from crm_core.io.importing import import_clients, import_invoices, import_payments  # noqa: E402
from crm_core.io.reading import read_csv  # noqa: E402

CIF_LETTERS = "JABCDEFGHI"


def cif(number: int) -> str:
    """A valid CIF of company type B for a 7-digit number."""
    digits = f"{number:07d}"
    odd = sum(sum(divmod(int(d) * 2, 10)) for d in digits[0::2])
    even = sum(int(d) for d in digits[1::2])
    control = (10 - (odd + even) % 10) % 10
    return f"B{digits}{control}"


def clients_csv(count: int) -> bytes:
    lines = ["nombre_empresa;cif;correo;plazo_pago"]
    lines += [f"Empresa {i} SL;{cif(1000000 + i)};empresa{i}@example.es;30" for i in range(count)]
    return ("\n".join(lines) + "\n").encode("cp1252")


def invoices_csv(rows: int, clients: int, seed: int = 7) -> bytes:
    """A Spanish-style export: `;` separator, decimal comma with thousands points, dd/mm/yyyy."""
    rng = random.Random(seed)
    start = date(2021, 1, 1)
    lines = ["Nº factura;CIF cliente;Fecha emisión;Vencimiento;Importe"]
    for i in range(rows):
        issued = start + timedelta(days=rng.randrange(1400))
        due = issued + timedelta(days=30)
        cents = rng.randrange(1_000, 5_000_000)
        euros, rest = divmod(cents, 100)
        amount = f"{euros:,}".replace(",", ".") + f",{rest:02d}"
        lines.append(f"F-{i:07d};{cif(1000000 + rng.randrange(clients))};{issued:%d/%m/%Y};{due:%d/%m/%Y};{amount}")
    return ("\n".join(lines) + "\n").encode("cp1252")


def payments_csv(rows: int) -> bytes:
    """One payment of 1,00 per invoice of `invoices_csv`, after every issue date."""
    lines = ["Nº factura;Fecha cobro;Importe;Forma de pago"]
    lines += [f"F-{i:07d};15/01/2026;1,00;transferencia" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=2_000)
    parser.add_argument("--url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = get_engine(url)
        if args.url:
            with engine.begin() as conn:
                names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        print(f"database: {engine.dialect.name}")

        t0 = time.perf_counter()
        data = invoices_csv(args.rows, args.clients)
        print(f"generated {args.rows:,} invoice rows ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        table = read_csv(data)
        parsed = time.perf_counter() - t0
        kept = pickle.dumps(table)
        t0 = time.perf_counter()
        pickle.loads(kept)
        print(
            f"reading the file: {parsed:.2f} s; a st.cache_data hit would unpickle a copy in "
            f"{time.perf_counter() - t0:.2f} s (so the Import page keeps it with st.cache_resource)"
        )

        t0 = time.perf_counter()
        report = import_clients(engine, clients_csv(args.clients))
        print(f"clients: {report.to_create:,} imported in {time.perf_counter() - t0:.2f} s")

        t0 = time.perf_counter()
        report = import_invoices(engine, data, dry_run=True)
        checked = time.perf_counter() - t0
        print(f"invoices, check only: {report.rows_read:,} rows, {report.rejected} rejected in {checked:.2f} s")

        t0 = time.perf_counter()
        report = import_invoices(engine, data)
        elapsed = time.perf_counter() - t0
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT COUNT(*) FROM invoices")).scalar_one()
        print(
            f"invoices, full import (read + check + write, one transaction): {report.to_create:,} created, "
            f"{report.rejected} rejected, {stored:,} in the table, in {elapsed:.2f} s "
            f"({report.rows_read / elapsed:,.0f} rows/s)"
        )

        t0 = time.perf_counter()
        report = import_payments(engine, payments_csv(args.rows))
        elapsed = time.perf_counter() - t0
        print(
            f"payments, full import (the paid invoices locked until commit): {report.to_create:,} created, "
            f"{report.rejected} rejected in {elapsed:.2f} s ({report.rows_read / elapsed:,.0f} rows/s)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
