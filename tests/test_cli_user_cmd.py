"""`user ...` and `token ...` commands: passwords from stdin, never echoed, logged or stored plain."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from crm_core.auth.tokens import viewer_for_token
from crm_core.auth.users import authenticate
from crm_core.cli import main
from crm_core.db import get_engine

PASSWORD = "s3cret-Passw0rd"


def _stdin(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(value))


def test_user_and_token_commands_end_to_end(tmp_path: Path, monkeypatch, capsys, caplog):
    url = f"sqlite:///{tmp_path / 'team.sqlite3'}"
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # every SQL statement and its parameters
    try:
        _stdin(monkeypatch, PASSWORD + "\n")
        assert main(["user", "add", "Ana@Example.com", "--name", "Ana", "--role", "rep", "--password-stdin", "--url", url]) == 0
        assert main(["user", "list", "--url", url]) == 0
        assert main(["token", "create", "ana@example.com", "--name", "ci", "--url", url]) == 0
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    out = capsys.readouterr()
    token = out.out.splitlines()[-1]
    assert "user ana@example.com added (rep, Ana)" in out.out
    assert "ana@example.com" in out.out and "active" in out.out
    assert "copy it now" in out.err
    engine = get_engine(url)
    assert viewer_for_token(engine, token).name == "Ana"
    assert authenticate(engine, "ana@example.com", PASSWORD).name == "Ana"
    # The password never shows: not in the output, not in any log record (SQL parameters
    # included), not in any table; the token is stored only as a hash.
    everything = out.out + out.err + caplog.text
    assert PASSWORD not in everything
    with engine.connect() as conn:
        dump = repr([conn.execute(text(f"SELECT * FROM {t}")).all() for t in ("users", "api_tokens", "audit_log")])
    assert PASSWORD not in dump and token not in dump
    assert "INSERT INTO users" in caplog.text  # the log did see the writes

    assert main(["token", "revoke", "1", "--url", url]) == 0
    assert main(["user", "disable", "ana@example.com", "--url", url]) == 0
    _stdin(monkeypatch, "short\n")
    assert main(["user", "set-password", "ana@example.com", "--password-stdin", "--url", url]) == 1
    assert "password: must be between 8 and 1024 characters" in capsys.readouterr().err
    _stdin(monkeypatch, "another password\n")
    assert main(["user", "set-password", "ana@example.com", "--password-stdin", "--url", url]) == 0
    assert authenticate(engine, "ana@example.com", "another password").name == "Ana"


def test_unknown_user_and_bad_role_are_refused_without_traceback(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'team.sqlite3'}"
    assert main(["user", "disable", "ghost@example.com", "--url", url]) == 1
    assert "user ghost@example.com does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["user", "add", "a@example.com", "--name", "A", "--role", "boss", "--url", url])


def test_exports_as_a_rep_hold_only_that_reps_clients(tmp_path: Path, capsys):
    """`export KIND --as EMAIL` and `export-at-risk --as EMAIL`: rows counted against the database."""
    import csv
    from datetime import date

    from crm_core.demo import generate_demo
    from crm_core.demo.users import demo_accounts

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    engine = get_engine(url)
    generate_demo(engine, clients=80, seed=5, as_of=date(2026, 11, 25), users=True)
    rep = next(a for a in demo_accounts(engine) if a.role == "rep")
    with engine.connect() as conn:
        user_id = conn.execute(text("SELECT user_id FROM users WHERE email = :e"), {"e": rep.email}).scalar_one()
        mine = {r[0] for r in conn.execute(text("SELECT email FROM clients WHERE owner_id = :u"), {"u": user_id})}
        invoices = conn.execute(
            text("SELECT COUNT(*) FROM invoices JOIN clients USING (client_id) WHERE owner_id = :u"), {"u": user_id}
        ).scalar_one()

    def rows(path: Path) -> list[dict[str, str]]:
        return list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))

    out = tmp_path / "clients.csv"
    assert main(["export", "clients", "--out", str(out), "--as", rep.email, "--url", url]) == 0
    assert {r["email"] for r in rows(out)} == mine
    assert main(["export", "invoices", "--out", str(out), "--as", rep.email, "--url", url]) == 0
    assert len(rows(out)) == invoices
    assert main(["export", "clients", "--out", str(out), "--url", url]) == 0
    assert len(rows(out)) == 80
    risky = tmp_path / "risk.csv"
    assert main(["export-at-risk", "--out", str(risky), "--as-of", "2026-11-25", "--url", url]) == 0
    everyone = {r["Email"] for r in rows(risky)}
    assert main(["export-at-risk", "--out", str(risky), "--as-of", "2026-11-25", "--as", rep.email, "--url", url]) == 0
    assert {r["Email"] for r in rows(risky)} == everyone & mine
    assert main(["export", "clients", "--out", str(out), "--as", "ghost@example.com", "--url", url]) == 1
