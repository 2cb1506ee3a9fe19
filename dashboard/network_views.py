"""The Network page's data and components, built without a browser.

:func:`network_state` reads the landscape through the store's API
(:func:`survey.store.landscape.load_landscape`) and keeps, per graph version, the
organisation graph and the match-making context, so a callback costs a store read, a
cached view and a figure. Ties known only from survey answers are left out unless the
``network_survey_ties`` setting is on (they identify respondents' organisations). The
landscape is re-read at most every :data:`RELOAD_SECONDS` (reading a national landscape
through the store takes seconds; a view must not wait for it).
Every name, provenance and reason is rendered as a text child (escaped by React).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
from dash import html

from dashboard.views import humanise
from network.graphs import data_version, organisation_graph, visible_data
from network.match import MatchContext, match
from network.view import ViewCache, ViewSpec, network_figure, tie_details
from survey.errors import LandscapeError
from survey.landscape.records import ORGANISATION_TYPES, PROVENANCE_KINDS, LandscapeData
from survey.settings import resolve
from survey.store import Store
from survey.store.landscape import load_landscape

__all__ = [
    "SURVEY_TIES_NOTE",
    "NetworkState",
    "details_panel",
    "network_state",
    "view_figure",
    "view_summary",
]

SURVEY_TIES_NOTE = ("Ties known only from survey answers are hidden: they identify "
                    "respondents' organisations. Analysts and admins see them when signed "
                    "in.")


@dataclass(frozen=True, slots=True)
class NetworkState:
    """The loaded landscape: its graph, match-making context and data labels."""

    graph: nx.Graph
    context: MatchContext
    labels: tuple[str, ...]
    survey_ties: bool
    synthetic: bool


#: How old (seconds) a loaded landscape may be before a request reads the store again.
RELOAD_SECONDS = 60.0
_states: weakref.WeakKeyDictionary[
    Store, dict[tuple[bool, tuple[str, ...]], tuple[float, NetworkState]]] = (
        weakref.WeakKeyDictionary())
_lock = threading.Lock()
#: Background reads running now (store id, survey ties, labels).
_reading: set[tuple[int, bool, tuple[str, ...]]] = set()
_LOG = logging.getLogger(__name__)
#: Views and metrics per graph version, shared by every request.
VIEW_CACHE = ViewCache()


def _synthetic(data: LandscapeData) -> bool:
    return any(o.synthetic for o in data.organisations) or any(
        p.synthetic for p in data.partnerships)


def network_state(store: Store, labels: Sequence[str] = (), *,
                  max_age: float = RELOAD_SECONDS,
                  survey_ties: bool | None = None, wait: bool = True) -> NetworkState:
    """The store's landscape as a :class:`NetworkState`, read again when older than
    ``max_age`` seconds (the same object is kept while the data is unchanged).

    ``wait=False`` (the pages): a kept state older than ``max_age`` is returned at once
    while one background thread reads the store again, so no visitor waits for the
    read (seconds for a national landscape); the next request gets the new state.

    Raises
    ------
    LandscapeError
        ``N165`` when the store holds no organisations.

    ``survey_ties`` says whether ties known only from survey answers are included
    (default: the ``network_survey_ties`` setting); the explorer passes the viewer's
    role (:func:`dashboard.access.allowed` ``"survey_ties"``).
    """
    if survey_ties is None:
        survey_ties = bool(resolve("network_survey_ties"))
    key = (survey_ties, tuple(labels))
    with _lock:
        entry = _states.get(store, {}).get(key)
    if entry is not None and time.monotonic() - entry[0] < max_age:
        return entry[1]
    if entry is not None and not wait:
        _read_again_later(store, labels, survey_ties)
        return entry[1]
    data = visible_data(load_landscape(store), survey_ties=survey_ties)
    if not data.organisations:
        raise LandscapeError.of("N165", "the store holds no partnership landscape")
    if entry is not None and entry[1].graph.graph["version"] == data_version(data):
        with _lock:
            _states.setdefault(store, {})[key] = (time.monotonic(), entry[1])
        return entry[1]
    synthetic = _synthetic(data)
    shown = (*labels, "the landscape includes synthetic organisations or ties") \
        if synthetic else tuple(labels)
    state = NetworkState(organisation_graph(data, survey_ties=True),
                         MatchContext.build(data, survey_ties=True), tuple(shown),
                         survey_ties, synthetic)
    with _lock:
        _states.setdefault(store, {})[key] = (time.monotonic(), state)
    return state


def _read_again_later(store: Store, labels: Sequence[str], survey_ties: bool) -> None:
    """Read the landscape again in one background thread per store and key."""
    flight = (id(store), survey_ties, tuple(labels))
    with _lock:
        if flight in _reading:
            return
        _reading.add(flight)

    def read() -> None:
        try:
            network_state(store, labels, max_age=0, survey_ties=survey_ties)
        except Exception:  # a background thread must not die: the kept state serves
            _LOG.exception("reading the partnership landscape again failed")
        finally:
            with _lock:
                _reading.discard(flight)

    threading.Thread(target=read, name="network-read", daemon=True).start()


def view_figure(state: NetworkState, spec: ViewSpec) -> tuple[dict[str, Any], nx.Graph]:
    """The figure of ``spec``'s view and the view itself."""
    view, table = VIEW_CACHE.view(state.graph, spec)
    return network_figure(state.graph, view, table, spec), view


def view_summary(view: nx.Graph, spec: ViewSpec) -> str:
    """One sentence naming the selection and its size (and the focused organisation).

    It is the chart's text alternative and the page's live status: short, so a
    screen reader announces a change of view without re-reading the details panel.

    Examples
    --------
    >>> view_summary(nx.Graph([("a", "b")]), ViewSpec(region="wales"))
    'Wales: 2 organisations, 1 ties.'
    >>> g = nx.Graph([("a", "b")]); g.nodes["a"]["name"] = "Aston"
    >>> view_summary(g, ViewSpec(focus="a"))
    'All organisations: 2 organisations, 1 ties. Details of Aston below.'
    """
    parts = [humanise(p) for p in (spec.nation, spec.region) if p]
    parts += [ORGANISATION_TYPES.get(t, t) for t in spec.types]
    where = ", ".join(parts) or "All organisations"
    crossing = " (with ties leaving the selection)" if spec.cross else ""
    focus = (f" Details of {view.nodes[spec.focus].get('name', spec.focus)} below."
             if spec.focus is not None and spec.focus in view else "")
    return (f"{where}{crossing}: {view.number_of_nodes()} organisations, "
            f"{view.number_of_edges()} ties.{focus}")


def _provenance_lines(items: Sequence[Any]) -> list[str]:
    return [f"{PROVENANCE_KINDS.get(p.kind, p.kind)}: {p.reference}"
            + (f" ({p.detail})" if p.detail else "") for p in items]


def details_panel(state: NetworkState, key: str | None, *, limit: int = 5) -> html.Div:
    """The focused organisation: where it comes from, its ties (each with its
    partnerships' provenance) and match-making suggestions with reasons.

    Examples
    --------
    >>> details_panel(None, None).children[0].children  # doctest: +SKIP
    """
    if key is None or key not in state.graph:
        return html.Div([html.P("Click an organisation to see its ties, where each comes "
                                "from, and suggested research partners.")],
                        className="network-details-empty")
    attrs = state.graph.nodes[key]
    org = state.graph.graph["organisations"][key]
    facts = [ORGANISATION_TYPES.get(org.type, org.type)]
    facts += [humanise(p) for p in (org.region or org.nation,) if p]
    ties = tie_details(state.graph, key)
    tie_items = []
    for tie in ties:
        parts = [html.Li([html.Span(f"{name} ({kind})"), html.Br(),
                          html.Span(f"Provenance: {where}", className="provenance")])
                 for name, kind, where in tie.partnerships]
        tie_items.append(html.Li([html.Strong(tie.partner_name),
                                  html.Span(f" – {tie.partner_region}"), html.Ul(parts)]))
    suggestions = match(state.context, key, limit=limit)
    suggestion_items = [
        html.Li([html.Strong(s.name), html.Span(f" – score {s.score:.2f}"),
                 html.Ul([html.Li(reason) for reason in s.reasons]
                         + [html.Li(f"Tie: {source}", className="provenance")
                            for source in s.provenance])])
        for s in suggestions]
    return html.Div([
        html.H3(str(attrs.get("name", key))),
        html.P(" · ".join(facts)),
        html.P("Recorded from: " + ("; ".join(_provenance_lines(org.provenance))
                                    or "provenance not recorded"), className="provenance"),
        html.H4(f"Ties ({len(ties)})"),
        html.Ul(tie_items) if tie_items else html.P("No ties recorded."),
        html.H4("Suggested research partners"),
        html.Ol(suggestion_items) if suggestion_items
        else html.P("None: no research body shares a theme or a path with it."),
    ], className="network-details")
