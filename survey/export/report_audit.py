"""The published priority tables, audited: each printed table beside the nearest one
that real rankings could give.

For each table of the 2022 report (``published_2022.yaml``, read by
:func:`survey.ranking.published.load_tables`) the report table shows, per option
and band, the printed percentage and the nearest feasible count (with its share
as the report would print it), found by :func:`survey.ranking.audit.audit_table`
(an exact min-cost flow); the notes carry the audit's verdict, the impossible
rows and columns, the largest deviation and the alternative printing models
tested by :func:`survey.ranking.audit_models.audit_models`, as ``landscape
audit-table`` prints them. Published figures are public: the disclosure policy
does not change this table.
"""

from __future__ import annotations

import functools
from typing import Any

from survey.export.layout import humanise
from survey.export.report import Report, ReportTable
from survey.ranking.audit import AuditReport, audit_table
from survey.ranking.audit_models import audit_models
from survey.ranking.published import PublishedTable, load_tables

__all__ = ["AUDIT", "audit_tables"]


def _percent(value: Any) -> str:
    number = float(value)
    return f"{number:g}%"


def _title(table: PublishedTable) -> str:
    """``table_1_local_government`` -> ``Table 1 (local government)``."""
    words = table.name.split("_")
    if len(words) > 2 and words[0] == "table":
        return f"Table {words[1]} ({' '.join(words[2:])}) as printed, and the nearest " \
               f"table {table.n} complete rankings can give (n={table.n})"
    return f"{humanise(table.name)} (n={table.n})"


def _notes(table: PublishedTable, report: AuditReport) -> tuple[str, ...]:
    notes = []
    if report.consistent:
        notes.append(f"Every printed value is a share of {table.n} respondents that complete "
                     "rankings can give.")
    else:
        cells = sum(1 for v in report.violations if v.kind == "cell" and v.severity == "error")
        notes.append(f"{cells} printed value(s) are not c/{table.n} for any whole c.")
        notes.extend(str(v) for v in report.violations
                     if v.kind in ("row", "column") and v.severity == "error")
    changed = len(report.changed_cells)
    notes.append(f"Nearest table: largest deviation of an exact share from the print "
                 f"{float(report.largest_deviation):.2f} points; {changed} of "
                 f"{len(report.options) * len(report.bands)} cells would print differently.")
    notes.append(audit_models(table).summary())
    return tuple(notes)


@functools.lru_cache(maxsize=4)
def _published_audit() -> tuple[ReportTable, ...]:
    # The published file does not change while the process runs; the audit takes seconds.
    out = []
    for table in load_tables().values():
        report = audit_table(table)
        titles = table.band_titles or tuple(f"{lo}-{hi}" for lo, hi in table.bands)
        columns = ["Option"]
        for title in titles:
            columns += [f"{title}: printed", f"{title}: nearest (count)"]
        rows = []
        for i, code in enumerate(report.options):
            cells: list[str] = [report.labels.get(code, code)]
            for j in range(len(report.bands)):
                cells += [_percent(report.printed[i][j]),
                          f"{_percent(report.nearest_printed[i][j])} "
                          f"({int(report.nearest[i, j])})"]
            rows.append(tuple(cells))
        out.append(ReportTable(_title(table), tuple(columns), tuple(rows),
                               _notes(table, report)))
    return tuple(out)


def audit_tables(store: Any = None, *, by: str | None = None, policy: Any = None,
                 reconstructed: bool = False) -> list[ReportTable]:
    """The published tables beside their nearest feasible tables, one report table each.

    The arguments are those of every :class:`~survey.export.report.Report`; none
    changes this table (the published figures are public and not from the store).

    Examples
    --------
    >>> first = audit_tables()[0]
    >>> first.title.startswith("Table 1 (local government) as printed")
    True
    >>> first.rows[0][1:3]
    ('51%', '46% (16)')
    """
    return list(_published_audit())


#: The audit as a downloadable report (the Priorities page shows it).
AUDIT = Report(name="audit", label="The published tables, audited", page="/priorities",
               tables=audit_tables)
