"""Disclosure control across a release, not table by table.

:mod:`survey.export.disclosure` protects each public table on its own: no
suppressed cell follows from *that table's* margins. But a funder publishes
several outputs of the same respondents, and together they can undo it: a
second banding (``--bands 1-3,4-9`` beside the default) pins cells of the
first; the all-councils table minus the England table gives the eight councils
outside England cell by cell; ``landscape compare`` printed 3% (1/35) for a
share the public table suppresses. Statistical agencies audit the *release*:
every output of the same data, attacked together (the linked-tables audit of
τ-ARGUS; Hundepool et al., *Statistical Disclosure Control*, Wiley 2012,
sections 4.2-4.3 and 5.2 on protection intervals and the audit of a
suppression pattern by linear/integer programming).

The release
-----------
:func:`public_release` enumerates what the platform publishes from the data
under one :class:`~survey.export.disclosure.DisclosurePolicy`:

- the priority table of each population (instrument, or an ``--input``
  file), in the release's one banding (setting ``release_bands``,
  ``LANDSCAPE_RELEASE_BANDS``), as ``landscape export priorities --public`` and
  the explorer's public download write it;
- the tables ``--by FIELD`` (and so ``--where FIELD=VALUE``, the same groups)
  for each field whose groups pass, added one field at a time in a fixed order:
  a field is left out when some group's complement within the population has a
  count of 1 .. k-1 that the two public tables would show by subtraction (the
  complement is unprotected), or when the attack below, on everything released
  so far plus that field, narrows a protected cell;
- ``landscape compare --public`` (top share = the first band, already in the
  tables) and ``landscape consensus --public`` (mean-rank and Borda scores:
  each group's exact sum of positions per option, a linear margin) for every
  released group.

The attack
----------
:func:`attack` writes the release as an integer programme. Respondents fall
into *atoms* (the cells of the common refinement of the released groups); the
unknowns are, per atom, its size and how many of its respondents put each
option at each position (plus "not ranked"). What an attacker knows are true
linear facts: each option is at one position per respondent and, for complete
rankings, each position holds one option per respondent; every released ``n``
(or ``1 .. k-1`` when printed "n<k"); every shown percentage (the counts that
round to it); every released sum of positions. For each *protected* cell (a
suppressed cell of a released table, or a cell of 1 .. k-1 respondents in the
complement of a released group) it minimises and maximises the cell's count
with HiGHS (:func:`scipy.optimize.milp`). The release passes only if every
protected cell can still take values spread over at least ``protection_width``
respondents (setting ``LANDSCAPE_PROTECTION_WIDTH``; so no cell is pinned).

Not modelled: statistics that are not linear in these counts (Mann-Whitney
p, rank-biserial, Schulze, Kemeny and Plackett-Luce). Public mode refuses the
last three and withholds the first two for any option with a suppressed cell
(Holm's adjustment still runs over every option, so a shown adjusted p depends
weakly on withheld ones).

:func:`check_public_release` is the one gate every public path calls (``landscape
export priorities --public``, ``landscape compare --public``, ``landscape
consensus --public`` and the explorer's public download): it refuses, with
``X108`` naming the leaking cell (never its value), an output that is not part
of a release that passes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from survey.errors import LandscapeError
from survey.export.disclosure import DisclosurePolicy, ProtectedTable, Suppression, protect
from survey.ranking.bands import BandTable, RankingData, band_table, parse_bands, percent
from survey.settings import resolve

__all__ = [
    "LINEAR_METHODS",
    "Attack",
    "CellRange",
    "Group",
    "Population",
    "Release",
    "attack",
    "check_public_release",
    "population_from_data",
    "protection_width",
    "public_comparison",
    "public_release",
    "release_bands",
    "store_populations",
    "suppressed_top_shares",
]

#: Consensus methods whose scores are linear in the counts the attack models.
LINEAR_METHODS = ("mean-rank", "borda")


def release_bands() -> tuple[tuple[int, int], ...]:
    """The release's one banding (setting ``release_bands``)."""
    return parse_bands(str(resolve("release_bands")))


def protection_width() -> int:
    """The narrowest range a protected count may be left in (setting ``protection_width``)."""
    return int(resolve("protection_width"))


@dataclass(frozen=True)
class Population:
    """Respondents published as one table: their rankings and the fields that split them.

    Attributes
    ----------
    name
        The table's group key (an instrument, or ``all`` for a file).
    data
        Rankings of one option set.
    fields
        One row per respondent (``data.ranks.index``), one column per field a
        public output can group or filter by (``nation``, ``path``, ...).
    """

    name: str
    data: RankingData
    fields: pd.DataFrame = field(default_factory=pd.DataFrame)

    @cached_property
    def digest(self) -> str:
        """A SHA-256 of the rankings and fields, computed once (a population is read-only;
        :func:`store_populations` hands out the same ones while the data is unchanged)."""
        digest = hashlib.sha256()
        # The ranks as float bytes (NaN: not ranked) and every label as text, each part
        # length-prefixed: hashing them through pandas took a tenth of a second.
        ranks = self.plain_ranks
        for part in (np.ascontiguousarray(ranks.to_numpy(dtype=float)).tobytes(),
                     _text_bytes(ranks.index), _text_bytes(ranks.columns),
                     _text_bytes(self.fields.columns),
                     *(_coded_bytes(*self.factorised(c)) for c in self.fields.columns),
                     _text_bytes(self.fields.index)):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()

    @cached_property
    def plain_ranks(self) -> pd.DataFrame:
        """The rankings as one float block (NaN: not ranked), for the attack's many subsets:
        selecting rows of nullable-integer columns took half its time at 100,000."""
        return self.data.ranks.astype(float)

    def factorised(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Field ``name`` as codes (-1: missing) and its distinct values, found once (the
        digest and the field's groups both need them; each pass hashed 100,000 labels)."""
        kept = self._factors.get(name)
        if kept is None:
            kept = pd.factorize(self.fields[name].to_numpy(dtype=object))
            self._factors[name] = kept
        return kept

    @cached_property
    def _factors(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {}

    @cached_property
    def complete(self) -> bool:
        """Every respondent ranked every option, no ties (asked by every attack: once)."""
        return _is_complete(self)

    @cached_property
    def tables(self) -> dict[tuple[bytes, tuple[tuple[int, int], ...]], BandTable]:
        """Band tables of subsets already counted, by (subset, bands): an attack asks for
        the same subset again and again (278 tables, 64 different, at 100,000)."""
        return {}


def _text_bytes(values: Any) -> bytes:
    """Values as text, unambiguously: each repr() on its own line (a label may hold any
    character, and repr escapes line breaks)."""
    return "\n".join(map(repr, np.asarray(values, dtype=object).tolist())).encode()


def _coded_bytes(codes: np.ndarray, uniques: np.ndarray) -> bytes:
    """A column of few distinct labels as its codes' bytes, then the labels as text."""
    return codes.astype(np.int64).tobytes() + b"\n" + _text_bytes(uniques)


@dataclass(frozen=True)
class Group:
    """A released group: its key as the tables name it, how it is produced, who is in it."""

    key: str
    output: str
    mask: np.ndarray
    #: The group's own banding (None: the release's); an attack on two bandings sets it.
    bands: tuple[tuple[int, int], ...] | None = None


@dataclass(frozen=True)
class CellRange:
    """What the attack leaves of one protected cell: the range its count can take."""

    group: str
    option: str
    label: str
    column: str
    kind: str
    low: int
    high: int

    @property
    def width(self) -> int:
        return self.high - self.low

    def describe(self) -> str:
        """Where the cell is, without its value."""
        where = (f"the {self.group} table" if self.kind == "suppressed" else
                 f"the complement of {self.group} (respondents outside it)")
        state = "pinned to one value" if self.width == 0 else \
            f"narrowed to a range {self.width} respondent(s) wide"
        return f"cell '{self.label}' / '{self.column}' of {where} is {state}"


@dataclass(frozen=True)
class Attack:
    """The attack on one population's release."""

    population: str
    groups: tuple[Group, ...]
    cells: tuple[CellRange, ...]
    width: int

    @property
    def failures(self) -> list[CellRange]:
        return [c for c in self.cells if c.width < self.width]


@dataclass(frozen=True)
class Release:
    """Everything public under one policy, and the attack on it."""

    policy: DisclosurePolicy
    bands: tuple[tuple[int, int], ...]
    attacks: tuple[Attack, ...]
    fields: dict[str, str]
    refused: dict[str, str]
    means: bool

    @property
    def failures(self) -> list[CellRange]:
        return [c for a in self.attacks for c in a.failures]


# -- populations ------------------------------------------------------------------


def store_populations(store: Any, question: str | None = None) -> list[Population]:
    """One :class:`Population` per instrument in the store, with its grouping fields.

    Read once per data revision (:mod:`survey.store.revision`): while the data is
    unchanged every caller gets the same (read-only) populations, so their
    :attr:`~Population.digest`, and the release attacked for them, are computed once.
    """
    # Deferred: the store layer (SQLAlchemy) loads only for store-backed releases.
    from survey.store.revision import remembered

    return list(remembered(store, ("populations", question),
                           lambda: tuple(_read_populations(store, question))))


def _read_populations(store: Any, question: str | None) -> list[Population]:
    # Deferred: the store layer (SQLAlchemy) loads only for store-backed releases.
    from survey.store.analysis import GROUP_FIELDS, store_ranking_groups
    from survey.store.reading import analysis_frame

    groups = store_ranking_groups(store, question)
    if not groups:
        return []
    # The grouping fields come with the rankings (one read, kept per data revision):
    # reading every response's attributes again took a second at 100,000.
    frame = analysis_frame(store, str(next(iter(groups.values())).question), copy=False)
    out = []
    for name, data in groups.items():
        fields = frame.reindex(data.ranks.index)[[f for f in GROUP_FIELDS
                                                  if f != "instrument"]]
        out.append(Population(name=name, data=data, fields=fields))
    return out


def population_from_data(data: RankingData, name: str = "all", field_name: str | None = None
                         ) -> Population:
    """A population read from a file; ``data.groups`` (``--group-column``) is its one field."""
    if data.groups is None or field_name is None:
        return Population(name=name, data=data, fields=pd.DataFrame(index=data.ranks.index))
    fields = pd.DataFrame({field_name: data.groups.astype(object)}, index=data.ranks.index)
    plain = RankingData(data.ranks, data.options, data.labels, None, data.rule, data.question,
                        data.concepts)
    return Population(name=name, data=plain, fields=fields)


# -- the attack -------------------------------------------------------------------


def _table(population: Population, mask: np.ndarray, bands: Sequence[tuple[int, int]]
           ) -> BandTable:
    data = population.data
    chosen = np.asarray(mask, dtype=bool)
    key = (hashlib.blake2b(np.packbits(chosen).tobytes(), digest_size=16).digest(),
           tuple((int(lo), int(hi)) for lo, hi in bands))
    kept = population.tables.get(key)
    if kept is not None:
        return kept
    # One group without a label per row: factorising 100,000 labels per table was a
    # third of an attack.
    one = RankingData(population.plain_ranks[chosen], data.options, data.labels, None,
                      data.rule, data.question, data.concepts)
    table = band_table(one, bands=bands)
    for array in (table.counts, table.n, table.unranked):
        array.flags.writeable = False  # shared by every later caller: read-only
    population.tables[key] = table
    return table


def _table_outside(population: Population, within: np.ndarray, group: np.ndarray,
                   bands: Sequence[tuple[int, int]]) -> BandTable:
    """The table of ``within`` but not ``group``.

    When ``group`` lies inside ``within`` (a released group inside its population), it
    is the table of ``within`` minus the group's: counts, n and unranked add up over
    disjoint respondents. Counting the complement again took two thirds of the
    practical rule's time at 100,000.
    """
    within, group = np.asarray(within, dtype=bool), np.asarray(group, dtype=bool)
    if (group & ~within).any():
        return _table(population, within & ~group, bands)
    whole, part = _table(population, within, bands), _table(population, group, bands)
    return replace(whole, counts=whole.counts - part.counts, n=whole.n - part.n,
                   unranked=whole.unranked - part.unranked)


def _is_complete(population: Population) -> bool:
    """Every respondent ranked every option, no ties: positions are a permutation."""
    data = population.data
    if data.rule.ties == "allow" or data.ranks.isna().to_numpy().any():
        return False
    values = data.ranks.to_numpy(dtype=float)
    expected = np.arange(1, len(data.options) + 1)
    return bool((np.sort(values, axis=1) == expected).all())


@lru_cache(maxsize=65536)
def _count_range(shown: int, n: int) -> tuple[int, int]:
    """Counts out of ``n`` that print as ``shown`` percent (half-up).

    ``percent(c, n)`` never decreases as ``c`` grows, so the counts that print as
    ``shown`` are one run of ``0 .. n``, found by bisection (``log n`` roundings, not
    ``n``: a population of 100,000 took minutes), and kept: every trial of a field
    attacks the released groups again. ``ValueError`` when none does.

    Examples
    --------
    >>> _count_range(3, 35), _count_range(0, 35), _count_range(100, 35)
    ((1, 1), (0, 0), (35, 35))
    >>> _count_range(50, 1000)
    (495, 504)
    """
    counts = range(n + 1)
    low = bisect_left(counts, shown, key=lambda c: percent(c, n))
    high = bisect_right(counts, shown, key=lambda c: percent(c, n)) - 1
    if low > high:
        raise ValueError(f"no count out of {n} prints as {shown}%")
    return low, high


def _atoms(membership: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(membership, axis=0, return_inverse=True)``, rows read as binary numbers.

    Sorting 100,000 boolean rows as rows took seconds per attack; a row read as a
    number (the first column most significant, so the order is the same) sorts as one
    integer. More than 62 groups fall back to the row sort.

    Examples
    --------
    >>> atoms, atom_of = _atoms(np.array([[1, 0], [1, 1], [1, 0]], dtype=bool))
    >>> atoms.astype(int).tolist(), atom_of.tolist()
    ([[1, 0], [1, 1]], [0, 1, 0])
    """
    rows, columns = membership.shape
    if columns > 62:
        atoms, atom_of = np.unique(membership, axis=0, return_inverse=True)
        return atoms, np.asarray(atom_of).reshape(-1)
    weights = np.left_shift(np.int64(1), np.arange(columns - 1, -1, -1, dtype=np.int64))
    numbers = membership.astype(np.int64) @ weights if columns else np.zeros(rows, np.int64)
    unique, atom_of = np.unique(numbers, return_inverse=True)
    atoms = (unique[:, None] & weights[None, :]) != 0
    return atoms.reshape(len(unique), columns), np.asarray(atom_of).reshape(-1)


class _Programme:
    """The attacker's integer programme for one population (see the module docstring)."""

    def __init__(self, population: Population, groups: Sequence[Group],
                 positions: int) -> None:
        self.population = population
        self.options = population.data.options
        self.positions = positions
        membership = np.array([g.mask for g in groups], dtype=bool).T
        self.atoms, self.atom_of = _atoms(membership)
        m, p = len(self.options), positions
        self.per_atom = 1 + m * (p + 1)
        self.size = len(self.atoms) * self.per_atom
        self.rows: list[dict[int, float]] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def n(self, atom: int) -> int:
        return atom * self.per_atom

    def x(self, atom: int, option: int, position: int) -> int:
        """Position 1..p, or 0 for "not ranked"."""
        return atom * self.per_atom + 1 + option * (self.positions + 1) + position

    def atoms_in(self, group: int) -> list[int]:
        return [a for a in range(len(self.atoms)) if self.atoms[a, group]]

    def add(self, row: Mapping[int, float], low: float, high: float) -> None:
        self.rows.append(dict(row))
        self.low.append(low)
        self.high.append(high)

    def cell(self, atoms: Iterable[int], option: int, columns: Iterable[int]
             ) -> dict[int, float]:
        columns = list(columns)
        return {self.x(a, option, c): 1.0 for a in atoms for c in columns}

    def structure(self, complete: bool) -> None:
        m, p = len(self.options), self.positions
        for a in range(len(self.atoms)):
            for o in range(m):
                row = self.cell([a], o, range(p + 1))
                row[self.n(a)] = -1.0
                self.add(row, 0, 0)
            for position in range(1, p + 1):
                row = {self.x(a, o, position): 1.0 for o in range(m)}
                if position <= m:
                    row[self.n(a)] = -1.0
                # Complete rankings fill each position 1..m once per respondent, no other.
                self.add(row, 0 if complete else -np.inf, 0)

    def bounds(self, objectives: Sequence[Mapping[int, float]], upper: int
               ) -> list[tuple[int, int]]:
        """The least and greatest value of each objective, every variable in ``0 .. upper``.

        The integer programmes are independent and HiGHS releases the GIL while it
        solves, so they run on :data:`_SOLVERS` threads (on a two-core machine they took
        half the time).
        """
        if not objectives:
            return []
        # Deferred: scipy's optimiser loads only when a release is audited.
        from scipy.optimize import LinearConstraint
        from scipy.sparse import coo_array

        at = [(i, j, value) for i, row in enumerate(self.rows) for j, value in row.items()]
        rows, columns, values = (np.array(part) for part in zip(*at, strict=True)) if at \
            else (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0))
        # No (row, column) repeats: each constraint row is a dict of its columns.
        matrix = coo_array((values, (rows, columns)), shape=(len(self.rows), self.size))
        constraint = LinearConstraint(matrix.tocsr(), np.array(self.low), np.array(self.high))
        jobs = [(objective, sign) for objective in objectives for sign in (1.0, -1.0)]
        if len(jobs) <= 2 or _SOLVERS == 1:
            found = [self._optimum(constraint, o, sign, upper) for o, sign in jobs]
        else:
            with ThreadPoolExecutor(max_workers=_SOLVERS,
                                    thread_name_prefix="release-attack") as pool:
                found = list(pool.map(
                    lambda job: self._optimum(constraint, job[0], job[1], upper), jobs))
        return [(found[i], found[i + 1]) for i in range(0, len(found), 2)]

    def _optimum(self, constraint: Any, objective: Mapping[int, float], sign: float,
                 upper: int) -> int:
        """The least (``sign`` 1) or greatest (-1) value of ``objective``."""
        # Deferred: scipy's optimiser loads only when a release is audited.
        from scipy.optimize import Bounds, milp

        c = np.zeros(self.size)
        for j, value in objective.items():
            c[j] = sign * value
        result = milp(c, integrality=np.ones(self.size), bounds=Bounds(0, upper),
                      constraints=constraint, options={"time_limit": 30})
        if result.x is None:  # the true data always fits: the model does not
            raise LandscapeError.of(
                "X108", f"the release check cannot model the rankings of "
                f"{self.population.name} (e.g. tied positions counted as mid-ranks), so "
                f"it cannot show that a public output is safe ({result.message})")
        return round(float(sum(result.x[j] * v for j, v in objective.items())))


def attack(population: Population, groups: Sequence[Group], policy: DisclosurePolicy,
           bands: Sequence[tuple[int, int]], *, means: bool = True,
           width: int | None = None) -> Attack:
    """Attack the released ``groups`` of one population together; each protected cell's range.

    Parameters
    ----------
    population
        The respondents (``groups[0]`` should be all of them).
    groups
        The released groups, each published as a table in ``bands`` under ``policy``.
    policy
        The public policy (threshold ``k``).
    bands
        The release's banding.
    means
        Also release each group's sum of positions per option (mean rank, Borda);
        only for complete rankings.
    width
        The protection width (default: the ``protection_width`` setting).

    Returns
    -------
    Attack
        Every protected cell with the least and greatest count the released
        figures allow.

    Examples
    --------
    Twelve respondents rank three options; with ``k = 3`` the table suppresses
    the two cells of 2 and two partners. Attacked, each suppressed count can
    still be anything from 0 to 8 (4 to 12): nothing is pinned.

    >>> ranks = pd.DataFrame([[1, 2, 3]] * 6 + [[2, 1, 3]] * 2 + [[3, 2, 1]] * 4,
    ...                      columns=list("abc"), dtype="Int64")
    >>> people = Population("all", RankingData(ranks, tuple("abc")))
    >>> everyone = Group("all", "table", np.ones(12, dtype=bool))
    >>> policy = DisclosurePolicy(public=True, min_n=3)
    >>> result = attack(people, [everyone], policy, ((1, 1), (2, 2), (3, 3)), means=False)
    >>> [(c.option, c.column, c.low, c.high) for c in result.cells]
    [('a', '1', 0, 8), ('a', '2', 0, 8), ('b', '1', 0, 8), ('b', '2', 4, 12)]
    """
    width = protection_width() if width is None else width
    positions = max(len(population.data.options),
                    *(hi for g in groups for _, hi in (g.bands or bands)))
    complete = means and population.complete
    programme = _Programme(population, groups, positions)
    programme.structure(population.complete)
    k = policy.min_n
    targets: dict[tuple[int, ...], tuple[str, str, str, str, str]] = {}
    for g, group in enumerate(groups):
        table = _table(population, group.mask, group.bands or bands)
        n = int(table.n[0])
        atoms = programme.atoms_in(g)
        sizes = {programme.n(a): 1.0 for a in atoms}
        if n == 0:
            programme.add(sizes, 0, 0)
            continue
        protected = protect(table, policy)
        small = protected.reasons[0].flat[0] == Suppression.GROUP.value if policy.active \
            else False
        programme.add(sizes, 1 if small else n, k - 1 if small else n)
        _released_cells(programme, protected, group, atoms, targets)
        if complete and not small:
            at = _position_counts(population, group.mask, positions)
            for o in range(len(programme.options)):
                total = int(sum(p * int(c) for p, c in enumerate(at[o], start=1)))
                programme.add({programme.x(a, o, p): float(p) for a in atoms
                               for p in range(1, positions + 1)}, total, total)
        if g > 0:
            _complement_cells(programme, population, groups, g, bands, k, targets)
    upper = int(groups[0].mask.sum()) if groups else 0
    ranges = programme.bounds([{j: 1.0 for j in key} for key in targets], upper)
    cells = [CellRange(group_key, option, label, column, kind, low, high)
             for (group_key, option, label, column, kind), (low, high)
             in zip(targets.values(), ranges, strict=True)]
    return Attack(population.name, tuple(groups), tuple(cells), width)


def _columns(table: BandTable, with_unranked: bool) -> list[list[int]]:
    """Each table column as the positions it sums (0 = not ranked)."""
    columns = [list(range(lo, hi + 1)) for lo, hi in table.bands]
    return [*columns, [0]] if with_unranked else columns


def _released_cells(programme: _Programme, protected: ProtectedTable, group: Group,
                    atoms: list[int], targets: dict[tuple[int, ...], Any]) -> None:
    """Shown cells become constraints, suppressed ones targets."""
    table = protected.table
    n = int(table.n[0])
    columns = _columns(table, protected.shows_unranked)
    for o, code in enumerate(programme.options):
        for c, positions in enumerate(columns):
            row = programme.cell(atoms, o, positions)
            if protected.reasons[0, o, c] == Suppression.NONE.value:
                low, high = _count_range(percent(int(protected.counts[0, o, c]), n), n)
                programme.add(row, low, high)
            else:
                targets.setdefault(tuple(sorted(row)), (
                    group.key, code, table.labels.get(code, code), protected.columns[c],
                    "suppressed"))


def _complement_cells(programme: _Programme, population: Population, groups: Sequence[Group],
                      g: int, bands: Sequence[tuple[int, int]], k: int,
                      targets: dict[tuple[int, ...], Any]) -> None:
    """Cells counting 1 .. k-1 in the complement of group ``g`` are protected too."""
    outside = groups[0].mask & ~groups[g].mask
    if not outside.any():
        return
    table = _table_outside(population, groups[0].mask, groups[g].mask, bands)
    shows_unranked = bool(np.asarray(table.unranked).any())
    counts = np.asarray(table.counts[0])
    if shows_unranked:
        counts = np.concatenate([counts, np.asarray(table.unranked[0])[:, None]], axis=1)
    atoms = [a for a in programme.atoms_in(0) if not programme.atoms[a, g]]
    columns = _columns(table, shows_unranked)
    labels = [*table.band_labels, "unranked"]
    for o, code in enumerate(programme.options):
        for c, positions in enumerate(columns):
            if 0 < int(counts[o, c]) < k:
                row = programme.cell(atoms, o, positions)
                targets.setdefault(tuple(sorted(row)), (
                    groups[g].key, code, table.labels.get(code, code), labels[c],
                    "complement"))


def _position_counts(population: Population, mask: np.ndarray, positions: int
                     ) -> np.ndarray:
    """Per option, how many of the group put it at each position 1..positions (one table
    for every option: a table per option made the attack ten times slower)."""
    single = tuple((p, p) for p in range(1, positions + 1))
    return np.asarray(_table(population, mask, single).counts[0])


# -- the release ------------------------------------------------------------------


def _field_groups(population: Population, name: str) -> list[Group]:
    # Factorised as they are, then the few distinct values named and sorted: turning
    # 100,000 values into text first took a tenth of a second per field.
    codes, uniques = population.factorised(name)
    names = [str(value) for value in uniques]
    if (codes < 0).any():  # missing (None or NaN)
        names.append("(missing)")
        codes = np.where(codes < 0, len(names) - 1, codes)
    shown = sorted(set(names))
    position = np.array([shown.index(n) for n in names], dtype=np.int64)
    of = position[codes] if len(codes) else codes
    return [Group(f"{population.name}: {value}", f"--by {name}", of == i)
            for i, value in enumerate(shown)]


def _unprotected_complement(population: Population, groups: Sequence[Group],
                            policy: DisclosurePolicy, bands: Sequence[tuple[int, int]]
                            ) -> str | None:
    """The practical rule: no complement count of 1 .. k-1 shown by subtraction."""
    everyone = np.ones(len(population.data.ranks), dtype=bool)
    whole = protect(_table(population, everyone, bands), policy)
    k = policy.min_n
    for group in groups:
        outside = everyone & ~group.mask
        size = int(_table(population, group.mask, bands).n[0])
        if 0 < size < k:
            # Its table is suppressed whole, but the other groups' tables and the
            # population's give its complement; merging small groups is the fix.
            return (f"the group {group.key} has fewer than {k} respondents, so the other "
                    f"groups' public tables leave it unprotected beside the "
                    f"{population.name} table")
        if not outside.any():
            continue
        part = protect(_table(population, group.mask, bands), policy)
        rest = _table_outside(population, everyone, group.mask, bands)
        counts = np.asarray(rest.counts[0])
        shown = (~whole.suppressed[0][:, :counts.shape[1]]) & \
            (~part.suppressed[0][:, :counts.shape[1]])
        leaks = (counts > 0) & (counts < k) & shown
        if leaks.any():
            o, c = (int(i) for i in np.argwhere(leaks)[0])
            code = rest.options[o]
            return (f"the public {group.key} table and the {population.name} table together "
                    f"show the {int(rest.n[0])} respondent(s) outside {group.key} cell by "
                    f"cell, and their cell '{rest.labels.get(code, code)}' / "
                    f"'{rest.band_labels[c]}' rests on fewer than {k} respondents")
    return None


def public_release(populations: Sequence[Population], policy: DisclosurePolicy, *,
                   bands: Sequence[tuple[int, int]] | None = None,
                   width: int | None = None) -> Release:
    """Enumerate the release (see the module docstring) and attack it.

    Returns
    -------
    Release
        ``fields``: the ``--by`` fields released (field -> how); ``refused``:
        field -> why it is not; ``attacks``: the attack on each population's
        released groups. ``failures`` lists protected cells narrowed below the
        width even without any ``--by`` field.
    """
    chosen = tuple(bands) if bands is not None else release_bands()
    width = protection_width() if width is None else width
    key = (_fingerprint(populations), policy, chosen, width)
    # One attack at a time: a visitor arriving while the server warms the views waits
    # for that attack's result instead of running the same seconds of work beside it.
    with _ATTACKING:
        if key not in _RELEASES:
            if len(_RELEASES) >= 8:
                _RELEASES.pop(next(iter(_RELEASES)))
            _RELEASES[key] = _public_release(populations, policy, chosen, width)
        return _RELEASES[key]


#: Threads solving the attacker's integer programmes: one per core, at most two (the
#: programmes of one attack are few; more threads would only crowd the server).
_SOLVERS = max(1, min(2, os.cpu_count() or 1))

#: Releases already attacked in this process, by the data's fingerprint (the explorer
#: and a test session ask for the same release again and again).
_RELEASES: dict[tuple[Any, ...], Release] = {}
_ATTACKING = threading.Lock()


def _fingerprint(populations: Sequence[Population]) -> tuple[Any, ...]:
    """The content of the data: any change in a ranking or a field is a new release."""
    return tuple((p.name, p.data.options, tuple(p.fields.columns), p.data.rule, p.digest)
                 for p in populations)


def _public_release(populations: Sequence[Population], policy: DisclosurePolicy,
                    chosen: tuple[tuple[int, int], ...], width: int) -> Release:
    means = all(p.complete for p in populations)
    attacks = []
    fields: dict[str, str] = {}
    refused: dict[str, str] = {}
    names = [str(c) for p in populations for c in p.fields.columns]
    for population in populations:
        everyone = Group(population.name, "the population's table",
                         np.ones(len(population.data.ranks), dtype=bool))
        released = [everyone]
        result = attack(population, released, policy, chosen, means=means, width=width)
        if policy.active and not result.failures:
            for name in dict.fromkeys(names):
                if name not in population.fields.columns or name in refused:
                    continue
                candidate = _field_groups(population, name)
                if len(candidate) < 2:
                    continue
                reason = _unprotected_complement(population, candidate, policy, chosen)
                trial = None if reason else attack(population, released + candidate, policy,
                                                   chosen, means=means, width=width)
                if trial is not None and trial.failures:
                    reason = trial.failures[0].describe() + " by the tables together"
                if reason:
                    refused[name] = reason
                    continue
                released += candidate
                result = trial or result
        attacks.append(result)
    for name in dict.fromkeys(names):
        if name not in refused:
            fields[name] = f"--by {name}"
    return Release(policy=policy, bands=chosen, attacks=tuple(attacks), fields=fields,
                   refused=refused, means=means)


def _bands_text(bands: Sequence[tuple[int, int]]) -> str:
    return ",".join(f"{lo}-{hi}" if hi != lo else str(lo) for lo, hi in bands)


def _refuse(message: str) -> LandscapeError:
    return LandscapeError.of("X108", message)


def _check_request(chosen: tuple[tuple[int, int], ...], *,
                   bands: Sequence[tuple[int, int]] | None, by: str | None,
                   where: Mapping[str, Sequence[str]], top: int | None,
                   method: str | None) -> None:
    """The practical rules that need no attack: one banding, one top, linear methods."""
    if bands is not None and tuple(bands) != chosen:
        raise _refuse(f"--bands {_bands_text(bands)} is not this release's banding "
                      f"({_bands_text(chosen)}, LANDSCAPE_RELEASE_BANDS): two bandings of "
                      "the same respondents, subtracted, reveal cells each one suppresses")
    if top is not None and (chosen[0][0] != 1 or top != chosen[0][1]):
        raise _refuse(f"--top {top} is not the release's first band ({_bands_text(chosen[:1])}"
                      "): a top share over other places is another banding")
    if method is not None and method not in LINEAR_METHODS:
        raise _refuse(f"--method {method} depends on pairwise preferences the release check "
                      f"cannot audit; public consensus uses {' or '.join(LINEAR_METHODS)}")
    if by and where:
        raise _refuse("public outputs take --by or one --where, not both (their crossed "
                      "groups are not part of the release)")
    if len(where) > 1 or any(len(values) != 1 for values in where.values()):
        raise _refuse("a public output takes one --where FIELD=VALUE: other subsets are not "
                      "part of the release")


def _check_membership(release: Release, *, by: str | None, where: Mapping[str, Sequence[str]],
                      linear: bool) -> None:
    """The output must be one the release holds."""
    if linear and not release.means:
        raise _refuse("public compare and consensus need complete rankings without ties "
                      "(their mean ranks are audited as sums of positions)")
    for name in ([by] if by else []) + list(where):
        if name in release.refused:
            option = f"grouping by '{name}'" if by else f"--where {name}=..."
            raise _refuse(f"{option} is refused in public mode: {release.refused[name]}")


def check_public_release(populations: Sequence[Population], policy: DisclosurePolicy, *,
                         bands: Sequence[tuple[int, int]] | None = None,
                         by: str | None = None,
                         where: Mapping[str, Sequence[str]] | None = None,
                         top: int | None = None, method: str | None = None,
                         width: int | None = None) -> Release | None:
    """Refuse a public output that is not part of a release passing the attack.

    Parameters
    ----------
    populations
        The data (:func:`store_populations` or :func:`population_from_data`).
    policy
        The output's policy; an internal one is not checked (returns None).
    bands
        The banding asked for (None: the release's).
    by, where
        The grouping and filter asked for (``where``: field -> values).
    top
        ``landscape compare``'s top places.
    method
        ``landscape consensus``'s method.
    width
        Protection width (default: the setting).

    Returns
    -------
    Release or None
        The release (for callers that need its groups), None for internal outputs.

    Raises
    ------
    LandscapeError
        ``X108`` naming the option refused, or the protected cell that leaks
        (where it is, never its value) and how to fix it.

    Examples
    --------
    >>> ranks = pd.DataFrame([[1, 2, 3]] * 6 + [[2, 1, 3]] * 2 + [[3, 2, 1]] * 4,
    ...                      columns=list("abc"), dtype="Int64")
    >>> people = [Population("all", RankingData(ranks, tuple("abc")))]
    >>> policy = DisclosurePolicy(public=True, min_n=3)
    >>> check_public_release(people, policy, bands=((1, 1), (2, 3)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error X108 ... --bands 1,2-3 is not this release's banding ...
    ...
    """
    if not policy.public:
        return None
    chosen = dict(where or {})
    _check_request(release_bands(), bands=bands, by=by, where=chosen, top=top, method=method)
    release = public_release(populations, policy, width=width)
    _check_membership(release, by=by, where=chosen, linear=top is not None or method is not None)
    failures = release.failures
    if failures:
        first = failures[0]
        raise _refuse(f"{first.describe()} when the release's public outputs are attacked "
                      f"together (protection width {release.attacks[0].width}, "
                      "LANDSCAPE_PROTECTION_WIDTH)" + (f"; {len(failures) - 1} more cell(s) "
                                                       "likewise" if len(failures) > 1 else ""))
    return release


# -- public compare and consensus -------------------------------------------------


def suppressed_top_shares(data: RankingData, policy: DisclosurePolicy,
                          bands: Sequence[tuple[int, int]] | None = None, *,
                          any_band: bool = False) -> dict[str, bool]:
    """Option -> whether the public table suppresses its first-band (top) share.

    The top share of ``landscape compare --public`` is the first band of the
    release's table, so it is shown exactly where that table shows it. With
    ``any_band``: whether any cell of the option's row is suppressed.
    """
    chosen = tuple(bands) if bands is not None else release_bands()
    table = band_table(data, bands=chosen, by=["g"] * len(data.ranks))
    hidden = protect(table, policy).suppressed[0]
    return {code: bool(hidden[o].any() if any_band else hidden[o, 0])
            for o, code in enumerate(data.options)}


def public_comparison(result: Any, groups: Mapping[str, RankingData], a: str, b: str,
                      policy: DisclosurePolicy,
                      bands: Sequence[tuple[int, int]] | None = None) -> Any:
    """A :class:`~survey.ranking.compare.GroupComparison` as a public release may show it.

    A top share the public table suppresses is withheld (NaN), and with it the
    difference; the Mann-Whitney test and the rank-biserial (not linear in the
    counts the release attack models) are withheld for every option with any
    suppressed cell in either group's public table; the reading says so.
    Cochran's Q of a group is withheld when any of its top shares is.
    Mean ranks stay: the attack includes them.
    """
    # Deferred: survey.ranking.compare loads scipy.stats and statsmodels, needed here only.
    from survey.ranking.compare import Share

    hidden_a = suppressed_top_shares(groups[a], policy, bands)
    hidden_b = suppressed_top_shares(groups[b], policy, bands)
    row_a = suppressed_top_shares(groups[a], policy, bands, any_band=True)
    row_b = suppressed_top_shares(groups[b], policy, bands, any_band=True)
    nan = float("nan")
    rows = []
    for row in result.rows:
        withheld_a, withheld_b = hidden_a.get(row.option_a, False), hidden_b.get(
            row.option_b, False)
        # The test reads the option's whole distribution: withheld when any of its cells is.
        untested = row_a.get(row.option_a, False) or row_b.get(row.option_b, False)
        if not (withheld_a or withheld_b or untested):
            rows.append(row)
            continue

        def hide(share: Any, withheld: bool) -> Any:
            return Share(0, share.n, nan, nan, nan, True) if withheld else share

        shares = withheld_a or withheld_b
        rows.append(replace(
            row, top_a=hide(row.top_a, withheld_a), top_b=hide(row.top_b, withheld_b),
            u=nan, p=nan, p_holm=nan, rank_biserial=nan,
            top_difference=nan if shares else row.top_difference,
            top_difference_low=nan if shares else row.top_difference_low,
            top_difference_high=nan if shares else row.top_difference_high,
            reading=(f"{row.label}: mean rank {row.mean_rank_a:.1f} vs {row.mean_rank_b:.1f}; "
                     f"a share of this option rests on fewer than {policy.min_n} "
                     "respondents in the public table, so "
                     + ("its top share and " if shares else "")
                     + "the test are not shown in a public release.")))
    within = {}
    for key, found in result.within.items():
        hidden = hidden_a if key == a else hidden_b
        within[key] = (replace(found, cochran_q=nan, cochran_p=nan)
                       if found is not None and any(hidden.values()) else found)
    note = (result.note + " " if result.note else "") + (
        f"Public release: shares resting on fewer than {policy.min_n} respondents are shown as "
        "[c], with their difference and test.")
    return replace(result, rows=rows, within=within, note=note)
