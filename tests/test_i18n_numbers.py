"""Typed amounts in the UI language (crm_core.i18n.numbers): the layout of the language or a refusal, never another number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_core.i18n.numbers import AmountError, amount_message, parse_amount


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("12.500,50", "es", "12500.50"),  # issue 16: was read as 12.50
        ("12500,50", "es", "12500.50"),  # issue 16: was read as 1,250,050.00
        ("12.500", "es", "12500.00"),
        ("1.234.567,8", "es", "1234567.80"),
        ("0,5", "es", "0.50"),
        ("-3,25", "es", "-3.25"),
        ("12.500,50 €", "es", "12500.50"),
        ("  7 ", "es", "7.00"),
        ("12,500.50", "en", "12500.50"),
        ("12500.50", "en", "12500.50"),
        ("12,500", "en", "12500.00"),
        ("€1,234,567.8", "en", "1234567.80"),
    ],
)
def test_reads_the_layout_of_the_language(text: str, lang: str, expected: str) -> None:
    assert parse_amount(text, lang) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "lang", "code"),
    [
        ("12,500.50", "es", "other_layout"),
        ("12.500,50", "en", "other_layout"),
        ("12.50", "es", "ambiguous"),  # a decimal point by habit, or a bad thousands group?
        ("12,50", "en", "ambiguous"),
        ("1.2345", "es", "ambiguous"),
        ("1,5,0", "es", "not_a_number"),
        ("12,505", "es", "too_many_decimals"),
        ("doce", "es", "not_a_number"),
        ("1e5", "en", "not_a_number"),
        (",5", "es", "not_a_number"),
        ("5,", "es", "not_a_number"),
    ],
)
def test_refuses_what_is_unreadable_or_ambiguous(text: str, lang: str, code: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, lang)
    assert caught.value.code == code


def test_blank_is_none() -> None:
    assert parse_amount("  ", "es") is None
    assert parse_amount(None, "en") is None


def test_messages_say_how_to_write_it_in_the_language() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("12,500.50", "es")
    assert amount_message(caught.value, "es") == (
        "'12,500.50' está escrito con otro formato: aquí un importe se escribe como 12.500,50"
    )
    with pytest.raises(AmountError) as caught:
        parse_amount("12,50", "en")
    assert "12,500.50" in amount_message(caught.value, "en")
