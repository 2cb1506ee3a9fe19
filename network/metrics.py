"""Who is central, who brokers, which groups form, and how concentrated the activity is.

Pure functions of an organisation graph (:func:`network.graphs.organisation_graph`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import networkx as nx
import pandas as pd

from survey.landscape.records import PLACE_TYPES

__all__ = [
    "CONCENTRATION_CAVEAT",
    "EXACT_BETWEENNESS_LIMIT",
    "METRIC_COLUMNS",
    "BetweennessResult",
    "MetricsTable",
    "barrier_cooccurrence",
    "betweenness",
    "communities",
    "concentration",
    "degrees",
    "gini",
    "metrics_table",
]

#: Betweenness is exact for graphs up to this many nodes, k-sampled above.
EXACT_BETWEENNESS_LIMIT = 600
#: Pivots sampled above the limit.
BETWEENNESS_SAMPLES = 200

CONCENTRATION_CAVEAT = (
    "The landscape is hand-built from the organisations and partnerships the 2022 report "
    "names (plus what survey answers add): a place with more interviews or case studies "
    "shows more ties. Read the concentration as a description of this dataset, not an "
    "estimate for the UK.")


def degrees(graph: nx.Graph) -> dict[str, tuple[int, float]]:
    """Each node's degree (partners) and weighted degree (shared partnerships summed).

    Examples
    --------
    >>> g = nx.Graph(); g.add_edge("a", "b", weight=2); g.add_edge("a", "c", weight=1)
    >>> degrees(g)["a"]
    (2, 3.0)
    """
    strength = dict(graph.degree(weight="weight"))
    return {node: (int(deg), float(strength[node])) for node, deg in graph.degree()}


@dataclass(frozen=True, slots=True)
class BetweennessResult:
    """Betweenness per node and how it was computed (``method`` says so in words)."""

    values: dict[str, float]
    exact: bool
    samples: int | None
    seed: int | None

    @property
    def method(self) -> str:
        if self.exact:
            return "exact betweenness (Brandes 2001), normalised, unweighted shortest paths"
        return (f"betweenness estimated from {self.samples} sampled source nodes "
                f"(Brandes & Pich 2007, seed {self.seed}), normalised, unweighted shortest "
                "paths")


def betweenness(graph: nx.Graph, *, limit: int = EXACT_BETWEENNESS_LIMIT,
                samples: int = BETWEENNESS_SAMPLES, seed: int = 0) -> BetweennessResult:
    """Betweenness centrality: the share of shortest paths between others through a node.

    Brandes' algorithm (2001, "A faster algorithm for betweenness centrality"),
    exact up to ``limit`` nodes; above it, estimated from ``samples`` source nodes
    drawn with ``seed`` (Brandes & Pich 2007, "Centrality estimation in large
    networks"), so the same graph and seed give the same figures. Paths count
    hops (a tie is a tie, however many partnerships it carries).

    Examples
    --------
    >>> result = betweenness(nx.path_graph(3))
    >>> result.values[1], result.exact
    (1.0, True)
    """
    n = graph.number_of_nodes()
    if n <= limit or samples >= n:
        values = nx.betweenness_centrality(graph, normalized=True)
        return BetweennessResult(dict(values), True, None, None)
    values = nx.betweenness_centrality(graph, k=samples, normalized=True, seed=seed)
    return BetweennessResult(dict(values), False, samples, seed)


def communities(graph: nx.Graph, *, seed: int = 0, resolution: float = 1.0
                ) -> dict[str, int]:
    """Louvain communities (Blondel et al. 2008), seeded, numbered largest first.

    The same graph and seed always give the same partition and numbering (ties in
    size are ordered by the smallest key in the community).

    Examples
    --------
    >>> g = nx.barbell_graph(4, 0)
    >>> found = communities(g)
    >>> found[0] == found[3] != found[4] == found[7]
    True
    """
    if graph.number_of_edges() == 0:
        parts: list[set[Any]] = [{node} for node in graph]
    else:
        parts = nx.community.louvain_communities(graph, weight="weight", seed=seed,
                                                 resolution=resolution)
    ordered = sorted(parts, key=lambda part: (-len(part), min(str(n) for n in part)))
    return {node: index for index, part in enumerate(ordered) for node in part}


def gini(values: Iterable[float]) -> float:
    """The Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated).

    Computed from the sorted values, ``G = 2 sum(i x_i) / (n sum x) - (n + 1) / n``
    (equivalent to the mean absolute difference over twice the mean); 0 for no
    values or all zero.

    Examples
    --------
    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
    (0.0, 0.75)
    """
    ordered = sorted(float(v) for v in values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    ranked = sum((i + 1) * v for i, v in enumerate(ordered))
    return 2 * ranked / (n * total) - (n + 1) / n


def concentration(graph: nx.Graph, by: str = "place_type") -> pd.DataFrame:
    """Partnership activity by place type (or another node attribute): the "Matthew
    effect" of the 2022 report (3.49).

    Per group: ``organisations``, ``share_of_organisations``, ``ties`` (tie ends: a
    tie between two groups counts once for each), ``share_of_ties``,
    ``ties_per_organisation`` and ``gini`` (of degree within the group); a last row
    ``all`` has the Gini over every organisation. Read with
    :data:`CONCENTRATION_CAVEAT`.

    Examples
    --------
    >>> g = nx.Graph([("a", "b"), ("a", "c")]); g.add_node("d")
    >>> nx.set_node_attributes(g, {"a": "major_city_region", "b": "predominantly_rural",
    ...     "c": "predominantly_rural", "d": "predominantly_rural"}, "place_type")
    >>> table = concentration(g).set_index("group")
    >>> float(table.loc["major_city_region", "share_of_ties"]), float(table.loc["all", "gini"])
    (0.5, 0.375)
    """
    groups: dict[str, list[int]] = {}
    for node, deg in graph.degree():
        group = graph.nodes[node].get(by) or "(unknown)"
        groups.setdefault(str(group), []).append(int(deg))
    total_orgs = graph.number_of_nodes()
    total_ends = sum(sum(d) for d in groups.values())
    order = [g for g in PLACE_TYPES if g in groups] + sorted(g for g in groups
                                                             if g not in PLACE_TYPES)
    rows = [{"group": group, "organisations": len(groups[group]),
             "share_of_organisations": len(groups[group]) / total_orgs,
             "ties": sum(groups[group]),
             "share_of_ties": sum(groups[group]) / total_ends if total_ends else 0.0,
             "ties_per_organisation": sum(groups[group]) / len(groups[group]),
             "gini": gini(groups[group])} for group in order]
    every = [d for degs in groups.values() for d in degs]
    rows.append({"group": "all", "organisations": total_orgs,
                 "share_of_organisations": 1.0 if total_orgs else 0.0, "ties": total_ends,
                 "share_of_ties": 1.0 if total_ends else 0.0,
                 "ties_per_organisation": total_ends / total_orgs if total_orgs else 0.0,
                 "gini": gini(every)})
    return pd.DataFrame(rows)


def barrier_cooccurrence(coded: Iterable[Collection[str]],
                         labels: Mapping[str, str] | None = None) -> nx.Graph:
    """The barrier co-occurrence network of coded free text.

    One node per barrier theme (``count``: answers naming it, ``label``); an edge
    between two themes named in the same answer, ``weight`` counting such answers
    and ``jaccard`` = both / either.

    Parameters
    ----------
    coded
        The themes each answer was coded with (one collection per answer; from
        :func:`survey.store.codings.codings_frame` or partnerships' barriers).
    labels
        Theme code -> label.

    Examples
    --------
    >>> g = barrier_cooccurrence([{"time", "money"}, {"time"}, {"money", "time"}])
    >>> g["money"]["time"]["weight"], g.nodes["time"]["count"], g["money"]["time"]["jaccard"]
    (2, 3, 0.6666666666666666)
    """
    counts: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for themes in coded:
        unique = sorted(set(themes))
        counts.update(unique)
        pairs.update(combinations(unique, 2))
    graph = nx.Graph()
    for code, count in sorted(counts.items()):
        graph.add_node(code, count=count, label=(labels or {}).get(code, code))
    for (a, b), both in sorted(pairs.items()):
        graph.add_edge(a, b, weight=both, jaccard=both / (counts[a] + counts[b] - both))
    return graph


@dataclass(frozen=True, slots=True)
class MetricsTable:
    """Per-organisation metrics with the notes a reader needs (how betweenness was got)."""

    table: pd.DataFrame
    notes: tuple[str, ...]


METRIC_COLUMNS: tuple[str, ...] = ("degree", "weighted_degree", "betweenness", "community")


def metrics_table(graph: nx.Graph, *, seed: int = 0,
                  community_of: Mapping[str, int] | None = None,
                  between: BetweennessResult | None = None) -> MetricsTable:
    """Degree, weighted degree, betweenness and community of every organisation.

    Rows are sorted by betweenness, then degree (descending), then name.
    ``community_of`` and ``between`` reuse results already computed (e.g. cached
    per graph version).

    Examples
    --------
    >>> g = nx.path_graph(["a", "b", "c"])
    >>> metrics_table(g).table["key"].tolist()
    ['b', 'a', 'c']
    """
    between = between or betweenness(graph, seed=seed)
    community_of = community_of if community_of is not None else communities(graph, seed=seed)
    rows = []
    for node, (deg, strength) in degrees(graph).items():
        attrs = graph.nodes[node]
        rows.append({"key": node, "name": attrs.get("name", str(node)),
                     "type": attrs.get("type"), "nation": attrs.get("nation"),
                     "region": attrs.get("region"), "degree": deg,
                     "weighted_degree": strength,
                     "betweenness": between.values.get(node, 0.0),
                     "community": community_of.get(node)})
    columns = ["key", "name", "type", "nation", "region", *METRIC_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    if not table.empty:
        table = table.sort_values(["betweenness", "degree", "name"],
                                  ascending=[False, False, True], kind="stable")
    notes = (between.method + ".",
             f"Communities: Louvain (Blondel et al. 2008), seed {seed}, weighted by shared "
             "partnerships.")
    return MetricsTable(table.reset_index(drop=True), notes)
