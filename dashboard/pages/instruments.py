"""Instruments (``/instruments``): versions, the questionnaire, what changed, downloads.

The content comes from :mod:`dashboard.instrument_views` (the functions behind
``landscape instrument list / render / diff / export-xlsform``); the chosen
version, language and comparison live in the address (``?version=ID@X.Y.Z&
language=cy&compare=ID@X.Y.Z``), so a view can be bookmarked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

import dash
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard.instrument_views import (
    INSTRUMENT_MEDIA_TYPES,
    diff_block,
    instrument_export,
    previous_version,
    questionnaire_view,
    version_choices,
    versions_table,
)
from dashboard.views import (
    choice_buttons,
    choice_callback,
    error_notice,
    labelled_dropdown,
    page_heading,
    with_aria,
)
from survey.errors import LandscapeError
from survey.instrument.registry import Catalogue

dash.register_page(__name__, path="/instruments", name="Instruments", order=5,
                   title="Instruments – Partnership Landscape")

_INTRO = ("The survey's questionnaires: every version, each question as respondents see it "
          "(in English or Welsh), what changed between versions, and the form as an XLSForm "
          "for ODK or KoboToolbox.")
_LANGUAGES = (("en", "English"), ("cy", "Cymraeg (Welsh)"))


def _query(version: str | None, language: str | None, compare: str | None) -> str:
    values = {"version": version, "language": language if language != "en" else None,
              "compare": compare}
    return urlencode({k: v for k, v in values.items() if v})


def layout(version: str | None = None, language: str | None = None,
           compare: str | None = None, **_query_rest: Any) -> html.Div:
    """The page; the address's ``version``, ``language`` and ``compare`` preselect the view."""
    catalogue = Catalogue.default()
    choices = version_choices(catalogue)
    refs = [ref for ref, _ in choices]
    chosen = version if version in refs else (refs[-1] if refs else None)
    lang = language if language in dict(_LANGUAGES) else "en"
    old = compare if compare in refs else (previous_version(catalogue, chosen)
                                           if chosen else None)
    shown: Any = questionnaire_view(catalogue.load(chosen), lang) if chosen else html.P(
        "No instrument files found.")
    return html.Div([
        *page_heading("Instruments", _INTRO, []),
        html.H3("Versions"),
        versions_table(catalogue),
        html.Div([
            labelled_dropdown("instruments-version", "Version shown", choices, chosen,
                              clearable=False),
            choice_buttons("instruments-language", "Language", _LANGUAGES, lang),
        ], className="controls"),
        html.Section([
            html.H3("Download this version"),
            html.Div([html.Button("XLSForm (ODK, KoboToolbox)", id="instruments-get-xlsform",
                                  type="button", n_clicks=0, className="download"),
                      html.Button("Questionnaire (Markdown)", id="instruments-get-md",
                                  type="button", n_clicks=0, className="download")],
                     className="download-buttons"),
            html.Div(id="instruments-download-problem"),
            dcc.Download(id="instruments-download"),
        ], className="downloads"),
        html.H3("What changed"),
        labelled_dropdown("instruments-compare", "Compare with (older version)", choices, old,
                          placeholder="Choose a version"),
        html.Div(diff_block(catalogue, old, chosen), id="instruments-diff-content"),
        html.H3("The questionnaire"),
        html.Div(shown, id="instruments-content"),
        dcc.Store(id="instruments-query", data=_query(chosen, lang, compare)),
        dcc.Store(id="instruments-url-sync"),
        # One short sentence after each change, not the re-rendered questionnaire.
        with_aria(html.P, {"aria-live": "polite", "aria-atomic": "true"}, children="",
                  id="instruments-announce", className="visually-hidden"),
    ])


choice_callback("instruments-language")


@callback(
    Output("instruments-content", "children"),
    Output("instruments-diff-content", "children"),
    Output("instruments-query", "data"),
    Output("instruments-compare", "value"),
    Input("instruments-version", "value"),
    Input("instruments-language", "data"),
    Input("instruments-compare", "value"),
    prevent_initial_call=True,
)
def _update(version: str | None, language: str | None, compare: str | None) -> Any:
    return update_view(version, language, compare,
                       version_changed=dash.ctx.triggered_id == "instruments-version")


def update_view(version: str | None, language: str | None, compare: str | None, *,
                version_changed: bool = False) -> tuple[Any, Any, Any, Any]:
    """The questionnaire, the diff, the address's query and the compared version after a
    change; a newly chosen version is compared with its own previous version."""
    catalogue = Catalogue.default()
    if not version:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    if version_changed:
        compare = previous_version(catalogue, version)
    try:
        shown = questionnaire_view(catalogue.load(version), language or "en")
    except LandscapeError as exc:
        shown = error_notice(exc)
    return (shown, diff_block(catalogue, compare, version),
            _query(version, language, compare), compare)


@callback(
    Output("instruments-announce", "children"),
    Input("instruments-query", "data"),
    prevent_initial_call=True,
)
def view_note(query: str | None) -> str:
    """The sentence announced after a change of version, language or comparison.

    Examples
    --------
    >>> view_note("version=researcher%401.0.0&language=cy")
    'Showing researcher@1.0.0 in Cymraeg (Welsh), compared with no other version.'
    """
    found = {key: values[0] for key, values in parse_qs(query or "").items()}
    language = dict(_LANGUAGES).get(found.get("language", "en"), "English")
    return (f"Showing {found.get('version', 'no version')} in {language}, compared with "
            f"{found.get('compare', 'no other version')}.")


@callback(
    Output("instruments-download", "data"),
    Output("instruments-download-problem", "children"),
    Input("instruments-get-xlsform", "n_clicks"),
    Input("instruments-get-md", "n_clicks"),
    State("instruments-version", "value"),
    State("instruments-language", "data"),
    prevent_initial_call=True,
)
def _download(_xlsform: int, _md: int, version: str | None, language: str | None) -> Any:
    if not version:
        return dash.no_update, dash.no_update
    fmt = "md" if dash.ctx.triggered_id == "instruments-get-md" else "xlsform"
    try:
        name, content = instrument_export(Catalogue.default(), version, fmt, language or "en")
    except LandscapeError as exc:
        return dash.no_update, error_notice(exc)
    return dcc.send_bytes(content, name, type=INSTRUMENT_MEDIA_TYPES[fmt]), None


# The view goes into the address bar without a page load (assets/network.js).
dash.clientside_callback(
    ClientsideFunction(namespace="landscape", function_name="syncQuery"),
    Output("instruments-url-sync", "data"),
    Input("instruments-query", "data"),
)
