"""Non-response against the frame: the table and its test, checked against scipy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.stats import chi2_contingency, fisher_exact, hypergeom

from survey.errors import LandscapeError
from survey.stats.nonresponse import nonresponse_test


def test_chi_square_matches_scipy() -> None:
    frame, yes = [193, 32, 21, 30], [60, 5, 4, 10]
    test = nonresponse_test("nation", ["e", "s", "w", "n"], frame, yes)
    table = np.array([yes, np.subtract(frame, yes)])
    expected = chi2_contingency(table, correction=False)
    assert test.method == "chi-square"
    assert test.statistic == pytest.approx(expected.statistic)
    assert test.p_value == pytest.approx(expected.pvalue)
    assert test.dof == expected.dof == 3
    assert test.cramers_v == pytest.approx(math.sqrt(expected.statistic / sum(frame)))
    assert [r.nonrespondents for r in test.rows] == [133, 27, 17, 20]


def test_two_groups_with_small_expected_counts_use_fisher() -> None:
    test = nonresponse_test("nation", ["a", "b"], [10, 12], [1, 6])
    assert test.method == "Fisher exact" and "unsafe" in test.note
    assert test.p_value == pytest.approx(fisher_exact([[1, 6], [9, 6]]).pvalue)


def _chi_square(frame: list[int], responded: int, yes: tuple[int, ...]) -> float:
    p = responded / sum(frame)
    return sum((y - f * p) ** 2 / (f * p) + ((f - y) - f * (1 - p)) ** 2 / (f * (1 - p))
               for f, y in zip(frame, yes, strict=True))


def test_monte_carlo_exact_test_agrees_with_enumeration() -> None:
    frame, yes = [6, 8, 5, 9], [0, 4, 1, 6]
    test = nonresponse_test("region", ["a", "b", "c", "d"], frame, yes, draws=40_000)
    assert test.method == "exact (Monte Carlo)"
    def stat(t: tuple[int, ...]) -> float:
        return _chi_square(frame, sum(yes), t)

    observed = stat(tuple(yes))
    assert test.statistic == pytest.approx(observed)
    total, responded = sum(frame), sum(yes)
    tables = [t for t in itertools.product(*(range(f + 1) for f in frame))
              if sum(t) == responded]
    exact = 0.0
    for t in tables:
        if stat(t) >= observed - 1e-9:
            prob, left, need = 1.0, total, responded
            for f, y in zip(frame, t, strict=True):
                prob *= hypergeom.pmf(y, left, need, f)
                left -= f
                need -= y
            exact += prob
    # 40,000 draws: the Monte Carlo standard error is under 0.0025.
    assert test.p_value == pytest.approx(exact, abs=0.01)
    # Seeded: the same p-value every time.
    again = nonresponse_test("region", ["a", "b", "c", "d"], frame, yes, draws=40_000)
    assert again.p_value == test.p_value


def test_nothing_to_test_says_why() -> None:
    assert "nobody responded" in nonresponse_test("n", ["a", "b"], [3, 4], [0, 0]).note
    assert nonresponse_test("n", [], [], []).note == "nobody is in the frame"
    one = nonresponse_test("n", ["a"], [3], [1])
    assert math.isnan(one.p_value) and "Not tested" in one.reading()


def test_bad_counts_are_a181() -> None:
    with pytest.raises(LandscapeError, match="A181"):
        nonresponse_test("n", ["a", "b"], [3, 4], [4, 0])
