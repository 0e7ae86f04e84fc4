"""Issue 14, item 7: an unwritable `--rejected` path is refused before anything is imported."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm_core.cli import main
from tests.conftest import database_hash
from tests.io_files import write_csv


@pytest.mark.parametrize("where", ["missing_folder", "a_folder"])
def test_unwritable_rejected_path_imports_nothing(
    engine: Engine, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    path = write_csv(tmp_path / "c.csv", [["company_name", "email"], ["Good", "g@x.es"], ["Bad", "not-an-email"]])
    target = tmp_path / "no" / "such" / "r.csv" if where == "missing_folder" else tmp_path
    before = database_hash(engine)
    code = main(["import", "clients", str(path), "--url", url, "--valid-only", "--rejected", str(target)])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot write the rejected rows" in err and "nothing was imported" in err and "Traceback" not in err
    assert database_hash(engine) == before


def test_writable_rejected_path_gets_the_rows(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    path = write_csv(tmp_path / "c.csv", [["company_name", "email"], ["Good", "g@x.es"], ["Bad", "not-an-email"]])
    target = tmp_path / "r.csv"
    assert main(["import", "clients", str(path), "--url", url, "--valid-only", "--rejected", str(target)]) == 1
    assert "Bad" in target.read_text(encoding="utf-8-sig")
