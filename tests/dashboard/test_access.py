"""Logins and roles in the explorer (issue 11, Access): enforced on the server.

Every role (and the anonymous visitor) against every page address, every callback
(posted directly to ``/_dash-update-component``, as an attacker would) and every
download; signing in and out through the real forms; the login limit; the CSRF token.
"""

from __future__ import annotations

import doctest
import importlib
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

import dashboard.access
from dashboard.access import PAGE_ROLES, ROLE_ORDER, role_at_least
from dashboard.app import create_app
from dashboard.login import SESSION_HOURS
from dashboard.security import FORM_CSP
from survey.store import Store
from survey.store.users import add_user, audit_entries, remove_user, set_password
from tests.dashboard.conftest import TEST_PASSWORD, sign_in

ROLES = ROLE_ORDER  # anonymous, viewer, analyst, admin
#: The explorer's pages today and the least role each needs (the table, restated).
PAGES = {"/": "anonymous", "/priorities": "anonymous", "/network": "anonymous",
         "/compare": "anonymous", "/barriers": "anonymous", "/monitor": "admin", "/users": "admin"}
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
BARRIERS_OUTPUT = "..barriers-content.children...barriers-cooccurrence-content.children.."
FILTERS = ("instrument", "version", "nation", "region", "organisation_type", "path")


@pytest.mark.parametrize("name", ["dashboard.access", "dashboard.login"])
def test_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# the demo store comes from tests/dashboard/conftest.py; sign-ins use cheap hashes here
pytestmark = pytest.mark.usefixtures("fast_passwords")


def _client(store: Store, role: str) -> Any:
    client = create_app(store).server.test_client()
    if role != "anonymous":
        sign_in(client, store, role)
    client.get("/")  # Dash adds its page router on the first request
    return client


def _outputs_of(key: str) -> list[dict[str, Any]]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        outputs.append({"id": json.loads(component) if component.startswith("{") else component,
                        "property": prop.split("@")[0]})
    return outputs


def _post(client: Any, output: str, inputs: list[dict[str, Any]],
          state: list[dict[str, Any]] | None = None) -> Any:
    outputs: Any = _outputs_of(output)
    body = {"output": output, "outputs": outputs[0] if len(outputs) == 1 else outputs,
            "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    return client.post("/_dash-update-component", json=body)


def _router(client: Any, path: str) -> Any:
    return _post(client, ROUTER_OUTPUT, [
        {"id": "_pages_location", "property": "pathname", "value": path},
        {"id": "_pages_location", "property": "search", "value": ""}])


def test_the_table_covers_every_page_registered() -> None:
    """Every page the app registers has a row (a page without one is admin-only)."""
    import dash

    create_app(_empty_store())  # runs the page modules, which register the pages
    registered = {str(p["relative_path"]) for p in dash.page_registry.values()}
    assert registered <= set(PAGE_ROLES)
    assert {path: PAGE_ROLES[path] for path in PAGES} == PAGES


def _empty_store() -> Store:
    store = Store.open("sqlite://", check=False)
    store.upgrade()
    return store


# -- pages by address ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages_by_address(store: Store, role: str) -> None:
    client = _client(store, role)
    for path, needed in PAGES.items():
        response = client.get(path)
        assert client.head(path).status_code == response.status_code
        if role_at_least(role, needed):
            assert response.status_code == 200, (role, path)
        elif role == "anonymous":
            assert response.status_code == 302, path
            assert response.headers["Location"] == f"/login?next=%2F{path.strip('/')}"
        else:
            assert response.status_code == 403, (role, path)
            text = response.get_data(as_text=True)
            assert f"needs the {needed} role" in text and "test-" + role in text


@pytest.mark.parametrize("role", ROLES)
def test_the_page_router_callback_refuses_pages_above_the_role(store: Store, role: str) -> None:
    """Dash renders a page's content in a callback: asking it directly is refused too."""
    client = _client(store, role)
    for path, needed in PAGES.items():
        response = _router(client, path)
        assert response.status_code == 200, (role, path)
        text = json.dumps(response.get_json())
        if role_at_least(role, needed):
            assert "access-refused" not in text, (role, path)
        else:  # a notice in place of the page, and nothing of the page
            refused = response.get_json()["response"]["_pages_content"]["children"]
            assert refused["props"]["id"] == "access-refused", (role, path)
            assert f"the {needed} role or above" in text
            assert ("/login?next=" in text) == (role == "anonymous")
            assert "monitor-funnel" not in text and "priorities-content" not in text
    # An address that is no page renders only "not found", for anyone.
    assert _router(client, "/no-such-page").status_code == 200
    # Spellings of an address that Dash's router still renders as the monitor.
    for variant in ("/monitor/", "//monitor//"):
        text = _router(client, variant).get_data(as_text=True)
        assert ("monitor-funnel" in text) == (role == "admin"), variant
        assert ("access-refused" in text) == (role != "admin"), variant
    # One Dash cannot route (no leading slash): refused, never a server error.
    unroutable = _router(client, "monitor")
    assert unroutable.status_code == 400 if role == "admin" else \
        "access-refused" in unroutable.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_callbacks_are_refused_above_the_role(store: Store, role: str) -> None:
    app = create_app(store)
    client = app.server.test_client()
    if role != "anonymous":
        sign_in(client, store, role)
    client.get("/")
    # The monitor's refresh, whatever else it redraws besides monitor-content.
    (key,) = [k for k in app.callback_map if "monitor-content.children" in k]
    monitor = _post(client, key, [
        {"id": "monitor-refresh", "property": "n_intervals", "value": 1},
        {"id": "monitor-instrument", "property": "value", "value": None}])
    assert monitor.status_code == (200 if role == "admin" else 403)
    if role != "admin":
        assert "monitor-due" not in monitor.get_data(as_text=True)
    barriers = _post(client, BARRIERS_OUTPUT, [
        {"id": "barriers-by", "property": "data", "value": "nation"}])
    assert barriers.status_code == 200
    # by nation is for staff: the public view gets the refusal, and no figures
    assert ("X108" in barriers.get_data(as_text=True)) is (role == "anonymous")
    priorities = _post(client, "priorities-content.children", [
        {"id": "priorities-by", "property": "data", "value": "instrument"},
        {"id": "priorities-question", "property": "value", "value": None},
        *[{"id": f"priorities-filter-{f}", "property": "value", "value": None}
          for f in FILTERS]])
    assert priorities.status_code == 200


def test_a_callback_for_components_of_no_known_page_is_for_admins_only(store: Store) -> None:
    for role in ROLES:
        response = _post(_client(store, role), "secret-thing.children", [
            {"id": "priorities-by", "property": "data", "value": "x"}])
        # Not a callback this server has: 400 before any role is considered.
        assert response.status_code == 400
    assert dashboard.access.component_role("secret-thing") == "admin"
    assert dashboard.access.component_role({"type": "monitor-row", "index": 1}) == "admin"


# -- what each role sees inside a public page ------------------------------------------


def _priorities(client: Any, by: str) -> str:
    response = _post(client, "priorities-content.children", [
        {"id": "priorities-by", "property": "data", "value": by},
        {"id": "priorities-question", "property": "value", "value": None},
        *[{"id": f"priorities-filter-{f}", "property": "value", "value": None}
          for f in FILTERS]])
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_anonymous_visitors_see_figures_under_disclosure_control(store: Store) -> None:
    anonymous, viewer = _client(store, "anonymous"), _client(store, "viewer")
    public = _priorities(anonymous, "instrument")
    assert "[c]" in public and "Shares based on fewer than 5 respondents are suppressed" in public
    internal = _priorities(viewer, "region")
    assert "[c]" not in internal and "No suppression applied (internal view)" in internal
    # A public grouping the release check refuses (small regions) shows the refusal, no table.
    refused = _priorities(anonymous, "region")
    assert "X108" in refused and "band-table" not in refused
    # The layout rendered on the server (no callback) follows the same rule.
    layout = _router(anonymous, "/priorities").get_data(as_text=True)
    assert "Shares based on fewer than 5 respondents are suppressed" in layout
    assert "Internal (no suppression" not in layout  # not even offered


def _network_summary(client: Any) -> str:
    response = _post(client, "..network-graph.figure...network-summary.children..."
                     "network-details.children...network-query.data..."
                     "network-problem.children..", [
        {"id": "network-nation", "property": "value", "value": None},
        {"id": "network-region", "property": "value", "value": None},
        {"id": "network-type", "property": "value", "value": []},
        {"id": "network-cross", "property": "value", "value": ["1"]},
        {"id": "network-size", "property": "value", "value": "degree"},
        {"id": "network-colour", "property": "value", "value": "type"},
        {"id": "network-depth", "property": "value", "value": "1"},
        {"id": "network-focus", "property": "data", "value": None}],
        [{"id": "network-query", "property": "data", "value": ""}])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    summary: str = response.get_json()["response"]["network-summary"]["children"]
    return summary


def _ties(summary: str) -> int:
    found = re.search(r"([\d,]+) (?:partnership )?ties?", summary)
    assert found, summary
    return int(found.group(1).replace(",", ""))


def test_survey_derived_ties_are_for_analysts_and_admins(store: Store) -> None:
    """The demo landscape has 236 ties from public sources and 68 more from survey answers."""
    counts = {role: _ties(_network_summary(_client(store, role))) for role in ROLES}
    assert counts == {"anonymous": 236, "viewer": 236, "analyst": 304, "admin": 304}


# -- downloads and the audit log -------------------------------------------------------


def _download(client: Any, policy: str, fmt: str = "csv") -> Any:
    body = {
        "output": "..priorities-download.data...priorities-download-problem.children..",
        "outputs": [{"id": "priorities-download", "property": "data"},
                    {"id": "priorities-download-problem", "property": "children"}],
        "inputs": [[{"id": {"format": f, "type": "priorities-download"},
                     "property": "n_clicks", "value": 1 if f == fmt else 0}
                    for f in ("csv", "xlsx", "docx", "md")]],
        "state": [{"id": "priorities-export-policy", "property": "value", "value": policy},
                  {"id": "priorities-by", "property": "data", "value": "instrument"},
                  {"id": "priorities-question", "property": "value", "value": None},
                  *[{"id": f"priorities-filter-{f}", "property": "value", "value": None}
                    for f in FILTERS]],
        "changedPropIds": [json.dumps({"format": fmt, "type": "priorities-download"},
                                      separators=(",", ":")) + ".n_clicks"],
    }
    return client.post("/_dash-update-component", json=body)


@pytest.mark.parametrize("role", ROLES)
def test_internal_downloads_are_for_analysts_and_every_staff_download_is_audited(
        store: Store, role: str) -> None:
    client = _client(store, role)
    public = _download(client, "public")
    assert public.status_code == 200
    sent = public.get_json()["response"]["priorities-download"]["data"]
    assert sent["filename"] == "priorities-public.csv"
    internal = _download(client, "internal")
    may = role in ("analyst", "admin")
    assert internal.status_code == (200 if may else 403)
    exports = [(e.who, e.what.split(" ")[0]) for e in audit_entries(store)
               if e.action == "export"]
    if role == "anonymous":
        assert exports == []  # public figures; anonymous visitors cannot grow the store
    else:
        expected = [(f"test-{role}", "priorities-public.csv")]
        if may:
            expected.append((f"test-{role}", "priorities-internal.csv"))
        assert exports == expected


# -- navigation --------------------------------------------------------------------


def _nav_links(client: Any) -> list[str]:
    layout = json.dumps(client.get("/_dash-layout").get_json())
    return re.findall(r'"href": "(/[a-z]*)"', layout)


def test_the_navigation_lists_only_permitted_pages(store: Store) -> None:
    anonymous = _nav_links(_client(store, "anonymous"))
    assert "/priorities" in anonymous and "/monitor" not in anonymous
    assert "/compare" in anonymous and "/barriers" in anonymous and "/login" in anonymous
    assert "/users" not in anonymous and "/logout" not in anonymous
    viewer = _nav_links(_client(store, "viewer"))
    assert "/barriers" in viewer and "/monitor" not in viewer and "/logout" in viewer
    assert "/monitor" in _nav_links(_client(store, "admin"))


# -- signing in and out --------------------------------------------------------------


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def _login(client: Any, name: str, password: str, next_path: str = "/") -> Any:
    token = _token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": token, "next": next_path})


def test_signing_in_and_out_through_the_forms(store: Store) -> None:
    add_user(store, "ada", "admin", TEST_PASSWORD, by="test")
    client = create_app(store).server.test_client()
    page = client.get("/login?next=/monitor")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == FORM_CSP  # no script at all
    assert 'name="next" value="/monitor"' in page.get_data(as_text=True)
    wrong = _login(client, "ada", "not the password at all")
    assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    assert client.get("/monitor").status_code == 302
    signed_in = _login(client, "ada", TEST_PASSWORD, "/monitor")
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/monitor"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, cookie  # a sign-in lasts SESSION_HOURS, not until the browser closes
    left = parsedate_to_datetime(expires.group(1)) - datetime.now(UTC)
    assert timedelta(hours=SESSION_HOURS) - timedelta(minutes=5) < left \
        <= timedelta(hours=SESSION_HOURS)
    assert client.get("/monitor").status_code == 200
    # Other responses leave the cookie alone: one answered after a sign-out (a callback
    # in flight) must not put the signed-in session back.
    assert "Set-Cookie" not in client.get("/_dash-layout").headers
    logout_page = client.get("/logout").get_data(as_text=True)
    assert client.post("/logout", data={}).status_code == 400  # no token: still signed in
    assert client.get("/monitor").status_code == 200
    out = client.post("/logout", data={"csrf_token": _token(logout_page)})
    assert out.status_code == 303
    assert client.get("/monitor").status_code == 302


def test_sign_in_is_refused_without_the_csrf_token(store: Store) -> None:
    add_user(store, "ada", "admin", TEST_PASSWORD, by="test")
    client = create_app(store).server.test_client()
    client.get("/login")  # the seed cookie is set; the token is not sent
    refused = client.post("/login", data={"name": "ada", "password": TEST_PASSWORD})
    assert refused.status_code == 400 and "expired" in refused.get_data(as_text=True)
    forged = client.post("/login", data={"name": "ada", "password": TEST_PASSWORD,
                                         "csrf_token": "forged.token"})
    assert forged.status_code == 400
    assert client.get("/monitor").status_code == 302


def test_sign_in_goes_only_to_addresses_on_this_server(store: Store) -> None:
    add_user(store, "ada", "viewer", TEST_PASSWORD, by="test")
    for target in ("//evil.test/", "https://evil.test/", "/\\evil.test"):
        client = create_app(store).server.test_client()
        response = _login(client, "ada", TEST_PASSWORD, target)
        assert response.headers["Location"] == "/"


def test_sign_in_attempts_are_limited(store: Store) -> None:
    add_user(store, "ada", "admin", TEST_PASSWORD, by="test")
    client = create_app(store).server.test_client()
    codes = [_login(client, "ada", f"wrong password {i}").status_code for i in range(5)]
    assert codes == [401] * 5
    limited = _login(client, "ada", TEST_PASSWORD)  # even the right password, for a minute
    assert limited.status_code == 429
    text = limited.get_data(as_text=True)
    assert "Too many sign-in attempts" in text and "Wait a minute" in text
    assert client.get("/monitor").status_code == 302
    # Another name from the same address has its own allowance (up to the address limit).
    add_user(store, "bob", "viewer", TEST_PASSWORD, by="test")
    assert _login(client, "bob", TEST_PASSWORD).status_code == 303


def test_typed_names_are_escaped_on_the_login_page(store: Store) -> None:
    client = create_app(store).server.test_client()
    page = _login(client, "<script>alert(1)</script>", "whatever password").get_data(
        as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_removing_a_user_or_changing_their_password_ends_their_sessions(store: Store) -> None:
    client = _client(store, "admin")
    add_user(store, "spare", "admin", TEST_PASSWORD, by="test")
    assert client.get("/monitor").status_code == 200
    set_password(store, "test-admin", "a brand new password", by="test")
    assert client.get("/monitor").status_code == 302
    sign_in(client, store, "admin")
    assert client.get("/monitor").status_code == 200
    remove_user(store, "test-admin", by="test")
    assert client.get("/monitor").status_code == 302


def test_behind_a_tls_proxy_the_session_cookie_is_secure(store: Store) -> None:
    add_user(store, "ada", "viewer", TEST_PASSWORD, by="test")
    client = create_app(store, trusted_proxies=1).server.test_client()
    headers = {"X-Forwarded-Proto": "https"}
    page = client.get("/login", headers=headers, base_url="https://localhost")
    response = client.post("/login", headers=headers, base_url="https://localhost",
                           data={"name": "ada", "password": TEST_PASSWORD, "next": "/",
                                 "csrf_token": _token(page.get_data(as_text=True))})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_admins_see_the_users_and_the_audit_log(store: Store) -> None:
    client = _client(store, "admin")
    _download(client, "internal")
    page = _router(client, "/users")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "test-admin" in text and "priorities-internal.csv" in text and "user add" in text
    assert TEST_PASSWORD not in text and "argon2" not in text
    for role in ("anonymous", "viewer", "analyst"):
        assert "priorities-internal.csv" not in _router(_client(store, role), "/users") \
            .get_data(as_text=True)


@pytest.mark.parametrize("role", ["anonymous", "viewer", "analyst"])
def test_every_callback_above_the_role_is_refused(store: Store, role: str) -> None:
    """A sweep over every callback the app registers (new pages included): posted
    directly, each one writing to a page above the role answers 403."""
    app = create_app(store)
    client = app.server.test_client()
    if role != "anonymous":
        sign_in(client, store, role)
    client.get("/")
    refused = []
    for key, spec in app.callback_map.items():
        outputs = _outputs_of(key)
        needed = dashboard.access.callback_role({"outputs": outputs})
        if role_at_least(role, needed) or any(o["id"] == "_pages_content" for o in outputs):
            continue
        inputs = [{"id": i["id"], "property": i["property"], "value": None}
                  for i in spec.get("inputs", [])]
        body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": inputs, "state": [], "changedPropIds": []}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code == 403, (role, key, response.status_code)
        refused.append(key)
    assert any("monitor-content.children" in key for key in refused)


def test_a_session_cookie_older_than_its_lifetime_is_refused(store: Store,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Flask checks the signed cookie's age: a copied cookie stops working too."""
    import itsdangerous.timed

    client = _client(store, "admin")
    assert client.get("/monitor").status_code == 200
    with client.session_transaction() as session:
        session.permanent = True  # as /login makes it
    later = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: later(self) + SESSION_HOURS * 3600 + 60)
    assert client.get("/monitor").status_code == 302
