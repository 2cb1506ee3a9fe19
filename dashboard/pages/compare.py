"""Compare (``/compare``): local government vs researchers, option by option.

The content is :func:`dashboard.page_views.compare_view`, which shows one call
of :func:`survey.ranking.compare.compare_instruments` (the function behind
``landscape compare``) as the Compare report's tables and chart
(:mod:`survey.export.report_compare`, the cells its downloads hold), under the
disclosure policy of the visitor's role (public for anonymous visitors: withheld
shares show as ``[c]``), then :func:`dashboard.page_views.consensus_view` (each
group's Kemeny order with position intervals and the head-to-head check, as
``landscape consensus`` prints them); the page has no controls and so no callbacks.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard.access import disclosure_policy
from dashboard.app import current_store
from dashboard.page_views import compare_view, consensus_view
from dashboard.views import page_heading
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/compare", name="Compare", order=3,
                   title="Compare – Partnership Landscape")

_INTRO = ("Local government and researchers side by side: how each group ranked every "
          "option (mirrored options such as support from the other sector are matched), "
          "whether the difference is more than chance would give, and how much each group "
          "agrees within itself.")


def layout(**_query: Any) -> html.Div:
    """The page, computed from the store when it is opened."""
    store = current_store()
    labels = data_labels(store)
    policy = disclosure_policy()
    return html.Div([
        *page_heading("Compare", _INTRO, labels),
        html.Div(compare_view(store, labels=labels, policy=policy),
                 id="compare-content"),
        html.H3("Each group's consensus order, and how sure it is"),
        html.Div(consensus_view(store, labels=labels, policy=policy), id="consensus-content"),
    ])
