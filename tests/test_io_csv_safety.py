"""CSV injection: text a spreadsheet would run as a formula is neutralised, data is not."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _per_cell(column: pd.Series) -> list[object]:
    return [neutralise_cell(value) for value in column]


def _same_cells(got: pd.Series, expected: list[object]) -> bool:
    """Equal cell by cell, a missing value (None, NaN, pd.NA) only matching the same kind of missing value."""
    return len(got) == len(expected) and all(
        type(a) is type(b) and (a is b or (isinstance(a, float) and a != a and b != b) or a == b)
        for a, b in zip(got, expected, strict=True)
    )


def test_neutralise_frame_quotes_exactly_the_cells_neutralise_cell_quotes():
    text = [
        "=1+1",
        "＝1+1",  # fullwidth equals sign: NFKC folds it to '='
        "＋34",
        "﹣2",  # small hyphen-minus
        "\tx",
        "\rx",
        "-12.50",  # a negative amount written as text
        "-",
        "+34 954 12 34 56",  # a phone number: left as written
        "+1 (555) 010-0199",
        "+34 954 12 34 56+SUM(A1)",
        "+34 954 12 34 56\n",  # the phone pattern's $ matches before a final newline, as in neutralise_cell
        "@SUM(A1)",
        "Acme S.L.",
        "'=already quoted",
        "",
        " =x",
        "é",
    ]
    n = len(text)
    df = pd.DataFrame(
        {
            "object_text": pd.Series(text, dtype=object),
            "with_missing": pd.Series([None, float("nan"), *text[2:]], dtype=object),
            "mixed": pd.Series([1, -2, 3.5, None, float("nan"), b"=x", *text[6:]], dtype=object),
            "string": pd.Series([None, *text[1:]], dtype="string"),
            "pyarrow": pd.Series([*text[:-1], None], dtype="string[pyarrow]"),
            "default_str": pd.Series(text),
            "ints_as_objects": pd.Series(range(-n, 0), dtype=object),
            "amount": [-float(i) for i in range(n)],
            "category": pd.Series(text, dtype="category"),
        }
    )
    df.index = pd.Index([7] * n)  # repeated labels: cells are replaced by position
    out = neutralise_frame(df)
    for name in df.columns:
        assert _same_cells(out[name], _per_cell(df[name])), name
    assert out.dtypes.drop("category").to_dict() == df.dtypes.drop("category").to_dict()
    assert out["object_text"].tolist()[:4] == ["'=1+1", "'＝1+1", "'＋34", "'﹣2"]
    assert out["object_text"].iloc[8] == "+34 954 12 34 56"
    assert out["mixed"].tolist()[:3] == [1, -2, 3.5] and out["mixed"].iloc[5] == b"=x"
    assert out["ints_as_objects"].tolist() == list(range(-n, 0))
    assert df["object_text"].iloc[0] == "=1+1"  # the input is not modified


def test_neutralise_frame_leaves_columns_without_text_alone():
    df = pd.DataFrame(
        {
            "none": pd.Series([None, None], dtype=object),
            "nan": pd.Series([float("nan"), None], dtype=object),
            "dates": pd.to_datetime(["2026-01-01", None]),
            "bytes": pd.Series([b"=1+1", b"-2"], dtype=object),
        }
    )
    out = neutralise_frame(df)
    assert out.dtypes.to_dict() == df.dtypes.to_dict()
    assert out.equals(df)


_CELLS = st.one_of(
    st.none(),
    st.integers(-5, 5),
    st.text(alphabet="=+-@\t\r\n'＝＋﹣ 0123456789().a/", max_size=14),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CELLS, max_size=12))
def test_neutralise_frame_agrees_with_neutralise_cell_on_any_column(cells: list[object]) -> None:
    texts = ["" if cell is None else str(cell) for cell in cells]
    df = pd.DataFrame({"object": pd.Series(cells, dtype=object), "string": pd.Series(texts, dtype="string")})
    out = neutralise_frame(df)
    assert _same_cells(out["object"], _per_cell(df["object"]))
    assert _same_cells(out["string"], _per_cell(df["string"]))
