"""Reading the CDNOW file into frames (the reading in crm_core.io, the frames in analytics)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from crm_core.io.cdnow import load_cdnow, read_cdnow

SAMPLE = """ customer_id  date number_of_cds  dollar_value
00001 19970101 1 11.77
00002 19970112 1 12.00
00002 19970112 5 77.00
00003 19970102 2 20.76
"""


def test_load_cdnow_reads_purchases_as_invoices_paid_on_the_day(tmp_path: Path) -> None:
    path = tmp_path / "cdnow.txt"
    path.write_text(SAMPLE)
    frames = load_cdnow(path)
    assert frames.invoices["client_id"].tolist() == [1, 2, 2, 3]
    assert frames.invoices["total"].tolist() == [11.77, 12.0, 77.0, 20.76]
    assert frames.invoices["issue_date"].iloc[1] == pd.Timestamp("1997-01-12")
    assert (frames.payments["paid_on"] == frames.invoices["issue_date"]).all()
    assert frames.clients["client_id"].tolist() == [1, 2, 3]
    assert len(read_cdnow(path)) == 4


def test_analytics_module_reads_nothing() -> None:
    code = "import sys, crm_core.analytics.cdnow; print('crm_core.io.cdnow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
