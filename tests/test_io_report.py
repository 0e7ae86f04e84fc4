"""The import report: counts, its text form, and the rejected rows as a CSV to fix and re-import."""

from __future__ import annotations

from crm_core.io.reading import read_csv
from crm_core.io.report import ImportReport, RowProblem, SkippedRow, format_report


def _report(**overrides: object) -> ImportReport:
    values: dict[str, object] = {
        "kind": "invoices",
        "header": ["numero", "cif", "importe"],
        "mapping": {"numero": "number", "cif": "client_tax_id", "importe": "total"},
        "encoding": "windows-1252",
        "separator": ";",
        "decimal_mark": ",",
        "rows_read": 4,
        "to_create": 2,
        "skipped": [SkippedRow(3, "invoice_exists", {"number": "F-2"})],
        "problems": [
            RowProblem(5, "cif", "client_tax_id", "no_client", {"by": "tax_id", "value": "A58818501"}),
            RowProblem(5, "importe", "total", "number", {"value": "diez"}),
        ],
        "rejected_rows": [(5, ["=F-9", "A58818501", "diez"])],
    }
    values.update(overrides)
    return ImportReport(**values)  # type: ignore[arg-type]


def test_counts_and_writable() -> None:
    report = _report()
    assert (report.to_skip, report.rejected, report.ok) == (1, 1, False)
    assert not report.writable(valid_only=False)
    assert report.writable(valid_only=True)
    assert not _report(to_create=0).writable(valid_only=True)
    assert _report(problems=[], rejected_rows=[]).writable(valid_only=False)


def test_format_report_lists_every_problem_and_says_nothing_was_written() -> None:
    text = format_report(_report())
    assert text.splitlines() == [
        "invoices: 4 rows read (windows-1252, separator ';', decimal mark ',')",
        "  to create: 2",
        "  to update: 0",
        "  to skip:   1",
        "  rejected:  1",
        "columns matched: numero -> number, cif -> client_tax_id, importe -> total",
        "rejected rows:",
        "  line 5, column 'cif': no client has tax id A58818501 (import the clients first)",
        "  line 5, column 'importe': must be a number, got 'diez'",
        "skipped rows:",
        "  line 3: invoice F-2 already exists",
        "nothing was written: fix the rejected rows and import again, or import the valid rows only",
    ]
    assert format_report(_report(committed=True)).endswith("written: 2 created, 0 updated")


def test_rejected_csv_keeps_the_columns_adds_the_reason_and_neutralises() -> None:
    data = _report().rejected_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    table = read_csv(data)
    assert table.separator == ";"
    assert table.header == ["numero", "cif", "importe", "reason"]
    assert table.rows == [
        (
            2,
            [
                "'=F-9",
                "A58818501",
                "diez",
                "cif: no client has tax id A58818501 (import the clients first); importe: must be a number, got 'diez'",
            ],
        )
    ]


def test_rejected_csv_says_the_reasons_in_the_language_asked() -> None:
    table = read_csv(_report().rejected_csv("es"))
    assert table.rows[0][1][3] == (
        "cif: ningún cliente tiene el CIF/NIF A58818501 (importa antes los clientes); importe: debe ser un número, no 'diez'"
    )
