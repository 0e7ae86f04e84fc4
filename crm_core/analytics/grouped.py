"""Per-client aggregation on integer positions: one numpy pass per figure, all clients at once.

Rows of a table are mapped to the position of their client in the health frame (`positions`);
sums, counts, maxima and means are then `bincount` / `ufunc.at` calls of length n_clients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def positions(index: pd.Index, ids: pd.Series | np.ndarray) -> np.ndarray:
    """Position of each id in `index` (-1 for an id not in it); `index` holds unique int ids.

    Ids are usually dense (database keys), so a lookup table indexed by id does it in one pass;
    sparse or negative ids fall back to a hash lookup.
    """
    ids = np.asarray(ids, dtype=np.int64)
    keys = index.to_numpy(dtype=np.int64)
    if len(keys) == 0 or len(ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    low, high = int(keys.min()), int(keys.max())
    if low < 0 or high > 4 * len(keys) + 1_000_000:
        return index.get_indexer(ids).astype(np.int64)
    table = np.full(high + 2, -1, dtype=np.int64)
    table[keys] = np.arange(len(keys), dtype=np.int64)
    inside = (ids >= 0) & (ids <= high)
    return np.where(inside, table[np.where(inside, ids, high + 1)], -1)


def sorted_unique(ids: np.ndarray) -> np.ndarray:
    """The distinct int ids, ascending: one counting pass for dense non-negative ids (database keys), else a hash."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return ids.copy()
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high > 4 * len(ids) + 1_000_000:
        return np.sort(pd.unique(ids))
    return np.flatnonzero(np.bincount(ids, minlength=high + 1)).astype(np.int64)


_RADIX_LIMIT = 1 << 32  # keys below this sort in two radix passes of 16 bits


def _digit(key: np.ndarray, shift: int) -> np.ndarray:
    """The 16 bits of `key` from bit `shift`, as uint16 (numpy's stable sort of 16-bit ints is a radix sort)."""
    return ((key >> shift) & 0xFFFF).astype(np.uint16)


def stable_order(key: np.ndarray) -> np.ndarray:
    """`np.argsort(key, kind="stable")` of non-negative int64 keys: the same permutation.

    Keys under 2**32 (a client position packed with a day or a value) take two linear radix passes of
    16 bits each, whatever the rows' order; a stable sort per digit keeps ties in row order.
    """
    key = np.asarray(key, dtype=np.int64)
    if len(key) == 0 or int(key.min()) < 0 or int(key.max()) >= _RADIX_LIMIT:
        return np.argsort(key, kind="stable")
    order = np.argsort(_digit(key, 0), kind="stable")
    if int(key.max()) >> 16:
        order = order[np.argsort(_digit(key[order], 16), kind="stable")]
    return order


def sorted_keys(key: np.ndarray) -> np.ndarray:
    """`np.sort(key)` of non-negative int64 keys (the same values), by `stable_order`'s radix passes when they apply."""
    key = np.asarray(key, dtype=np.int64)
    if len(key) == 0 or int(key.min()) < 0 or int(key.max()) >= _RADIX_LIMIT:
        return np.sort(key)
    out = key[np.argsort(_digit(key, 0), kind="stable")]
    if int(key.max()) >> 16:
        out = out[np.argsort(_digit(out, 16), kind="stable")]
    return out


def _binned(pos: np.ndarray, n: int, where: np.ndarray | None) -> np.ndarray:
    """Positions with excluded rows (and unknown clients) sent to an overflow bin n."""
    keep = pos >= 0 if where is None else where & (pos >= 0)
    return np.where(keep, pos, n)


def _sparse(pos: np.ndarray, where: np.ndarray | None) -> np.ndarray | None:
    """Indices of the rows kept by `where` (and a known client), ascending, when under half of all rows, else None.

    `bincount` adds each bin's weights in row order, so summing only the kept rows gives the same
    floats as sending the others to an overflow bin, with less work when few rows are kept.
    """
    if where is None:
        return None
    keep = where & (pos >= 0)
    return np.flatnonzero(keep) if 2 * np.count_nonzero(keep) < len(keep) else None


def group_sum(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Sum of `values` per position (0 for a position without rows)."""
    keep = _sparse(pos, where)
    if keep is not None:
        return np.bincount(pos[keep], weights=values[keep], minlength=n)[:n].astype("float64")
    return np.bincount(_binned(pos, n, where), weights=values, minlength=n + 1)[:n]


def group_count(pos: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Number of rows per position."""
    keep = _sparse(pos, where)
    if keep is not None:
        return np.bincount(pos[keep], minlength=n)[:n].astype(np.int64)
    return np.bincount(_binned(pos, n, where), minlength=n + 1)[:n].astype(np.int64)


def group_mean(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None) -> np.ndarray:
    """Mean of the non-NaN `values` per position (NaN for a position without any)."""
    ok = ~np.isnan(values) if where is None else where & ~np.isnan(values)
    count = group_count(pos, n, ok)
    total = group_sum(pos, np.where(ok, values, 0.0), n, ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def group_max(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None, empty: float = np.nan) -> np.ndarray:
    """Maximum of `values` per position (`empty` where there is no row)."""
    keep = pos >= 0 if where is None else where & (pos >= 0)
    pos, values = pos[keep], values[keep]
    out = np.full(n, -np.inf)
    np.maximum.at(out, pos, values.astype("float64"))
    out[np.isneginf(out)] = empty
    return out


def group_min(pos: np.ndarray, values: np.ndarray, n: int, where: np.ndarray | None = None, empty: float = np.nan) -> np.ndarray:
    """Minimum of `values` per position (`empty` where there is no row)."""
    keep = pos >= 0 if where is None else where & (pos >= 0)
    pos, values = pos[keep], values[keep]
    out = np.full(n, np.inf)
    np.minimum.at(out, pos, values.astype("float64"))
    out[np.isposinf(out)] = empty
    return out


def group_median(pos: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Median of non-negative int `values` per position 0..n-1 (NaN without any), by one sort of packed keys.

    When `pos` is already ascending (rows grouped by client), the keys are short unsorted runs in
    ascending blocks, which a stable sort (timsort) orders in near-linear time; otherwise radix passes.
    """
    out = np.full(n, np.nan)
    if len(pos) == 0:
        return out
    span = int(values.max()) + 1
    key = pos.astype(np.int64) * span + values
    key = np.sort(key, kind="stable") if np.all(pos[1:] >= pos[:-1]) else sorted_keys(key)
    counts = np.bincount(pos, minlength=n)[:n]  # the sorted keys hold each position's rows in turn
    has = np.flatnonzero(counts)
    starts = (np.cumsum(counts) - counts)[has]
    counts = counts[has]
    low = (key[starts + (counts - 1) // 2] % span).astype("float64")  # unpack only the middle keys
    high = (key[starts + counts // 2] % span).astype("float64")
    out[has] = (low + high) / 2
    return out
