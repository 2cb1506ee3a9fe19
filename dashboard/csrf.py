"""The signed CSRF token shared by every server-rendered form (survey form, login, logout).

A random seed lives in an HttpOnly cookie; each form carries the seed signed with the
server's secret (itsdangerous), so a cookie an attacker plants cannot be paired with a
token they make up, as a plain double-submit cookie could.
"""

from __future__ import annotations

import hmac
import re
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, Signer
from werkzeug.wrappers import Response

__all__ = ["CSRF_COOKIE", "csrf_ok", "csrf_seed", "csrf_token", "set_csrf_cookie"]

#: The cookie holding the seed.
CSRF_COOKIE = "landscape_form_csrf"
_SEED = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def _signer() -> Signer:
    # Bound to the server's secret: a planted cookie cannot be paired with a made-up token.
    return Signer(current_app.secret_key or "", salt="landscape-form-csrf")


def csrf_seed() -> str:
    """The request's seed cookie when well formed, else a fresh random one."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    return seed if _SEED.match(seed) else secrets.token_urlsafe(32)


def csrf_token(seed: str) -> str:
    """The token a form carries for ``seed`` (its ``csrf_token`` hidden field)."""
    return _signer().sign(seed).decode()


def csrf_ok() -> bool:
    """Whether the posted ``csrf_token`` is the signed seed of the request's cookie."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    posted = request.form.get("csrf_token", "")
    if not seed or not posted:
        return False
    try:
        return hmac.compare_digest(_signer().unsign(posted).decode(), seed)
    except BadSignature:
        return False


def set_csrf_cookie(response: Response, seed: str) -> None:
    """Keep ``seed`` in the browser (HttpOnly, SameSite=Lax, Secure over HTTPS)."""
    response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/")
