"""The Overview (home) page's content: the landscape at a glance, built without a browser.

:func:`overview_view` shows who answered (complete responses by respondent
group and nation), the response rate against the sampling frame, each group's
top priorities, the size of the partnership network and what in the store is
demonstration or synthetic data, with a link into each page. It reads the store
through the same survey and network functions as the other pages
(:func:`survey.export.overview.overview_tables`, which its download writes too,
:func:`~survey.store.monitor.monitor_report`,
:func:`dashboard.page_views.priorities_layouts`,
:func:`dashboard.network_views.network_state`).

The viewer's role decides the disclosure policy (:func:`disclosure_for`): an
anonymous visitor (``role=None``) gets the public view, in which counts below
the suppression threshold are hidden (with secondary suppression, so that no
hidden count follows from the totals) and the top priorities come from the
suppressed public tables. Every label and value is rendered as a text child.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
from dash import dcc, html

from dashboard.access import ANONYMOUS, allowed, disclosure_policy, page_allowed
from dashboard.network_views import network_state
from dashboard.page_views import priorities_layouts, rate_text
from dashboard.views import (
    download_link,
    error_notice,
    report_table_view,
    synthetic_banner,
)
from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.export.overview import overview_tables
from survey.store.engine import Store
from survey.store.monitor import monitor_report

__all__ = [
    "PAGE_LINKS",
    "TOP_PRIORITIES",
    "disclosure_for",
    "overview_view",
]

#: How many options each group's top-priorities list names.
TOP_PRIORITIES = 3
#: The pages linked from the overview: (path, name, what a visitor finds there).
PAGE_LINKS: tuple[tuple[str, str, str], ...] = (
    ("/priorities", "Priorities",
     "the published priority tables reproduced from the responses, with intervals, by any "
     "grouping; download them for a report"),
    ("/compare", "Compare", "local government and researchers side by side, option by option"),
    ("/barriers", "Barriers", "challenges to collaboration, coded into themes, by group"),
    ("/network", "Network", "the partnership network: explore a region, click an "
     "organisation for its ties and suggested partners"),
    ("/instruments", "Instruments", "the questionnaires, their versions and what changed"),
    ("/downloads", "Downloads", "every table and chart as CSV, Excel, Word, HTML or PNG"),
)


def disclosure_for(role: str | None) -> DisclosurePolicy:
    """The disclosure policy for a viewer (``None``: anonymous), as
    :func:`dashboard.access.disclosure_policy` decides it.

    Examples
    --------
    >>> disclosure_for(None).public, disclosure_for("viewer").public
    (True, False)
    """
    return disclosure_policy(role or ANONYMOUS)


def _response_rate(store: Store) -> html.Div:
    report = monitor_report(store)
    t = report.total
    if not t.frame:
        return html.Div([html.P("No sampling frame is loaded, so there is no response rate "
                                "(responses came by open link or import).",
                                id="overview-rate")])
    rate = rate_text(t.completed, t.frame)
    text = (f"{t.completed} of the {t.frame} people in the sampling frame completed the "
            f"survey: a response rate of {rate}.")
    if report.outside_completed:
        text += (f" A further {report.outside_completed} complete responses came from outside "
                 "the frame (open link or import) and are not in the rate.")
    return html.Div([html.P(text, id="overview-rate")])


def _top_priorities(store: Store, policy: DisclosurePolicy, labels: Sequence[str]) -> html.Div:
    try:
        pairs = priorities_layouts(store, "instrument", policy=policy,
                                   reconstructed=bool(labels))
    except LandscapeError as exc:
        return html.Div([error_notice(exc)], id="overview-priorities")
    items: list[Any] = []
    for layout, _table in pairs:
        ranked = sorted((row for row in layout.rows if row.cells and row.cells[0] is not None),
                        key=lambda row: -(row.cells[0] or 0))[:TOP_PRIORITIES]
        band = layout.column_titles[0] if layout.column_titles else "top"
        entries = [html.Li(f"{row.label}: {row.cells[0]}% ranked it {band[:1].lower()}{band[1:]}")
                   for row in ranked]
        body = html.Ol(entries) if entries else html.P(
            "Every share is suppressed in the public view (too few respondents).")
        items.append(html.Section([html.H4(f"{layout.group_label} (n = {layout.shown_n})"), body],
                                  className="overview-group"))
    return html.Div(items, id="overview-priorities")


def _network_size(store: Store, role: str | None, labels: Sequence[str]
                  ) -> tuple[html.P, tuple[str, ...]]:
    try:
        # The Network page's state (the same labels: one read, kept for both pages).
        state = network_state(store, labels, wait=False,
                              survey_ties=allowed("survey_ties", role or ANONYMOUS))
    except LandscapeError:
        return html.P("No partnership network is loaded.", id="overview-network"), ()
    graph = state.graph
    text = (f"{graph.number_of_nodes()} organisations and {graph.number_of_edges()} "
            "partnership ties")
    if not state.survey_ties:
        text += " (ties known only from survey answers are not shown)"
    return html.P(text + ".", id="overview-network"), state.labels


def _links(role: str | None) -> html.Ul:
    # Only pages this app serves (a server may run without some of them) and the
    # viewer may open (the server refuses the others anyway).
    served = {page.get("path") for page in dash.page_registry.values()}
    return html.Ul([html.Li([dcc.Link(name, href=path), html.Span(f": {what}.")])
                    for path, name, what in PAGE_LINKS
                    if path in served and page_allowed(path, role or ANONYMOUS)],
                   id="overview-links")


def overview_view(store: Store, role: str | None = None, *,
                  labels: Sequence[str] = ()) -> html.Div:
    """The Overview page's content for a viewer with ``role`` (``None``: anonymous).

    Parameters
    ----------
    store
        The response store.
    role
        The signed-in viewer's role, or ``None`` for the public view (counts
        and shares under disclosure control).
    labels
        The store's demo-data labels (:func:`survey.store.analysis.data_labels`).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> [h.children for h in overview_view(store).children if type(h).__name__ == "H3"][:2]
    ['Where to go', 'Who answered']
    """
    policy = disclosure_for(role)
    network, network_labels = _network_size(store, role, labels)
    demo = [*labels, *[label for label in network_labels if label not in labels]]
    return html.Div([
        # First, so a new visitor finds each job without scrolling past the figures.
        html.H3("Where to go"),
        _links(role),
        html.H3("Who answered"),
        # The table its downloads hold (one builder: survey.export.overview).
        report_table_view(overview_tables(store, policy=policy)[0],
                          table_id="overview-respondents"),
        download_link("overview"),
        html.H3("Response rate"),
        _response_rate(store),
        html.H3("Each group's top priorities"),
        _top_priorities(store, policy, labels),
        html.H3("The partnership network"),
        network,
        html.H3("Demonstration and synthetic data"),
        html.Div(synthetic_banner(demo) if demo else [
            html.P("The store holds no demonstration or synthetic data.")],
            id="overview-demo"),
    ], id="overview-results")
