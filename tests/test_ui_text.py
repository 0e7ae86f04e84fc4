"""Every label the clients, activities and pipeline pages build from a variable has a catalogue entry."""

from __future__ import annotations

import pytest

from crm_core.analytics.churn import COMPONENTS
from crm_core.analytics.payments import STATUSES
from crm_core.i18n import MESSAGES
from crm_core.ui.tables import header
from crm_core.views.activities import FOLLOWUP_STATUSES
from crm_core.views.clients import HEALTH_CARD, SORT_COLUMNS


def _column_names() -> set[str]:
    """Every column the three pages draw through show_table (read from their column maps)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    names: set[str] = set()
    for path in [
        root / "pages" / "clients.py",
        root / "pages" / "activities.py",
        root / "pages" / "pipeline.py",
        root / "crm_core" / "ui" / "client_detail.py",
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and node.keys and all(isinstance(k, ast.Constant) for k in node.keys):
                values = [v.value for v in node.values if isinstance(v, ast.Constant)]
                if values and all(
                    isinstance(v, str)
                    and (
                        v
                        in {
                            "text",
                            "money",
                            "number",
                            "days",
                            "score",
                            "share",
                            "date",
                            "datetime",
                            "moment",
                            "bool",
                            "probability",
                        }
                        or v.startswith("enum:")
                    )
                    for v in values
                ):
                    names |= {k.value for k in node.keys}
    return names


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_table_column_has_a_translated_header(lang: str) -> None:
    from crm_core.ui.context import PageContext

    ctx = PageContext(as_of=None, lang=lang, db_url="sqlite://")  # type: ignore[arg-type]
    columns = _column_names()
    assert {"company_name", "churn_score", "due_on", "weighted", "paid_amount"} <= columns
    missing = sorted(c for c in columns | set(SORT_COLUMNS) if header(ctx, c) == c)
    assert not missing


def test_dynamic_keys_exist() -> None:
    keys = [f"client.section_{s}" for s in HEALTH_CARD]
    keys += [f"figure.{name}" for items in HEALTH_CARD.values() for name, _ in items]
    keys += [f"followup_status.{s}" for s in FOLLOWUP_STATUSES]
    keys += [f"invoice_status.{s}" for s in STATUSES]
    keys += [f"event.{e}" for e in ("activity", "invoice", "payment", "stage")]
    keys += [f"rec_kind.{k}" for k in ("alert", "opportunity", "action")]
    keys += [f"churn_driver.{d}" for d in (*COMPONENTS, "lost", "none")]
    keys += [f"churn_reason.{d}" for d in ("lost", "none")]
    assert [k for k in keys if k not in MESSAGES] == []


def test_every_recommendation_code_is_translated() -> None:
    import re
    from importlib import import_module
    from pathlib import Path

    source = Path(import_module("crm_core.analytics.advice").__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'Recommendation\(\s*"(?:alert|opportunity|action)",\s*"([a-z_]+)"', source))
    codes |= set(import_module("crm_core.analytics.advice").ACTION_TEXT)  # action codes by variable
    assert {"overdue_receivables", "churn_risk", "follow_up", "escalate_collection"} <= codes
    assert sorted(c for c in codes if f"rec.{c}" not in MESSAGES and f"action.{c}" not in MESSAGES) == []
