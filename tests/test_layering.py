"""The house's layering (docs/design.md §3.2): which package may import which, checked on every import.

Streamlit is imported only under crm_core/ui (and by the pages), FastAPI only under crm_core/api, and
a lower layer never imports a higher one: analytics, views and store never reach the UI or the API.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = {"config", "enums", "errors", "schemas", "tax_ids", "fields", "memory", "__init__"}
FACES = {"ui", "cli", "api", "__main__"}
BELOW_FACES = {"core", "i18n", "db", "store", "auth", "analytics", "services", "charts", "io", "demo", "views"}
# What each package of crm_core may import from crm_core (besides itself).
# i18n is the leaf: the catalogue and formatting import nothing of crm_core, so the core's errors
# can say their English message from the catalogue by code (crm_core.i18n.error_text).
ALLOWED: dict[str, set[str]] = {
    "core": {"core", "i18n"},
    "i18n": set(),
    "db": {"core"},
    "store": {"core", "db"},
    "auth": {"core", "db", "store"},
    "analytics": {"core", "store"},
    "services": {"core", "db", "store", "auth"},
    "charts": {"core", "i18n"},
    "io": {"core", "i18n", "db", "store", "auth", "services", "analytics"},
    "demo": {"core", "db", "store", "auth", "services"},
    "views": {"core", "i18n", "store", "analytics"},
    "ui": BELOW_FACES,
    "cli": BELOW_FACES,
    "api": BELOW_FACES,
    "__main__": {"cli"},
}
PAGES_ALLOWED = {"core", "ui", "views", "charts", "i18n", "io", "store"}
FRAMEWORKS = {"streamlit": {"ui"}, "fastapi": {"api"}, "starlette": {"api"}, "uvicorn": {"api", "cli"}}


def _package(module: str) -> str | None:
    """The layer a crm_core module belongs to (None for a module outside crm_core)."""
    parts = module.split(".")
    if parts[0] != "crm_core":
        return None
    if len(parts) == 1 or parts[1] in CORE_MODULES:
        return "core"
    return parts[1]


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a file, `from crm_core import x` counted as crm_core.x."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "crm_core":
                for alias in node.names:
                    yield node.lineno, f"crm_core.{alias.name}"
            else:
                yield node.lineno, node.module


def _layer_of(path: Path) -> str:
    relative = path.relative_to(ROOT / "crm_core")
    if len(relative.parts) == 1:
        return "__main__" if relative.stem == "__main__" else "core"
    return relative.parts[0]


def _violations(path: Path, layer: str, allowed: set[str]) -> list[str]:
    """Each import of `path` that a module of `layer` may not make, as `file:line (layer) imports module`."""
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for line, module in _imports(path):
        top = module.split(".")[0]
        target = _package(module)
        if (top in FRAMEWORKS and layer not in FRAMEWORKS[top]) or (
            target is not None and target != layer and target not in allowed
        ):
            found.append(f"{name}:{line} ({layer}) imports {module}")
    return found


def test_every_package_of_crm_core_imports_only_the_layers_below_it() -> None:
    problems = []
    for path in sorted((ROOT / "crm_core").rglob("*.py")):
        layer = _layer_of(path)
        assert layer in ALLOWED, f"{path.relative_to(ROOT)}: package {layer!r} has no place in the layering"
        problems += _violations(path, layer, ALLOWED[layer])
    assert problems == []


def test_pages_and_the_router_are_faces_over_ui_and_views() -> None:
    problems = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for line, module in _imports(path):
            target = _package(module)
            if module.split(".")[0] in {"sqlalchemy", "fastapi"} or (target and target not in PAGES_ALLOWED):
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert problems == []


@pytest.mark.parametrize("layer", ["analytics", "views", "store", "db", "auth", "services", "io", "i18n", "charts"])
def test_the_check_catches_streamlit_and_an_upward_import(tmp_path: Path, layer: str) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import streamlit as st\nfrom crm_core.ui import cache\nimport pandas\n", encoding="utf-8")
    assert _violations(probe, layer, ALLOWED[layer]) == [
        f"probe.py:1 ({layer}) imports streamlit",
        f"probe.py:2 ({layer}) imports crm_core.ui",
    ]
