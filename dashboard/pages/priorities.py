"""Priorities (``/priorities``; also the home page): band tables with intervals, a chart, downloads.

The layout renders the tables for the controls' initial values on the server
(so the page reads without any callback); the callbacks only re-run
:func:`dashboard.page_views.priorities_view` and
:func:`dashboard.page_views.priorities_export` with the chosen values.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard.access import allowed, audit_export, disclosure_policy, require
from dashboard.app import current_store
from dashboard.download_views import download_groupings
from dashboard.page_views import (
    EXPORT_MEDIA_TYPES,
    FIELD_LABELS,
    chart_summary,
    filter_choices,
    group_chart,
    priorities_export,
    priorities_layouts,
    priorities_view,
    ranking_question_choices,
    where_from_filters,
)
from dashboard.views import (
    choice_buttons,
    choice_callback,
    download_link,
    error_notice,
    labelled_dropdown,
    page_heading,
    report_table_view,
    with_aria,
)
from survey.errors import LandscapeError
from survey.export.report_audit import audit_tables
from survey.store.analysis import GROUP_FIELDS, data_labels

dash.register_page(__name__, path="/priorities", name="Priorities", order=0,
                   title="Priorities – Partnership Landscape")

_FORMATS = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)"),
            ("md", "Markdown"))
_INTRO = ("How respondents ranked the options for improving their use of data and evidence: "
          "the share placing each option in the 1st–3rd, 4th–6th and 7th–9th places, per "
          "group, with 95% intervals.")

_AUDIT_INTRO = ("Each table of the 2022 report as printed, beside the nearest table that "
                "complete rankings by the same number of respondents can give: where they "
                "differ, the printed figures cannot all be right.")


def _filters_state() -> list[State]:
    return [State(f"priorities-filter-{field}", "value") for field in GROUP_FIELDS]


def _where(values: tuple[Any, ...]) -> dict[str, list[str]]:
    return where_from_filters(dict(zip(GROUP_FIELDS, values, strict=True)))


def page_query(by: str | None, question: str | None,
               filters: dict[str, list[str]]) -> str:
    """The address's query for a view: ``by=nation&nation=wales,scotland``.

    Examples
    --------
    >>> page_query("nation", None, {"region": ["wales", "london"]})
    'by=nation&region=wales%2Clondon'
    >>> page_query("instrument", None, {})
    ''
    """
    values: dict[str, str] = {}
    if by and by != "instrument":
        values["by"] = by
    if question:
        values["question"] = question
    values.update({field: ",".join(chosen) for field, chosen in filters.items() if chosen})
    return urlencode(values)


def filters_from_query(query: dict[str, Any],
                       choices: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    """The filters named in the address (``nation=wales,scotland``), known values only.

    Examples
    --------
    >>> filters_from_query({"nation": "wales,atlantis"}, {"nation": [("wales", "Wales")]})
    {'nation': ['wales']}
    """
    found: dict[str, list[str]] = {}
    for field in GROUP_FIELDS:
        known = {code for code, _ in choices.get(field, [])}
        chosen = [v for v in str(query.get(field) or "").split(",") if v in known]
        if chosen:
            found[field] = chosen
    return found


def layout(by: str | None = None, question: str | None = None, **query: Any) -> html.Div:
    """The page; the address preselects the view: ``?by=nation&region=wales,london``."""
    store = current_store()
    labels = data_labels(store)
    # The public view offers only the groupings its release allows (as Downloads does):
    # the others would answer every click with a refusal.
    groupings = download_groupings(store, "anonymous") if disclosure_policy().public \
        else GROUP_FIELDS
    chosen_by = by if by in groupings else "instrument"
    choices = filter_choices(store)
    questions = ranking_question_choices(store)
    chosen_question = question if question in dict(questions) else None
    filters = filters_from_query(query, choices)
    export_policy = disclosure_policy("anonymous")
    # Internal (unsuppressed) downloads are offered to, and accepted from, analysts up.
    policies = [{"label": "Public (disclosure control on)", "value": "public"}]
    if allowed("internal_export"):
        policies.append({"label": "Internal (no suppression, not for publication)",
                         "value": "internal"})
    controls = with_aria(html.Div, {"aria-label": "Table options"}, children=[
        # Few choices: toggle buttons named by their text in a fieldset named by its
        # legend (the Dash 4 dropdown's button names itself by its value, not our label).
        choice_buttons("priorities-by", "Group by",
                       [(f, FIELD_LABELS[f]) for f in groupings], chosen_by),
        labelled_dropdown("priorities-question", "Ranking question", questions,
                          chosen_question,
                          placeholder="The instruments' ranking question"),
        # Folded away unless the address sets a filter: the tables come first.
        html.Details([
            html.Summary("Filter respondents" + (f" ({len(filters)} set)" if filters else "")),
            html.Fieldset([html.Legend("Only respondents with (leave empty for all)"), *[
                labelled_dropdown(f"priorities-filter-{field}", FIELD_LABELS[field],
                                  choices[field], filters.get(field), multi=True)
                for field in GROUP_FIELDS]]),
        ], open=bool(filters), className="filters"),
    ], className="controls", role="group")
    downloads = html.Section([
        html.H3("Download the tables"),
        dcc.RadioItems(id="priorities-export-policy", options=policies, value="public",
                       inline=True),
        html.Div([html.Button(text, id={"type": "priorities-download", "format": fmt},
                              type="button", n_clicks=0, className="download")
                  for fmt, text in _FORMATS], className="download-buttons"),
        html.P(f"Public downloads: {export_policy.statement()}", id="priorities-export-note"),
        html.Div(id="priorities-download-problem"),
        dcc.Download(id="priorities-download"),
        # Every format, the chart included, for the chosen grouping on the Downloads page.
        html.Div(_link(chosen_by), id="priorities-download-link"),
    ], className="downloads")
    return html.Div([
        *page_heading("Priorities", _INTRO, labels),
        controls,
        dcc.Loading(html.Div(priorities_view(store, chosen_by, chosen_question, filters,
                                             labels=labels, policy=disclosure_policy()),
                             id="priorities-content")),
        downloads,
        html.Section([
            html.H3("The published tables, audited"),
            html.P(_AUDIT_INTRO),
            # Filled after the page shows (the audit takes seconds the first time).
            dcc.Loading(html.Div("Checking the published tables…", id="priorities-audit")),
            download_link("audit"),
        ], className="audit"),
        dcc.Store(id="priorities-query", data=page_query(chosen_by, chosen_question, filters)),
        dcc.Store(id="priorities-url-sync"),
        with_aria(html.P, {"aria-live": "polite", "aria-atomic": "true"}, children="",
                  id="priorities-announce", className="visually-hidden"),
    ])


choice_callback("priorities-by")


@callback(
    Output("priorities-content", "children"),
    Input("priorities-by", "data"),
    Input("priorities-question", "value"),
    *[Input(f"priorities-filter-{field}", "value") for field in GROUP_FIELDS],
    prevent_initial_call=True,
)
def _update(by: str | None, question: str | None, *filters: Any) -> Any:
    store = current_store()
    return priorities_view(store, by, question, _where(filters), labels=data_labels(store),
                           policy=disclosure_policy())


def _link(by: str | None) -> html.P:
    """The link to these tables on the Downloads page, for grouping ``by``."""
    return download_link("priorities", by if by and by != "instrument" else None)


@callback(
    Output("priorities-query", "data"),
    Output("priorities-announce", "children"),
    Output("priorities-download-link", "children"),
    Input("priorities-by", "data"),
    Input("priorities-question", "value"),
    *[Input(f"priorities-filter-{field}", "value") for field in GROUP_FIELDS],
    prevent_initial_call=True,
)
def _remember(by: str | None, question: str | None, *filters: Any) -> tuple[str, str, Any]:
    return (page_query(by, question, _where(filters)), change_note(by, _where(filters)),
            _link(by))


def change_note(by: str | None, filters: dict[str, list[str]]) -> str:
    """The one short sentence announced after a change (not the tables themselves).

    Examples
    --------
    >>> change_note("nation", {"region": ["wales"]})
    'Tables updated: grouped by nation, 1 filter set.'
    >>> change_note(None, {})
    'Tables updated: grouped by instrument, no filter set.'
    """
    grouping = FIELD_LABELS.get(by or "instrument", "instrument").split(" (")[0].lower()
    count = {0: "no filter", 1: "1 filter"}.get(len(filters), f"{len(filters)} filters")
    return f"Tables updated: grouped by {grouping}, {count} set."


# The view goes into the address bar without a page load (assets/network.js).
dash.clientside_callback(
    ClientsideFunction(namespace="landscape", function_name="syncQuery"),
    Output("priorities-url-sync", "data"),
    Input("priorities-query", "data"),
)


@callback(Output("priorities-audit", "children"), Input("priorities-audit", "id"))
def _audit(_: str) -> Any:
    return [report_table_view(table) for table in audit_tables()]


@callback(
    Output("priorities-chart", "figure"),
    Output("priorities-chart-summary", "children"),
    Input("priorities-chart-group", "value"),
    State("priorities-by", "data"),
    State("priorities-question", "value"),
    *_filters_state(),
    prevent_initial_call=True,
)
def _chart(group: str | None, by: str | None, question: str | None, *filters: Any) -> Any:
    store = current_store()
    try:
        # The visitor's policy: an anonymous visitor's chart shows the public cells only.
        pairs = priorities_layouts(store, by, question, _where(filters),
                                   policy=disclosure_policy(),
                                   reconstructed=bool(data_labels(store)))
        layout = pairs[int(group or 0)][0]
    except (LandscapeError, IndexError, ValueError):
        return dash.no_update, dash.no_update
    return group_chart(layout), chart_summary(layout)


@callback(
    Output("priorities-download", "data"),
    Output("priorities-download-problem", "children"),
    Input({"type": "priorities-download", "format": dash.ALL}, "n_clicks"),
    State("priorities-export-policy", "value"),
    State("priorities-by", "data"),
    State("priorities-question", "value"),
    *_filters_state(),
    prevent_initial_call=True,
)
def _download(clicks: list[int], policy: str, by: str | None, question: str | None,
              *filters: Any) -> Any:
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        return dash.no_update, dash.no_update
    fmt = str(trigger["format"])
    public = policy != "internal"
    if not public:
        require("internal_export")
    store = current_store()
    try:
        name, content = priorities_export(store, fmt, by, question, _where(filters),
                                          public=public,
                                          reconstructed=bool(data_labels(store)))
    except LandscapeError as exc:
        return dash.no_update, error_notice(exc)
    audit_export(store, f"{name} (priorities by {by or 'instrument'}, "
                        f"question {question or 'default'}, filters {_where(filters)})")
    return dcc.send_bytes(content, name, type=EXPORT_MEDIA_TYPES[fmt]), None
