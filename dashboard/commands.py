"""``landscape serve``: run the explorer and the respondent form.

Registered with the ``landscape`` command through the ``landscape.commands``
entry point group (``serve = "dashboard.commands:serve_command"``), so the
``survey`` CLI never imports ``dashboard``. Importing this module is cheap: Dash
and the server are imported only when the command runs.
"""

from __future__ import annotations

import os

import click

from survey.errors import LandscapeError
from survey.settings import SETTINGS, click_option

__all__ = ["serve_command", "wsgi_server_name"]


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


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep 127.0.0.1 behind a reverse proxy.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--database", "--database-url", "database_url", default=None, metavar="URL",
              help=f"{SETTINGS['database_url'].help} [env {SETTINGS['database_url'].env}]")
@click.option("--demo-label", default=None,
              help="Show this label on every page, e.g. for a store of synthetic data.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (waitress).")
@click.option("--form-only", is_flag=True,
              help="Serve the respondent form without the explorer. The explorer has no "
                   "login and shows unsuppressed figures: use this for a server that "
                   "respondents reach, and keep the explorer on a private address.")
@click_option("trusted_proxies")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, database_url: str | None,
                  demo_label: str | None, threads: int, form_only: bool,
                  trusted_proxies: int | None) -> None:
    """Serve the explorer and the survey form (invitation and open links).

    Uses waitress when installed, otherwise Flask's development server. Refuses
    to start on a store that is missing, unmigrated or newer than this software.
    """
    try:
        # Dash and the server load only when `landscape serve` runs.
        from survey.store import Store

        store = Store.open(database_url)
    except LandscapeError as exc:
        for problem in exc.issues:
            click.echo(f"Error: {problem}", err=True)
        ctx.exit(2)
    # Dash and the server load only when `landscape serve` runs.
    from dashboard.app import create_app

    try:
        app = create_app(store, demo_label=demo_label, explorer=not form_only,
                         trusted_proxies=trusted_proxies)
    except LandscapeError as exc:
        for problem in exc.issues:
            click.echo(f"Error: {problem}", err=True)
        ctx.exit(2)
    if SETTINGS["secret_key"].env not in os.environ:
        click.echo(f"Note: {SETTINGS['secret_key'].env} is not set, so a random key signs "
                   "form pages: pages open in a browser expire when the server restarts.",
                   err=True)
    server = wsgi_server_name()
    click.echo(f"Serving on http://{host}:{port}/ with {server} (store {store.url}); "
               "Ctrl+C stops.", err=True)
    if server == "waitress":
        # Dash and the server load only when `landscape serve` runs.
        import waitress

        waitress.serve(app.server, host=host, port=port, threads=threads)
    else:
        app.server.run(host=host, port=port, threaded=True)
