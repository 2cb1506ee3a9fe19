"""``landscape serve``: run the explorer and the respondent form.

Registered with the ``landscape`` command through the ``landscape.commands``
entry point group (``serve = "dashboard.commands:serve_command"``), so the
``survey`` CLI never imports ``dashboard``. Importing this module is cheap: Dash
and the server are imported only when the command runs.
"""

from __future__ import annotations

import gc
import ipaddress
import os
import secrets
import threading
from pathlib import Path
from typing import Any

import click

from survey.errors import LandscapeError
from survey.settings import SETTINGS, click_option, resolve

__all__ = ["DEMO_ADMIN", "DEMO_STORE", "is_loopback", "serve_command", "wsgi_server_name"]


def wsgi_server_name() -> str:
    """``waitress`` when it is installed (production-capable), else ``flask``.

    Examples
    --------
    >>> wsgi_server_name() in ("waitress", "flask")
    True
    """
    try:
        import waitress  # noqa: F401
    except ImportError:
        return "flask"
    return "waitress"


#: Where ``landscape serve --demo`` keeps its demo store (never the user's store).
DEMO_STORE = "landscape-demo.db"
#: The login ``landscape serve --demo`` creates (a new random password every start).
DEMO_ADMIN = "demo-admin"
_LOOPBACK_NAMES = ("localhost", "ip6-localhost")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("192.0.2.7"), is_loopback("example.org")
    (False, False, False)
    """
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fail(ctx: click.Context, exc: LandscapeError) -> None:
    for problem in exc.issues:
        click.echo(f"Error: {problem}", err=True)
    ctx.exit(2)


def _demo_store(database_url: str | None) -> Any:
    """The demo store: built in its own file when missing, then opened (and migrated)."""
    # Loaded only when `landscape serve --demo` runs.
    from survey.reproduce.demo import load_demo
    from survey.store import Store
    from survey.store.analysis import data_labels

    url = database_url or f"sqlite:///{DEMO_STORE}"
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is not None and not path.exists():
        click.echo(f"Building the demo store {path} (once)...", err=True)
        building = path.with_name(path.name + ".building")
        for leftover in (building, *(building.with_name(building.name + s)
                                     for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        load_demo(f"sqlite:///{building}")
        # Built aside and renamed: an interrupted build leaves no half-built store.
        building.replace(path)
    store = Store.open(url, check=False)
    if store.status().is_newer or (store.status().current is not None
                                   and not data_labels(store)):
        store.close()
        raise LandscapeError.of("U109", f"--demo serves only a demo store, and {store.url} "
                                "holds other data; leave out --database-url to use "
                                f"./{DEMO_STORE}, or serve this store without --demo")
    store.upgrade()  # a demo store: safe to migrate
    if not data_labels(store):  # an empty database named with --database-url
        load_demo(url)
    return store


def _demo_login(store: Any) -> str:
    # Loaded only when `landscape serve --demo` runs.
    from survey.store.users import add_user, find_user, set_password

    password = secrets.token_urlsafe(15)
    if find_user(store, DEMO_ADMIN) is None:
        add_user(store, DEMO_ADMIN, "admin", password, by="serve --demo")
    else:
        set_password(store, DEMO_ADMIN, password, by="serve --demo")
    return password


def _check_production(store: Any, explorer: bool) -> None:
    """Production serving needs a fixed secret key and, with the explorer, an admin."""
    # Loaded only when `landscape serve` runs.
    from survey.store.users import admin_count

    if resolve("secret_key") is None:
        raise LandscapeError.of("U107", f"{SETTINGS['secret_key'].env} is not set; "
                                "production serving signs sessions with a fixed key")
    if explorer and admin_count(store) == 0:
        raise LandscapeError.of("U108", f"the store {store.url} has no admin user")


def _hint_users(store: Any) -> None:
    # Loaded only when `landscape serve` runs.
    from survey.store.users import admin_count

    if admin_count(store) == 0:
        click.echo("Note: no admin user yet, so staff pages (Monitor, Users) cannot be opened; "
                   "add one with 'landscape user add NAME --role admin'.", err=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep 127.0.0.1 behind a reverse proxy.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--database", "--database-url", "database_url", default=None, metavar="URL",
              help=f"{SETTINGS['database_url'].help} [env {SETTINGS['database_url'].env}]")
@click.option("--demo", is_flag=True,
              help=f"Serve the demo: build it in ./{DEMO_STORE} when missing (your own store "
                   f"is left alone; --database-url names another file) and print a new "
                   f"random login for the admin '{DEMO_ADMIN}'.")
@click.option("--production", is_flag=True,
              help="Refuse to start without LANDSCAPE_SECRET_KEY and an admin user. Implied "
                   "when listening beyond this machine (--host) or behind a proxy "
                   "(--trusted-proxies), unless --demo.")
@click.option("--demo-label", default=None,
              help="Show this label on every page, e.g. for a store of synthetic data.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (waitress).")
@click.option("--form-only", is_flag=True,
              help="Serve the respondent form without the explorer (no explorer pages "
                   "or logins), e.g. for a server only respondents need to reach.")
@click_option("trusted_proxies")
@click_option("view_refresh")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, database_url: str | None,
                  demo: bool, production: bool, demo_label: str | None, threads: int,
                  form_only: bool, trusted_proxies: int | None,
                  view_refresh: str | None) -> None:
    """Serve the explorer and the survey form (invitation and open links).

    Anonymous visitors get the public view; staff sign in at /login (users from
    `landscape user add`). Uses waitress when installed, otherwise Flask's development
    server. Refuses to start on a store that is missing, unmigrated or newer than this
    software, and in production mode (--production, or any address beyond this machine,
    or a proxy) without a secret key and an admin.
    """
    try:
        proxies = resolve("trusted_proxies", trusted_proxies)
        refresh = resolve("view_refresh", view_refresh)
        if demo and production:
            raise LandscapeError.of("U109", "--demo and --production exclude each other: the "
                                    "demo prints its admin password")
        production = production or (not demo and (not is_loopback(host) or proxies > 0))
        # Dash and the server load only when `landscape serve` runs.
        from survey.store import Store

        store = _demo_store(database_url) if demo else Store.open(database_url)
        if production:
            _check_production(store, explorer=not form_only)
        password = _demo_login(store) if demo and not form_only else None
        if not demo and not form_only and not production:
            _hint_users(store)
    except LandscapeError as exc:
        _fail(ctx, exc)
    if demo and demo_label is None:
        demo_label = "Demonstration: reconstructed and synthetic data, not the real responses"
    # Dash and the server load only when `landscape serve` runs.
    from dashboard.app import create_app

    try:
        app = create_app(store, demo_label=demo_label, explorer=not form_only,
                         trusted_proxies=proxies)
    except LandscapeError as exc:
        _fail(ctx, exc)
    stopped = threading.Event()  # set when the server stops: the warming ends with it
    if not form_only:
        # Dash and the server load only when `landscape serve` runs.
        from dashboard.page_views import keep_views_warm

        # The first visitor, and the first after new data, finds the default views
        # computed (kept per data revision).
        threading.Thread(target=keep_views_warm, args=(store, refresh, stopped),
                         name="warm-views", daemon=True).start()
    if SETTINGS["secret_key"].env not in os.environ:
        click.echo(f"Note: {SETTINGS['secret_key'].env} is not set, so a random key signs "
                   "form pages and sign-ins: they expire when the server restarts.", err=True)
    server = wsgi_server_name()
    click.echo(f"Serving on http://{host}:{port}/ with {server} (store {store.url}); "
               "Ctrl+C stops.", err=True)
    if password is not None:
        click.echo(f"\n  Demo login (admin): name {DEMO_ADMIN}  password {password}\n"
                   f"  Sign in at http://{host}:{port}/login - a new password is made at "
                   "every start.\n", err=True)
    # Everything loaded so far (Dash, the app, the modules) lives as long as the server:
    # moved out of the collector's sight, full collections stop re-scanning it while a
    # visitor waits (they took a tenth of a second of a first load at 100,000).
    gc.freeze()
    try:
        if server == "waitress":
            # Dash and the server load only when `landscape serve` runs.
            import waitress

            waitress.serve(app.server, host=host, port=port, threads=threads)
        else:
            app.server.run(host=host, port=port, threaded=True)
    finally:
        stopped.set()
