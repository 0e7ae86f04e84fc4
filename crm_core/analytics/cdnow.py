"""The CDNOW master file (23,570 buyers, 1997-98) as frames: each purchase an invoice paid on the day.

A public repeat-purchase data set used to measure the recurring forecast against the literature
(docs/forecast-accuracy.md). The copy in docs/data comes from the `lifetimes` 0.11.3 wheel on PyPI
(lifetimes/datasets/CDNOW_master.txt); an installed `lifetimes` package is used when that copy is missing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from crm_core.errors import CRMError
from crm_core.frames import Frames

REPO_COPY = Path(__file__).resolve().parents[2] / "docs" / "data" / "CDNOW_master.txt"
CALIBRATION_END = "1997-09-30"


def cdnow_path() -> Path:
    """The repository copy of CDNOW_master.txt, else the one inside an installed `lifetimes`."""
    if REPO_COPY.exists():
        return REPO_COPY
    spec = importlib.util.find_spec("lifetimes")
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / "datasets" / "CDNOW_master.txt"
        if candidate.exists():
            return candidate
    raise CRMError(f"CDNOW_master.txt not found (expected {REPO_COPY})")


def load_cdnow(path: Path | str | None = None) -> Frames:
    """CDNOW purchases as invoices (issued and due on the purchase day) with a same-day payment."""
    raw = pd.read_csv(path or cdnow_path(), sep=r"\s+", comment=None,
                      dtype={"customer_id": "int64", "date": str})
    n = len(raw)
    day = pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[ns]")
    empty = Frames.empty()
    invoices = pd.DataFrame({
        "invoice_id": np.arange(1, n + 1, dtype=np.int64),
        "client_id": raw["customer_id"].to_numpy(dtype=np.int64),
        "number": "CD-" + pd.Series(np.arange(1, n + 1)).astype(str),
        "issue_date": day,
        "due_date": day,
        "total": raw["dollar_value"].to_numpy(dtype="float64"),
        "void": False,
        "credit_note": False,
    })[empty.invoices.columns]
    payments = pd.DataFrame({
        "payment_id": invoices["invoice_id"],
        "invoice_id": invoices["invoice_id"],
        "paid_on": day,
        "amount": invoices["total"],
        "method": "card",
    })[empty.payments.columns]
    client_ids = np.sort(invoices["client_id"].unique())
    clients = empty.clients.reindex(range(len(client_ids))).assign(client_id=client_ids)
    return Frames(
        clients=clients,
        contacts=empty.contacts,
        activities=empty.activities,
        opportunities=empty.opportunities,
        invoices=invoices,
        payments=payments,
        stage_history=empty.stage_history,
    )
