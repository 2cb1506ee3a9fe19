"""The Network page's pieces without a browser: view state, cache, figure, tie details, names."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import plotly.graph_objects as go
import pytest

import network.layout as layout
from network.graphs import organisation_graph
from network.names import nation_code, organisation_key, region_code, type_codes
from network.view import ViewCache, ViewSpec, network_figure, tie_details
from survey.errors import LandscapeError
from survey.landscape.records import LandscapeData


@pytest.fixture
def graph(landscape: LandscapeData) -> nx.Graph:
    return organisation_graph(landscape)


def test_layout_is_computed_once_per_graph_version(graph: nx.Graph, landscape: LandscapeData,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    layout.clear_cache()
    calls: list[str] = []
    real = layout.positions

    def counting(g: nx.Graph, *, seed: int = layout.LAYOUT_SEED) -> dict:
        calls.append(g.graph["version"])
        return real(g, seed=seed)

    monkeypatch.setattr(layout, "positions", counting)
    cache = ViewCache()
    for spec in (ViewSpec(), ViewSpec(region="wales"), ViewSpec(focus="cc", depth=2),
                 ViewSpec(types=("university",), cross=True)):
        view, table = cache.view(graph, spec)
        network_figure(graph, view, table, spec)
    assert calls == [graph.graph["version"]]
    other = organisation_graph(replace(landscape, partnerships=landscape.partnerships[:2]))
    view, table = cache.view(other, ViewSpec())
    network_figure(other, view, table, ViewSpec())
    assert len(calls) == 2
    assert layout.positions(graph) == real(graph)  # seeded: the same every time


def test_figure_has_one_node_trace_and_batched_ties(graph: nx.Graph) -> None:
    spec = ViewSpec(region="west_midlands", cross=True)
    view, table = ViewCache().view(graph, spec)
    fig = network_figure(graph, view, table, spec)
    go.Figure(fig)  # a valid plotly figure
    nodes = [t for t in fig["data"] if t.get("mode") == "markers" and t.get("customdata")]
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert len(nodes) == 1 and nodes[0]["type"] == "scattergl"
    assert sorted(nodes[0]["customdata"]) == ["cc", "lep", "uni", "wu"]
    assert [t["name"] for t in lines] == ["Ties", "Ties leaving the selection"]
    assert sum(t["x"].count(None) for t in lines) == view.number_of_edges() == 4
    legend = {t["name"] for t in fig["data"] if t.get("x") == [None]}
    assert legend == {"Metropolitan borough", "University", "Local enterprise partnership"}


def test_focus_fades_the_rest_and_keeps_it(graph: nx.Graph) -> None:
    spec = ViewSpec(focus="cc", depth=1)
    view, table = ViewCache().view(graph, spec)
    fig = network_figure(graph, view, table, spec)
    (nodes,) = [t for t in fig["data"] if t.get("customdata")]
    alpha = {k: float(c.rsplit(",", 1)[1].rstrip(")"))
             for k, c in zip(nodes["customdata"], nodes["marker"]["color"], strict=True)}
    assert len(alpha) == 6  # nothing hidden
    assert {k for k, a in alpha.items() if a > 0.5} == {"cc", "uni", "lep"}
    lines = {t["name"]: t for t in fig["data"] if t.get("mode") == "lines"}
    assert lines["Other ties"]["x"].count(None) == 3  # lep–wu, wu–wc, wu–rc
    deeper = network_figure(graph, view, table, replace(spec, depth=2))
    (nodes2,) = [t for t in deeper["data"] if t.get("customdata")]
    assert sum(float(c.rsplit(",", 1)[1].rstrip(")")) > 0.5
               for c in nodes2["marker"]["color"]) == 4


def test_colour_by_community_and_size_by_metric(graph: nx.Graph) -> None:
    spec = ViewSpec(colour_by="community", size_by="betweenness")
    view, table = ViewCache().view(graph, spec)
    fig = network_figure(graph, view, table, spec)
    (nodes,) = [t for t in fig["data"] if t.get("customdata")]
    size = dict(zip(nodes["customdata"], nodes["marker"]["size"], strict=True))
    assert size["wu"] == max(size.values()) and size["cc"] == min(size.values())
    assert {t["name"] for t in fig["data"] if t.get("x") == [None]} <= {
        f"Community {i}" for i in range(1, 11)}


def test_hover_text_escapes_hostile_names(graph: nx.Graph, landscape: LandscapeData) -> None:
    orgs = (replace(landscape.organisations[0], name="<img src=x onerror=alert(1)>"),
            *landscape.organisations[1:])
    g = organisation_graph(replace(landscape, organisations=orgs))
    view, table = ViewCache().view(g, ViewSpec())
    (nodes,) = [t for t in network_figure(g, view, table, ViewSpec())["data"]
                if t.get("customdata")]
    text = nodes["hovertext"][nodes["customdata"].index("cc")]
    assert text.startswith("&lt;img src=x onerror=alert(1)&gt;<br>")


def test_view_state_round_trips_through_the_url() -> None:
    spec = ViewSpec(nation="wales", region="wales", types=("university", "lep"), cross=True,
                    size_by="betweenness", colour_by="community", focus="wu", depth=2)
    assert ViewSpec.from_query(spec.query()) == spec
    assert ViewSpec.from_query({}) == ViewSpec()
    assert ViewSpec.from_query({"type": "university,nope", "size": "x"}).types == ("university",)


def test_tie_details_carry_provenance(graph: nx.Graph) -> None:
    details = tie_details(graph, "cc")
    assert [d.partner for d in details] == ["uni", "lep"]
    assert details[0].partnerships == (
        ("Joint post", "Joint post", "2022 report paragraph: report 3.36"),
        ("Growth forum", "Formal institution or forum", "2022 report paragraph: report 3.34"))
    assert details[0].partner_region == "West Midlands"


def test_view_cache_reuses_metrics(graph: nx.Graph) -> None:
    cache = ViewCache()
    first = cache.view(graph, ViewSpec(region="wales"))
    again = cache.view(graph, ViewSpec(region="wales", focus="wu"))
    assert again[0] is first[0] and again[1] is first[1]


def test_names_give_codes_or_the_closest_valid_names(landscape: LandscapeData) -> None:
    assert region_code("west midlands") == "west_midlands"
    assert nation_code("Cymru") == "wales"
    assert type_codes(["Research centre or institute"]) == ("research_centre",)
    assert organisation_key(landscape, "POLICY centre") == "rc"
    for call, code, closest in (
            (lambda: region_code("West Midland"), "N161", "'West Midlands'"),
            (lambda: nation_code("Englund"), "N161", "'England'"),
            (lambda: type_codes(["univrsity"]), "N163", "'University'"),
            (lambda: organisation_key(landscape, "Welsh Universty"), "N162",
             "'Welsh University'")):
        with pytest.raises(LandscapeError) as caught:
            call()
        assert caught.value.issues[0].code == code
        assert closest in caught.value.issues[0].message
