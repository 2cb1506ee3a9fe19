"""Barriers (``/barriers``): coded barrier themes per group, co-occurrence, quotes.

Public (anonymous visitors included): the tables are the ``barriers`` and
``cooccurrence`` reports of :mod:`survey.export.report_barriers`, built under
:func:`dashboard.access.disclosure_policy` for the visitor's role, so a page
shows exactly the cells its downloads hold. The public view groups by instrument
only (:func:`~survey.export.report_barriers.offered_groupings`: a second grouping
of the same respondents could be subtracted from the first to work out a
withheld cell); the callbacks refuse any other grouping on the server (``X108``),
whatever the browser sends. Staff choose among every grouping field.

Analysts (capability ``quotes``) also get a quotes browser filtered by theme and
group, each quote plain text with identifying details withheld
(:func:`survey.store.codings.barrier_quotes`); its callback refuses anyone else on
the server (403), as does :data:`dashboard.access.COMPONENT_ROLES` for every
``barriers-quotes`` id. Anyone else gets no quote text at all.

The view lives in the address: ``?by=nation&theme=staff_turnover&group=researcher``
(the quote filters only for analysts); unknown values are ignored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import ClientsideFunction, Input, Output, callback, dcc, html

from dashboard.access import allowed, disclosure_policy, require
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
from survey.export.report_barriers import grouping_note, offered_groupings
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/barriers", name="Barriers", order=2,
                   title="Barriers – Partnership Landscape")

_INTRO = ("Challenges to collaboration named in the free-text answers, coded into the themes "
          "of the 2022 report: the share of those who answered mentioning each theme.")


def page_query(by: str | None, theme: str | None = None, group: str | None = None) -> str:
    """The address's query for a view: ``by=nation&theme=staff_turnover``.

    Examples
    --------
    >>> page_query("nation", "staff_turnover", None)
    'by=nation&theme=staff_turnover'
    >>> page_query("instrument")
    ''
    """
    values = {"by": by if by and by != "instrument" else None, "theme": theme, "group": group}
    return urlencode({key: value for key, value in values.items() if value})


def quote_filters(theme: Any, group: Any, themes: list[tuple[str, str]],
                  groups: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The quote filters named in the address, known values only (others are ignored).

    Examples
    --------
    >>> quote_filters("staff_turnover", "<b>", [("staff_turnover", "Staff")], [])
    ('staff_turnover', None)
    >>> quote_filters(["a", "b"], None, [("a", "A")], [])
    (None, None)
    """
    # A repeated parameter arrives as a list: not a value of ours either.
    known_theme = theme if isinstance(theme, str) and theme in dict(themes) else None
    known_group = group if isinstance(group, str) and group in dict(groups) else None
    return known_theme, known_group


def layout(by: str | None = None, theme: str | None = None, group: str | None = None,
           **_query: Any) -> html.Div:
    """The page; ``?by=nation`` preselects the grouping, ``?theme=&group=`` the quotes."""
    store = current_store()
    labels = data_labels(store)
    policy = disclosure_policy()
    offered = offered_groupings(policy)
    chosen = by if by in offered else "instrument"
    filters = None
    quotes: list[Any] = [html.H3("Quotes"), html.P(
        "Quotes from the answers are shown to analysts.", id="barriers-no-quotes")]
    if allowed("quotes"):
        themes = [(t.code, t.label) for t in load_codebook().themes]
        groups = instrument_choices(store)
        chosen_theme, chosen_group = quote_filters(theme, group, themes, groups)
        filters = {"theme": chosen_theme, "group": chosen_group}
        quotes = [
            html.H3("Quotes"),
            html.Div([labelled_dropdown("barriers-quotes-theme", "Theme", themes,
                                        chosen_theme),
                      labelled_dropdown("barriers-quotes-group", "Group", groups,
                                        chosen_group)],
                     className="controls", role="group"),
            html.Div(barriers_quotes_panel(store, chosen_theme, chosen_group),
                     id="barriers-quotes-list")]
    note = grouping_note(policy)
    return html.Div([
        *page_heading("Barriers", _INTRO, labels),
        choice_buttons("barriers-by", "Group by",
                       [(f, FIELD_LABELS[f]) for f in offered], chosen),
        *([html.P(note, id="barriers-grouping-note")] if note else []),
        html.Div(barriers_view(store, chosen, policy=policy, labels=labels),
                 id="barriers-content"),
        html.Section([html.H3("Which barriers come together"),
                      html.P("For each group chosen above: how many of those who answered "
                             "mention both of two themes."),
                      html.Div(barriers_cooccurrence_view(store, chosen, policy=policy,
                                                          labels=labels),
                               id="barriers-cooccurrence-content")],
                     className="group-table"),
        html.Section(quotes, id="barriers-quotes"),
        dcc.Store(id="barriers-filter", data=filters),
        dcc.Store(id="barriers-query", data=page_query(chosen, **(filters or {}))),
        dcc.Store(id="barriers-url-sync"),
    ])


choice_callback("barriers-by")


@callback(Output("barriers-content", "children"),
          Output("barriers-cooccurrence-content", "children"),
          Input("barriers-by", "data"), prevent_initial_call=True)
def _update(by: str | None) -> Any:
    # The policy of the visitor, not of the page that was loaded: a grouping it does
    # not offer comes back as the refusal (X108), with no figures.
    store, policy = current_store(), disclosure_policy()
    labels = data_labels(store)
    return (barriers_view(store, by or "instrument", policy=policy, labels=labels),
            barriers_cooccurrence_view(store, by or "instrument", policy=policy,
                                       labels=labels))


@callback(Output("barriers-quotes-list", "children"), Output("barriers-filter", "data"),
          Input("barriers-quotes-theme", "value"), Input("barriers-quotes-group", "value"),
          prevent_initial_call=True)
def _quotes(theme: str | None, group: str | None) -> Any:
    require("quotes")  # analysts only, whatever the browser shows (403 otherwise)
    return (barriers_quotes_panel(current_store(), theme or None, group or None),
            {"theme": theme or None, "group": group or None})


@callback(Output("barriers-query", "data"), Input("barriers-by", "data"),
          Input("barriers-filter", "data"), prevent_initial_call=True)
def _remember(by: str | None, filters: Any) -> str:
    chosen = filters if isinstance(filters, dict) else {}
    theme, group = chosen.get("theme"), chosen.get("group")
    return page_query(by, theme if isinstance(theme, str) else None,
                      group if isinstance(group, str) else None)


# The view goes into the address bar without a page load (assets/network.js).
dash.clientside_callback(
    ClientsideFunction(namespace="landscape", function_name="syncQuery"),
    Output("barriers-url-sync", "data"),
    Input("barriers-query", "data"),
)
