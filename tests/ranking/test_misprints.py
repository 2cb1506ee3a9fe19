"""The fewest wrong cells, checked against an exhaustive enumeration of ranking data.

The brute force here does not use the theory of :mod:`survey.ranking.misprints`:
it builds every count table that multisets of actual rankings (complete, or top-t
partial) give on a small table, prints each under the rounding rule and base,
and takes the least number of printed cells that differ.
"""

from __future__ import annotations

import functools
import itertools
import random
from fractions import Fraction

import numpy as np
import pytest

from survey.ranking.bands import round_percent
from survey.ranking.misprints import _kept_counts, band_vector, fewest_wrong

Table = tuple[tuple[int, ...], ...]
WIDTHS = (2, 2)
K = 4


def _band_of(position: int, widths: tuple[int, ...]) -> int:
    edge = 0
    for b, w in enumerate(widths):
        edge += w
        if position <= edge:
            return b
    raise AssertionError(position)


@functools.cache
def _patterns(tops: tuple[int, ...], widths: tuple[int, ...] = WIDTHS) -> tuple[Table, ...]:
    """Every distinct count table of ONE respondent, from every ranking of each length."""
    k = sum(widths)
    out = set()
    for t in tops:
        for ranked in itertools.permutations(range(k), t):  # ranked[p] at position p + 1
            table = [[0] * len(widths) for _ in range(k)]
            for p, option in enumerate(ranked):
                table[option][_band_of(p + 1, widths)] = 1
            out.add(tuple(tuple(r) for r in table))
    return tuple(sorted(out))


@functools.cache
def _reachable(respondents: int, tops: tuple[int, ...],
               widths: tuple[int, ...] = WIDTHS) -> frozenset[Table]:
    """Count tables of exactly ``respondents`` rankings (multisets, built one at a time)."""
    k = sum(widths)
    if respondents == 0:
        return frozenset({tuple((0,) * len(widths) for _ in range(k))})
    out = set()
    for table in _reachable(respondents - 1, tops, widths):
        for pattern in _patterns(tops, widths):
            out.add(tuple(tuple(a + b for a, b in zip(r, q, strict=True))
                          for r, q in zip(table, pattern, strict=True)))
    return frozenset(out)


@functools.cache
def _printed(n: int, tops: tuple[int, ...], base: str, rounding: str) -> np.ndarray:
    """Every printed table the design gives, as an array (tables x cells)."""
    sizes = [n] if base == "common" else range(1, n + 1)
    out = set()
    for size in sizes:
        for table in _reachable(size, tops):
            bases = [n if base == "common" else sum(r) for r in table]
            if min(bases) == 0:
                continue
            out.add(tuple(_round(c, m, rounding) for r, m in zip(table, bases, strict=True)
                          for c in r))
    return np.array(sorted(out), dtype=np.int64)


@functools.cache
def _round(count: int, base: int, rounding: str) -> int:
    return int(round_percent(count, base, 0, rounding))


def _brute_fewest(printed: list[list[int]], n: int, tops: tuple[int, ...] = (K,),
                  base: str = "common", rounding: str = "half-up",
                  free: tuple[tuple[int, int], ...] = ()) -> int:
    flat = np.array([v for r in printed for v in r], dtype=np.int64)
    keep = np.array([(i, j) not in free for i in range(K) for j in range(len(WIDTHS))])
    tables = _printed(n, tops, base, rounding)
    return int(((tables != flat) & keep).sum(axis=1).min())


def _cases(n: int, tops: tuple[int, ...], base: str, rounding: str, count: int,
           seed: int) -> list[list[list[int]]]:
    """Printed tables the design gives, perturbed ones, and random ones."""
    rng = random.Random(seed)
    tables = _printed(n, tops, base, rounding)
    out = []
    for _ in range(count):
        row = tables[rng.randrange(len(tables))]
        values = [int(v) for v in row]
        for _ in range(rng.choice([0, 1, 2, 3])):
            values[rng.randrange(len(values))] = rng.randrange(0, 101)
        out.append([values[i * 2:i * 2 + 2] for i in range(K)])
    for _ in range(count // 2):
        out.append([[rng.randrange(0, 101) for _ in WIDTHS] for _ in range(K)])
    return out


def test_band_vector() -> None:
    assert [band_vector(t, [2, 2]) for t in range(1, 5)] == [(1, 0), (2, 0), (2, 1), (2, 2)]
    assert band_vector(7, [3, 3, 3]) == (3, 3, 1)


def _margin_tables(n: int, widths: tuple[int, ...]) -> set[Table]:
    k = sum(widths)
    rows = [r for r in itertools.product(range(n + 1), repeat=len(widths)) if sum(r) == n]
    return {combo for combo in itertools.product(rows, repeat=k)
            if all(sum(r[j] for r in combo) == widths[j] * n for j in range(len(widths)))}


@pytest.mark.parametrize("n", range(1, 9))
def test_margins_are_exactly_the_tables_of_complete_rankings(n: int) -> None:
    # Birkhoff-von Neumann for band tables: an integer table is the band table of n
    # complete rankings if and only if rows sum to n and band b to w_b * n.
    assert _reachable(n, (K,)) == _margin_tables(n, WIDTHS)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_three_bands_margins_match_rankings(n: int) -> None:
    widths = (1, 2, 1)
    assert _reachable(n, (4,), widths) == _margin_tables(n, widths)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_per_length_conditions_are_exactly_the_tables_of_partial_rankings(n: int) -> None:
    # Respondents of one length t: columns sum to c_b(t) * N and rows to at most N.
    for t in range(1, K + 1):
        vec = band_vector(t, WIDTHS)
        cells = [range(n + 1)] * (K * len(WIDTHS))
        expected = set()
        for flat in itertools.product(*cells):
            table = tuple(tuple(flat[i * 2:i * 2 + 2]) for i in range(K))
            if (all(sum(r[b] for r in table) == vec[b] * n for b in range(2))
                    and all(sum(r) <= n for r in table)):
                expected.add(table)
        assert _reachable(n, (t,)) == expected, t


@pytest.mark.parametrize("n", [3, 5, 8])
@pytest.mark.parametrize("rounding", ["half-up", "half-even", "down", "up"])
def test_complete_rankings_match_brute_force(n: int, rounding: str) -> None:
    for printed in _cases(n, (K,), "common", rounding, count=6, seed=n):
        got = fewest_wrong(printed, n, WIDTHS, rounding=rounding, spread=False)
        assert got.fewest == _brute_fewest(printed, n, rounding=rounding), printed
        # The table found is one the design gives, and it keeps every other cell.
        assert tuple(tuple(int(c) for c in r) for r in got.counts) in _reachable(n, (K,))
        kept = [(i, j) for i in range(K) for j in range(2) if (i, j) not in got.wrong]
        assert all(got.reprinted[i][j] == printed[i][j] for i, j in kept)


@pytest.mark.parametrize("n", [4, 7])
def test_spread_keeps_as_many_cells(n: int) -> None:
    for printed in _cases(n, (K,), "common", "half-up", count=4, seed=10 + n):
        plain = fewest_wrong(printed, n, WIDTHS, spread=False)
        spread = fewest_wrong(printed, n, WIDTHS)
        assert spread.fewest == plain.fewest


@pytest.mark.parametrize("n", [3, 5])
def test_top_k_with_common_base_matches_brute_force(n: int) -> None:
    for k in (1, 2, 3):
        for printed in _cases(n, (k, K), "common", "half-up", count=4, seed=20 + k):
            got = fewest_wrong(printed, n, WIDTHS, tops=[k, K], spread=False)
            assert got.fewest == _brute_fewest(printed, n, (k, K)), (k, printed)


@pytest.mark.parametrize("n", [2, 4])
def test_per_option_bases_match_brute_force(n: int) -> None:
    tops = (1, 2, 3, 4)
    for printed in _cases(n, tops, "per-option", "half-up", count=8, seed=30 + n):
        got = fewest_wrong(printed, n, WIDTHS, tops=tops, base="per-option", spread=False)
        assert got.fewest == _brute_fewest(printed, n, tops, "per-option"), printed
        assert got.bases == tuple(int(r.sum()) for r in got.counts)
        assert 1 <= sum(got.respondents.values()) <= n


@pytest.mark.slow
def test_per_option_bases_match_brute_force_n6() -> None:
    tops = (1, 2, 3, 4)
    for printed in _cases(6, tops, "per-option", "half-up", count=4, seed=36):
        got = fewest_wrong(printed, 6, WIDTHS, tops=tops, base="per-option", spread=False)
        assert got.fewest == _brute_fewest(printed, 6, tops, "per-option"), printed


def test_free_cells_are_not_counted() -> None:
    n = 5
    free = ((1, 0), (1, 1))
    for printed in _cases(n, (K,), "common", "half-up", count=6, seed=40):
        got = fewest_wrong(printed, n, WIDTHS, free=free, spread=False)
        assert got.fewest == _brute_fewest(printed, n, free=free)
        assert got.cells == 6 and not set(got.wrong) & set(free)


def test_hand_worked() -> None:
    # Two people, one option first each time: 50/50 is the only even split.
    result = fewest_wrong([[100, 0], [100, 0], [0, 100], [0, 100]], 2, WIDTHS)
    assert result.fewest == 0 and result.counts.tolist() == [[2, 0], [2, 0], [0, 2], [0, 2]]
    # Three options all printed 100% in a band of two: one of those rows is wrong in
    # both cells (its count in band 1 decides both).
    result = fewest_wrong([[100, 0], [100, 0], [100, 0], [0, 100]], 3, WIDTHS)
    assert result.fewest == 2 and len({i for i, _ in result.wrong}) == 1
    assert result.wrong[0][0] in (0, 1, 2)
    assert fewest_wrong([[33, 67]] * 2, 3, [1, 1]).fewest == 2  # columns would sum to 2/3


@pytest.mark.parametrize("rounding", ["half-up", "half-even", "down", "up"])
def test_kept_counts_are_the_run_a_scan_finds(rounding: str) -> None:
    for base in (1, 7, 17, 35):
        for precision in (0, 1):
            for value in [Fraction(v, 10**precision) for v in range(0, 101 * 10**precision,
                                                                    7)]:
                scan = [c for c in range(base + 1)
                        if round_percent(c, base, precision, rounding) == value]
                expected = (scan[0], scan[-1]) if scan else None
                assert _kept_counts(value, base, precision, rounding) == expected
