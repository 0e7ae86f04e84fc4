"""Per-client aggregation on integer positions: one numpy pass per figure, all clients at once.

Rows of a table are mapped to the position of their client in the health frame (`positions`);
sums, counts, maxima and means are then `bincount` / `ufunc.at` calls of length n_clients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def positions(client_index: pd.Index, client_ids: pd.Series | np.ndarray) -> np.ndarray:
    """Position of each row's client in `client_index` (-1 for a client not in it)."""
    return client_index.get_indexer(np.asarray(client_ids, dtype=np.int64))


def group_sum(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Sum of `values` per position (0 for a position without rows)."""
    if where is not None:
        pos, values = pos[where], values[where]
    return np.bincount(pos, weights=values, minlength=n) if len(pos) else np.zeros(n)


def group_count(pos: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Number of rows per position."""
    if where is not None:
        pos = pos[where]
    return np.bincount(pos, minlength=n).astype(np.int64) if len(pos) else np.zeros(n, dtype=np.int64)


def group_mean(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Mean of the non-NaN `values` per position (NaN for a position without any)."""
    ok = ~np.isnan(values) if where is None else where & ~np.isnan(values)
    count = group_count(pos, n, ok)
    total = group_sum(pos, values, n, ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def group_max(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None,
              empty: float = np.nan) -> np.ndarray:
    """Maximum of `values` per position (`empty` where there is no row)."""
    if where is not None:
        pos, values = pos[where], values[where]
    out = np.full(n, -np.inf)
    np.maximum.at(out, pos, values.astype("float64"))
    out[np.isneginf(out)] = empty
    return out


def group_min(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None,
              empty: float = np.nan) -> np.ndarray:
    """Minimum of `values` per position (`empty` where there is no row)."""
    if where is not None:
        pos, values = pos[where], values[where]
    out = np.full(n, np.inf)
    np.minimum.at(out, pos, values.astype("float64"))
    out[np.isposinf(out)] = empty
    return out
