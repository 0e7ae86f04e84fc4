"""The English/Spanish catalogue and locale formatting."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from crm_core.enums import (
    ActivityKind,
    ClientStatus,
    CompanySize,
    PaymentMethod,
    RiskLevel,
    Stage,
)
from crm_core.i18n import (
    MESSAGES,
    default_lang,
    format_date,
    format_days,
    format_money,
    format_number,
    format_percent,
    label,
    t,
    t_count,
)
from crm_core.i18n.formatting import (
    date_format_pattern,
    date_strftime_pattern,
    format_money_short,
    month_abbr,
)

ROOT = Path(__file__).resolve().parent.parent


def test_every_entry_has_both_languages():
    for key, entry in MESSAGES.items():
        assert len(entry) == 2, key
        assert all(isinstance(x, str) and x.strip() for x in entry), key


def test_placeholders_match_between_languages():
    for key, (en, es) in MESSAGES.items():
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", es)), key


@pytest.mark.parametrize(
    ("kind", "enum"),
    [
        ("status", ClientStatus),
        ("company_size", CompanySize),
        ("kind", ActivityKind),
        ("stage", Stage),
        ("risk", RiskLevel),
        ("method", PaymentMethod),
        ("lifecycle", ClientStatus),
    ],
)
def test_every_enum_value_is_translated(kind, enum):
    for value in enum:
        assert f"{kind}.{value.value}" in MESSAGES
    assert label("stage", "negotiation", "es") == "Negociación"


def test_keys_used_in_code_exist():
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")
    missing = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("crm_core/**/*.py")]:
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in MESSAGES:
                missing.add(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, sorted(missing)


def test_t_fills_params_and_falls_back():
    assert t("common.of_total", "es", shown=5, total=9) == "5 de 9"
    assert t("no.such.key", "en") == "no.such.key"
    assert t("nav.clients", "fr") == "Clients"


def test_money_and_dates_per_language():
    assert format_money(1234.5, "es") == "1.234,50 €"
    assert format_money(1234.5, "en") == "€1,234.50"
    assert format_money(-0.1, "es") == "-0,10 €"
    assert format_money(float("nan"), "en") == "—"
    # a half rounds away from zero, whatever float holds it: 2.675 is 2.67499999... in binary
    assert format_money(2.5, "en", 0) == "€3" and format_money(-2.5, "es", 0) == "-3 €"
    assert format_money(2.675, "en") == "€2.68" and format_money(1_234_567.5, "es", 0) == "1.234.568 €"
    assert format_money(-0.004, "en") == "€0.00" and format_money(Decimal("0.125"), "en") == "€0.13"
    assert format_money(float("inf"), "en") == "—" and format_percent(float("-inf"), "es") == "—"
    assert format_date(date(2026, 11, 5), "es") == "05/11/2026"
    assert format_date(pd.Timestamp("2026-11-05"), "en") == "5 Nov 2026"
    assert format_date(pd.NaT, "en") == "—"
    assert format_percent(0.855, "es") == "86 %"


def test_default_lang_from_environment(monkeypatch):
    monkeypatch.setenv("CRM_LANG", "es_ES")
    assert default_lang() == "es"
    monkeypatch.setenv("CRM_LANG", "de")
    assert default_lang() == "en"
    monkeypatch.delenv("CRM_LANG")
    assert default_lang() == "en"


def test_date_patterns_for_widgets_and_csv_agree() -> None:
    day = date(2026, 11, 5)
    assert date_format_pattern("es") == "DD/MM/YYYY"
    assert day.strftime(date_strftime_pattern("es")) == "05/11/2026" == format_date(day, "es")
    assert date_format_pattern("en") == "YYYY-MM-DD"
    assert day.strftime(date_strftime_pattern("en")) == "2026-11-05"


def test_short_money_for_cards_that_cannot_wrap() -> None:
    """A KPI card cuts a long value with an ellipsis: from a million on it shows millions, 2 decimals."""
    assert format_money_short(281_737_014, "es") == "281,74 M€"
    assert format_money_short(281_737_014, "en") == "€281.74M"
    assert format_money_short(-1_033_653, "es") == "-1,03 M€" and format_money_short(-1_033_653, "en") == "-€1.03M"
    assert format_money_short(999_999.4, "en") == "€999,999" == format_money(999_999.4, "en", 0)
    assert format_money_short(999_999.5, "es") == "1,00 M€"  # rounds to a million euros first
    assert format_money_short(Decimal("5980731.00"), "en") == "€5.98M"
    assert format_money_short(None, "es") == "—"


def test_days_months_and_pandas_na() -> None:
    assert format_days(30.5, "es", 1) == "30,5 días" and format_days(30.5, "en", 1) == "30.5 days"
    assert format_days(float("nan"), "es") == "—"
    assert [month_abbr(m, "es") for m in (1, 7, 12)] == ["ene", "jul", "dic"]
    assert [month_abbr(m, "en") for m in (1, 7, 12)] == ["Jan", "Jul", "Dec"]
    # a nullable integer column's missing value (pd.NA) is a dash, not a TypeError
    assert format_number(pd.NA, "es") == "—" and format_money(pd.NA, "en") == "—" and format_percent(pd.NA, "es") == "—"


def test_counted_texts_use_the_singular_and_thousands_separators() -> None:
    assert t_count("import.problems", 1, "es").startswith("1 fila tiene problemas.")
    assert t_count("import.problems", 1, "en").startswith("1 row has a problem.")
    assert t_count("import.problems", 2174, "es").startswith("2.174 filas tienen problemas.")
    assert t_count("import.problems", 2174, "en").startswith("2,174 rows have problems.")
