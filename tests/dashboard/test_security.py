"""HTTP hardening of the explorer + form server (issue 7, item 10)."""

from __future__ import annotations

import doctest
import json
from collections.abc import Iterator

import pytest

import dashboard.security
from dashboard.app import create_app
from survey.store import Store


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    opened = Store.open("sqlite://", check=False)
    opened.upgrade()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(store: Store):  # type: ignore[no-untyped-def]
    return create_app(store).server.test_client()


def test_examples() -> None:
    result = doctest.testmod(dashboard.security, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("path", ["/", "/priorities", "/_dash-layout", "/respond/nothing"])
def test_every_response_carries_the_security_headers(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    directive = "script-src" if "script-src" in csp else "default-src"
    assert "'unsafe-inline'" not in csp.split(directive, 1)[1].split(";", 1)[0]


def test_the_explorer_csp_allows_dashs_own_inline_scripts_by_hash(client) -> None:  # type: ignore[no-untyped-def]
    csp = client.get("/").headers["Content-Security-Policy"]
    script_src = csp.split("script-src", 1)[1].split(";", 1)[0]
    tokens = script_src.split()
    hashes = [t for t in tokens if "sha256-" in t]
    assert hashes and "'self'" in tokens
    assert all(t.startswith("'sha256-") and t.endswith("='") and "''" not in t for t in hashes)


def test_the_form_keeps_its_stricter_policy(client) -> None:  # type: ignore[no-untyped-def]
    csp = client.get("/respond/nothing").headers["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp  # the form runs no script


@pytest.mark.parametrize("path", ["/no-such-page", "/priorities/extra", "/wp-admin.php",
                                  "/%3Cscript%3E"])
def test_unknown_explorer_addresses_answer_404(client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/", "/priorities", "/network", "/barriers", "/compare"])
def test_known_pages_answer_200(client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/monitor"])
def test_known_staff_pages_send_anonymous_visitors_to_sign_in(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("body", [
    "{", "[]", "null", '"text"', json.dumps({"output": "nothing.children"}),
    json.dumps({"output": 5}), json.dumps({"inputs": "x"}),
])
def test_malformed_callback_requests_answer_400_not_500(client, body: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/_dash-update-component", data=body,
                           content_type="application/json")
    assert response.status_code == 400


def test_a_known_callback_with_values_that_do_not_fit_answers_4xx(client) -> None:  # type: ignore[no-untyped-def]
    deps = client.get("/_dash-dependencies").get_json()
    assert deps, "the explorer registers callbacks"
    for dep in deps:
        body = {"output": dep["output"], "outputs": [], "inputs": [{"id": 1}],
                "changedPropIds": [], "state": []}
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code < 500, dep["output"]


def test_form_only_serves_no_callbacks_and_no_pages(store: Store) -> None:
    client = create_app(store, explorer=False).server.test_client()
    assert client.post("/_dash-update-component", json={"output": "x.children"}).status_code \
        == 404
    assert client.get("/priorities").status_code == 404
    assert client.get("/").status_code == 200  # says the server carries the form only


def test_behind_a_proxy_the_scheme_is_trusted_and_cookies_are_secure(store: Store) -> None:
    app = create_app(store, trusted_proxies=1)
    seen = {}

    @app.server.route("/_probe_scheme")
    def probe() -> str:
        from flask import request
        seen["secure"] = request.is_secure
        return "ok"

    app.server.test_client().get("/_probe_scheme", headers={"X-Forwarded-Proto": "https"})
    assert seen["secure"] is True
    assert app.server.config["SESSION_COOKIE_SECURE"] is True
    assert create_app(store).server.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(("headers", "refused"), [
    ({"Sec-Fetch-Site": "cross-site"}, True),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Sec-Fetch-Site": "same-origin"}, False),
    ({"Sec-Fetch-Site": "none"}, False),
    ({"Origin": "http://evil.example"}, True),
    ({"Origin": "null"}, False),  # what a no-referrer page's own form sends: token decides
    ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, True),
    ({"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}, False),
    ({"Origin": "http://localhost"}, False),
    ({"Origin": "http://localhost", "Sec-Fetch-Site": "cross-site"}, True),
    ({}, False),
])
def test_cross_site_state_changing_requests_are_refused(client, headers: dict[str, str],  # type: ignore[no-untyped-def]
                                                        refused: bool) -> None:
    response = client.post("/open/researcher/1.0.0", data={"page": "0"}, headers=headers)
    assert (response.status_code == 403 and "another site" in response.text) is refused
    callback = client.post("/_dash-update-component", data="{", headers=headers,
                           content_type="application/json")
    assert (callback.status_code == 403) is refused


def test_form_pages_keep_the_stricter_policy_from_the_one_hook(client) -> None:  # type: ignore[no-untyped-def]
    from dashboard.security import FORM_CSP

    response = client.get("/respond/nothing")
    assert response.headers["Content-Security-Policy"] == FORM_CSP
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/").headers["Content-Security-Policy"] != FORM_CSP
