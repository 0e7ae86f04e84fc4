"""The CDNOW master file (23,570 buyers, 1997-98) as frames: each purchase an invoice paid on the day.

A public repeat-purchase data set used to measure the recurring forecast against the literature
(docs/forecast-accuracy.md). Pure: the file itself is read by `crm_core.io.cdnow`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_core.store.frames import Frames

CALIBRATION_END = "1997-09-30"


def cdnow_frames(raw: pd.DataFrame) -> Frames:
    """CDNOW rows (customer_id, date YYYYMMDD, dollar_value) as invoices issued and due on the purchase
    day, each with a same-day payment, and one bare client per customer."""
    n = len(raw)
    day = pd.to_datetime(raw["date"], format="%Y%m%d").astype("datetime64[ns]")
    empty = Frames.empty()
    invoices = pd.DataFrame(
        {
            "invoice_id": np.arange(1, n + 1, dtype=np.int64),
            "client_id": raw["customer_id"].to_numpy(dtype=np.int64),
            "number": "CD-" + pd.Series(np.arange(1, n + 1)).astype(str),
            "issue_date": day,
            "due_date": day,
            "total": raw["dollar_value"].to_numpy(dtype="float64"),
            "void": False,
            "credit_note": False,
        }
    )[empty.invoices.columns]
    payments = pd.DataFrame(
        {
            "payment_id": invoices["invoice_id"],
            "invoice_id": invoices["invoice_id"],
            "paid_on": day,
            "amount": invoices["total"],
            "method": "card",
        }
    )[empty.payments.columns]
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
