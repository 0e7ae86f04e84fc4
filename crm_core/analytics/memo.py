"""Memoise a pure analytics function on the identity of the frames it reads, so every face shares one result.

A frame's key is the address of each column's data buffer (plus its name, length and dtype). The memo
keeps a shallow copy of every keyed frame alive beside the result: under pandas copy-on-write a later
write to the caller's frame copies the buffer first (so its key changes), and a kept buffer is never
freed (so its address is never reused). The same table version loaded once and handed out as shallow
copies (the UI and API caches) thus hits; other data, or a column of a type not recognised, misses
and computes. docs/design.md §3.3.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd


def _address(array: np.ndarray) -> tuple[int, tuple[int, ...]]:
    """Where a numpy array's data starts and how it steps (a strided view of the same buffer differs)."""
    return int(array.__array_interface__["data"][0]), array.strides


def _column_key(values: Any) -> tuple[Any, ...] | None:
    """Buffer addresses of one column's values, or None for a storage this memo does not know."""
    inner = getattr(values, "_ndarray", None)  # numpy-backed: NumpyExtensionArray, DatetimeArray, TimedeltaArray
    if isinstance(inner, np.ndarray):
        return (_address(inner),)
    data, mask = getattr(values, "_data", None), getattr(values, "_mask", None)  # masked: Int64, boolean, Float64
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):
        return (_address(data), _address(mask))
    chunked = getattr(values, "_pa_array", None)  # Arrow-backed (str): immutable buffers
    if chunked is not None:
        return tuple(buffer.address for chunk in chunked.chunks for buffer in chunk.buffers() if buffer is not None)
    if isinstance(values, pd.Categorical):
        return (_address(values.codes), id(values.categories))
    return None


def frame_key(frame: pd.DataFrame) -> tuple[Any, ...] | None:
    """Identity of `frame`'s data: per column its name, dtype, length and buffer addresses (None: not keyable)."""
    if frame.columns.has_duplicates:
        return None
    key: list[Any] = [len(frame)]
    for name in frame.columns:
        column = _column_key(frame[name].array)
        if column is None:
            return None
        key.append((name, str(frame[name].dtype), column))
    return tuple(key)


def columns_of(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Only these columns of `frame`, sharing its buffers: what a memoised function may read, and all it pins."""
    return pd.DataFrame({name: frame[name] for name in names}, copy=False)


_MEMOS: list[FrameMemo] = []  # every memo of this process, for `clear_all`


def clear_all() -> None:
    """Forget every memo's entries, and with them the frames they keep alive (a cache emptied whole:
    its frames would otherwise stay in memory, pinned by the results computed on them)."""
    for memo in list(_MEMOS):
        memo.clear()


class FrameMemo:
    """An LRU of results keyed by (frames' identities, arguments), thread-safe, at most `max_entries` kept."""

    def __init__(self, max_entries: int) -> None:
        _MEMOS.append(self)
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[tuple[pd.DataFrame, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, frames: tuple[pd.DataFrame, ...], args: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()`'s result for these frames and `args`, computed once while the entry is kept."""
        keys = tuple(frame_key(frame) for frame in frames)
        if any(key is None for key in keys):
            return compute()
        key = (keys, args)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
        self.misses += 1
        pinned = tuple(frame.copy(deep=False) for frame in frames)  # keeps the buffers alive and unwritten
        value = compute()
        with self._lock:
            self._entries[key] = (pinned, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
