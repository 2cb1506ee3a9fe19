"""HTTP hardening of the one server that carries the explorer and the respondent form.

One place decides, for every response of the server:

- the security headers (``X-Content-Type-Options``, ``X-Frame-Options`` with CSP
  ``frame-ancestors``, ``Referrer-Policy`` and a Content-Security-Policy: on the
  respondent form :data:`FORM_CSP`, which allows no script at all, with no caching
  and no referrer; elsewhere the explorer's, which allows only our scripts plus the
  hashes of Dash's inline start-up scripts);
- that state-changing requests from another site are refused (403): a
  ``Sec-Fetch-Site: cross-site`` header, or an ``Origin`` that is not this server's;
- that unknown explorer addresses answer 404 (Dash's catch-all would answer 200);
- that a callback request Dash cannot decode answers 400, not 500, that one above the
  visitor's role is refused (the ``authorise`` check), and that a server
  without the explorer (``serve --form-only``) serves no callbacks at all (404);
- that, behind a TLS-terminating proxy (the ``trusted_proxies`` setting), the
  client's scheme is honoured so cookies are marked ``Secure``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import dash
from dash.exceptions import UnsupportedRelativePath
from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

__all__ = ["EXPLORER_CSP_BASE", "FORM_CSP", "cross_site", "install_security", "page_path_known"]

#: The explorer's policy before the script hashes are added. Plotly needs inline
#: ``style`` attributes and WebGL traces (scattergl) compile shaders with ``eval``.
EXPLORER_CSP_BASE = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-eval'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: The Content-Security-Policy of every form page: no scripts, our own stylesheet only.
FORM_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")

_FORM_HEADERS = {
    "Content-Security-Policy": FORM_CSP,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Server-rendered pages with no script: the survey form, and signing in and out.
_STRICT_BLUEPRINTS = ("form", "access")

_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

# Paths Dash itself serves (the catch-all sits behind them).
_DASH_PREFIXES = ("_dash-", "_reload-hash", "_favicon.ico", "assets/")


def _explorer_csp(app: dash.Dash) -> str:
    directives = dict(EXPLORER_CSP_BASE)
    hashes = " ".join(app.csp_hashes())  # each already quoted: 'sha256-…'

    directives["script-src"] = f"{directives['script-src']} {hashes}".strip()
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _template_regex(template: str) -> re.Pattern[str]:
    # Dash page templates name variables as <name>; each matches one path segment.
    parts = re.split(r"(<[^<>/]+>)", template)
    body = "".join("[^/]+" if p.startswith("<") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


def page_path_known(path: str, pages: list[dict[str, Any]]) -> bool:
    """Whether ``path`` (starting with ``/``) is the address of a registered page.

    Examples
    --------
    >>> pages = [{"relative_path": "/", "path_template": None},
    ...          {"relative_path": "/priorities", "path_template": None},
    ...          {"relative_path": "/org/none", "path_template": "/org/<key>"}]
    >>> page_path_known("/priorities", pages), page_path_known("/priorities/", pages)
    (True, True)
    >>> page_path_known("/org/wmca", pages), page_path_known("/nope", pages)
    (True, False)
    """
    for page in pages:
        template = page.get("path_template")
        if template and _template_regex(template).match(path):
            return True
        relative = str(page.get("relative_path") or "")
        if path.rstrip("/") == relative.rstrip("/") or path in (page.get("redirect_from") or ()):
            return True
    return False


def cross_site(method: str, headers: Any, host_url: str) -> bool:
    """Whether a request changes state on behalf of another site (and must be refused).

    ``host_url`` is this server's address as the client used it (``request.host_url``).

    Examples
    --------
    >>> cross_site("POST", {"Sec-Fetch-Site": "cross-site"}, "http://a.test/")
    True
    >>> cross_site("POST", {"Origin": "http://evil.test"}, "http://a.test/")
    True
    >>> cross_site("POST", {"Origin": "http://a.test", "Sec-Fetch-Site": "same-origin"},
    ...            "http://a.test/")
    False
    >>> cross_site("GET", {"Sec-Fetch-Site": "cross-site"}, "http://a.test/")
    False
    """
    if method.upper() not in _STATE_CHANGING:
        return False
    fetch_site = headers.get("Sec-Fetch-Site")
    if fetch_site is not None:  # sent by every current browser: it decides
        return str(fetch_site).lower() == "cross-site"
    origin = headers.get("Origin")
    if origin is None or str(origin) == "null":
        # Not sent by older browsers or other clients, and "null" under the form's
        # no-referrer policy: the signed token decides.
        return False
    return bool(str(origin).rstrip("/").lower() != host_url.rstrip("/").lower())


def _callback_endpoint(app: dash.Dash) -> str:
    return f"{app.config.routes_pathname_prefix}_dash-update-component"


def _guard_callbacks(app: dash.Dash, server: Flask, *, explorer: bool,
                     authorise: Callable[[dict[str, Any]], Any] | None) -> None:
    endpoint = _callback_endpoint(app)
    dispatch: Callable[..., Any] = server.view_functions[endpoint]

    def refused() -> Any:
        abort(404)

    def guarded() -> Any:
        body = request.get_json(silent=True)
        known = set(app.callback_map)
        if (not isinstance(body, dict) or not isinstance(body.get("output"), str)
                or body["output"] not in known
                or not isinstance(body.get("inputs", []), list)
                or not isinstance(body.get("state", []), list)
                or not isinstance(body.get("outputs", {}), dict | list)):
            return jsonify(error="not a callback request this server knows"), 400
        refusal = authorise(body) if authorise is not None else None
        if refusal is not None:
            return refusal
        try:
            return dispatch()
        except HTTPException:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError,
                UnsupportedRelativePath) as exc:
            # The request's shape or values did not fit the callback: the client's fault.
            app.logger.info("refused a malformed callback request: %s", type(exc).__name__)
            raise BadRequest("the callback request does not fit its inputs") from None

    guarded.__name__ = dispatch.__name__
    server.view_functions[endpoint] = guarded if explorer else refused


def install_security(app: dash.Dash, *, explorer: bool, trusted_proxies: int = 0,
                     authorise: Callable[[dict[str, Any]], Any] | None = None) -> None:
    """Harden ``app``'s Flask server (see the module docstring).

    ``authorise(body)`` decides whether the visitor may run a well-formed callback
    request: None lets it run, anything else is the response sent instead (a 403, or
    for a page the router may not render, a sign-in notice):
    :func:`dashboard.login.callback_authoriser`.

    Examples
    --------
    >>> app = dash.Dash("demo_security")
    >>> app.layout = dash.html.Div("hi")
    >>> install_security(app, explorer=True)
    >>> response = app.server.test_client().get("/")
    >>> response.headers["X-Content-Type-Options"], response.headers["X-Frame-Options"]
    ('nosniff', 'DENY')
    >>> app.server.test_client().post("/_dash-update-component", data="{").status_code
    400
    """
    server: Flask = app.server
    if trusted_proxies > 0:
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies,
            x_host=trusted_proxies, x_prefix=trusted_proxies)
    server.config["SESSION_COOKIE_SECURE"] = trusted_proxies > 0
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    _guard_callbacks(app, server, explorer=explorer, authorise=authorise)
    csp: list[str] = []  # computed on first use: Dash knows its scripts once set up

    catch_all = f"{app.config.routes_pathname_prefix}<path:path>"

    @server.before_request
    def _unknown_pages() -> Any:
        if request.method != "GET" or request.url_rule is None:
            return None
        if request.url_rule.rule != catch_all:
            return None
        path = "/" + (request.view_args or {}).get("path", "")
        if path.lstrip("/").startswith(_DASH_PREFIXES):
            return None
        if explorer and page_path_known(path, list(dash.page_registry.values())):
            return None
        return Response(app.index(), status=404, mimetype="text/html")

    @server.before_request
    def _refuse_cross_site() -> Any:
        if cross_site(request.method, request.headers, request.host_url):
            return Response("Refused: this request came from another site.", status=403,
                            mimetype="text/plain")
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        if request.blueprint in _STRICT_BLUEPRINTS:
            response.headers.update(_FORM_HEADERS)
        for name, value in _COMMON_HEADERS.items():
            response.headers.setdefault(name, value)
        if "Content-Security-Policy" not in response.headers:
            if not csp:
                csp.append(_explorer_csp(app))
            response.headers["Content-Security-Policy"] = csp[0]
        return response
