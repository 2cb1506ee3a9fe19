"""The Barriers page in public (issue 11): tables under the visitor's disclosure policy,
the public grouping only, no quote text below the analyst role, quote filters in the URL.

Checked on the server as an attacker would ask: page addresses, Dash's page router and
callbacks posted directly to ``/_dash-update-component``.
"""

from __future__ import annotations

import doctest
import json
import sys
from typing import Any

import pytest

from dashboard.app import create_app
from survey.export.disclosure import DisclosurePolicy
from survey.store import Store
from survey.store.codings import barrier_quotes
from tests.dashboard.conftest import sign_in

pytestmark = pytest.mark.usefixtures("fast_passwords")

CONTENT = "..barriers-content.children...barriers-cooccurrence-content.children.."
QUERY = "barriers-query.data"


def _client(store: Store, role: str) -> Any:
    client = create_app(store).server.test_client()
    if role != "anonymous":
        sign_in(client, store, role)
    client.get("/")
    return client


def _page(client: Any, search: str = "") -> str:
    response = client.post("/_dash-update-component", json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/barriers"},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "state": [], "changedPropIds": ["_pages_location.pathname"]})
    assert response.status_code == 200
    # Dash escapes "/" and "<" in its JSON: compare with the plain JSON of the same data.
    return json.dumps(response.get_json())


def _components(node: Any, found: dict[str, Any] | None = None) -> dict[str, Any]:
    """Component id -> props, over a serialised layout."""
    found = {} if found is None else found
    if isinstance(node, list):
        for item in node:
            _components(item, found)
    elif isinstance(node, dict):
        props = node.get("props", {})
        if isinstance(props.get("id"), str):
            found[props["id"]] = props
        _components(props.get("children"), found)
    return found


def _layout(page: str) -> dict[str, Any]:
    return _components(json.loads(page)["response"]["_pages_content"]["children"])


def _quote_texts(store: Store) -> list[str]:
    return [json.dumps(str(t))[1:-1] for t in barrier_quotes(store)["text"] if len(str(t)) > 20]


def test_page_examples(store: Store) -> None:
    create_app(store)  # the page module runs (and registers itself) with an app
    page = sys.modules["dashboard.pages.barriers"]
    result = doctest.testmod(page, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_anonymous_visitors_get_the_public_tables_and_no_quotes(store: Store) -> None:
    client = _client(store, "anonymous")
    assert client.get("/barriers").status_code == 200
    page = _page(client, "?by=nation&theme=staff_turnover&group=researcher")
    components = _layout(page)
    assert "[c]" in page and DisclosurePolicy(public=True).statement() in page
    assert "No suppression" not in page
    # ?by=nation is not offered in public: ignored, the page groups by instrument
    assert components["barriers-by"]["data"] == "instrument" and "X108" not in page
    assert "Nation" not in page and "by instrument only" in page
    # no quotes, nor their filters, nor any quote's text
    assert "barriers-quotes-list" not in components and "barriers-quotes-theme" not in page
    assert components["barriers-filter"]["data"] is None
    assert components["barriers-query"]["data"] == ""  # the address drops what it ignored
    assert not [q for q in _quote_texts(store) if q in page]
    assert "/downloads?table=barriers" in page and "/downloads?table=cooccurrence" in page


def test_a_public_callback_refuses_a_staff_grouping(store: Store) -> None:
    anonymous, viewer = _client(store, "anonymous"), _client(store, "viewer")
    for by in ("nation", "region", "version", "path", "organisation_type"):
        response = anonymous.post("/_dash-update-component", json={
            "output": CONTENT,
            "outputs": [{"id": "barriers-content", "property": "children"},
                        {"id": "barriers-cooccurrence-content", "property": "children"}],
            "inputs": [{"id": "barriers-by", "property": "data", "value": by}],
            "state": [], "changedPropIds": ["barriers-by.data"]})
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and text.count("X108") == 2, by
        assert "data-table" not in text and "heatmap" not in text.lower(), by
    internal = _page(viewer, "?by=nation")
    assert _layout(internal)["barriers-by"]["data"] == "nation"
    assert "[c]" not in internal and "No suppression applied (internal view)" in internal


def test_quote_filters_come_from_the_address_for_analysts(store: Store) -> None:
    client = _client(store, "analyst")
    components = _layout(_page(client, "?theme=resources_capacity_funding&group=researcher"))
    assert components["barriers-quotes-theme"]["value"] == "resources_capacity_funding"
    assert components["barriers-quotes-group"]["value"] == "researcher"
    assert components["barriers-query"]["data"] == (
        "theme=resources_capacity_funding&group=researcher")
    # report 3.58: 7 of the 16 researchers who answered mention resources
    assert components["barriers-quotes-count"]["children"].startswith("7 of 42 answers")


@pytest.mark.parametrize("search", ["?theme=nonsense&group=%3Cscript%3Ealert(1)%3C/script%3E",
                                    "?theme=&group=", "?theme=a&theme=b"])
def test_unknown_quote_filters_are_ignored_not_echoed(store: Store, search: str) -> None:
    page = _page(_client(store, "analyst"), search)
    components = _layout(page)
    assert components["barriers-quotes-theme"].get("value") is None
    assert components["barriers-quotes-group"].get("value") is None
    assert components["barriers-query"]["data"] == ""
    assert "nonsense" not in page and "<script>" not in page and "alert(1)" not in page


def test_the_address_follows_the_grouping_and_the_quote_filters(store: Store) -> None:
    client = _client(store, "analyst")
    response = client.post("/_dash-update-component", json={
        "output": QUERY, "outputs": {"id": "barriers-query", "property": "data"},
        "inputs": [{"id": "barriers-by", "property": "data", "value": "nation"},
                   {"id": "barriers-filter", "property": "data",
                    "value": {"theme": "staff_turnover", "group": None}}],
        "state": [], "changedPropIds": ["barriers-filter.data"]})
    assert response.status_code == 200
    assert response.get_json()["response"]["barriers-query"]["data"] == (
        "by=nation&theme=staff_turnover")
