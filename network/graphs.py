"""The landscape as graphs: organisations, partnerships, themes and barriers.

Every builder takes a :class:`~survey.landscape.records.LandscapeData` (what the store's
``load_landscape`` returns) and gives a NetworkX graph whose node keys are organisation
keys. Node attributes: ``name``, ``type``, ``nation``, ``region``, ``place_type``,
``synthetic`` and ``provenance`` (a tuple of :class:`Provenance`); edge attributes of the
organisation graph: ``weight`` (shared partnerships) and ``partnerships`` (their keys).
``graph.graph`` carries the records by key (``organisations``, ``partnerships``) and a
``version``: a fingerprint of the data, so a layout or metrics computed once per version
can be cached (:mod:`network.layout`).

Ties known only from survey answers (:attr:`Partnership.survey_derived`) identify
respondents' organisations; builders leave them out unless ``survey_ties=True``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace
from itertools import combinations
from typing import Any

import networkx as nx

from survey.landscape.records import LandscapeData, Organisation, Partnership

__all__ = [
    "RESEARCH_TYPES",
    "bipartite_graph",
    "data_version",
    "layer_graph",
    "organisation_graph",
    "organisation_themes",
    "subgraph",
    "visible_data",
]

#: Organisation types that hold research expertise (match-making candidates).
RESEARCH_TYPES: frozenset[str] = frozenset({"university", "research_centre", "observatory"})


def visible_data(data: LandscapeData, *, survey_ties: bool = False) -> LandscapeData:
    """``data`` without the partnerships and organisations known only from survey
    answers (unless asked): an organisation recorded from an answer alone (a
    respondent's own, or an unmatched partner it named) says who responded, as a tie does.

    Examples
    --------
    >>> from survey.landscape.records import Partnership, Provenance
    >>> tie = Partnership("p", "P", "episodic", ("a", "b"),
    ...                   provenance=(Provenance("survey_response", "r1"),))
    >>> len(visible_data(LandscapeData((), (tie,))).partnerships)
    0
    """
    if survey_ties:
        return data
    hidden = {o.key for o in data.organisations if o.survey_derived}
    return replace(data, organisations=tuple(o for o in data.organisations
                                             if o.key not in hidden),
                   partnerships=tuple(p for p in data.partnerships if not p.survey_derived
                                      and not hidden.intersection(p.members)))


def data_version(data: LandscapeData) -> str:
    """A short fingerprint of the organisations and partnerships (keys, members, places).

    Two loads of the same landscape give the same version; any added, removed or
    re-placed organisation or partnership changes it.

    Examples
    --------
    >>> data_version(LandscapeData((), ())) == data_version(LandscapeData((), ()))
    True
    """
    digest = hashlib.blake2b(digest_size=8)
    for org in sorted(data.organisations, key=lambda o: o.key):
        digest.update(f"o\x1f{org.key}\x1f{org.type}\x1f{org.nation}\x1f{org.region}\x1f"
                      f"{org.name}\x1e".encode())
    for tie in sorted(data.partnerships, key=lambda p: p.key):
        digest.update(f"p\x1f{tie.key}\x1f{tie.kind}\x1f{','.join(tie.members)}\x1e".encode())
    return digest.hexdigest()


def _node_attributes(org: Organisation) -> dict[str, Any]:
    return {"name": org.name, "type": org.type, "nation": org.nation, "region": org.region,
            "place_type": org.place_type, "synthetic": org.synthetic,
            "provenance": org.provenance}


def organisation_graph(data: LandscapeData, *, survey_ties: bool = False) -> nx.Graph:
    """The organisation graph: an edge for every pair of organisations sharing a partnership.

    A partnership of *m* members adds the *m(m-1)/2* pairs (the one-mode projection
    of the organisation–partnership graph, Newman 2001, "Scientific collaboration
    networks"); ``weight`` counts the partnerships a pair shares.

    Parameters
    ----------
    data
        The landscape.
    survey_ties
        Include partnerships known only from survey answers (off by default: they
        identify respondents' organisations).

    Returns
    -------
    networkx.Graph
        Nodes are organisation keys (every organisation, tied or not).

    Examples
    --------
    >>> from survey.landscape.records import Organisation, Partnership
    >>> orgs = tuple(Organisation(k, k.upper(), "university") for k in "abc")
    >>> ties = (Partnership("p1", "P1", "episodic", ("a", "b", "c")),
    ...         Partnership("p2", "P2", "joint_post", ("a", "b")))
    >>> g = organisation_graph(LandscapeData(orgs, ties))
    >>> g["a"]["b"]["weight"], g["a"]["b"]["partnerships"], g["b"]["c"]["weight"]
    (2, ('p1', 'p2'), 1)
    """
    shown = visible_data(data, survey_ties=survey_ties)
    graph = nx.Graph(version=data_version(shown),
                     organisations={o.key: o for o in shown.organisations},
                     partnerships={p.key: p for p in shown.partnerships},
                     themes={t.code: t for t in shown.themes},
                     barriers={b.code: b for b in shown.barriers})
    graph.add_nodes_from((o.key, _node_attributes(o)) for o in shown.organisations)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for tie in shown.partnerships:
        members = sorted({m for m in tie.members if m in graph})
        for a, b in combinations(members, 2):
            shared[a, b].append(tie.key)
    graph.add_edges_from((a, b, {"weight": len(keys), "partnerships": tuple(keys)})
                         for (a, b), keys in shared.items())
    return graph


def bipartite_graph(data: LandscapeData, *, survey_ties: bool = False) -> nx.Graph:
    """The organisation–partnership (two-mode) graph.

    Organisation nodes keep their keys (``bipartite=0``); partnership nodes are
    ``"partnership:KEY"`` (``bipartite=1``) with ``name``, ``kind``, ``themes`` and
    ``provenance``.

    Examples
    --------
    >>> from survey.landscape.records import Organisation, Partnership
    >>> orgs = tuple(Organisation(k, k, "university") for k in "ab")
    >>> g = bipartite_graph(LandscapeData(orgs, (Partnership("p", "P", "episodic", ("a", "b")),)))
    >>> sorted(g["partnership:p"])
    ['a', 'b']
    """
    shown = visible_data(data, survey_ties=survey_ties)
    graph = nx.Graph(version=data_version(shown))
    graph.add_nodes_from((o.key, {**_node_attributes(o), "bipartite": 0})
                         for o in shown.organisations)
    for tie in shown.partnerships:
        node = f"partnership:{tie.key}"
        graph.add_node(node, bipartite=1, name=tie.name, kind=tie.kind, themes=tie.themes,
                       synthetic=tie.synthetic, provenance=tie.provenance)
        graph.add_edges_from((member, node) for member in tie.members if member in graph)
    return graph


def _partnership_codes(data: LandscapeData, layer: str) -> dict[str, dict[str, list[str]]]:
    """organisation key -> code -> keys of the partnerships that carry that code."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for tie in data.partnerships:
        for code in getattr(tie, layer):
            for member in tie.members:
                found[member][code].append(tie.key)
    return found


def layer_graph(data: LandscapeData, layer: str, *, survey_ties: bool = False) -> nx.Graph:
    """The theme (``layer="themes"``) or barrier (``"barriers"``) layer: organisations
    linked to the codes they state or meet through their partnerships.

    Code nodes are ``"theme:CODE"`` / ``"barrier:CODE"`` (``bipartite=1``, with
    ``label``); each edge says ``stated`` (the organisation's own record names the
    code) and ``partnerships`` (the partnerships that carry it).

    Examples
    --------
    >>> from survey.landscape.records import Organisation, Partnership
    >>> orgs = (Organisation("a", "A", "university", themes=("housing",)),
    ...         Organisation("b", "B", "county_council"))
    >>> ties = (Partnership("p", "P", "episodic", ("a", "b"), themes=("housing",)),)
    >>> g = layer_graph(LandscapeData(orgs, ties), "themes")
    >>> g["a"]["theme:housing"]["stated"], g["b"]["theme:housing"]["partnerships"]
    (True, ('p',))
    """
    if layer not in ("themes", "barriers"):
        raise ValueError(f"layer is 'themes' or 'barriers', not {layer!r}")
    shown = visible_data(data, survey_ties=survey_ties)
    prefix = layer[:-1]
    labels = {t.code: t.label for t in (shown.themes if layer == "themes" else shown.barriers)}
    graph = nx.Graph(version=data_version(shown))
    graph.add_nodes_from((o.key, {**_node_attributes(o), "bipartite": 0})
                         for o in shown.organisations)
    via = _partnership_codes(shown, layer)
    for org in shown.organisations:
        codes = set(getattr(org, layer)) | set(via.get(org.key, {}))
        for code in sorted(codes):
            node = f"{prefix}:{code}"
            if node not in graph:
                graph.add_node(node, bipartite=1, code=code, label=labels.get(code, code))
            graph.add_edge(org.key, node, stated=code in getattr(org, layer),
                           partnerships=tuple(via.get(org.key, {}).get(code, ())))
    return graph


def organisation_themes(data: LandscapeData, partnerships: Iterable[Partnership] | None = None
                        ) -> dict[str, set[str]]:
    """Each organisation's themes: those it states plus those of its partnerships.

    ``partnerships`` (default: all of ``data``'s) limits which partnerships count,
    so an evaluation can hide some.

    Examples
    --------
    >>> from survey.landscape.records import Organisation, Partnership
    >>> orgs = (Organisation("a", "A", "university", themes=("skills",)),)
    >>> ties = (Partnership("p", "P", "episodic", ("a",), themes=("housing",)),)
    >>> sorted(organisation_themes(LandscapeData(orgs, ties))["a"])
    ['housing', 'skills']
    """
    themes = {o.key: set(o.themes) for o in data.organisations}
    for tie in data.partnerships if partnerships is None else partnerships:
        for member in tie.members:
            themes.setdefault(member, set()).update(tie.themes)
    return themes


def _keep(attrs: dict[str, Any], nation: str | None, region: str | None,
          types: Collection[str] | None) -> bool:
    return ((nation is None or attrs.get("nation") == nation)
            and (region is None or attrs.get("region") == region)
            and (not types or attrs.get("type") in types))


def subgraph(graph: nx.Graph, *, nation: str | None = None, region: str | None = None,
             types: Collection[str] | None = None, cross: bool = False) -> nx.Graph:
    """The organisations of one nation, region and/or set of types, and the ties among them.

    With ``cross`` the ties leaving the selection are kept too, with the
    organisations they reach marked ``outside=True`` (and only those: their ties
    with each other are not added). Every node of the result has ``outside``.

    Parameters
    ----------
    graph
        An organisation graph (:func:`organisation_graph`).
    nation, region
        Codes of :mod:`survey.instrument.places` (``"wales"``, ``"west_midlands"``).
    types
        Organisation type codes; empty or None keeps every type.
    cross
        Keep ties that cross the selection's boundary.

    Returns
    -------
    networkx.Graph
        A new graph (attributes copied), sharing ``graph.graph``.

    Examples
    --------
    >>> g = nx.Graph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(g, {"a": "wales", "b": "wales", "c": "scotland"}, "region")
    >>> sorted(subgraph(g, region="wales").edges)
    [('a', 'b')]
    >>> view = subgraph(g, region="wales", cross=True)
    >>> sorted(view.edges), view.nodes["c"]["outside"]
    ([('a', 'b'), ('b', 'c')], True)
    """
    inside = [n for n, attrs in graph.nodes(data=True) if _keep(attrs, nation, region, types)]
    view = nx.Graph(graph.subgraph(inside))
    view.graph = graph.graph
    nx.set_node_attributes(view, False, "outside")
    if cross:
        chosen = set(inside)
        for node in inside:
            for other, attrs in graph.adj[node].items():
                if other in chosen:
                    continue
                if other not in view:
                    view.add_node(other, **graph.nodes[other])
                    view.nodes[other]["outside"] = True
                view.add_edge(node, other, **attrs)
    return view
