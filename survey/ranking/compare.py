"""Uncertainty and comparison for ranking questions.

* :func:`wilson_interval` — a 95% Wilson score interval on a share, with a
  small-n flag.
* :func:`compare_groups` — two groups (local government vs researchers) option
  by option, joined on the mirrored options' concept codes: Mann–Whitney U with
  rank-biserial effect size and Holm-adjusted p-values, the difference in top-3
  share with a Newcombe interval, and a one-line plain-English reading.
* :func:`agreement` — agreement within one group: Friedman's test with
  Kendall's W, and Cochran's Q on who placed each option in their top 3.
* :func:`compare_instruments` — both of the above for two groups of
  :class:`~survey.ranking.bands.RankingData` (e.g. from the store), joined on
  the instruments' concept codes: what ``landscape compare`` and the explorer's
  Compare page show.

Positions follow :mod:`survey.ranking.consensus`: ties share the mid-rank of the
places they occupy, unranked options share the places left over, respondents
who ranked nothing are left out. Top-k membership follows the band-table policy
(:func:`survey.ranking.consensus.top_k_share`).

Why never Cronbach's alpha
--------------------------
Every complete ranking of k options uses the positions 1..k once, so every
respondent's row sums to the same total k(k+1)/2. The options are then forced
to covary negatively (one option up means another down) and the variance of the
row total is zero. Alpha = k/(k-1) * (1 - sum of option variances / variance of
the total) then divides by zero: it is undefined (software prints -inf or a huge
negative number), and with near-complete rankings it measures that constraint,
not reliability or agreement.
:func:`cronbach_alpha` exists only to refuse, pointing to :func:`agreement`.

Examples
--------
>>> round(wilson_interval(6, 17).high, 3)
0.587
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import pandas as pd
import pingouin as pg
from numpy.typing import NDArray
from statsmodels.stats.proportion import proportion_confint

from survey.errors import LandscapeError
from survey.ranking.consensus import _positions, _ranks_array
from survey.ranking.evidence import (
    DEFAULT_LIKELIHOOD_PERMUTATIONS,
    DEFAULT_PERMUTATIONS,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    LikelihoodRatio,
    Permutation,
    mean_rank_permutation,
    minimum_detectable_r,
    plackett_luce_lrt,
    rank_biserial_intervals,
)
from survey.stats.smalln import is_small, small_n_rule

if TYPE_CHECKING:
    from survey.ranking.bands import RankingData

__all__ = [
    "GROUP_NAMES",
    "Agreement",
    "GroupComparison",
    "OptionComparison",
    "Share",
    "agreement",
    "compare_groups",
    "compare_instruments",
    "cronbach_alpha",
    "newcombe_interval",
    "wilson_interval",
]

#: How the store's instrument groups read in a sentence ("Researchers rank X higher").
GROUP_NAMES: Mapping[str, str] = {"local_government": "Local government",
                                  "researcher": "Researchers"}

ConceptMap = Mapping[str, str] | tuple[Mapping[str, str], Mapping[str, str]]


@dataclass(frozen=True)
class Share:
    """A share with its Wilson interval.

    Attributes
    ----------
    count, n : int
        Respondents counted, and respondents asked.
    share, low, high : float
        ``count / n`` and the interval bounds (NaN when ``n`` is 0).
    small_n : bool
        The one small-n rule (:func:`survey.stats.smalln.is_small`: too few
        respondents or too wide an interval): read the share as indicative only.
    """

    count: int
    n: int
    share: float
    low: float
    high: float
    small_n: bool


def wilson_interval(count: int, n: int, alpha: float = 0.05) -> Share:
    """Wilson score interval for ``count`` out of ``n`` (statsmodels), flagged if small.

    Parameters
    ----------
    count, n : int
        Number counted and number of respondents (``0 <= count <= n``).
    alpha : float
        1 - confidence level (0.05 gives a 95% interval).

    Returns
    -------
    Share
        With ``small_n`` set by the one small-n rule (:func:`survey.stats.smalln.is_small`).

    Examples
    --------
    >>> s = wilson_interval(10, 35)
    >>> round(s.low, 3), round(s.high, 3), s.small_n
    (0.163, 0.451, False)
    """
    if n < 0 or count < 0 or count > n:
        raise LandscapeError.of("A153", f"a share needs 0 <= count <= n; got {count} of {n}")
    if n == 0:
        return Share(count, n, float("nan"), float("nan"), float("nan"), True)
    low, high = proportion_confint(count, n, alpha=alpha, method="wilson")
    return Share(int(count), int(n), count / n, float(low), float(high),
                 is_small(n, float(low), float(high)))


def _small_n_rule_text() -> str:
    """'fewer than 10 respondents or a 95% interval wider than 40 points' (the settings)."""
    least, widest = small_n_rule()
    return (f"fewer than {least} respondents or a 95% interval wider than "
            f"{100 * widest:g} points")


def newcombe_interval(a: Share, b: Share) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``a.share - b.share``.

    Newcombe (1998, method 10) combines the two Wilson intervals:
    lower = d - sqrt((p_a - l_a)^2 + (u_b - p_b)^2),
    upper = d + sqrt((u_a - p_a)^2 + (p_b - l_b)^2). It keeps close to nominal
    coverage at the small n of this survey, unlike the Wald interval.

    Parameters
    ----------
    a, b : Share
        The two shares, with Wilson intervals at the same confidence level.

    Returns
    -------
    tuple of float
        (lower, upper).

    Examples
    --------
    >>> low, high = newcombe_interval(wilson_interval(10, 17), wilson_interval(10, 35))
    >>> round(low, 3), round(high, 3)
    (0.021, 0.533)
    """
    d = a.share - b.share
    lower = d - float(np.hypot(a.share - a.low, b.high - b.share))
    upper = d + float(np.hypot(a.high - a.share, b.share - b.low))
    return lower, upper


# -- two groups ---------------------------------------------------------------


@dataclass(frozen=True)
class OptionComparison:
    """One option (concept) compared between groups A and B.

    ``rank_biserial`` is positive when group A ranks the option *higher* (more
    important): +1 means every A respondent placed it above every B respondent.
    (pingouin's ``RBC`` on positions has the opposite sign.)
    """

    concept: str
    label: str
    option_a: str
    option_b: str
    n_a: int
    n_b: int
    mean_rank_a: float
    mean_rank_b: float
    u: float
    p: float
    p_holm: float
    rank_biserial: float
    top_a: Share
    top_b: Share
    top_difference: float
    top_difference_low: float
    top_difference_high: float
    reading: str
    #: Percentile bootstrap interval of ``rank_biserial`` (95% at alpha = 0.05).
    rank_biserial_low: float = float("nan")
    rank_biserial_high: float = float("nan")
    #: The option's wording on each side; they differ for mirrored options.
    wording_a: str = ""
    wording_b: str = ""
    #: True when the two groups rated different (mirrored) items joined on a concept.
    mirrored: bool = False
    #: Newcombe interval adjusted for multiplicity (Bonferroni over the options).
    top_difference_low_adjusted: float = float("nan")
    top_difference_high_adjusted: float = float("nan")


@dataclass(frozen=True)
class GroupComparison:
    """Every shared option compared between two groups."""

    labels: tuple[str, str]
    top: int
    alpha: float
    rows: list[OptionComparison]
    note: str = ""
    unmatched: dict[str, list[str]] = field(default_factory=dict)
    #: Agreement within each group, by the group's key (None: fewer than 3
    #: respondents); filled by :func:`compare_instruments`, empty otherwise.
    within: dict[str, Agreement | None] = field(default_factory=dict)
    #: The test across all options, run before the option-by-option tests.
    omnibus: Permutation | None = None
    #: Plackett-Luce likelihood-ratio test (asymptotic and permutation p), when run.
    likelihood_ratio: LikelihoodRatio | None = None
    #: Smallest |rank-biserial| detectable with 80% power: plain, and at Holm's first step.
    detectable: tuple[float, float] = (float("nan"), float("nan"))
    #: The reading across all options, to print before the option-by-option ones.
    summary: str = ""

    def to_frame(self) -> pd.DataFrame:
        """A report-ready table, one row per concept.

        Examples
        --------
        >>> import pandas as pd
        >>> a = pd.DataFrame({"x": [1, 1, 2, 1], "y": [2, 2, 1, 2]}, dtype="Int64")
        >>> b = pd.DataFrame({"x": [2, 2, 2, 1], "y": [1, 1, 1, 2]}, dtype="Int64")
        >>> list(compare_groups(a, b, top=1).to_frame().columns[:3])
        ['concept', 'label', 'n_a']
        """
        a, b = self.labels
        t = self.top
        records = []
        for r in self.rows:
            records.append({
                "concept": r.concept, "label": r.label, "n_a": r.n_a, "n_b": r.n_b,
                "mean_rank_a": r.mean_rank_a, "mean_rank_b": r.mean_rank_b,
                "wording_a": r.wording_a, "wording_b": r.wording_b, "mirrored": r.mirrored,
                "U": r.u, "p": r.p, "p_holm": r.p_holm, "rank_biserial": r.rank_biserial,
                "rank_biserial_low": r.rank_biserial_low,
                "rank_biserial_high": r.rank_biserial_high,
                f"top{t}_a": r.top_a.share, f"top{t}_a_low": r.top_a.low,
                f"top{t}_a_high": r.top_a.high, f"top{t}_a_small_n": r.top_a.small_n,
                f"top{t}_b": r.top_b.share, f"top{t}_b_low": r.top_b.low,
                f"top{t}_b_high": r.top_b.high, f"top{t}_b_small_n": r.top_b.small_n,
                f"top{t}_difference": r.top_difference,
                f"top{t}_difference_low": r.top_difference_low,
                f"top{t}_difference_high": r.top_difference_high,
                f"top{t}_difference_low_adjusted": r.top_difference_low_adjusted,
                f"top{t}_difference_high_adjusted": r.top_difference_high_adjusted,
                "reading": r.reading,
            })
        frame = pd.DataFrame.from_records(records)
        frame.attrs["groups"] = {"a": a, "b": b}
        return frame


def _format_p(p: float) -> str:
    if np.isnan(p):
        return "p not defined"
    if p < 0.001:
        return "p<0.001"
    if p < 0.01:
        return f"p={p:.3f}"
    return f"p={p:.2f}"


@dataclass(frozen=True)
class _Evidence:
    """What a reading may say about one option (private: the reading's inputs)."""

    label: str
    mean_a: float
    mean_b: float
    rbc: float
    rbc_low: float
    rbc_high: float
    p_holm: float
    mirrored: bool
    wording_a: str
    wording_b: str


def _signed(value: float) -> str:
    return f"{value + 0.0:+.2f}"


def _reading(found: _Evidence, groups: tuple[str, str], n: tuple[int, int], alpha: float,
             detectable: tuple[float, float]) -> str:
    """One plain-English reading that opens with a direction only when the test supports one.

    Starts with a capital even if a group name does not.
    """
    level = f"{100 * (1 - alpha):g}%"
    effect = (f"rank-biserial {_signed(found.rbc)}, {level} bootstrap interval "
              f"{_signed(found.rbc_low)} to {_signed(found.rbc_high)}")
    means = f"mean rank {found.mean_a:.1f} vs {found.mean_b:.1f}"
    subject = found.label
    if found.mirrored:
        subject = (f"the mirrored options ({groups[0]}: {found.wording_a}; "
                   f"{groups[1]}: {found.wording_b})")
    if found.p_holm < alpha and found.rbc != 0 and not np.isnan(found.rbc):
        higher = groups[0] if found.rbc > 0 else groups[1]
        text = (f"{higher} rank {subject} higher ({means}; {_format_p(found.p_holm)} after "
                f"Holm; {effect}).")
    else:
        text = (f"No evidence of a difference for {subject} ({effect}; "
                f"{_format_p(found.p_holm)} after Holm; {means}). "
                + _detectable_sentence(n, detectable))
    if found.mirrored:
        text += " These are mirrored, not identical, options: each group rated the other side."
    return text[:1].upper() + text[1:]


def _detectable_sentence(n: tuple[int, int], detectable: tuple[float, float]) -> str:
    """How large a difference these group sizes could find (80% power)."""
    at = f"At n={n[0]} and n={n[1]}"
    if detectable[0] >= 1:
        return (f"{at} not even the largest possible difference (|r| = 1) has an 80% chance "
                "of being detected.")
    holm = ("no difference at all at Holm's first step" if detectable[1] >= 1 else
            f"{detectable[1]:.2f} at Holm's first step")
    return (f"{at} a difference would need |r| of about {detectable[0]:.2f} ({holm}) to have "
            "an 80% chance of being detected.")


def _summary(test: Permutation, groups: tuple[str, str], k: int, alpha: float) -> str:
    """The reading across all options, printed before the option-by-option ones."""
    how = (f"permutation test on the mean-rank vectors, {_format_p(test.p)}, "
           f"{test.permutations:,} relabellings")
    if test.p < alpha:
        return (f"Across all {k} options, {groups[0]} and {groups[1]} order the options "
                f"differently ({how}); the option-by-option results say where.")
    return (f"Across all {k} options: no evidence that {groups[0]} and {groups[1]} order the "
            f"options differently ({how}). Read any option-by-option difference below as "
            "descriptive.")


#: Said with every comparison: what a difference in ranks can and cannot mean.
RELATIVE_NOTE = ("Rankings are relative within a respondent: placing one option higher means "
                 "placing another lower, so when both groups rank the same options the "
                 "differences in mean rank across options sum to zero. A group ranking an "
                 "option lower has not said it matters less in absolute terms.")


def _concepts(codes: list[str], mapping: Mapping[str, str] | None, side: str
              ) -> dict[str, str]:
    """concept -> option code for one side (identity when no mapping)."""
    out: dict[str, str] = {}
    for code in codes:
        concept = code if mapping is None else mapping.get(code)
        if concept is None:
            continue
        if concept in out:
            raise LandscapeError.of(
                "A155", f"{side}: options {out[concept]!r} and {code!r} both map to concept "
                f"{concept!r}")
        out[concept] = code
    return out


def compare_groups(
    ranks_a: pd.DataFrame,
    ranks_b: pd.DataFrame,
    concept_map: ConceptMap | None = None,
    *,
    labels: tuple[str, str] = ("Local government", "Researchers"),
    option_labels: Mapping[str, str] | None = None,
    top: int = 3,
    alpha: float = 0.05,
    wordings: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    permutations: int = DEFAULT_PERMUTATIONS,
    likelihood_permutations: int = 0,
    seed: int = DEFAULT_SEED,
) -> GroupComparison:
    """Compare two groups' rankings option by option.

    Options are joined on concept codes: ``concept_map`` maps option code ->
    concept, either one mapping for both sides or a pair ``(map_a, map_b)``
    (mirrored options usually have different codes on the two instruments);
    ``None`` joins on identical option codes. Options without a partner are
    listed in ``unmatched`` and the note.

    Per concept: Mann–Whitney U on the positions (pingouin ``mwu``, two-sided,
    continuity-corrected as scipy), its rank-biserial correlation, Holm-adjusted
    p-values across all concepts compared (pingouin ``multicomp``), the
    top-``top`` shares with Wilson intervals, and their difference (A − B) with
    Newcombe's hybrid score interval (see :func:`newcombe_interval`), per
    option and Bonferroni-adjusted over the options.

    First, across all options: a permutation test on the two mean-rank vectors
    (:func:`survey.ranking.evidence.mean_rank_permutation`), and optionally a
    Plackett–Luce likelihood-ratio test with a permutation p-value. A reading
    opens with a direction only when the Holm-adjusted p is below ``alpha``;
    otherwise it says "No evidence of a difference", with the rank-biserial's
    bootstrap interval and the smallest difference these n could detect
    (:mod:`survey.ranking.evidence`). Mirrored options (different wording on
    each side) are read with both wordings and said to be mirrored.

    Parameters
    ----------
    ranks_a, ranks_b : pandas.DataFrame
        The two groups' rankings frames.
    concept_map : mapping or pair of mappings, optional
        Option code -> concept.
    labels : tuple of str
        The groups' names as used in readings ("Local government", "Researchers").
    option_labels : mapping, optional
        Concept -> display label for readings (the concept code otherwise).
    top : int
        Top places counted for the share comparison.
    alpha : float
        Significance level for readings and 1 - confidence of intervals.
    wordings : pair of mappings, optional
        Option code -> wording on each side (the code otherwise); options whose
        wordings differ are mirrored.
    resamples, permutations : int
        Bootstrap resamples for the rank-biserial intervals; relabellings for
        the test across all options.
    likelihood_permutations : int
        Relabellings for the Plackett–Luce likelihood-ratio test; 0 skips it.
    seed : int
        Seed of every resampling.

    Returns
    -------
    GroupComparison

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1] * 11 + [2], "y": [2] * 11 + [1]}, dtype="Int64")
    >>> b = pd.DataFrame({"x": [2] * 11 + [1], "y": [1] * 11 + [2]}, dtype="Int64")
    >>> result = compare_groups(a, b, top=1, labels=("LG", "Researchers"), resamples=200,
    ...                         permutations=199)
    >>> result.rows[0].reading.split(" (")[0]
    'LG rank x higher'
    >>> few = compare_groups(a.head(3), b.head(3), top=1, resamples=200, permutations=199)
    >>> few.rows[0].reading.split(" (")[0]
    'No evidence of a difference for x'
    """
    codes_a, values_a = _ranks_array(ranks_a)
    codes_b, values_b = _ranks_array(ranks_b)
    shared, unmatched = _join(codes_a, codes_b, concept_map, labels)
    columns_a = [codes_a.index(a) for _, a, _ in shared]
    columns_b = [codes_b.index(b) for _, _, b in shared]
    pos_a, pos_b = _positions(values_a), _positions(values_b)
    n_a, n_b = values_a.shape[0], values_b.shape[0]
    m = len(shared)
    # the test across all options comes first; the option-by-option tests follow
    omnibus = mean_rank_permutation(pos_a[:, columns_a], pos_b[:, columns_b],
                                    permutations=permutations, seed=seed)
    likelihood = None if not likelihood_permutations else plackett_luce_lrt(
        values_a[:, columns_a], values_b[:, columns_b],
        permutations=likelihood_permutations, seed=seed)
    bounds = rank_biserial_intervals(pos_a[:, columns_a], pos_b[:, columns_b],
                                     resamples=resamples, seed=seed, level=1 - alpha)
    detectable = (minimum_detectable_r(n_a, n_b, alpha), minimum_detectable_r(n_a, n_b, alpha / m))
    tests = [_option_test(pos_a[:, ja], pos_b[:, jb]) for ja, jb in
             zip(columns_a, columns_b, strict=True)]
    _, p_holm = pg.multicomp(np.array([t[1] for t in tests]), alpha=alpha, method="holm")
    word_a, word_b = wordings if wordings is not None else ({}, {})
    rows = []
    for i, (concept, option_a, option_b) in enumerate(shared):
        ja, jb = columns_a[i], columns_b[i]
        u, p, rbc = tests[i]
        shares = _top_shares(values_a[:, ja], pos_a[:, ja], values_b[:, jb], pos_b[:, jb],
                             top, alpha)
        adjusted = newcombe_interval(*_top_shares(values_a[:, ja], pos_a[:, ja], values_b[:, jb],
                                                  pos_b[:, jb], top, alpha / m))
        wording_a, wording_b = word_a.get(option_a, option_a), word_b.get(option_b, option_b)
        found = _Evidence(
            label=(option_labels or {}).get(concept, concept),
            mean_a=float(pos_a[:, ja].mean()), mean_b=float(pos_b[:, jb].mean()), rbc=rbc,
            rbc_low=float(bounds[i, 0]), rbc_high=float(bounds[i, 1]), p_holm=float(p_holm[i]),
            mirrored=wording_a != wording_b, wording_a=wording_a, wording_b=wording_b)
        low, high = newcombe_interval(*shares)
        rows.append(OptionComparison(
            concept=concept, label=found.label, option_a=option_a, option_b=option_b,
            n_a=n_a, n_b=n_b, mean_rank_a=found.mean_a, mean_rank_b=found.mean_b, u=u, p=p,
            p_holm=found.p_holm, rank_biserial=rbc, top_a=shares[0], top_b=shares[1],
            top_difference=shares[0].share - shares[1].share,
            top_difference_low=low, top_difference_high=high,
            reading=_reading(found, labels, (n_a, n_b), alpha, detectable),
            rank_biserial_low=found.rbc_low, rank_biserial_high=found.rbc_high,
            wording_a=wording_a, wording_b=wording_b, mirrored=found.mirrored,
            top_difference_low_adjusted=adjusted[0], top_difference_high_adjusted=adjusted[1],
        ))
    return GroupComparison(
        labels=labels, top=top, alpha=alpha, rows=rows,
        note=_comparison_note(labels, top, alpha, m, resamples, unmatched),
        unmatched=unmatched, omnibus=omnibus, likelihood_ratio=likelihood,
        detectable=detectable, summary=_summary(omnibus, labels, m, alpha))


def _join(codes_a: list[str], codes_b: list[str], concept_map: ConceptMap | None,
          labels: tuple[str, str]) -> tuple[list[tuple[str, str, str]], dict[str, list[str]]]:
    """(concept, option A, option B) for the shared concepts; the unmatched options per side."""
    map_a: Mapping[str, str] | None
    map_b: Mapping[str, str] | None
    if isinstance(concept_map, tuple):
        map_a, map_b = concept_map
    else:
        map_a = map_b = concept_map
    concepts_a = _concepts(codes_a, map_a, labels[0])
    concepts_b = _concepts(codes_b, map_b, labels[1])
    shared = [(c, concepts_a[c], concepts_b[c]) for c in concepts_a if c in concepts_b]
    if not shared:
        raise LandscapeError.of(
            "A155", f"{labels[0]} and {labels[1]} share no option concept; give a concept map")
    unmatched = {
        labels[0]: [concepts_a[c] for c in concepts_a if c not in concepts_b],
        labels[1]: [concepts_b[c] for c in concepts_b if c not in concepts_a],
    }
    return shared, unmatched


def _option_test(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float, float]:
    """Mann-Whitney U, its p and the rank-biserial (> 0: A places it higher)."""
    if np.all(x == x[0]) and np.all(y == x[0]):
        # every respondent in both groups gave the same position: no difference
        return len(x) * len(y) / 2, 1.0, 0.0
    test = pg.mwu(x, y, alternative="two-sided")
    # pingouin's RBC is positive when A's positions are larger (A places it lower)
    return (float(test["U_val"].iloc[0]), float(test["p_val"].iloc[0]),
            -float(test["RBC"].iloc[0]))


def _top_shares(values_a: NDArray[np.float64], pos_a: NDArray[np.float64],
                values_b: NDArray[np.float64], pos_b: NDArray[np.float64], top: int,
                alpha: float) -> tuple[Share, Share]:
    """Each group's top-``top`` share of one option, with Wilson intervals at ``alpha``."""
    in_a = ~np.isnan(values_a) & (np.ceil(pos_a) <= top)
    in_b = ~np.isnan(values_b) & (np.ceil(pos_b) <= top)
    return (wilson_interval(int(in_a.sum()), len(values_a), alpha),
            wilson_interval(int(in_b.sum()), len(values_b), alpha))


def _comparison_note(labels: tuple[str, str], top: int, alpha: float, m: int, resamples: int,
                     unmatched: Mapping[str, list[str]]) -> str:
    level = f"{100 * (1 - alpha):g}%"
    note = (f"Mann-Whitney U on rank positions (1 = most important), two-sided; "
            f"p-values Holm-adjusted across {m} options. Rank-biserial > 0: "
            f"{labels[0]} rank the option higher; its {level} interval is a percentile "
            f"bootstrap ({resamples:,} resamples of each group). The smallest detectable "
            "difference is Noether's normal approximation for 80% power. Top-"
            f"{top} shares with {level} Wilson intervals; their difference ({labels[0]} minus "
            f"{labels[1]}) with Newcombe's hybrid score interval, per option and not adjusted "
            f"for the {m} comparisons; the adjusted intervals widen it to hold for all {m} at "
            f"once (Bonferroni, the correction Holm's p-values step down from). Shares marked "
            f"small-n rest on {_small_n_rule_text()}. "
            + RELATIVE_NOTE)
    for side, options in unmatched.items():
        if options:
            note += f" Only asked of {side}, not compared: {', '.join(options)}."
    return note


def compare_instruments(groups: Mapping[str, RankingData], a: str, b: str, *,
                        top: int = 3, alpha: float = 0.05,
                        names: Mapping[str, str] | None = None,
                        resamples: int = DEFAULT_RESAMPLES,
                        permutations: int = DEFAULT_PERMUTATIONS,
                        likelihood_permutations: int = DEFAULT_LIKELIHOOD_PERMUTATIONS,
                        seed: int = DEFAULT_SEED) -> GroupComparison:
    """Compare groups ``a`` and ``b`` option by option, joined on the instruments' concepts.

    Mirrored options (e.g. "Support from research institutions" on one
    instrument, "... from local policy organisations" on the other) have
    different codes but one concept (:meth:`RankingData.concept`); the two
    groups are joined on those concepts by :func:`compare_groups`, each concept
    labelled with its options' labels (``"label A / label B"`` when they
    differ). Agreement within each group (:func:`agreement`) is in ``within``,
    ``None`` for a group of fewer than 3 respondents.

    Parameters
    ----------
    groups : mapping of str to RankingData
        Group key -> rankings, e.g. from
        :func:`survey.store.analysis.store_ranking_groups` (one per instrument).
    a, b : str
        The two groups' keys (``a`` first: a positive rank-biserial means ``a``
        ranks the option higher).
    top : int
        Top places for the share comparison and Cochran's Q.
    alpha : float
        Significance level for readings and 1 - confidence of intervals.
    names : mapping, optional
        Group key -> name in readings; default :data:`GROUP_NAMES`, otherwise
        the key itself.
    resamples, permutations, likelihood_permutations, seed
        As :func:`compare_groups`; the Plackett–Luce likelihood-ratio test runs
        by default here.

    Returns
    -------
    GroupComparison
        With ``labels`` the groups' names and ``within`` keyed by ``a`` and ``b``.

    Raises
    ------
    LandscapeError
        ``A155`` when ``a`` or ``b`` is not a group, or they share no concept.

    Examples
    --------
    >>> import pandas as pd
    >>> from survey.ranking.bands import RankingData
    >>> lg = RankingData(pd.DataFrame({"x": [1, 1, 1, 2], "y": [2, 2, 2, 1]}, dtype="Int64"),
    ...                  ("x", "y"), labels={"x": "Funding", "y": "Networks"},
    ...                  concepts={"y": "partner_networks"})
    >>> rs = RankingData(pd.DataFrame({"x": [2, 2, 1], "z": [1, 1, 2]}, dtype="Int64"),
    ...                  ("x", "z"), labels={"x": "Funding", "z": "Networks with councils"},
    ...                  concepts={"z": "partner_networks"})
    >>> result = compare_instruments({"local_government": lg, "researcher": rs},
    ...                              "local_government", "researcher", top=1)
    >>> [row.label for row in result.rows]
    ['Funding', 'Networks / Networks with councils']
    >>> result.rows[0].reading.split(" (")[0]
    'No evidence of a difference for Funding'
    >>> result.rows[1].mirrored, result.rows[1].wording_b
    (True, 'Networks with councils')
    >>> round(result.within["local_government"].kendall_w, 2), result.within["researcher"].n
    (0.25, 3)
    """
    missing = [g for g in (a, b) if g not in groups]
    if missing or a == b:
        raise LandscapeError.of(
            "A155", f"compare needs two different groups of {', '.join(groups) or 'none'}; "
            f"got {a!r} and {b!r}")
    data_a, data_b = groups[a], groups[b]
    concept_maps = ({c: data_a.concept(c) for c in data_a.options},
                    {c: data_b.concept(c) for c in data_b.options})
    option_labels: dict[str, str] = {}
    for data, mapping in ((data_a, concept_maps[0]), (data_b, concept_maps[1])):
        for code, concept in mapping.items():
            label = data.label(code)
            known = option_labels.get(concept)
            option_labels[concept] = label if known in (None, label) else f"{known} / {label}"
    shown = GROUP_NAMES if names is None else names
    result = compare_groups(data_a.ranks, data_b.ranks, concept_maps,
                            labels=(shown.get(a, a), shown.get(b, b)), top=top,
                            alpha=alpha, option_labels=option_labels,
                            wordings=({c: data_a.label(c) for c in data_a.options},
                                      {c: data_b.label(c) for c in data_b.options}),
                            resamples=resamples, permutations=permutations,
                            likelihood_permutations=likelihood_permutations, seed=seed)
    within: dict[str, Agreement | None] = {}
    for key, data in ((a, data_a), (b, data_b)):
        try:
            within[key] = agreement(data.ranks, top=top)
        except LandscapeError:
            within[key] = None  # fewer than 3 respondents: reported as not computed
    return replace(result, within=within)


# -- one group ----------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """Agreement among one group's rankings.

    ``kendall_w`` runs from 0 (no shared order) to 1 (everyone gave the same
    ranking); it is corrected for ties (pingouin).
    """

    n: int
    k: int
    kendall_w: float
    friedman_chi2: float
    friedman_chi2_df: int
    friedman_chi2_p: float
    friedman_f: float
    friedman_f_df1: float
    friedman_f_df2: float
    friedman_f_p: float
    top: int
    cochran_q: float
    cochran_df: int
    cochran_p: float
    reading: str


def _strength(w: float) -> str:
    # conventional verbal anchors for W (Schmidt 1997); descriptive only
    if w < 0.1:
        return "very weak"
    if w < 0.3:
        return "weak"
    if w < 0.5:
        return "moderate"
    if w < 0.7:
        return "strong"
    return "very strong"


def agreement(ranks: pd.DataFrame, top: int = 3) -> Agreement:
    """Friedman's test with Kendall's W, and Cochran's Q on top-``top`` indicators.

    The F form of Friedman's test (pingouin ``method="f"``) is the one to read at
    survey sample sizes: the chi-square approximation is conservative for small
    n (Marozzi 2014). Both are returned. Cochran's Q asks whether the options
    differ in how often they make a respondent's top ``top``.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame; needs at least 3 respondents.
    top : int
        Top places for Cochran's Q.

    Returns
    -------
    Agreement

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 1, 1, 2], "b": [2, 3, 2, 1], "c": [3, 2, 3, 3]},
    ...                      dtype="Int64")
    >>> round(agreement(ranks, top=1).kendall_w, 4)
    0.5625
    """
    codes, values = _ranks_array(ranks)
    n, k = values.shape
    if n < 3:
        raise LandscapeError.of(
            "A154", f"agreement needs rankings from at least 3 respondents; there are {n}")
    positions = _positions(values)
    long = pd.DataFrame({
        "respondent": np.repeat(np.arange(n), k),
        "option": np.tile(np.array(codes, dtype=object), n),
        "position": positions.ravel(),
    })
    with np.errstate(divide="ignore", invalid="ignore"):  # W = 1 makes F infinite
        chi = pg.friedman(data=long, dv="position", within="option", subject="respondent",
                          method="chisq")
        eff = pg.friedman(data=long, dv="position", within="option", subject="respondent",
                          method="f")
    w = float(chi["W"].iloc[0])
    in_top = (~np.isnan(values) & (np.ceil(positions) <= top)).astype(int)
    row_totals = in_top.sum(axis=1)
    if (k * row_totals.sum() - (row_totals**2).sum()) == 0:
        # each respondent put all or none of the options in the top: Q is 0/0
        q, q_p = float("nan"), float("nan")
    else:
        long["top"] = in_top.ravel()
        cochran = pg.cochran(data=long, dv="top", within="option", subject="respondent")
        q, q_p = float(cochran["Q"].iloc[0]), float(cochran["p_unc"].iloc[0])
    f_p = float(eff["p_unc"].iloc[0])
    reading = (f"Kendall's W = {w:.2f}: {_strength(w)} agreement among the {n} respondents "
               f"on the order of the {k} options (0 = none, 1 = identical rankings; "
               f"Friedman F test {_format_p(f_p)}).")
    return Agreement(
        n=n, k=k, kendall_w=w,
        friedman_chi2=float(chi["Q"].iloc[0]), friedman_chi2_df=int(chi["ddof1"].iloc[0]),
        friedman_chi2_p=float(chi["p_unc"].iloc[0]),
        friedman_f=float(eff["F"].iloc[0]), friedman_f_df1=float(eff["ddof1"].iloc[0]),
        friedman_f_df2=float(eff["ddof2"].iloc[0]), friedman_f_p=f_p,
        top=top, cochran_q=q, cochran_df=k - 1, cochran_p=q_p, reading=reading,
    )


def cronbach_alpha(*args: object, **kwargs: object) -> NoReturn:
    """Refuse: Cronbach's alpha is not meaningful on rankings.

    Every complete ranking's positions sum to k(k+1)/2, so the options are
    forced to covary negatively and alpha measures that constraint, not
    agreement or reliability. Use :func:`agreement` instead.

    Raises
    ------
    LandscapeError
        Always (code A156).

    Examples
    --------
    >>> try:
    ...     cronbach_alpha()
    ... except LandscapeError as exc:
    ...     print(exc.issues[0].code)
    A156
    """
    raise LandscapeError.of(
        "A156",
        "Cronbach's alpha is not computed on rankings: every complete ranking sums to the "
        "same total, so alpha reflects that constraint, not agreement",
    )
