"""Who may see what in the explorer: one table, checked by the server everywhere.

Roles, least to most: ``anonymous`` (not signed in: the public view), ``viewer``,
``analyst``, ``admin``; each sees what the one before it sees, and more.

- :data:`PAGE_ROLES` names the least role for each page. A page not listed is for
  admins only (deny by default): add a row when adding a page.
- A callback is for the pages its outputs belong to: a component ``<page>-…`` (or a
  pattern-matching id whose ``type`` is ``<page>-…``) belongs to the page ``/<page>``;
  :data:`COMPONENT_ROLES` raises the bar for parts of a page (longest prefix wins).
  Dash's page router (output ``_pages_content``) is checked against the page it is
  asked to render. Components of no page are for admins only.
- :data:`CAPABILITIES` names the least role for what a page shows or does inside a
  page: internal (unsuppressed) figures, quotes, survey-derived network ties,
  internal exports, fieldwork data, user management. Pages ask :func:`allowed` and
  call :func:`require` before acting (403 otherwise).

:func:`install_access` enforces the tables on the server: a page address above the
visitor's role redirects an anonymous visitor to ``/login`` and answers 403 to a
signed-in one; a callback request above it answers 403 whatever the browser shows.
Anonymous visitors see figures under :func:`disclosure_policy` (disclosure control on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import abort, current_app, has_request_context
from flask_login import current_user

from survey.export.disclosure import DisclosurePolicy
from survey.store import Store
from survey.store.users import record_audit

__all__ = [
    "ANONYMOUS",
    "CAPABILITIES",
    "COMPONENT_ROLES",
    "PAGE_ROLES",
    "ROLE_ORDER",
    "allowed",
    "audit_export",
    "callback_role",
    "component_role",
    "current_role",
    "current_user_name",
    "disclosure_policy",
    "page_allowed",
    "page_role",
    "require",
    "role_at_least",
    "router_address",
    "router_request",
]

#: The role of a visitor who is not signed in.
ANONYMOUS = "anonymous"
#: Every role, least to most.
ROLE_ORDER: tuple[str, ...] = (ANONYMOUS, "viewer", "analyst", "admin")

#: The least role for each page, by path. Not listed: admins only.
PAGE_ROLES: Mapping[str, str] = {
    "/": ANONYMOUS,
    "/overview": ANONYMOUS,
    "/priorities": ANONYMOUS,
    "/network": ANONYMOUS,
    "/instruments": ANONYMOUS,
    # Public files for everyone; internal ones only with "internal_export" (analyst up).
    "/downloads": ANONYMOUS,
    # Tables under the visitor's disclosure policy; quotes for analysts (COMPONENT_ROLES).
    "/barriers": ANONYMOUS,
    # Public view under disclosure control (survey.export.report_compare); staff see all.
    "/compare": ANONYMOUS,
    # Fieldwork data: the frame, the funnel, the reminder list.
    "/monitor": "admin",
    "/fieldwork": "admin",
    # User management: who can sign in, and the audit log.
    "/users": "admin",
}

#: Parts of a page that need more than the page (component id prefix -> least role).
COMPONENT_ROLES: Mapping[str, str] = {
    "barriers-quotes": "analyst",
}

#: The least role for each thing a page may show or do.
CAPABILITIES: Mapping[str, str] = {
    "internal_figures": "viewer",
    "quotes": "analyst",
    "survey_ties": "analyst",
    "internal_export": "analyst",
    "fieldwork": "admin",
    "manage_users": "admin",
}

# Dash's page router: its output, and the input carrying the address it renders.
_ROUTER_OUTPUT = "_pages_content"
_ROUTER_LOCATION = "_pages_location"
# Dash's own page-machinery components (the title store): no data of ours.
_DASH_INTERNAL = ("_pages_store", "_pages_dummy")


def _rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER)


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` may see what ``needed`` may (an unknown role: nothing above public).

    Examples
    --------
    >>> role_at_least("analyst", "viewer"), role_at_least("viewer", "analyst")
    (True, False)
    >>> role_at_least("superuser", "viewer")
    False
    """
    if role not in ROLE_ORDER:
        role = ANONYMOUS
    return _rank(role) >= _rank(needed)


def current_role() -> str:
    """The role of the visitor of the current request (``anonymous`` outside one)."""
    if not has_request_context() or not hasattr(current_app, "login_manager"):
        return ANONYMOUS
    user = current_user
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    role = str(getattr(user, "role", ANONYMOUS))
    return role if role in ROLE_ORDER else ANONYMOUS


def current_user_name() -> str | None:
    """The signed-in user's name, or None for an anonymous visitor."""
    if current_role() == ANONYMOUS:
        return None
    return str(current_user.name)


def allowed(capability: str, role: str | None = None) -> bool:
    """Whether ``role`` (default: the current visitor's) has ``capability``.

    Examples
    --------
    >>> allowed("quotes", "viewer"), allowed("quotes", "analyst")
    (False, True)
    >>> allowed("internal_figures", "anonymous")
    False
    """
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}; see dashboard.access.CAPABILITIES")
    return role_at_least(current_role() if role is None else role, CAPABILITIES[capability])


def require(capability: str) -> None:
    """Abort the request with 403 unless the current visitor has ``capability``."""
    if not allowed(capability):
        abort(403)


def disclosure_policy(role: str | None = None) -> DisclosurePolicy:
    """The disclosure policy of what ``role`` (default: the current visitor) sees.

    Anonymous visitors get the public policy (threshold and secondary suppression);
    staff see internal figures.

    Examples
    --------
    >>> disclosure_policy("anonymous").public, disclosure_policy("viewer").public
    (True, False)
    """
    return DisclosurePolicy(public=not allowed("internal_figures", role))


def page_role(path: str) -> str:
    """The least role for the page at ``path`` (admin for a page not in :data:`PAGE_ROLES`).

    Examples
    --------
    >>> page_role("/monitor"), page_role("/priorities/"), page_role("/new-page")
    ('admin', 'anonymous', 'admin')
    """
    clean = "/" + path.strip("/")
    return PAGE_ROLES.get(clean, "admin")


def page_allowed(path: str, role: str | None = None) -> bool:
    """Whether ``role`` (default: the current visitor) may open the page at ``path``:
    for navigation and links into pages (the server checks every request regardless).

    Examples
    --------
    >>> page_allowed("/monitor", "analyst"), page_allowed("/monitor", "admin")
    (False, True)
    """
    return role_at_least(current_role() if role is None else role, page_role(path))


def _component_key(component: Any) -> str | None:
    if isinstance(component, str):
        return component
    if isinstance(component, Mapping) and isinstance(component.get("type"), str):
        return str(component["type"])
    return None


def component_role(component: Any) -> str:
    """The least role for a callback writing to ``component`` (an id: text or pattern).

    Examples
    --------
    >>> component_role("priorities-content"), component_role({"type": "monitor-x"})
    ('anonymous', 'admin')
    >>> component_role("barriers-quotes-table"), component_role("nobody-knows")
    ('analyst', 'admin')
    """
    key = _component_key(component)
    if key is None:
        return "admin"
    if key in _DASH_INTERNAL:
        return ANONYMOUS
    prefixes = [p for p in COMPONENT_ROLES if key.startswith(p)]
    if prefixes:
        return COMPONENT_ROLES[max(prefixes, key=len)]
    page = key.split("-", 1)[0]
    return page_role("/" + page) if "-" in key else "admin"


def _outputs(body: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    outputs = body.get("outputs")
    stack: list[Any] = [outputs]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, Mapping):
            yield item


def router_request(body: Mapping[str, Any]) -> bool:
    """Whether the callback request ``body`` asks Dash's page router for a page."""
    return any(output.get("id") == _ROUTER_OUTPUT for output in _outputs(body))


def router_address(body: Mapping[str, Any]) -> str:
    """The address a page-router request asks for (``/`` when it names none)."""
    for entry in body.get("inputs") or []:
        if (isinstance(entry, Mapping) and entry.get("id") == _ROUTER_LOCATION
                and entry.get("property") == "pathname"):
            value = entry.get("value")
            return value if isinstance(value, str) else "/"
    return "/"


def callback_role(body: Mapping[str, Any],
                  page_of: Callable[[str], str | None] | None = None) -> str:
    """The least role for the callback request ``body`` (the JSON Dash posts).

    The highest role any of its outputs needs. Dash's page router needs the role of
    the page it would render for the address it is sent: ``page_of(address)`` names
    that page's path, or None for an address that is no page (which renders only "not
    found"); by default the address itself is taken as the page.

    Examples
    --------
    >>> callback_role({"outputs": {"id": "priorities-content", "property": "children"}})
    'anonymous'
    >>> callback_role({"outputs": [{"id": "_pages_content", "property": "children"},
    ...                            {"id": "_pages_store", "property": "data"}],
    ...                "inputs": [{"id": "_pages_location", "property": "pathname",
    ...                            "value": "/monitor"}]})
    'admin'
    >>> callback_role({"outputs": []})
    'admin'
    """
    needed: list[str] = []
    for output in _outputs(body):
        component = output.get("id")
        if component == _ROUTER_OUTPUT:
            address = router_address(body)
            page = page_of(address) if page_of is not None else address
            needed.append(ANONYMOUS if page is None else page_role(page))
        else:
            needed.append(component_role(component))
    if not needed:
        return "admin"
    return max(needed, key=_rank)


def audit_export(store: Store, what: str) -> None:
    """Record in the audit log that the signed-in visitor downloaded ``what``.

    Anonymous downloads (public figures only) are not recorded: an anonymous visitor
    must not be able to grow the store at will.
    """
    name = current_user_name()
    if name is not None:
        record_audit(store, name, "export", what)
