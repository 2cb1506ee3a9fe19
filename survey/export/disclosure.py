"""Disclosure control for exported band tables.

A band table published from a small survey can identify people: with 35 local
authorities answering, "3 respondents ranked commercial data first to third"
narrows down who said what. Public exports therefore pass through a
:class:`DisclosurePolicy`; the internal view shows everything.

The rules
---------
The threshold ``k`` is :attr:`DisclosurePolicy.min_n` (default: the
``suppression_threshold`` setting, environment variable
``LANDSCAPE_SUPPRESSION_THRESHOLD``, shipped as 5).

1. **Small groups** (``suppress_small_groups``). A share *rests on* its
   denominator: when a group has fewer than ``k`` respondents (``0 < n < k``)
   every share in it is suppressed. Percentages of a tiny base describe a
   handful of identifiable people whatever the numerator; this is the
   "minimum base size" convention of the ONS/GSS guidance on disclosure control
   for tables produced from surveys.
2. **Small cells** (``suppress_small_cells``). A share also rests on its
   numerator: a cell counting ``1 .. k-1`` respondents is suppressed even when
   the group is large, because it singles out a few people (the *threshold
   rule* of the same guidance, applied to the underlying count rather than to
   the rounded percentage). Zeros are not suppressed: a zero says nothing about
   any one respondent that the row total did not already say.
3. **Secondary suppression.** A suppressed cell must not be recoverable from the
   others. The table's margins are treated as published: each option row sums
   to ``n`` (with a "Not ranked" column when some options went unranked), and
   each band column sums to ``width x n`` under complete rankings. Both are
   always treated as known, which is exact for complete rankings and
   conservative otherwise. With the suppressed cells as unknowns, a cell's
   value follows from these equations exactly when its unit vector lies in the
   row space of the row/column incidence matrix restricted to the suppressed
   cells; for this bipartite structure that happens exactly when the cell is a
   *bridge* of the graph joining rows to columns through suppressed cells
   (a cell on a cycle can move by +t/-t around the cycle). While some
   suppressed cell is a bridge, the cheapest cycle through it is closed: the
   shortest path from its row to its column over the other cells, costing each
   unsuppressed cell its count, so the smallest non-zero partners are chosen
   (zeros only as a last resort, since a zero partner lets the cycle move in one
   direction only). A line with exactly one suppressed cell is the commonest
   bridge, so this includes the familiar rule "never leave a suppressed cell
   alone in its row or column", and goes further: it also catches cells that
   are determined although every line holds two or more suppressed cells.
4. Groups are protected independently; a combined table of the same
   respondents, or a second banding, would undo the protection by
   subtraction: :mod:`survey.export.release` checks every public output
   against all the others the platform can publish (and refuses those). A
   group whose table has a single row or a single column cannot be protected
   cell by cell and is suppressed whole.

Suppressed cells show as ``[c]`` ("confidential"), the symbol of the GSS
guidance on symbols in tables. The ordering of rows in a public table uses
only the values shown (see :mod:`survey.export.tables`), so the row order does
not leak a suppressed value either.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import networkx as nx
import numpy as np

from survey.ranking.bands import BandTable, percent
from survey.settings import resolve

__all__ = [
    "SUPPRESSED",
    "DisclosurePolicy",
    "ProtectedTable",
    "Suppression",
    "protect",
    "secondary_suppression",
]

#: What a suppressed cell shows (GSS symbol for "confidential").
SUPPRESSED = "[c]"

#: Column name of the "not ranked" column (top-k answers) in a protected table.
UNRANKED = "unranked"


class Suppression(StrEnum):
    """Why a cell is hidden."""

    NONE = ""
    GROUP = "group"
    PRIMARY = "primary"
    SECONDARY = "secondary"


def _default_min_n() -> int:
    return int(resolve("suppression_threshold"))


@dataclass(frozen=True)
class DisclosurePolicy:
    """How an export is protected.

    Attributes
    ----------
    public
        True for exports marked public: suppression applies. False is the
        internal view: nothing is suppressed (and every table says so).
    min_n
        The threshold ``k`` (default: the ``suppression_threshold`` setting).
    suppress_small_groups
        Suppress every share of a group with ``0 < n < k``.
    suppress_small_cells
        Suppress every cell counting ``1 .. k-1`` respondents.

    Examples
    --------
    >>> print(DisclosurePolicy(public=True, min_n=10).statement())  # doctest: +NORMALIZE_WHITESPACE
    Shares based on fewer than 10 respondents are suppressed (shown as [c]);
    further cells are suppressed so that they cannot be worked out from totals.
    >>> DisclosurePolicy().statement()
    'No suppression applied (internal view): not for publication.'
    """

    public: bool = False
    min_n: int = field(default_factory=_default_min_n)
    suppress_small_groups: bool = True
    suppress_small_cells: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.min_n, bool) or not isinstance(self.min_n, int) or self.min_n < 0:
            raise ValueError("min_n must be a whole number, zero or more")

    @property
    def active(self) -> bool:
        """Whether anything can be suppressed under this policy."""
        return self.public and self.min_n > 1 and (
            self.suppress_small_groups or self.suppress_small_cells)

    def shown_n(self, n: int) -> str:
        """A group's ``n`` as a table under this policy prints it: ``<k`` below the
        threshold in a public table (never ``1``), else the number.

        Every public output prints a small group's size this way: one printing the
        exact number beside a table that hides it gives the hidden total back.

        Examples
        --------
        >>> DisclosurePolicy(public=True, min_n=5).shown_n(3), DisclosurePolicy().shown_n(3)
        ('<5', '3')
        >>> DisclosurePolicy(public=True, min_n=5).shown_n(35)
        '35'
        """
        return f"<{self.min_n}" if self.active and 0 < n < self.min_n else str(n)

    def statement(self) -> str:
        """The sentence printed under every exported table."""
        if not self.public:
            return "No suppression applied (internal view): not for publication."
        if not self.active:
            return "No suppression applied (threshold below 2 respondents)."
        k = self.min_n
        if self.suppress_small_cells and self.suppress_small_groups:
            rule = f"Shares based on fewer than {k} respondents are suppressed"
        elif self.suppress_small_cells:
            rule = f"Shares counting fewer than {k} respondents are suppressed"
        else:
            rule = f"Shares of groups with fewer than {k} respondents are suppressed"
        return (f"{rule} (shown as {SUPPRESSED}); further cells are suppressed so that they "
                "cannot be worked out from totals.")


@dataclass(frozen=True)
class ProtectedTable:
    """A band table with its suppression pattern.

    Attributes
    ----------
    table
        The underlying :class:`~survey.ranking.bands.BandTable` (exact counts).
    policy
        The policy applied.
    columns
        Band labels, plus ``'unranked'`` when some options went unranked.
    counts
        ``(groups, options, columns)`` counts, the unranked column included.
    reasons
        Same shape, :class:`Suppression` values (``''`` = shown).
    """

    table: BandTable
    policy: DisclosurePolicy
    columns: tuple[str, ...]
    counts: np.ndarray
    reasons: np.ndarray

    @property
    def suppressed(self) -> np.ndarray:
        """Boolean mask of hidden cells."""
        return np.asarray(self.reasons != Suppression.NONE.value, dtype=bool)

    @property
    def shows_unranked(self) -> bool:
        return bool(self.columns and self.columns[-1] == UNRANKED)

    def cell(self, group: int, option: int, column: int) -> int | None:
        """The displayed whole percent, or None when suppressed (or n = 0)."""
        n = int(self.table.n[group])
        if n == 0 or self.reasons[group, option, column] != Suppression.NONE.value:
            return None
        return percent(int(self.counts[group, option, column]), n)  # half-up, as the report

    def statement(self) -> str:
        return self.policy.statement()

    def groups(self) -> Iterator[int]:
        """Indices of groups that have respondents."""
        return (g for g in range(len(self.table.groups)) if int(self.table.n[g]) > 0)


def protect(table: BandTable, policy: DisclosurePolicy) -> ProtectedTable:
    """Apply ``policy`` to a band table.

    Parameters
    ----------
    table
        Counts from :func:`survey.ranking.bands.band_table`.
    policy
        The export policy; an internal policy suppresses nothing.

    Returns
    -------
    ProtectedTable

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.bands import band_table
    >>> ranks = pd.DataFrame([[1, 2, 3]] * 6 + [[2, 1, 3]] * 2 + [[3, 2, 1]] * 4,
    ...                      columns=list("abc"), dtype="Int64")
    >>> table = band_table(ranks, bands=((1, 1), (2, 2), (3, 3)))
    >>> table.counts[0].tolist()
    [[6, 2, 4], [2, 10, 0], [4, 0, 8]]
    >>> protected = protect(table, DisclosurePolicy(public=True, min_n=3))
    >>> protected.suppressed[0].astype(int).tolist()
    [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    >>> protected.reasons[0, 0, 1], protected.reasons[0, 0, 0]
    ('primary', 'secondary')
    """
    show_unranked = bool(np.asarray(table.unranked).any())
    columns = table.band_labels + ((UNRANKED,) if show_unranked else ())
    counts = np.asarray(table.counts, dtype=np.int64)
    if show_unranked:
        counts = np.concatenate([counts, np.asarray(table.unranked, dtype=np.int64)[:, :, None]],
                                axis=2)
    reasons = np.full(counts.shape, Suppression.NONE.value, dtype=object)
    if policy.active:
        k = policy.min_n
        for g in range(counts.shape[0]):
            n = int(table.n[g])
            if n == 0:
                continue
            if policy.suppress_small_groups and n < k:
                reasons[g] = Suppression.GROUP.value
                continue
            primary = ((counts[g] > 0) & (counts[g] < k)) if policy.suppress_small_cells \
                else np.zeros(counts[g].shape, dtype=bool)
            if not primary.any():
                continue
            mask = secondary_suppression(counts[g], primary)
            if mask.all() and min(mask.shape) < 2:
                reasons[g] = Suppression.GROUP.value
                continue
            reasons[g][mask] = Suppression.SECONDARY.value
            reasons[g][primary] = Suppression.PRIMARY.value
    return ProtectedTable(table=table, policy=policy, columns=columns, counts=counts,
                          reasons=reasons)


def secondary_suppression(counts: np.ndarray, primary: np.ndarray) -> np.ndarray:
    """Extend a primary suppression pattern until no hidden cell follows from the margins.

    Row and column totals of ``counts`` are taken as known. The result contains
    ``primary`` and has no suppressed cell whose value is fixed by the row and
    column equations (see the module docstring: no suppressed cell is a bridge
    of the row-column graph of suppressed cells). A table with one row or one
    column cannot be protected; every cell is then suppressed.

    Parameters
    ----------
    counts
        2-D array of non-negative counts (options x columns).
    primary
        Boolean mask of the same shape: cells that must be hidden.

    Returns
    -------
    numpy.ndarray
        Boolean mask of all cells to hide.

    Examples
    --------
    >>> counts = np.array([[2, 8, 5], [9, 4, 7], [6, 6, 6]])
    >>> primary = np.zeros((3, 3), dtype=bool); primary[0, 0] = True
    >>> secondary_suppression(counts, primary).astype(int).tolist()
    [[1, 0, 1], [0, 0, 0], [1, 0, 1]]
    """
    values = np.asarray(counts, dtype=np.int64)
    mask = np.array(primary, dtype=bool, copy=True)
    if values.ndim != 2 or mask.shape != values.shape:
        raise ValueError("counts and primary must be 2-D arrays of the same shape")
    if not mask.any():
        return mask
    rows, cols = values.shape
    if rows < 2 or cols < 2:
        return np.ones_like(mask)
    while True:
        bridges = _bridges(mask)
        if not bridges:
            return mask
        i, j = bridges[0]
        for cell in _cheapest_cycle(values, mask, i, j):
            mask[cell] = True


def _graph(mask: np.ndarray) -> nx.Graph:
    graph = nx.Graph()
    for i, j in zip(*np.nonzero(mask), strict=True):
        graph.add_edge(("r", int(i)), ("c", int(j)))
    return graph


def _bridges(mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells lying on no cycle, i.e. determined by the margins (sorted)."""
    found = []
    for a, b in nx.bridges(_graph(mask)):
        row, col = (a, b) if a[0] == "r" else (b, a)
        found.append((int(row[1]), int(col[1])))
    return sorted(found)


def _cheapest_cycle(values: np.ndarray, mask: np.ndarray, i: int, j: int
                   ) -> list[tuple[int, int]]:
    """Unsuppressed cells that close the cheapest cycle through the bridge ``(i, j)``.

    A shortest path from row ``i`` to column ``j`` over every other cell, where
    suppressed cells cost nothing, a non-zero cell costs its count (plus one, so
    that fewer cells win ties) and a zero cell costs more than any non-zero
    route (it can move in one direction only).
    """
    zero_cost = 1000 * (int(values.sum()) + values.size + 1)
    graph = nx.Graph()
    for r in range(values.shape[0]):
        for c in range(values.shape[1]):
            if (r, c) == (i, j):
                continue
            value = int(values[r, c])
            cost = 0 if mask[r, c] else (1000 * value + 1 if value > 0 else zero_cost)
            graph.add_edge(("r", r), ("c", c), weight=cost)
    path = nx.dijkstra_path(graph, ("r", i), ("c", j), weight="weight")
    cells = []
    for a, b in itertools.pairwise(path):
        row, col = (a, b) if a[0] == "r" else (b, a)
        if not mask[row[1], col[1]]:
            cells.append((int(row[1]), int(col[1])))
    return cells
