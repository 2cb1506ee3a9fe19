"""Every report table of the explorer, by name: the one list the Downloads page, the
pages and ``landscape export report`` read (:class:`survey.export.report.Report`).

Add a report by building it in its own module and naming it here.
"""

from __future__ import annotations

from collections.abc import Mapping

from survey.export import report_compare
from survey.export.fieldwork import FIELDWORK
from survey.export.overview import OVERVIEW
from survey.export.report import Report
from survey.export.report_audit import AUDIT
from survey.export.report_barriers import BARRIERS, COOCCURRENCE

__all__ = ["REPORTS"]

#: Report name -> report, in the order the Downloads page offers them.
_ORDER: tuple[Report, ...] = (
    OVERVIEW,
    AUDIT,
    report_compare.REPORT,
    BARRIERS,
    COOCCURRENCE,
    FIELDWORK,
)
REPORTS: Mapping[str, Report] = {report.name: report for report in _ORDER}
