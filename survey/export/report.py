"""Report tables other than the band tables: one shape, one writer, one registry.

The band tables of the Priorities page have their own published layout
(:mod:`survey.export.layout`). Every other table the explorer shows (Compare,
Barriers, co-occurrence, the Overview, the fieldwork funnel) is a
:class:`ReportTable`: a title, column titles, rows of cells, notes. Each is built
once by the function of its :class:`Report` in
:data:`survey.export.report_catalogue.REPORTS`, and that one function feeds the
page, the Downloads page and ``landscape export report NAME``: the same cells,
the same notes, the same disclosure policy.

A share shown in a public table passes :func:`protect_share`, the rule of
:mod:`survey.export.disclosure` applied to a two-cell table (those who did,
those who did not): the share is withheld when its group is below the threshold
or either count is between 1 and ``k - 1`` (the complement is known from ``n``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, Suppression

__all__ = [
    "Cell",
    "Report",
    "ReportTable",
    "protect_share",
    "share_cell",
]

#: A table cell: text, a number, or None for a suppressed value (printed ``[c]``).
Cell = str | int | float | None


@dataclass(frozen=True)
class ReportTable:
    """One table as every format prints it.

    Attributes
    ----------
    title
        The table's title, e.g. ``Barrier themes by group (n=52)``.
    columns
        Column titles; the first names the row labels.
    rows
        One tuple of cells per row, as long as ``columns``; ``None`` is a
        suppressed cell (:data:`~survey.export.disclosure.SUPPRESSED`).
    notes
        Sentences printed under the table (the disclosure statement included).
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise ValueError(f"row {number} has {len(row)} cells for "
                                 f"{len(self.columns)} columns")

    @staticmethod
    def cell_text(value: Cell) -> str:
        """A cell as text: ``[c]`` for a suppressed one."""
        return SUPPRESSED if value is None else str(value)


def protect_share(count: int, n: int, policy: DisclosurePolicy) -> Suppression:
    """Why a share ``count / n`` may not be shown under ``policy`` (``NONE``: it may).

    Examples
    --------
    >>> public = DisclosurePolicy(public=True, min_n=5)
    >>> [protect_share(c, 20, public).value for c in (0, 3, 10, 17, 20)]
    ['', 'primary', '', 'primary', '']
    >>> protect_share(2, 4, public).value, protect_share(2, 4, DisclosurePolicy()).value
    ('group', '')
    """
    if not policy.active or n <= 0:
        return Suppression.NONE
    k = policy.min_n
    if policy.suppress_small_groups and n < k:
        return Suppression.GROUP
    if policy.suppress_small_cells and (0 < count < k or 0 < n - count < k):
        return Suppression.PRIMARY
    return Suppression.NONE


def share_cell(count: int, n: int, policy: DisclosurePolicy, text: str) -> Cell:
    """``text`` (the share as printed), or None when :func:`protect_share` withholds it."""
    return None if protect_share(count, n, policy) is not Suppression.NONE else text


@dataclass(frozen=True)
class Report:
    """A downloadable table (and chart) of the explorer, built the same way everywhere.

    Attributes
    ----------
    name
        The registry key, also the file stem (``compare``).
    label
        What the Downloads page calls it.
    page
        The explorer page that shows it (``/compare``): the page's access rule
        governs its download.
    tables
        ``tables(store, by=..., policy=..., reconstructed=...)`` -> ``list[ReportTable]``.
    figure
        ``figure(store, by=..., policy=...)`` -> a plotly figure, or None if no chart.
    groupings
        The ``by`` fields it accepts (empty: none).
    """

    name: str
    label: str
    page: str
    tables: Callable[..., list[ReportTable]]
    figure: Callable[..., Any] | None = None
    groupings: tuple[str, ...] = field(default=())
