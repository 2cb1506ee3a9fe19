"""How sure a consensus order is: bootstrap position intervals and the majority check.

A consensus order (:mod:`survey.ranking.consensus`) prints every option at one
place, however thin the evidence for that place. This module says how much of
the order the data support:

* :func:`position_intervals` — resample respondents with replacement (a seeded
  bootstrap), rerun the method on every resample, and report each option's
  95% interval of positions and its chance of coming first.
* :func:`majority_check` — whether one option beats every other head to head
  (a Condorcet winner) and, when none does, the majority cycle: the Smith set,
  the smallest group of options that each beat or tie every option outside it,
  with one cycle inside it spelled out.
* :func:`top_by_method` and :func:`disagreement_warning` — which option each
  method puts first, and a warning when they differ.

Bootstrap scheme, stated once
-----------------------------
Respondents who ranked at least one option (the ``n`` of every method) are
resampled: ``numpy.random.default_rng(seed).integers(0, n, size=(resamples, n))``
gives every resample's row indices at once, in that order. A resample is a
rankings frame like any other and goes through the same method function, so
its conventions (partial rankings, ties, tie-breaks in question order) apply
unchanged. An option's position in a resample is its place in that resample's
order (1 = top); the interval is the empirical 2.5% and 97.5% quantiles of
those positions (``numpy.quantile(..., method="inverted_cdf")``, so both ends
are positions that occurred), and the chance of coming first is the share of
resamples that put it at position 1. The percentile bootstrap describes
sampling variability of respondents only; with tens of respondents read the
interval's ends as rough.

Examples
--------
>>> import pandas as pd
>>> ranks = pd.DataFrame({"a": [1, 1, 2, 1], "b": [2, 3, 1, 2], "c": [3, 2, 3, 3]},
...                      dtype="Int64")
>>> found = position_intervals(ranks, "mean-rank", resamples=200, seed=1)
>>> found.options[0].option, found.options[0].low
('a', 1)
>>> majority_check(ranks).winner
'a'
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from survey.errors import LandscapeError
from survey.ranking.consensus import METHODS, Consensus, _pairwise, _ranks_array, consensus

__all__ = [
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "MajorityCheck",
    "OptionInterval",
    "PositionIntervals",
    "disagreement_warning",
    "majority_check",
    "position_intervals",
    "top_by_method",
]

#: Resamples when none are asked for: enough for the 2.5% and 97.5% quantiles of
#: a position (25 resamples beyond each end), and fast for nine options.
DEFAULT_RESAMPLES = 1000
#: Seed when none is given, so the same data always print the same intervals (the
#: comparisons of :mod:`survey.ranking.evidence` use it too).
DEFAULT_SEED = 2022


@dataclass(frozen=True)
class OptionInterval:
    """One option's place in the consensus order and its bootstrap spread.

    Attributes
    ----------
    option : str
        Option code.
    position : int
        Place in the order computed on all respondents (1 = top).
    low, high : int
        The 95% (by default) bootstrap interval of its place.
    first : float
        Share of resamples putting it first.
    """

    option: str
    position: int
    low: int
    high: int
    first: float


@dataclass(frozen=True)
class PositionIntervals:
    """Bootstrap position intervals for one method's consensus order.

    ``options`` follow the order computed on all respondents.
    """

    method: str
    n: int
    resamples: int
    seed: int
    level: float
    options: list[OptionInterval]

    @property
    def note(self) -> str:
        """One sentence saying how the intervals were made."""
        return (f"Position intervals: {100 * self.level:g}% of {self.resamples:,} bootstrap "
                f"resamples of the {self.n} respondents (seed {self.seed}) put the option "
                "within them; 'first' is the share of resamples putting it at the top.")

    def by_option(self) -> dict[str, OptionInterval]:
        """Option code -> its interval."""
        return {o.option: o for o in self.options}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record.

        Examples
        --------
        >>> found = PositionIntervals("borda", 3, 10, 1, 0.95,
        ...                           [OptionInterval("a", 1, 1, 2, 0.7)])
        >>> found.as_dict()["options"][0]["first"]
        0.7
        """
        return {"method": self.method, "n": self.n, "resamples": self.resamples,
                "seed": self.seed, "level": self.level, "note": self.note,
                "options": [{"option": o.option, "position": o.position, "low": o.low,
                             "high": o.high, "first": o.first} for o in self.options]}


def _check_resampling(resamples: int, level: float) -> None:
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) \
            or resamples < 1:
        raise LandscapeError.of(
            "A153", f"resamples must be a whole number of 1 or more, not {resamples!r}")
    if not 0 < level < 1:
        raise LandscapeError.of(
            "A153", f"the interval level must lie between 0 and 1 (0.95 for 95%), not {level!r}")


def position_intervals(ranks: pd.DataFrame, method: str, *,
                       resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED,
                       level: float = 0.95, result: Consensus | None = None
                       ) -> PositionIntervals:
    """Seeded bootstrap intervals of each option's place in a consensus order.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame (see :mod:`survey.ranking.consensus`).
    method : str
        One of :data:`survey.ranking.consensus.METHODS`.
    resamples : int
        Bootstrap resamples of respondents.
    seed : int
        Seed of ``numpy.random.default_rng``; the module docstring gives the scheme.
    level : float
        Interval coverage (0.95 = the middle 95% of resampled positions).
    result : Consensus, optional
        The method's result on ``ranks`` when already computed.

    Returns
    -------
    PositionIntervals
        Options in the order computed on all respondents.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 2, 1], "b": [2, 1, 2]}, dtype="Int64")
    >>> found = position_intervals(ranks, "borda", resamples=100, seed=3)
    >>> [(o.option, o.low, o.high) for o in found.options]
    [('a', 1, 2), ('b', 1, 2)]
    """
    _check_resampling(resamples, level)
    codes, values = _ranks_array(ranks)
    full = result if result is not None else consensus(ranks, method)
    n, k = values.shape
    draws = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    positions = np.empty((resamples, k), dtype=np.int64)
    column = {c: j for j, c in enumerate(codes)}
    for r, rows in enumerate(draws):
        order = consensus(pd.DataFrame(values[rows], columns=codes), method).order
        for place, code in enumerate(order, start=1):
            positions[r, column[code]] = place
    tail = (1 - level) / 2
    low = np.quantile(positions, tail, axis=0, method="inverted_cdf")
    high = np.quantile(positions, 1 - tail, axis=0, method="inverted_cdf")
    first = (positions == 1).mean(axis=0)
    return PositionIntervals(
        method=full.method, n=n, resamples=int(resamples), seed=int(seed), level=level,
        options=[OptionInterval(code, place, int(low[column[code]]), int(high[column[code]]),
                                float(first[column[code]]))
                 for place, code in enumerate(full.order, start=1)])


# -- head to head -----------------------------------------------------------------


@dataclass(frozen=True)
class MajorityCheck:
    """Head-to-head majorities among the options.

    Attributes
    ----------
    winner : str or None
        The Condorcet winner: the option more respondents prefer to each other
        option than the reverse; None when there is none.
    smith_set : list of str
        The smallest group of options each of which beats or ties every option
        outside it (question order). It is just the winner when there is one;
        otherwise the majority cycle lives inside it.
    cycle : list of str
        One majority cycle inside the Smith set (each beats the next, the last
        beats the first); empty when there is a winner or no strict cycle.
    pairwise : dict
        ``pairwise[a][b]``: respondents placing ``a`` above ``b``.
    options : list of str
        All option codes, question order.
    """

    winner: str | None
    smith_set: list[str]
    cycle: list[str]
    pairwise: dict[str, dict[str, int]]
    options: list[str]

    def losses(self, option: str) -> list[tuple[str, int, int]]:
        """Who beats ``option`` head to head: ``(other, for other, for option)``."""
        d = self.pairwise
        return [(b, d[b][option], d[option][b]) for b in self.options
                if b != option and d[b][option] > d[option][b]]

    def reading(self, labels: Mapping[str, str] | None = None, top: str | None = None) -> str:
        """One to three plain sentences; ``top`` (an order's first option) adds who beats it.

        Examples
        --------
        >>> import pandas as pd
        >>> ranks = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 1], "c": [3, 1, 2]},
        ...                      dtype="Int64")
        >>> print(majority_check(ranks).reading())  # doctest: +NORMALIZE_WHITESPACE
        No option beats every other head to head: a, b, c are in a majority cycle
        (a beats b 2-1, b beats c 2-1, c beats a 2-1).
        """
        def name(code: str) -> str:
            return (labels or {}).get(code, code)

        losses = "" if top is None else self._losses_sentence(top, name)
        if self.winner is not None:
            return (f"{name(self.winner)} beats every other option head to head "
                    "(a Condorcet winner)." + losses)
        d = self.pairwise
        text = (f"No option beats every other head to head: "
                f"{', '.join(name(c) for c in self.smith_set)} are in a majority cycle")
        if len(self.smith_set) < len(self.options):
            text = text.replace(" are in ", f" ({len(self.smith_set)} of "
                                f"{len(self.options)} options) are in ")
        if self.cycle:
            steps = [f"{name(a)} beats {name(b)} {d[a][b]}-{d[b][a]}" for a, b in
                     zip(self.cycle, self.cycle[1:] + self.cycle[:1], strict=True)]
            return text + f" ({', '.join(steps)})." + losses
        return text + " (held together by tied head-to-head counts)." + losses

    def _losses_sentence(self, top: str, name: Any) -> str:
        lost = self.losses(top)
        if not lost:
            return ""
        against = ", ".join(f"{name(b)} ({won}-{lost_by})" for b, won, lost_by in lost)
        return f" The first option of this order, {name(top)}, loses head to head to {against}."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record."""
        return {"condorcet_winner": self.winner, "smith_set": list(self.smith_set),
                "cycle": list(self.cycle), "reading": self.reading()}


def _reach(edges: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Reflexive transitive closure of a small adjacency matrix (repeated squaring)."""
    reach = edges | np.eye(edges.shape[0], dtype=bool)
    while True:
        wider = (reach.astype(np.int64) @ reach.astype(np.int64)) > 0
        if (wider == reach).all():
            return reach
        reach = wider


def _shortest_cycle(beats: NDArray[np.bool_], members: list[int]) -> list[int]:
    """A shortest strict-majority cycle among ``members`` (earliest start on ties)."""
    best: list[int] = []
    allowed = set(members)
    for start in members:
        parent = {start: -1}
        queue = deque([start])
        found: list[int] = []
        while queue and not found:
            node = queue.popleft()
            for nxt in np.flatnonzero(beats[node]):
                nxt = int(nxt)
                if nxt not in allowed:
                    continue
                if nxt == start:
                    found = [node]
                    while parent[found[-1]] != -1:
                        found.append(parent[found[-1]])
                    break
                if nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if found and (not best or len(found) < len(best)):
            best = found[::-1]
    return best


def majority_check(ranks: pd.DataFrame) -> MajorityCheck:
    """Condorcet winner, Smith set and one majority cycle, from the pairwise counts.

    Head to head, ``a`` beats ``b`` when more respondents place ``a`` above ``b``
    than ``b`` above ``a`` (:func:`survey.ranking.consensus.pairwise_matrix`: a
    ranked option beats an unranked one; ties count for neither). The Smith set
    is the set of options that reach every option along "beats or ties" steps
    (Smith 1973; the top strongly connected component of that digraph); the
    cycle shown is a shortest "beats" cycle inside it.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.

    Returns
    -------
    MajorityCheck

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 1], "c": [3, 1, 2]}, dtype="Int64")
    >>> found = majority_check(ranks)
    >>> found.winner, found.smith_set, found.cycle
    (None, ['a', 'b', 'c'], ['a', 'b', 'c'])
    """
    codes, values = _ranks_array(ranks)
    d = _pairwise(values)
    beats = d > d.T
    k = len(codes)
    winners = [i for i in range(k) if beats[i].sum() == k - 1]
    reach = _reach(d >= d.T)
    smith = [i for i in range(k) if reach[i].all()]
    cycle = [] if winners else _shortest_cycle(beats, smith)
    return MajorityCheck(
        winner=codes[winners[0]] if winners else None,
        smith_set=[codes[i] for i in smith],
        cycle=[codes[i] for i in cycle],
        pairwise={a: {b: int(d[i, j]) for j, b in enumerate(codes)}
                  for i, a in enumerate(codes)},
        options=list(codes),
    )


# -- methods side by side ---------------------------------------------------------


def top_by_method(ranks: pd.DataFrame, methods: Iterable[str] = METHODS,
                  results: Mapping[str, Consensus] | None = None) -> dict[str, str]:
    """The option each method puts first (methods that refuse the data are left out).

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 1, 2], "b": [2, 3, 1], "c": [3, 2, 3]}, dtype="Int64")
    >>> set(top_by_method(ranks).values())
    {'a'}
    """
    tops: dict[str, str] = {}
    for method in methods:
        known = (results or {}).get(method)
        if known is None:
            try:
                known = consensus(ranks, method)
            except LandscapeError as exc:
                if exc.issues[0].code != "A152":  # too many options for exact Kemeny
                    raise
                continue
        tops[method] = known.order[0]
    return tops


def disagreement_warning(tops: Mapping[str, str],
                         labels: Mapping[str, str] | None = None) -> str:
    """A warning naming which methods put which option first; ``""`` when they agree.

    Examples
    --------
    >>> print(disagreement_warning({"borda": "a", "kemeny": "b", "schulze": "b"}))
    ... # doctest: +NORMALIZE_WHITESPACE
    WARNING: the methods disagree on the top option: b (kemeny, schulze); a (borda).
    Read the top of any one order as uncertain.
    >>> disagreement_warning({"borda": "a", "kemeny": "a"})
    ''
    """
    by_option: dict[str, list[str]] = {}
    for method, option in tops.items():
        by_option.setdefault(option, []).append(method)
    if len(by_option) < 2:
        return ""
    groups = sorted(by_option.items(), key=lambda item: -len(item[1]))
    parts = [f"{(labels or {}).get(option, option)} ({', '.join(methods)})"
             for option, methods in groups]
    return ("WARNING: the methods disagree on the top option: " + "; ".join(parts)
            + ". Read the top of any one order as uncertain.")
