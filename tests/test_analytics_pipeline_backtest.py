"""Backtest of the expected revenue by part: the pipeline against the value won, with its baselines."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from crm_core.analytics.pipeline_backtest import (
    LAST_WON,
    PIPELINE_MODEL,
    TYPED,
    format_parts,
    score_parts,
    summarise_parts,
)
from tests.test_analytics_pipeline_forecast import _book

AS_OF = date(2026, 6, 10)


def test_pipeline_is_scored_against_the_value_won_in_the_window() -> None:
    scores = score_parts(_book(), [AS_OF], (30,)).set_index(["part", "model"])
    # won in (Jun 10, Jul 10]: D1 800 (Jun 15) and D4 500 (Jun 25, created Jun 5: open on Jun 10, not new)
    assert scores.loc[("pipeline", PIPELINE_MODEL), "actual"] == pytest.approx(1_300.0)
    assert scores.loc[("pipeline new", PIPELINE_MODEL), "actual"] == 0.0
    assert scores.loc[("pipeline open", PIPELINE_MODEL), "actual"] == pytest.approx(1_300.0)
    # typed on Jun 10: D1, D2 (closed later: their stage default, 10 %) 100 each, D3 300, D4 50
    assert scores.loc[("pipeline", TYPED), "forecast"] == pytest.approx(550.0)
    assert scores.loc[("pipeline", TYPED), "bias_pct"] == pytest.approx((550.0 - 1_300.0) / 1_300.0 * 100.0)
    assert scores.loc[("pipeline", TYPED), "error_pct"] == pytest.approx(750.0 / 1_300.0 * 100.0)
    # nothing was won in (May 11, Jun 10]
    assert scores.loc[("pipeline", LAST_WON), "forecast"] == 0.0
    # no history before Jun 10 to learn from: the learned model is the typed figure, no new deals
    assert scores.loc[("pipeline", PIPELINE_MODEL), "forecast"] == pytest.approx(550.0)
    # no invoices: the recurring part has nothing to score (no bias on an actual of 0)
    assert scores.loc[("recurring", "recurring forecast"), "actual"] == 0.0
    assert np.isnan(scores.loc[("recurring", "recurring forecast"), "bias_pct"])


def test_summary_compares_errors_with_the_typed_baseline() -> None:
    scores = pd.DataFrame(
        [
            {
                "as_of": date(2026, 1, d),
                "horizon": 30,
                "part": "pipeline",
                "model": model,
                "forecast": f,
                "actual": 100.0,
                "bias_pct": f - 100.0,
                "error_pct": abs(f - 100.0),
            }
            for d, fs in ((1, (110.0, 150.0)), (2, (95.0, 40.0)), (3, (120.0, 180.0)))
            for model, f in zip((PIPELINE_MODEL, TYPED), fs, strict=True)
        ]
    )
    summary = summarise_parts(scores).set_index("model")
    assert summary.loc[PIPELINE_MODEL, "bias_median"] == 10.0
    assert summary.loc[PIPELINE_MODEL, "error_median"] == 10.0
    assert summary.loc[TYPED, "error_median"] == 60.0
    assert summary.loc[PIPELINE_MODEL, "error_vs_typed_pct"] == pytest.approx((10.0 / 60.0 - 1.0) * 100.0)
    text = format_parts(scores, "title")
    assert "    30d  pipeline       learned pipeline         3       10.0%    -5.0% to  20.0%" in text
