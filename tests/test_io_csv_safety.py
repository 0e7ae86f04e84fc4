"""CSV injection: text a spreadsheet would run as a formula is neutralised, data is not."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_core.io.csv_safety import neutralise_cell, neutralise_frame


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+34 600 000 000", "+34 600 000 000"),  # a phone number is no formula (issue 16)
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Acme S.L.", "Acme S.L."),
        ("", ""),
        (None, None),
        (-12.5, -12.5),
    ],
)
def test_neutralise_cell(cell, expected):
    assert neutralise_cell(cell) == expected


def test_neutralise_frame_touches_text_only_and_keeps_dtypes():
    df = pd.DataFrame(
        {
            "company": ['=HYPERLINK("http://x")', "Acme"],
            "overdue": [-10.0, 5.0],
            "count": pd.array([1, None], dtype="Int64"),
        }
    )
    out = neutralise_frame(df)
    assert out["company"].tolist() == ['\'=HYPERLINK("http://x")', "Acme"]
    assert out["overdue"].tolist() == [-10.0, 5.0]
    assert out.dtypes.to_dict() == df.dtypes.to_dict()
    assert df["company"].iloc[0].startswith("=")  # the input is not modified


@pytest.mark.parametrize("phone", ["+34 954 123 456", "+34954123456", "+1 (555) 010-0199", "+34 600-00-00-01"])
def test_a_phone_number_is_left_as_written(phone: str) -> None:
    """Issue 16, defect 8: '+34 954 …' came out as "'+34 954 …" (a visible apostrophe in Excel)."""
    assert neutralise_cell(phone) == phone


@pytest.mark.parametrize("text", ["+34 954 123 456+SUM(A1)", "+1", "+A1", "-2+3", "+34;cmd"])
def test_what_only_starts_like_a_phone_is_still_neutralised(text: str) -> None:
    assert neutralise_cell(text) == "'" + text
