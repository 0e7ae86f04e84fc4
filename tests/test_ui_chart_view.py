"""crm_core.ui.chart_view: a chart's title drawn as page text; a built chart kept per data."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from crm_core.charts.pipeline import win_rate_chart
from crm_core.ui import chart_view


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """What the chart functions draw: ("markdown", text) and ("plotly", figure as sent)."""
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(chart_view.st, "markdown", lambda text: calls.append(("markdown", text)))
    monkeypatch.setattr(chart_view.st, "plotly_chart", lambda fig, **_: calls.append(("plotly", fig.to_json())))
    return calls


def _rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage": ["qualified", "proposal"],
            "win_rate": [20.0, 45.0],
            "mean_typed_probability": [25.0, 50.0],
            "default_probability": [20.0, 50.0],
        }
    )


def test_a_built_chart_is_drawn_as_show_chart_draws_it_and_built_once(
    drawn: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    rates = _rates()
    chart_view.show_chart(win_rate_chart(rates, "es"), key="a")
    expected = list(drawn)
    assert expected[0] == ("markdown", f"**{win_rate_chart(rates, 'es').layout.title.text}**")
    built: list[int] = []

    def build(frame: pd.DataFrame, lang: str) -> go.Figure:
        built.append(1)
        return win_rate_chart(frame, lang)

    drawn.clear()
    chart_view.show_built_chart(build, (rates,), ("es",), key="a")
    chart_view.show_built_chart(build, (rates.copy(deep=False),), ("es",), key="a")  # a cache's handout
    assert drawn == expected + expected  # the kept figure keeps its title out, run after run
    assert len(built) == 1
    chart_view.show_built_chart(build, (rates,), ("en",), key="a")
    chart_view.show_built_chart(build, (rates.assign(win_rate=[30.0, 40.0]),), ("es",), key="a")
    assert len(built) == 3  # another language, other data: built again
