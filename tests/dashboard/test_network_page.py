"""The Network page without a browser: its data, components, layout and callbacks."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import create_app
from dashboard.network_views import (
    SURVEY_TIES_NOTE,
    details_panel,
    network_state,
    view_figure,
    view_summary,
)
from dashboard.views import text_of
from network.view import ViewSpec
from survey.errors import LandscapeError
from survey.landscape.records import (
    LandscapeData,
    Organisation,
    Partnership,
    Provenance,
    Theme,
)
from survey.store import Store
from survey.store.landscape import save_landscape

SCRIPT = "<script>alert('x')</script>"


def _landscape() -> LandscapeData:
    report = (Provenance("report", "report 3.36"),)
    survey = (Provenance("survey_response", "response 7"),)
    orgs = (
        Organisation("wmca", "West Midlands Combined Authority", "combined_authority",
                     "england", "west_midlands", themes=("skills",), provenance=report),
        Organisation("bham", SCRIPT, "university", "england", "west_midlands",
                     themes=("skills",), provenance=report),
        Organisation("aston", "Aston University", "university", "england", "west_midlands",
                     themes=("skills",), provenance=report),
        Organisation("wrex", "Wrexham County Borough Council", "unitary_authority", "wales",
                     "wales", provenance=report),
    )
    ties = (
        Partnership("post", "City-REDI – WMCA joint post", "joint_post", ("wmca", "bham"),
                    themes=("skills",), provenance=report),
        Partnership("answer", "Named in an answer", "episodic", ("wrex", "aston"),
                    provenance=survey),
    )
    return LandscapeData(orgs, ties, (Theme("skills", "Skills"),))


@pytest.fixture
def store() -> Iterator[Store]:
    opened = Store.open("sqlite://", check=False)
    opened.upgrade()
    save_landscape(opened, _landscape())
    try:
        yield opened
    finally:
        opened.close()


def test_details_panel_lists_ties_with_provenance_and_suggestions(store: Store) -> None:
    state = network_state(store)
    text = text_of(details_panel(state, "wmca"))
    assert "West Midlands Combined Authority" in text
    assert "City-REDI – WMCA joint post (Joint post)" in text
    assert "Provenance: 2022 report paragraph: report 3.36" in text
    assert SCRIPT in text  # a text child, which React escapes
    assert "Aston University" in text and "works on Skills" in text
    assert "Click an organisation" in text_of(details_panel(state, None))


def test_survey_only_ties_are_hidden_unless_the_setting_is_on(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    hidden = network_state(store)
    assert not hidden.graph.has_edge("wrex", "aston") and not hidden.survey_ties
    monkeypatch.setenv("LANDSCAPE_NETWORK_SURVEY_TIES", "true")
    shown = network_state(store)
    assert shown.graph.has_edge("wrex", "aston") and shown.survey_ties


def test_state_is_reused_while_fresh_and_reread_when_old(store: Store) -> None:
    first = network_state(store, max_age=0)
    assert network_state(store) is first  # fresh: no store read
    assert network_state(store, max_age=0) is first  # read again, unchanged: same object
    save_landscape(store, replace(_landscape(), partnerships=_landscape().partnerships[1:]))
    assert network_state(store) is first  # still fresh
    changed = network_state(store, max_age=0)
    assert changed is not first and not changed.graph.has_edge("wmca", "bham")


def test_a_page_never_waits_for_the_landscape_to_be_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Reading a national landscape takes seconds: every minute one visitor waited for it.
    from dashboard import network_views

    with Store.open(f"sqlite:///{tmp_path / 'net.db'}", check=False, create=True) as opened:
        opened.upgrade()
        save_landscape(opened, _landscape())
        first = network_state(opened)
        save_landscape(opened, replace(_landscape(),
                                       partnerships=_landscape().partnerships[1:]))
        reads: list[float] = []
        real = network_views.load_landscape

        def slow(store: Store) -> LandscapeData:
            reads.append(time.monotonic())
            time.sleep(0.5)
            return real(store)

        monkeypatch.setattr(network_views, "load_landscape", slow)
        started = time.monotonic()
        kept = [network_state(opened, max_age=0, wait=False) for _ in range(5)]
        assert time.monotonic() - started < 0.4  # none waited for the read
        assert all(state is first for state in kept)
        deadline = time.monotonic() + 30
        while network_state(opened, wait=False) is first:
            assert time.monotonic() < deadline, "the background read never finished"
            time.sleep(0.05)
        assert len(reads) == 1  # one read for the five requests
        assert not network_state(opened, wait=False).graph.has_edge("wmca", "bham")


def test_figure_and_summary_of_a_region(store: Store) -> None:
    state = network_state(store)
    spec = ViewSpec(region="west_midlands")
    figure, view = view_figure(state, spec)
    assert view_summary(view, spec) == "West Midlands: 3 organisations, 1 ties."
    (nodes,) = [t for t in figure["data"] if t.get("customdata")]
    assert sorted(nodes["customdata"]) == ["aston", "bham", "wmca"]
    assert any(h.startswith("&lt;script&gt;") for h in nodes["hovertext"])


def test_an_empty_store_says_what_to_do() -> None:
    empty = Store.open("sqlite://", check=False)
    empty.upgrade()
    with pytest.raises(LandscapeError) as caught:
        network_state(empty)
    assert caught.value.issues[0].code == "N165"
    app = create_app(empty)
    with app.server.test_request_context("/network"):
        text = text_of(sys.modules["dashboard.pages.network"].layout())
    assert "N165" in text and "landscape demo" in text
    empty.close()


def test_layout_reads_the_view_from_the_url(store: Store) -> None:
    app = create_app(store)
    with app.server.test_request_context("/network"):
        tree = sys.modules["dashboard.pages.network"].layout(
            region="west_midlands", focus="wmca", size="betweenness", colour="community")
    text = text_of(tree)
    assert "West Midlands: 3 organisations, 1 ties." in text
    assert "Provenance: 2022 report paragraph: report 3.36" in text
    assert SURVEY_TIES_NOTE in text
    graph = _find(tree, "network-graph")
    assert graph is not None and graph.figure["data"]  # in the initial layout
    assert _find(tree, "network-query").data == \
        "region=west_midlands&size=betweenness&colour=community&focus=wmca"
    assert "Network" in json.dumps(app.server.test_client().get("/_dash-layout").get_json())


def _find(node: Any, wanted: str) -> Any:
    if getattr(node, "id", None) == wanted:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, wanted)
            if found is not None:
                return found
    return None


def test_callbacks_focus_a_click_and_update_the_view(store: Store) -> None:
    client = create_app(store).server.test_client()
    client.get("/network")
    click = {"points": [{"customdata": "wmca", "x": 0, "y": 0}]}
    body = {"output": "network-focus.data", "outputs": {"id": "network-focus",
                                                          "property": "data"},
            "inputs": [{"id": "network-graph", "property": "clickData", "value": click},
                       {"id": "network-clear", "property": "n_clicks", "value": 0}],
            "state": [], "changedPropIds": ["network-graph.clickData"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    assert response.get_json()["response"]["network-focus"]["data"] == "wmca"
    outputs = ["network-graph.figure", "network-summary.children", "network-details.children",
               "network-query.data", "network-problem.children"]
    values = {"network-nation": None, "network-region": "west_midlands",
              "network-type": ["university", "combined_authority"], "network-cross": [],
              "network-size": "degree", "network-colour": "type", "network-depth": "2"}
    inputs = [{"id": k, "property": "value", "value": v} for k, v in values.items()]
    inputs.append({"id": "network-focus", "property": "data", "value": "wmca"})
    body = {"output": ".." + "...".join(outputs) + "..",
            "outputs": [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in outputs],
            "inputs": inputs,
            "state": [{"id": "network-query", "property": "data", "value": ""}],
            "changedPropIds": ["network-region.value"]}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    result = response.get_json()["response"]
    assert result["network-summary"]["children"].startswith(
        "West Midlands, University, Combined authority: 3 organisations")
    assert result["network-query"]["data"] == (
        "region=west_midlands&type=university%2Ccombined_authority&focus=wmca&depth=2")
    assert "report 3.36" in json.dumps(result["network-details"]["children"])


def test_an_organisation_known_only_from_an_answer_is_not_public() -> None:
    # A respondent's own organisation (or an unmatched partner it named) is recorded
    # from its answer alone, with provenance "response <id>". The public graph hid the
    # survey ties but kept these organisations, so an anonymous visitor could list who
    # responded (the demo: 33 "answer to organisation" nodes) and read the response id
    # in the panel. They are left out of the public view with the survey ties.
    own = Organisation("unresolved-pinecroft", "Pinecroft Parish Council", "unknown",
                       "england", "west_midlands",
                       provenance=(Provenance("survey_response", "response 7",
                                              "answer to organisation"),))
    base = _landscape()
    opened = Store.open("sqlite://", check=False)
    opened.upgrade()
    save_landscape(opened, replace(base, organisations=(*base.organisations, own)))
    try:
        public = network_state(opened, survey_ties=False, max_age=0)
        staff = network_state(opened, survey_ties=True, max_age=0)
        assert "unresolved-pinecroft" not in public.graph
        figure, _ = view_figure(public, ViewSpec())
        assert "Pinecroft" not in json.dumps(figure, default=str)
        assert "unresolved-pinecroft" in staff.graph
        assert "response 7" in text_of(details_panel(staff, "unresolved-pinecroft"))
        assert public.graph.has_edge("wmca", "bham")  # public ties stay
    finally:
        opened.close()
