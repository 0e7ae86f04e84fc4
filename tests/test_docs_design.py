"""docs/design.md stays the reference the code cites: every cited section exists, no file cites a
document outside the repository, and its package table (§3.1) names every module of crm_core."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
SCANNED = ("crm_core", "tests", "pages", "benchmarks", "docs")
SCANNED_FILES = ("app.py", "README.md")
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.MULTILINE)
CITATION = re.compile(r"docs/design\.md (§\d+(?:\.\d+)?(?:(?:,| and) §\d+(?:\.\d+)?)*)")
SECTION = re.compile(r"§(\d+(?:\.\d+)?)")
MODULE = re.compile(r"`([\w.]+\.py)`")
OUTSIDE_DOC = "DESIGN" + ".md"  # the design notes outside the repository (split so this file does not match)
# One module per schema revision: listed as a folder, not file by file.
REVISIONS = "db/migrations/versions/"


def sections() -> set[str]:
    return set(HEADING.findall(DESIGN.read_text(encoding="utf-8")))


def repository_texts() -> dict[Path, str]:
    files = [p for folder in SCANNED for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md")]
    files += [ROOT / name for name in SCANNED_FILES]
    return {p: p.read_text(encoding="utf-8") for p in files if p.is_file() and "data" not in p.relative_to(ROOT).parts}


def section_text(number: str) -> str:
    text = DESIGN.read_text(encoding="utf-8")
    start = re.search(rf"^#{{2,3}} {re.escape(number)}\.? .*$", text, re.MULTILINE)
    assert start, f"docs/design.md has no section {number}"
    end = HEADING.search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


def test_sections_are_numbered_in_order() -> None:
    numbers = HEADING.findall(DESIGN.read_text(encoding="utf-8"))
    keys = [tuple(int(part) for part in n.split(".")) for n in numbers]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), numbers
    assert {"2.3", "3.2", "4.1", "4.7", "4.11"} <= set(numbers)


def test_every_cited_section_exists() -> None:
    known = sections()
    missing = []
    for path, text in repository_texts().items():
        cited = [s for group in CITATION.findall(text) for s in SECTION.findall(group)]
        if path == DESIGN:
            cited = SECTION.findall(text)
        missing += [f"{path.relative_to(ROOT)}: §{number}" for number in cited if number not in known]
    assert missing == []


def test_the_code_cites_design_md() -> None:
    cited_by = {path.relative_to(ROOT).as_posix() for path, text in repository_texts().items() if CITATION.search(text)}
    assert {"crm_core/analytics/risk.py", "crm_core/analytics/settings.py", "crm_core/analytics/churn.py"} <= cited_by


def test_nothing_cites_a_document_outside_the_repository() -> None:
    citing = [str(path.relative_to(ROOT)) for path, text in repository_texts().items() if OUTSIDE_DOC in text]
    assert citing == []


def test_package_table_names_every_module() -> None:
    """§3.1's table lists each folder of crm_core with its modules: a module added or moved shows here."""
    listed: set[str] = set()
    for row in section_text("3.1").splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`crm_core/"):
            continue
        folder = cells[0].strip("`")
        listed |= {folder + name for name in MODULE.findall(cells[1])}
    on_disk = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "crm_core").rglob("*.py")
        if REVISIONS not in p.relative_to(ROOT / "crm_core").as_posix() + "/"
    }
    assert sorted(on_disk - listed) == [], "modules missing from docs/design.md §3.1"
    assert sorted(listed - on_disk) == [], "modules in docs/design.md §3.1 that do not exist"
