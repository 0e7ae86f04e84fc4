"""The Import page under AppTest: upload, preview and mapping, check report, commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from crm_core.db import get_engine
from crm_core.i18n import MESSAGES
from crm_core.io import reading
from crm_core.io.headers import KINDS, field_names
from tests.conftest import row_counts
from tests.io_files import cif

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CLIENTS = (
    "Razón social;CIF;Correo;Ciudad\r\nPeña Ñandú S.L.;B12345674;pena@x.es;Sevilla\r\nBeta S.A.;A58818501;beta@x.es;Bilbao\r\n"
).encode("cp1252")


def _open(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if lang:
        at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/import.py").run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="import_file").set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_every_import_field_has_a_label() -> None:
    missing = [f"field.{f}" for kind in KINDS for f in field_names(kind) if f"field.{f}" not in MESSAGES]
    assert not missing


def test_upload_map_check_and_commit(app_db) -> None:
    at = _open()
    assert at.title[0].value == "Import"
    assert at.info[0].value.startswith("Upload a CSV file")
    _upload(at, "clientes.csv", CLIENTS)

    assert "2 rows, read as windows-1252 with separator ';'." in at.caption[1].value
    first = at.dataframe[0].value
    assert list(first.columns) == ["Razón social", "CIF", "Correo", "Ciudad"]
    assert first.iloc[0, 0] == "Peña Ñandú S.L."
    boxes = {box.label: box for box in at.selectbox if box.key and box.key.startswith("import_map_")}
    assert {label: box.value for label, box in boxes.items()} == {
        "Razón social": "company_name",
        "CIF": "tax_id",
        "Correo": "email",
        "Ciudad": "city",
    }

    boxes["Ciudad"].select("-").run()  # leave the city out
    at.button(key="import_check").click().run()
    assert _metrics(at) == {"Rows read": "2", "To create": "2", "To update": "0", "To skip": "0", "Rejected": "0"}
    assert at.success[0].value == "Every row is valid."
    assert row_counts(get_engine(app_db))["clients"] == 0  # checking writes nothing

    at.button(key="import_commit").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Imported: 2 created, 0 updated, 0 skipped."
    engine = get_engine(app_db)
    assert row_counts(engine)["clients"] == 2
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT company_name, city FROM clients ORDER BY client_id").all() == [
            ("Peña Ñandú S.L.", None),
            ("Beta S.A.", None),
        ]


def test_bad_rows_are_listed_and_nothing_is_written_without_valid_only(app_db) -> None:
    rows = ["empresa,cif,email"] + [f"E{i} S.L.,{cif(7000 + i)},e{i}@x.es" for i in range(20)]
    rows[6] = "E5 S.L.,B00000001,e5@x.es"
    at = _upload(_open(), "c.csv", ("\n".join(rows) + "\n").encode())
    at.button(key="import_check").click().run()
    assert _metrics(at)["Rejected"] == "1"
    # one rejected row is said in the singular, and what to do next is said without pointing at an option
    assert at.error[0].value.startswith("1 row has a problem. Fix it in the file")
    assert "Nothing is imported while a row is rejected" in at.info[-1].value
    problems = at.dataframe[1].value
    assert problems.iloc[0].tolist()[:2] == [7, "cif"]
    assert "check digit is wrong" in problems.iloc[0, 2]
    assert at.get("download_button")  # the rejected rows, with a reason column
    assert not [b for b in at.button if b.key == "import_commit"]

    at.checkbox(key="import_valid_only").check().run()
    at.button(key="import_commit").click().run()
    assert at.success[0].value == "Imported: 19 created, 0 updated, 0 skipped."
    assert row_counts(get_engine(app_db))["clients"] == 19


def test_unreadable_file_and_spanish_texts(app_db) -> None:
    at = _upload(_open(lang="es"), "foto.csv", b"\x00\x01\x02binary\xff" * 30)
    assert at.title[0].value == "Importar"
    assert at.error[0].value == ("Este fichero no se puede importar: el fichero no es un CSV de texto (contiene datos binarios)")

    at = _upload(at, "c.csv", b"empresa;email;color\nA;a@x.es;rojo\n")
    assert at.warning[0].value == (
        'No reconocidas: elige un campo o "no importar" para cada una antes de comprobar el archivo: color'
    )
    assert any(c.value.startswith("1 fila, leída como") for c in at.caption)
    next(box for box in at.selectbox if box.label == "color").select("-").run()
    at.button(key="import_check").click().run()
    assert _metrics(at)["A crear"] == "1"


@pytest.mark.parametrize("kind", ["invoices", "payments"])
def test_missing_required_column_is_explained(app_db, kind) -> None:
    at = _open()
    at.selectbox(key="import_kind").select(kind).run()
    _upload(at, "x.csv", b"numero,fecha\nF-1,2024-01-01\n")
    at.button(key="import_check").click().run()
    assert "a required column is missing" in at.error[0].value


def test_the_file_is_read_once_across_interactions(app_db, monkeypatch) -> None:
    reads: list[int] = []
    real_decode = reading.decode

    def counted(data: bytes) -> tuple[str, str]:
        reads.append(len(data))
        return real_decode(data)

    monkeypatch.setattr(reading, "decode", counted)  # every read of a CSV file decodes it first
    at = _upload(_open(), "clientes.csv", CLIENTS)
    assert reads == [len(CLIENTS)]

    boxes = {box.label: box for box in at.selectbox if box.key and box.key.startswith("import_map_")}
    boxes["Ciudad"].select("-").run()
    at.button(key="import_check").click().run()
    assert _metrics(at)["To create"] == "2"
    _upload(at, "copia.csv", CLIENTS)  # the same content again, under another name
    assert reads == [len(CLIENTS)]


def test_no_column_is_dropped_silently(app_db) -> None:
    """Issue 16, defect 3: a left-out column is listed; an unknown one must be mapped or left out before the check."""
    data = (
        "Número;CIF;Fecha;Base imponible;Total;Estado;Comercial\r\nF-1;B12345674;01/03/2024;1.000,00;1.210,00;Cobrada;Ana\r\n"
    ).encode()
    at = _upload(_open("es"), "facturas.csv", data)
    at.selectbox(key="import_kind").select("invoices").run()
    boxes = {box.label: box for box in at.selectbox if box.key and box.key.startswith("import_map_")}
    assert boxes["Estado"].value == "paid_status"
    assert boxes["Comercial"].value is None  # unknown: no silent default
    assert any("Base imponible" in i.value for i in at.info)  # left out, and said so
    assert any("Comercial" in w.value for w in at.warning)
    assert at.button(key="import_check").disabled
    boxes["Comercial"].select("-").run()
    assert not at.button(key="import_check").disabled
    assert any("Comercial" in i.value and "Base imponible" in i.value for i in at.info)
