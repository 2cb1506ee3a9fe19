"""``landscape serve`` and the entry-point loader that adds it to the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from cli_assert import no_traceback
from click.testing import CliRunner

import survey.cli
from dashboard import commands
from dashboard.commands import serve_command
from survey.store import Store


def test_serve_refuses_an_unmigrated_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    Store.open(url, check=False, create=True).close()
    result = CliRunner().invoke(serve_command, ["--database", url])
    assert result.exit_code == 2
    assert "S101" in result.output and "landscape db upgrade" in result.output
    assert no_traceback(result)


def test_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(serve_command, ["--database",
                                                f"sqlite:///{tmp_path / 'none.db'}"])
    assert result.exit_code == 2 and "there is no store at" in result.output


def test_serve_runs_the_app_with_waitress_when_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import waitress

    url = f"sqlite:///{tmp_path / 'ok.db'}"
    Store.open(url, check=False, create=True).upgrade()
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append({"app": app, **kw}))
    result = CliRunner().invoke(serve_command, ["--database", url, "--port", "8123"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert (call["host"], call["port"]) == ("127.0.0.1", 8123)
    assert call["app"].test_client().get("/respond/unknown").status_code == 404
    assert "with waitress" in result.output
    assert "_pages_location" in str(call["app"].test_client().get("/_dash-layout").get_json())

    result = CliRunner().invoke(serve_command, ["--database", url, "--form-only"])
    assert result.exit_code == 0, result.output
    layout = str(calls[-1]["app"].test_client().get("/_dash-layout").get_json())
    assert "survey form only" in layout and "_pages_location" not in layout


def test_serve_falls_back_to_flask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    Store.open(url, check=False, create=True).upgrade()
    ran: list[tuple[str, int]] = []
    monkeypatch.setattr(commands, "wsgi_server_name", lambda: "flask")
    from flask import Flask

    monkeypatch.setattr(Flask, "run", lambda self, host, port, **_: ran.append((host, port)))
    result = CliRunner().invoke(serve_command, ["--database", url, "--host", "127.0.0.2"])
    assert result.exit_code == 0, result.output
    assert ran == [("127.0.0.2", 8050)]


@dataclass
class _Entry:
    name: str
    value: str
    command: Any

    def load(self) -> Any:
        if isinstance(self.command, Exception):
            raise self.command
        return self.command


def test_plugin_loader_adds_entry_point_commands(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    entries = [_Entry("serve", "dashboard.commands:serve_command", serve_command),
               _Entry("broken", "nowhere:cmd", ImportError("No module named 'nowhere'"))]
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group: entries if group == "landscape.commands" else [])
    group = click.Group("landscape")
    survey.cli._add_plugin_commands(group)
    assert group.commands["serve"] is serve_command
    assert "broken" not in group.commands
    assert "command 'broken' (nowhere:cmd) not loaded" in capsys.readouterr().err
    help_text = CliRunner().invoke(group, ["serve", "--help"]).output
    assert "--database" in help_text and "--port" in help_text
