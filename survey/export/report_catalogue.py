"""Every report table of the explorer, by name: the one list the Downloads page, the
pages and ``landscape export report`` read (:class:`survey.export.report.Report`).

Add a report by building it in its own module and naming it here.
"""

from __future__ import annotations

from collections.abc import Mapping

from survey.export import report_compare
from survey.export.report import Report

__all__ = ["REPORTS"]

#: Report name -> report, in the order the Downloads page offers them.
_ORDER: tuple[Report, ...] = (
    report_compare.REPORT,
)
REPORTS: Mapping[str, Report] = {report.name: report for report in _ORDER}
