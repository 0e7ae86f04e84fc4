"""Per-client aggregation helpers: positions (dense and sparse ids), sums, means, medians, extremes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_core.analytics.grouped import (
    group_count,
    group_max,
    group_mean,
    group_median,
    group_min,
    group_sum,
    positions,
    sorted_keys,
    sorted_unique,
    stable_order,
)


def test_positions_dense_and_sparse_ids() -> None:
    dense = pd.Index([3, 1, 2])
    assert list(positions(dense, np.array([1, 2, 3, 4, 0, -5]))) == [1, 2, 0, -1, -1, -1]
    sparse = pd.Index([10**12, 5])  # far beyond the lookup table: hash lookup
    assert list(positions(sparse, np.array([5, 10**12, 7]))) == [1, 0, -1]
    assert list(positions(pd.Index([], dtype="int64"), np.array([1]))) == [-1]


def test_aggregates_skip_unknown_positions_and_masked_rows() -> None:
    pos = np.array([0, 0, 1, -1, 2])
    values = np.array([1.0, 3.0, 5.0, 100.0, np.nan])
    where = np.array([True, True, True, True, False])
    assert list(group_sum(pos, values, 3, where)) == [4.0, 5.0, 0.0]
    assert list(group_count(pos, 3)) == [2, 1, 1]
    mean = group_mean(pos, values, 3)
    assert list(mean[:2]) == [2.0, 5.0] and np.isnan(mean[2])  # NaN values are left out of a mean
    assert list(group_max(pos, values, 3, where, empty=0.0)) == [3.0, 5.0, 0.0]
    assert list(group_min(pos, values, 3, where)[:2]) == [1.0, 5.0]


def test_group_median_of_odd_and_even_groups_and_an_empty_one():
    pos = np.array([2, 0, 0, 2, 0, 2, 2])
    values = np.array([9, 5, 1, 1, 3, 4, 100])
    out = group_median(pos, values, 4)
    assert out[0] == 3.0  # 1, 3, 5
    assert out[2] == 6.5  # 1, 4, 9, 100: the mean of the middle two
    assert np.isnan(out[1]) and np.isnan(out[3])
    assert np.isnan(group_median(np.zeros(0, np.int64), np.zeros(0, np.int64), 2)).all()


def test_sorted_unique_of_dense_and_of_sparse_ids():
    assert list(sorted_unique(np.array([5, 3, 5, 0, 3]))) == [0, 3, 5]  # dense: a counting pass
    assert list(sorted_unique(np.array([10**12, -4, 7, -4]))) == [-4, 7, 10**12]  # negative, sparse: a hash
    assert sorted_unique(np.zeros(0, np.int64)).dtype == np.int64 and len(sorted_unique(np.zeros(0, np.int64))) == 0


def test_stable_order_and_sorted_keys_match_numpy_for_every_key_width() -> None:
    rng = np.random.default_rng(3)
    for high in (10, 1 << 16, 1 << 20, 1 << 31, 1 << 40):  # one radix pass, two, and past 2**32 (numpy's sort)
        key = rng.integers(0, high, 5_000)  # many ties: the order among them must be the rows' order
        assert np.array_equal(stable_order(key), np.argsort(key, kind="stable"))
        assert np.array_equal(sorted_keys(key), np.sort(key))
    assert len(stable_order(np.array([], dtype=np.int64))) == 0
    assert np.array_equal(sorted_keys(np.array([-3, 2, -7])), [-7, -3, 2])  # negative keys: numpy's sort


def test_sparse_and_dense_masks_give_bit_identical_sums() -> None:
    rng = np.random.default_rng(5)
    pos = rng.integers(-1, 50, 20_000)
    values = rng.normal(0.0, 1e6, 20_000)
    for share in (0.05, 0.9):  # few rows kept (only those summed) and most rows kept (an overflow bin)
        where = rng.random(20_000) < share
        keep = where & (pos >= 0)
        expected = np.zeros(50)
        for i in np.flatnonzero(keep):  # added one by one in row order, as bincount does
            expected[pos[i]] += values[i]
        assert np.array_equal(group_sum(pos, values, 50, where), expected)
        assert np.array_equal(group_count(pos, 50, where), np.bincount(pos[keep], minlength=50))


def test_group_median_of_unsorted_and_of_grouped_positions() -> None:
    rng = np.random.default_rng(8)
    pos = rng.integers(0, 300, 10_000)
    values = rng.integers(0, 400, 10_000)
    expected = pd.Series(values.astype("float64")).groupby(pos).median().reindex(range(300)).to_numpy()
    assert np.array_equal(group_median(pos, values, 300), expected, equal_nan=True)
    order = np.argsort(pos, kind="stable")  # rows grouped by position: the timsort path
    assert np.array_equal(group_median(pos[order], values[order], 300), expected, equal_nan=True)
