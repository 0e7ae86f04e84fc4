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
    sorted_unique,
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
