"""Money to the cent: amounts are exact decimals in the database but float64 in the frames.

Sums of float64 cents drift (0.10 + 0.20 = 0.30000000000000004), so every money figure the
analytics return is rounded to the cent once computed: what is shown, exported and compared is
the amount a person would write (docs/design.md §4.1).
"""

from __future__ import annotations

import numpy as np

CENT = 0.005  # amounts within half a cent are equal


def to_cents(values: np.ndarray | float) -> np.ndarray:
    """`values` rounded to the cent as float64, half a cent away from zero (NaN stays NaN; no -0.0).

    Half a cent goes up as a person rounds it (16.815 -> 16.82, -0.125 -> -0.13), whatever binary
    value float64 holds for it: the amount in cents is first cleared of float noise (6 decimals).
    """
    cents = np.round(np.abs(np.asarray(values, dtype="float64")) * 100.0, 6)
    return np.copysign(np.floor(cents + 0.5), values) / 100.0 + 0.0
