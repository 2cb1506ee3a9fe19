"""The fewest printed cells of a band table that must be wrong, by exact search.

A printed band table claims: some respondents ranked ``K`` options, positions are
grouped in bands of widths ``w_b``, and each cell is the share of a base that put
the option in the band, printed at some precision under some rounding rule.
:func:`fewest_wrong` finds the largest set of printed cells that one table of real
counts can reproduce, so the rest (as few as possible) must be misprinted. A cell
is *kept* when its true share rounds to the printed value.

Which count tables rankings can give
------------------------------------
Only the band each option lands in matters, so a respondent who ranks their top
``t`` options (``t = K``: a complete ranking) contributes a 0/1 matrix with at most
one 1 per option row and ``c_b(t) = min(w_b, max(0, t - s_b + 1))`` ones in band
``b`` (``s_b`` the band's first position). Group the respondents by ``t``: ``N_t``
of them, with count table ``X_t``. **An integer table ``X_t >= 0`` is the sum of
``N_t`` such rankings if and only if each band column sums to ``c_b(t) * N_t`` and
each option row sums to at most ``N_t``.** Necessity is plain. Sufficiency:
split band ``b`` into ``c_b(t)`` position columns by laying the column's units
out option after option and cutting every ``N_t`` units (a transportation
problem's integer point); this keeps the row sums and gives every position column
the sum ``N_t``. The result is a bipartite multigraph (options x positions) of
maximum degree ``N_t`` in which every position has degree exactly ``N_t``; by
König's edge-colouring theorem its edges split into ``N_t`` matchings, and each
matching covers every position, so it is one ranking of the top ``t``. For
complete rankings (``t = K``, row sums then exactly ``N_t = n``) this is the
Birkhoff-von Neumann decomposition of ``X / n`` into permutation matrices, i.e.
the integer decomposition property of transportation polytopes. Orders within
a band are free, so every such ranking is a strict ranking. The test suite
checks this against an exhaustive enumeration of ranking multisets.

The programme
-------------
Variables: ``N_t`` (integer, one per allowed ``t``), ``X_t[o, b]`` (integer) and a
binary ``z[o, b]`` per counted cell (1 = kept). Constraints: the conditions
above; the respondents add up to ``n`` (common base) or to at most ``n``
(per-option bases); each cell's base ``m_o`` is ``n`` (common) or the number who
ranked the option at all, ``sum_b X[o, b]`` (per-option, at least 1). Each row
chooses its base ``m`` among the allowed ones (a binary per base); a kept cell
then lies in the run of counts over ``m`` that
:func:`~survey.ranking.bands.round_percent` prints as the published value
(rounding is monotone, so these counts form a run). Maximise ``sum z`` with
scipy's ``milp`` (HiGHS, relative gap 0), then, keeping that many cells, spread
the changes (see ``spread``). The answer is then
checked exactly in integers: the table's margins, and each cell's rounding
recomputed with :func:`~survey.ranking.bands.round_percent`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from survey.ranking.bands import round_percent

__all__ = ["SEARCH_SECONDS", "Misprints", "SearchLimit", "band_vector", "fewest_wrong"]

#: Time limit of one exact search, in seconds (per-option bases with large n are slow).
SEARCH_SECONDS = 60


class SearchLimit(RuntimeError):
    """The exact search hit its time limit without settling the optimum."""

Number = int | float | Fraction


def band_vector(t: int, widths: Sequence[int]) -> tuple[int, ...]:
    """How many of a top-``t`` ranking's options land in each band.

    Examples
    --------
    >>> band_vector(4, [3, 3, 3]), band_vector(9, [3, 3, 3])
    ((3, 1, 0), (3, 3, 3))
    """
    out, start = [], 1
    for w in widths:
        out.append(min(w, max(0, t - start + 1)))
        start += w
    return tuple(out)


@dataclass(frozen=True)
class Misprints:
    """The answer of :func:`fewest_wrong`.

    ``wrong`` lists the (row, band) indices of one smallest set of cells that must
    be misprinted; ``counts`` is a table the design can give that keeps every
    other counted cell; ``bases`` each row's denominator; ``respondents`` maps
    ``t`` (options ranked) to how many respondents ranked that many;
    ``reprinted`` is how ``counts`` prints; ``free`` the cells left out.
    """

    wrong: tuple[tuple[int, int], ...]
    counts: np.ndarray
    bases: tuple[int, ...]
    respondents: dict[int, int]
    reprinted: tuple[tuple[Fraction, ...], ...]
    cells: int
    free: tuple[tuple[int, int], ...] = ()

    @property
    def fewest(self) -> int:
        """The least number of counted cells that must be wrong."""
        return len(self.wrong)

    @property
    def kept(self) -> int:
        return self.cells - self.fewest


def fewest_wrong(
    printed: Sequence[Sequence[Number]],
    n: int,
    widths: Sequence[int],
    *,
    precision: int = 0,
    rounding: str = "half-up",
    tops: Sequence[int] | None = None,
    base: str = "common",
    free: Sequence[tuple[int, int]] = (),
    spread: bool = True,
) -> Misprints:
    """The fewest printed cells that must be wrong for the design to give the table.

    Parameters
    ----------
    printed
        Rows (options) of printed percentages, one value per band.
    n
        Respondents (the common base), or the most respondents (per-option bases).
    widths
        Band widths; they add up to the number of options ``K``.
    precision, rounding
        How shares were printed (see :func:`~survey.ranking.bands.round_percent`).
    tops
        Allowed ranking lengths ``t`` (respondents rank their top ``t``); default
        ``[K]``, complete rankings. The mix of lengths is searched.
    base
        ``"common"``: every share is of ``n``, and there are exactly ``n``
        respondents. ``"per-option"``: each option's shares are of the respondents
        who ranked it at all (at least one), with at most ``n`` respondents.
    free
        ``(row, band)`` cells left out (neither constrained nor counted).
    spread
        Also choose, among the tables keeping the most cells, one whose largest
        (then total) distance from the printed values is least. This second
        search can take seconds with per-option bases; without it the table is
        any one keeping the most cells. The fewest wrong cells are the same.

    Returns
    -------
    Misprints

    Examples
    --------
    >>> fewest_wrong([[67, 33], [33, 67]], 3, [1, 1]).fewest
    0
    >>> result = fewest_wrong([[60, 40], [60, 40]], 5, [1, 1])  # 3 + 3 firsts > 5
    >>> result.fewest, result.counts.tolist()
    (2, [[3, 2], [2, 3]])
    """
    k, nb = len(printed), len(widths)
    tops = _checked_tops(k, widths, base, tops)
    values = [[Fraction(str(v)) if isinstance(v, float) else Fraction(v) for v in row]
              for row in printed]
    vectors = [band_vector(t, widths) for t in tops]
    free_set = {(int(i), int(j)) for i, j in free}
    nt = len(tops)
    bases_allowed = [n] if base == "common" else list(range(1, n + 1))
    model = _Model()
    people = [model.var(0, n) for _ in tops]
    cell_vars = [[[model.var(0, n if vec[b] else 0) for b in range(nb)] for _ in range(k)]
                 for vec in vectors]
    model.add({v: 1 for v in people}, n if base == "common" else 1, n)
    for t, vec in enumerate(vectors):
        for b in range(nb):
            model.add({**{cell_vars[t][o][b]: 1 for o in range(k)}, people[t]: -vec[b]}, 0, 0)
        for o in range(k):
            model.add({**{cell_vars[t][o][b]: 1 for b in range(nb)}, people[t]: -1}, -np.inf, 0)

    def total(o: int, b: int) -> dict[int, float]:
        return {cell_vars[t][o][b]: 1 for t in range(nt)}

    # Each row chooses its base m (y); a kept cell (z) chooses the same base (w) and
    # then lies in the run of counts over m that print as the published value.
    kept: dict[tuple[int, int], int] = {}
    for o in range(k):
        choose = {m: model.var(0, 1) for m in bases_allowed}
        model.add(dict.fromkeys(choose.values(), 1), 1, 1)
        if base == "per-option":  # the base is the row's total
            row_total = {v: 1.0 for b in range(nb) for v in total(o, b)}
            model.add({**row_total, **{y: -m for m, y in choose.items()}}, 0, 0)
        for b in range(nb):
            if (o, b) in free_set:
                continue
            z = kept[o, b] = model.var(0, 1)
            runs = {m: run for m in choose
                    if (run := _kept_counts(values[o][b], m, precision, rounding))}
            pick = {m: model.var(0, 1) for m in runs}
            model.add({**dict.fromkeys(pick.values(), 1), z: -1}, 0, 0)
            for m, w in pick.items():
                model.add({w: 1, choose[m]: -1}, -np.inf, 0)
            low = {w: -runs[m][0] for m, w in pick.items()}
            high = {w: -runs[m][1] for m, w in pick.items()}
            model.add({**total(o, b), **low}, 0, np.inf)
            model.add({**total(o, b), **high, z: n}, -np.inf, n)
    # Stage 1: the most kept cells. Stage 2, with that many kept: the least largest
    # distance |100 x - p m| of a cell from its printed value (x / m against p, times
    # the base), then the least total, so the table shown spreads the unavoidable
    # changes rather than piling them on one cell.
    first = model.solve({z: -1.0 for z in kept.values()})
    if spread:
        solution = np.rint(_spread(model, first, kept, total, values, n, base, nb)
                           ).astype(np.int64)
    else:
        solution = np.rint(first).astype(np.int64)
    respondents = {tops[t]: int(solution[people[t]]) for t in range(nt)}
    per_type = [np.array([[solution[cell_vars[t][o][b]] for b in range(nb)] for o in range(k)],
                         dtype=np.int64) for t in range(nt)]
    counts = sum(per_type, np.zeros((k, nb), dtype=np.int64))
    bases = tuple(n if base == "common" else int(counts[o].sum()) for o in range(k))
    _check_design(per_type, vectors, tops, respondents, bases, n, base)
    reprinted = tuple(tuple(round_percent(int(counts[o, b]), bases[o], precision, rounding)
                            for b in range(nb)) for o in range(k))
    wrong = tuple(cell for cell in kept if reprinted[cell[0]][cell[1]] != values[cell[0]][
        cell[1]])
    if len(wrong) != sum(1 for z in kept.values() if solution[z] == 0):
        raise RuntimeError("the exact search's optimum does not reprint as it claims")
    return Misprints(wrong=wrong, counts=counts, bases=bases, respondents=respondents,
                     reprinted=reprinted, cells=len(kept), free=tuple(sorted(free_set)))


def _checked_tops(k: int, widths: Sequence[int], base: str,
                  tops: Sequence[int] | None) -> list[int]:
    """The allowed ranking lengths, after checking the arguments of :func:`fewest_wrong`."""
    if sum(widths) != k:
        raise ValueError("band widths must add up to the number of options")
    if base not in ("common", "per-option"):
        raise ValueError("base must be 'common' or 'per-option'")
    checked = sorted(set(tops or [k]))
    if not all(1 <= t <= k for t in checked):
        raise ValueError(f"ranking lengths must lie in 1..{k}")
    return checked


def _check_design(per_type: list[np.ndarray], vectors: list[tuple[int, ...]], tops: list[int],
                  respondents: dict[int, int], bases: tuple[int, ...], n: int,
                  base: str) -> None:
    """Check the solution exactly, in integers, rather than trust floating point."""
    good = all(
        per_type[t].min() >= 0
        and per_type[t].sum(axis=0).tolist() == [v * respondents[tops[t]] for v in vec]
        and all(s <= respondents[tops[t]] for s in per_type[t].sum(axis=1))
        for t, vec in enumerate(vectors))
    everyone = sum(respondents.values())
    good = good and (everyone == n if base == "common" else 1 <= everyone <= n)
    if not good or min(bases) < 1:
        raise RuntimeError("the exact search returned a table the design cannot give")


def _spread(model: _Model, first: np.ndarray, kept: dict[tuple[int, int], int],
            total: Callable[[int, int], dict[int, float]], values: list[list[Fraction]],
            n: int, base: str, nb: int) -> np.ndarray:
    """Stage 2: keep as many cells as stage 1, then spread the changes (see above)."""
    most = round(float(sum(first[z] for z in kept.values())))
    model.add(dict.fromkeys(kept.values(), 1), most, np.inf)
    largest = model.var(0, np.inf)
    distance: dict[int, float] = {}
    bound = 0
    for o, b in kept:
        scale = values[o][b].denominator
        p_scaled = int(values[o][b] * scale)
        bound = max(bound, max(100 * scale, p_scaled) * n)
        d = model.var(0, np.inf)
        up = {v: 100.0 * scale for v in total(o, b)}
        if base == "per-option":
            for bb in range(nb):
                for v in total(o, bb):
                    up[v] = up.get(v, 0) - p_scaled
        rhs = p_scaled * n if base == "common" else 0
        model.add({**{v: -c for v, c in up.items()}, d: 1}, -rhs, np.inf)
        model.add({**up, d: 1}, rhs, np.inf)
        model.add({d: 1, largest: -1}, -np.inf, 0)
        distance[d] = 1.0
    result = model.solve({largest: float(bound * len(kept) + 1), **distance})
    return result


def _kept_counts(printed: Fraction, base: int, precision: int, rounding: str
                 ) -> tuple[int, int] | None:
    """First and last count over ``base`` that print as ``printed`` (``None``: none do).

    Rounding is monotone in the count, so those counts form a run, found by bisection.
    """
    def prints(c: int) -> Fraction:
        return round_percent(c, base, precision, rounding)

    counts = range(base + 1)
    first = bisect.bisect_left(counts, printed, key=prints)
    last = bisect.bisect_right(counts, printed, key=prints) - 1
    return (first, last) if first <= last else None


class _Model:
    """A small integer programme built row by row (all variables integer)."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[dict[int, float]] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def var(self, lo: float, hi: float) -> int:
        self.lower.append(lo)
        self.upper.append(hi)
        return len(self.lower) - 1

    def add(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append(coefs)
        self.lo.append(lo)
        self.hi.append(hi)

    def solve(self, objective: dict[int, float]) -> np.ndarray:
        """Minimise ``objective`` exactly (HiGHS branch and bound, relative gap 0)."""
        size = len(self.lower)
        entries = [(r, c, v) for r, row in enumerate(self.rows) for c, v in row.items()]
        matrix = sparse.csr_array(([v for _, _, v in entries],
                                   ([r for r, _, _ in entries], [c for _, c, _ in entries])),
                                  shape=(len(self.rows), size))
        cost = np.zeros(size)
        for c, v in objective.items():
            cost[c] = v
        result = milp(cost, integrality=np.ones(size),
                      bounds=Bounds(self.lower, self.upper),
                      constraints=LinearConstraint(matrix, self.lo, self.hi),
                      options={"mip_rel_gap": 0, "time_limit": SEARCH_SECONDS})
        if result.status == 1:
            raise SearchLimit(f"the exact search hit its {SEARCH_SECONDS} s limit")
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"the exact search did not finish: {result.message}")
        return np.asarray(result.x)
