"""Weighting to the frame: hand-worked post-stratification and raking, Kish, the FPC."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from survey.errors import LandscapeError
from survey.stats.weighting import poststratify, rake, weighted_share


def _frame(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [key for key, size in cells.items() for _ in range(size)]
    return pd.DataFrame(rows, columns=["nation", "kind"])


def _sample(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["nation", "kind"], index=[f"r{i}" for i in
                                                                  range(len(rows))])


def test_poststratification_by_hand() -> None:
    frame = _frame({("e", "u"): 30, ("e", "d"): 30, ("w", "u"): 20, ("w", "d"): 20})
    sample = _sample([("e", "u")] * 3 + [("e", "d")] * 6 + [("w", "u")] * 4 + [("w", "d")])
    result = poststratify(sample, frame, ["nation", "kind"])
    # N_c / n_c: 30/3, 30/6, 20/4, 20/1.
    assert result.weights.tolist() == [10.0] * 3 + [5.0] * 6 + [5.0] * 4 + [20.0]
    assert result.weights.sum() == pytest.approx(100) and result.merged == []
    w = result.weights.to_numpy()
    assert result.design_effect == pytest.approx(14 * (w ** 2).sum() / w.sum() ** 2)
    # Kish by hand: Σw = 100, Σw² = 300 + 150 + 100 + 400 = 950; deff = 14 * 950 / 100².
    assert result.design_effect == pytest.approx(1.33)
    assert result.effective_n == pytest.approx(100 ** 2 / 950)


def test_an_empty_cell_joins_its_smallest_sibling_with_respondents() -> None:
    frame = _frame({("e", "u"): 30, ("e", "d"): 10, ("e", "x"): 5, ("w", "u"): 20})
    sample = _sample([("e", "u"), ("e", "u"), ("e", "d"), ("w", "u")])
    result = poststratify(sample, frame, ["nation", "kind"])
    # e × x (5, nobody answered) joins e × d (10, the smaller sibling): 15 / 1.
    assert result.merged == [("e × x", "e × d")]
    assert result.weights.tolist() == [15.0, 15.0, 15.0, 20.0]
    assert result.weights.sum() == pytest.approx(len(frame))


def test_raking_meets_every_margin_with_multiplicative_weights() -> None:
    frame = _frame({("e", "u"): 50, ("e", "d"): 10, ("w", "u"): 15, ("w", "d"): 25})
    sample = _sample([("e", "u")] * 5 + [("e", "d")] * 5 + [("w", "u")] * 2 + [("w", "d")] * 8)
    result = rake(sample, frame, ["nation", "kind"])
    weighted = sample.assign(w=result.weights)
    for dim in ("nation", "kind"):
        assert weighted.groupby(dim)["w"].sum().to_dict() == pytest.approx(
            frame[dim].value_counts().to_dict())
    # Raking's solution has the form w = a(nation) * b(kind): the 2 x 2 table of cell
    # weights has rank one (its determinant is zero).
    cell = weighted.groupby(["nation", "kind"])["w"].first().unstack()[["u", "d"]].to_numpy()
    assert np.linalg.det(cell) == pytest.approx(0, abs=1e-8)
    # The three margin equations, by hand (rows e, w; columns u, d):
    # 5a_e b_u + 5a_e b_d = 60, 2a_w b_u + 8a_w b_d = 40, 5a_e b_u + 2a_w b_u = 65.
    a_e_b_u, a_e_b_d = cell[0]
    a_w_b_u, a_w_b_d = cell[1]
    assert 5 * a_e_b_u + 5 * a_e_b_d == pytest.approx(60)
    assert 2 * a_w_b_u + 8 * a_w_b_d == pytest.approx(40)
    assert 5 * a_e_b_u + 2 * a_w_b_u == pytest.approx(65)


def test_raking_on_one_dimension_is_poststratification() -> None:
    frame = _frame({("e", "u"): 7, ("w", "u"): 13, ("s", "u"): 4})
    sample = _sample([("e", "u"), ("w", "u"), ("w", "u"), ("s", "u")])
    assert rake(sample, frame, ["nation"]).weights.tolist() == pytest.approx(
        poststratify(sample, frame, ["nation"]).weights.tolist())


def test_raking_merges_a_category_without_respondents() -> None:
    frame = _frame({("e", "u"): 7, ("w", "u"): 13, ("s", "u"): 4})
    sample = _sample([("e", "u"), ("w", "u")])
    result = rake(sample, frame, ["nation"])
    assert result.merged == [("s", "e")]  # into the smallest category with respondents
    assert result.weights.tolist() == pytest.approx([11.0, 13.0])


def test_weighted_share_matches_statsmodels_and_applies_the_fpc() -> None:
    flags = pd.Series([True, False, True, True, False], index=list("abcde"))
    weights = pd.Series([2.0, 5.0, 1.0, 3.0, 4.0], index=list("abcde"))
    found = weighted_share(flags, weights)
    assert found["share"] == pytest.approx(DescrStatsW(flags.astype(float), weights).mean)
    n_eff = weights.sum() ** 2 / (weights ** 2).sum()
    assert found["effective_n"] == pytest.approx(n_eff)
    low, high = proportion_confint(found["share"] * n_eff, n_eff, method="wilson")
    assert (found["ci_low"], found["ci_high"]) == pytest.approx((low, high))
    # The frame is the population: 5 of 20 responded, variance times 1 - 5/20.
    fpc = weighted_share(flags, weights, frame_size=20)
    n_star = n_eff / (1 - 5 / 20)
    low, high = proportion_confint(found["share"] * n_star, n_star, method="wilson")
    assert (fpc["ci_low"], fpc["ci_high"]) == pytest.approx((low, high))
    assert fpc["ci_high"] - fpc["ci_low"] < found["ci_high"] - found["ci_low"]
    everyone = weighted_share(flags, pd.Series(1.0, index=flags.index), frame_size=5)
    assert everyone["ci_low"] == everyone["ci_high"] == pytest.approx(0.6)


def test_bad_dimension_is_a183_and_no_respondents_a182() -> None:
    frame = _frame({("e", "u"): 3})
    with pytest.raises(LandscapeError, match="A183"):
        rake(_sample([("e", "u")]), frame, ["colour"])
    with pytest.raises(LandscapeError, match="A182"):
        poststratify(_sample([]), frame, ["nation"])
    assert math.isnan(weighted_share(pd.Series([], dtype=bool),
                                     pd.Series([], dtype=float))["share"])
