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
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import pandas as pd
import pingouin as pg
from statsmodels.stats.proportion import proportion_confint

from survey.errors import LandscapeError
from survey.ranking.consensus import _positions, _ranks_array

if TYPE_CHECKING:
    from survey.ranking.bands import RankingData

__all__ = [
    "GROUP_NAMES",
    "SMALL_COUNT",
    "SMALL_N",
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

#: A share resting on fewer respondents than this is flagged as small-n.
SMALL_N = 10
#: ... and so is one where fewer than this many are counted, or not counted
#: (np < 5 or n(1-p) < 5: the usual rule of thumb below which a share's
#: sampling distribution is visibly skewed and any interval is rough).
SMALL_COUNT = 5
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
        True when ``n < SMALL_N`` or fewer than ``SMALL_COUNT`` respondents are
        counted or not counted: read the share as indicative only.
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
        With ``small_n`` set when ``n < 10`` or ``min(count, n - count) < 5``.

    Examples
    --------
    >>> s = wilson_interval(10, 35)
    >>> round(s.low, 3), round(s.high, 3), s.small_n
    (0.163, 0.451, False)
    """
    if n < 0 or count < 0 or count > n:
        raise LandscapeError.of("A153", f"a share needs 0 <= count <= n; got {count} of {n}")
    small = n < SMALL_N or min(count, n - count) < SMALL_COUNT
    if n == 0:
        return Share(count, n, float("nan"), float("nan"), float("nan"), True)
    low, high = proportion_confint(count, n, alpha=alpha, method="wilson")
    return Share(int(count), int(n), count / n, float(low), float(high), small)


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
                "U": r.u, "p": r.p, "p_holm": r.p_holm, "rank_biserial": r.rank_biserial,
                f"top{t}_a": r.top_a.share, f"top{t}_a_low": r.top_a.low,
                f"top{t}_a_high": r.top_a.high, f"top{t}_a_small_n": r.top_a.small_n,
                f"top{t}_b": r.top_b.share, f"top{t}_b_low": r.top_b.low,
                f"top{t}_b_high": r.top_b.high, f"top{t}_b_small_n": r.top_b.small_n,
                f"top{t}_difference": r.top_difference,
                f"top{t}_difference_low": r.top_difference_low,
                f"top{t}_difference_high": r.top_difference_high,
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


def _reading(label: str, groups: tuple[str, str], mean_a: float, mean_b: float,
             rbc: float, p_holm: float, n_a: int, n_b: int, alpha: float) -> str:
    """One plain-English sentence; starts with a capital even if a group name does not."""
    text = _sentence(label, groups, mean_a, mean_b, rbc, p_holm, n_a, n_b, alpha)
    return text[:1].upper() + text[1:]


def _sentence(label: str, groups: tuple[str, str], mean_a: float, mean_b: float,
             rbc: float, p_holm: float, n_a: int, n_b: int, alpha: float) -> str:
    means = f"mean rank {mean_a:.1f} vs {mean_b:.1f}"
    if rbc == 0 or np.isnan(rbc):
        return (f"Both groups rank {label} about the same ({means}; "
                f"{_format_p(p_holm)} after Holm).")
    higher = groups[0] if rbc > 0 else groups[1]
    if p_holm < alpha:
        return (f"{higher} rank {label} higher ({means}; {_format_p(p_holm)} after Holm, "
                f"rank-biserial {abs(rbc):.2f}).")
    return (f"{higher} rank {label} higher ({means}); the difference is within what chance "
            f"would give at n={n_a} and n={n_b} ({_format_p(p_holm)} after Holm).")


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
    Newcombe's hybrid score interval (see :func:`newcombe_interval`).

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

    Returns
    -------
    GroupComparison

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1, 1, 1, 1, 2], "y": [2, 2, 2, 2, 1]}, dtype="Int64")
    >>> b = pd.DataFrame({"x": [2, 2, 2, 1], "y": [1, 1, 1, 2]}, dtype="Int64")
    >>> result = compare_groups(a, b, top=1, labels=("LG", "Researchers"))
    >>> result.rows[0].reading.split(" (")[0]
    'LG rank x higher'
    """
    codes_a, values_a = _ranks_array(ranks_a)
    codes_b, values_b = _ranks_array(ranks_b)
    map_a: Mapping[str, str] | None
    map_b: Mapping[str, str] | None
    if isinstance(concept_map, tuple):
        map_a, map_b = concept_map
    else:
        map_a = map_b = concept_map
    concepts_a = _concepts(codes_a, map_a, labels[0])
    concepts_b = _concepts(codes_b, map_b, labels[1])
    shared = [c for c in concepts_a if c in concepts_b]
    if not shared:
        raise LandscapeError.of(
            "A155", f"{labels[0]} and {labels[1]} share no option concept; give a concept map")
    unmatched = {
        labels[0]: [concepts_a[c] for c in concepts_a if c not in concepts_b],
        labels[1]: [concepts_b[c] for c in concepts_b if c not in concepts_a],
    }
    pos_a, pos_b = _positions(values_a), _positions(values_b)
    in_top_a = ~np.isnan(values_a) & (np.ceil(pos_a) <= top)
    in_top_b = ~np.isnan(values_b) & (np.ceil(pos_b) <= top)
    n_a, n_b = values_a.shape[0], values_b.shape[0]

    partial: list[dict[str, Any]] = []
    for concept in shared:
        ja, jb = codes_a.index(concepts_a[concept]), codes_b.index(concepts_b[concept])
        x, y = pos_a[:, ja], pos_b[:, jb]
        if np.all(x == x[0]) and np.all(y == x[0]):
            # every respondent in both groups gave the same position: no difference
            u, p, rbc = n_a * n_b / 2, 1.0, 0.0
        else:
            test = pg.mwu(x, y, alternative="two-sided")
            u = float(test["U_val"].iloc[0])
            p = float(test["p_val"].iloc[0])
            rbc = -float(test["RBC"].iloc[0])  # positive = A places it higher (smaller numbers)
        share_a = wilson_interval(int(in_top_a[:, ja].sum()), n_a, alpha)
        share_b = wilson_interval(int(in_top_b[:, jb].sum()), n_b, alpha)
        low, high = newcombe_interval(share_a, share_b)
        partial.append({
            "concept": concept, "option_a": concepts_a[concept],
            "option_b": concepts_b[concept], "mean_a": float(x.mean()),
            "mean_b": float(y.mean()), "u": u, "p": p, "rbc": rbc,
            "share_a": share_a, "share_b": share_b, "low": low, "high": high,
        })
    _, p_holm = pg.multicomp(np.array([r["p"] for r in partial]), alpha=alpha, method="holm")

    rows = []
    for r, ph in zip(partial, p_holm, strict=True):
        label = (option_labels or {}).get(r["concept"], r["concept"])
        rows.append(OptionComparison(
            concept=r["concept"], label=label, option_a=r["option_a"],
            option_b=r["option_b"], n_a=n_a, n_b=n_b, mean_rank_a=r["mean_a"],
            mean_rank_b=r["mean_b"], u=r["u"], p=r["p"], p_holm=float(ph),
            rank_biserial=r["rbc"], top_a=r["share_a"], top_b=r["share_b"],
            top_difference=r["share_a"].share - r["share_b"].share,
            top_difference_low=r["low"], top_difference_high=r["high"],
            reading=_reading(label, labels, r["mean_a"], r["mean_b"], r["rbc"], float(ph),
                             n_a, n_b, alpha),
        ))
    note = (f"Mann-Whitney U on rank positions (1 = most important), two-sided; "
            f"p-values Holm-adjusted across {len(rows)} options. Rank-biserial > 0: "
            f"{labels[0]} rank the option higher. Top-{top} shares with "
            f"{100 * (1 - alpha):g}% Wilson intervals; their difference ({labels[0]} minus "
            f"{labels[1]}) with Newcombe's hybrid score interval. Shares marked small-n rest "
            f"on n < {SMALL_N} or fewer than {SMALL_COUNT} respondents in or out.")
    for side, options in unmatched.items():
        if options:
            note += f" Only asked of {side}, not compared: {', '.join(options)}."
    return GroupComparison(labels=labels, top=top, alpha=alpha, rows=rows, note=note,
                           unmatched=unmatched)


def compare_instruments(groups: Mapping[str, RankingData], a: str, b: str, *,
                        top: int = 3, alpha: float = 0.05,
                        names: Mapping[str, str] | None = None) -> GroupComparison:
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
    'Local government rank Funding higher'
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
                            alpha=alpha, option_labels=option_labels)
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
