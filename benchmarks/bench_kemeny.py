"""Benchmark: exact Kemeny consensus for 9 options, beside pref_voting's ``kemeny_young``.

For random complete rankings of 9 options (35 respondents, as many as the 2022
local-government sample, and 1,000), times in one run:

* ``survey.ranking.consensus.kemeny`` — the whole call, from the rankings frame
  (validation, pairwise matrix, dynamic programme over the 2**9 subsets), median
  of ``--repeat`` runs;
* the dynamic programme alone, on the pairwise matrix;
* ``pref_voting.other_methods.kemeny_young`` (default "marginal" algorithm: all
  9! = 362,880 orders), once, on the same profile.

It then checks the answers agree: pref_voting returns the Kemeny *winners* (the
options first in some optimal order), which must be exactly our top option when
our order is the unique optimum; and an exhaustive NumPy pass over all 9! orders
confirms our whole order attains the minimal total Kendall distance and counts
the optimal orders. With ``--full-orders`` it also runs pref_voting's
``kemeny_young_rankings`` (Kendall-tau search, about two minutes for 35
respondents, so only on the 35-respondent profile) and compares the complete sets of optimal orders.

Peak memory is measured with ``tracemalloc`` in separate passes (tracing slows
pure-Python code, so timings are taken untraced).

Run: ``python benchmarks/bench_kemeny.py [--repeat R] [--full-orders]``
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pref_voting.other_methods import kemeny_young, kemeny_young_rankings
from pref_voting.profiles import Profile

from survey.ranking.consensus import _kemeny_dp, kemeny, pairwise_matrix

K = 9


def make_profile(respondents: int, seed: int) -> tuple[pd.DataFrame, Profile]:
    rng = np.random.default_rng(seed)
    orders = np.array([rng.permutation(K) for _ in range(respondents)])
    positions = np.argsort(orders, axis=1) + 1
    frame = pd.DataFrame(positions, columns=[f"o{i}" for i in range(K)], dtype="Int64")
    return frame, Profile(orders.tolist())


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_bytes(function: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def exhaustive(d: np.ndarray) -> tuple[int, int, np.ndarray]:
    """Minimal Kendall distance over all K! orders, how many attain it, and its distance table."""
    perms = np.array(list(itertools.permutations(range(K))), dtype=np.int8)
    position = np.argsort(perms, axis=1)
    total = np.zeros(len(perms), dtype=np.int64)
    for a in range(K):
        for b in range(K):
            if a != b:  # a placed above b disagrees with the d[b, a] who prefer b
                total += np.where(position[:, a] < position[:, b], d[b, a], 0)
    best = int(total.min())
    return best, int((total == best).sum()), total


def distance(order: list[int], d: np.ndarray) -> int:
    return int(sum(d[b, a] for x, a in enumerate(order) for b in order[x + 1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="runs of our code to time")
    parser.add_argument("--full-orders", action="store_true",
                        help="also run pref_voting's kemeny_young_rankings (slow)")
    args = parser.parse_args()

    rows = []
    for respondents, seed in ((35, 2022), (1000, 7)):
        frame, profile = make_profile(respondents, seed)
        d = pairwise_matrix(frame).to_numpy()
        kemeny(frame)  # warm caches / imports outside the timing
        ours_time, ours = timed(lambda f=frame: kemeny(f), args.repeat)  # type: ignore[misc]
        dp_time, _ = timed(lambda d=d: _kemeny_dp(d), args.repeat)  # type: ignore[misc]
        pv_time, pv_winners = timed(lambda p=profile: kemeny_young(p), 1)  # type: ignore[misc]
        ours_mem = peak_bytes(lambda f=frame: kemeny(f))  # type: ignore[misc]
        pv_mem = peak_bytes(lambda p=profile: kemeny_young(p))  # type: ignore[misc]

        order = [int(c[1:]) for c in ours.order]
        best, n_optimal, _ = exhaustive(d)
        unique = ours.details["optimal_orders"] == 1
        winners_agree = (pv_winners == [order[0]]) if unique else (order[0] in pv_winners)
        order_optimal = distance(order, d) == best == ours.details["distance"]
        count_agrees = n_optimal == ours.details["optimal_orders"]
        full = "not run"
        if args.full_orders and respondents <= 100:  # its cost grows with respondents
            pv_orders, pv_distance = kemeny_young_rankings(profile)
            pv_set = {tuple(int(c) for c in o) for o in pv_orders}
            full = ("same" if pv_distance == best and tuple(order) in pv_set
                    and len(pv_set) == n_optimal else "DIFFERENT")
        rows.append({
            "respondents": respondents,
            "ours_ms": 1000 * ours_time,
            "dp_ms": 1000 * dp_time,
            "pref_voting_s": pv_time,
            "ratio": pv_time / ours_time,
            "ours_peak_kib": ours_mem / 1024,
            "pv_peak_kib": pv_mem / 1024,
            "winner": f"o{order[0]} vs {['o' + str(w) for w in pv_winners]}",
            "agree": "yes" if winners_agree and order_optimal and count_agrees else "NO",
            "optimal_orders": ours.details["optimal_orders"],
            "full_orders": full,
            "order": " > ".join(ours.order),
        })

    print(f"Exact Kemeny, {K} options, random complete rankings "
          f"(median of {args.repeat} runs for ours; pref_voting once)")
    header = (f"{'n':>5}  {'ours (ms)':>9}  {'DP only (ms)':>12}  {'pref_voting (s)':>15}  "
              f"{'ratio':>8}  {'peak ours (KiB)':>15}  {'peak pv (KiB)':>13}  {'agree':>5}  "
              f"{'#optimal':>8}  {'full orders':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['respondents']:>5}  {r['ours_ms']:>9.2f}  {r['dp_ms']:>12.3f}  "
              f"{r['pref_voting_s']:>15.2f}  {r['ratio']:>7.0f}x  {r['ours_peak_kib']:>15.0f}  "
              f"{r['pv_peak_kib']:>13.0f}  {r['agree']:>5}  {r['optimal_orders']:>8}  "
              f"{r['full_orders']:>11}")
    for r in rows:
        print(f"n={r['respondents']}: winner ours vs pref_voting: {r['winner']}; "
              f"order {r['order']}")
    print("agree = pref_voting's winners match our top option, our order attains the minimal "
          "distance found by an exhaustive pass over all 9! orders, and the number of optimal "
          "orders matches.")


if __name__ == "__main__":
    main()
