"""Network (``/network``): the web of partnerships, explorable by nation, region and type.

The graph (a ``dcc.Graph`` drawn by :func:`network.view.network_figure`) is part of the
initial layout and callbacks update its ``figure`` property (Dash 4.2–4.4.1 remounts
components returned as children). Clicking an organisation focuses its neighbourhood
(depth 1–2, the rest faded) and fills the details panel
(:func:`dashboard.network_views.details_panel`). The view's state is kept in the URL
query (``?region=wales&focus=...``) so a view can be shared; layout positions are
computed once per graph version (:mod:`network.layout`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard.access import allowed
from dashboard.app import current_store
from dashboard.network_views import (
    SURVEY_TIES_NOTE,
    details_panel,
    network_state,
    view_figure,
    view_summary,
)
from dashboard.views import error_notice, labelled_dropdown, page_heading, with_aria
from network.view import COLOUR_CHOICES, SIZE_CHOICES, ViewSpec
from survey.errors import LandscapeError
from survey.instrument.places import NATIONS, REGIONS
from survey.landscape.records import ORGANISATION_TYPES
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/network", name="Network", order=4,
                   title="Network – Partnership Landscape")

_INTRO = ("The web of partnerships between local government, researchers and others named in "
          "the 2022 report (3.42–3.50): filter by nation, region or type; click an "
          "organisation to see its ties, where each comes from, and research partners it "
          "could work with (4.5–4.8).")
_GRAPH_CONFIG: Any = {"displaylogo": False, "scrollZoom": True}


def _spec(nation: str | None, region: str | None, types: list[str] | None,
          cross: list[str] | None, size: str | None, colour: str | None,
          depth: str | None, focus: str | None) -> ViewSpec:
    return ViewSpec.from_query({
        "nation": nation or "", "region": region or "", "type": ",".join(types or []),
        "cross": "1" if cross else "", "size": size or "", "colour": colour or "",
        "depth": depth or "", "focus": focus or ""})


def layout(**query: Any) -> html.Div:
    """The page; the URL query (``nation``, ``region``, ``type``, ``cross``, ``size``,
    ``colour``, ``focus``, ``depth``) sets the view."""
    store = current_store()
    labels = data_labels(store)
    spec = ViewSpec.from_query(query)
    try:
        state = network_state(store, labels, survey_ties=allowed("survey_ties"), wait=False)
    except LandscapeError as exc:
        return html.Div([*page_heading("Network", _INTRO, labels), error_notice(exc)])
    if spec.focus is not None and spec.focus not in state.graph:
        spec = ViewSpec.from_query({**spec.query(), "focus": ""})
    figure, view = view_figure(state, spec)
    controls = with_aria(html.Div, {"aria-label": "Network view options"}, children=[
        labelled_dropdown("network-nation", "Nation", [(p.code, p.en) for p in NATIONS],
                          spec.nation, placeholder="All nations"),
        labelled_dropdown("network-region", "Region", [(p.code, p.en) for p in REGIONS],
                          spec.region, placeholder="All regions"),
        labelled_dropdown("network-type", "Organisation type", ORGANISATION_TYPES.items(),
                          list(spec.types), multi=True, placeholder="All types"),
        labelled_dropdown("network-size", "Node size", SIZE_CHOICES.items(), spec.size_by,
                          clearable=False),
        labelled_dropdown("network-colour", "Colour", COLOUR_CHOICES.items(), spec.colour_by,
                          clearable=False),
        labelled_dropdown("network-depth", "Focus depth",
                          [("1", "Direct partners"), ("2", "Partners' partners")],
                          str(spec.depth), clearable=False),
        dcc.Checklist(id="network-cross", options=[
            {"label": " Show ties that leave the selection", "value": "1"}],
            value=["1"] if spec.cross else []),
        html.Button("Clear focus", id="network-clear", type="button", n_clicks=0),
    ], className="controls network-controls", role="group")
    notes = [] if state.survey_ties else [html.P(SURVEY_TIES_NOTE, className="notes")]
    return html.Div([
        *page_heading("Network", _INTRO, list(state.labels)),
        controls,
        # The summary is the chart's short text alternative (assets/a11y.js hides the
        # drawing itself from screen readers) and announces each change of view.
        html.Figure([
            with_aria(html.Figcaption, {"aria-live": "polite"},
                      children=view_summary(view, spec), id="network-summary"),
            dcc.Graph(id="network-graph", figure=figure, config=_GRAPH_CONFIG,
                      clear_on_unhover=True),
        ], className="chart network-chart"),
        *notes,
        # Not a live region: the summary above announces the focus in one sentence.
        with_aria(html.Section, {"aria-label": "Organisation details"},
                  children=details_panel(state, spec.focus), id="network-details"),
        html.Div(id="network-problem"),
        dcc.Store(id="network-focus", data=spec.focus),
        dcc.Store(id="network-query", data=urlencode(spec.query())),
        dcc.Store(id="network-url-sync"),
    ], className="network-page")


@callback(
    Output("network-focus", "data"),
    Input("network-graph", "clickData"),
    Input("network-clear", "n_clicks"),
    prevent_initial_call=True,
)
def _focus(click: dict[str, Any] | None, _clear: int) -> Any:
    if dash.ctx.triggered_id == "network-clear":
        return None
    points = (click or {}).get("points") or []
    key = points[0].get("customdata") if points else None
    return str(key) if isinstance(key, str) else dash.no_update


@callback(
    Output("network-graph", "figure"),
    Output("network-summary", "children"),
    Output("network-details", "children"),
    Output("network-query", "data"),
    Output("network-problem", "children"),
    Input("network-nation", "value"),
    Input("network-region", "value"),
    Input("network-type", "value"),
    Input("network-cross", "value"),
    Input("network-size", "value"),
    Input("network-colour", "value"),
    Input("network-depth", "value"),
    Input("network-focus", "data"),
    State("network-query", "data"),
    prevent_initial_call=True,
)
def _update(nation: str | None, region: str | None, types: list[str] | None,
            cross: list[str] | None, size: str | None, colour: str | None, depth: str | None,
            focus: str | None, _query: str | None) -> Any:
    store = current_store()
    try:
        state = network_state(store, data_labels(store),
                              survey_ties=allowed("survey_ties"), wait=False)
    except LandscapeError as exc:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update, error_notice(exc)
    spec = _spec(nation, region, types, cross, size, colour, depth,
                 focus if focus in state.graph else None)
    figure, view = view_figure(state, spec)
    return (figure, view_summary(view, spec), details_panel(state, spec.focus),
            urlencode(spec.query()), None)


# The view's state goes into the address bar without a page load (assets/network.js: a
# served script, as the explorer's Content-Security-Policy allows no unhashed inline one).
dash.clientside_callback(
    ClientsideFunction(namespace="landscape", function_name="syncQuery"),
    Output("network-url-sync", "data"),
    Input("network-query", "data"),
)
