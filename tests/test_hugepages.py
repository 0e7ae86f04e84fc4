"""Numpy's huge-page advice is turned off only where the kernel would compact memory synchronously for it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.hugepages import avoid_stalling_hugepages, defrag_mode

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
