"""Cell parsers: decimal comma and point, Spanish dates, yes/no words, Spanish enum words."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crm_core.enums import ActivityKind, ClientStatus, PaymentMethod, Stage
from crm_core.io.cells import (
    enum_value,
    number_text,
    parse_bool,
    parse_when,
    restore_cell,
    sniff_decimal_mark,
)


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [
        ("1.234,56", ",", "1234.56"),
        ("1234,56", ",", "1234.56"),
        ("-1.234.567,8", ",", "-1234567.8"),
        ("1.234,56 €", ",", "1234.56"),
        ("1234.56", ".", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("€ 1,234.56", ".", "1234.56"),
        ("(12.50)", ".", "-12.50"),
        ("12", ",", "12"),
    ],
)
def test_number_text_reads_both_decimal_marks(text: str, mark: str, expected: str) -> None:
    assert number_text(text, mark) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "mark"), [("12.5", ","), ("1.23,4.5", ","), ("12,5", "."), ("abc", "."), ("1,2,3", ".")])
def test_number_text_refuses_what_the_mark_cannot_mean(text: str, mark: str) -> None:
    # '12.5' with a decimal comma would otherwise silently become 125
    assert number_text(text, mark) is None  # type: ignore[arg-type]


def test_sniff_decimal_mark_from_unambiguous_cells_then_the_separator() -> None:
    assert sniff_decimal_mark(["1.000", "12,50"], ",") == ","
    assert sniff_decimal_mark(["1,000", "12.50"], ";") == "."
    assert sniff_decimal_mark(["1.234,56", "7"], ",") == ","
    # only ambiguous cells: a ';' file is Spanish-style, a ',' file English-style
    assert sniff_decimal_mark(["1.234", "12"], ";") == ","
    assert sniff_decimal_mark(["1,234", "12"], ",") == "."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/01/2024", datetime(2024, 1, 5)),
        ("5/1/2024", datetime(2024, 1, 5)),
        ("05-01-2024", datetime(2024, 1, 5)),
        ("05.01.2024", datetime(2024, 1, 5)),
        ("2024-01-05", datetime(2024, 1, 5)),
        ("2024/01/05", datetime(2024, 1, 5)),
        ("05/01/24", datetime(2024, 1, 5)),
        ("05/01/99", datetime(1999, 1, 5)),
        ("05/01/2024 14:30", datetime(2024, 1, 5, 14, 30)),
        ("05/01/2024 14:30:15", datetime(2024, 1, 5, 14, 30, 15)),
        ("2024-01-05 14:30:15", datetime(2024, 1, 5, 14, 30, 15)),
        ("2024-01-05T14:30:15.25", datetime(2024, 1, 5, 14, 30, 15, 250000)),
        ("2024-01-05 14:30:00+01:00", datetime(2024, 1, 5, 14, 30, tzinfo=timezone(timedelta(hours=1)))),
    ],
)
def test_parse_when_formats(text: str, expected: datetime) -> None:
    assert parse_when(text) == expected


@pytest.mark.parametrize("text", ["01/13/2024", "31/02/2024", "2024-13-01", "yesterday", "5", "2024"])
def test_parse_when_refuses_non_dates_and_never_reads_month_first(text: str) -> None:
    assert parse_when(text) is None


def test_parse_bool_words() -> None:
    assert [parse_bool(w) for w in ["Sí", "si", "YES", "true", "1", "x", "Verdadero"]] == [True] * 7
    assert [parse_bool(w) for w in ["No", "false", "0", "FALSO"]] == [False] * 4
    assert parse_bool("quizás") is None


def test_enum_words_in_spanish_map_to_stored_values() -> None:
    assert enum_value(ClientStatus, "Activo") == "active"
    assert enum_value(Stage, "Negociación") == "negotiation"
    assert enum_value(ActivityKind, "Videollamada") == "video_call"
    assert enum_value(ActivityKind, "video_call") == "video_call"
    assert enum_value(PaymentMethod, "Transferencia") == "transfer"
    assert enum_value(PaymentMethod, "dinero") == "dinero"  # left for the schema to reject


def test_restore_cell_undoes_export_neutralisation_only() -> None:
    assert restore_cell("'=cmd|' /C calc'!A0") == "=cmd|' /C calc'!A0"
    assert restore_cell("'+34 600 000 000") == "+34 600 000 000"
    assert restore_cell("'quoted'") == "'quoted'"
    assert restore_cell("=1+1") == "=1+1"
