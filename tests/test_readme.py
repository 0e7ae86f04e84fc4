"""The README's run command: what a person copies to start the app."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_run_command_turns_streamlit_usage_statistics_off() -> None:
    """Issue 16, item 15: an internal business tool sends no usage statistics."""
    text = README.read_text(encoding="utf-8")
    # each command from `streamlit run app.py` to the end of its code span or block (it may wrap over lines)
    commands = re.findall(r"streamlit run app\.py[^`]*", text)
    assert commands, "no `streamlit run app.py` command in the README"
    for command in commands:
        assert "--browser.gatherUsageStats false" in command, command


def test_every_run_command_binds_the_app_to_this_computer_only() -> None:
    """Issue 14, "Also": the app must not listen on every network interface by default."""
    text = README.read_text(encoding="utf-8")
    commands = [" ".join(command.split()) for command in re.findall(r"streamlit run app\.py[^`]*", text)]
    assert commands, "no `streamlit run app.py` command in the README"
    for command in commands:
        assert "--server.address 127.0.0.1" in command, command
    assert "0.0.0.0" not in text
