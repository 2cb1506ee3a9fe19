"""Disclosure control: hand-worked suppression cases and the non-recoverability property.

The property is checked with plain linear algebra, independently of the
implementation's graph (bridge) argument: with the row and column totals known,
a suppressed cell is determined exactly when its unit vector lies in the row
space of the constraint matrix restricted to the suppressed cells. A second,
stronger check uses linear programming (scipy) with the counts' non-negativity.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from survey.errors import LandscapeError
from survey.export.disclosure import (
    DisclosurePolicy,
    Suppression,
    protect,
    secondary_suppression,
)
from survey.instrument.model import RankingRule
from survey.ranking.bands import band_table


def constraints(shape: tuple[int, int]) -> np.ndarray:
    """Row-sum and column-sum equations over the flattened cells."""
    rows, cols = shape
    matrix = np.zeros((rows + cols, rows * cols))
    for i in range(rows):
        for j in range(cols):
            matrix[i, i * cols + j] = 1
            matrix[rows + j, i * cols + j] = 1
    return matrix


def determined_cells(mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells whose value follows from the row and column totals."""
    hidden = [int(k) for k in np.flatnonzero(mask.ravel())]
    if not hidden:
        return []
    restricted = constraints(mask.shape)[:, hidden]
    rank = np.linalg.matrix_rank(restricted)
    found = []
    for position, k in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[position] = 1
        if np.linalg.matrix_rank(np.vstack([restricted, unit])) == rank:
            found.append(divmod(k, mask.shape[1]))
    return found


def feasible_range(counts: np.ndarray, mask: np.ndarray, cell: tuple[int, int]
                   ) -> tuple[float, float]:
    """Smallest and largest value of ``cell`` given the shown cells, totals and x >= 0."""
    hidden = [int(k) for k in np.flatnonzero(mask.ravel())]
    matrix = constraints(mask.shape)
    totals = matrix @ counts.ravel()
    shown = np.ones(counts.size, dtype=bool)
    shown[hidden] = False
    rhs = totals - matrix[:, shown] @ counts.ravel()[shown]
    a_eq = matrix[:, hidden]
    objective = np.zeros(len(hidden))
    objective[hidden.index(cell[0] * mask.shape[1] + cell[1])] = 1
    low = linprog(objective, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=rhs, bounds=(0, None), method="highs")
    assert low.status == 0 and high.status == 0
    return float(low.fun), float(-high.fun)


def ranks(rows: list[list[int | None]], columns: str = "abc") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns)).astype("Int64")


# -- the helpers themselves ------------------------------------------------------


def test_rank_check_flags_a_lone_cell_and_passes_a_block() -> None:
    lone = np.zeros((3, 3), dtype=bool)
    lone[0, 0] = True
    assert determined_cells(lone) == [(0, 0)]
    block = np.zeros((3, 3), dtype=bool)
    block[:2, :2] = True
    assert determined_cells(block) == []


# -- policy ---------------------------------------------------------------------


def test_internal_policy_suppresses_nothing_and_says_so() -> None:
    table = band_table(ranks([[1, 2, 3], [2, 1, 3]]), bands=((1, 1), (2, 2), (3, 3)))
    protected = protect(table, DisclosurePolicy(public=False, min_n=10))
    assert not protected.suppressed.any()
    assert protected.statement() == "No suppression applied (internal view): not for publication."
    assert protected.cell(0, 0, 0) == 50


def test_default_threshold_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANDSCAPE_SUPPRESSION_THRESHOLD", raising=False)
    assert DisclosurePolicy(public=True).min_n == 5
    monkeypatch.setenv("LANDSCAPE_SUPPRESSION_THRESHOLD", "7")
    policy = DisclosurePolicy(public=True)
    assert policy.min_n == 7
    assert "fewer than 7 respondents" in policy.statement()
    monkeypatch.setenv("LANDSCAPE_SUPPRESSION_THRESHOLD", "seven")
    with pytest.raises(LandscapeError) as caught:
        DisclosurePolicy(public=True)
    assert caught.value.issues[0].code == "S108"


def test_negative_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="min_n"):
        DisclosurePolicy(public=True, min_n=-1)


def test_small_group_is_suppressed_whole() -> None:
    # 4 respondents < k = 5: every share rests on too few people.
    table = band_table(ranks([[1, 2, 3]] * 4), bands=((1, 1), (2, 2), (3, 3)))
    protected = protect(table, DisclosurePolicy(public=True, min_n=5))
    assert protected.suppressed.all()
    assert set(protected.reasons.ravel()) == {Suppression.GROUP.value}
    # With the group rule off, the cell rule takes the three 4s; each is alone in its
    # line and every other cell is zero, so zeros must serve as partners here.
    cells_only = protect(table, DisclosurePolicy(public=True, min_n=5,
                                                 suppress_small_groups=False))
    assert cells_only.counts[0].tolist() == [[4, 0, 0], [0, 4, 0], [0, 0, 4]]
    assert (cells_only.reasons[0].diagonal() == Suppression.PRIMARY.value).all()
    assert cells_only.suppressed[0].sum() > 3
    assert determined_cells(cells_only.suppressed[0]) == []


def test_primary_cells_are_the_counts_1_to_k_minus_1() -> None:
    # counts per option x band, hand-built: n = 12 respondents.
    # a: 6 first, 2 second, 4 third; b: 2, 10, 0; c: 4, 0, 8.
    table = band_table(ranks([[1, 2, 3]] * 6 + [[2, 1, 3]] * 2 + [[3, 2, 1]] * 4),
                       bands=((1, 1), (2, 2), (3, 3)))
    assert table.counts[0].tolist() == [[6, 2, 4], [2, 10, 0], [4, 0, 8]]
    protected = protect(table, DisclosurePolicy(public=True, min_n=3))
    reasons = protected.reasons[0]
    # k = 3: the 2s are primary; 0s are not (a zero names no one); 4 and up are safe.
    assert reasons[0, 1] == reasons[1, 0] == Suppression.PRIMARY.value
    assert reasons[1, 2] == reasons[2, 1] == Suppression.NONE.value
    # The two primaries sit alone in their rows and columns; the cheapest cover closes
    # the 2x2 block with a-first (6) and b-second (10): 16, against any route via c.
    assert reasons[0, 0] == reasons[1, 1] == Suppression.SECONDARY.value
    assert protected.suppressed[0].sum() == 4
    assert determined_cells(protected.suppressed[0]) == []
    # Shown cells are whole percents of n, rounded half-up; hidden ones are None.
    assert protected.cell(0, 2, 0) == 33 and protected.cell(0, 0, 1) is None


def test_lone_cell_gets_the_cheapest_cycle() -> None:
    counts = np.array([[2, 8, 5], [9, 4, 7], [6, 6, 6]])
    primary = np.zeros((3, 3), dtype=bool)
    primary[0, 0] = True
    # 4-cycles through (0, 0) cost: via (1,1) 8+4+9=21, (1,2) 5+7+9=21,
    # (2,1) 8+6+6=20, (2,2) 5+6+6=17 -> the last.
    mask = secondary_suppression(counts, primary)
    assert mask.astype(int).tolist() == [[1, 0, 1], [0, 0, 0], [1, 0, 1]]


def test_zero_partners_are_a_last_resort() -> None:
    counts = np.array([[1, 0, 30], [0, 40, 50], [20, 60, 70]])
    primary = np.zeros((3, 3), dtype=bool)
    primary[0, 0] = True
    mask = secondary_suppression(counts, primary)
    assert not mask[0, 1] and not mask[1, 0]
    assert determined_cells(mask) == []
    low, high = feasible_range(counts, mask, (0, 0))
    assert low < high  # the cell can move both ways: partners are non-zero


def test_cell_determined_although_every_line_has_two_suppressed() -> None:
    # Two 2x2 blocks of small counts joined by one small cell (1, 2): every row and
    # column holds at least two suppressed cells, yet (1, 2) is a bridge - its value
    # follows from the totals. The naive "no lone cell in a line" rule misses it.
    counts = np.full((4, 4), 20)
    small = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]
    for cell in small:
        counts[cell] = 2
    primary = (counts > 0) & (counts < 3)
    assert (primary.sum(axis=0) >= 2).all() and (primary.sum(axis=1) >= 2).all()
    assert determined_cells(primary) == [(1, 2)]
    mask = secondary_suppression(counts, primary)
    assert mask.sum() > primary.sum()
    assert determined_cells(mask) == []


def test_single_line_table_cannot_be_protected_cell_by_cell() -> None:
    counts = np.array([[3, 9, 12]])
    primary = np.array([[True, False, False]])
    assert secondary_suppression(counts, primary).all()


def test_unranked_column_is_protected_like_a_band() -> None:
    # Top-2 of 3 options: the unranked counts complete each row to n.
    rows = [[1, 2, None]] * 6 + [[2, None, 1]] * 5 + [[None, 1, 2]] * 1
    data = ranks(rows)
    table = band_table(data, bands=((1, 1), (2, 2)), rule=RankingRule(mode="top_k", k=2))
    protected = protect(table, DisclosurePolicy(public=True, min_n=3))
    assert protected.columns == ("1", "2", "unranked")
    assert protected.counts[0].sum(axis=1).tolist() == [12, 12, 12]
    assert protected.suppressed[0].any()
    assert determined_cells(protected.suppressed[0]) == []


# -- the property ----------------------------------------------------------------


@st.composite
def count_tables(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    rows = draw(st.integers(2, 6))
    cols = draw(st.integers(2, 4))
    values = draw(st.lists(st.integers(0, 12), min_size=rows * cols, max_size=rows * cols))
    return np.array(values).reshape(rows, cols), draw(st.integers(2, 6))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count_tables())
def test_no_suppressed_cell_follows_from_the_totals(case: tuple[np.ndarray, int]) -> None:
    counts, k = case
    primary = (counts > 0) & (counts < k)
    mask = secondary_suppression(counts, primary)
    assert (mask >= primary).all()
    assert determined_cells(mask) == []
    if not primary.any():
        assert not mask.any()


@st.composite
def ranking_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, int]:
    options = draw(st.integers(3, 6))
    people = draw(st.integers(5, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    generator = np.random.default_rng(seed)
    orders = [generator.permutation(options) + 1 for _ in range(people)]
    return (pd.DataFrame(orders, columns=[f"o{i}" for i in range(options)]).astype("Int64"),
            draw(st.integers(2, 6)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranking_tables())
def test_band_tables_of_complete_rankings_keep_every_primary_cell_uncertain(
        case: tuple[pd.DataFrame, int]) -> None:
    frame, k = case
    options = frame.shape[1]
    bands = ((1, 1), (2, options - 1), (options, options))
    table = band_table(frame, bands=bands)
    protected = protect(table, DisclosurePolicy(public=True, min_n=k))
    mask = protected.suppressed[0]
    if protected.reasons[0, 0, 0] == Suppression.GROUP.value:
        assert mask.all() and table.n[0] < k
        return
    assert determined_cells(mask) == []
    counts = protected.counts[0]
    for cell in zip(*np.nonzero(protected.reasons[0] == Suppression.PRIMARY.value),
                    strict=True):
        low, high = feasible_range(counts, mask, (int(cell[0]), int(cell[1])))
        assert high - low >= 1 - 1e-9, (cell, low, high)


@pytest.mark.parametrize("module", ["disclosure", "tables", "charts"])
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"survey.export.{module}"),
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
