"""The README's run command: what a person copies to start the app."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_run_command_turns_streamlit_usage_statistics_off() -> None:
    """Issue 16, item 15: an internal business tool sends no usage statistics."""
    commands = re.findall(r"^.*streamlit run app\.py.*$", README.read_text(encoding="utf-8"), flags=re.M)
    assert commands, "no `streamlit run app.py` command in the README"
    for command in commands:
        assert "--browser.gatherUsageStats false" in command, command
