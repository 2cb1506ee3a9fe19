"""Metrics checked against igraph (a second library, used only here), brute force and hand work."""

from __future__ import annotations

import random
from itertools import combinations

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from network.graphs import organisation_graph
from network.metrics import (
    CONCENTRATION_CAVEAT,
    barrier_cooccurrence,
    betweenness,
    communities,
    concentration,
    degrees,
    gini,
    metrics_table,
)
from network.synthetic import synthetic_landscape
from survey.landscape.records import LandscapeData


def _igraph(g: nx.Graph) -> tuple[ig.Graph, list[str]]:
    names = list(g.nodes)
    index = {n: i for i, n in enumerate(names)}
    other = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in g.edges])
    other.es["weight"] = [float(w) for _, _, w in g.edges(data="weight", default=1)]
    return other, names


def test_degrees_by_hand(landscape: LandscapeData) -> None:
    found = degrees(organisation_graph(landscape))
    assert found["cc"] == (2, 3.0)  # uni twice (p1, p2), lep once
    assert found["lep"] == (3, 3.0) and found["rc"] == (1, 1.0)


def test_exact_betweenness_matches_igraph() -> None:
    g = organisation_graph(synthetic_landscape(150, 400, seed=2), survey_ties=True)
    ours = betweenness(g)
    assert ours.exact and ours.samples is None and "exact" in ours.method
    other, names = _igraph(g)
    n = g.number_of_nodes()
    theirs = other.betweenness(directed=False)  # unnormalised, hops
    for name, value in zip(names, theirs, strict=True):
        assert ours.values[name] == pytest.approx(value * 2 / ((n - 1) * (n - 2)), abs=1e-12)


def test_hand_betweenness(landscape: LandscapeData) -> None:
    # lep joins the Midlands pair to Wales; wu joins lep to wc and rc.
    values = betweenness(organisation_graph(landscape)).values
    n = 6
    # lep lies on every shortest path between {cc, uni} and {wu, wc, rc}: 6 pairs.
    assert values["lep"] == pytest.approx(6 / ((n - 1) * (n - 2) / 2))
    # wu: between {cc, uni, lep} and {wc, rc} (6 pairs) and wc-rc (1 pair).
    assert values["wu"] == pytest.approx(7 / 10)
    assert values["cc"] == 0.0


def test_sampled_betweenness_is_seeded_and_says_so() -> None:
    g = organisation_graph(synthetic_landscape(120, 500, seed=4), survey_ties=True)
    first = betweenness(g, limit=50, samples=30, seed=9)
    again = betweenness(g, limit=50, samples=30, seed=9)
    assert not first.exact and first.samples == 30 and first.values == again.values
    assert "30 sampled source nodes" in first.method and "seed 9" in first.method
    exact = betweenness(g).values
    top_exact = sorted(exact, key=exact.__getitem__)[-5:]
    top_sampled = sorted(first.values, key=first.values.__getitem__)[-15:]
    assert len(set(top_exact) & set(top_sampled)) >= 3  # an estimate of the same thing


def test_louvain_finds_planted_groups_like_igraph() -> None:
    g = nx.ring_of_cliques(5, 6)
    ours = communities(g, seed=3)
    assert communities(g, seed=3) == ours
    groups = {frozenset(n for n in g if ours[n] == c) for c in set(ours.values())}
    other, names = _igraph(g)
    theirs = other.community_multilevel(weights="weight")
    their_groups = {frozenset(names[i] for i in part) for part in theirs}
    assert groups == their_groups and len(groups) == 5
    assert sorted(ours.values()) == sorted(v for v in ours.values())  # numbered 0..4
    assert set(ours.values()) == set(range(5))


def test_gini_against_the_mean_absolute_difference() -> None:
    rng = random.Random(1)
    for _ in range(20):
        values = [rng.randint(0, 30) for _ in range(rng.randint(1, 25))]
        n, mean = len(values), sum(values) / len(values)
        brute = (sum(abs(a - b) for a in values for b in values) / (2 * n * n * mean)
                 if mean else 0.0)
        assert gini(values) == pytest.approx(brute)
    assert gini([]) == 0.0 and gini([5]) == 0.0


def test_concentration_by_place_type_by_hand(landscape: LandscapeData) -> None:
    table = concentration(organisation_graph(landscape)).set_index("group")
    # degrees: cc 2, uni 2 (major city); lep 3, wu 3, rc 1 (smaller); wc 1 (rural): 12 ends
    assert table.loc["major_city_region", "ties"] == 4
    assert table.loc["major_city_region", "share_of_ties"] == pytest.approx(4 / 12)
    assert table.loc["smaller_city_large_town", "share_of_organisations"] == pytest.approx(0.5)
    assert table.loc["predominantly_rural", "ties_per_organisation"] == 1
    assert table.loc["all", "gini"] == pytest.approx(gini([2, 2, 3, 3, 1, 1]))
    assert list(table.index) == ["major_city_region", "smaller_city_large_town",
                                 "predominantly_rural", "all"]
    assert "hand-built" in CONCENTRATION_CAVEAT


def test_barrier_cooccurrence_against_a_matrix_product() -> None:
    rng = random.Random(3)
    codes = ["time", "money", "trust", "data", "culture"]
    answers = [set(rng.sample(codes, rng.randint(0, 3))) for _ in range(60)]
    g = barrier_cooccurrence(answers, {"time": "Time"})
    matrix = np.array([[code in a for code in codes] for a in answers], dtype=int)
    together = matrix.T @ matrix
    for i, j in combinations(range(len(codes)), 2):
        a, b = codes[i], codes[j]
        if together[i, j]:
            assert g[a][b]["weight"] == together[i, j]
            assert g[a][b]["jaccard"] == pytest.approx(
                together[i, j] / (together[i, i] + together[j, j] - together[i, j]))
        else:
            assert not g.has_edge(a, b)
    for i, code in enumerate(codes):
        assert g.nodes[code]["count"] == together[i, i]
    assert g.nodes["time"]["label"] == "Time"


def test_metrics_table_columns_and_order(landscape: LandscapeData) -> None:
    result = metrics_table(organisation_graph(landscape))
    assert list(result.table.columns) == ["key", "name", "type", "nation", "region", "degree",
                                          "weighted_degree", "betweenness", "community"]
    assert result.table["key"].tolist()[:2] == ["wu", "lep"]
    assert "exact betweenness" in result.notes[0] and "Louvain" in result.notes[1]
