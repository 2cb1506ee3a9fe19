"""Small view helpers shared by the explorer pages: tables, labelled controls, banners.

Every helper renders data (option labels, organisation names, group values,
free text) as *text children* of Dash HTML components, which React escapes;
nothing here uses ``dcc.Markdown`` or ``dangerously_allow_html``. Pages build
their component trees from these helpers so that the trees can be tested
without a browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast
from urllib.parse import urlencode

import dash
from dash import Input, Output, dcc, html

from survey.errors import LandscapeError
from survey.export.layout import humanise  # its home; re-exported for the pages
from survey.export.report import (  # their home; re-exported for the pages
    SMALL_N_MARK,
    ReportTable,
    difference_text,
    interval_text,
    share_text,
)
from survey.stats.smalln import small_n_note

__all__ = [
    "SMALL_N_MARK",
    "SMALL_N_NOTE",
    "choice_buttons",
    "difference_text",
    "download_link",
    "error_notice",
    "humanise",
    "interval_text",
    "labelled_dropdown",
    "notes_block",
    "page_heading",
    "pressed_states",
    "report_table_view",
    "share_text",
    "synthetic_banner",
    "table_from_rows",
    "text_of",
    "with_aria",
]

#: The flag's explanation (the one rule, :func:`survey.stats.smalln.is_small`, with the
#: settings in force when the explorer started).
SMALL_N_NOTE = small_n_note()
_SYNTHETIC_PREFIX = "Synthetic or reconstructed data: "


def with_aria(factory: Any, aria: Mapping[str, str], **props: Any) -> Any:
    """Build ``factory(**props)`` with ``aria-*`` attributes, which Dash accepts but
    does not type-hint.

    Examples
    --------
    >>> div = with_aria(html.Div, {"aria-live": "polite"}, id="x")
    >>> div.to_plotly_json()["props"]["aria-live"]
    'polite'
    """
    return cast(Any, factory)(**props, **dict(aria))


def synthetic_banner(labels: Sequence[str]) -> list[Any]:
    """A visible note per data label (empty when the store holds no demo data).

    Examples
    --------
    >>> [p.children for p in synthetic_banner(["reconstructed, not real"])]
    ['Synthetic or reconstructed data: reconstructed, not real']
    >>> synthetic_banner([])
    []
    """
    return [html.P(_SYNTHETIC_PREFIX + str(label), className="synthetic-label", role="note")
            for label in labels]


def page_heading(title: str, intro: str, labels: Sequence[str]) -> list[Any]:
    """The page's ``h2`` heading, its one-paragraph introduction and the data labels.

    Examples
    --------
    >>> [type(c).__name__ for c in page_heading("Priorities", "Band tables.", ["demo"])]
    ['H2', 'P', 'P']
    """
    return [html.H2(title), html.P(intro, className="intro"), *synthetic_banner(labels)]


def labelled_dropdown(component_id: str, label: str, options: Iterable[tuple[str, str]],
                      value: Any = None, *, multi: bool = False,
                      clearable: bool = True, placeholder: str | None = None) -> html.Div:
    """A ``dcc.Dropdown`` with a visible ``<label for=...>``.

    ``options`` are ``(value, shown text)`` pairs; the text is rendered as text.

    Examples
    --------
    >>> box = labelled_dropdown("by", "Group by", [("nation", "Nation")], "nation")
    >>> box.children[0].htmlFor, box.children[1].value
    ('by', 'nation')
    """
    choices = [{"label": str(text), "value": str(code)} for code, text in options]
    return html.Div([
        html.Label(label, htmlFor=component_id),
        dcc.Dropdown(id=component_id, options=choices, value=value, multi=multi,
                     clearable=clearable, placeholder=placeholder or "Any"),
    ], className="control")


def choice_buttons(component_id: str, legend: str, options: Iterable[tuple[str, str]],
                   value: str) -> html.Fieldset:
    """A choice among a few values as toggle buttons in a ``fieldset`` with a ``legend``.

    Each choice is a native ``<button aria-pressed>`` (id
    ``{"type": f"{component_id}-choice", "value": code}``) named by its own
    text; the legend names the group, so a screen reader says "Group by,
    group; Nation, toggle button, pressed", and Tab and Enter/Space use it.
    The chosen value is held in a ``dcc.Store`` with ``id=component_id``
    (property ``data``); :func:`pressed_states` gives the buttons' states
    after a click. (Dash 4's ``dcc.Dropdown`` names its button by the chosen
    value instead of our label, and its ``dcc.RadioItems`` wraps the radios in
    ``role="listbox"``/``"option"`` elements, which hides them from screen readers.)
    ``options`` are ``(value, shown text)`` pairs; the text is rendered as text.

    Examples
    --------
    >>> group = choice_buttons("by", "Group by", [("nation", "Nation"), ("path", "Path")],
    ...                        "nation")
    >>> group.children[0].children, group.children[1].id, group.children[1].data
    ('Group by', 'by', 'nation')
    >>> [(b.children, b.to_plotly_json()["props"]["aria-pressed"]) for b in group.children[2:]]
    [('Nation', 'true'), ('Path', 'false')]
    """
    buttons = [with_aria(html.Button, {"aria-pressed": "true" if str(code) == value
                                       else "false"},
                         children=str(text), type="button", n_clicks=0, className="choice",
                         id={"type": f"{component_id}-choice", "value": str(code)})
               for code, text in options]
    return html.Fieldset([html.Legend(legend), dcc.Store(id=component_id, data=value),
                          *buttons], className="control choice-buttons")


def pressed_states(codes: Sequence[str], chosen: str) -> list[str]:
    """``aria-pressed`` of each choice button of :func:`choice_buttons` once ``chosen`` is picked.

    Examples
    --------
    >>> pressed_states(["nation", "path"], "path")
    ['false', 'true']
    """
    return ["true" if str(code) == chosen else "false" for code in codes]


def choice_callback(component_id: str) -> None:
    """Register the callback that makes a :func:`choice_buttons` group work: a click
    stores the chosen value in ``component_id.data`` and updates ``aria-pressed``."""
    pattern = {"type": f"{component_id}-choice", "value": dash.ALL}

    @dash.callback(Output(component_id, "data"), Output(pattern, "aria-pressed"),
                   Input(pattern, "n_clicks"), prevent_initial_call=True)
    def _choose(clicks: list[int]) -> Any:
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks):
            return dash.no_update, dash.no_update
        codes = [str(item["id"]["value"]) for item in dash.ctx.outputs_list[1]]
        chosen = str(trigger["value"])
        return chosen, pressed_states(codes, chosen)


def table_from_rows(caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                    *, row_headers: bool = True, table_id: str | None = None,
                    class_name: str = "data-table",
                    row_titles: Sequence[str | None] | None = None) -> html.Table:
    """An accessible HTML table: a caption, ``th scope=col`` headers, text cells.

    With ``row_headers`` the first cell of each row is a ``th scope=row``.
    ``row_titles`` gives each row's first cell a hover text (its ``title``
    attribute, plain text; ``None`` for none): the full wording of a shortened label.

    Examples
    --------
    >>> table = table_from_rows("Counts", ["Group", "n"], [["<b>x</b>", 3]])
    >>> table.children[0].children
    'Counts'
    >>> table.children[2].children[0].children[0].children
    '<b>x</b>'
    """
    head = html.Thead(html.Tr([html.Th(str(h), scope="col") for h in header]))
    body_rows = []
    for r, row in enumerate(rows):
        cells: list[Any] = []
        for i, value in enumerate(row):
            text = "" if value is None else str(value)
            title = row_titles[r] if row_titles is not None and i == 0 else None
            hover: dict[str, Any] = {} if title is None else {"title": str(title)}
            cells.append(html.Th(text, scope="row", **hover) if i == 0 and row_headers
                         else html.Td(text, **hover))
        body_rows.append(html.Tr(cells))
    extra: dict[str, Any] = {} if table_id is None else {"id": table_id}
    return html.Table([html.Caption(caption), head, html.Tbody(body_rows)],
                      className=class_name, **extra)


def report_table_view(table: ReportTable, *, table_id: str | None = None,
                      row_titles: Sequence[str | None] | None = None) -> html.Div:
    """A :class:`~survey.export.report.ReportTable` on a page: its cells and notes as text.

    The page shows what the table's downloads hold (the same builder makes both);
    a suppressed cell shows as ``[c]``.

    Examples
    --------
    >>> from survey.export.report import ReportTable
    >>> view = report_table_view(ReportTable("T (n=9)", ("Theme", "Share"), (("x", None),)))
    >>> text_of(view)
    'T (n=9) Theme Share x [c]'
    """
    rows = [[row[0], *(table.cell_text(cell) for cell in row[1:])] for row in table.rows]
    return html.Div([table_from_rows(table.title, table.columns, rows, table_id=table_id,
                                     row_titles=row_titles),
                     notes_block(table.notes)], className="report-table")


def download_link(table: str, by: str | None = None) -> html.P:
    """A link to this table's files on the Downloads page (``/downloads?table=NAME&by=...``).

    ``table`` is ``priorities`` or a report name of
    :data:`survey.export.report_catalogue.REPORTS`; the Downloads page preselects it
    (and checks on the server who may have it).

    Examples
    --------
    >>> link = download_link("compare", by="nation").children
    >>> link.href, link.children
    ('/downloads?table=compare&by=nation', 'Download this table (CSV, Excel, Word, chart)')
    """
    query = urlencode({"table": table, **({"by": by} if by else {})})
    # A plain link: the Downloads page is loaded afresh with the choice in its address.
    return html.P(html.A("Download this table (CSV, Excel, Word, chart)",
                         href=f"/downloads?{query}"), className="download-link")


def notes_block(notes: Iterable[str], class_name: str = "notes") -> html.Div:
    """Sentences printed under a table, each its own paragraph.

    Examples
    --------
    >>> [p.children for p in notes_block(["a", "", "b"]).children]
    ['a', 'b']
    """
    return html.Div([html.P(str(n)) for n in notes if str(n).strip()], className=class_name)


def error_notice(exc: LandscapeError) -> html.Div:
    """A problem shown on the page (what went wrong and how to fix it), as text.

    Examples
    --------
    >>> notice = error_notice(LandscapeError.of("A172", "no complete responses"))
    >>> "no complete responses" in notice.children[0].children
    True
    """
    return html.Div([html.P(str(problem)) for problem in exc.issues], role="alert",
                    className="problem")


def text_of(component: Any) -> str:
    """All text in a component tree, depth first, joined by spaces (for tests and checks).

    Examples
    --------
    >>> text_of(html.Div([html.H2("A"), html.P(["b", html.Span("c")])]))
    'A b c'
    """
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node is None or isinstance(node, bool):
            return
        if isinstance(node, str | int | float):
            parts.append(str(node))
            return
        if isinstance(node, Mapping):
            return
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        walk(getattr(node, "children", None))

    walk(component)
    return " ".join(parts)
