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
from fractions import Fraction
from typing import Any

from survey.coding.shares import round_half_up
from survey.export.disclosure import SUPPRESSED, DisclosurePolicy, Suppression
from survey.ranking.bands import percent
from survey.ranking.compare import Share
from survey.stats.smalln import MARK, is_small

__all__ = [
    "SMALL_N_MARK",
    "Cell",
    "Report",
    "ReportTable",
    "difference_text",
    "interval_text",
    "protect_share",
    "share_cell",
    "share_text",
]

#: Appended to a share resting on few respondents (:func:`survey.stats.smalln.is_small`).
SMALL_N_MARK = MARK

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
        The ``by`` fields it accepts (empty: none); the first is its default.
    public_groupings
        The ``by`` fields a public table may use (None: every one of ``groupings``).
        The Downloads page offers only these for public files; the builder still
        refuses the others under a public policy (``X108``).
    """

    name: str
    label: str
    page: str
    tables: Callable[..., list[ReportTable]]
    figure: Callable[..., Any] | None = None
    groupings: tuple[str, ...] = field(default=())
    public_groupings: tuple[str, ...] | None = None


# -- cells as printed ------------------------------------------------------------


def _whole(value: float) -> int:
    return int(round_half_up(Fraction(str(value)) * 100, 0))


def interval_text(low: float, high: float, decimals: int = 0) -> str:
    """``(35–67)``: an interval in percent, rounded half-up.

    Examples
    --------
    >>> interval_text(0.3456, 0.6651), interval_text(0.57948, 0.88966, 1)
    ('(35–67)', '(57.9–89.0)')
    """
    if decimals == 0:
        return f"({_whole(low)}–{_whole(high)})"
    lo = round_half_up(Fraction(str(low)) * 100, decimals)
    hi = round_half_up(Fraction(str(high)) * 100, decimals)
    return f"({lo}–{hi})"


def share_text(share: Share, decimals: int = 0) -> str:
    """``51% (35–67)``: a share with its interval, marked when it rests on few respondents.

    The share is rounded half-up from the exact ``count / n`` (as the published
    tables are), the interval bounds half-up from their values.

    Examples
    --------
    >>> from survey.ranking.compare import wilson_interval
    >>> share_text(wilson_interval(10, 35)), share_text(wilson_interval(10, 17))
    ('29% (16–45)', '59% (36–78) *')
    >>> share_text(wilson_interval(20, 26), decimals=1)
    '76.9% (57.9–89.0)'
    """
    if share.n == 0:
        return "–"
    if decimals == 0:
        shown = f"{percent(share.count, share.n)}%"
    else:
        shown = f"{round_half_up(Fraction(share.count, share.n) * 100, decimals)}%"
    text = f"{shown} {interval_text(share.low, share.high, decimals)}"
    # The one small-n rule (n and interval width), not the Share's own count rule.
    return f"{text} {SMALL_N_MARK}" if is_small(share.n, share.low, share.high) else text


def difference_text(difference: float, low: float, high: float) -> str:
    """``+12 (-15 to +38)``: a difference of shares in percentage points, with its interval.

    Each number is rounded half-up (away from zero at .5) to a whole point.

    Examples
    --------
    >>> difference_text(0.1234, -0.1502, 0.3849)
    '+12 (-15 to +38)'
    >>> difference_text(-0.005, -0.2, 0.0)
    '-1 (-20 to 0)'
    """
    def points(value: float) -> str:
        if value != value:  # NaN: a group with no respondents
            return "–"
        whole = round_half_up(Fraction(str(value)) * 100, 0)
        return f"{int(whole):+d}" if whole else "0"

    return f"{points(difference)} ({points(low)} to {points(high)})"
