"""Graphs of the landscape, checked by hand and against NetworkX's bipartite projection."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest
from networkx.algorithms import bipartite

from network.graphs import (
    bipartite_graph,
    data_version,
    layer_graph,
    organisation_graph,
    organisation_themes,
    subgraph,
)
from network.synthetic import synthetic_landscape
from survey.landscape.records import LandscapeData


def test_organisation_graph_by_hand(landscape: LandscapeData) -> None:
    g = organisation_graph(landscape)
    assert set(g.nodes) == {"cc", "uni", "lep", "wc", "wu", "rc"}
    assert {tuple(sorted(e)) for e in g.edges} == {
        ("cc", "uni"), ("cc", "lep"), ("lep", "uni"), ("wc", "wu"), ("rc", "wu"),
        ("lep", "wu")}
    assert g["cc"]["uni"]["weight"] == 2 and g["cc"]["uni"]["partnerships"] == ("p1", "p2")
    assert g["cc"]["lep"]["weight"] == 1
    assert g.nodes["cc"]["name"] == "City Council" and g.nodes["cc"]["region"] == "west_midlands"


def test_survey_only_ties_are_hidden_unless_asked(landscape: LandscapeData) -> None:
    assert not organisation_graph(landscape).has_edge("cc", "rc")
    shown = organisation_graph(landscape, survey_ties=True)
    assert shown["cc"]["rc"]["partnerships"] == ("p6",)
    assert "partnership:p6" not in bipartite_graph(landscape)


def test_projection_matches_networkx_bipartite_projection() -> None:
    data = synthetic_landscape(80, 300, seed=5)
    ours = organisation_graph(data, survey_ties=True)
    two_mode = bipartite_graph(data, survey_ties=True)
    orgs = [n for n, side in two_mode.nodes(data="bipartite") if side == 0]
    theirs = bipartite.weighted_projected_graph(two_mode, orgs)  # weight = shared neighbours
    assert set(ours.nodes) == set(theirs.nodes)
    assert {frozenset(e) for e in ours.edges} == {frozenset(e) for e in theirs.edges}
    for a, b, weight in theirs.edges(data="weight"):
        assert ours[a][b]["weight"] == weight


def test_version_changes_with_the_data(landscape: LandscapeData) -> None:
    same = LandscapeData(tuple(reversed(landscape.organisations)), landscape.partnerships)
    assert data_version(same) == data_version(landscape)
    fewer = replace(landscape, partnerships=landscape.partnerships[:-2])
    assert data_version(fewer) != data_version(landscape)
    moved = replace(landscape, organisations=(
        replace(landscape.organisations[0], region="wales"), *landscape.organisations[1:]))
    assert data_version(moved) != data_version(landscape)


def test_theme_layer_and_barrier_layer(landscape: LandscapeData) -> None:
    themes = layer_graph(landscape, "themes")
    assert set(themes["wu"]) == {"theme:transport", "theme:housing"}
    assert themes["wu"]["theme:housing"] == {"stated": False, "partnerships": ("p4",)}
    assert themes["wu"]["theme:transport"]["stated"] is True
    assert themes.nodes["theme:skills"]["label"] == "Skills"
    assert layer_graph(landscape, "barriers").number_of_edges() == 0
    with pytest.raises(ValueError, match="themes"):
        layer_graph(landscape, "nope")
    assert organisation_themes(landscape)["lep"] == {"skills"}


def test_subgraph_by_region_nation_and_type(landscape: LandscapeData) -> None:
    g = organisation_graph(landscape)
    wm = subgraph(g, region="west_midlands")
    assert set(wm.nodes) == {"cc", "uni", "lep"} and wm.number_of_edges() == 3
    assert not any(wm.nodes[n]["outside"] for n in wm)
    crossing = subgraph(g, region="west_midlands", cross=True)
    assert set(crossing.nodes) == {"cc", "uni", "lep", "wu"}
    assert crossing.nodes["wu"]["outside"] is True
    assert crossing.has_edge("lep", "wu") and not crossing.has_edge("wu", "wc")
    assert set(subgraph(g, nation="wales").nodes) == {"wc", "wu", "rc"}
    unis = subgraph(g, types=["university", "research_centre"])
    assert set(unis.nodes) == {"uni", "wu", "rc"} and set(unis.edges) == {("wu", "rc")}
    assert wm.graph["version"] == g.graph["version"]
    assert nx.is_frozen(g) is False and g.number_of_nodes() == 6  # the whole graph untouched
