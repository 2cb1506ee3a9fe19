"""The Fieldwork page's charts and reminder download, built without a browser.

The numbers are those of :func:`survey.store.monitor.monitor_report` (what
``landscape monitor`` prints): the funnel against the sampling frame as a chart,
completed responses as a share of the frame by nation and by region as charts,
and the list of people due a reminder as a CSV file. Fieldwork data is for
admins (the server enforces it for the page, its callbacks and downloads).
Group names reach plotly through :func:`survey.export.charts.plot_text`
(entities for ``& < >``), and CSV cells through
:func:`survey.files.defuse_cell` (no spreadsheet formulas).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from dashboard.views import humanise
from survey.export.charts import plot_text
from survey.export.palette import CATEGORICAL
from survey.files import defuse_cell
from survey.store.engine import Store
from survey.store.monitor import GroupCount, MonitorReport, monitor_report

__all__ = [
    "BAR_COLOUR",
    "REMINDER_COLUMNS",
    "chart_graph",
    "funnel_figure",
    "rate_figure",
    "reminder_csv",
]

#: One colour (Okabe–Ito blue), readable with any colour vision; text labels carry the values.
BAR_COLOUR = CATEGORICAL[4]
#: Columns of the reminder download.
REMINDER_COLUMNS = ("respondent_id", "instrument", "reminders_sent", "email")
_ROW_PX = 28


def _base_layout(title: str, rows: int) -> dict[str, Any]:
    return {"title": {"text": plot_text(title)}, "template": "plotly_white",
            "height": 120 + _ROW_PX * max(rows, 1), "margin": {"l": 10, "r": 30, "t": 50,
                                                                "b": 40},
            "font": {"family": "Arial, Helvetica, Liberation Sans, sans-serif", "size": 13},
            "yaxis": {"autorange": "reversed", "automargin": True}}


def funnel_figure(report: MonitorReport) -> Any:
    """The funnel (frame, invited, started, completed) as horizontal bars with counts.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> list(funnel_figure(monitor_report(store)).data[0].y)
    ['Sampling frame', 'Invited', 'Started', 'Completed']
    """
    # plotly is heavy; it loads when a chart is drawn.
    import plotly.graph_objects as go

    t = report.total
    stages = ["Sampling frame", "Invited", "Started", "Completed"]
    values = [t.frame, t.invited, t.started, t.completed]
    text = [f"{v} ({v / t.frame:.1%})" if t.frame else str(v) for v in values]
    figure = go.Figure(go.Bar(x=values, y=stages, orientation="h", text=text,
                              textposition="auto", marker={"color": BAR_COLOUR},
                              hovertemplate="%{y}: %{x}<extra></extra>"))
    figure.update_layout(**_base_layout("Fieldwork funnel against the sampling frame", 4))
    figure.update_xaxes(title_text="People")
    return figure


def rate_figure(groups: Sequence[GroupCount], title: str) -> Any:
    """Completed responses as a percentage of the frame, one bar per group, with counts.

    Examples
    --------
    >>> figure = rate_figure([GroupCount("wales", 20, 20, 10, 5),
    ...                       GroupCount("london", 18, 18, 0, 0)], "By nation")
    >>> list(figure.data[0].y), list(figure.data[0].x), figure.data[0].text[0]
    (['Wales', 'London'], [25.0, 0.0], '25.0% (5 of 20)')

    A rate of 0 has no bar to hold its label; the label goes beside it.

    >>> figure.data[0].textposition
    ('auto', 'outside')
    """
    # plotly is heavy; it loads when a chart is drawn.
    import plotly.graph_objects as go

    shown = [g for g in groups if g.frame]
    names = [plot_text(humanise(g.group)) for g in shown]
    rates = [round(100 * g.completed / g.frame, 1) for g in shown]
    text = [f"{r:.1f}% ({g.completed} of {g.frame})" for r, g in zip(rates, shown, strict=True)]
    # plotly hides "auto" text on an empty bar: "0.0% (0 of 18)" goes beside it.
    where = ["outside" if r == 0 else "auto" for r in rates]
    figure = go.Figure(go.Bar(x=rates, y=names, orientation="h", text=text,
                              textposition=where, marker={"color": BAR_COLOUR},
                              hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    figure.update_layout(**_base_layout(title, len(shown)))
    figure.update_xaxes(title_text="Response rate (completed / frame, %)",
                        range=[0, max([100.0, *rates])])
    return figure


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
