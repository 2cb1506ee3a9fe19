"""Barriers (``/barriers``): coded barrier themes per group, with Wilson intervals.

Shares are of respondents who answered the challenges question; themes are
coded by the codebook's rules with people's overrides applied
(:func:`survey.store.codings.barrier_shares`).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboard.app import current_store
from dashboard.page_views import FIELD_LABELS, barriers_view
from dashboard.views import choice_buttons, choice_callback, page_heading
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
    ])


choice_callback("barriers-by")


@callback(Output("barriers-content", "children"), Input("barriers-by", "data"),
          prevent_initial_call=True)
def _update(by: str | None) -> Any:
    return barriers_view(current_store(), by or "instrument")
