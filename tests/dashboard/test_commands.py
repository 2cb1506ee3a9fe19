"""``landscape serve`` and the entry-point loader that adds it to the CLI."""

from __future__ import annotations

import re
import threading
import time
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
    assert "no admin user yet" in result.output and "landscape user add" in result.output
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


# -- serve --demo and production mode (issue 11, Running it) ---------------------------

_DEMO_LOGIN = re.compile(r"Demo login \(admin\): name (\S+)  password (\S+)")


def _serve(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[Any, list[Any]]:
    import waitress

    calls: list[Any] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append(app))
    return CliRunner().invoke(serve_command, args), calls


def _signs_in(app: Any, name: str, password: str) -> bool:
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True))
    assert token
    response = client.post("/login", data={"name": name, "password": password, "next": "/",
                                           "csrf_token": token.group(1)})
    return bool(response.status_code == 303)


@pytest.mark.slow
def test_serve_demo_works_twice_and_leaves_the_users_store_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    own = f"sqlite:///{tmp_path / 'mine.db'}"
    Store.open(own, check=False, create=True).upgrade()
    monkeypatch.setenv("LANDSCAPE_DATABASE_URL", own)
    first, apps = _serve(monkeypatch, ["--demo"])
    assert first.exit_code == 0, first.output
    assert "Building the demo store" in first.output
    assert (tmp_path / "landscape-demo.db").exists()
    assert not list(tmp_path.glob("*.building*"))
    login = _DEMO_LOGIN.search(first.output)
    assert login and login.group(1) == "demo-admin" and len(login.group(2)) >= 16
    assert _signs_in(apps[0], "demo-admin", login.group(2))
    second, apps = _serve(monkeypatch, ["--demo"])
    assert second.exit_code == 0, second.output
    assert "Building the demo store" not in second.output
    again = _DEMO_LOGIN.search(second.output)
    assert again and again.group(2) != login.group(2)  # random at every start
    assert not _signs_in(apps[0], "demo-admin", login.group(2))
    assert _signs_in(apps[0], "demo-admin", again.group(2))
    assert "Demonstration: reconstructed" in str(apps[0].test_client().get(
        "/_dash-layout").get_json())
    from survey.store.users import list_users

    with Store.open(own) as mine:  # the user's own store: still empty, no demo admin
        assert list_users(mine) == []


def test_production_refuses_to_start_without_a_secret_key_and_an_admin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from survey.store.users import add_user

    url = f"sqlite:///{tmp_path / 'prod.db'}"
    Store.open(url, check=False, create=True).upgrade()
    monkeypatch.delenv("LANDSCAPE_SECRET_KEY", raising=False)
    for extra in (["--production"], ["--host", "0.0.0.0"], ["--trusted-proxies", "1"]):
        result, calls = _serve(monkeypatch, ["--database", url, *extra])
        assert result.exit_code == 2 and "error U107" in result.output and no_traceback(result)
        assert calls == []
    monkeypatch.setenv("LANDSCAPE_SECRET_KEY", "k" * 40)
    result, calls = _serve(monkeypatch, ["--database", url, "--production"])
    assert result.exit_code == 2 and "error U108" in result.output and calls == []
    with Store.open(url) as store:
        add_user(store, "ada", "admin", "a long enough password", by="test")
    result, calls = _serve(monkeypatch, ["--database", url, "--production"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1 and "k" * 40 not in result.output
    # A form-only server has no explorer and so needs no admin; still a key.
    monkeypatch.delenv("LANDSCAPE_SECRET_KEY")
    result, _ = _serve(monkeypatch, ["--database", url, "--production", "--form-only"])
    assert result.exit_code == 2 and "error U107" in result.output
    result, _ = _serve(monkeypatch, ["--demo", "--production"])
    assert result.exit_code == 2 and "error U109" in result.output


def test_serve_demo_never_touches_a_store_holding_other_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from survey.store.users import add_user, list_users

    own = f"sqlite:///{tmp_path / 'mine.db'}"
    with Store.open(own, check=False, create=True) as store:
        store.upgrade()
        add_user(store, "ada", "admin", "a long enough password", by="test")
    result, calls = _serve(monkeypatch, ["--demo", "--database-url", own])
    assert result.exit_code == 2 and "error U109" in result.output and calls == []
    with Store.open(own) as store:
        assert [u.name for u in list_users(store)] == ["ada"]  # no demo admin added


def test_serve_computes_the_default_views_before_the_first_visitor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress

    from dashboard import page_views

    url = f"sqlite:///{tmp_path / 'ok.db'}"
    Store.open(url, check=False, create=True).upgrade()
    warmed: list[tuple[str, int]] = []
    monkeypatch.setattr(page_views, "keep_views_warm",
                        lambda store, every, stop: warmed.append((store.url, every)))
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: None)
    result = CliRunner().invoke(serve_command, ["--database", url])
    assert result.exit_code == 0, result.output
    _until(lambda: warmed)
    assert warmed == [(url, 2)]  # and again every 2 s when the data has changed
    result = CliRunner().invoke(serve_command, ["--database", url, "--view-refresh", "0"])
    assert result.exit_code == 0
    _until(lambda: len(warmed) == 2)
    assert warmed[-1] == (url, 0)
    result = CliRunner().invoke(serve_command, ["--database", url, "--view-refresh", "-1"])
    assert result.exit_code == 2 and "LANDSCAPE_VIEW_REFRESH" in result.output


def test_serve_moves_what_it_loaded_out_of_the_collectors_sight(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import waitress

    from dashboard import page_views

    url = f"sqlite:///{tmp_path / 'ok.db'}"
    Store.open(url, check=False, create=True).upgrade()
    monkeypatch.setattr(page_views, "keep_views_warm", lambda store, every, stop: None)
    frozen: list[int] = []
    monkeypatch.setattr(waitress, "serve",
                        lambda app, **kw: frozen.append(gc.get_freeze_count()))
    try:
        assert CliRunner().invoke(serve_command, ["--database", url]).exit_code == 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
    assert frozen and frozen[0] > 0  # frozen before the server took its first request


def test_the_warming_stops_when_the_server_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress

    from dashboard import page_views

    url = f"sqlite:///{tmp_path / 'ok.db'}"
    Store.open(url, check=False, create=True).upgrade()
    events: list[threading.Event] = []
    monkeypatch.setattr(page_views, "keep_views_warm",
                        lambda store, every, stop: events.append(stop))
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: None)
    assert CliRunner().invoke(serve_command, ["--database", url]).exit_code == 0
    _until(lambda: events)
    (stop,) = events
    assert stop.is_set()


def _until(ready: Any, seconds: float = 10) -> None:
    """Wait for the warming thread (started by serve) to have run."""
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
