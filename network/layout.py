"""Node positions: computed once per graph version with a fixed seed, then cached.

The layout is regional: each ITL1 region's organisations are laid out by
Fruchterman–Reingold (1991, "Graph drawing by force-directed placement"; NetworkX's
``spring_layout``, seeded) inside their own cell of a stylised map of the UK, so a
region view shows that region's own structure and the national view shows the
regions side by side, with the ties between them running across. Views (a region, a
type, a focus) reuse these positions; nothing is laid out per view.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, defaultdict

import networkx as nx

__all__ = ["LAYOUT_SEED", "REGION_CELLS", "cached_positions", "clear_cache", "positions"]

#: The seed of every layout.
LAYOUT_SEED = 7
#: Cell (column, row) of each region on a stylised map (north up).
REGION_CELLS: dict[str, tuple[float, float]] = {
    "scotland": (2, 5), "northern_ireland": (0.6, 4), "north_east": (3, 4),
    "north_west": (2, 3), "yorkshire_humber": (3, 3), "wales": (1, 2),
    "west_midlands": (2, 2), "east_midlands": (3, 2), "east_of_england": (4, 2),
    "south_west": (1, 1), "south_east": (2.5, 0.6), "london": (3.4, 1.2),
}
_NO_REGION_CELL = (0.2, 0.6)
_RADIUS = 0.42
_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, int], dict[str, tuple[float, float]]] = OrderedDict()
_lock = threading.Lock()


def positions(graph: nx.Graph, *, seed: int = LAYOUT_SEED) -> dict[str, tuple[float, float]]:
    """Lay out ``graph`` (uncached): each region in its cell, seeded.

    A region's tied organisations and the ties among them are laid out by
    ``spring_layout`` (seeded) and scaled into a disc whose area grows with the
    number of organisations; those without a tie in the region ring them.
    Organisations without a region share one cell.

    Examples
    --------
    >>> g = nx.Graph([("a", "b")])
    >>> nx.set_node_attributes(g, "wales", "region")
    >>> spots = positions(g)
    >>> spots == positions(g), sorted(spots)
    (True, ['a', 'b'])
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for node, region in graph.nodes(data="region"):
        groups[str(region) if region in REGION_CELLS else ""].append(node)
    largest = max((len(g) for g in groups.values()), default=1)
    placed: dict[str, tuple[float, float]] = {}
    for region, nodes in sorted(groups.items()):
        cx, cy = REGION_CELLS.get(region, _NO_REGION_CELL)
        radius = _RADIUS * max(0.35, math.sqrt(len(nodes) / largest))
        local_graph = graph.subgraph(sorted(nodes))
        tied = sorted(n for n in nodes if local_graph.degree(n) > 0)
        alone = sorted(n for n in nodes if local_graph.degree(n) == 0)
        core = 0.72 if alone else 1.0
        if len(tied) == 1:
            placed[tied[0]] = (cx, cy)
        elif tied:
            local = nx.spring_layout(local_graph.subgraph(tied), seed=seed, iterations=60)
            reach = max((math.hypot(x, y) for x, y in local.values()), default=1.0) or 1.0
            for node, (x, y) in local.items():
                placed[node] = (cx + core * radius * float(x) / reach,
                                cy + core * radius * float(y) / reach)
        # Organisations without a tie in their region ring the tied ones, so the web in
        # the middle keeps its room however many untied bodies the registry lists.
        for i, node in enumerate(alone):
            angle = 2 * math.pi * i / len(alone)
            edge = radius if tied else radius * (0.4 + 0.6 * (i % 2))
            placed[node] = (cx + edge * math.cos(angle), cy + edge * math.sin(angle))
    return placed


def cached_positions(graph: nx.Graph, *, seed: int = LAYOUT_SEED
                     ) -> dict[str, tuple[float, float]]:
    """:func:`positions` of ``graph``, computed once per ``graph.graph["version"]`` and seed.

    Give it the whole landscape's graph (a view shares its ``version``, and takes its
    nodes' positions from the whole graph's). A few versions are kept (least
    recently used dropped first).

    Examples
    --------
    >>> g = nx.Graph([("a", "b")], version="v1")
    >>> cached_positions(g) is cached_positions(g)
    True
    """
    if "version" not in graph.graph:  # nothing to key the cache on
        return positions(graph, seed=seed)
    key = (str(graph.graph["version"]), seed)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    placed = positions(graph, seed=seed)
    with _lock:
        _cache[key] = placed
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return placed


def clear_cache() -> None:
    """Forget every cached layout (for tests and benchmarks)."""
    with _lock:
        _cache.clear()
