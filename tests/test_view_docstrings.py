"""Every public function and class of the page view modules says what it gives and why (a docstring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VIEW_MODULES = ["crm_core/ui/views.py"] + sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "crm_core" / "views").glob("*.py") if path.name != "__init__.py"
)


@pytest.mark.parametrize("path", VIEW_MODULES)
def test_public_functions_and_classes_have_a_docstring(path: str) -> None:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    missing = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
        and not (ast.get_docstring(node) or "").strip()
    ]
    assert missing == []
