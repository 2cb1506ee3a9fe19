"""Downloads (``/downloads``): every priority table and chart, as the CLI writes them.

Files come from :func:`dashboard.download_views.download` (``landscape export
priorities``'s path) for the chosen grouping, under the viewer's disclosure
policy: the public one for anonymous visitors and viewers, internal on request for
analysts and admins (:mod:`dashboard.access`); staff downloads go to the audit log.
The chosen grouping lives in the address (``?by=nation``). Visitors limited to
public files are offered only the groupings the public release allows
(:func:`dashboard.download_views.download_groupings`); the download still passes
the release check on the server.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard.access import audit_export, current_role
from dashboard.app import current_store
from dashboard.download_views import (
    DOWNLOAD_FORMATS,
    MEDIA_TYPES,
    download,
    download_groupings,
    export_policies,
)
from dashboard.page_views import FIELD_LABELS
from dashboard.views import (
    choice_buttons,
    choice_callback,
    error_notice,
    page_heading,
    with_aria,
)
from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/downloads", name="Downloads", order=6,
                   title="Downloads – Partnership Landscape")

_INTRO = ("The priority tables and their chart as files for a report: CSV, Excel, Word or "
          "Markdown tables, an HTML or PNG chart. They are the files 'landscape export "
          "priorities' writes, with the same titles, notes and disclosure control.")


def _policy_text(policy: str) -> str:
    statement = DisclosurePolicy(public=policy != "internal").statement()
    return f"Disclosure policy of your downloads: {statement}"


def layout(by: str | None = None, **_query: Any) -> html.Div:
    """The page; ``?by=nation`` preselects the grouping."""
    store = current_store()
    role = current_role()
    # Only the groupings this visitor can get (public files: those the release allows).
    groupings = download_groupings(store, role)
    chosen = by if by in groupings else "instrument"
    policies = export_policies(role)
    choices: list[Any] = [choice_buttons("downloads-by", "Tables for each",
                                         [(f, FIELD_LABELS[f]) for f in groupings],
                                         chosen)]
    if len(policies) > 1:
        choices.append(choice_buttons("downloads-policy", "Disclosure control",
                                      [("public", "Public (suppression on)"),
                                       ("internal", "Internal (not for publication)")],
                                      "public"))
    else:
        choices.append(dcc.Store(id="downloads-policy", data="public"))
    buttons = [html.Button(text, id={"type": "downloads-get", "format": fmt}, type="button",
                           n_clicks=0, className="download") for fmt, text in DOWNLOAD_FORMATS]
    return html.Div([
        *page_heading("Downloads", _INTRO, data_labels(store)),
        *choices,
        html.P(_policy_text("public"), id="downloads-policy-note"),
        html.Fieldset([html.Legend("Download"), *buttons],
                      className="download-buttons"),
        with_aria(html.Div, {"aria-live": "polite"}, id="downloads-status"),
        dcc.Download(id="downloads-file"),
        dcc.Store(id="downloads-query", data=f"by={chosen}" if chosen != "instrument" else ""),
        dcc.Store(id="downloads-url-sync"),
    ])


choice_callback("downloads-by")
choice_callback("downloads-policy")


@callback(Output("downloads-query", "data"), Output("downloads-policy-note", "children"),
          Input("downloads-by", "data"), Input("downloads-policy", "data"),
          prevent_initial_call=True)
def _choose(by: str | None, policy: str | None) -> Any:
    query = f"by={by}" if by and by != "instrument" else ""
    allowed = policy if policy in export_policies(current_role()) else "public"
    return query, _policy_text(allowed)


@callback(
    Output("downloads-file", "data"),
    Output("downloads-status", "children"),
    Input({"type": "downloads-get", "format": dash.ALL}, "n_clicks"),
    State("downloads-by", "data"),
    State("downloads-policy", "data"),
    prevent_initial_call=True,
)
def _download(clicks: list[int], by: str | None, policy: str | None) -> Any:
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        return dash.no_update, dash.no_update
    fmt = str(trigger["format"])
    store = current_store()
    try:
        name, content = download(store, fmt, by, role=current_role(),
                                 policy=policy or "public",
                                 reconstructed=bool(data_labels(store)))
    except LandscapeError as exc:
        return dash.no_update, error_notice(exc)
    audit_export(store, f"downloads: {name}")
    return dcc.send_bytes(content, name, type=MEDIA_TYPES[fmt]), f"Downloaded {name}."


# The grouping goes into the address bar without a page load (assets/network.js).
dash.clientside_callback(
    ClientsideFunction(namespace="landscape", function_name="syncQuery"),
    Output("downloads-url-sync", "data"),
    Input("downloads-query", "data"),
)
