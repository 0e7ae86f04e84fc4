"""Latency and throughput of the REST API on the 10k-client demo, served as users serve it (uvicorn, 2 workers).

    python benchmarks/bench_api.py [--url URL ...] [--requests 200] [--seconds 10] [--concurrency 8] [--workers 2]

Each --url (default: sqlite:////tmp/api_bench_10k.sqlite3) must hold a demo portfolio, built once with
`python -m crm_core demo --clients 10000 --url URL` (this script builds a missing SQLite file that way).
For each database it starts `python -m crm_core api --workers 2` on a free port, times the first
(cold) request of each worker's cache, then warms both workers and prints, over --requests requests on
random clients, the median and p99 latency of GET /{id}/salud, /{id}/recomendaciones, /{id} and /?limit=100,
then the requests per second of GET /{id}/salud from --concurrency threads for --seconds, and the
slow requests after one write (the writing worker reloads the table it wrote and rebuilds health; the
other notices the write by the fingerprints and reloads every table, or on PostgreSQL with its change counters
just the written one). The write stays in the database.
Targets (issue 12): median <= 50 ms, p99 <= 200 ms, >= 200 requests/s.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "sqlite:////tmp/api_bench_10k.sqlite3"
ENDPOINTS = (
    "/api/clientes/{id}/salud",
    "/api/clientes/{id}/recomendaciones",
    "/api/clientes/{id}",
    "/api/clientes/?limit=100&skip={skip}",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_if_missing(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            print(f"building the 10k demo into {path} ...", flush=True)
            subprocess.run([sys.executable, "-m", "crm_core", "demo", "--clients", "10000", "--url", url], cwd=ROOT, check=True)


def start(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_core", "api", "--url", url, "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the API did not start within 120 s")


def client_ids(base: str) -> list[int]:
    with httpx.Client(base_url=base, timeout=300) as http:
        first = http.get("/api/clientes/?limit=100").json()
        total = first["total"]
        ids: list[int] = []
        for skip in range(0, total, 100):
            ids += [row["id"] for row in http.get(f"/api/clientes/?limit=100&skip={skip}").json()["clientes"]]
        return ids


def cold_and_warm(base: str, workers: int) -> list[float]:
    """Seconds of the first requests until each worker answered a health request fast (its cache built)."""
    firsts: list[float] = []
    with httpx.Client(base_url=base, timeout=600) as http:
        fast = 0
        while fast < 10 * workers:  # a new connection per request spreads them over the workers
            started = time.perf_counter()
            http.get("/api/clientes/1/salud", headers={"Connection": "close"}).raise_for_status()
            took = time.perf_counter() - started
            if took > 0.5:
                firsts.append(took)
                fast = 0
            else:
                fast += 1
    return firsts


def latencies(base: str, path: str, ids: list[int], n: int) -> list[float]:
    rng = random.Random(42)
    out: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as http:
        for _ in range(n):
            url = path.format(id=rng.choice(ids), skip=rng.randrange(0, len(ids), 100))
            started = time.perf_counter()
            http.get(url).raise_for_status()
            out.append((time.perf_counter() - started) * 1000)
    return out


def throughput(base: str, ids: list[int], concurrency: int, seconds: float) -> float:
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def run(slot: int) -> None:
        rng = random.Random(slot)
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop:
                http.get(f"/api/clientes/{rng.choice(ids)}/salud").raise_for_status()
                done[slot] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", help=f"database URL (repeatable; default {DEFAULT_URL})")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for url in args.url or [DEFAULT_URL]:
        build_if_missing(url)
        process, base = start(url, args.workers)
        try:
            print(f"\n{url.split('@')[-1]}  (uvicorn, {args.workers} workers)")
            firsts = cold_and_warm(base, args.workers)
            print("  cold first requests (cache build per worker): " + ", ".join(f"{s:.1f} s" for s in firsts))
            ids = client_ids(base)
            print(f"  {len(ids)} clients; {args.requests} sequential requests each, random clients")
            print(f"  {'endpoint':<44} {'median ms':>10} {'p99 ms':>10}")
            for path in ENDPOINTS:
                times = latencies(base, path, ids, args.requests)
                print(f"  GET {path:<40} {statistics.median(times):>10.1f} {p99(times):>10.1f}")
            rate = throughput(base, ids, args.concurrency, args.seconds)
            print(f"  GET /api/clientes/{{id}}/salud, {args.concurrency} concurrent clients: {rate:.0f} requests/s")
            httpx.post(
                f"{base}/api/clientes/{ids[0]}/actividades", timeout=60, json={"tipo": "nota", "titulo": "bench_api: one write"}
            ).raise_for_status()
            after = cold_and_warm(base, args.workers)
            print(
                "  after one write (POST an activity), the slow requests until both workers are warm: "
                + (", ".join(f"{s:.1f} s" for s in after) or "none")
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
