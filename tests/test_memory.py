"""crm_core.memory: one malloc heap for every thread of the process (glibc), what one thread frees the next
reuses; numpy's huge-page advice off only where the kernel would compact memory synchronously for it."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.memory import avoid_stalling_hugepages, defrag_mode, share_malloc_heap

ROOT = Path(__file__).resolve().parents[1]

# Six threads allocating at once (each holds its block until all six have one), then glibc's own
# account of the heaps in use (malloc_info's XML: one <heap> per arena).
HEAPS_AFTER_THREADS = textwrap.dedent(
    """
    import ctypes, os, sys, tempfile, threading
    from crm_core.memory import share_malloc_heap
    if sys.argv[1] == "shared":
        assert share_malloc_heap()
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = (ctypes.c_void_p,)
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.fclose.argtypes = (ctypes.c_void_p,)
    together = threading.Barrier(6)

    def allocate():
        block = libc.malloc(64 * 1024)
        together.wait()
        libc.free(block)

    threads = [threading.Thread(target=allocate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    path = os.path.join(tempfile.mkdtemp(), "info.xml")
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(open(path).read().count("<heap nr="))
    """
)


def _heaps(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", HEAPS_AFTER_THREADS, mode], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def _glibc() -> bool:
    import platform

    return sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not _glibc(), reason="the heap limit is glibc's")
def test_threads_share_one_heap_once_the_limit_is_set():
    assert _heaps("default") > 2  # each thread allocating at once with another gets its own heap
    assert _heaps("shared") <= 2  # the main thread's heap, and at most the one this process already had


@pytest.mark.skipif(not _glibc(), reason="the heap limit is glibc's")
def test_the_limit_is_set_once_per_process():
    assert share_malloc_heap() is True
    assert share_malloc_heap() is True


# 3,000 blocks of 64 KiB (under the mmap threshold: they come from the heap), all freed but the last,
# which keeps the heap's top in use: glibc then keeps the freed ~190 MB until trimmed.
FREED_IN_THE_HEAP = textwrap.dedent(
    """
    import ctypes, sys
    from crm_core.memory import release_freed_memory

    def rss_mb():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) // 1024

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = (ctypes.c_void_p,)
    blocks = [libc.malloc(64 * 1024) for _ in range(3000)]
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)
    for block in blocks[:-1]:
        libc.free(block)
    before = rss_mb()
    if sys.argv[1] == "release":
        assert release_freed_memory()
    print(before - rss_mb())
    """
)


def _released_mb(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", FREED_IN_THE_HEAP, mode], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not _glibc(), reason="malloc_trim is glibc's")
def test_freed_heap_memory_is_handed_back_only_when_released():
    assert _released_mb("keep") < 20
    assert _released_mb("release") > 150


MULTIARRAY = importlib.import_module("numpy._core.multiarray")


@pytest.fixture(autouse=True)
def numpy_advice() -> Iterator[None]:
    """Advice on at the start of each test, and numpy's own setting restored after it."""
    before = MULTIARRAY._get_madvise_hugepage()
    MULTIARRAY._set_madvise_hugepage(True)
    yield
    MULTIARRAY._set_madvise_hugepage(before)


def _defrag(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "defrag"
    path.write_text(text)
    return path


def test_defrag_mode_reads_the_selected_word(tmp_path: Path) -> None:
    assert defrag_mode(_defrag(tmp_path, "always defer defer+madvise [madvise] never\n")) == "madvise"
    assert defrag_mode(_defrag(tmp_path, "always defer [defer+madvise] madvise never\n")) == "defer+madvise"
    assert defrag_mode(tmp_path / "missing") is None


@pytest.mark.parametrize("mode", ["always", "madvise", "defer+madvise"])
def test_advice_turned_off_where_faults_compact(tmp_path: Path, mode: str) -> None:
    words = " ".join(f"[{w}]" if w == mode else w for w in ("always", "defer", "defer+madvise", "madvise", "never"))
    assert avoid_stalling_hugepages(_defrag(tmp_path, words), environ={}) is True
    assert MULTIARRAY._get_madvise_hugepage() is False


@pytest.mark.parametrize("mode", ["defer", "never"])
def test_advice_kept_where_faults_do_not_compact(tmp_path: Path, mode: str) -> None:
    words = " ".join(f"[{w}]" if w == mode else w for w in ("always", "defer", "defer+madvise", "madvise", "never"))
    assert avoid_stalling_hugepages(_defrag(tmp_path, words), environ={}) is False
    assert MULTIARRAY._get_madvise_hugepage() is True


def test_advice_kept_without_a_kernel_setting(tmp_path: Path) -> None:
    assert avoid_stalling_hugepages(tmp_path / "missing", environ={}) is False
    assert MULTIARRAY._get_madvise_hugepage() is True


def test_operator_choice_wins(tmp_path: Path) -> None:
    path = _defrag(tmp_path, "always defer defer+madvise [madvise] never\n")
    assert avoid_stalling_hugepages(path, environ={"NUMPY_MADVISE_HUGEPAGE": "1"}) is False
    assert MULTIARRAY._get_madvise_hugepage() is True
