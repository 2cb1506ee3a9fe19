"""What the explorer's Network page shows, as plain functions (no Dash, no browser).

A :class:`ViewSpec` is the view's state (filters, metric, colouring, focus) and
round-trips through a URL query. :class:`ViewCache` keeps, per graph version, the
communities of the whole graph and each view's metrics, so a view seen before costs a
subgraph and a figure. :func:`network_figure` draws a view with plotly (a figure
dictionary): the nodes as one ``scattergl`` trace, the ties batched into at most three
line traces with ``None`` separators, positions from
:func:`network.layout.cached_positions`. Organisation names are HTML-escaped in hover
text (plotly reads a subset of HTML there).
"""

from __future__ import annotations

import html
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from network.graphs import subgraph
from network.layout import cached_positions
from network.metrics import MetricsTable, betweenness, communities, metrics_table
from survey.export.palette import CATEGORICAL, NEUTRALS, category, rgba
from survey.instrument.places import NATIONS, REGIONS
from survey.landscape.records import ORGANISATION_TYPES, PARTNERSHIP_KINDS, PROVENANCE_KINDS

__all__ = [
    "COLOUR_CHOICES",
    "SIZE_CHOICES",
    "TieDetail",
    "ViewCache",
    "ViewSpec",
    "network_figure",
    "tie_details",
]

#: Node size choices (code -> label).
SIZE_CHOICES: dict[str, str] = {"degree": "Partners (degree)",
                                "weighted_degree": "Shared partnerships (weighted degree)",
                                "betweenness": "Brokerage (betweenness)", "none": "Same size"}
#: Node colour choices.
COLOUR_CHOICES: dict[str, str] = {"type": "Organisation type", "community": "Community"}

# Colour and shape per type (survey.export.palette: colour-blind safe); unknown is grey.
_OTHER = (NEUTRALS["light"], "circle")
_TYPE_STYLES = {code: category(i) for i, code in enumerate(t for t in ORGANISATION_TYPES
                                                           if t != "unknown")}
_COMMUNITIES = 10
_PLACE_NAMES = {p.code: p.en for p in (*NATIONS, *REGIONS)}
_FADED = 0.12


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """The state of a Network page view; every field is a plain code."""

    nation: str | None = None
    region: str | None = None
    types: tuple[str, ...] = ()
    cross: bool = False
    size_by: str = "degree"
    colour_by: str = "type"
    focus: str | None = None
    depth: int = 1

    @property
    def selection(self) -> tuple[Any, ...]:
        """What decides the view's nodes and ties (the metrics cache key)."""
        return (self.nation, self.region, tuple(sorted(self.types)), self.cross)

    def query(self) -> dict[str, str]:
        """The view as URL query parameters (defaults left out).

        Examples
        --------
        >>> ViewSpec(region="wales", types=("university",), focus="x").query()
        {'region': 'wales', 'type': 'university', 'focus': 'x'}
        """
        found: dict[str, str] = {}
        if self.nation:
            found["nation"] = self.nation
        if self.region:
            found["region"] = self.region
        if self.types:
            found["type"] = ",".join(self.types)
        if self.cross:
            found["cross"] = "1"
        if self.size_by != "degree":
            found["size"] = self.size_by
        if self.colour_by != "type":
            found["colour"] = self.colour_by
        if self.focus:
            found["focus"] = self.focus
        if self.depth != 1:
            found["depth"] = str(self.depth)
        return found

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> ViewSpec:
        """The view a URL asks for; values that are not valid codes are ignored.

        Examples
        --------
        >>> spec = ViewSpec(region="wales", cross=True, depth=2, colour_by="community")
        >>> ViewSpec.from_query(spec.query()) == spec
        True
        >>> ViewSpec.from_query({"region": "<script>", "depth": "9"}) == ViewSpec()
        True
        """
        def one(name: str) -> str | None:
            value = params.get(name)
            return str(value) if isinstance(value, str) and value else None

        nation = one("nation")
        region = one("region")
        types = tuple(t for t in (one("type") or "").split(",") if t in ORGANISATION_TYPES)
        size = one("size")
        colour = one("colour")
        depth = one("depth")
        return cls(
            nation=nation if nation in {p.code for p in NATIONS} else None,
            region=region if region in {p.code for p in REGIONS} else None,
            types=types, cross=one("cross") in ("1", "true"),
            size_by=size if size in SIZE_CHOICES else "degree",
            colour_by=colour if colour in COLOUR_CHOICES else "type",
            focus=one("focus"), depth=2 if depth == "2" else 1)


@dataclass
class ViewCache:
    """Per graph version: the whole graph's communities, and each selection's view and
    metrics (a few versions and selections kept, least recently used dropped first)."""

    seed: int = 0
    size: int = 64
    _views: OrderedDict[tuple[Any, ...], tuple[nx.Graph, MetricsTable]] = field(
        default_factory=OrderedDict)
    _communities: OrderedDict[str, dict[str, int]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def communities(self, graph: nx.Graph) -> dict[str, int]:
        """Louvain communities of the whole ``graph``, once per version."""
        version = str(graph.graph.get("version"))
        with self._lock:
            found = self._communities.get(version)
        if found is None:
            found = communities(graph, seed=self.seed)
            with self._lock:
                self._communities[version] = found
                while len(self._communities) > 4:
                    self._communities.popitem(last=False)
        return found

    def view(self, graph: nx.Graph, spec: ViewSpec) -> tuple[nx.Graph, MetricsTable]:
        """The subgraph of ``spec``'s selection and its metrics (cached per version)."""
        key = (str(graph.graph.get("version")), *spec.selection)
        with self._lock:
            if key in self._views:
                self._views.move_to_end(key)
                return self._views[key]
        view = subgraph(graph, nation=spec.nation, region=spec.region, types=spec.types,
                        cross=spec.cross)
        table = metrics_table(view, seed=self.seed, community_of=self.communities(graph),
                              between=betweenness(view, seed=self.seed))
        with self._lock:
            self._views[key] = (view, table)
            while len(self._views) > self.size:
                self._views.popitem(last=False)
        return view, table

    def clear(self) -> None:
        with self._lock:
            self._views.clear()
            self._communities.clear()


def _neighbourhood(view: nx.Graph, focus: str | None, depth: int) -> set[str] | None:
    if focus is None or focus not in view:
        return None
    return set(nx.single_source_shortest_path_length(view, focus, cutoff=depth))


def _sizes(values: list[float]) -> list[float]:
    top = max(values, default=0.0)
    if top <= 0:
        return [9.0] * len(values)
    return [7.0 + 23.0 * math.sqrt(max(v, 0.0) / top) for v in values]


def _hover(attrs: Mapping[str, Any], row: Mapping[str, Any]) -> str:
    lines = [html.escape(str(attrs.get("name", "")), quote=False),
             ORGANISATION_TYPES.get(str(attrs.get("type")), str(attrs.get("type") or "")),
             _PLACE_NAMES.get(str(attrs.get("region")), "region not known"),
             f"partners {row.get('degree', 0)}, shared partnerships "
             f"{row.get('weighted_degree', 0):g}, betweenness {row.get('betweenness', 0):.3f}"]
    if attrs.get("outside"):
        lines.append("outside the selection")
    if attrs.get("synthetic"):
        lines.append("synthetic")
    return "<br>".join(lines)


def network_figure(graph: nx.Graph, view: nx.Graph, metrics: MetricsTable, spec: ViewSpec,
                   *, positions: Mapping[str, tuple[float, float]] | None = None
                   ) -> dict[str, Any]:
    """Draw ``view`` (a selection of ``graph``) with its metrics, as ``spec`` asks.

    Nodes are one ``scattergl`` trace (``customdata`` = organisation key, for
    clicks); ties are at most three line traces: ties in the selection, ties leaving
    it (``spec.cross``), and, with a focus, the ties outside its neighbourhood,
    faded. With a focus, organisations further than ``spec.depth`` ties away are
    faded, not hidden. The legend names the colours (one legend-only entry each).
    ``positions`` overrides the cached layout (for comparisons).
    Returned as a plotly figure dictionary (what ``dcc.Graph`` takes; building
    ``plotly.graph_objects`` would validate every point again on each view).

    Examples
    --------
    >>> g = nx.Graph([("a", "b")], version="doc")
    >>> nx.set_node_attributes(g, {"a": "<b>A</b>", "b": "B"}, "name")
    >>> view, table = ViewCache().view(g, ViewSpec())
    >>> fig = network_figure(g, view, table, ViewSpec())
    >>> [t["type"] for t in fig["data"]][:2], fig["data"][1]["hovertext"][0].split("<br>")[0]
    (['scattergl', 'scattergl'], '&lt;b&gt;A&lt;/b&gt;')
    """
    spots = cached_positions(graph) if positions is None else positions
    rows = metrics.table.set_index("key").to_dict("index") if not metrics.table.empty else {}
    near = _neighbourhood(view, spec.focus, spec.depth)
    batches: dict[str, tuple[list[float | None], list[float | None]]] = {
        "in": ([], []), "cross": ([], []), "faded": ([], [])}
    for a, b in view.edges():
        if near is not None and not (a in near and b in near):
            batch = "faded"
        elif view.nodes[a].get("outside") or view.nodes[b].get("outside"):
            batch = "cross"
        else:
            batch = "in"
        xs, ys = batches[batch]
        (xa, ya), (xb, yb) = spots[a], spots[b]
        xs.extend((xa, xb, None))
        ys.extend((ya, yb, None))
    styles = {"in": ("Ties", dict(color=rgba(NEUTRALS["rule"], 0.45), width=1)),
              "cross": ("Ties leaving the selection",
                        dict(color=rgba(CATEGORICAL[5], 0.45), width=1, dash="dot")),
              "faded": ("Other ties", dict(color=rgba(NEUTRALS["mid"], 0.12), width=1))}
    traces: list[Any] = []
    for batch, (name, line) in styles.items():
        xs, ys = batches[batch]
        if xs:
            traces.append(dict(type="scattergl", x=xs, y=ys, mode="lines", line=line,
                               name=name, hoverinfo="skip", showlegend=batch != "in"))
    keys = list(view.nodes)
    communities_of = {k: r.get("community") for k, r in rows.items()}
    colours: list[str] = []
    symbols: list[str] = []
    legend: dict[str, tuple[str, str]] = {}
    for key in keys:
        attrs = view.nodes[key]
        if spec.colour_by == "community":
            group = communities_of.get(key)
            if isinstance(group, int) and group < _COMMUNITIES:
                (colour, symbol), label = category(group), f"Community {group + 1}"
            else:
                (colour, symbol), label = _OTHER, "Smaller communities"
        else:
            colour, symbol = _TYPE_STYLES.get(str(attrs.get("type")), _OTHER)
            label = ORGANISATION_TYPES.get(str(attrs.get("type")), "Type not known")
        legend.setdefault(label, (colour, symbol))
        symbols.append(symbol)
        faded = (near is not None and key not in near) or bool(attrs.get("outside"))
        colours.append(rgba(colour, _FADED if near is not None and key not in near
                             else 0.45 if faded else 0.95))
    values = [0.0 if spec.size_by == "none" else float(rows.get(k, {}).get(spec.size_by, 0.0))
              for k in keys]
    sizes = _sizes(values)
    if spec.focus in view:
        sizes[keys.index(spec.focus)] = max(sizes) + 6
    traces.append(dict(
        type="scattergl", x=[spots[k][0] for k in keys], y=[spots[k][1] for k in keys],
        mode="markers",
        marker=dict(size=sizes, color=colours, symbol=symbols,
                    line=dict(width=0.5, color=NEUTRALS["ink"])),
        customdata=keys, hovertext=[_hover(view.nodes[k], rows.get(k, {})) for k in keys],
        hoverinfo="text", name="Organisations", showlegend=False))
    for label, (colour, symbol) in sorted(legend.items()):
        traces.append(dict(type="scattergl", x=[None], y=[None], mode="markers", name=label,
                           marker=dict(size=10, color=colour, symbol=symbol),
                           hoverinfo="skip"))
    layout = dict(
        showlegend=True, hovermode="closest", clickmode="event", dragmode="pan",
        uirevision=repr(spec.selection), height=640, margin=dict(l=10, r=10, t=10, b=10),
        legend=dict(itemclick=False, itemdoubleclick=False, orientation="h", y=-0.02),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"),
        plot_bgcolor=NEUTRALS["white"])
    return {"data": traces, "layout": layout}


@dataclass(frozen=True, slots=True)
class TieDetail:
    """One tie of an organisation: the partner and the partnerships behind it."""

    partner: str
    partner_name: str
    partner_region: str
    partnerships: tuple[tuple[str, str, str], ...]  # (name, kind label, provenance text)


def tie_details(graph: nx.Graph, key: str) -> list[TieDetail]:
    """``key``'s ties in ``graph``, strongest first, each with its partnerships'
    kinds and provenance (plain text; render as text).

    Examples
    --------
    >>> from survey.landscape.records import LandscapeData, Organisation, Partnership
    >>> from survey.landscape.records import Provenance
    >>> from network.graphs import organisation_graph
    >>> orgs = (Organisation("a", "A", "university"), Organisation("b", "B", "lep"))
    >>> tie = Partnership("p", "Joint post", "joint_post", ("a", "b"),
    ...                   provenance=(Provenance("report", "report 3.36"),))
    >>> [d.partnerships for d in tie_details(organisation_graph(LandscapeData(orgs, (tie,))), "a")]
    [(('Joint post', 'Joint post', '2022 report paragraph: report 3.36'),)]
    """
    records = graph.graph.get("partnerships", {})
    found = []
    for partner, attrs in graph.adj[key].items():
        ties = []
        for pkey in attrs.get("partnerships", ()):
            tie = records.get(pkey)
            if tie is None:
                continue
            where = "; ".join(
                f"{PROVENANCE_KINDS.get(p.kind, p.kind)}: {p.reference}"
                + (f" ({p.detail})" if p.detail else "") for p in tie.provenance)
            ties.append((tie.name, PARTNERSHIP_KINDS.get(tie.kind, tie.kind),
                         where or "provenance not recorded"))
        node = graph.nodes[partner]
        found.append(TieDetail(partner, str(node.get("name", partner)),
                               _PLACE_NAMES.get(str(node.get("region")), "region not known"),
                               tuple(ties)))
    return sorted(found, key=lambda d: (-len(d.partnerships), d.partner_name))


def with_focus(spec: ViewSpec, focus: str | None) -> ViewSpec:
    """``spec`` focused on ``focus`` (None: no focus)."""
    return replace(spec, focus=focus)
