"""Cohen's kappa per theme, against hand-worked cases, scikit-learn and statsmodels."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

from survey.coding.agreement import cohens_kappa, kappa_by_theme
from survey.coding.codebook import load_codebook
from survey.coding.rules import CodingOverride, apply_overrides, code_answers
from survey.errors import LandscapeError


def _codes(both_yes: int, only_a: int, only_b: int, both_no: int
           ) -> tuple[list[bool], list[bool]]:
    a = [True] * both_yes + [True] * only_a + [False] * only_b + [False] * both_no
    b = [True] * both_yes + [False] * only_a + [True] * only_b + [False] * both_no
    return a, b


def test_hand_worked_case() -> None:
    # 50 answers: 20 both yes, 5 only A, 10 only B, 15 both no.
    # p_o = 35/50 = 0.7; A yes 0.5, B yes 0.6; p_e = 0.5*0.6 + 0.5*0.4 = 0.5;
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    result = cohens_kappa(*_codes(20, 5, 10, 15))
    assert (result.n, result.both_yes, result.only_a, result.only_b, result.both_no) == (
        50, 20, 5, 10, 15)
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.4)
    assert result.note == ""


@pytest.mark.parametrize("seed", range(8))
def test_matches_sklearn_and_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(5, 60)
    a = [rng.random() < 0.4 for _ in range(n)]
    b = [x if rng.random() < 0.75 else not x for x in a]
    if len(set(a)) == 1 and len(set(b)) == 1:
        b[0] = not b[0]
    ours = cohens_kappa(a, b).kappa
    assert ours == pytest.approx(cohen_kappa_score(a, b))
    table = np.array([[sum(x and y for x, y in zip(a, b, strict=True)),
                       sum(x and not y for x, y in zip(a, b, strict=True))],
                      [sum(y and not x for x, y in zip(a, b, strict=True)),
                       sum(not x and not y for x, y in zip(a, b, strict=True))]])
    assert ours == pytest.approx(sm_cohens_kappa(table).kappa)


def test_perfect_and_opposite_agreement() -> None:
    assert cohens_kappa(*_codes(3, 0, 0, 4)).kappa == pytest.approx(1.0)
    assert cohens_kappa(*_codes(0, 3, 4, 0)).kappa == pytest.approx(
        cohen_kappa_score(*_codes(0, 3, 4, 0)))


def test_both_coders_constant_is_undefined_not_a_crash() -> None:
    result = cohens_kappa([False] * 6, [False] * 6)
    assert math.isnan(result.kappa)
    assert result.observed == 1.0 and result.expected == 1.0
    assert "undefined" in result.note


def test_constant_but_opposite_coders_is_zero() -> None:
    # p_o = 0, p_e = 0 -> kappa 0; scikit-learn gives the same.
    result = cohens_kappa([True] * 4, [False] * 4)
    assert result.kappa == 0.0
    assert cohen_kappa_score([True] * 4, [False] * 4) == 0.0


def test_one_coder_constant_matches_sklearn() -> None:
    a, b = [False] * 5, [True, False, False, True, False]
    assert cohens_kappa(a, b).kappa == pytest.approx(cohen_kappa_score(a, b))


def test_no_common_responses() -> None:
    result = cohens_kappa([], [])
    assert math.isnan(result.kappa) and result.n == 0 and "no responses" in result.note


def test_unequal_lengths_are_c114() -> None:
    with pytest.raises(LandscapeError) as info:
        cohens_kappa([True], [True, False])
    assert info.value.issues[0].code == "C114"


def test_kappa_by_theme_on_tables_uses_common_responses() -> None:
    a = pd.DataFrame({"funding": [1, 1, 0, 0, 1], "turnover": [0, 0, 0, 0, 0]},
                     index=["r1", "r2", "r3", "r4", "r5"])
    b = pd.DataFrame({"funding": [True, False, False, False], "turnover": [False] * 4},
                     index=["r1", "r2", "r3", "r4"])
    out = kappa_by_theme(a, b).set_index("theme")
    assert out.loc["funding", "n"] == 4
    assert out.loc["funding", "kappa"] == pytest.approx(
        cohen_kappa_score([1, 1, 0, 0], [1, 0, 0, 0]))
    assert math.isnan(out.loc["turnover", "kappa"])
    assert "undefined" in out.loc["turnover", "note"]


def test_kappa_by_theme_on_coded_frames_ignores_blank_answers() -> None:
    codebook = load_codebook()
    answers = pd.Series({"a": "No funding.", "b": "Staff turnover.", "c": "Jargon.",
                         "d": "", "e": "Deadlines."})
    rules = code_answers(answers, codebook)
    person = apply_overrides(rules, [
        CodingOverride("b", "resources_capacity_funding", True, "kim",
                       pd.Timestamp("2022-04-01", tz="UTC").to_pydatetime()),
    ])
    out = kappa_by_theme(rules, person).set_index("theme")
    assert (out["n"] == 4).all()  # 'd' did not answer
    assert out.loc["resources_capacity_funding", "kappa"] == pytest.approx(
        cohen_kappa_score([1, 0, 0, 0], [1, 1, 0, 0]))
    assert out.loc["staff_turnover", "kappa"] == pytest.approx(1.0)


@pytest.mark.parametrize(("b", "message"), [
    (pd.DataFrame({"other": [True]}, index=["r1"]), "no coding for theme(s) funding"),
    (pd.DataFrame({"funding": ["maybe"]}, index=["r1"]), "not true/false"),
    (pd.DataFrame({"funding": [True, False]}, index=["r1", "r1"]), "twice"),
])
def test_codings_that_do_not_line_up_are_c114(b: pd.DataFrame, message: str) -> None:
    a = pd.DataFrame({"funding": [True]}, index=["r1"])
    with pytest.raises(LandscapeError) as info:
        kappa_by_theme(a, b)
    assert info.value.issues[0].code == "C114"
    assert message in info.value.issues[0].message


# -- issue 12 §6: interval, prevalence, PABAK, minimum double-coded --------------------


def test_bootstrap_interval_matches_an_independent_bootstrap() -> None:
    from survey.coding.agreement import bootstrap_kappa

    rng = random.Random(7)
    a = [rng.random() < 0.4 for _ in range(40)]
    b = [x if rng.random() < 0.85 else not x for x in a]
    low, high, undefined = bootstrap_kappa(a, b, draws=500, seed=11)
    # The same resamples, each kappa by sklearn, percentiles by numpy.
    rows = np.random.default_rng(11).integers(0, 40, size=(500, 40))
    kappas = [cohen_kappa_score(np.array(a)[r], np.array(b)[r]) for r in rows]
    assert undefined == 0
    assert (low, high) == pytest.approx(tuple(np.quantile(kappas, [0.025, 0.975])))
    point = sm_cohens_kappa(pd.crosstab(pd.Series(a), pd.Series(b)).to_numpy()).kappa
    assert low < point < high


def test_prevalence_and_pabak_by_hand() -> None:
    # 20 responses: both yes 1, both no 17, only A 1, only B 1 -- a rare theme.
    a = pd.DataFrame({"t": [True, True] + [False] * 18}, index=[f"r{i}" for i in range(20)])
    b = pd.DataFrame({"t": [True, False, True] + [False] * 17}, index=a.index)
    row = kappa_by_theme(a, b).iloc[0]
    assert row["prevalence"] == pytest.approx((2 + 2) / 40)
    assert row["observed"] == pytest.approx(18 / 20)
    assert row["pabak"] == pytest.approx(2 * 18 / 20 - 1)  # 0.8: high agreement
    expected = sm_cohens_kappa(np.array([[17, 1], [1, 1]])).kappa
    assert row["kappa"] == pytest.approx(expected)  # ~0.44: low kappa, rare theme
    assert row["kappa"] < row["pabak"]


def test_kappa_withheld_below_the_minimum() -> None:
    a = pd.DataFrame({"t": [True, False, True, False]}, index=list("wxyz"))
    row = kappa_by_theme(a, a, min_double_coded=5).iloc[0]
    assert math.isnan(row["kappa"]) and math.isnan(row["pabak"])
    assert row["n"] == 4 and "fewer than the 5 needed" in row["note"]
    assert kappa_by_theme(a, a, min_double_coded=4).iloc[0]["kappa"] == 1.0
