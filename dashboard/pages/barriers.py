"""Barriers (``/barriers``): coded barrier themes per group, co-occurrence, quotes.

Shares are of respondents who answered the challenges question; themes are
coded by the codebook's rules with people's overrides applied
(:func:`survey.store.codings.barrier_shares`), each with its Wilson interval and
the small-n mark. The co-occurrence table counts answers carrying both of two
themes (:func:`survey.coding.cooccurrence`). Analysts (capability ``quotes``)
also get a quotes browser filtered by theme and group, each quote plain text
with identifying details withheld (:func:`survey.store.codings.barrier_quotes`);
its callback refuses anyone else on the server (403), as does
:data:`dashboard.access.COMPONENT_ROLES` for every ``barriers-quotes`` id.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboard.access import allowed, require
from dashboard.app import current_store
from dashboard.page_views import (
    FIELD_LABELS,
    barriers_cooccurrence_view,
    barriers_quotes_panel,
    barriers_view,
    instrument_choices,
)
from dashboard.views import choice_buttons, choice_callback, labelled_dropdown, page_heading
from survey.coding.codebook import load_codebook
from survey.store.analysis import GROUP_FIELDS, data_labels

dash.register_page(__name__, path="/barriers", name="Barriers", order=2,
                   title="Barriers – Partnership Landscape")

_INTRO = ("Challenges to collaboration named in the free-text answers, coded into the themes "
          "of the 2022 report: the share of those who answered mentioning each theme.")


def layout(by: str | None = None, **_query: Any) -> html.Div:
    """The page; ``?by=nation`` preselects the grouping."""
    store = current_store()
    chosen = by if by in GROUP_FIELDS else "instrument"
    return html.Div([
        *page_heading("Barriers", _INTRO, data_labels(store)),
        choice_buttons("barriers-by", "Group by",
                       [(f, FIELD_LABELS[f]) for f in GROUP_FIELDS], chosen),
        html.Div(barriers_view(store, chosen), id="barriers-content"),
        html.Section([html.H3("Which barriers come together"),
                      barriers_cooccurrence_view(store)], className="group-table"),
        _quotes_section(),
    ])


def _quotes_section() -> html.Section:
    """The quotes browser for analysts; for others, a line saying who sees it."""
    if not allowed("quotes"):
        return html.Section([html.H3("Quotes"), html.P(
            "Quotes from the answers are shown to analysts.", id="barriers-no-quotes")])
    store = current_store()
    themes = [(t.code, t.label) for t in load_codebook().themes]
    return html.Section([
        html.H3("Quotes"),
        html.Div([labelled_dropdown("barriers-quotes-theme", "Theme", themes),
                  labelled_dropdown("barriers-quotes-group", "Group",
                                    instrument_choices(store))],
                 className="controls", role="group"),
        html.Div(barriers_quotes_panel(store), id="barriers-quotes-list"),
    ], id="barriers-quotes")


choice_callback("barriers-by")


@callback(Output("barriers-content", "children"), Input("barriers-by", "data"),
          prevent_initial_call=True)
def _update(by: str | None) -> Any:
    return barriers_view(current_store(), by or "instrument")


@callback(Output("barriers-quotes-list", "children"),
          Input("barriers-quotes-theme", "value"), Input("barriers-quotes-group", "value"),
          prevent_initial_call=True)
def _quotes(theme: str | None, group: str | None) -> Any:
    require("quotes")  # analysts only, whatever the browser shows (403 otherwise)
    return barriers_quotes_panel(current_store(), theme or None, group or None)
