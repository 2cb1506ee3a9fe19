"""``landscape user``: explorer logins from the command line (issue 11, Access)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

import survey.store.users
from survey.cli import main
from survey.commands.users import user_group
from survey.store import Store
from survey.store.users import audit_entries, check_login, list_users
from tests.cli_assert import no_traceback

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(survey.store.users, "_HASHER",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url, check=False, create=True) as store:
        store.upgrade()
    return url


def _run(url: str, *args: str, stdin: str | None = None) -> click.testing.Result:
    return CliRunner().invoke(main, ["user", *args, "--database-url", url], input=stdin)


def _users(url: str) -> list[tuple[str, str]]:
    with Store.open(url) as store:
        return [(u.name, u.role) for u in list_users(store)]


def test_add_prompts_twice_and_stores_only_a_hash(url: str) -> None:
    result = _run(url, "add", "ada", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Added ada (admin)." in result.output and PASSWORD not in result.output
    assert _users(url) == [("ada", "admin")]
    with Store.open(url) as store:
        assert check_login(store, "ada", PASSWORD) is not None


def test_two_different_passwords_at_the_prompt_add_nobody(url: str) -> None:
    result = _run(url, "add", "ada", "--role", "admin",
                  stdin=f"{PASSWORD}\nsomething else entirely\n")
    assert result.exit_code != 0 and no_traceback(result)
    assert _users(url) == []


def test_password_from_stdin_for_scripts(url: str) -> None:
    result = _run(url, "add", "bob", "--role", "viewer", "--password-stdin",
                  stdin=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with Store.open(url) as store:
        assert check_login(store, "bob", PASSWORD) is not None


def test_the_password_is_never_a_command_line_argument(url: str) -> None:
    """Other users of the machine can read arguments from the process list."""
    for command in user_group.commands.values():
        names = [n for p in command.params for n in (*p.opts, *p.secondary_opts)]
        assert not any("password" in n and n != "--password-stdin" for n in names), names
    result = _run(url, "add", "ada", "--role", "admin", "--password", PASSWORD)
    assert result.exit_code == 2 and "No such option" in result.output
    result = _run(url, "add", "ada", PASSWORD, "--role", "admin")
    assert result.exit_code == 2 and "unexpected extra argument" in result.output
    assert _users(url) == []


@pytest.mark.parametrize(("args", "stdin", "code"), [
    (("add", "ada", "--role", "boss"), None, "U104"),
    (("add", "bad name", "--role", "viewer", "--password-stdin"), f"{PASSWORD}\n", "U101"),
    (("add", "ada", "--role", "viewer", "--password-stdin"), "short\n", "U105"),
    (("remove", "nobody"), None, "U102"),
    (("passwd", "nobody"), None, "U102"),
])
def test_bad_input_is_a_coded_error_with_exit_2(url: str, args: tuple[str, ...],
                                                stdin: str | None, code: str) -> None:
    result = _run(url, *args, stdin=stdin)
    assert result.exit_code == 2 and no_traceback(result)
    assert f"error {code}" in result.output and "fix:" in result.output
    assert "short" not in result.output.split("fix:")[0].replace("shorter", "")


def test_list_remove_passwd_and_the_audit_log(url: str) -> None:
    assert "No users yet" in _run(url, "list").output
    _run(url, "add", "ada", "--role", "admin", "--password-stdin", stdin=f"{PASSWORD}\n")
    _run(url, "add", "bob", "--role", "analyst", "--password-stdin", stdin=f"{PASSWORD}\n")
    listing = _run(url, "list").output.splitlines()
    assert [line.split()[:2] for line in listing] == [["ada", "admin"], ["bob", "analyst"]]
    last_admin = _run(url, "remove", "ada")
    assert last_admin.exit_code == 2 and "error U106" in last_admin.output
    changed = _run(url, "passwd", "bob", stdin="a new long password\na new long password\n")
    assert changed.exit_code == 0, changed.output
    assert _run(url, "remove", "bob").exit_code == 0
    assert _users(url) == [("ada", "admin")]
    with Store.open(url) as store:
        entries = [(e.action, e.what) for e in audit_entries(store)]
    assert entries == [("user add", "ada (admin)"), ("user add", "bob (analyst)"),
                       ("user passwd", "bob"), ("user remove", "bob (analyst)")]
    audit = _run(url, "audit").output.splitlines()
    assert len(audit) == 4 and "user remove  bob (analyst)" in audit[-1]
    assert "cli:" in audit[0]
    assert len(_run(url, "audit", "--limit", "1").output.splitlines()) == 1
