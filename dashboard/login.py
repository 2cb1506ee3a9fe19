"""Signing in to the explorer, and the server-side checks of :mod:`dashboard.access`.

:func:`install_login` adds to the explorer's Flask server:

- ``/login`` (a server-rendered, escaped form with the signed CSRF token of
  :mod:`dashboard.csrf`; no script) and ``/logout`` (a POST with the token);
- flask-login sessions in Flask's signed session cookie (HttpOnly, SameSite=Lax,
  Secure behind a TLS-terminating proxy: see :mod:`dashboard.security`). A session
  names the user and a fingerprint of their password hash, so removing a user or
  changing their password ends their sessions; the role is read afresh on every
  request; a sign-in lasts :data:`SESSION_HOURS` (the cookie's signed age is checked);
- a limit on login attempts (flask-limiter, in-memory): :data:`LOGIN_LIMIT` per
  address and user name, :data:`ADDRESS_LIMIT` per address, answered by a 429 page;
- the page check: an explorer page above the visitor's role redirects an anonymous
  visitor to ``/login`` and answers 403 to a signed-in one.

The callback check is :func:`callback_authoriser`, run by
:func:`dashboard.security.install_security` on every callback request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import dash
from dash import html
from dash.exceptions import UnsupportedRelativePath
from flask import (
    Blueprint,
    Flask,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import LoginManager, UserMixin, login_user, logout_user
from plotly.io.json import to_json_plotly
from werkzeug.exceptions import Forbidden

from dashboard.access import (
    ANONYMOUS,
    callback_role,
    current_role,
    current_user_name,
    page_role,
    role_at_least,
    router_address,
    router_request,
)
from dashboard.csrf import csrf_ok, csrf_seed, csrf_token, set_csrf_cookie
from survey.store import Store
from survey.store.users import UserRecord, check_login, find_user

__all__ = ["ADDRESS_LIMIT", "LOGIN_LIMIT", "SESSION_HOURS", "callback_authoriser", "install_login",
           "safe_next"]

#: Login attempts allowed per client address and user name.
LOGIN_LIMIT = "5 per minute"
#: How long a sign-in lasts.
SESSION_HOURS = 8
#: Login attempts allowed per client address, whatever the names tried.
ADDRESS_LIMIT = "20 per minute"
_TEMPLATES = Path(__file__).resolve().parent / "templates"
# Not in the page table, so it needs the highest role.
_NO_SUCH_PAGE = "/?"
_DASH_PREFIXES = ("_dash-", "_reload-hash", "_favicon.ico", "assets/")


class _Visitor(UserMixin):
    """A signed-in user as flask-login holds them."""

    def __init__(self, record: UserRecord) -> None:
        self.name = record.name
        self.role = record.role
        self.session_key = record.session_key

    def get_id(self) -> str:
        return f"{self.name}:{self.session_key}"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this server, else the home page.

    Examples
    --------
    >>> safe_next("/monitor?x=1"), safe_next("//evil.test/"), safe_next("https://evil.test")
    ('/monitor?x=1', '/', '/')
    >>> safe_next("/\\\\evil.test"), safe_next(None)
    ('/', '/')
    """
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 32 for c in value):
        return "/"
    return value


def _router_refusal(page: str, needed: str) -> Response:
    """What Dash's page router gets for a page above the visitor's role: a notice in
    place of the page (a 403 would leave the previous page on screen, unexplained)."""
    anonymous = current_role() == ANONYMOUS
    title = "Sign in to see this page" if anonymous else "Not available to your role"
    body: list[Any] = [html.H2(title), html.P(
        f"This page is for staff with the {needed} role or above; nothing of it was sent.")]
    if anonymous:
        body.append(html.P(html.A("Sign in", href="/login?" + urlencode({"next": page}))))
    payload = {"multi": True, "response": {
        "_pages_content": {"children": html.Div(body, id="access-refused")},
        "_pages_store": {"data": {"title": f"{title} – Partnership Landscape"}}}}
    return Response(to_json_plotly(payload), status=200, mimetype="application/json")


def callback_authoriser(app: dash.Dash) -> Callable[[Mapping[str, Any]], Response | None]:
    """The check :func:`dashboard.security.install_security` runs on every callback
    request of ``app``: None when the visitor's role may run it, else the refusal (403;
    for the page router, a notice in place of the page, carrying nothing of it)."""
    # Dash's own matcher, so the page checked and the page rendered never disagree.
    from dash._pages import _path_to_page

    def routed_page(address: str) -> str | None:
        try:
            page, _variables = _path_to_page(app.strip_relative_path(address) or "")
        except UnsupportedRelativePath:
            return _NO_SUCH_PAGE  # Dash cannot route it either; refused all the same
        return str(page["path"]) if page else None

    def authorise(body: Mapping[str, Any]) -> Response | None:
        needed = callback_role(body, routed_page)
        if role_at_least(current_role(), needed):
            return None
        if router_request(body):
            page = routed_page(router_address(body))
            return _router_refusal(page or "/", needed)
        return Response('{"error": "not allowed for your role"}', status=403,
                        mimetype="application/json")

    return authorise


def _page(template: str, status: int, **context: Any) -> Response:
    seed = csrf_seed()
    html = render_template(f"access/{template}", csrf_token=csrf_token(seed),
                           user=current_user_name(), role=current_role(), **context)
    response = make_response(html, status)
    set_csrf_cookie(response, seed)
    return response


def _login_key() -> str:
    name = request.form.get("name", "")[:64].strip().lower()
    return f"{request.remote_addr}|{name}"


def _forbidden_page(needed: str | None) -> Response:
    body = (f"This page needs the {needed} role or above." if needed
            else "This needs a role above yours.")
    return _page("message.html", 403, title="Not available to your role", body=body,
                 link="/", link_text="Back to the explorer")


def _blueprint(store: Store, limiter: Limiter) -> Blueprint:
    bp = Blueprint("access", __name__, template_folder=str(_TEMPLATES))

    def login_form() -> Response:
        return _page("login.html", 200, next=safe_next(request.args.get("next")),
                     problem=None, name="")

    @limiter.limit(ADDRESS_LIMIT, methods=["POST"])
    @limiter.limit(LOGIN_LIMIT, key_func=_login_key, methods=["POST"])
    def login_post() -> Response:
        target = safe_next(request.form.get("next"))
        name = request.form.get("name", "")[:64]
        if not csrf_ok():
            return _page("login.html", 400, next=target, name=name,
                         problem="This form had expired. Please sign in again.")
        record = check_login(store, name.strip(), request.form.get("password", ""))
        if record is None:
            return _page("login.html", 401, next=target, name=name,
                         problem="That name and password do not match an account.")
        login_user(_Visitor(record))
        session.permanent = True  # expires after SESSION_HOURS, checked by the signature
        return redirect(target, code=303)  # type: ignore[return-value]

    def login() -> Response:
        return login_post() if request.method == "POST" else login_form()

    def logout() -> Response:
        if request.method == "POST":
            if not csrf_ok():
                return _page("message.html", 400, title="Please try again",
                             body="This form had expired.", link="/logout",
                             link_text="Sign out")
            logout_user()
            return redirect("/", code=303)  # type: ignore[return-value]
        return _page("logout.html", 200)

    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
    return bp


def _guard_pages(app: dash.Dash, server: Flask) -> None:
    prefix = app.config.routes_pathname_prefix
    index_rules = {prefix, f"{prefix}<path:path>"}

    @server.before_request
    def _page_roles() -> Any:
        if request.method not in ("GET", "HEAD") or request.url_rule is None:
            return None
        if request.url_rule.rule not in index_rules:
            return None
        path = "/" + (request.view_args or {}).get("path", "")
        if path.lstrip("/").startswith(_DASH_PREFIXES):
            return None
        needed = page_role(path)
        role = current_role()
        if role_at_least(role, needed):
            return None
        if role == ANONYMOUS:
            return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))
        return _forbidden_page(needed)


def install_login(app: dash.Dash, store: Store) -> None:
    """Add logins, sessions, the login limit and the page check to ``app``'s server."""
    server: Flask = app.server
    # Flask checks the signed cookie's age on every request, so a copied cookie dies too.
    server.permanent_session_lifetime = timedelta(hours=SESSION_HOURS)
    # The cookie is sent only when the session changes (sign-in, sign-out): refreshed on
    # every response, a callback answered after a sign-out would sign the browser back in.
    server.config["SESSION_REFRESH_EACH_REQUEST"] = False
    manager = LoginManager()
    manager.init_app(server)

    @manager.user_loader
    def _load(user_id: str) -> _Visitor | None:
        name, _, key = user_id.partition(":")
        record = find_user(store, name)
        if record is None or record.session_key != key:
            return None
        return _Visitor(record)

    limiter = Limiter(lambda: str(request.remote_addr), app=server, storage_uri="memory://",
                      headers_enabled=False)
    server.register_blueprint(_blueprint(store, limiter))

    @server.errorhandler(RateLimitExceeded)
    def _too_many(_exc: RateLimitExceeded) -> Response:
        return _page("message.html", 429, title="Too many sign-in attempts",
                     body="Too many attempts to sign in from here. Wait a minute, then try "
                          "again.", link="/login", link_text="Sign in")

    @server.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Any:
        if request.path.endswith("_dash-update-component"):
            return {"error": "not allowed for your role"}, 403
        return _forbidden_page(None)

    _guard_pages(app, server)
