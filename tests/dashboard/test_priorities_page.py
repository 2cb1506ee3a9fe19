"""The Priorities page stays readable with many groups: n once per table, one chart at a time."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.app import create_app
from dashboard.page_views import priorities_layouts, priorities_view
from dashboard.views import text_of
from survey.store import Store
from survey.store.analysis import GROUP_FIELDS
from tests.dashboard.conftest import all_components, page_json, sign_in

_all = all_components


def test_grouping_by_region_gives_one_chart_of_a_readable_height(store: Store) -> None:
    view = priorities_view(store, by="region")
    nodes = _all(view)
    graphs = [c for c in nodes if type(c).__name__ == "Graph"]
    groups = len(priorities_layouts(store, "region"))
    assert groups > 10
    (graph,) = graphs  # not one 11,808-pixel figure of every group
    assert graph.figure.layout.height < 1200
    assert graph.config["displayModeBar"] is False
    (selector,) = [c for c in nodes if type(c).__name__ == "Dropdown"]
    assert selector.id == "priorities-chart-group" and len(selector.options) == groups
    summary = [c for c in nodes if getattr(c, "id", None) == "priorities-chart-summary"]
    assert summary and len(summary[0].children) < 300


def test_n_is_said_once_per_table(store: Store) -> None:
    view = priorities_view(store)
    for section in [c for c in _all(view) if getattr(c, "className", "") == "group-table"]:
        assert text_of(section).count("(n=") + text_of(section).count("n = ") == 1


def test_chart_selector_callback_draws_the_chosen_group(store: Store) -> None:
    client = create_app(store).server.test_client()
    client.get("/")
    filters = [{"id": f"priorities-filter-{f}", "property": "value", "value": None}
               for f in ("instrument", "version", "nation", "region", "organisation_type",
                         "path")]
    body = {"output": "..priorities-chart.figure...priorities-chart-summary.children..",
            "outputs": [{"id": "priorities-chart", "property": "figure"},
                        {"id": "priorities-chart-summary", "property": "children"}],
            "inputs": [{"id": "priorities-chart-group", "property": "value", "value": "1"}],
            "state": [{"id": "priorities-by", "property": "data", "value": "instrument"},
                      {"id": "priorities-question", "property": "value", "value": None},
                      *filters],
            "changedPropIds": ["priorities-chart-group.value"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    result = response.get_json()["response"]
    assert "Table 2. Researcher" in json.dumps(result["priorities-chart"]["figure"]["layout"])
    summary = result["priorities-chart-summary"]["children"]
    assert summary.startswith("Bar chart of Table 2 (Researcher, n=17), the share")
    assert len(summary) < 300  # a sentence, not the 2,000-character run-on


def _chart_body(group: str) -> dict[str, object]:
    filters = [{"id": f"priorities-filter-{f}", "property": "value", "value": None}
               for f in ("instrument", "version", "nation", "region", "organisation_type",
                         "path")]
    return {"output": "..priorities-chart.figure...priorities-chart-summary.children..",
            "outputs": [{"id": "priorities-chart", "property": "figure"},
                        {"id": "priorities-chart-summary", "property": "children"}],
            "inputs": [{"id": "priorities-chart-group", "property": "value", "value": group}],
            "state": [{"id": "priorities-by", "property": "data", "value": "instrument"},
                      {"id": "priorities-question", "property": "value", "value": None},
                      *filters],
            "changedPropIds": ["priorities-chart-group.value"]}


def test_chart_selector_gives_an_anonymous_visitor_the_public_chart(store: Store) -> None:
    # The chart callback once drew the internal (unsuppressed) table for anyone.
    from dashboard.page_views import group_chart
    from survey.export.disclosure import DisclosurePolicy

    public = group_chart(priorities_layouts(store, policy=DisclosurePolicy(public=True))[1][0])
    internal = group_chart(priorities_layouts(store)[1][0])
    assert json.dumps(public.to_dict()["data"]) != json.dumps(internal.to_dict()["data"])
    client = create_app(store).server.test_client()
    client.get("/")
    response = client.post("/_dash-update-component", json=_chart_body("1"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    drawn = response.get_json()["response"]["priorities-chart"]["figure"]
    assert json.dumps(drawn["data"], sort_keys=True) == json.dumps(
        json.loads(json.dumps(public.to_dict()["data"], default=str)), sort_keys=True)


def test_published_tables_audit_is_on_the_page_and_loads_by_callback(store: Store) -> None:
    from survey.export.report_audit import audit_tables

    client = create_app(store).server.test_client()
    client.get("/")
    body = {"output": "priorities-audit.children",
            "outputs": {"id": "priorities-audit", "property": "children"},
            "inputs": [{"id": "priorities-audit", "property": "id", "value": "priorities-audit"}],
            "state": [], "changedPropIds": []}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    text = json.dumps(response.get_json()["response"])
    for table in audit_tables():
        assert table.title in text
    assert "14 printed value(s) are not c/35" in text  # Table 1, as landscape audit-table says


def test_compare_chart_shows_each_difference_with_its_interval(store: Store) -> None:
    from dashboard.page_views import compare_view

    view = compare_view(store)
    nodes = _all(view)
    (graph,) = [c for c in nodes if type(c).__name__ == "Graph"]
    table = next(c for c in nodes if getattr(c, "id", None) == "compare-table")
    # rows are named by the concept's short name, the full wording in the header's title
    cells = {(getattr(row.children[0], "title", None) or row.children[0].children):
             [c.children for c in row.children[1:]] for row in table.children[2].children}
    trace = graph.figure.data[0]
    assert len(trace.x) == len(cells) == 9 and graph.config["displayModeBar"] is False
    assert "Partner support" in trace.y and "Partner networks" in trace.y  # mirrored pairs
    for label, x, plus, minus, custom in zip(trace.y, trace.x, trace.error_x.array,
                                             trace.error_x.arrayminus, trace.customdata,
                                             strict=True):
        full = custom[0].replace("<br>", " ")  # wrapped for the hover box
        assert full in cells
        shown = cells[full][4]  # "+12 (-15 to +38)" in the table
        point, low, high = x, x - minus, x + plus
        assert shown.split(" ")[0].lstrip("+") in {f"{point:+.0f}".lstrip("+"), "0"}
        assert f"{low:+.0f}" in shown or f"{high:+.0f}" in shown
        assert len(label) < 40 < len(full)  # short name on the axis, full wording on hover
    summary = next(c for c in nodes if getattr(c, "id", None) == "compare-chart-summary")
    assert summary.children.startswith("Dot-and-interval chart") and len(summary.children) < 300


def test_the_view_comes_from_the_address_and_goes_back_into_it(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import dashboard.access

    app = create_app(store)
    with app.server.test_request_context("/priorities"):
        # staff: a filter to 3 councils in Wales is internal (the public view refuses it)
        monkeypatch.setattr(dashboard.access, "current_role", lambda: "viewer")
        page = sys.modules["dashboard.pages.priorities"]
        tree = page.layout(by="instrument", nation="wales,atlantis")
        plain = page.layout()
    nodes = _all(tree)
    (details,) = [c for c in nodes if type(c).__name__ == "Details"]
    assert details.open is True and text_of(details).startswith("Filter respondents (1 set)")
    nation = next(c for c in nodes if getattr(c, "id", None) == "priorities-filter-nation")
    assert nation.value == ["wales"]  # unknown values in the address are dropped
    # (anonymous here: the public release check may refuse a filtered table, so the
    # tables themselves are checked signed in, in test_a11y_browser.py)
    query = next(c for c in nodes if getattr(c, "id", None) == "priorities-query")
    assert query.data == "nation=wales"
    folded = next(c for c in _all(plain) if type(c).__name__ == "Details")
    assert folded.open is False
    assert page.page_query("region", None, {"nation": ["wales", "scotland"]}) == (
        "by=region&nation=wales%2Cscotland")


def test_page_examples(store: Store) -> None:
    import doctest
    import sys

    create_app(store)
    result = doctest.testmod(sys.modules["dashboard.pages.priorities"])
    assert result.attempted > 0 and result.failed == 0


def test_a_link_under_the_tables_opens_them_on_the_downloads_page(store: Store) -> None:
    import sys

    app = create_app(store)
    with app.server.test_request_context("/priorities"):
        # (an anonymous visitor: version is a grouping the public release allows)
        tree = sys.modules["dashboard.pages.priorities"].layout(by="version")
    (box,) = [c for c in _all(tree) if getattr(c, "id", None) == "priorities-download-link"]
    (link,) = [c for c in _all(box) if type(c).__name__ == "A"]
    assert link.href == "/downloads?table=priorities&by=version"
    assert link.children == "Download this table (CSV, Excel, Word, chart)"
    # a new grouping moves the link with it
    client = app.server.test_client()
    client.get("/")
    outputs = [("priorities-query", "data"), ("priorities-announce", "children"),
               ("priorities-download-link", "children")]
    body = {"output": "...".join(f"{i}.{p}" for i, p in outputs).join(("..", "..")),
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": "priorities-by", "property": "data", "value": "path"},
                       {"id": "priorities-question", "property": "value", "value": None},
                       *[{"id": f"priorities-filter-{f}", "property": "value", "value": None}
                         for f in ("instrument", "version", "nation", "region",
                                   "organisation_type", "path")]],
            "changedPropIds": ["priorities-by.data"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    moved = response.get_json()["response"]["priorities-download-link"]["children"]
    assert "/downloads?table=priorities&by=path" in json.dumps(moved)


def test_the_public_view_offers_only_the_groupings_its_release_allows(store: Store) -> None:
    # Region and nation fail the public release on the demo data (as on Downloads):
    # anonymous visitors are not offered a button that only brings a refusal.
    client = create_app(store).server.test_client()

    def offered() -> set[str]:
        page = json.dumps(page_json(client, "/priorities"))
        return set(re.findall(r'"type": "priorities-by-choice", "value": "(\w+)"', page))

    public = offered()
    assert "instrument" in public and "version" in public
    assert not {"region", "nation"} & public
    sign_in(client, store, "viewer")  # internal figures: every grouping
    assert offered() == set(GROUP_FIELDS)
