"""The `landscape` command as a whole: help everywhere, errors as messages."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from survey.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*prefix, name)))
    return out


def test_bare_landscape_prints_the_overview() -> None:
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0
    assert "landscape demo" in result.output and "instrument" in result.output


@pytest.mark.parametrize("path", _commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="landscape")
    assert result.exit_code == 0, result.output
    assert "Usage: landscape " + " ".join(path) in result.output
    # The first help line says what the command is for.
    assert len(result.output.split("\n\n")[1].strip()) > 10


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output
