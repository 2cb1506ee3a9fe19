"""Match-making: researchers and research bodies an organisation could work with (4.5–4.8).

A council–university graph is nearly bipartite, so two organisations of the same side
rarely share a partner and common-neighbour scores between a council and a university
it does not know are zero by construction. The score therefore combines

* **themes**: the share of the organisation's themes (stated research needs, and the
  themes of its partnerships) that the candidate works on (its stated expertise and
  its partnerships' themes);
* **paths**: a Katz index (Katz 1953) truncated at length three,
  ``beta^2 * paths2 + beta^3 * paths3`` with ``beta = 0.5``, over hops in the
  organisation graph (the "local path" index of Lü, Jin & Zhou 2009), scaled to 0–1
  by the best candidate's value; a path of length three (my partner's partner's
  partner) exists where common neighbours cannot;
* **region**: 1 when the candidate is in the organisation's region;
* **activity**: ``log(1 + degree)`` scaled by the busiest candidate's (preferential
  attachment, Liben-Nowell & Kleinberg 2007: well-connected bodies take on new ties),

as ``0.3 themes + 0.3 paths + 0.25 region + 0.15 activity``. The weights were chosen
by hand on a synthetic landscape and hide-ties seeds 1 and 2; report other seeds. Each
suggestion carries its reasons: the shared themes, the partners in common, an example
path and the provenance of the ties on it.

:func:`evaluate` hides a seeded share of the partnerships between a research body and
another organisation and reports how often the hidden partner comes back in the top
*k*, beside a baseline ranking (same region first, then most connected).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace
from itertools import pairwise

import networkx as nx

from network.graphs import (
    RESEARCH_TYPES,
    organisation_graph,
    organisation_themes,
    visible_data,
)
from survey.landscape.records import LandscapeData

__all__ = [
    "Evaluation",
    "MatchContext",
    "Suggestion",
    "baseline",
    "evaluate",
    "match",
]

_BETA = 0.5
_WEIGHTS = {"themes": 0.3, "paths": 0.3, "region": 0.25, "activity": 0.15}


@dataclass(frozen=True, slots=True)
class MatchContext:
    """What match-making reads: the organisation graph and each organisation's themes."""

    graph: nx.Graph
    themes: dict[str, set[str]]
    theme_labels: dict[str, str]

    @classmethod
    def build(cls, data: LandscapeData, *, survey_ties: bool = False) -> MatchContext:
        """Build the context of ``data`` (survey-only ties left out unless asked)."""
        shown = visible_data(data, survey_ties=survey_ties)
        return cls(organisation_graph(shown, survey_ties=True), organisation_themes(shown),
                   {t.code: t.label for t in shown.themes})


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested partner with its score, its parts and the reasons in words."""

    key: str
    name: str
    type: str
    region: str | None
    score: float
    theme_score: float
    path_score: float
    same_region: bool
    shared_themes: tuple[str, ...]
    common_partners: tuple[str, ...]
    path: tuple[str, ...]
    provenance: tuple[str, ...]
    reasons: tuple[str, ...]


def _walks(graph: nx.Graph, source: str) -> tuple[Counter[str], Counter[str]]:
    """Walks of length two and three from ``source`` (simple paths to non-neighbours)."""
    two: Counter[str] = Counter()
    for x in graph.adj[source]:
        two.update(graph.adj[x].keys())
    three: Counter[str] = Counter()
    for y, count in two.items():
        for c in graph.adj[y]:
            three[c] += count
    return two, three


def _example_path(graph: nx.Graph, source: str, target: str) -> tuple[str, ...]:
    """A shortest path of at most three hops (the strongest ties first), or ()."""
    try:
        found = nx.shortest_path(graph, source, target)
    except nx.NetworkXNoPath:
        return ()
    return tuple(found) if len(found) <= 4 else ()


def _path_provenance(graph: nx.Graph, path: tuple[str, ...]) -> tuple[str, ...]:
    records = graph.graph.get("partnerships", {})
    found: list[str] = []
    for a, b in pairwise(path):
        for key in graph.edges[a, b].get("partnerships", ()):
            tie = records.get(key)
            if tie is None:
                continue
            where = "; ".join(f"{p.kind}: {p.reference}" for p in tie.provenance) or "unknown"
            text = f"{tie.name} ({where})"
            if text not in found:
                found.append(text)
    return tuple(found)


def _name(graph: nx.Graph, key: str) -> str:
    return str(graph.nodes[key].get("name", key))


def _candidates(graph: nx.Graph, key: str, *, types: Collection[str] | None,
                region: str | None, nation: str | None) -> list[str]:
    wanted = set(types) if types else RESEARCH_TYPES
    partners = set(graph.adj[key])
    return sorted(c for c, attrs in graph.nodes(data=True)
                  if c != key and c not in partners and attrs.get("type") in wanted
                  and (region is None or attrs.get("region") == region)
                  and (nation is None or attrs.get("nation") == nation))


def match(context: MatchContext, key: str, *, limit: int = 10,
          types: Collection[str] | None = None, region: str | None = None,
          nation: str | None = None) -> list[Suggestion]:
    """Rank research organisations that are not yet ``key``'s partners (see module doc).

    Parameters
    ----------
    context
        :meth:`MatchContext.build` of the landscape.
    key
        The organisation looking for partners.
    limit
        How many suggestions.
    types
        Candidate organisation types (default: universities, research centres,
        observatories).
    region, nation
        Only candidates there.

    Returns
    -------
    list of Suggestion
        Best first; ties broken by name.

    Examples
    --------
    >>> from survey.landscape.records import Organisation, Partnership
    >>> orgs = (Organisation("c", "Council", "county_council", themes=("housing",)),
    ...         Organisation("u", "Uni", "university", themes=("housing",)),
    ...         Organisation("v", "Other uni", "university", themes=("arts",)))
    >>> context = MatchContext.build(LandscapeData(orgs, ()))
    >>> [(s.key, s.shared_themes) for s in match(context, "c")]
    [('u', ('housing',)), ('v', ())]
    """
    graph = context.graph
    needs = context.themes.get(key, set())
    two, three = _walks(graph, key)
    origin = graph.nodes[key]
    scored = []
    for candidate in _candidates(graph, key, types=types, region=region, nation=nation):
        shared = needs & context.themes.get(candidate, set())
        theme = len(shared) / len(needs) if needs else 0.0
        katz = _BETA ** 2 * two.get(candidate, 0) + _BETA ** 3 * three.get(candidate, 0)
        local = (origin.get("region") is not None
                 and graph.nodes[candidate].get("region") == origin.get("region"))
        scored.append((candidate, theme, katz, local, shared))
    best = max((s[2] for s in scored), default=0.0) or 1.0
    busiest = math.log1p(max((graph.degree(s[0]) for s in scored), default=0)) or 1.0
    ranked = []
    for candidate, theme, katz, local, shared in scored:
        paths = katz / best
        activity = math.log1p(graph.degree(candidate)) / busiest
        score = (_WEIGHTS["themes"] * theme + _WEIGHTS["paths"] * paths
                 + _WEIGHTS["region"] * local + _WEIGHTS["activity"] * activity)
        ranked.append((score, _name(graph, candidate), candidate, theme, paths, local, shared))
    ranked.sort(key=lambda r: (-r[0], r[1], r[2]))
    return [_suggestion(context, key, *row) for row in ranked[:limit]]


def _suggestion(context: MatchContext, key: str, score: float, name: str, candidate: str,
                theme: float, paths: float, local: bool, shared: set[str]) -> Suggestion:
    graph = context.graph
    common = tuple(sorted(set(graph.adj[key]) & set(graph.adj[candidate]),
                          key=lambda n: _name(graph, n)))
    path = _example_path(graph, key, candidate)
    themes = tuple(sorted(shared))
    reasons: list[str] = []
    if themes:
        labels = ", ".join(context.theme_labels.get(t, t) for t in themes)
        reasons.append(f"works on {labels}")
    if common:
        reasons.append("partners in common: " + ", ".join(_name(graph, n) for n in common[:5]))
    elif len(path) == 4:
        reasons.append("linked in three steps: " + " – ".join(_name(graph, n) for n in path))
    if local:
        reasons.append("same region")
    if graph.degree(candidate):
        reasons.append(f"well connected: {graph.degree(candidate)} partner(s)")
    attrs = graph.nodes[candidate]
    return Suggestion(candidate, name, str(attrs.get("type")), attrs.get("region"),
                      round(score, 6), round(theme, 6), round(paths, 6), local, themes,
                      common, path, _path_provenance(graph, path), tuple(reasons))


def baseline(context: MatchContext, key: str, *, limit: int = 10) -> list[str]:
    """The baseline ranking: research bodies in the same region first, then most connected.

    Examples
    --------
    >>> from survey.landscape.records import Organisation
    >>> orgs = (Organisation("c", "C", "county_council", region="wales"),
    ...         Organisation("u", "U", "university", region="london"),
    ...         Organisation("v", "V", "university", region="wales"))
    >>> baseline(MatchContext.build(LandscapeData(orgs, ())), "c")
    ['v', 'u']
    """
    graph = context.graph
    home = graph.nodes[key].get("region")
    ranked = sorted(_candidates(graph, key, types=None, region=None, nation=None),
                    key=lambda c: (home is None or graph.nodes[c].get("region") != home,
                                   -graph.degree(c), c))
    return ranked[:limit]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Hit rates of match-making and of the baseline on hidden ties."""

    hidden: int
    k: int
    share: float
    seed: int
    hits: int
    baseline_hits: int

    @property
    def hit_rate(self) -> float:
        return self.hits / self.hidden if self.hidden else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline_hits / self.hidden if self.hidden else 0.0


def evaluate(data: LandscapeData, *, share: float = 0.2, k: int = 5, seed: int = 0,
             survey_ties: bool = False) -> Evaluation:
    """Hide a share of known ties and count how often match-making finds them again.

    The partnerships joining a research body to another organisation are listed
    (sorted by key) and ``share`` of them drawn with ``seed``; they are removed from
    the landscape (graph *and* themes, so nothing of them leaks). Each (organisation,
    research body) pair they alone gave is a test: a hit when the research body is
    in the organisation's top ``k`` by :func:`match` (and, separately, by
    :func:`baseline`).

    Examples
    --------
    >>> from network.synthetic import synthetic_landscape
    >>> result = evaluate(synthetic_landscape(120, 400, seed=3), k=5, survey_ties=True)
    >>> result.hidden > 0 and 0 <= result.hit_rate <= 1
    True
    """
    shown = visible_data(data, survey_ties=survey_ties)
    kinds = {o.key: o.type for o in shown.organisations}

    def mixed(members: tuple[str, ...]) -> bool:
        research = [m for m in members if kinds.get(m) in RESEARCH_TYPES]
        return bool(research) and len(research) < len({m for m in members if m in kinds})

    eligible = sorted((p for p in shown.partnerships if mixed(p.members)), key=lambda p: p.key)
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    hidden = rng.sample(eligible, round(share * len(eligible)))
    hidden_keys = {p.key for p in hidden}
    kept = replace(shown, partnerships=tuple(p for p in shown.partnerships
                                             if p.key not in hidden_keys))
    context = MatchContext.build(kept, survey_ties=True)
    pairs = sorted({(a, b) for p in hidden for a in p.members for b in p.members
                    if a in kinds and b in kinds and kinds[a] not in RESEARCH_TYPES
                    and kinds[b] in RESEARCH_TYPES and not context.graph.has_edge(a, b)})
    hits = sum(b in {s.key for s in match(context, a, limit=k)} for a, b in pairs)
    base = sum(b in baseline(context, a, limit=k) for a, b in pairs)
    return Evaluation(len(pairs), k, share, seed, hits, base)
