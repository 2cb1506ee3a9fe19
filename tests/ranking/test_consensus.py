"""Consensus methods against hand-worked cases, brute force, pref_voting and choix."""

from __future__ import annotations

import itertools

import choix
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pref_voting.margin_based_methods import beat_path
from pref_voting.other_methods import kemeny_young_rankings
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies

from survey.errors import LandscapeError
from survey.ranking.consensus import (
    KEMENY_MAX_OPTIONS,
    METHODS,
    borda,
    consensus,
    kemeny,
    mean_rank,
    pairwise_matrix,
    plackett_luce,
    rank_positions,
    schulze,
    top_k_share,
)


def frame_from_orders(ballots: list[tuple[int, str]], codes: str) -> pd.DataFrame:
    """Rankings frame from (count, 'ACBED')-style ballots; letters not in a ballot unranked."""
    rows = []
    for count, order in ballots:
        row = {c: (order.index(c) + 1 if c in order else pd.NA) for c in codes}
        rows.extend([row] * count)
    return pd.DataFrame(rows, columns=list(codes), dtype="Int64")


# Wikipedia, "Schulze method", worked example: 45 voters, candidates A..E.
WIKI_SCHULZE = [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"),
                (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
# Wikipedia, "Kemeny method", Tennessee capital example (percentages as voters).
TENNESSEE = [(42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM")]


def kendall_distance(order: list[int], d: np.ndarray) -> int:
    """Disagreements of an order with the pairwise matrix: sum of d[b, a] for a above b."""
    return int(sum(d[b, a] for x, a in enumerate(order) for b in order[x + 1:]))


def brute_force_kemeny(d: np.ndarray) -> tuple[int, list[tuple[int, ...]]]:
    """Minimal distance and every optimal order, trying all k! orders."""
    k = d.shape[0]
    scores = {perm: kendall_distance(list(perm), d) for perm in itertools.permutations(range(k))}
    best = min(scores.values())
    return best, sorted(p for p, s in scores.items() if s == best)


# -- hand-worked cases --------------------------------------------------------


def test_wikipedia_schulze_example_gives_e_a_c_b_d() -> None:
    ranks = frame_from_orders(WIKI_SCHULZE, "ABCDE")
    d = pairwise_matrix(ranks)
    # the article's matrix of pairwise preferences, row A
    assert d.loc["A"].tolist() == [0, 20, 26, 30, 22]
    result = schulze(ranks)
    assert result.order == ["E", "A", "C", "B", "D"]
    # the article's table of strongest path strengths
    paths = result.details["strongest_paths"]
    assert [[paths[a][b] for b in "ABCDE"] for a in "ABCDE"] == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]


def test_tennessee_kemeny_example() -> None:
    ranks = frame_from_orders(TENNESSEE, "MNCK")
    result = kemeny(ranks)
    assert result.order == ["N", "C", "K", "M"]
    # the article scores the ranking 393 agreements of 600 pairwise judgements
    assert result.details["distance"] == 600 - 393
    assert result.details["optimal_orders"] == 1


def test_mean_rank_and_borda_by_hand() -> None:
    ranks = pd.DataFrame({"a": [1, 2, 1], "b": [2, 1, 3], "c": [3, 3, 2]}, dtype="Int64")
    mr = mean_rank(ranks)
    assert mr.scores == pytest.approx({"a": 4 / 3, "b": 2.0, "c": 8 / 3})
    assert mr.order == ["a", "b", "c"]
    # survey convention: 3 points for first, 1 for last; means over 3 respondents
    bs = borda(ranks)
    assert bs.scores == pytest.approx({"a": 8 / 3, "b": 2.0, "c": 4 / 3})
    assert bs.details["total"] == {"a": 8.0, "b": 6.0, "c": 4.0}
    # classic: exactly one point fewer per option per respondent, same order
    classic = borda(ranks, convention="classic")
    assert classic.details["total"] == {"a": 5.0, "b": 3.0, "c": 1.0}
    assert classic.order == bs.order == ["a", "b", "c"]


def test_partial_rankings_conventions_by_hand() -> None:
    # one respondent ranked only 'a'; another ranked a full order c > b > a
    ranks = pd.DataFrame({"a": [1, 3], "b": [pd.NA, 2], "c": [pd.NA, 1]}, dtype="Int64")
    assert rank_positions(ranks).to_numpy().tolist() == [[1.0, 2.5, 2.5], [3.0, 2.0, 1.0]]
    assert mean_rank(ranks).scores == pytest.approx({"a": 2.0, "b": 2.25, "c": 1.75})
    # survey Borda: ranked first of 3 = 3 points, unranked 0
    assert borda(ranks).details["total"] == {"a": 4.0, "b": 2.0, "c": 3.0}
    # classic: 2 points for first; the two unranked share the leftover 1 + 0
    assert borda(ranks, "classic").details["total"] == {"a": 2.0, "b": 1.5, "c": 2.5}
    d = pairwise_matrix(ranks)
    # respondent 1: a beats b and c, b v c no preference; respondent 2: c > b > a
    assert d.to_numpy().tolist() == [[0, 1, 1], [1, 0, 0], [1, 1, 0]]
    assert "unranked" in mean_rank(ranks).note


def test_empty_rows_are_dropped() -> None:
    ranks = pd.DataFrame({"a": [1, pd.NA], "b": [2, pd.NA]}, dtype="Int64")
    assert mean_rank(ranks).n == 1
    assert top_k_share(ranks, 1)["n"].tolist() == [1, 1]


def test_top_k_share_counts_ties_at_rounded_up_mid_rank() -> None:
    # row 1: a tie for places 3-4 straddles the top 3, so neither c nor d counts
    # row 2: a tie for places 2-3 sits inside the top 3
    ranks = pd.DataFrame({"a": [1, 1], "b": [2, 2], "c": [3, 2], "d": [3, 4]},
                         dtype="Int64")
    table = top_k_share(ranks, 3)
    assert table["count"].tolist() == [2, 2, 1, 0]
    assert table["share"].tolist() == [1.0, 1.0, 0.5, 0.0]
    assert top_k_share(ranks, 4)["count"].tolist() == [2, 2, 2, 2]


def test_ties_are_no_preference_in_the_pairwise_matrix() -> None:
    ranks = pd.DataFrame({"a": [1], "b": [1], "c": [2]}, dtype="Int64")
    assert pairwise_matrix(ranks).to_numpy().tolist() == [[0, 0, 1], [0, 0, 1], [0, 0, 0]]


def test_schulze_and_mean_rank_tie_break_keeps_question_order() -> None:
    ranks = pd.DataFrame({"b": [1, 2], "a": [2, 1]}, dtype="Int64")
    assert schulze(ranks).order == ["b", "a"]
    assert mean_rank(ranks).order == ["b", "a"]
    assert "Tied" in schulze(ranks).note


def test_kemeny_tie_break_is_lexicographic_and_counted() -> None:
    # a perfect Condorcet cycle: three orders tie at the same distance
    ranks = frame_from_orders([(1, "abc"), (1, "bca"), (1, "cab")], "abc")
    result = kemeny(ranks)
    assert result.details["optimal_orders"] == 3
    assert result.order == ["a", "b", "c"]
    assert "3 orders tie" in result.note


def test_plackett_luce_two_options_by_hand() -> None:
    # a above b for 3 of 4 respondents: the MLE is w_a / (w_a + w_b) = 3/4
    ranks = pd.DataFrame({"a": [1, 1, 1, 2], "b": [2, 2, 2, 1]}, dtype="Int64")
    result = plackett_luce(ranks)
    assert result.scores == pytest.approx({"a": 0.75, "b": 0.25}, abs=1e-8)
    assert result.details["mle_exists"] is True
    assert result.details["alpha"] == 0.0


def test_plackett_luce_regularises_when_mle_does_not_exist() -> None:
    ranks = pd.DataFrame({"a": [1, 1], "b": [2, 3], "c": [3, 2]}, dtype="Int64")
    result = plackett_luce(ranks)  # 'a' is never beaten: no finite MLE
    assert result.details["mle_exists"] is False
    assert result.details["alpha"] == pytest.approx(0.1)
    assert "do not exist" in result.note
    with pytest.raises(LandscapeError) as info:
        plackett_luce(ranks, alpha=0.0)
    assert info.value.issues[0].code == "A153"


# -- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "row", "column"),
    [(["1", "x"], 2, "a"), ([1, 0], 2, "a"), ([1.5, 2], 1, "a")],
)
def test_bad_ranks_are_reported_with_row_and_column(cells: list[object], row: int,
                                                    column: str) -> None:
    ranks = pd.DataFrame({"a": cells, "b": [2, 1]})
    with pytest.raises(LandscapeError) as info:
        mean_rank(ranks)
    problem = info.value.issues[0]
    assert problem.code == "A151"
    assert (problem.location.row, problem.location.column) == (row, column)


def test_unranked_everything_and_single_column_are_refused() -> None:
    with pytest.raises(LandscapeError) as info:
        borda(pd.DataFrame({"a": [pd.NA], "b": [pd.NA]}, dtype="Int64"))
    assert info.value.issues[0].code == "A154"
    with pytest.raises(LandscapeError) as info:
        borda(pd.DataFrame({"a": [1]}, dtype="Int64"))
    assert info.value.issues[0].code == "A151"


def test_kemeny_refuses_too_many_options() -> None:
    k = KEMENY_MAX_OPTIONS + 1
    ranks = pd.DataFrame([list(range(1, k + 1))], columns=[f"o{i}" for i in range(k)],
                         dtype="Int64")
    with pytest.raises(LandscapeError) as info:
        kemeny(ranks)
    assert info.value.issues[0].code == "A152"
    assert "21 options" in info.value.issues[0].message


def test_dispatcher_knows_every_method_and_refuses_others() -> None:
    ranks = frame_from_orders(WIKI_SCHULZE, "ABCDE")
    for method in METHODS:
        assert consensus(ranks, method).method == method
    assert consensus(ranks, "plackett_luce").method == "plackett-luce"
    with pytest.raises(LandscapeError) as info:
        consensus(ranks, "copeland")
    assert info.value.issues[0].code == "A153"


# -- second libraries: pref_voting and choix (tests only) --------------------


def random_complete(rng: np.random.Generator, n: int, k: int) -> pd.DataFrame:
    orders = np.array([rng.permutation(k) for _ in range(n)])
    ranks = np.argsort(orders, axis=1) + 1  # position of each option
    return pd.DataFrame(ranks, columns=[f"o{i}" for i in range(k)], dtype="Int64")


def to_profile(ranks: pd.DataFrame) -> Profile:
    orders = [list(np.argsort(row)) for row in ranks.to_numpy(dtype=int)]
    return Profile([[int(c) for c in o] for o in orders])


@pytest.mark.parametrize("seed", range(5))
def test_pairwise_borda_schulze_kemeny_match_pref_voting(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ranks = random_complete(rng, n=int(rng.integers(3, 12)), k=5)
    profile = to_profile(ranks)
    d = pairwise_matrix(ranks).to_numpy()
    assert all(d[a, b] == profile.support(a, b) for a in range(5) for b in range(5) if a != b)
    # pref_voting Borda is the classic m - r count, as totals
    pv_borda = profile.borda_scores()
    ours = borda(ranks, convention="classic").details["total"]
    assert [ours[f"o{i}"] for i in range(5)] == [pv_borda[i] for i in range(5)]
    # Schulze winners = options nobody beats (for complete rankings margins and
    # winning votes give the same relation)
    result = schulze(ranks)
    assert sorted(int(c[1:]) for c in result.details["winners"]) == beat_path(profile)
    assert result.order[0] in result.details["winners"]
    # Kemeny: same minimal distance and the same set of optimal orders
    pv_orders, pv_distance = kemeny_young_rankings(profile)
    km = kemeny(ranks)
    assert km.details["distance"] == pv_distance
    assert km.details["optimal_orders"] == len(pv_orders)
    assert tuple(int(c[1:]) for c in km.order) in {tuple(o) for o in pv_orders}


def test_pairwise_matrix_with_partial_rankings_matches_pref_voting_with_ties() -> None:
    ranks = pd.DataFrame({"a": [1, pd.NA, 2, 1], "b": [2, 1, 1, pd.NA],
                          "c": [pd.NA, 2, 2, pd.NA], "d": [pd.NA, pd.NA, 3, 2]},
                         dtype="Int64")
    ballots = [{j: int(v) for j, v in enumerate(row) if not pd.isna(v)}
               for row in ranks.itertuples(index=False)]
    profile = ProfileWithTies(ballots, candidates=[0, 1, 2, 3])
    profile.use_extended_strict_preference()  # ranked above unranked
    d = pairwise_matrix(ranks).to_numpy()
    assert all(d[a, b] == profile.support(a, b) for a in range(4) for b in range(4) if a != b)


def worths_from_choix(params: np.ndarray) -> np.ndarray:
    w = np.exp(params - params.max())
    return w / w.sum()


@pytest.mark.parametrize("seed", range(3))
def test_plackett_luce_matches_choix_on_complete_rankings(seed: int) -> None:
    rng = np.random.default_rng(seed)
    true = rng.uniform(0.5, 3.0, size=6)
    rows = []
    for _ in range(60):  # sample Plackett-Luce rankings so every option wins and loses
        left, order = list(range(6)), []
        while left:
            p = true[left] / true[left].sum()
            order.append(left.pop(int(rng.choice(len(left), p=p))))
        rows.append(order)
    ranks = pd.DataFrame(np.argsort(rows, axis=1) + 1, columns=list("abcdef"), dtype="Int64")
    ours = plackett_luce(ranks)
    expected = worths_from_choix(choix.ilsr_rankings(6, rows, tol=1e-12))
    assert [ours.scores[c] for c in "abcdef"] == pytest.approx(expected, abs=1e-6)


def test_plackett_luce_top_k_matches_choix_top1_decomposition() -> None:
    # top-3 of 5: each choice is a top-1 observation among the options still left
    rows = [[0, 1, 2], [1, 0, 3], [2, 3, 4], [4, 0, 1], [3, 2, 0], [0, 4, 2], [1, 2, 3],
            [2, 1, 4], [3, 4, 1], [4, 3, 0]]
    frame = pd.DataFrame(pd.NA, index=range(len(rows)), columns=list("abcde"), dtype="Int64")
    data = []
    for r, order in enumerate(rows):
        for place, item in enumerate(order, start=1):
            frame.iat[r, item] = place
            losers = [j for j in range(5) if j not in order[:place]]
            data.append((item, losers))
    ours = plackett_luce(frame)
    assert ours.details["mle_exists"] is True
    expected = worths_from_choix(choix.mm_top1(5, data, tol=1e-12))
    assert [ours.scores[c] for c in "abcde"] == pytest.approx(expected, abs=1e-6)


def test_plackett_luce_regularised_matches_choix_alpha() -> None:
    rows = [[0, 1, 2], [0, 1, 2], [1, 0, 2], [0, 1, 2]]  # option 2 never beats anyone
    ranks = pd.DataFrame(np.argsort(rows, axis=1) + 1, columns=list("abc"), dtype="Int64")
    ours = plackett_luce(ranks)
    assert ours.details["mle_exists"] is False
    expected = worths_from_choix(choix.mm_rankings(3, rows, alpha=0.1, tol=1e-12))
    assert [ours.scores[c] for c in "abc"] == pytest.approx(expected, abs=1e-6)


# -- Kemeny DP against brute force on random profiles -----------------------

profiles = st.integers(2, 6).flatmap(lambda k: st.lists(
    st.lists(st.one_of(st.none(), st.integers(1, k)), min_size=k, max_size=k)
    .filter(lambda row: any(v is not None for v in row)),
    min_size=1, max_size=12,
))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_kemeny_dp_equals_brute_force(rows: list[list[int | None]]) -> None:
    k = len(rows[0])
    ranks = pd.DataFrame([[pd.NA if v is None else v for v in row] for row in rows],
                         columns=[f"o{i}" for i in range(k)], dtype="Int64")
    d = pairwise_matrix(ranks).to_numpy()
    best, optimal = brute_force_kemeny(d)
    result = kemeny(ranks)
    order = [int(c[1:]) for c in result.order]
    assert result.details["distance"] == best
    assert kendall_distance(order, d) == best
    assert result.details["optimal_orders"] == len(optimal)
    assert tuple(order) == optimal[0]  # lexicographically first optimal order


def test_kemeny_nine_options_matches_brute_force_distance() -> None:
    # one full-size check: 9! orders by brute force on the pairwise matrix (numpy)
    ranks = random_complete(np.random.default_rng(7), n=35, k=9)
    d = pairwise_matrix(ranks).to_numpy()
    perms = np.array(list(itertools.permutations(range(9))), dtype=np.int8)
    pos = np.argsort(perms, axis=1)
    total = np.zeros(len(perms), dtype=np.int64)
    for a in range(9):
        for b in range(9):
            if a != b:
                total += np.where(pos[:, a] < pos[:, b], d[b, a], 0)
    result = kemeny(ranks)
    assert result.details["distance"] == int(total.min())
    assert result.details["optimal_orders"] == int((total == total.min()).sum())
