"""The at-risk export as CSV bytes: UTF-8 with a BOM (so Excel detects the encoding), `,` or `;` separated.

`;` goes with a decimal comma, as Spanish Excel expects, and every text cell a spreadsheet would run
as a formula is neutralised. The table itself is the read model `crm_core.views.at_risk`.
"""

from __future__ import annotations

import pandas as pd

from crm_core.i18n import t
from crm_core.i18n.formatting import date_strftime_pattern
from crm_core.io.csv_safety import neutralise_frame

SEPARATORS: tuple[str, ...] = (",", ";")


def to_csv_bytes(frame: pd.DataFrame, sep: str = ",", lang: str = "en") -> bytes:
    """The frame as CSV bytes: UTF-8 with BOM, `sep` separated, formulas neutralised, no index.

    With `;` numbers get a decimal comma (Spanish Excel); dates are dd/mm/yyyy in Spanish, ISO
    otherwise. Missing values are empty cells.
    """
    if sep not in SEPARATORS:
        raise ValueError(f"separator must be one of {SEPARATORS}, not {sep!r}")
    out = frame.copy()
    date_format = date_strftime_pattern(lang)
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime(date_format).astype(object).where(out[name].notna(), None)
    out = neutralise_frame(out)
    # every float left is money: always two decimals (11430,80, not 11430,8)
    text = out.to_csv(sep=sep, index=False, decimal="," if sep == ";" else ".", lineterminator="\r\n", float_format="%.2f")
    return text.encode("utf-8-sig")


def export_file_name(as_of: object, lang: str) -> str:
    """`clients-at-risk-2026-11-25.csv` (Spanish: `clientes-en-riesgo-...`)."""
    return f"{t('at_risk.file_stem', lang)}-{as_of}.csv"
