"""Reading the CDNOW master file (23,570 buyers, 1997-98) from disk into frames.

The copy in docs/data comes from the `lifetimes` 0.11.3 wheel on PyPI (lifetimes/datasets/CDNOW_master.txt);
an installed `lifetimes` package is used when that copy is missing. Turning the rows into frames is
pure and lives in `crm_core.analytics.cdnow`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from crm_core.analytics.cdnow import cdnow_frames
from crm_core.errors import CRMError
from crm_core.store.frames import Frames

REPO_COPY = Path(__file__).resolve().parents[2] / "docs" / "data" / "CDNOW_master.txt"


def cdnow_path() -> Path:
    """The repository copy of CDNOW_master.txt, else the one inside an installed `lifetimes`."""
    if REPO_COPY.exists():
        return REPO_COPY
    spec = importlib.util.find_spec("lifetimes")
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / "datasets" / "CDNOW_master.txt"
        if candidate.exists():
            return candidate
    raise CRMError("cdnow_missing", {"path": str(REPO_COPY)})


def read_cdnow(path: Path | str | None = None) -> pd.DataFrame:
    """The raw CDNOW rows (customer_id, date as YYYYMMDD text, quantity, dollar_value) of `path` or `cdnow_path()`."""
    return pd.read_csv(path or cdnow_path(), sep=r"\s+", comment=None, dtype={"customer_id": "int64", "date": str})


def load_cdnow(path: Path | str | None = None) -> Frames:
    """CDNOW purchases as invoices (issued and due on the purchase day) with a same-day payment."""
    return cdnow_frames(read_cdnow(path))
