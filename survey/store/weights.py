"""Weighted priorities: an instrument's respondents weighted to its frame, shares beside.

Reads the frame and its respondents (:func:`survey.store.monitor.frame_and_sample`)
and the rankings (:func:`survey.store.analysis.store_ranking_groups`), weights
the respondents with :mod:`survey.stats.weighting`, and sets each option's
weighted share of a band beside the unweighted one, both with 95% intervals
and the small-n flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from survey.errors import LandscapeError
from survey.ranking.bands import RankingData, band_label
from survey.stats.smalln import share_interval
from survey.stats.weighting import METHODS, WeightResult, poststratify, rake, weighted_share
from survey.store.analysis import store_ranking_groups
from survey.store.engine import Store
from survey.store.monitor import NO_FRAME_NOTE, frame_and_sample, monitor_report

__all__ = ["WEIGHT_DIMENSIONS", "WeightedPriorities", "weighted_bands", "weighted_priorities"]

#: The frame's fields respondents can be weighted by.
WEIGHT_DIMENSIONS = ("nation", "region", "organisation_type")


@dataclass(frozen=True)
class WeightedPriorities:
    """The weights and, per option, the unweighted and weighted share of one band."""

    instrument: str
    result: WeightResult
    band: tuple[int, int]
    shares: pd.DataFrame
    #: Respondents who ranked the question but are not in the frame (not weighted).
    outside: int
    #: The monitor's non-response readings for this frame (respondents vs not, by group).
    nonresponse: tuple[str, ...] = ()

    @property
    def notes(self) -> list[str]:
        out = [f"Weighted to the frame by {', '.join(self.result.dimensions)} "
               f"({self.result.method}); weighted intervals use the effective n and the "
               f"finite population correction (the frame is the population: "
               f"{self.result.n} of {self.result.frame_size} responded)."]
        if self.outside:
            out.append(f"{self.outside} respondent(s) from outside the frame are not in "
                       "either column. " + NO_FRAME_NOTE)
        return out


def _check(dims: Sequence[str], method: str) -> None:
    bad = [d for d in dims if d not in WEIGHT_DIMENSIONS]
    if bad or not dims:
        raise LandscapeError.of("A183", f"cannot weight by '{', '.join(bad) or '(nothing)'}'; "
                                f"give one or more of {', '.join(WEIGHT_DIMENSIONS)}")
    if method not in METHODS:
        raise LandscapeError.of("A183", f"'{method}' is not a weighting method; use "
                                f"{' or '.join(METHODS)}")


def _weigh(store: Store, instrument: str, dims: Sequence[str], method: str,
           question: str | None) -> tuple[RankingData, pd.DataFrame, WeightResult, int]:
    """The rankings, those of frame members, their weights, and how many are outside."""
    _check(dims, method)
    frame, sample = frame_and_sample(store, instrument)
    if frame.empty or sample.empty:
        raise LandscapeError.of("A182", f"'{instrument}' has "
                                + ("no sampling frame" if frame.empty else
                                   "no complete response from anyone in its frame")
                                + ". " + NO_FRAME_NOTE)
    data = next(iter(store_ranking_groups(store, question, instrument=instrument).values()))
    positions = data.ranks
    answered = positions.notna().any(axis=1)
    in_frame = positions.index.isin(sample.index)
    ranked = positions[answered & in_frame]
    weigh = poststratify if method == "poststratify" else rake
    result = weigh(sample.loc[sample.index.isin(ranked.index)], frame, list(dims))
    return data, ranked, result, int((answered & ~in_frame).sum())


def _band_rows(data: RankingData, ranked: pd.DataFrame, result: WeightResult,
               band: tuple[int, int]) -> list[dict[str, object]]:
    lo, hi = band
    rows = []
    for option in data.options:
        column = ranked[option]
        flags = (column.ge(lo).fillna(False) & column.le(hi).fillna(False)).astype(bool)
        plain = share_interval(int(flags.sum()), len(flags))
        weighted = weighted_share(flags, result.weights, frame_size=result.frame_size)
        rows.append({"option": option, "label": data.label(option), "band": band_label(band),
                     "count": plain.count, "n": plain.n, "share": plain.share,
                     "ci_low": plain.low, "ci_high": plain.high, "small_n": plain.small,
                     "weighted_share": weighted["share"],
                     "weighted_ci_low": weighted["ci_low"],
                     "weighted_ci_high": weighted["ci_high"],
                     "effective_n": weighted["effective_n"],
                     "weighted_small_n": weighted["small_n"]})
    return rows


def weighted_priorities(store: Store, instrument: str, dims: Sequence[str],
                        method: str = "rake", band: tuple[int, int] = (1, 3),
                        question: str | None = None) -> WeightedPriorities:
    """Weight ``instrument``'s respondents to its frame; each option's band share both ways.

    Raises ``A182`` when the instrument has no frame or no respondent in it (an
    open-link survey: say so instead of weighting), ``A183`` for a bad
    dimension or method.

    Examples
    --------
    >>> store = Store.open("sqlite://", check=False); store.upgrade()
    >>> weighted_priorities(store, "researcher", ["nation"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error A182 ...
    """
    data, ranked, result, outside = _weigh(store, instrument, dims, method, question)
    readings = tuple(test.reading() for test in
                     monitor_report(store, instrument).nonresponse.values())
    return WeightedPriorities(instrument, result, band, pd.DataFrame(
        _band_rows(data, ranked, result, band)), outside, readings)


def weighted_bands(store: Store, instrument: str, dims: Sequence[str],
                   bands: Sequence[tuple[int, int]], method: str = "rake",
                   question: str | None = None) -> tuple[WeightResult, pd.DataFrame]:
    """Every band's weighted and unweighted share of every option (``priorities --weights``).

    Columns as :class:`WeightedPriorities`' ``shares``; raises like
    :func:`weighted_priorities`.
    """
    data, ranked, result, _ = _weigh(store, instrument, dims, method, question)
    rows = [row for band in bands for row in _band_rows(data, ranked, result, band)]
    return result, pd.DataFrame(rows)
