"""The Downloads page's files: the priority tables and charts through the CLI's export path.

:func:`download` writes exactly what ``landscape export priorities`` writes for
the same grouping: tables by :func:`survey.export.tables.write_layouts` (CSV,
XLSX, DOCX, Markdown), charts by :func:`survey.export.charts.write_chart` (HTML
with plotly.js inline; PNG drawn by the system Chromium, offline), laid out by
:func:`dashboard.page_views.priorities_layouts` (the CLI's titles, notes and
suppression).

The viewer's role decides the disclosure policy: anonymous visitors and viewers
get the public files (disclosure control on, the policy stated under every
table); analysts and admins may also ask for the internal (unsuppressed) ones.
Asking for an internal file without such a role gives the public file.

:func:`download_groupings` offers each role only the groupings it can get: a role
limited to public files is offered those the public release allows
(:func:`survey.export.release.check_public_release`, the check every public
download passes, so a grouping it refuses is never offered; posting one anyway
still gets its ``X108``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from dashboard.access import ANONYMOUS, allowed
from dashboard.page_views import EXPORT_MEDIA_TYPES, priorities_export, priorities_layouts
from survey.errors import LandscapeError
from survey.export.charts import write_chart
from survey.export.disclosure import DisclosurePolicy
from survey.export.layout import CHART_FORMATS, TABLE_FORMATS
from survey.export.release import check_public_release, store_populations
from survey.store.analysis import GROUP_FIELDS
from survey.store.engine import Store

__all__ = [
    "DOWNLOAD_FORMATS",
    "MEDIA_TYPES",
    "download",
    "download_groupings",
    "export_policies",
]

#: The formats offered: tables, then charts (SVG is left to the CLI).
DOWNLOAD_FORMATS: tuple[tuple[str, str], ...] = (
    ("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("docx", "Word (DOCX)"), ("md", "Markdown"),
    ("html", "Chart (HTML)"), ("png", "Chart (PNG)"))
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


def download_groupings(store: Store, role: str | None = None) -> tuple[str, ...]:
    """The groupings (:data:`~survey.store.analysis.GROUP_FIELDS`) offered to ``role``.

    Every grouping for a role that may download internal files; for the others
    (public files only) those :func:`survey.export.release.check_public_release`
    lets through. The release is attacked once per data content (it is cached by
    the data's fingerprint), so asking again costs loading the store's rankings.
    One per instrument is always offered: with no data, its download says why.

    Examples
    --------
    >>> from survey.store import Store
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> download_groupings(store), download_groupings(store, "analyst")[:2]
    (('instrument',), ('instrument', 'version'))
    """
    if "internal" in export_policies(role):
        return GROUP_FIELDS
    policy = DisclosurePolicy(public=True)
    try:
        populations = store_populations(store)
    except LandscapeError:
        return ("instrument",)  # nothing to release yet: the download says why
    offered = []
    for field in GROUP_FIELDS:
        try:
            check_public_release(populations, policy,
                                 by=None if field == "instrument" else field)
        except LandscapeError:
            if field == "instrument":
                return ("instrument",)  # the release fails as a whole: the download says why
            continue
        offered.append(field)
    return tuple(offered)


def download(store: Store, fmt: str, by: str | None = None, *, role: str | None = None,
             policy: str = "public", question: str | None = None,
             where: Mapping[str, Sequence[str]] | None = None,
             reconstructed: bool = False) -> tuple[str, bytes]:
    """One download as ``(file name, content)``: the priority tables or their chart.

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

    Raises
    ------
    LandscapeError
        ``X102`` for an unknown format; the store's ``A171``/``A172``; ``X103``/``X104``
        when no Chromium can draw a PNG.

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
