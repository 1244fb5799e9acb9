"""The help and the README keep up with the commands (like sqlite-utils' tests/test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from zoom_assembly.cli import COMMANDS, app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
GROUP = typer.main.get_command(app)
COMMAND_OBJECTS = getattr(GROUP, "commands", {})


def test_the_command_list_matches_the_registered_commands() -> None:
    assert sorted(COMMAND_OBJECTS) == sorted(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_text(name: str) -> None:
    command = COMMAND_OBJECTS[name]
    assert (command.help or "").strip(), f"`{name}` has no help text (its docstring)"
    for param in command.params:
        if param.param_type_name == "option":
            assert (getattr(param, "help", None) or "").strip(), \
                f"`{name} {param.opts[0]}` has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_appears_in_the_readme(name: str) -> None:
    assert re.search(rf"transcribe-zoom {name}\b", README), \
        f"README.md never shows `transcribe-zoom {name}`"
