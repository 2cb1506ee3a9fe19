"""The Downloads page's files: every table and chart through the CLI's export path.

:func:`download` writes exactly what the CLI writes for the same arguments. The
priority tables (``table="priorities"``) are ``landscape export priorities``'s:
tables by :func:`survey.export.tables.write_layouts` (CSV, XLSX, DOCX, Markdown),
charts by :func:`survey.export.charts.write_chart` (HTML with plotly.js inline;
PNG drawn by the system Chromium, offline), laid out by
:func:`dashboard.page_views.priorities_layouts` (the CLI's titles, notes and
suppression). Every other table is a report of
:data:`survey.export.report_catalogue.REPORTS`, written by
:func:`survey.export.report_files.write_report` as ``landscape export report
NAME`` writes it. A report is refused (403) to a visitor whose role may not open
its page (:func:`dashboard.access.page_allowed`), whatever the browser posts;
:func:`download_tables` offers only the others.

The viewer's role decides the disclosure policy: anonymous visitors and viewers
get the public files (disclosure control on, the policy stated under every
table); analysts and admins may also ask for the internal (unsuppressed) ones.
Asking for an internal file without such a role gives the public file.

:func:`download_groupings` offers only the groupings the chosen policy can get:
public files (every role's default, the only choice below analyst) are offered
those the public release allows
(:func:`survey.export.release.check_public_release`, the check every public
download passes, so a grouping it refuses is never offered; posting one anyway
still gets its ``X108``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from flask import abort

from dashboard.access import ANONYMOUS, allowed, page_allowed
from dashboard.page_views import EXPORT_MEDIA_TYPES, priorities_export, priorities_layouts
from survey.errors import LandscapeError
from survey.export.charts import write_chart
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import CHART_FORMATS, TABLE_FORMATS
from survey.export.release import check_public_release, store_populations
from survey.export.report import Report
from survey.export.report_catalogue import REPORTS
from survey.export.report_files import write_report
from survey.store.analysis import GROUP_FIELDS
from survey.store.engine import Store

__all__ = [
    "DOWNLOAD_FORMATS",
    "MEDIA_TYPES",
    "PRIORITIES",
    "download",
    "download_formats",
    "download_groupings",
    "download_tables",
    "export_policies",
    "table_groupings",
]

#: The formats offered: tables, then charts (SVG is left to the CLI).
DOWNLOAD_FORMATS: tuple[tuple[str, str], ...] = (
    ("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)"), ("md", "Markdown"),
    ("html", "Chart (HTML)"), ("png", "Chart (PNG)"))
#: The name of the priority band tables among the downloads (the others are reports).
PRIORITIES = "priorities"
#: Media types of every download format.
MEDIA_TYPES: dict[str, str] = {**EXPORT_MEDIA_TYPES, "html": "text/html", "png": "image/png"}


def export_policies(role: str | None) -> tuple[str, ...]:
    """The disclosure policies ``role`` may download (``None``: anonymous).

    Examples
    --------
    >>> export_policies(None), export_policies("viewer"), export_policies("analyst")
    (('public',), ('public',), ('public', 'internal'))
    """
    # one rule: dashboard.access decides who may run internal exports
    return ("public", "internal") if allowed("internal_export", role or ANONYMOUS) \
        else ("public",)


def download_groupings(store: Store, role: str | None = None,
                       policy: str = "public") -> tuple[str, ...]:
    """The groupings (:data:`~survey.store.analysis.GROUP_FIELDS`) of the priority tables
    offered to ``role`` under the chosen ``policy``.

    Every grouping for internal files (``policy="internal"`` by a role allowed them);
    for public files those :func:`survey.export.release.check_public_release` lets
    through, whatever the role. The release is attacked once per data content (it is
    cached by the data's fingerprint), so asking again costs loading the store's
    rankings. One per instrument is always offered: with no data, its download says
    why.

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> download_groupings(store), download_groupings(store, "analyst")
    (('instrument',), ('instrument',))
    >>> download_groupings(store, "analyst", "internal")[:2]
    ('instrument', 'version')
    >>> download_groupings(store, "viewer", "internal")  # not allowed internal files
    ('instrument',)
    """
    if policy == "internal" and "internal" in export_policies(role):
        return GROUP_FIELDS
    public = DisclosurePolicy(public=True)
    try:
        populations = store_populations(store)
    except LandscapeError:
        return ("instrument",)  # nothing to release yet: the download says why
    offered = []
    for field in GROUP_FIELDS:
        try:
            check_public_release(populations, public,
                                 by=None if field == "instrument" else field)
        except LandscapeError:
            if field == "instrument":
                return ("instrument",)  # the release fails as a whole: the download says why
            continue
        offered.append(field)
    return tuple(offered)


def download_tables(role: str | None = None) -> list[tuple[str, str]]:
    """``(name, label)`` of what ``role`` may download: the priority tables, then every
    report whose page ``role`` may open.

    Examples
    --------
    >>> [name for name, _ in download_tables()][:2]
    ['priorities', 'overview']
    >>> "fieldwork" in dict(download_tables()), "fieldwork" in dict(download_tables("admin"))
    (False, True)
    """
    return [(PRIORITIES, "Priority tables (band tables by rank)"),
            *((r.name, r.label) for r in REPORTS.values()
              if page_allowed(r.page, role or ANONYMOUS))]


def table_groupings(store: Store, table: str, role: str | None = None,
                    policy: str = "public") -> tuple[str, ...]:
    """The groupings offered for ``table`` under the chosen ``policy``:
    :func:`download_groupings` for the priority tables; for a report its own
    (:attr:`Report.groupings`; the first is its default), only those of
    :attr:`Report.public_groupings` for public files; none for an unknown name.

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> table_groupings(store, "overview"), table_groupings(store, "fieldwork", "admin")[0]
    ((), 'nation')
    """
    if table == PRIORITIES:
        return download_groupings(store, role, policy)
    report = REPORTS.get(table)
    if report is None:
        return ()
    internal = policy == "internal" and "internal" in export_policies(role)
    if internal or report.public_groupings is None:
        return report.groupings
    return tuple(g for g in report.groupings if g in report.public_groupings)


def download_formats(table: str) -> tuple[tuple[str, str], ...]:
    """The formats offered for ``table``: the chart formats only when it has a chart.

    Examples
    --------
    >>> [code for code, _ in download_formats("overview")]
    ['csv', 'xlsx', 'docx', 'md']
    >>> len(download_formats("priorities")) == len(DOWNLOAD_FORMATS)
    True
    """
    report = REPORTS.get(table)
    if report is None or report.figure is not None:
        return DOWNLOAD_FORMATS
    return tuple((code, text) for code, text in DOWNLOAD_FORMATS if code in TABLE_FORMATS)


def download(store: Store, fmt: str, by: str | None = None, *, role: str | None = None,
             policy: str = "public", question: str | None = None,
             where: Mapping[str, Sequence[str]] | None = None,
             reconstructed: bool = False, table: str = PRIORITIES) -> tuple[str, bytes]:
    """One download as ``(file name, content)``: a table (or tables) or its chart.

    Parameters
    ----------
    store
        The response store.
    fmt
        ``csv``, ``xlsx``, ``docx`` or ``md`` (tables), ``html`` or ``png`` (chart).
    by
        The grouping (default: one table per instrument), as on the Priorities page.
    role
        The viewer's role (``None``: anonymous), see :func:`export_policies`.
    policy
        ``public`` or ``internal``; ``internal`` only for a role allowed it.
    reconstructed
        Say on every table that the data is reconstructed (demo data).
    table
        ``priorities`` (the band tables) or a report name of
        :data:`~survey.export.report_catalogue.REPORTS`.

    Raises
    ------
    LandscapeError
        ``X102`` for an unknown format; ``X109`` for an unknown table; ``X105`` for a
        grouping the report does not accept; the store's ``A171``/``A172``;
        ``X103``/``X104`` when no Chromium can draw a PNG.
    werkzeug.exceptions.Forbidden
        (403) for a report whose page ``role`` may not open.

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> download(store, "pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error X102 ...
    """
    public = not (policy == "internal" and "internal" in export_policies(role))
    if table != PRIORITIES:
        return _report_download(store, table, fmt, by, role=role, public=public,
                                reconstructed=reconstructed)
    if fmt in TABLE_FORMATS:
        return priorities_export(store, fmt, by, question, where,
                                 public=public, reconstructed=reconstructed)
    if fmt not in CHART_FORMATS or fmt == "svg":
        raise LandscapeError.of("X102", f"'{fmt}' is not a download format; use one of "
                                f"{', '.join(code for code, _ in DOWNLOAD_FORMATS)}")
    pairs = priorities_layouts(store, by, question, where,
                               policy=DisclosurePolicy(public=public),
                               reconstructed=reconstructed)
    name = f"priorities-chart-{'public' if public else 'internal'}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="landscape-chart-") as folder:
        path = write_chart([layout for layout, _ in pairs], Path(folder) / name, fmt)
        return name, path.read_bytes()


def _report_download(store: Store, table: str, fmt: str, by: str | None, *,
                     role: str | None, public: bool, reconstructed: bool) -> tuple[str, bytes]:
    """A report's file, written as ``landscape export report`` writes it."""
    report: Report | None = REPORTS.get(table)
    if report is None:
        raise LandscapeError.of("X109", f"no report is named '{table}'; the reports are: "
                                f"{', '.join(REPORTS)}")
    if not page_allowed(report.page, role or ANONYMOUS):
        abort(403)  # the page's access rule governs its download, whatever was posted
    if fmt not in (code for code, _ in DOWNLOAD_FORMATS):
        raise LandscapeError.of("X102", f"'{fmt}' is not a download format; use one of "
                                f"{', '.join(code for code, _ in DOWNLOAD_FORMATS)}")
    view = "public" if public else "internal"
    name = f"{report.name}{'-chart' if fmt in CHART_FORMATS else ''}-{view}.{fmt}"
    with tempfile.TemporaryDirectory(prefix="landscape-report-") as folder:
        path = write_report(report, store, Path(folder) / name, fmt, by=by,
                            policy=DisclosurePolicy(public=public),
                            reconstructed=reconstructed)
        return name, path.read_bytes()
