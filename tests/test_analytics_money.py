"""to_cents: money figures rounded to the cent the way a person rounds (half a cent up, away from zero)."""

from __future__ import annotations

import math

import numpy as np

from crm_core.analytics.money import to_cents


def test_float_noise_goes_away() -> None:
    assert to_cents(0.1 + 0.2) == 0.30  # 0.30000000000000004
    assert to_cents(100.10 - 33.37) == 66.73  # 66.72999999999999
    assert to_cents(sum([0.1] * 10)) == 1.0  # 0.9999999999999999


def test_half_a_cent_rounds_up_away_from_zero() -> None:
    # 2.675 is stored as 2.67499999999999982236431605997495353221893310546875 and 16.815 as
    # 16.81499999999999914735... : rounding the binary value would give 2.67 and 16.81; a person writes
    # the half cent up (2.68, 16.82), and -0.125 as -0.13 (away from zero, like 0.125 -> 0.13).
    got = to_cents(np.array([2.675, 16.815, 0.125, -0.125, 1.005, 0.004999, -0.0]))
    np.testing.assert_array_equal(got, [2.68, 16.82, 0.13, -0.13, 1.01, 0.0, 0.0])
    assert not np.signbit(got[-1])  # no -0.0 shown as "-0.00"


def test_nan_stays_nan() -> None:
    assert math.isnan(to_cents(math.nan))
