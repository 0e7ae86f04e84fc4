"""crm_core.ui.tables: cells written in the UI language by a Styler, enum columns wide enough."""

from __future__ import annotations

import pandas as pd
from pandas.io.formats.style import Styler

from crm_core.i18n import MESSAGES, format_money
from crm_core.ui.context import PageContext
from crm_core.ui.tables import (
    CELL_PADDING_PX,
    CHAR_PX,
    EMPTY_CELL,
    display_frame,
    enum_width,
    percent_printf,
    styled,
)


def _ctx(lang: str) -> PageContext:
    return PageContext(as_of=None, lang=lang, db_url="sqlite://")  # type: ignore[arg-type]


def test_amounts_counts_and_shares_are_written_in_the_language() -> None:
    frame = pd.DataFrame({"name": ["A", "B"], "ltv": [1234.5, 1_000_000.0], "count": [1234, 7], "share": [0.685, 1.0]})
    kinds = {"name": "text", "ltv": "money", "count": "number", "share": "share"}
    es = styled(frame, kinds, "es")
    assert isinstance(es, Styler)
    text = es.to_string(delimiter=";").splitlines()
    assert text[1].split(";")[1:] == ["A", "1.234,50 €", "1.234", "68,5 %"]
    assert text[2].split(";")[2] == "1.000.000,00 €"
    en = styled(frame, kinds, "en").to_string(delimiter=";").splitlines()
    assert en[1].split(";")[2:5] == [format_money(1234.5, "en"), "1,234", "68.5%"]
    # the cells themselves stay numbers, so sorting a column in the grid sorts by value
    assert es.data["ltv"].tolist() == [1234.5, 1_000_000.0]


def test_missing_and_nullable_cells_do_not_break_the_styler() -> None:
    frame = pd.DataFrame({"duration_min": pd.array([15, None], dtype="Int64"), "total": [None, 2.0]})
    text = styled(frame, {"duration_min": "number", "total": "money"}, "es").to_string(delimiter=";").splitlines()
    assert text[1].split(";")[1:] == ["15", EMPTY_CELL]
    assert text[2].split(";")[1:] == [EMPTY_CELL, "2,00 €"]


def test_a_frame_without_such_columns_or_rows_is_left_as_it_is() -> None:
    frame = pd.DataFrame({"name": ["A"]})
    assert styled(frame, {"name": "text"}, "es") is frame
    empty = pd.DataFrame({"ltv": pd.Series([], dtype="float64")})
    assert styled(empty, {"ltv": "money"}, "es") is empty


def test_enum_columns_fit_their_longest_label() -> None:
    """The grid sizes a column by its first rows: "Cliente dormido" further down was cut."""
    longest = max(len(text) for key, (_, text) in MESSAGES.items() if key.startswith("lifecycle."))
    assert enum_width(_ctx("es"), "lifecycle", "Ciclo de vida") == int(longest * CHAR_PX + CELL_PADDING_PX)
    assert enum_width(_ctx("es"), "lifecycle", "Ciclo de vida") >= len("Cliente dormido") * CHAR_PX


def test_percent_printf_per_language() -> None:
    assert percent_printf("es") % 43 == "43 %"
    assert percent_printf("en") % 43 == "43%"


def test_dated_events_show_no_midnight_time() -> None:
    """A client's timeline mixes timed activities with invoices and payments, which have a date only."""
    frame = pd.DataFrame({"at": pd.to_datetime(["2026-11-25 10:47", "2026-11-25 00:00", None])})
    es = styled(frame, {"at": "moment"}, "es").to_string(delimiter=";").splitlines()
    assert [line.split(";")[1] for line in es[1:]] == ["25/11/2026 10:47", "25/11/2026", EMPTY_CELL]
    en = styled(frame, {"at": "moment"}, "en").to_string(delimiter=";").splitlines()
    assert en[1].split(";")[1] == "2026-11-25 10:47" and en[2].split(";")[1] == "2026-11-25"


def test_capped_table_draws_the_first_rows_and_says_how_many_there_are() -> None:
    from streamlit.testing.v1 import AppTest

    def page(rows: int, lang: str) -> None:
        import pandas as pd

        from crm_core.ui.context import PageContext
        from crm_core.ui.tables import capped_table

        ctx = PageContext(as_of=None, lang=lang, db_url="sqlite://")  # type: ignore[arg-type]
        frame = pd.DataFrame({"name": [f"deal {i}" for i in range(rows)]})
        capped_table(ctx, frame, {"name": "text"}, key="deals", empty_message="nothing to show", cap=3)

    many = AppTest.from_function(page, kwargs={"rows": 1_500, "lang": "es"}).run()
    assert not many.exception
    assert len(many.dataframe[0].value) == 3
    assert many.caption[0].value == MESSAGES["common.first_of"][1].format(shown="3", total="1.500")
    few = AppTest.from_function(page, kwargs={"rows": 2, "lang": "en"}).run()
    assert len(few.dataframe[0].value) == 2 and not few.caption
    none = AppTest.from_function(page, kwargs={"rows": 0, "lang": "en"}).run()
    assert none.info[0].value == "nothing to show" and not none.dataframe


def test_a_short_table_takes_only_its_rows_and_a_long_one_its_cap() -> None:
    """Issue 16, defect 9: a grid given a height is not padded with empty rows when it has fewer."""
    from crm_core.ui.tables import BORDER_PX, ROW_PX, fitted_height

    assert fitted_height(2, 420) == 3 * ROW_PX + BORDER_PX  # header + 2 rows
    assert fitted_height(0, 420) == 2 * ROW_PX + BORDER_PX  # the header and the empty-table row
    assert fitted_height(500, 420) == 420
    assert fitted_height(3, None) == "auto"  # Streamlit's own fit (up to ten rows)
    # the grid's drawn height in a real browser: tests/test_browser_everyday.py


def _marshalled(styler: Styler) -> tuple[bytes, str]:
    """What Streamlit's st.dataframe sends of a Styler: its display values and CSS (its uuid aside)."""
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    proto = ArrowData()
    marshall_styler(proto, styler, "element")
    return proto.styler.display_values, proto.styler.styles


def test_a_kept_table_is_drawn_as_the_styled_one_and_formatted_once() -> None:
    from crm_core.ui.tables import KeptRendering, shown_frame

    frame = pd.DataFrame({"stage": ["proposal", "won"], "amount": [1234.5, None], "count": [3, 7]})
    columns = {"stage": "enum:stage", "amount": "money", "count": "number"}
    fresh = styled(display_frame(_ctx("es"), frame, columns), columns, "es")
    first = shown_frame(_ctx("es"), frame, columns, keep=True)
    again = shown_frame(_ctx("es"), frame.copy(deep=False), columns, keep=True)  # a cache's handout
    assert isinstance(fresh, Styler) and isinstance(first, Styler) and isinstance(again, Styler)
    assert type(first) is Styler  # Streamlit takes a Styler by its exact type
    assert first is not again  # each run draws its own, only the rendering is shared
    assert _marshalled(first) == _marshalled(again) == _marshalled(fresh)
    assert first.to_string() == fresh.to_string()
    kept = first._translate.__self__  # type: ignore[attr-defined]
    assert isinstance(kept, KeptRendering) and again._translate.__self__ is kept  # type: ignore[attr-defined]
    assert len(kept.renderings) == 1  # rendered once, for both draws (to_string renders a copy of its own)
    # other data, or another language, is drawn from its own rendering
    other = shown_frame(_ctx("es"), frame.assign(amount=[1.0, 2.0]), columns, keep=True)
    assert _marshalled(other) != _marshalled(first)  # type: ignore[arg-type]
    english = shown_frame(_ctx("en"), frame, columns, keep=True)
    assert _marshalled(english) == _marshalled(styled(display_frame(_ctx("en"), frame, columns), columns, "en"))  # type: ignore[arg-type]


def test_a_kept_table_without_formatted_columns_is_its_display_frame() -> None:
    from crm_core.ui.tables import shown_frame

    frame = pd.DataFrame({"name": ["A", None]})
    shown = shown_frame(_ctx("es"), frame, {"name": "text"}, keep=True)
    assert isinstance(shown, pd.DataFrame) and shown["name"].tolist() == ["A", ""]
