"""Overview (``/``, the home page): the landscape at a glance, with a link into each page.

The content is :func:`dashboard.overview_views.overview_view` for the viewer's
role (:mod:`dashboard.access`: anonymous visitors get the public view); the page has
no controls and so no callbacks.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard.access import ANONYMOUS, current_role
from dashboard.app import current_store
from dashboard.overview_views import overview_view
from dashboard.views import page_heading
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/", name="Overview", order=-1,
                   title="Overview – Partnership Landscape")

_INTRO = ("The landscape at a glance: who answered the survey, how many of those invited "
          "responded, what each group put first, and how large the partnership network is.")


def layout(**_query: Any) -> html.Div:
    """The page, computed from the store when it is opened, for the visitor's role."""
    store = current_store()
    labels = data_labels(store)
    role = current_role()
    return html.Div([*page_heading("Overview", _INTRO, labels),
                     overview_view(store, None if role == ANONYMOUS else role,
                                   labels=labels)])
