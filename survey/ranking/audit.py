"""Audit a printed band table against its own design.

A table says: ``n`` respondents each ranked all ``K`` options (complete strict
ranking), positions are grouped in bands, and each cell is a percentage of ``n``
printed at some precision under some rounding rule. :func:`audit_table` checks

1. **cells**: each printed value is attainable as ``round(100 * c / n)`` for some
   whole count ``c`` (the feasible counts are listed; none is a violation);
2. **rows**: each row sums to about 100% (within the rounding slack of its
   cells), and some choice of feasible counts sums to exactly ``n``;
3. **columns**: each band of width ``w`` sums to about ``w x 100%`` (each
   respondent puts exactly ``w`` options in it), and feasible counts can sum to
   exactly ``w * n``;
4. **duplicate rows**: repeated option wordings (error) and identical rows of
   percentages (a warning: possible, but a typical copy-paste slip);
5. **the whole table**: whether one count table satisfies all of the above at
   once, and if not, which table complete ranking data *can* produce that is
   nearest to the print.

The nearest table (min-cost flow)
---------------------------------
Unknowns are integer counts ``x[o, b] >= 0`` with row sums ``n`` and band sums
``w_b * n``: exactly the integer flows in a bipartite transportation network
(source ``n`` at each option node, demand ``w_b * n`` at each band node). The
cost of a cell is a convex function of its count, so it is modelled exactly with
parallel arcs, one per linear piece (one per unit where it curves), whose unit
costs are the non-decreasing marginal costs: a min-cost flow fills cheaper
pieces first, and integrality of network flows makes the optimum an integer
table. The criteria, in strict order (each weighted above any possible total of
the ones after it):

1. **least total absolute deviation** ``sum |100 * x / n - p|`` of the exact
   shares from the printed values, i.e. distance from the fractional target
   counts ``p * n / 100`` (this is "the nearest table");
2. among those, fewest counts outside the range of counts that print as the
   published value (for a value no count can print, the two counts bracketing
   the target), so printed cells are kept where the optimum allows;
3. among those, least sum of squared deviations, which spreads unavoidable
   changes over cells rather than piling them on one (absolute deviation alone
   has many optima, and a simplex would return an arbitrary extreme one).

Costs are scaled to integers, so ``networkx.network_simplex`` solves it exactly.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from survey.errors import LandscapeError, Location
from survey.ranking.bands import band_label, round_percent
from survey.ranking.published import PublishedTable

__all__ = ["AuditReport", "Violation", "audit_table", "nearest_table"]

Number = int | float | Fraction


@dataclass(frozen=True)
class Violation:
    """One problem found: the check (kind), where (option/band) and why."""

    kind: str
    reason: str
    option: str | None = None
    band: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = ", ".join(x for x in (self.option, self.band and f"band {self.band}") if x)
        return f"[{self.severity}] {self.kind}{f' ({where})' if where else ''}: {self.reason}"


@dataclass(frozen=True)
class AuditReport:
    """What :func:`audit_table` found. ``consistent`` means no error-level violation."""

    table: str
    n: int
    bands: tuple[tuple[int, int], ...]
    options: tuple[str, ...]
    printed: tuple[tuple[Fraction, ...], ...]
    precision: int
    rounding: str
    feasible_counts: tuple[tuple[tuple[int, ...], ...], ...]
    violations: tuple[Violation, ...]
    nearest: np.ndarray
    row_denominators: tuple[tuple[int, ...], ...]
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        return not any(v.severity == "error" for v in self.violations)

    @property
    def nearest_percent(self) -> list[list[Fraction]]:
        """Exact percentages of the nearest table."""
        return [[Fraction(100 * int(c), self.n) for c in row] for row in self.nearest]

    @property
    def nearest_printed(self) -> list[list[Fraction]]:
        """The nearest table's percentages as the publisher would print them."""
        return [[round_percent(int(c), self.n, self.precision, self.rounding) for c in row]
                for row in self.nearest]

    @property
    def deviations(self) -> list[list[Fraction]]:
        """Exact share minus printed value, in percentage points, per cell."""
        return [[e - p for e, p in zip(er, pr, strict=True)]
                for er, pr in zip(self.nearest_percent, self.printed, strict=True)]

    @property
    def largest_deviation(self) -> Fraction:
        """Largest ``|100 x / n - printed|`` over the nearest table, in points."""
        return max(abs(d) for row in self.deviations for d in row)

    @property
    def total_deviation(self) -> Fraction:
        return sum((abs(d) for row in self.deviations for d in row), Fraction(0))

    @property
    def changed_cells(self) -> list[dict[str, Any]]:
        """Cells whose nearest count would print differently from the publication."""
        out = []
        for i, option in enumerate(self.options):
            for j, band in enumerate(self.bands):
                now = self.nearest_printed[i][j]
                if now != self.printed[i][j]:
                    out.append({
                        "option": option, "band": band_label(band),
                        "printed": _num(self.printed[i][j]), "count": int(self.nearest[i, j]),
                        "reprinted": _num(now), "change": _num(now - self.printed[i][j]),
                        "exact": round(float(Fraction(100 * int(self.nearest[i, j]), self.n)),
                                       3),
                    })
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (used by ``landscape audit-table --format json``)."""
        return {
            "table": self.table, "n": self.n,
            "bands": [band_label(b) for b in self.bands],
            "precision": self.precision, "rounding": self.rounding,
            "consistent": self.consistent,
            "violations": [
                {"kind": v.kind, "severity": v.severity, "option": v.option, "band": v.band,
                 "reason": v.reason} for v in self.violations],
            "feasible_counts": {
                o: {band_label(b): list(self.feasible_counts[i][j])
                    for j, b in enumerate(self.bands)}
                for i, o in enumerate(self.options)},
            "row_denominators": {o: list(self.row_denominators[i])
                                 for i, o in enumerate(self.options)},
            "nearest": {
                "counts": {o: [int(c) for c in self.nearest[i]]
                           for i, o in enumerate(self.options)},
                "printed_as": {o: [_num(v) for v in self.nearest_printed[i]]
                               for i, o in enumerate(self.options)},
                "largest_deviation_pp": round(float(self.largest_deviation), 4),
                "total_deviation_pp": round(float(self.total_deviation), 4),
                "changed_cells": self.changed_cells,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_text(self) -> str:
        """A plain-text report for people."""
        lines = [f"Audit of {self.table}: n={self.n}, {len(self.options)} options, bands "
                 f"{', '.join(band_label(b) for b in self.bands)}, printed to "
                 f"{self.precision} decimal(s), rounding {self.rounding}."]
        lines.append("Consistent with complete strict rankings: "
                     + ("yes" if self.consistent else "NO"))
        if self.violations:
            lines.append(f"\nFindings ({len(self.violations)}):")
            lines.extend(f"  {v}" for v in self.violations)
        lines.append("\nNearest table complete rankings can give (counts, then % as printed):")
        width = max(len(o) for o in self.options)
        head = "  ".join(f"{band_label(b):>13}" for b in self.bands)
        lines.append(f"  {'option':<{width}}  {head}")
        for i, option in enumerate(self.options):
            cells = []
            for j in range(len(self.bands)):
                now, was = self.nearest_printed[i][j], self.printed[i][j]
                mark = " " if now == was else "*"
                cells.append(f"{int(self.nearest[i, j]):>3} {_fmt(now):>5}%{mark}({_fmt(was)})"
                             .rjust(13))
            lines.append(f"  {option:<{width}}  {'  '.join(cells)}")
        lines.append(f"  column sums (counts): {[int(s) for s in self.nearest.sum(axis=0)]}"
                     f"; each row sums to {self.n}")
        changed = self.changed_cells
        lines.append(f"\nLargest deviation of an exact share from the print: "
                     f"{float(self.largest_deviation):.2f} points; total "
                     f"{float(self.total_deviation):.2f} points; {len(changed)} of "
                     f"{len(self.options) * len(self.bands)} cells would print differently "
                     "(marked *).")
        return "\n".join(lines)


def _num(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _fmt(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):g}"


def _feasible(p: Fraction, n: int, precision: int, rounding: str) -> tuple[int, ...]:
    # Rounding is monotone in the count, so the feasible counts form a run; a
    # direct scan over 0..n is exact and cheap for survey-sized n.
    return tuple(c for c in range(n + 1) if round_percent(c, n, precision, rounding) == p)


def _window(target: Fraction, cells: int, unit: Fraction, rounding: str) -> tuple[
        Fraction, Fraction, bool, bool]:
    """Range of printed sums compatible with exact sum ``target``: (lo, hi, lo_open, hi_open)."""
    half = unit * cells / 2
    if rounding == "half-up":
        return target - half, target + half, True, False
    if rounding == "half-even":
        return target - half, target + half, False, False
    # Rounding down prints at most the exact value, so the printed sum is at most the
    # exact total and less than a unit per cell below it; rounding up is the mirror.
    if rounding == "down":
        return target - unit * cells, target, True, False
    return target, target + unit * cells, False, True


def _inside(value: Fraction, window: tuple[Fraction, Fraction, bool, bool]) -> bool:
    lo, hi, lo_open, hi_open = window
    above = value > lo if lo_open else value >= lo
    below = value < hi if hi_open else value <= hi
    return above and below


def nearest_table(
    printed: Sequence[Sequence[Number]],
    n: int,
    widths: Sequence[int],
    precision: int = 0,
    rounding: str = "half-up",
) -> np.ndarray:
    """The count table nearest the printed percentages that complete rankings can give.

    Solves the min-cost flow described in the module docstring exactly.

    Parameters
    ----------
    printed
        Rows (options) of printed percentages, one per band.
    n
        Respondents.
    widths
        Band widths; they must add up to the number of rows (complete ranking).
    precision, rounding
        How the percentages were printed.

    Returns
    -------
    numpy.ndarray
        ``int64`` counts, rows summing to ``n`` and column ``b`` to ``widths[b] * n``.

    Examples
    --------
    >>> nearest_table([[67, 33], [33, 67]], n=3, widths=[1, 1]).tolist()
    [[2, 1], [1, 2]]
    """
    k, bands = len(printed), len(widths)
    if sum(widths) != k:
        raise ValueError("band widths must add up to the number of options")
    values = [[Fraction(str(v)) if isinstance(v, float) else Fraction(v) for v in row]
              for row in printed]
    scale = 10**precision
    denominator = math.lcm(*[(v * scale).denominator for row in values for v in row])

    def deviation_units(p: Fraction, x: int) -> int:
        # |100 x / n - p| scaled by 10^precision * denominator: an exact integer.
        return int(abs(100 * scale * denominator * x - p * scale * denominator * n))

    # Three criteria combined lexicographically: each weight exceeds any possible
    # total of the criteria after it (see the module docstring).
    largest = max([Fraction(100), *(abs(v) for row in values for v in row)])
    worst = int((100 + largest) * scale * denominator * n)
    cells = k * bands
    weight_outside = cells * worst**2 + 1
    weight_deviation = weight_outside * cells * (n + 1) + 1

    pieces: list[tuple[int, int, int, int]] = []  # (option, band, unit cost, capacity)
    for i in range(k):
        for j in range(bands):
            p = values[i][j]
            feasible = _feasible(p, n, precision, rounding)
            if feasible:
                lo, hi = feasible[0], feasible[-1]
            else:
                target = p * n / 100
                lo, hi = math.floor(target), math.ceil(target)

            def cost(x: int, p: Fraction = p, lo: int = lo, hi: int = hi) -> int:
                deviation = deviation_units(p, x)
                return (weight_deviation * deviation + weight_outside * max(0, x - hi, lo - x)
                        + deviation**2)

            marginals = [cost(x + 1) - cost(x) for x in range(n)]
            assert all(a <= b for a, b in itertools.pairwise(marginals))
            # One arc per run of equal marginal cost (a linear piece).
            for m in marginals:
                if pieces and pieces[-1][:3] == (i, j, m):
                    pieces[-1] = (i, j, m, pieces[-1][3] + 1)
                else:
                    pieces.append((i, j, m, 1))
    # Shift every weight to be non-negative: each option sends exactly n units, so
    # the shift adds the same constant to the cost of every table.
    shift = max(0, -min(m for _, _, m, _ in pieces))
    # Integer node ids (options 0..k-1, bands k.., pieces after) hash the same in
    # every run, so ties between optimal tables always resolve the same way.
    graph = nx.DiGraph()
    for i in range(k):
        graph.add_node(i, demand=-n)
    for j, w in enumerate(widths):
        graph.add_node(k + j, demand=w * n)
    piece_cell: dict[int, tuple[int, int]] = {}
    for r, (i, j, m, capacity) in enumerate(pieces):
        node = k + bands + r
        piece_cell[node] = (i, j)
        graph.add_edge(i, node, capacity=capacity, weight=m + shift)
        graph.add_edge(node, k + j, capacity=capacity, weight=0)
    _, flow = nx.network_simplex(graph)
    counts = np.zeros((k, bands), dtype=np.int64)
    for i in range(k):
        for node, units in flow[i].items():
            counts[piece_cell[node]] += units
    return counts


def audit_table(
    pcts: PublishedTable | Sequence[Sequence[Number]],
    n: int | None = None,
    bands: Sequence[tuple[int, int]] | None = None,
    precision: int | None = None,
    rounding: str | None = None,
    *,
    options: Sequence[str] | None = None,
    name: str = "table",
) -> AuditReport:
    """Check a printed band table against complete strict ranking by ``n`` people.

    Parameters
    ----------
    pcts
        A :class:`~survey.ranking.published.PublishedTable` (which carries ``n``,
        bands, precision and rounding) or rows of printed percentages.
    n, bands, precision, rounding
        The design; required with bare rows (precision default 0, rounding
        ``half-up``), and override a PublishedTable's when given.
    options
        Row names for bare rows (default ``row 1`` ...).
    name
        Table name for the report.

    Returns
    -------
    AuditReport

    Raises
    ------
    LandscapeError
        ``A111`` when the bands do not cover positions 1..K for K options.

    Examples
    --------
    >>> report = audit_table([[67, 33], [33, 67]], n=3, bands=[(1, 1), (2, 2)])
    >>> report.consistent, report.nearest.tolist()
    (True, [[2, 1], [1, 2]])
    >>> bad = audit_table([[60, 40], [60, 40]], n=5, bands=[(1, 1), (2, 2)])
    >>> [v.kind for v in bad.violations]
    ['column', 'column', 'duplicate', 'table']
    """
    design = table_design(pcts, n, bands, precision, rounding, options, name)
    printed, n, bands = design.printed, design.n, design.bands
    precision, rounding = design.precision, design.rounding
    feasible = [[_feasible(p, n, precision, rounding) for p in row] for row in printed]
    violations = [*_cell_violations(design, feasible), *_row_violations(design, feasible),
                  *_column_violations(design, feasible), *_duplicate_violations(design)]
    widths = [hi - lo + 1 for lo, hi in bands]
    nearest = nearest_table(printed, n, widths, precision, rounding)
    table_problem = _table_violation(design, nearest, violations)
    if table_problem is not None:
        violations.append(table_problem)
    denominators = tuple(
        tuple(m for m in range(1, n + 1) if _row_possible(row, m, precision, rounding))
        for row in printed)
    return AuditReport(
        table=design.name, n=n, bands=bands, options=tuple(design.options),
        printed=tuple(tuple(row) for row in printed), precision=precision, rounding=rounding,
        feasible_counts=tuple(tuple(row) for row in feasible),
        violations=tuple(violations), nearest=nearest, row_denominators=denominators,
        labels=design.labels,
    )


@dataclass(frozen=True, slots=True)
class _Design:
    """A printed table with the design it claims, ready to audit."""

    name: str
    printed: list[list[Fraction]]
    n: int
    bands: tuple[tuple[int, int], ...]
    precision: int
    rounding: str
    options: list[str]
    wordings: list[str]
    labels: dict[str, str]


def table_design(pcts: PublishedTable | Sequence[Sequence[Number]], n: int | None,
                 bands: Sequence[tuple[int, int]] | None, precision: int | None,
            rounding: str | None, options: Sequence[str] | None, name: str) -> _Design:
    """The table and its design, from a PublishedTable or bare rows (see audit_table)."""
    labels: dict[str, str] = {}
    if isinstance(pcts, PublishedTable):
        table = pcts
        printed = [list(r.pct) for r in table.rows]
        n = n if n is not None else table.n
        bands = bands if bands is not None else table.bands
        precision = precision if precision is not None else table.precision
        rounding = rounding or table.rounding
        option_names = list(table.codes)
        labels = table.labels
        wordings = [r.option for r in table.rows]
        name = table.name if name == "table" else name
    else:
        printed = [[Fraction(str(v)) if isinstance(v, float) else Fraction(v) for v in row]
                   for row in pcts]
        if n is None or bands is None:
            raise ValueError("give n and bands with bare rows of percentages")
        precision = 0 if precision is None else precision
        rounding = rounding or "half-up"
        option_names = list(options) if options is not None else [
            f"row {i + 1}" for i in range(len(printed))]
        wordings = option_names
    bands = tuple((int(lo), int(hi)) for lo, hi in bands)
    k = len(printed)
    positions = sorted(p for lo, hi in bands for p in range(lo, hi + 1))
    if positions != list(range(1, k + 1)):
        raise LandscapeError.of(
            "A111", f"bands {', '.join(band_label(b) for b in bands)} must cover positions "
            f"1-{k} exactly once for a complete ranking of {k} options",
            Location(file=name))
    if any(len(row) != len(bands) for row in printed):
        raise LandscapeError.of("A112", f"every row needs {len(bands)} values, one per band",
                                Location(file=name))
    return _Design(name, printed, n, bands, precision, rounding, option_names, wordings,
                   labels)


def _cell_violations(d: _Design, feasible: list[list[tuple[int, ...]]]) -> list[Violation]:
    """Printed values that are c/n for no whole c."""
    found = []
    for i, option in enumerate(d.options):
        for j, band in enumerate(d.bands):
            if feasible[i][j]:
                continue
            p = d.printed[i][j]
            below = max((c for c in range(d.n + 1)
                         if round_percent(c, d.n, d.precision, d.rounding) < p), default=None)
            near = [f"{c}/{d.n} = {float(Fraction(100 * c, d.n)):.2f}%"
                    for c in (below, None if below is None else below + 1)
                    if c is not None and c <= d.n]
            found.append(Violation(
                "cell", f"{_fmt(p)}% is not c/{d.n} for any whole c at this precision "
                f"(nearest: {' and '.join(near)})", option, band_label(band)))
    return found


def _row_violations(d: _Design, feasible: list[list[tuple[int, ...]]]) -> list[Violation]:
    """Rows whose shares cannot be one whole."""
    found = []
    unit = Fraction(1, 10**d.precision)
    for i, option in enumerate(d.options):
        total = sum(d.printed[i], Fraction(0))
        window = _window(Fraction(100), len(d.bands), unit, d.rounding)
        if not _inside(total, window):
            found.append(Violation(
                "row", f"sums to {_fmt(total)}%, outside the {_fmt(window[0])}-"
                f"{_fmt(window[1])}% that rounding {len(d.bands)} shares of one whole can give",
                option))
        elif all(feasible[i]) and not (sum(f[0] for f in feasible[i]) <= d.n
                                       <= sum(f[-1] for f in feasible[i])):
            found.append(Violation(
                "row", f"no counts printing as these values add up to n={d.n}", option))
    return found


def _column_violations(d: _Design, feasible: list[list[tuple[int, ...]]]) -> list[Violation]:
    """Band columns whose shares cannot add up to the band's width times n."""
    found = []
    unit = Fraction(1, 10**d.precision)
    k = len(d.printed)
    for j, band in enumerate(d.bands):
        width = band[1] - band[0] + 1
        total = sum((d.printed[i][j] for i in range(k)), Fraction(0))
        target = Fraction(100 * width)
        window = _window(target, k, unit, d.rounding)
        cells = [feasible[i][j] for i in range(k)]
        if not _inside(total, window):
            found.append(Violation(
                "column", f"sums to {_fmt(total)}%, but each respondent puts exactly "
                f"{width} option(s) in this band, so it must be {_fmt(target)}% (printed "
                f"values may add to {_fmt(window[0])}-{_fmt(window[1])}%); "
                f"{'excess' if total > target else 'shortfall'} of "
                f"{_fmt(abs(total - target))} points, about "
                f"{float(abs(total - target) * d.n / 100):.1f} placements of an option",
                band=band_label(band)))
        elif all(cells) and not (sum(c[0] for c in cells) <= width * d.n
                                 <= sum(c[-1] for c in cells)):
            found.append(Violation(
                "column", f"no counts printing as these values add up to "
                f"{width} x n = {width * d.n}", band=band_label(band)))
    return found


def _duplicate_violations(d: _Design) -> list[Violation]:
    """Repeated option wordings (errors) and identical rows (warnings)."""
    found = []
    seen_wording: dict[str, str] = {}
    seen_values: dict[tuple[Fraction, ...], str] = {}
    for i, option in enumerate(d.options):
        key = " ".join(d.wordings[i].casefold().split())
        if key in seen_wording:
            found.append(Violation(
                "duplicate", f"same option wording as {seen_wording[key]}", option))
        seen_wording.setdefault(key, option)
        values = tuple(d.printed[i])
        if values in seen_values:
            found.append(Violation(
                "duplicate", f"identical percentages to {seen_values[values]} in every band "
                f"({', '.join(_fmt(v) + '%' for v in values)}): possible, but check for a "
                "copy-paste slip", option, severity="warning"))
        seen_values.setdefault(values, option)
    return found


def _table_violation(d: _Design, nearest: np.ndarray,
                     violations: list[Violation]) -> Violation | None:
    """Whether the table as a whole cannot print as published."""
    reprinted = [[round_percent(int(c), d.n, d.precision, d.rounding) for c in row]
                 for row in nearest]
    if reprinted == d.printed:
        return None
    if not any(v.severity == "error" for v in violations):
        return Violation(
            "table", "every cell, row and column is possible on its own, but no single "
            "table of counts from complete strict rankings prints as published")
    changed = sum(a != b for ra, rb in zip(reprinted, d.printed, strict=True)
                  for a, b in zip(ra, rb, strict=True))
    return Violation(
        "table", f"no complete strict ranking data prints as published; the nearest "
        f"possible table differs in {changed} cell(s)")


def _row_possible(row: Sequence[Fraction], m: int, precision: int, rounding: str) -> bool:
    """Whether counts over ``m`` print as this row and add up to ``m``."""
    runs = [_feasible(p, m, precision, rounding) for p in row]
    return all(runs) and sum(r[0] for r in runs) <= m <= sum(r[-1] for r in runs)
