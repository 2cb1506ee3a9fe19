"""The Dash app factory: the explorer and the respondent web form on one server.

:func:`create_app` builds a :class:`dash.Dash` app whose Flask server
(``app.server``) also serves the respondent form (:mod:`dashboard.form`). Explorer
pages are Dash "pages": modules in ``dashboard/pages/`` that call
``dash.register_page(__name__, ...)``; they reach the store through
:func:`current_store` (inside a request or callback) and must label synthetic
data with :func:`current_demo_label`.
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Any, cast

import dash
from dash import html
from flask import Flask, current_app, redirect

from dashboard.access import current_role, current_user_name, page_allowed
from dashboard.form import form_blueprint
from dashboard.login import callback_authoriser, install_login
from dashboard.security import install_security
from survey.settings import resolve
from survey.store import Store

__all__ = ["PAGES_FOLDER", "create_app", "current_demo_label", "current_store"]

#: Where explorer page modules live.
PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
_EXTENSION = "landscape"


def _has_pages(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix == ".py" and not p.name.startswith("_")
                                   for p in folder.iterdir())


def _account() -> Any:
    # Plain links to server-rendered pages: signing in and out are full page loads.
    name = current_user_name()
    if name is None:
        return html.P(html.A("Sign in", href="/login"), className="account")
    return html.P([f"Signed in as {name} ({current_role()}) · ",
                   html.A("Sign out", href="/logout")], className="account")


def _layout(demo_label: str | None, use_pages: bool) -> Any:
    banner = [html.P(demo_label, className="demo-label", role="note")] if demo_label else []
    account: list[Any] = []
    if use_pages:
        account = [_account()]
        # A page registered with nav=False (the home page's alias) is not linked; nor is
        # a page above the visitor's role (the server refuses it anyway).
        links = [html.Li(dash.dcc.Link(page["name"], href=page["relative_path"]))
                 for page in sorted(dash.page_registry.values(),
                                    key=lambda p: (p.get("order") is None, p.get("order") or 0))
                 if page.get("nav", True) and page_allowed(str(page["relative_path"]))]
        nav = cast(Any, html.Nav)  # aria-* props are not in Dash's type hints
        body: list[Any] = [nav(html.Ul(links), **{"aria-label": "Explorer pages"}),
                           dash.page_container]
    else:
        body = [html.P("This server carries the survey form only; it is "
                       "served at /respond/<token> and /open/<instrument>/<version>.")]
    return html.Div([
        html.Header([html.H1("Partnership Landscape"), *account]),
        *banner,
        html.Main(body, id="main"),
    ])


def create_app(store: Store | None = None, *, demo_label: str | None = None,
               pages_folder: Path | None = None, explorer: bool = True,
               trusted_proxies: int | None = None,
               max_request_bytes: int | None = None) -> dash.Dash:
    """Build the Dash app (explorer) with the respondent form on its Flask server.

    Parameters
    ----------
    store
        The response store. ``None`` opens the one named by the
        ``database_url`` setting (``LANDSCAPE_DATABASE_URL``), refusing an
        unmigrated or too-new schema (``LandscapeError`` ``S101``-``S103``).
    demo_label
        Shown on every page (explorer and form) when the store holds synthetic
        or demonstration data, e.g. ``"Demonstration: synthetic responses"``.
    pages_folder
        Where explorer page modules are (default ``dashboard/pages``); pages are
        switched on when it holds any ``*.py`` module not starting with ``_``.
    explorer
        False serves the respondent form only (no explorer pages, callbacks or
        logins). With the explorer, anonymous visitors get the public view and staff
        sign in at ``/login`` (:mod:`dashboard.access`, :mod:`dashboard.login`).
    trusted_proxies
        Reverse proxies to trust for the client's scheme (``None``: the
        ``trusted_proxies`` setting); see :func:`dashboard.security.install_security`.
    max_request_bytes
        The largest request body accepted (``None``: the ``max_request_bytes``
        setting); a larger one is answered 413 with a page saying what to do.

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> app = create_app(store, demo_label="Synthetic data")
    >>> app.server.test_client().get("/respond/no-such-token").status_code
    404
    """
    if store is None:
        store = Store.open()
    folder = PAGES_FOLDER if pages_folder is None else Path(pages_folder)
    use_pages = explorer and _has_pages(folder)
    server = Flask("dashboard")
    # Signs the form's CSRF tokens (and sessions): a random key when none is set.
    server.secret_key = resolve("secret_key") or secrets.token_urlsafe(32)
    # An anonymous visitor must not grow the store (or memory) at will.
    server.config["MAX_CONTENT_LENGTH"] = resolve("max_request_bytes", max_request_bytes)
    server.extensions[_EXTENSION] = {"store": store, "demo_label": demo_label,
                                     "instruments": {}}
    # Registered before Dash adds its catch-all page route.
    server.register_blueprint(form_blueprint())
    options: dict[str, Any] = {"use_pages": True, "pages_folder": str(folder)} \
        if use_pages else {}
    app = dash.Dash(
        "dashboard", server=cast(Any, server), title="Partnership Landscape",
        suppress_callback_exceptions=True, **options,
    )
    # The page's language, for screen readers and axe's html-has-lang (Dash's own
    # template has none).
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    # A function: the navigation and the account line depend on who asks.
    app.layout = functools.partial(_layout, demo_label, use_pages)
    _drop_repeated_page_callbacks()
    install_security(app, explorer=use_pages,
                     trusted_proxies=resolve("trusted_proxies", trusted_proxies),
                     authorise=callback_authoriser(app))
    if use_pages:
        install_login(app, store)
    # Browsers ask for /favicon.ico on pages Dash does not render (sign-in, the form):
    # send them to Dash's icon rather than a 404 in every console.
    server.add_url_rule("/favicon.ico", "favicon",
                        lambda: redirect(app.get_relative_path("/_favicon.ico"), code=301))
    return app


def _drop_repeated_page_callbacks() -> None:
    """Keep one registration per output of the page modules' ``dash.callback``s.

    Dash executes every page module afresh for each app it creates and each
    execution appends its callbacks to a process-wide list that the next app to
    serve a request takes over; building two apps in one process (tests, the
    doctests above) would otherwise hand one app each callback twice.
    """
    # Dash's private callback registry, touched only here.
    from dash import _callback

    seen: set[str] = set()
    kept: list[Any] = []
    for entry in reversed(_callback.GLOBAL_CALLBACK_LIST):
        if entry.get("output") in seen:
            continue
        seen.add(entry.get("output"))
        kept.append(entry)
    _callback.GLOBAL_CALLBACK_LIST[:] = reversed(kept)


def current_store() -> Store:
    """The store of the app handling the current request (for page callbacks).

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> app = create_app(store)
    >>> with app.server.app_context():
    ...     current_store() is store
    True
    """
    found: Store = current_app.extensions[_EXTENSION]["store"]
    return found


def current_demo_label() -> str | None:
    """The app's synthetic-data label (None for a real store), for pages to show.

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> with create_app(store, demo_label="Synthetic").server.app_context():
    ...     current_demo_label()
    'Synthetic'
    """
    label: str | None = current_app.extensions[_EXTENSION]["demo_label"]
    return label
