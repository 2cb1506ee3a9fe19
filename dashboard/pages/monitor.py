"""Fieldwork monitor (``/monitor``): response rates against the frame, refreshed live.

A ``dcc.Interval`` re-runs :func:`dashboard.page_views.monitor_view` every
:data:`REFRESH_SECONDS`; respondents due a reminder are shown by pseudonymous id,
and the full list (with emails) is a CSV download. The funnel and the response
rates by nation and by region are charts (:mod:`dashboard.fieldwork_views`).
Only "Last updated" is announced to screen readers on a refresh (a short live
region), not the whole page.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard.app import current_store
from dashboard.fieldwork_views import chart_graph, funnel_figure, rate_figure, reminder_csv
from dashboard.page_views import instrument_choices, monitor_view, rate_text
from dashboard.views import (
    download_link,
    humanise,
    labelled_dropdown,
    page_heading,
    with_aria,
)
from survey.store.analysis import data_labels
from survey.store.monitor import MonitorReport, monitor_report

dash.register_page(__name__, path="/monitor", name="Fieldwork monitor", order=1,
                   title="Fieldwork monitor – Partnership Landscape")

#: How often the page refreshes itself.
REFRESH_SECONDS = 30
_INTRO = ("Responses and response rates by nation, region and organisation type against the "
          f"sampling frame, and who is due a reminder. Refreshes every {REFRESH_SECONDS} "
          "seconds.")


def charts(report: MonitorReport) -> tuple[Any, Any, Any, str, str, str]:
    """The three figures and their one-sentence text alternatives."""
    t = report.total
    funnel_text = (f"Funnel: {t.frame} in the frame, {t.invited} invited, {t.started} started, "
                   f"{t.completed} completed ({rate_text(t.completed, t.frame)}).")
    nations = report.by.get("nation", [])
    regions = report.by.get("region", [])

    def extremes(groups: list[Any], what: str) -> str:
        rated = [g for g in groups if g.frame]
        if not rated:
            return f"No {what} has anyone in the frame."
        high = max(rated, key=lambda g: g.completed / g.frame)
        low = min(rated, key=lambda g: g.completed / g.frame)
        return (f"Response rate by {what}: highest {humanise(high.group)} "
                f"{rate_text(high.completed, high.frame)}, lowest {humanise(low.group)} "
                f"{rate_text(low.completed, low.frame)}; the table below gives every {what}.")

    return (funnel_figure(report), rate_figure(nations, "Response rate by nation"),
            rate_figure(regions, "Response rate by region"), funnel_text,
            extremes(nations, "nation"), extremes(regions, "region"))


def layout(**_query: Any) -> html.Div:
    """The page, with the monitor as of now."""
    store = current_store()
    funnel, nations, regions, funnel_text, nation_text, region_text = charts(
        monitor_report(store))
    return html.Div([
        *page_heading("Fieldwork monitor", _INTRO, data_labels(store)),
        labelled_dropdown("monitor-instrument", "Instrument", instrument_choices(store), None,
                          placeholder="All instruments"),
        dcc.Interval(id="monitor-refresh", interval=REFRESH_SECONDS * 1000, n_intervals=0),
        with_aria(html.P, {"aria-live": "polite", "aria-atomic": "true"}, children="",
                  id="monitor-announce", className="visually-hidden"),
        html.Div([chart_graph("monitor-funnel-chart", funnel, funnel_text),
                  chart_graph("monitor-nation-chart", nations, nation_text),
                  chart_graph("monitor-region-chart", regions, region_text)],
                 className="charts"),
        # The funnel and the rates by nation as files (the Fieldwork report).
        download_link("fieldwork"),
        html.Section([
            html.H3("Download who is due a reminder"),
            html.P("A CSV file with each person's pseudonymous id, instrument, reminders sent "
                   "so far and email (personal data: keep it safe). 'landscape remind' sends "
                   "reminders with fresh links."),
            html.Button("Reminder list (CSV)", id="monitor-get-reminders", type="button",
                        n_clicks=0, className="download"),
            dcc.Download(id="monitor-reminders"),
        ], className="downloads"),
        html.Div(monitor_view(store), id="monitor-content"),
    ])


@callback(
    Output("monitor-content", "children"),
    Output("monitor-funnel-chart", "figure"),
    Output("monitor-nation-chart", "figure"),
    Output("monitor-region-chart", "figure"),
    Output("monitor-funnel-chart-summary", "children"),
    Output("monitor-nation-chart-summary", "children"),
    Output("monitor-region-chart-summary", "children"),
    Output("monitor-announce", "children"),
    Input("monitor-refresh", "n_intervals"),
    Input("monitor-instrument", "value"),
    prevent_initial_call=True,
)
def _refresh(_ticks: int, instrument: str | None) -> Any:
    store = current_store()
    report = monitor_report(store, instrument or None)
    view = monitor_view(store, instrument or None)
    updated = view.children[-1].children
    return (view, *charts(report), f"Fieldwork figures refreshed. {updated}")


@callback(
    Output("monitor-reminders", "data"),
    Input("monitor-get-reminders", "n_clicks"),
    State("monitor-instrument", "value"),
    prevent_initial_call=True,
)
def _reminders(clicks: int, instrument: str | None) -> Any:
    if not clicks:
        return dash.no_update
    name, content = reminder_csv(current_store(), instrument or None)
    return dcc.send_bytes(content, name, type="text/csv")
