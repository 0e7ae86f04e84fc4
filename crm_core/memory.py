"""One malloc heap shared by this process's threads, set once per process: a large portfolio's peak memory.

glibc's malloc gives each thread that allocates at once with another its own heap ("arena"), up to
eight per core, and a heap keeps what is freed in it for reuse rather than handing it back. The
frames load in two loader threads, pages run in Streamlit's script thread, the month-ago health and
other background work in theirs: at 100,000 clients one client_health frees about 0.5 GB of
temporaries, and each thread's heap kept its own high-water mark of them (benchmarks/bench_pages.py:
3.4-3.8 GB peak, measured beside malloc_trim). With one heap for every thread what one thread frees
is what the next one reuses. The Python objects have their own allocator and Arrow buffers their own
pool; the large numpy arrays go through malloc while holding the GIL, so the threads seldom wait on
the shared heap's lock. Other C libraries and systems are left as they are.
"""

from __future__ import annotations

import ctypes
import sys

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
