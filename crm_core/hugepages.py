"""Whether numpy asks the kernel for huge pages, set once per process from how the kernel would serve them.

numpy advises huge pages (madvise) for every large array. Where the kernel's transparent-huge-page
defrag mode compacts memory synchronously for such regions (`always`, `madvise`, `defer+madvise`),
each fresh array of a 2-million-row table can stall on compaction: measured at 100,000 clients, a
process's first `client_health` spent 2.1-2.5 s in the kernel with the advice and 0.8-1.3 s without
(docs/design.md §3.3). The advice is then turned off; an explicit NUMPY_MADVISE_HUGEPAGE wins.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

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
