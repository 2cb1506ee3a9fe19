"""Position intervals against an independent bootstrap; majority checks by hand and pref_voting."""

from __future__ import annotations

import doctest
import itertools
import math

import choix
import numpy as np
import pandas as pd
import pytest
from pref_voting.c1_methods import condorcet, smith_set
from pref_voting.profiles import Profile
from scipy.stats import rankdata

import survey.ranking.uncertainty
from survey.errors import LandscapeError
from survey.ranking.consensus import METHODS
from survey.ranking.reconstruct import demo_ranking_data
from survey.ranking.uncertainty import (
    disagreement_warning,
    majority_check,
    position_intervals,
    top_by_method,
)


def test_examples() -> None:
    result = doctest.testmod(survey.ranking.uncertainty, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def frame_from_orders(ballots: list[tuple[int, str]], codes: str) -> pd.DataFrame:
    rows = []
    for count, order in ballots:
        rows.extend([{c: order.index(c) + 1 for c in codes}] * count)
    return pd.DataFrame(rows, columns=list(codes), dtype="Int64")


def random_rankings(seed: int, n: int, k: int, strength: float = 0.8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    scores = rng.gumbel(size=(n, k)) + strength * np.arange(k)[::-1]
    positions = np.argsort(np.argsort(-scores, axis=1), axis=1) + 1
    return pd.DataFrame(positions, columns=[f"o{j}" for j in range(k)], dtype="Int64")


# -- an independent bootstrap: its own resampling loop and its own methods ---------


def stable_order(key: np.ndarray, descending: bool) -> list[int]:
    """Indices sorted by key, equal keys in column order (the documented tie-break)."""
    return sorted(range(len(key)), key=lambda j: (-key[j] if descending else key[j], j))


def order_mean_rank(ranks: np.ndarray) -> list[int]:
    return stable_order(rankdata(ranks, axis=1).mean(axis=0), descending=False)


def order_borda(ranks: np.ndarray) -> list[int]:
    k = ranks.shape[1]
    return stable_order((k + 1 - rankdata(ranks, axis=1)).sum(axis=0), descending=True)


def pairwise(ranks: np.ndarray) -> np.ndarray:
    k = ranks.shape[1]
    return np.array([[int((ranks[:, a] < ranks[:, b]).sum()) for b in range(k)]
                     for a in range(k)])


def order_schulze(ranks: np.ndarray) -> list[int]:
    d = pairwise(ranks)
    k = len(d)
    p = [[d[i][j] if d[i][j] > d[j][i] else 0 for j in range(k)] for i in range(k)]
    for m in range(k):
        for i in range(k):
            for j in range(k):
                if len({i, j, m}) == 3:
                    p[i][j] = max(p[i][j], min(p[i][m], p[m][j]))
    beats = np.array([sum(p[i][j] > p[j][i] for j in range(k) if j != i) for i in range(k)])
    return stable_order(beats.astype(float), descending=True)


def order_kemeny(ranks: np.ndarray) -> list[int]:
    d = pairwise(ranks)
    k = len(d)
    best = min(itertools.permutations(range(k)),
               key=lambda perm: (sum(d[b][a] for x, a in enumerate(perm) for b in perm[x + 1:]),
                                 perm))
    return list(best)


def order_plackett_luce(ranks: np.ndarray) -> list[int]:
    k = ranks.shape[1]
    data = [list(np.argsort(row)) for row in ranks]
    worths = choix.mm_rankings(k, data, alpha=0.0, max_iter=100_000, tol=1e-12)
    return stable_order(np.asarray(worths), descending=True)


INDEPENDENT = {"mean-rank": order_mean_rank, "borda": order_borda, "schulze": order_schulze,
               "kemeny": order_kemeny, "plackett-luce": order_plackett_luce}


def independent_bootstrap(frame: pd.DataFrame, method: str, resamples: int, seed: int
                          ) -> tuple[list[int], list[int], list[float]]:
    """Lower and upper 2.5/97.5% positions (order statistics) and chance of first."""
    ranks = frame.to_numpy(dtype=float)
    n, k = ranks.shape
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, n, size=(resamples, n))
    places = np.zeros((resamples, k), dtype=int)
    for r in range(resamples):
        for place, j in enumerate(INDEPENDENT[method](ranks[indices[r]]), start=1):
            places[r, j] = place
    low, high = [], []
    for j in range(k):
        column = sorted(places[:, j])
        # the smallest value whose empirical CDF reaches q
        low.append(int(column[math.ceil(0.025 * resamples) - 1]))
        high.append(int(column[math.ceil(0.975 * resamples) - 1]))
    first = [float((places[:, j] == 1).mean()) for j in range(k)]
    return low, high, first


@pytest.mark.parametrize("method", METHODS)
def test_position_intervals_match_an_independent_bootstrap(method: str) -> None:
    frame = random_rankings(seed=11, n=25, k=5, strength=0.5)
    resamples = 60
    found = position_intervals(frame, method, resamples=resamples, seed=7)
    low, high, first = independent_bootstrap(frame, method, resamples, seed=7)
    by = found.by_option()
    codes = list(frame.columns)
    assert [by[c].low for c in codes] == low
    assert [by[c].high for c in codes] == high
    assert [by[c].first for c in codes] == pytest.approx(first)
    assert sum(o.first for o in found.options) == pytest.approx(1.0)
    # listed in the order computed on everyone, each inside its own interval's range
    assert [o.position for o in found.options] == list(range(1, 6))
    assert all(1 <= o.low <= o.high <= 5 for o in found.options)
    assert found.n == 25 and found.resamples == resamples and found.seed == 7


def test_intervals_are_seeded_and_shrink_with_agreement() -> None:
    frame = random_rankings(seed=2, n=30, k=4, strength=0.3)
    one = position_intervals(frame, "borda", resamples=200, seed=5)
    assert one == position_intervals(frame, "borda", resamples=200, seed=5)
    # everyone gives the same order: every resample is the same order
    same = frame_from_orders([(12, "abcd")], "abcd")
    found = position_intervals(same, "kemeny", resamples=50, seed=1)
    assert [(o.option, o.low, o.high, o.first) for o in found.options] == [
        ("a", 1, 1, 1.0), ("b", 2, 2, 0.0), ("c", 3, 3, 0.0), ("d", 4, 4, 0.0)]
    assert "50 bootstrap resamples of the 12 respondents (seed 1)" in found.note


def test_bad_resampling_settings_are_refused() -> None:
    frame = random_rankings(seed=2, n=10, k=3)
    for bad in ({"resamples": 0}, {"resamples": 2.5}, {"level": 1.5}):
        with pytest.raises(LandscapeError) as info:
            position_intervals(frame, "borda", **bad)  # type: ignore[arg-type]
        assert info.value.issues[0].code == "A153"


# -- head to head: hand-worked profiles ---------------------------------------------


def test_condorcet_paradox_is_one_cycle() -> None:
    ranks = frame_from_orders([(1, "abc"), (1, "bca"), (1, "cab")], "abc")
    found = majority_check(ranks)
    assert found.winner is None
    assert found.smith_set == ["a", "b", "c"]
    assert found.cycle == ["a", "b", "c"]  # a beats b 2-1, b beats c 2-1, c beats a 2-1
    assert found.losses("a") == [("c", 2, 1)]
    assert "a, b, c are in a majority cycle (a beats b 2-1, b beats c 2-1, c beats a 2-1)" \
        in found.reading()


def test_condorcet_winner_with_a_cycle_below_it() -> None:
    # d first for 3 of 5 voters; a, b, c cycle among themselves
    ballots = [(1, "dabc"), (1, "dbca"), (1, "dcab"), (1, "abcd"), (1, "bcad")]
    found = majority_check(frame_from_orders(ballots, "abcd"))
    assert found.winner == "d" and found.smith_set == ["d"] and found.cycle == []
    assert found.reading({"d": "Data"}) == ("Data beats every other option head to head "
                                            "(a Condorcet winner).")


def test_smith_set_leaves_out_an_option_everyone_beats() -> None:
    # a > b > c > a by 2-1 each, and d last for everyone
    ballots = [(1, "abcd"), (1, "bcad"), (1, "cabd")]
    found = majority_check(frame_from_orders(ballots, "abcd"))
    assert found.winner is None and found.smith_set == ["a", "b", "c"]
    assert "a, b, c (3 of 4 options) are in a majority cycle" in found.reading()
    # the first option of some order is told who beats it
    assert found.reading(top="b").endswith(
        "The first option of this order, b, loses head to head to a (2-1).")


def test_a_tie_at_the_top_is_not_a_cycle() -> None:
    ballots = [(1, "abc"), (1, "bac")]
    found = majority_check(frame_from_orders(ballots, "abc"))
    assert found.winner is None and found.smith_set == ["a", "b"] and found.cycle == []
    assert "held together by tied head-to-head counts" in found.reading()


def test_partial_rankings_count_ranked_above_unranked() -> None:
    ranks = pd.DataFrame({"a": [1, 1, pd.NA], "b": [pd.NA, 2, 1], "c": [pd.NA, pd.NA, 2]},
                         dtype="Int64")
    found = majority_check(ranks)
    # a over b: 2 (row 1: ranked beats unranked; row 2) vs 1
    assert found.pairwise["a"]["b"] == 2 and found.pairwise["b"]["a"] == 1
    assert found.winner == "a"


@pytest.mark.parametrize("seed", range(25))
def test_condorcet_winner_and_smith_set_match_pref_voting(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(3, 6)), int(rng.integers(2, 12))
    orders = [list(rng.permutation(k)) for _ in range(n)]
    profile = Profile(orders)
    frame = pd.DataFrame([[order.index(j) + 1 for j in range(k)] for order in orders],
                         columns=[str(j) for j in range(k)], dtype="Int64")
    found = majority_check(frame)
    expected_winner = profile.condorcet_winner()
    assert found.winner == (None if expected_winner is None else str(expected_winner))
    assert found.smith_set == [str(c) for c in sorted(smith_set(profile))]
    if expected_winner is not None:
        assert condorcet(profile) == [expected_winner]
    # the cycle shown is a real majority cycle inside the Smith set
    for a, b in zip(found.cycle, found.cycle[1:] + found.cycle[:1], strict=True):
        assert profile.majority_prefers(int(a), int(b))
        assert a in found.smith_set


# -- methods side by side, and the demo ----------------------------------------------


def test_disagreement_warning_names_each_camp() -> None:
    data = demo_ranking_data("researcher")
    tops = top_by_method(data.ranks)
    assert set(tops) == set(METHODS)
    assert tops["plackett-luce"] == "support_from_policy_organisations"
    assert {tops[m] for m in ("mean-rank", "borda", "schulze", "kemeny")} == {
        "research_project_resources"}
    warning = disagreement_warning(tops, {"research_project_resources": "Research resources"})
    assert warning.startswith("WARNING: the methods disagree on the top option: Research "
                              "resources (mean-rank, borda, schulze, kemeny); "
                              "support_from_policy_organisations (plackett-luce).")
    same = frame_from_orders([(3, "abc"), (1, "bac")], "abc")
    assert disagreement_warning(top_by_method(same)) == ""


def test_kemeny_is_left_out_above_its_limit() -> None:
    frame = random_rankings(seed=1, n=5, k=21)
    assert "kemeny" not in top_by_method(frame)


def test_demo_local_government_has_no_condorcet_winner() -> None:
    data = demo_ranking_data("local_government")
    found = majority_check(data.ranks)
    assert found.winner is None
    assert len(found.smith_set) == 8 and "analysis_tools" not in found.smith_set
    top = position_intervals(data.ranks, "kemeny", resamples=300).options[0]
    # Kemeny's first option loses 17-18 to two others and is far from sure of the top
    assert len(found.losses(top.option)) == 2
    assert all((won, lost) == (18, 17) for _, won, lost in found.losses(top.option))
    assert 0.35 < top.first < 0.65 and top.high >= 4
