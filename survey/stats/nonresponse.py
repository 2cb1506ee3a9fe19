"""Non-response against the frame: do respondents differ from non-respondents?

For one dimension of the frame (nation, region, organisation type) the 2 x k
table of respondents and non-respondents by group is tested for independence:

* Pearson's chi-square (no continuity correction) when every expected count
  is at least 5 (Cochran 1954, "Some methods for strengthening the common
  chi-square tests", Biometrics 10:417-451);
* otherwise an exact test: Fisher's for a 2 x 2 table (scipy's
  ``fisher_exact``), and for 2 x k the Fisher-Freeman-Halton test by seeded
  Monte Carlo (Hope 1968, JRSS B 30:582-598): the respondents are redrawn at
  random from the frame (a multivariate hypergeometric draw, what independence
  means for a fixed frame and a fixed number of respondents) and the p-value is
  the share of draws whose chi-square is at least the observed one, counting the
  observed table itself ((1 + hits) / (1 + draws)).

Cramér's V (sqrt(chi2 / N) for a 2 x k table) says how large the difference
is, whatever the p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2, fisher_exact

from survey.errors import LandscapeError

__all__ = ["NonresponseRow", "NonresponseTest", "nonresponse_test"]

#: Below this expected count a cell makes the chi-square approximation unsafe.
MIN_EXPECTED = 5.0
#: Monte Carlo draws for the exact 2 x k test, and their seed (results repeat).
DRAWS = 20_000
SEED = 20221


@dataclass(frozen=True, slots=True)
class NonresponseRow:
    """One group: its frame, respondents, non-respondents and response rate."""

    group: str
    frame: int
    respondents: int

    @property
    def nonrespondents(self) -> int:
        return self.frame - self.respondents

    @property
    def rate(self) -> float:
        return self.respondents / self.frame if self.frame else math.nan


@dataclass(frozen=True)
class NonresponseTest:
    """The table and the test of independence for one dimension."""

    dimension: str
    rows: tuple[NonresponseRow, ...]
    method: str
    statistic: float
    dof: int
    p_value: float
    cramers_v: float
    min_expected: float
    note: str = ""

    def reading(self) -> str:
        """One plain sentence for a report."""
        if math.isnan(self.p_value):
            return f"Not tested by {self.dimension.replace('_', ' ')}: {self.note}."
        what = f"response rates differ by {self.dimension.replace('_', ' ')}"
        verdict = what if self.p_value < 0.05 else f"no evidence that {what}"
        p = "<0.001" if self.p_value < 0.001 else f"{self.p_value:.3f}"
        return f"{verdict.capitalize()} ({self.method}, p = {p}; Cramér's V = " \
               f"{self.cramers_v:.2f})."

    def to_dict(self) -> dict[str, Any]:
        def number(value: float) -> float | None:
            return None if math.isnan(value) else round(float(value), 6)

        return {
            "dimension": self.dimension,
            "rows": [{"group": r.group, "frame": r.frame, "respondents": r.respondents,
                      "nonrespondents": r.nonrespondents, "rate": number(r.rate)}
                     for r in self.rows],
            "method": self.method, "statistic": number(self.statistic), "dof": self.dof,
            "p_value": number(self.p_value), "cramers_v": number(self.cramers_v),
            "min_expected": number(self.min_expected), "note": self.note,
            "reading": self.reading(),
        }


def _chi_square(table: np.ndarray) -> tuple[float, np.ndarray]:
    """Pearson's statistic of a 2 x k table (rows respondents / non-respondents)."""
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    return float(terms.sum()), expected


def _monte_carlo_p(frame: np.ndarray, respondents: int, observed: float, draws: int,
                   seed: int) -> float:
    rng = np.random.default_rng(seed)
    drawn = rng.multivariate_hypergeometric(frame, respondents, size=draws)
    total = frame.sum()
    p = respondents / total
    expected_yes, expected_no = frame * p, frame * (1 - p)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = (np.where(expected_yes > 0, (drawn - expected_yes) ** 2 / expected_yes, 0)
                + np.where(expected_no > 0,
                           ((frame - drawn) - expected_no) ** 2 / expected_no, 0)).sum(axis=1)
    hits = int((stat >= observed - 1e-9 * max(1.0, observed)).sum())
    return (1 + hits) / (1 + draws)


def nonresponse_test(dimension: str, groups: Sequence[str], frame: Sequence[int],
                     respondents: Sequence[int], *, draws: int = DRAWS,
                     seed: int = SEED) -> NonresponseTest:
    """Respondents vs non-respondents by group, with a test of independence.

    Parameters
    ----------
    dimension
        What the groups are (e.g. ``nation``), for the reading.
    groups, frame, respondents
        Each group's name, its number in the frame and how many of them responded.
    draws, seed
        The Monte Carlo exact test's draws and seed (used only for 2 x k tables
        with an expected count under 5).

    Returns
    -------
    NonresponseTest
        ``method`` is ``chi-square``, ``Fisher exact`` or ``exact (Monte Carlo)``;
        with fewer than two groups, or nobody (or everybody) responding, nothing is
        tested: the p-value is NaN and ``note`` says why.

    Examples
    --------
    >>> t = nonresponse_test("nation", ["england", "wales"], [100, 100], [30, 10])
    >>> t.method, round(t.statistic, 2), t.dof, round(t.p_value, 4)
    ('chi-square', 12.5, 1, 0.0004)
    """
    counts = np.asarray(frame, dtype=np.int64)
    yes = np.asarray(respondents, dtype=np.int64)
    if counts.shape != yes.shape or len(groups) != len(counts):
        raise LandscapeError.of("A181", "give one frame count and one respondent count per "
                                "group")
    if (yes < 0).any() or (yes > counts).any():
        raise LandscapeError.of("A181", "respondents must be between 0 and the group's frame "
                                "count")
    rows = tuple(NonresponseRow(str(g), int(f), int(r))
                 for g, f, r in zip(groups, counts, yes, strict=True))
    keep = counts > 0
    counts, yes = counts[keep], yes[keep]
    total, responded = int(counts.sum()), int(yes.sum())
    why = ""
    if len(counts) == 0:
        why = "nobody is in the frame"
    elif len(counts) < 2:
        why = "fewer than two groups in the frame"
    elif responded in (0, total):
        why = "nobody responded" if responded == 0 else "everybody responded"
    if why:
        return NonresponseTest(dimension, rows, "none", math.nan, 0, math.nan, math.nan,
                               math.nan, why)
    table = np.vstack([yes, counts - yes])
    statistic, expected = _chi_square(table)
    dof = len(counts) - 1
    smallest = float(expected.min())
    v = math.sqrt(statistic / total)
    if smallest >= MIN_EXPECTED:
        return NonresponseTest(dimension, rows, "chi-square", statistic, dof,
                               float(chi2.sf(statistic, dof)), v, smallest)
    note = (f"smallest expected count {smallest:.1f} < {MIN_EXPECTED:g}: the chi-square "
            "approximation is unsafe, so the test is exact")
    if len(counts) == 2:
        p = float(fisher_exact(table).pvalue)
        return NonresponseTest(dimension, rows, "Fisher exact", statistic, dof, p, v,
                               smallest, note)
    p = _monte_carlo_p(counts, responded, statistic, draws, seed)
    return NonresponseTest(dimension, rows, "exact (Monte Carlo)", statistic, dof, p, v,
                           smallest, note + f" ({draws} seeded draws)")
