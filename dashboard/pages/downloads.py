"""Downloads (``/downloads``): every table and chart, as the CLI writes them.

"What to download" offers the priority tables and every report of
:data:`survey.export.report_catalogue.REPORTS` whose page the visitor may open
(:func:`dashboard.download_views.download_tables`). Files come from
:func:`dashboard.download_views.download` (the path of ``landscape export
priorities`` and ``landscape export report NAME``) for the chosen table and
grouping, under the viewer's disclosure policy: the public one for anonymous
visitors and viewers, internal on request for analysts and admins
(:mod:`dashboard.access`); staff downloads go to the audit log. A report whose
page is above the visitor's role is refused on the server (403), whatever the
browser posts.

The choices live in the address (``?table=fieldwork&by=region&policy=internal``),
so a view can be bookmarked and other pages link here
(:func:`dashboard.views.download_link`). The groupings offered follow the chosen
policy (:func:`dashboard.download_views.table_groupings`): public files are offered
only the groupings the public release allows; the download still passes the
release check on the server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import ClientsideFunction, Input, Output, State, callback, dcc, html

from dashboard.access import audit_export, current_role
from dashboard.app import current_store
from dashboard.download_views import (
    MEDIA_TYPES,
    PRIORITIES,
    download,
    download_formats,
    download_tables,
    export_policies,
    table_groupings,
)
from dashboard.page_views import FIELD_LABELS
from dashboard.views import (
    choice_buttons,
    choice_callback,
    error_notice,
    humanise,
    page_heading,
    with_aria,
)
from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy
from survey.store.analysis import data_labels

dash.register_page(__name__, path="/downloads", name="Downloads", order=6,
                   title="Downloads – Partnership Landscape")

_INTRO = ("Every table of the explorer and its chart as files for a report: CSV, Excel, Word "
          "or Markdown tables, an HTML or PNG chart. They are the files 'landscape export "
          "priorities' and 'landscape export report' write, with the same titles, notes and "
          "disclosure control.")


def _policy_text(policy: str) -> str:
    statement = DisclosurePolicy(public=policy != "internal").statement()
    return f"Disclosure policy of your downloads: {statement}"


def _by_choice(groupings: tuple[str, ...], chosen: str | None) -> list[Any]:
    """The grouping buttons, or a note (and an empty choice) for a table with none."""
    if not groupings:
        return [dcc.Store(id="downloads-by", data=None),
                html.P("This table comes in one grouping.", className="control")]
    return [choice_buttons("downloads-by", "Tables for each",
                           [(f, FIELD_LABELS.get(f, humanise(f))) for f in groupings],
                           chosen or groupings[0])]


def _format_buttons(table: str) -> list[Any]:
    return [html.Legend("Download"),
            *(html.Button(text, id={"type": "downloads-get", "format": fmt}, type="button",
                          n_clicks=0, className="download")
              for fmt, text in download_formats(table))]


def _query(table: str, by: str | None, groupings: tuple[str, ...], policy: str) -> str:
    """The address's query: only what differs from the defaults."""
    parts = {"table": table} if table != PRIORITIES else {}
    if by and groupings and by != groupings[0]:
        parts["by"] = by
    if policy == "internal":
        parts["policy"] = policy
    return urlencode(parts)


def _resolve(table: str | None, by: str | None, policy: str | None,
             role: str) -> tuple[str, str, tuple[str, ...], str | None]:
    """What the visitor may have of what was asked: (table, policy, groupings, by)."""
    tables = dict(download_tables(role))
    chosen = table if table in tables else PRIORITIES
    allowed = policy if policy in export_policies(role) else "public"
    groupings = table_groupings(current_store(), chosen, role, allowed)
    return chosen, allowed, groupings, (by if by in groupings else
                                        (groupings[0] if groupings else None))


def layout(table: str | None = None, by: str | None = None, policy: str | None = None,
           **_query_rest: Any) -> html.Div:
    """The page; ``?table=overview&by=...&policy=internal`` preselects the choices."""
    store = current_store()
    role = current_role()
    chosen, allowed, groupings, by_chosen = _resolve(table, by, policy, role)
    policies = export_policies(role)
    choices: list[Any] = [choice_buttons("downloads-table", "What to download",
                                         download_tables(role), chosen),
                          html.Div(_by_choice(groupings, by_chosen), id="downloads-by-box")]
    if len(policies) > 1:
        choices.append(choice_buttons("downloads-policy", "Disclosure control",
                                      [("public", "Public (suppression on)"),
                                       ("internal", "Internal (not for publication)")],
                                      allowed))
    else:
        choices.append(dcc.Store(id="downloads-policy", data="public"))
    return html.Div([
        *page_heading("Downloads", _INTRO, data_labels(store)),
        *choices,
        html.P(_policy_text(allowed), id="downloads-policy-note"),
        html.Fieldset(_format_buttons(chosen), id="downloads-formats",
                      className="download-buttons"),
        with_aria(html.Div, {"aria-live": "polite"}, id="downloads-status"),
        dcc.Download(id="downloads-file"),
        dcc.Store(id="downloads-query", data=_query(chosen, by_chosen, groupings, allowed)),
        dcc.Store(id="downloads-url-sync"),
    ])


choice_callback("downloads-table")
choice_callback("downloads-by")
choice_callback("downloads-policy")


@callback(Output("downloads-by-box", "children"), Output("downloads-formats", "children"),
          Output("downloads-query", "data"), Output("downloads-policy-note", "children"),
          Input("downloads-table", "data"), Input("downloads-policy", "data"),
          Input("downloads-by", "data"), prevent_initial_call=True)
def _choose(table: str | None, policy: str | None, by: str | None) -> Any:
    chosen, allowed, groupings, by_chosen = _resolve(table, by, policy, current_role())
    query = _query(chosen, by_chosen, groupings, allowed)
    if dash.ctx.triggered_id == "downloads-by":  # keep the buttons (and the focus) as they are
        return dash.no_update, dash.no_update, query, _policy_text(allowed)
    # Another table or policy: its groupings (public files: only those the release allows).
    return (_by_choice(groupings, by_chosen), _format_buttons(chosen), query,
            _policy_text(allowed))


@callback(
    Output("downloads-file", "data"),
    Output("downloads-status", "children"),
    Input({"type": "downloads-get", "format": dash.ALL}, "n_clicks"),
    State("downloads-table", "data"),
    State("downloads-by", "data"),
    State("downloads-policy", "data"),
    prevent_initial_call=True,
)
def _download(clicks: list[int], table: str | None, by: str | None,
              policy: str | None) -> Any:
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        return dash.no_update, dash.no_update
    fmt = str(trigger["format"])
    store = current_store()
    try:
        # download() refuses (403) a report whose page is above the visitor's role.
        name, content = download(store, fmt, by, role=current_role(),
                                 policy=policy or "public", table=table or PRIORITIES,
                                 reconstructed=bool(data_labels(store)))
    except LandscapeError as exc:
        return dash.no_update, error_notice(exc)
    audit_export(store, f"downloads: {name}")
    return dcc.send_bytes(content, name, type=MEDIA_TYPES[fmt]), f"Downloaded {name}."


# The choices go into the address bar without a page load (assets/network.js).
dash.clientside_callback(
    ClientsideFunction(namespace="landscape", function_name="syncQuery"),
    Output("downloads-url-sync", "data"),
    Input("downloads-query", "data"),
)
