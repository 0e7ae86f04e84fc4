"""How this process uses memory, set once when it starts (`prepare_process_memory`): a large portfolio's peak and speed.

One malloc heap shared by the threads (`share_malloc_heap`): glibc's malloc gives each thread that
allocates at once with another its own heap ("arena"), up to eight per core, and a heap keeps what is
freed in it for reuse rather than handing it back. The frames load in two loader threads, pages run in
Streamlit's script thread, the month-ago health and other background work in theirs: at 100,000
clients one client_health frees about 0.5 GB of temporaries, and each thread's heap kept its own
high-water mark of them (benchmarks/bench_pages.py: 3.4-3.8 GB peak, measured beside malloc_trim).
With one heap for every thread what one thread frees is what the next one reuses. The Python objects
have their own allocator and Arrow buffers their own pool; the large numpy arrays go through malloc
while holding the GIL, so the threads seldom wait on the shared heap's lock.

No huge-page advice where the kernel would stall on it (`avoid_stalling_hugepages`): numpy advises
huge pages (madvise) for every large array, and where the kernel's transparent-huge-page defrag mode
compacts memory synchronously for such regions (`always`, `madvise`, `defer+madvise`) each fresh array
of a 2-million-row table can stall on compaction: at 100,000 clients a process's first `client_health`
spent 2.1-2.5 s in the kernel with the advice and 0.8-1.3 s without. An explicit
NUMPY_MADVISE_HUGEPAGE wins. Other C libraries and systems are left as they are.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

M_ARENA_MAX = -8  # glibc's mallopt parameter: how many heaps the threads may use at most
ARENAS = 1

_applied: list[bool] = []


def share_malloc_heap() -> bool:
    """Limit glibc's malloc to ARENAS heaps for the threads this process starts from now on (once).

    Whether the limit is set: False off Linux or under a C library without glibc's `mallopt`. Call it
    first thing (app.py, the API, the CLI): a thread that has already allocated keeps its heap.
    """
    if _applied:
        return _applied[0]
    applied = False
    if sys.platform.startswith("linux"):
        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):
            mallopt = None
        if mallopt is not None:
            mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
            mallopt.restype = ctypes.c_int
            applied = bool(mallopt(M_ARENA_MAX, ARENAS))
    _applied.append(applied)
    return applied


def release_freed_memory() -> bool:
    """Hand the memory freed in every malloc heap back to the system now (glibc's malloc_trim); whether it ran.

    Called after the costliest steps (the frames loaded, a client_health computed): their
    temporaries, about 0.5 GB for a health at 100,000 clients, are freed in the middle of a heap,
    where glibc keeps them (it returns only a heap's top on its own). Takes a few milliseconds.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    trim(0)
    return True


THP_DEFRAG = Path("/sys/kernel/mm/transparent_hugepage/defrag")
# Defrag modes in which a fault in a region advised for huge pages compacts memory before returning.
STALLING_MODES = frozenset({"always", "madvise", "defer+madvise"})


def defrag_mode(path: Path = THP_DEFRAG) -> str | None:
    """The kernel's selected defrag mode (the bracketed word), None where there is none to read."""
    try:
        text = path.read_text()
    except OSError:
        return None
    selected = re.search(r"\[([^\]]+)\]", text)
    return selected.group(1) if selected else None


def avoid_stalling_hugepages(path: Path = THP_DEFRAG, environ: Mapping[str, str] = os.environ) -> bool:
    """Turn numpy's huge-page advice off where the kernel would stall on it; whether it is now off.

    Left as numpy set it when NUMPY_MADVISE_HUGEPAGE is given (the operator's choice) or where the
    kernel does not compact synchronously.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in environ or defrag_mode(path) not in STALLING_MODES:
        return False
    # numpy's own switch (what it calls at import from NUMPY_MADVISE_HUGEPAGE); absent, nothing to do.
    switch = getattr(importlib.import_module("numpy._core.multiarray"), "_set_madvise_hugepage", None)
    if switch is None:
        return False
    switch(False)
    return True


def prepare_process_memory() -> None:
    """Set this process's memory use (one malloc heap, no stalling huge-page advice): first thing in a
    face's process (app.py, the API, the CLI, the backtest's process), before its threads allocate."""
    avoid_stalling_hugepages()
    share_malloc_heap()
