"""Power, bootstrap and permutation figures against simulation, scipy, enumeration and choix."""

from __future__ import annotations

import doctest
import itertools
import math

import choix
import numpy as np
import pytest
from scipy.stats import chi2, mannwhitneyu, norm

import survey.ranking.evidence
from survey.errors import LandscapeError
from survey.ranking.evidence import (
    mean_rank_permutation,
    minimum_detectable_r,
    plackett_luce_lrt,
    rank_biserial,
    rank_biserial_intervals,
)


def test_examples() -> None:
    result = doctest.testmod(survey.ranking.evidence, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def complete_positions(rng: np.random.Generator, n: int, k: int,
                       bias: np.ndarray | None = None) -> np.ndarray:
    scores = rng.normal(size=(n, k)) + (0 if bias is None else bias)
    return (np.argsort(np.argsort(-scores, axis=1), axis=1) + 1).astype(float)


# -- minimum detectable difference ----------------------------------------------------


def test_demo_figures_for_the_minimum_detectable_difference() -> None:
    # the issue's figures: 35 vs 17 respondents, 9 options compared
    assert round(minimum_detectable_r(35, 17), 2) == 0.48
    assert round(minimum_detectable_r(35, 17, alpha=0.05 / 9), 2) == 0.62
    assert minimum_detectable_r(3, 2) == 1.0


@pytest.mark.slow
@pytest.mark.parametrize(("n_a", "n_b", "alpha"), [(35, 17, 0.05), (35, 17, 0.05 / 9)])
def test_minimum_detectable_difference_has_80_percent_power_by_simulation(
        n_a: int, n_b: int, alpha: float) -> None:
    r = minimum_detectable_r(n_a, n_b, alpha)
    # normal shift with P(A above B) = (1 + r) / 2: shift = sqrt(2) * Phi^-1((1 + r) / 2)
    shift = math.sqrt(2) * float(norm.ppf((1 + r) / 2))
    rng = np.random.default_rng(1)
    reps = 4000
    x = rng.normal(size=(reps, n_a)) - shift  # smaller position = placed higher
    y = rng.normal(size=(reps, n_b))
    p = mannwhitneyu(x, y, alternative="two-sided", axis=1).pvalue
    power = float((p < alpha).mean())
    # Noether's null-variance approximation errs on the safe side: 84% and 86% here
    assert 0.8 <= power <= 0.9


# -- rank-biserial and its bootstrap interval --------------------------------------


def test_rank_biserial_matches_scipy_u() -> None:
    rng = np.random.default_rng(2)
    x, y = complete_positions(rng, 20, 5)[:, 0], complete_positions(rng, 13, 5)[:, 0]
    u_x = float(mannwhitneyu(x, y).statistic)  # pairs with x above (larger) y, ties half
    assert rank_biserial(x, y) == pytest.approx(1 - 2 * u_x / (20 * 13))


def test_rank_biserial_intervals_match_an_independent_bootstrap() -> None:
    rng = np.random.default_rng(3)
    pos_a, pos_b = complete_positions(rng, 15, 4), complete_positions(rng, 9, 4)
    bounds = rank_biserial_intervals(pos_a, pos_b, resamples=150, seed=9)
    draws = np.random.default_rng(9)
    index_a = draws.integers(0, 15, size=(150, 15))
    index_b = draws.integers(0, 9, size=(150, 9))
    for j in range(4):
        values = []
        for ia, ib in zip(index_a, index_b, strict=True):
            u_x = float(mannwhitneyu(pos_a[ia, j], pos_b[ib, j]).statistic)
            values.append(1 - 2 * u_x / (15 * 9))
        assert bounds[j] == pytest.approx(np.percentile(values, [2.5, 97.5]))


# -- the test across all options ---------------------------------------------------


def test_mean_rank_permutation_matches_full_enumeration() -> None:
    rng = np.random.default_rng(4)
    pos_a = complete_positions(rng, 4, 3, bias=np.array([1.0, 0, 0]))
    pos_b = complete_positions(rng, 4, 3)
    pos = np.vstack([pos_a, pos_b])

    def distance(a_rows: tuple[int, ...]) -> float:
        in_a = np.isin(np.arange(8), a_rows)
        return float(((pos[in_a].mean(axis=0) - pos[~in_a].mean(axis=0)) ** 2).sum())

    observed = distance((0, 1, 2, 3))
    splits = [distance(rows) for rows in itertools.combinations(range(8), 4)]
    exact = sum(s >= observed - 1e-12 for s in splits) / len(splits)
    found = mean_rank_permutation(pos_a, pos_b, permutations=9999, seed=1)
    assert found.statistic == pytest.approx(observed)
    assert found.p == pytest.approx(exact, abs=0.015)


def test_permutation_settings_are_checked() -> None:
    with pytest.raises(LandscapeError) as info:
        mean_rank_permutation(np.ones((2, 2)), np.ones((2, 2)), permutations=0)
    assert info.value.issues[0].code == "A153"


# -- Plackett-Luce likelihood ratio ------------------------------------------------


def choix_loglik(positions: np.ndarray) -> float:
    """Maximised log-likelihood of complete rankings, worths from choix."""
    k = positions.shape[1]
    data = [list(np.argsort(row)) for row in positions]
    params = choix.mm_rankings(k, data, alpha=0.0, max_iter=100_000, tol=1e-13)
    total = 0.0
    for order in data:
        for i in range(k - 1):
            rest = params[order[i:]]
            total += params[order[i]] - math.log(np.exp(rest).sum())
    return total


def test_plackett_luce_lrt_matches_choix_and_chi_square() -> None:
    rng = np.random.default_rng(6)
    pos_a = complete_positions(rng, 25, 4, bias=np.array([0.8, 0, 0, 0]))
    pos_b = complete_positions(rng, 20, 4)
    found = plackett_luce_lrt(pos_a, pos_b, permutations=49, seed=2)
    expected = 2 * (choix_loglik(pos_a) + choix_loglik(pos_b)
                    - choix_loglik(np.vstack([pos_a, pos_b])))
    assert found.statistic == pytest.approx(expected, rel=1e-6)
    assert found.df == 3
    assert found.p_asymptotic == pytest.approx(float(1 - chi2.cdf(expected, 3)), rel=1e-5)
    assert 0 < found.p_permutation <= 1 and found.permutations == 49


def test_plackett_luce_permutation_p_matches_an_independent_relabelling_with_choix() -> None:
    rng = np.random.default_rng(8)
    pos_a = complete_positions(rng, 14, 4, bias=np.array([0.6, 0, 0, 0]))
    pos_b = complete_positions(rng, 10, 4)
    found = plackett_luce_lrt(pos_a, pos_b, permutations=30, seed=5)
    pos = np.vstack([pos_a, pos_b])
    pooled = choix_loglik(pos)

    def g(in_a: np.ndarray) -> float:
        return 2 * (choix_loglik(pos[in_a]) + choix_loglik(pos[~in_a]) - pooled)

    labels = np.arange(24) < 14
    observed = g(labels)
    draws = np.random.default_rng(5)
    extreme = sum(g(labels[draws.permutation(24)]) >= observed - 1e-9 for _ in range(30))
    assert found.statistic == pytest.approx(observed, rel=1e-6)
    assert found.p_permutation == pytest.approx((1 + extreme) / 31)
