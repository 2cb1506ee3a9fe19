"""Wilson shares, group comparisons and agreement, checked against scipy/statsmodels."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import f as f_dist
from scipy.stats import friedmanchisquare, mannwhitneyu
from statsmodels.stats.contingency_tables import cochrans_q
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

import survey.ranking.compare
from survey.errors import LandscapeError
from survey.ranking.bands import RankingData
from survey.ranking.compare import (
    agreement,
    compare_groups,
    compare_instruments,
    cronbach_alpha,
    newcombe_interval,
    wilson_interval,
)
from survey.stats.smalln import is_small


def test_examples() -> None:
    result = doctest.testmod(survey.ranking.compare, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def random_complete(rng: np.random.Generator, n: int, codes: list[str],
                    bias: np.ndarray | None = None) -> pd.DataFrame:
    """Complete rankings; ``bias`` shifts options towards the top when given."""
    k = len(codes)
    scores = rng.normal(size=(n, k)) + (0 if bias is None else bias)
    positions = np.argsort(np.argsort(-scores, axis=1), axis=1) + 1
    return pd.DataFrame(positions, columns=codes, dtype="Int64")


# -- Wilson -------------------------------------------------------------------


@pytest.mark.parametrize(("count", "n"), [(0, 17), (6, 17), (17, 17), (12, 35), (1, 3)])
def test_wilson_matches_the_closed_form(count: int, n: int) -> None:
    z = 1.959963984540054
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    share = wilson_interval(count, n)
    assert share.share == pytest.approx(p)
    assert share.low == pytest.approx(max(0.0, centre - half), abs=1e-12)
    assert share.high == pytest.approx(min(1.0, centre + half), abs=1e-12)


def test_small_n_flag() -> None:
    # compare uses the one small-n rule (survey.stats.smalln): n < 10 or a wide interval
    assert wilson_interval(4, 9).small_n  # n < 10
    assert wilson_interval(8, 17).small_n  # interval 26%-69%: wider than 40 points
    assert not wilson_interval(3, 35).small_n  # 3%-22%: narrow enough at n = 35
    assert not wilson_interval(10, 35).small_n
    for count, n in [(0, 12), (3, 17), (9, 17), (17, 40)]:
        share = wilson_interval(count, n)
        assert share.small_n == is_small(n, share.low, share.high)
    empty = wilson_interval(0, 0)
    assert empty.small_n and math.isnan(empty.share)
    with pytest.raises(LandscapeError) as info:
        wilson_interval(5, 4)
    assert info.value.issues[0].code == "A153"


@pytest.mark.parametrize(("c1", "n1", "c2", "n2"),
                         [(10, 17, 10, 35), (0, 17, 9, 35), (17, 17, 1, 35), (3, 8, 5, 9)])
def test_newcombe_matches_statsmodels(c1: int, n1: int, c2: int, n2: int) -> None:
    low, high = newcombe_interval(wilson_interval(c1, n1), wilson_interval(c2, n2))
    expected = confint_proportions_2indep(c1, n1, c2, n2, method="newcomb", compare="diff")
    assert (low, high) == pytest.approx(tuple(float(x) for x in expected), abs=1e-10)


# -- two groups ---------------------------------------------------------------


def test_compare_groups_against_scipy_and_statsmodels() -> None:
    rng = np.random.default_rng(3)
    codes = ["x", "y", "z", "w", "v"]
    lg = random_complete(rng, 35, codes, bias=np.array([2.0, 0, 0, 0, -1.0]))
    res = random_complete(rng, 17, codes)
    result = compare_groups(lg, res)
    rows = {r.concept: r for r in result.rows}
    assert list(rows) == codes
    raw_p = []
    for code in codes:
        x, y = lg[code].to_numpy(float), res[code].to_numpy(float)
        expected = mannwhitneyu(x, y, alternative="two-sided")
        r = rows[code]
        assert r.u == pytest.approx(float(expected.statistic))
        assert r.p == pytest.approx(float(expected.pvalue))
        raw_p.append(float(expected.pvalue))
        # rank-biserial, positive when local government place it higher (smaller numbers)
        above = (x[:, None] < y[None, :]).mean()
        below = (x[:, None] > y[None, :]).mean()
        assert r.rank_biserial == pytest.approx(above - below)
        assert r.mean_rank_a == pytest.approx(x.mean())
        top_a, top_b = int((x <= 3).sum()), int((y <= 3).sum())
        assert (r.top_a.count, r.top_b.count) == (top_a, top_b)
        assert r.top_difference == pytest.approx(top_a / 35 - top_b / 17)
        ci = confint_proportions_2indep(top_a, 35, top_b, 17, method="newcomb", compare="diff")
        assert (r.top_difference_low, r.top_difference_high) == pytest.approx(
            tuple(float(v) for v in ci))
    holm = multipletests(raw_p, method="holm")[1]
    assert [rows[c].p_holm for c in codes] == pytest.approx(list(holm))
    # the strongly favoured option is read as a significant difference
    assert rows["x"].p_holm < 0.05
    assert rows["x"].reading.startswith("Local government rank x higher (")
    assert "after Holm" in rows["x"].reading
    frame = result.to_frame()
    assert len(frame) == 5 and {"U", "p_holm", "top3_difference_low", "reading"} <= set(frame)


def test_reading_never_opens_with_a_direction_the_test_does_not_support() -> None:
    a = pd.DataFrame({"p": [1, 2, 1, 2, 1], "q": [2, 1, 2, 1, 2]}, dtype="Int64")
    b = pd.DataFrame({"p": [2, 1, 2, 2], "q": [1, 2, 1, 1]}, dtype="Int64")
    result = compare_groups(a, b, labels=("Local government", "Researchers"),
                            option_labels={"p": "Public data"}, top=1)
    first, second = result.rows
    assert first.p_holm >= 0.05 and second.p_holm >= 0.05
    # old wording opened with "Local government rank Public data higher"
    assert first.reading == (
        "No evidence of a difference for Public data (rank-biserial +0.35, 95% bootstrap "
        f"interval {first.rank_biserial_low:+.2f} to {first.rank_biserial_high:+.2f}; "
        "p=0.79 after Holm; mean rank 1.4 vs 1.8). At n=5 and n=4 not even the largest "
        "possible difference (|r| = 1) has an 80% chance of being detected.")
    assert first.rank_biserial_low < 0 < first.rank_biserial_high
    assert second.reading.startswith("No evidence of a difference for q (rank-biserial -0.35")
    assert "higher" not in first.reading + second.reading
    assert first.top_a.small_n and first.top_b.small_n


def test_reading_gives_the_detectable_difference_at_moderate_n() -> None:
    rng = np.random.default_rng(8)
    codes = ["x", "y", "z"]
    result = compare_groups(random_complete(rng, 35, codes), random_complete(rng, 17, codes),
                            resamples=300, permutations=199)
    no_difference = [r for r in result.rows if r.p_holm >= 0.05]
    assert no_difference
    for r in no_difference:
        assert r.reading.startswith(f"No evidence of a difference for {r.concept} "
                                    f"(rank-biserial {r.rank_biserial + 0.0:+.2f}, 95% bootstrap "
                                    "interval ")
        # Noether at n = 35 and 17: 0.48; at Holm's first step (alpha / 3): 0.55
        assert r.reading.endswith("At n=35 and n=17 a difference would need |r| of about 0.48 "
                                  "(0.55 at Holm's first step) to have an 80% chance of being "
                                  "detected.")
    assert result.detectable == pytest.approx((0.4782, 0.5523), abs=1e-4)
    assert result.summary.startswith("Across all 3 options: no evidence that Local government "
                                     "and Researchers order the options differently "
                                     "(permutation test on the mean-rank vectors, p=")
    assert "relative within a respondent" in result.note


def test_identical_answers_read_as_no_difference() -> None:
    a = pd.DataFrame({"p": [1, 1, 1], "q": [2, 2, 2]}, dtype="Int64")
    result = compare_groups(a, a.copy())
    assert [r.p for r in result.rows] == [1.0, 1.0]
    assert result.rows[0].reading.startswith(
        "No evidence of a difference for p (rank-biserial +0.00, 95% bootstrap interval "
        "+0.00 to +0.00; p=1.00 after Holm; mean rank 1.0 vs 1.0).")


def test_mirrored_options_are_read_with_both_wordings() -> None:
    lg = pd.DataFrame({"support_research": [1, 2, 1, 1], "data": [2, 1, 2, 2]}, dtype="Int64")
    res = pd.DataFrame({"support_councils": [2, 2, 1], "data": [1, 1, 2]}, dtype="Int64")
    concepts = ({"support_research": "partner_support", "data": "data"},
                {"support_councils": "partner_support", "data": "data"})
    wordings = ({"support_research": "Support from research institutions", "data": "Data"},
                {"support_councils": "Support from local government", "data": "Data"})
    result = compare_groups(lg, res, concepts, wordings=wordings, resamples=100,
                            permutations=99)
    mirrored, same = result.rows
    assert mirrored.mirrored and not same.mirrored
    assert mirrored.reading.startswith(
        "No evidence of a difference for the mirrored options (Local government: Support "
        "from research institutions; Researchers: Support from local government) (")
    assert mirrored.reading.endswith("These are mirrored, not identical, options: each group "
                                     "rated the other side.")
    assert "mirrored" not in same.reading
    frame = result.to_frame()
    assert frame[["wording_a", "wording_b", "mirrored"]].iloc[0].tolist() == [
        "Support from research institutions", "Support from local government", True]


def test_adjusted_newcombe_intervals_match_statsmodels_at_alpha_over_m() -> None:
    rng = np.random.default_rng(4)
    codes = ["x", "y", "z", "w"]
    lg, res = random_complete(rng, 30, codes), random_complete(rng, 20, codes)
    result = compare_groups(lg, res, resamples=100, permutations=99)
    for r in result.rows:
        top_a = int((lg[r.concept].to_numpy(float) <= 3).sum())
        top_b = int((res[r.concept].to_numpy(float) <= 3).sum())
        expected = confint_proportions_2indep(top_a, 30, top_b, 20, method="newcomb",
                                              compare="diff", alpha=0.05 / 4)
        assert (r.top_difference_low_adjusted, r.top_difference_high_adjusted) == \
            pytest.approx(tuple(float(v) for v in expected))
        assert r.top_difference_low_adjusted <= r.top_difference_low
        assert r.top_difference_high_adjusted >= r.top_difference_high
    assert "not adjusted for the 4 comparisons" in result.note


def test_join_on_concepts_with_different_codes_and_report_unmatched() -> None:
    lg = pd.DataFrame({"support_from_research": [1, 2, 1], "lg_only": [2, 1, 3],
                       "data": [3, 3, 2]}, dtype="Int64")
    res = pd.DataFrame({"data": [1, 1, 2], "support_from_lg": [2, 2, 1]}, dtype="Int64")
    concepts = ({"support_from_research": "partner_support", "lg_only": "lg_only",
                 "data": "data"},
                {"support_from_lg": "partner_support", "data": "data"})
    result = compare_groups(lg, res, concepts)
    assert [(r.concept, r.option_a, r.option_b) for r in result.rows] == [
        ("partner_support", "support_from_research", "support_from_lg"),
        ("data", "data", "data"),
    ]
    assert result.unmatched == {"Local government": ["lg_only"], "Researchers": []}
    assert "not compared: lg_only" in result.note
    # positions include the option only one side was asked about (3 of 3 places)
    assert result.rows[1].mean_rank_a == pytest.approx(8 / 3)


def test_join_errors() -> None:
    a = pd.DataFrame({"x": [1], "y": [2]}, dtype="Int64")
    b = pd.DataFrame({"u": [1], "v": [2]}, dtype="Int64")
    with pytest.raises(LandscapeError) as info:
        compare_groups(a, b)
    assert info.value.issues[0].code == "A155"
    with pytest.raises(LandscapeError) as info:
        compare_groups(a, b, ({"x": "c", "y": "c"}, {"u": "c"}))
    assert info.value.issues[0].code == "A155"
    assert "both map to concept 'c'" in info.value.issues[0].message


def test_compare_instruments_joins_mirrored_options_and_measures_agreement() -> None:
    rng = np.random.default_rng(5)
    lg_codes = ["funding", "support_from_research", "training"]
    rs_codes = ["funding", "support_from_councils", "training", "only_researchers"]
    lg_ranks = random_complete(rng, 12, lg_codes, bias=np.array([1.5, 0, -1.0]))
    rs_ranks = random_complete(rng, 9, rs_codes)
    lg = RankingData(lg_ranks, tuple(lg_codes),
                     labels={"funding": "Funding", "support_from_research": "Support from "
                             "research", "training": "Training"},
                     concepts={"support_from_research": "partner_support"})
    rs = RankingData(rs_ranks, tuple(rs_codes),
                     labels={"funding": "Funding", "support_from_councils": "Support from "
                             "councils", "training": "Training", "only_researchers": "Other"},
                     concepts={"support_from_councils": "partner_support"})
    result = compare_instruments({"local_government": lg, "researcher": rs},
                                 "local_government", "researcher")
    rows = {r.concept: r for r in result.rows}
    assert list(rows) == ["funding", "partner_support", "training"]
    assert rows["partner_support"].label == "Support from research / Support from councils"
    assert (rows["partner_support"].option_a, rows["partner_support"].option_b) == (
        "support_from_research", "support_from_councils")
    assert result.labels == ("Local government", "Researchers")
    assert result.unmatched == {"Local government": [], "Researchers": ["only_researchers"]}
    # independent: scipy on the columns joined by hand, Holm from statsmodels
    pairs = [("funding", "funding"), ("support_from_research", "support_from_councils"),
             ("training", "training")]
    raw = [float(mannwhitneyu(lg_ranks[x].to_numpy(float), rs_ranks[y].to_numpy(float),
                              alternative="two-sided").pvalue) for x, y in pairs]
    assert [r.p for r in result.rows] == pytest.approx(raw)
    assert [r.p_holm for r in result.rows] == pytest.approx(
        list(multipletests(raw, method="holm")[1]))
    # W from rank sums (complete rankings, no ties): 12 S / (n^2 (k^3 - k))
    for key, ranks in (("local_government", lg_ranks), ("researcher", rs_ranks)):
        n, k = ranks.shape
        sums = ranks.to_numpy(float).sum(axis=0)
        s = ((sums - sums.mean()) ** 2).sum()
        within = result.within[key]
        assert within is not None and within.n == n
        assert within.kendall_w == pytest.approx(12 * s / (n**2 * (k**3 - k)))
    named = compare_instruments({"A": lg, "B": rs.subset(np.arange(9) < 2)}, "B", "A",
                                top=1, names={"A": "Councils"})
    assert named.labels == ("B", "Councils") and named.within["B"] is None
    assert named.within["A"] is not None and named.top == 1


def test_compare_instruments_needs_two_known_groups() -> None:
    data = RankingData(pd.DataFrame({"a": [1, 2, 1], "b": [2, 1, 2]}, dtype="Int64"),
                       ("a", "b"))
    for a, b in (("x", "missing"), ("x", "x")):
        with pytest.raises(LandscapeError) as info:
            compare_instruments({"x": data, "y": data}, a, b)
        assert info.value.issues[0].code == "A155"


# -- agreement ----------------------------------------------------------------


def test_agreement_against_scipy_statsmodels_and_hand_formulas() -> None:
    rng = np.random.default_rng(11)
    codes = list("abcdefghi")
    ranks = random_complete(rng, 17, codes, bias=np.linspace(1.5, -1.5, 9))
    result = agreement(ranks)
    n, k = 17, 9
    chi2, p = friedmanchisquare(*ranks.to_numpy(float).T)
    assert result.friedman_chi2 == pytest.approx(chi2)
    assert result.friedman_chi2_p == pytest.approx(p)
    assert result.friedman_chi2_df == k - 1
    w = chi2 / (n * (k - 1))
    assert result.kendall_w == pytest.approx(w)
    # W from rank sums, no ties: 12 S / (n^2 (k^3 - k))
    sums = ranks.to_numpy(float).sum(axis=0)
    s = ((sums - sums.mean()) ** 2).sum()
    assert result.kendall_w == pytest.approx(12 * s / (n**2 * (k**3 - k)))
    # F form (Marozzi 2014): F = W (n - 1) / (1 - W), df1 = k - 1 - 2/n, df2 = (n - 1) df1
    df1 = k - 1 - 2 / n
    assert result.friedman_f == pytest.approx(w * (n - 1) / (1 - w))
    assert (result.friedman_f_df1, result.friedman_f_df2) == pytest.approx((df1, (n - 1) * df1))
    assert result.friedman_f_p == pytest.approx(f_dist.sf(w * (n - 1) / (1 - w), df1,
                                                          (n - 1) * df1))
    top3 = (ranks.to_numpy(int) <= 3).astype(int)
    q = cochrans_q(top3)
    assert result.cochran_q == pytest.approx(q.statistic)
    assert result.cochran_p == pytest.approx(q.pvalue)
    assert result.reading.startswith(f"Kendall's W = {w:.2f}: ")


def test_perfect_agreement_gives_w_one_without_warnings() -> None:
    ranks = pd.DataFrame({"a": [1, 1, 1], "b": [2, 2, 2], "c": [3, 3, 3]}, dtype="Int64")
    result = agreement(ranks, top=1)
    assert result.kendall_w == pytest.approx(1.0)
    assert "very strong agreement" in result.reading


def test_agreement_needs_three_respondents() -> None:
    with pytest.raises(LandscapeError) as info:
        agreement(pd.DataFrame({"a": [1, 2], "b": [2, 1]}, dtype="Int64"))
    assert info.value.issues[0].code == "A154"


def test_cronbach_alpha_is_refused() -> None:
    ranks = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 1], "c": [3, 1, 2]}, dtype="Int64")
    # every complete ranking sums to the same total: the reason alpha is meaningless
    assert ranks.sum(axis=1).nunique() == 1
    with pytest.raises(LandscapeError) as info:
        cronbach_alpha(ranks)
    assert info.value.issues[0].code == "A156"
