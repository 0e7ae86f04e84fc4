"""analytics.memo: a result is shared while the frames' data is the same, recomputed once it changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_core.analytics.memo import FrameMemo, columns_of, frame_key


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.arange(5, dtype=np.int64),
            "total": [1.0, 2.0, 3.0, 4.0, 5.0],
            "when": pd.to_datetime(["2024-01-01"] * 5),
            "count": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "name": pd.array(list("abcde"), dtype="str"),
            "note": np.array(list("vwxyz"), dtype=object),
        }
    )


def test_a_shallow_copy_has_the_same_key_a_deep_copy_and_a_write_do_not():
    frame = _frame()
    key = frame_key(frame)
    assert key is not None
    assert frame_key(frame.copy(deep=False)) == key
    assert frame_key(frame.copy()) != key
    pinned = frame.copy(deep=False)  # as the memo keeps it: the write below copies the column first
    frame.loc[0, "total"] = 10.0
    assert frame_key(frame) != key
    assert frame_key(pinned) == key and pinned.loc[0, "total"] == 1.0


def test_a_strided_view_of_the_same_buffer_has_another_key():
    frame = pd.DataFrame({"x": np.arange(8, dtype=np.int64)})
    assert frame_key(frame.iloc[:4]) != frame_key(frame.iloc[::2])


def test_memo_computes_once_per_data_and_arguments_and_again_after_a_write():
    memo = FrameMemo(max_entries=4)
    frame = _frame()
    calls: list[int] = []

    def total(f: pd.DataFrame, factor: int) -> float:
        return memo.get((f,), factor, lambda: calls.append(factor) or float(f["total"].sum()) * factor)

    assert total(frame, 1) == 15.0
    assert total(frame.copy(deep=False), 1) == 15.0  # same data: shared
    assert total(frame, 2) == 30.0  # other arguments: computed
    assert calls == [1, 2]
    frame.loc[0, "total"] = 10.0
    assert total(frame, 1) == 24.0  # the data changed: computed again, never the stale result
    assert calls == [1, 2, 1]
    assert (memo.hits, memo.misses) == (1, 3)


def test_memo_keeps_at_most_max_entries():
    memo = FrameMemo(max_entries=2)
    frame = _frame()
    calls: list[int] = []
    for factor in (1, 2, 3, 1):
        memo.get((frame,), factor, lambda factor=factor: calls.append(factor))
    assert calls == [1, 2, 3, 1]  # 1 was dropped when 3 came in


def test_columns_of_shares_the_buffers_and_keys_only_those_columns():
    frame = _frame()
    chosen = columns_of(frame, ["id", "total"])
    assert list(chosen.columns) == ["id", "total"]
    assert frame_key(columns_of(frame, ["id", "total"])) == frame_key(chosen)  # the same buffers each time
    frame.loc[0, "note"] = "changed"  # a column not chosen: the key of the chosen ones stays
    assert frame_key(columns_of(frame, ["id", "total"])) == frame_key(chosen)
    frame.loc[0, "total"] = 7.0
    assert frame_key(columns_of(frame, ["id", "total"])) != frame_key(chosen)
    assert chosen.loc[0, "total"] == 1.0


def test_frames_it_cannot_key_are_computed_every_time():
    twice = pd.DataFrame([[1, 2]], columns=["a", "a"])
    sparse = pd.DataFrame({"s": pd.arrays.SparseArray([0, 1, 0])})
    assert frame_key(twice) is None and frame_key(sparse) is None
    memo = FrameMemo(max_entries=2)
    calls: list[int] = []
    for _ in range(2):
        memo.get((sparse,), "x", lambda: calls.append(1))
    assert calls == [1, 1]


def test_clear_all_forgets_every_memos_entries_and_the_frames_they_keep():
    import gc
    import weakref

    from crm_core.analytics.memo import clear_all

    first, second = FrameMemo(max_entries=2), FrameMemo(max_entries=2)
    frame = _frame()
    block = weakref.ref(frame["total"].array._ndarray.base)  # the buffer the memo's shallow copy keeps alive
    calls: list[int] = []
    first.get((frame,), "a", lambda: calls.append(1))
    second.get((frame,), "b", lambda: calls.append(2))
    del frame
    gc.collect()
    assert block() is not None  # kept by the memos' copies
    clear_all()
    gc.collect()
    assert block() is None
    again = _frame()
    first.get((again,), "a", lambda: calls.append(3))
    assert calls == [1, 2, 3]
