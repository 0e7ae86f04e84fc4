"""Money to the cent: amounts are exact decimals in the database but float64 in the frames.

Sums of float64 cents drift (0.10 + 0.20 = 0.30000000000000004), so every money figure the
analytics return is rounded to the cent once computed: what is shown, exported and compared is
the amount a person would write.
"""

from __future__ import annotations

import numpy as np

CENT = 0.005  # amounts within half a cent are equal


def to_cents(values: np.ndarray | float) -> np.ndarray:
    """`values` rounded to the cent as float64 (NaN stays NaN; -0.0 becomes 0.0)."""
    return np.round(np.asarray(values, dtype="float64"), 2) + 0.0
