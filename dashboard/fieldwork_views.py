"""The Fieldwork page's charts and reminder download, built without a browser.

The numbers are those of :func:`survey.store.monitor.monitor_report` (what
``landscape monitor`` prints): the funnel against the sampling frame as a chart,
completed responses as a share of the frame by nation and by region as charts
(both drawn by :mod:`survey.export.fieldwork`, which the Fieldwork download uses too),
and the list of people due a reminder as a CSV file. Fieldwork data is for
admins (the server enforces it for the page, its callbacks and downloads).
Group names reach plotly through :func:`survey.export.charts.plot_text`
(entities for ``& < >``), and CSV cells through
:func:`survey.files.defuse_cell` (no spreadsheet formulas).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from dash import dcc, html

# Their home (shared with the Fieldwork report's download); re-exported for the page.
from survey.export.fieldwork import BAR_COLOUR, funnel_figure, rate_figure
from survey.files import defuse_cell
from survey.store.engine import Store
from survey.store.monitor import monitor_report

__all__ = [
    "BAR_COLOUR",
    "REMINDER_COLUMNS",
    "chart_graph",
    "funnel_figure",
    "rate_figure",
    "reminder_csv",
]

#: Columns of the reminder download.
REMINDER_COLUMNS = ("respondent_id", "instrument", "reminders_sent", "email")


def chart_graph(component_id: str, figure: Any, summary: str) -> html.Figure:
    """A chart in a ``figure`` whose caption (``summary``) is its short text alternative;
    plotly's toolbar is off, so it is not in the Tab order.

    Examples
    --------
    >>> chart = chart_graph("g", {"data": []}, "A chart.")
    >>> chart.children[0].config["displayModeBar"], chart.children[1].children
    (False, 'A chart.')
    """
    graph = dcc.Graph(id=component_id, figure=figure, responsive=False,
                      config={"displayModeBar": False, "displaylogo": False,
                              "responsive": False})
    return html.Figure([graph, html.Figcaption(summary, id=f"{component_id}-summary")],
                       className="chart")


def reminder_csv(store: Store, instrument: str | None = None) -> tuple[str, bytes]:
    """Everyone due a reminder (with their email), as ``(file name, CSV bytes)``.

    The rows are the monitor's (``landscape monitor --with-contacts``): invited,
    not completed, fewer reminders than the limit. Sending them fresh links is
    ``landscape remind``'s job.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> reminder_csv(store)
    ('reminders-due.csv', b'respondent_id,instrument,reminders_sent,email\\r\\n')
    """
    report = monitor_report(store, instrument, with_contacts=True)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REMINDER_COLUMNS)
    for row in report.due:
        writer.writerow([defuse_cell("" if row.get(c) is None else str(row[c]))
                         for c in REMINDER_COLUMNS])
    suffix = f"-{instrument.replace('@', '-')}" if instrument else ""
    return f"reminders-due{suffix}.csv", out.getvalue().encode("utf-8")
