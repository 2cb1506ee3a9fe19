"""``landscape user``: the explorer's logins (add, list, remove, passwd) and the audit log.

A password is typed twice at a hidden prompt, or read from standard input with
``--password-stdin`` (one line, for scripts); it is never a command-line argument,
which other users of the machine could read from the process list.
"""

from __future__ import annotations

import getpass
import sys

import click

from survey.errors import LandscapeError
from survey.settings import click_option

__all__ = ["user_group"]

_database = click_option("database_url")
_password_stdin = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input instead of prompting "
         "(e.g. from a password manager); never give it as an argument.")


def _who() -> str:
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        account = "unknown"
    return f"cli:{account}"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    try:
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    except click.Abort:
        raise LandscapeError.of("U105", "no password was given (the prompt was closed)") \
            from None
    return value


@click.group("user")
def user_group() -> None:
    """Logins to the explorer: viewer, analyst or admin (see the README's Access section)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, metavar="ROLE",
              help="viewer (internal figures), analyst (+ quotes, survey ties, exports) or "
                   "admin (+ fieldwork data, users).")
@_password_stdin
@_database
def user_add_command(name: str, role: str, password_stdin: bool,
                     database_url: str | None) -> None:
    """Add the user NAME with a role; the password is prompted for twice."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.users import ROLES, add_user

    if role not in ROLES:  # before asking for a password that would be thrown away
        raise LandscapeError.of("U104", f"{role[:20]!r} is not a role; the roles are "
                                f"{', '.join(ROLES)}")
    with Store.open(database_url) as store:
        user = add_user(store, name, role, _password(password_stdin), by=_who())
    click.echo(f"Added {user.name} ({user.role}).")


@user_group.command("list")
@_database
def user_list_command(database_url: str | None) -> None:
    """List the users: name, role, when added."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.users import list_users

    with Store.open(database_url) as store:
        users = list_users(store)
    if not users:
        click.echo("No users yet: add one with 'landscape user add NAME --role admin'.")
        return
    width = max(len(u.name) for u in users)
    for user in users:
        click.echo(f"{user.name:<{width}}  {user.role:<7}  added "
                   f"{user.created_at:%Y-%m-%d %H:%M} UTC")


@user_group.command("remove")
@click.argument("name")
@_database
def user_remove_command(name: str, database_url: str | None) -> None:
    """Remove the user NAME (their open sessions end); the last admin stays."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.users import remove_user

    with Store.open(database_url) as store:
        remove_user(store, name, by=_who())
    click.echo(f"Removed {name}.")


@user_group.command("passwd")
@click.argument("name")
@_password_stdin
@_database
def user_passwd_command(name: str, password_stdin: bool, database_url: str | None) -> None:
    """Set a new password for NAME (their open sessions end)."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.users import find_user, set_password

    with Store.open(database_url) as store:
        if find_user(store, name) is None:  # before asking for a password
            raise LandscapeError.of("U102", f"there is no user named {name[:64]!r}")
        set_password(store, name, _password(password_stdin), by=_who())
    click.echo(f"Changed the password of {name}.")


@user_group.command("audit")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, None),
              help="Show the last this many entries.")
@_database
def user_audit_command(limit: int, database_url: str | None) -> None:
    """The audit log: who exported what and when, and user management, oldest first."""
    # Loaded when the command runs: keeps `landscape --help` fast.
    from survey.store import Store
    from survey.store.users import audit_entries

    with Store.open(database_url) as store:
        entries = audit_entries(store, limit)
    if not entries:
        click.echo("The audit log is empty.")
        return
    for entry in entries:
        click.echo(f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {entry.who}  {entry.action}  "
                   f"{entry.what}")
