"""README.md stays true: every ATS_* setting and every command is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from ats_helpdesk.cli import COMMANDS, main
from ats_helpdesk.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"ATS_{field.upper()}" in README, f"ATS_{field.upper()} is not documented in README.md"


def _command_paths() -> list[str]:
    paths: list[str] = []
    ctx = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command, parent=ctx)
            for sub in command.list_commands(sub_ctx):
                paths.append(f"{name} {sub}")
        else:
            paths.append(name)
    return paths


@pytest.mark.parametrize("path", _command_paths())
def test_every_command_is_in_the_readme(path: str) -> None:
    pattern = r"ats-helpdesk\s+" + r"\s+".join(map(re.escape, path.split()))
    assert re.search(pattern, README), f"'ats-helpdesk {path}' is not documented in README.md"


def test_readme_shows_the_two_fresh_machine_commands() -> None:
    assert "scripts/run" in README
    assert "scripts/test" in README
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
