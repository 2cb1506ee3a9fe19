"""Fieldwork monitor (``/monitor``): response rates against the frame, refreshed live.

A ``dcc.Interval`` re-runs :func:`dashboard.page_views.monitor_view` every
:data:`REFRESH_SECONDS`; respondents due a reminder are shown by pseudonymous id.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from dashboard.app import current_store
from dashboard.page_views import instrument_choices, monitor_view
from dashboard.views import labelled_dropdown, page_heading, with_aria
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/monitor", name="Fieldwork monitor", order=1,
                   title="Fieldwork monitor – Partnership Landscape")

#: How often the page refreshes itself.
REFRESH_SECONDS = 30
_INTRO = ("Responses and response rates by nation, region and organisation type against the "
          f"sampling frame, and who is due a reminder. Refreshes every {REFRESH_SECONDS} "
          "seconds.")


def layout(**_query: Any) -> html.Div:
    """The page, with the monitor as of now."""
    store = current_store()
    return html.Div([
        *page_heading("Fieldwork monitor", _INTRO, data_labels(store)),
        labelled_dropdown("monitor-instrument", "Instrument", instrument_choices(store), None,
                          placeholder="All instruments"),
        dcc.Interval(id="monitor-refresh", interval=REFRESH_SECONDS * 1000, n_intervals=0),
        with_aria(html.Div, {"aria-live": "polite"}, children=monitor_view(store),
                  id="monitor-content"),
    ])


@callback(
    Output("monitor-content", "children"),
    Input("monitor-refresh", "n_intervals"),
    Input("monitor-instrument", "value"),
    prevent_initial_call=True,
)
def _refresh(_ticks: int, instrument: str | None) -> Any:
    return monitor_view(current_store(), instrument or None)
