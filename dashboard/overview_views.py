"""The Overview (home) page's content: the landscape at a glance, built without a browser.

:func:`overview_view` shows who answered (complete responses by respondent
group and nation), the response rate against the sampling frame, each group's
top priorities, the size of the partnership network and what in the store is
demonstration or synthetic data, with a link into each page. It reads the store
through the same survey and network functions as the other pages
(:func:`~survey.store.analysis.response_attributes`,
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
import numpy as np
import pandas as pd
from dash import dcc, html

from dashboard.access import current_role, page_role, role_at_least
from dashboard.network_views import network_state
from dashboard.page_views import priorities_layouts, rate_text
from dashboard.views import error_notice, humanise, notes_block, synthetic_banner, table_from_rows
from survey.errors import LandscapeError
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, secondary_suppression
from survey.store.analysis import response_attributes
from survey.store.engine import Store
from survey.store.monitor import monitor_report

__all__ = [
    "PAGE_LINKS",
    "TOP_PRIORITIES",
    "disclosure_for",
    "overview_view",
    "respondent_counts",
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
    """The disclosure policy for a viewer: public (suppression on) for an anonymous
    visitor (``None``), internal for a signed-in role.

    Examples
    --------
    >>> disclosure_for(None).public, disclosure_for("viewer").public
    (True, False)
    """
    return DisclosurePolicy(public=role is None)


def respondent_counts(store: Store, policy: DisclosurePolicy) -> pd.DataFrame:
    """Complete responses by respondent group (rows) and nation (columns), with totals.

    Under an active ``policy`` a count from 1 to ``min_n - 1`` is hidden, and
    further counts by :func:`survey.export.disclosure.secondary_suppression`
    so that none can be worked out from the row and column totals; hidden
    cells are ``None``. Responses without a nation are counted under
    "Not known".

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> respondent_counts(store, DisclosurePolicy()).shape
    (1, 1)
    """
    attrs = response_attributes(store)
    nation = attrs["nation"].map(lambda v: humanise(str(v)) if v is not None and v == v
                                 else "Not known")
    group = attrs["instrument"].map(lambda v: humanise(str(v)))
    table = pd.crosstab(group, nation).astype(int)
    counts = table.to_numpy()
    hidden = np.zeros(counts.shape, dtype=bool)
    if policy.active and counts.size:
        primary = (counts > 0) & (counts < policy.min_n)
        hidden = secondary_suppression(counts, primary)
    rows = [[None if h else int(v) for v, h in zip(values, hides, strict=True)]
            for values, hides in zip(counts.tolist(), hidden.tolist(), strict=True)]
    row_totals = _margin([int(t) for t in counts.sum(axis=1)], policy)
    rows = [[*row, total] for row, total in zip(rows, row_totals, strict=True)]
    rows.append([*_margin([int(t) for t in counts.sum(axis=0)], policy), int(counts.sum())])
    return pd.DataFrame(rows, index=[*table.index, "Total"],
                        columns=[*table.columns, "Total"], dtype=object)


def _margin(totals: list[int], policy: DisclosurePolicy) -> list[int | None]:
    """Totals with those from 1 to ``min_n - 1`` hidden under an active policy, and
    the next smallest too when only one would be (else the grand total gives it away).

    Examples
    --------
    >>> _margin([27, 2, 6, 9], DisclosurePolicy(public=True, min_n=5))
    [27, None, None, 9]
    """
    if not policy.active:
        return list(totals)
    hide = {i for i, t in enumerate(totals) if 0 < t < policy.min_n}
    if len(hide) == 1 and len(totals) > 1:
        rest = sorted((t, i) for i, t in enumerate(totals) if i not in hide)
        hide.add(rest[0][1])
    return [None if i in hide else t for i, t in enumerate(totals)]


def _counts_table(counts: pd.DataFrame) -> html.Table:
    header = ["Respondent group", *[str(c) for c in counts.columns]]
    rows = [[str(index), *[SUPPRESSED if v is None else str(v) for v in row]]
            for index, row in zip(counts.index, counts.itertuples(index=False), strict=True)]
    return table_from_rows("Complete responses by respondent group and nation", header, rows,
                           table_id="overview-respondents")


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
        items.append(html.Section([html.H4(f"{layout.group_label} (n = {layout.n})"), body],
                                  className="overview-group"))
    return html.Div(items, id="overview-priorities")


def _network_size(store: Store) -> tuple[html.P, tuple[str, ...]]:
    try:
        state = network_state(store)
    except LandscapeError:
        return html.P("No partnership network is loaded.", id="overview-network"), ()
    graph = state.graph
    text = (f"{graph.number_of_nodes()} organisations and {graph.number_of_edges()} "
            "partnership ties")
    if not state.survey_ties:
        text += " (ties known only from survey answers are not shown)"
    return html.P(text + ".", id="overview-network"), state.labels


def _links() -> html.Ul:
    # Only pages this app serves (a server may run without some of them), and only those
    # the visitor's role may open (the server refuses the others anyway).
    served = {page.get("path") for page in dash.page_registry.values()}
    return html.Ul([html.Li([dcc.Link(name, href=path), html.Span(f": {what}.")])
                    for path, name, what in PAGE_LINKS
                    if path in served and role_at_least(current_role(), page_role(path))],
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
    ['Who answered', 'Response rate']
    """
    policy = disclosure_for(role)
    network, network_labels = _network_size(store)
    demo = [*labels, *[label for label in network_labels if label not in labels]]
    return html.Div([
        html.H3("Who answered"),
        _counts_table(respondent_counts(store, policy)),
        notes_block([policy.statement()]),
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
        html.H3("Where to go next"),
        _links(),
    ], id="overview-results")
