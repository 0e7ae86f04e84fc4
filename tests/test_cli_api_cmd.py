"""End to end: `smartbilling-crm api` as a real process (uvicorn), spoken to over HTTP on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from crm_core.cli import build_parser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    script = shutil.which("smartbilling-crm") or str(Path(sys.executable).parent / "smartbilling-crm")
    return [script] if Path(script).exists() else [sys.executable, "-m", "crm_core"]


def test_parser_offers_host_port_and_workers() -> None:
    args = build_parser().parse_args(["api", "--host", "0.0.0.0", "--port", "9000", "--workers", "2"])
    assert (args.host, args.port, args.workers) == ("0.0.0.0", 9000, 2)
    defaults = build_parser().parse_args(["api"])
    assert (defaults.host, defaults.port, defaults.workers) == ("127.0.0.1", 8000, 1)


@pytest.mark.slow
def test_api_command_serves_http(tmp_path: Path) -> None:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen(
        [*_command(), "api", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the API did not start within 60 s"
            time.sleep(0.3)
        created = httpx.post(
            f"{base}/api/clientes/", json={"nombre_empresa": "TechCorp S.L.", "email": "info@techcorp.es", "cif_nif": "B12345674"}
        )
        assert created.status_code == 201, created.text
        client_id = created.json()["id"]
        invoice = httpx.post(
            f"{base}/api/facturas", json={"numero": "SB-1", "cliente_id": client_id, "fecha_emision": "2026-11-01", "total": 250}
        )
        assert invoice.status_code == 201
        health = httpx.get(f"{base}/api/clientes/{client_id}/salud")
        assert health.status_code == 200 and health.json()["ltv_lifetime_value"] == 250.0
        listed = httpx.get(f"{base}/api/clientes/?limit=10").json()
        assert listed["total"] == 1 and listed["clientes"][0]["nombre_empresa"] == "TechCorp S.L."
        missing = httpx.get(f"{base}/api/clientes/999", headers={"Accept-Language": "es"})
        assert missing.status_code == 404 and missing.json()["detail"].startswith("el cliente 999")
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
