"""Weighting respondents to the sampling frame: post-stratification and raking.

Both methods make the weighted respondents look like the frame on the chosen
dimensions (nation, region, organisation type). Each respondent's weight is how
many frame members they stand for, so the weights sum to the frame size N.

* **Post-stratification** (Holt & Smith 1979, "Post stratification", JRSS A
  142:33-46): the cells are the combinations of the dimensions; a respondent in
  cell c gets N_c / n_c. A cell with frame members but no respondents cannot be
  weighted, so it is merged: with the cells that share all but its last
  dimension (then all but its last two, ...); with one dimension left, with
  the next cell in frame order (the smallest other cell).
* **Raking**, iterative proportional fitting (Deming & Stephan 1940, Ann. Math.
  Statist. 11:427-444): the weights are scaled to each dimension's frame margin
  in turn until every margin matches within ``tol``. Only the margins must
  match, so sparse cross-classifications are fine; a category of a margin with
  no respondents is merged with the smallest other category of that margin.

What the weights cost is reported as Kish's design effect of unequal weights,
deff = n Σw² / (Σw)², and the effective sample size n / deff (Kish 1965,
*Survey Sampling*, 11.7). When the frame is the whole population (every
council is in it), a share's variance also carries the finite population
correction 1 - n/N. :func:`weighted_share` puts both into a Wilson interval on
the effective n (Korn & Graubard 1998, "Confidence intervals for proportions
with small expected number of positive counts", Survey Methodology 24:193-201).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from survey.errors import LandscapeError
from survey.stats.smalln import is_small

__all__ = ["METHODS", "WeightResult", "poststratify", "rake", "weighted_share"]

METHODS = ("poststratify", "rake")
_SEP = " × "


@dataclass(frozen=True)
class WeightResult:
    """Each respondent's weight, and what the weighting did and cost."""

    method: str
    dimensions: tuple[str, ...]
    #: Respondent (or response) id -> weight; the weights sum to the frame size.
    weights: pd.Series
    frame_size: int
    #: What was merged because it had no respondents: (merged cells, merged into).
    merged: list[tuple[str, str]] = field(default_factory=list)
    iterations: int = 0

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def design_effect(self) -> float:
        """Kish's design effect of unequal weights, n Σw² / (Σw)²."""
        w = self.weights.to_numpy(dtype=float)
        return float(len(w) * (w ** 2).sum() / w.sum() ** 2) if len(w) else math.nan

    @property
    def effective_n(self) -> float:
        """(Σw)² / Σw²: how many unweighted respondents the weighted ones are worth."""
        return self.n / self.design_effect if self.n else 0.0

    @property
    def sampling_fraction(self) -> float:
        """n / N: the share of the frame that responded."""
        return self.n / self.frame_size if self.frame_size else math.nan

    def summary(self) -> dict[str, Any]:
        """The figures a report shows: range, design effect, effective n, merges."""
        w = self.weights
        return {
            "method": self.method, "dimensions": list(self.dimensions),
            "respondents": self.n, "frame": self.frame_size,
            "weight_min": float(w.min()) if self.n else None,
            "weight_max": float(w.max()) if self.n else None,
            "weight_ratio": float(w.max() / w.min()) if self.n else None,
            "design_effect": round(self.design_effect, 6),
            "effective_n": round(self.effective_n, 6),
            "sampling_fraction": round(self.sampling_fraction, 6),
            "merged": [{"cells": a, "into": b} for a, b in self.merged],
            "iterations": self.iterations,
        }


def _cells(frame: pd.DataFrame, dims: Sequence[str]) -> pd.Series:
    """Each row's cell: its values on ``dims`` joined (missing = ``(unknown)``)."""
    parts = [frame[d].astype(object).where(frame[d].notna(), "(unknown)").astype(str)
             for d in dims]
    out = parts[0]
    for part in parts[1:]:
        out = out + _SEP + part
    return out


def _check(sample: pd.DataFrame, population: pd.DataFrame, dims: Sequence[str]) -> None:
    if not dims:
        raise LandscapeError.of("A183", "name at least one dimension to weight by")
    for d in dims:
        if d not in sample.columns or d not in population.columns:
            raise LandscapeError.of("A183", f"cannot weight by '{d}': the frame has no such "
                                    "field")
    if population.empty or sample.empty:
        raise LandscapeError.of("A182", "no respondents in the frame to weight"
                                if population.size else "the frame is empty")


def _merge_empty(sample_cells: pd.Series, frame_cells: pd.Series, dims: Sequence[str]
                 ) -> tuple[pd.Series, pd.Series, list[tuple[str, str]]]:
    """Merge every frame cell without respondents into a sibling cell that has some.

    Siblings share all but the last dimension; the empty cell joins the smallest
    of them (by frame count). When no sibling has respondents the whole group is
    one empty cell at the next coarser level, and so on up to one dimension.
    """
    merged: list[tuple[str, str]] = []
    have = set(sample_cells)
    for depth in range(len(dims) - 1, 0, -1):
        sizes = frame_cells.value_counts()
        empty = sorted(c for c in sizes.index if c not in have)
        if not empty:
            break

        def coarse(cell: str, depth: int = depth) -> str:
            return _SEP.join(cell.split(_SEP)[:depth])

        mapping: dict[str, str] = {}
        for key in sorted({coarse(c) for c in empty}):
            cells = [c for c in empty if coarse(c) == key]
            full = [c for c in sizes.index if coarse(c) == key and c in have]
            target = (min(full, key=lambda c: (int(sizes[c]), c)) if full
                      else key + _SEP + "(merged)")
            mapping.update(dict.fromkeys(cells, target))
            if full:
                merged.append((", ".join(cells), target))
        frame_cells = frame_cells.map(lambda c, m=mapping: m.get(c, c))
    return _merge_one_dimension(sample_cells, frame_cells, merged)


def _merge_one_dimension(sample_cells: pd.Series, frame_cells: pd.Series,
                         merged: list[tuple[str, str]]
                         ) -> tuple[pd.Series, pd.Series, list[tuple[str, str]]]:
    """Each empty cell joins the smallest cell (by frame count) that has respondents."""
    have = set(sample_cells)
    sizes = frame_cells.value_counts()
    empty = sorted(c for c in sizes.index if c not in have)
    if not empty:
        return sample_cells, frame_cells, merged
    if not have:
        raise LandscapeError.of("A182", "no respondent is in the frame")
    target = min(have, key=lambda c: (int(sizes.get(c, 0)), c))
    mapping = dict.fromkeys(empty, target)
    merged.append((", ".join(empty), target))
    return sample_cells, frame_cells.map(lambda c: mapping.get(c, c)), merged


def poststratify(sample: pd.DataFrame, population: pd.DataFrame,
                 dims: Sequence[str]) -> WeightResult:
    """Post-stratification weights N_c / n_c, merging cells without respondents.

    Parameters
    ----------
    sample
        One row per respondent (index = id) with the columns ``dims``.
    population
        One row per frame member with the columns ``dims`` (respondents included).
    dims
        The dimensions whose combinations are the cells.

    Examples
    --------
    >>> frame = pd.DataFrame({"nation": ["e"] * 6 + ["w"] * 4})
    >>> sample = pd.DataFrame({"nation": ["e", "e", "w"]}, index=["a", "b", "c"])
    >>> poststratify(sample, frame, ["nation"]).weights.tolist()
    [3.0, 3.0, 4.0]
    """
    _check(sample, population, dims)
    sample_cells, frame_cells, merged = _merge_empty(_cells(sample, dims),
                                                     _cells(population, dims), dims)
    big = frame_cells.value_counts()
    small = sample_cells.value_counts()
    weights = sample_cells.map(lambda c: float(big[c]) / float(small[c]))
    return WeightResult("poststratify", tuple(dims), weights.astype(float),
                        len(population), merged)


def rake(sample: pd.DataFrame, population: pd.DataFrame, dims: Sequence[str], *,
         tol: float = 1e-10, max_iter: int = 1000) -> WeightResult:
    """Raking weights (iterative proportional fitting) to each dimension's frame margin.

    Starts from N / n for everyone; raises ``A182`` if the margins do not
    converge within ``max_iter`` sweeps.

    Examples
    --------
    >>> frame = pd.DataFrame({"nation": ["e"] * 6 + ["w"] * 4,
    ...                       "kind": ["u", "d"] * 5})
    >>> sample = pd.DataFrame({"nation": ["e", "e", "w", "w"], "kind": ["u", "d", "u", "u"]},
    ...                       index=list("abcd"))
    >>> result = rake(sample, frame, ["nation", "kind"])
    >>> [round(w, 6) for w in result.weights]
    [1.0, 5.0, 2.0, 2.0]
    """
    _check(sample, population, dims)
    merged: list[tuple[str, str]] = []
    columns: dict[str, pd.Series] = {}
    targets: dict[str, pd.Series] = {}
    for d in dims:
        s_cells, f_cells, merged = _merge_one_dimension(_cells(sample, [d]),
                                                        _cells(population, [d]), merged)
        columns[d], targets[d] = s_cells, f_cells.value_counts().astype(float)
    weights = np.full(len(sample), len(population) / len(sample), dtype=float)
    codes = {d: pd.Categorical(columns[d], categories=targets[d].index).codes for d in dims}
    for sweep in range(1, max_iter + 1):
        for d in dims:
            totals = np.bincount(codes[d], weights=weights, minlength=len(targets[d]))
            weights = weights * (targets[d].to_numpy() / totals)[codes[d]]
        worst = max(float(np.abs(np.bincount(codes[d], weights=weights,
                                             minlength=len(targets[d]))
                                 - targets[d].to_numpy()).max()) for d in dims)
        if worst <= tol * len(population):
            return WeightResult("rake", tuple(dims), pd.Series(weights, index=sample.index),
                                len(population), merged, sweep)
    raise LandscapeError.of("A182", f"raking did not converge in {max_iter} sweeps (the "
                            "margins cannot all be met); weight by fewer dimensions or "
                            "post-stratify")


def weighted_share(flags: pd.Series, weights: pd.Series, *, frame_size: int | None = None,
                   alpha: float = 0.05) -> dict[str, float | bool]:
    """A weighted share with a Wilson interval on the effective n (and the FPC).

    ``flags`` (booleans) and ``weights`` are aligned by id; the share is
    Σw·flag / Σw. The interval is Wilson's at the Kish effective n, divided by
    the finite population correction 1 - n/N when ``frame_size`` (N) is given
    (the frame is the population); ``small_n`` is the one small-n rule applied
    to the effective n and this interval.

    Examples
    --------
    >>> r = weighted_share(pd.Series([True, False, False]), pd.Series([3.0, 3.0, 4.0]))
    >>> round(r["share"], 3), round(r["effective_n"], 3)
    (0.3, 2.941)
    """
    w = weights.reindex(flags.index).to_numpy(dtype=float)
    x = flags.to_numpy(dtype=bool)
    total = w.sum()
    n = len(w)
    if n == 0 or total <= 0:
        return {"share": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "effective_n": 0.0, "small_n": True}
    share = float((w * x).sum() / total)
    effective = float(total ** 2 / (w ** 2).sum())
    # Korn & Graubard: the n whose binomial variance equals the design-based one.
    fpc = 1 - n / frame_size if frame_size else 1.0
    n_star = effective / fpc if fpc > 0 else math.inf
    if math.isinf(n_star):  # everybody in the population responded: no sampling error
        return {"share": share, "ci_low": share, "ci_high": share,
                "effective_n": effective, "small_n": False}
    low, high = proportion_confint(share * n_star, n_star, alpha=alpha, method="wilson")
    return {"share": share, "ci_low": float(low), "ci_high": float(high),
            "effective_n": effective,
            "small_n": is_small(math.floor(effective), float(low), float(high))}
