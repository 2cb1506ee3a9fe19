"""The Fieldwork report: response rates against the sampling frame, and the funnel.

One builder, :func:`fieldwork_tables`, feeds the Fieldwork page's download and
``landscape export report fieldwork`` (the :data:`FIELDWORK` report, for admins:
fieldwork data is staff-only). The numbers are those of
:func:`survey.store.monitor.monitor_report` (what ``landscape monitor``
prints). The report's chart is the funnel (:func:`funnel_figure`), which the
Fieldwork page draws too; :func:`rate_figure` draws the rates by group.

Under a public policy a group's counts other than its frame (and its rate) are
withheld when :func:`survey.export.report.protect_share` withholds
``completed / frame``, and further groups by
:func:`survey.export.disclosure.secondary_suppression` so that none follows from
the funnel's totals. Group names reach plotly through
:func:`survey.export.charts.plot_text` (entities for ``& < >``).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from survey.coding.shares import round_half_up
from survey.export.charts import plot_text
from survey.export.disclosure import DisclosurePolicy, Suppression, secondary_suppression
from survey.export.layout import RECONSTRUCTED_NOTE, humanise
from survey.export.palette import CATEGORICAL
from survey.export.report import Cell, Report, ReportTable, protect_share
from survey.store.engine import Store
from survey.store.monitor import NO_FRAME_NOTE, GroupCount, MonitorReport, monitor_report

__all__ = [
    "BAR_COLOUR",
    "FIELDWORK",
    "FIELDWORK_GROUPINGS",
    "fieldwork_figure",
    "fieldwork_tables",
    "funnel_figure",
    "rate_figure",
    "rate_text",
]

#: One colour, readable with any colour vision (text labels carry the values).
BAR_COLOUR = CATEGORICAL[4]
#: The groupings of the rates table (the monitor's dimensions); nation by default.
FIELDWORK_GROUPINGS = ("nation", "region", "organisation_type")
_GROUP_TITLES = {"nation": "Nation", "region": "Region",
                 "organisation_type": "Organisation type"}
_ROW_PX = 28


def rate_text(completed: int, frame: int) -> str:
    """A response rate in percent to one decimal, rounded half-up (``–`` for an empty frame).

    Examples
    --------
    >>> rate_text(35, 255), rate_text(0, 0)
    ('13.7%', '–')
    """
    if frame == 0:
        return "–"
    return f"{round_half_up(Fraction(completed, frame) * 100, 1)}%"


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


def _withheld(groups: Sequence[GroupCount], policy: DisclosurePolicy) -> list[bool]:
    """Per group: whether its completed and non-responding counts are withheld."""
    if not policy.active or not groups:
        return [False] * len(groups)
    counts = np.array([[g.completed, g.frame - g.completed] for g in groups])
    primary = np.array([[protect_share(g.completed, g.frame, policy) is not Suppression.NONE]
                        * 2 for g in groups])
    if not primary.any():
        return [False] * len(groups)
    hidden = secondary_suppression(counts, primary)
    return [bool(row.any()) for row in hidden]


def fieldwork_tables(store: Store, *, by: str | None = None,
                     policy: DisclosurePolicy | None = None,
                     reconstructed: bool = False, **_: Any) -> list[ReportTable]:
    """The funnel, then responses and response rates by ``by`` (default nation).

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> funnel, rates = fieldwork_tables(store)
    >>> funnel.rows[0], rates.columns[:2]
    (('Sampling frame', 0, '–'), ('Nation', 'Frame'))
    """
    policy = policy or DisclosurePolicy(public=False)
    field = by or "nation"
    report = monitor_report(store)
    t = report.total
    lead = (RECONSTRUCTED_NOTE,) if reconstructed else ()
    outside = (f"Outside the sampling frame (open link and imported responses, not in any "
               f"rate): {report.outside_started} started, {report.outside_completed} "
               f"completed. {NO_FRAME_NOTE}",) if report.outside_started else ()
    funnel = ReportTable(
        f"Fieldwork funnel against the sampling frame (frame={t.frame})",
        ("Stage", "People", "% of frame"),
        tuple((stage, count, rate_text(count, t.frame)) for stage, count in
              (("Sampling frame", t.frame), ("Invited", t.invited), ("Started", t.started),
               ("Completed", t.completed))),
        (*lead, *outside))
    groups = report.by.get(field, [])
    title = _GROUP_TITLES.get(field, humanise(field))
    rows: list[tuple[Cell, ...]] = []
    for group, hide in zip(groups, _withheld(groups, policy), strict=True):
        # A withheld group shows only its frame: invited and started would give away
        # the completed count (all started people may have completed).
        cells: tuple[Cell, ...] = (group.invited, group.started, group.completed,
                                   group.frame - group.completed,
                                   rate_text(group.completed, group.frame))
        rows.append((humanise(group.group), group.frame,
                     *((None,) * len(cells) if hide else cells)))
    rates = ReportTable(
        f"Responses and response rates by {title.lower()} (completed / frame)",
        (title, "Frame", "Invited", "Started", "Completed", "No response", "Response rate"),
        tuple(rows), (*lead, "Response rate: completed responses as a share of the people "
                      "in the sampling frame, rounded half-up to one decimal.",
                      policy.statement()))
    return [funnel, rates]


def fieldwork_figure(store: Store, *, by: str | None = None,
                     policy: DisclosurePolicy | None = None, **_: Any) -> Any:
    """The report's chart: the funnel against the frame (:func:`funnel_figure`)."""
    return funnel_figure(monitor_report(store))


#: Fieldwork for admins: ``landscape export report fieldwork [--by region]``.
FIELDWORK = Report(name="fieldwork", label="Response rates and the funnel (Fieldwork)",
                   page="/fieldwork", tables=fieldwork_tables, figure=fieldwork_figure,
                   groupings=FIELDWORK_GROUPINGS)
