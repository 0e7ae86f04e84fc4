"""Client analytics: pure functions over `crm_core.store.frames.Frames`, every figure as of a date.

The public names are imported lazily, so a module of this package (say, the cash forecast using
`payments.invoice_status`) can be imported without loading the join that imports it back.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    "AnalyticsSettings": "crm_core.analytics.settings",
    "invoice_status": "crm_core.analytics.payments",
    "client_health": "crm_core.analytics.health",
    "portfolio_summary": "crm_core.analytics.portfolio",
    "at_risk": "crm_core.analytics.portfolio",
    "Recommendation": "crm_core.analytics.advice",
    "recommendations": "crm_core.analytics.advice",
    "suggested_action": "crm_core.analytics.advice",
    "recurring_forecast": "crm_core.analytics.forecast",
    "pipeline_forecast": "crm_core.analytics.pipeline",
    "stage_win_rates": "crm_core.analytics.pipeline",
    "cash_forecast": "crm_core.analytics.cash",
    "monthly_revenue": "crm_core.analytics.monthly",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
