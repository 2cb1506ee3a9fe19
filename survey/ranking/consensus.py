"""Consensus rankings: one order of the options from many respondents' rankings.

Every function takes a *rankings frame*: a :class:`pandas.DataFrame` with one row
per respondent and one column per option code, holding the rank each respondent
gave each option (1 = most important; ``<NA>`` = not ranked). Column order is the
question's option order and is used for every tie-break below, so results are
deterministic.

Conventions, stated once for all methods
----------------------------------------
* **Empty rows** (a respondent who ranked nothing) are dropped: they express no
  preference. ``n`` everywhere counts respondents who ranked at least one option.
* **Only the order within a row matters.** A row's recorded ranks are turned into
  *positions* 1..k by ordering them; tied ranks share the average of the places
  they jointly occupy (``[1, 2, 2, 4]`` and ``[1, 2, 2, 3]`` both give positions
  ``1, 2.5, 2.5, 4``).
* **Unranked options** (top-k or incomplete answers) are placed below every option
  the respondent ranked and tied with one another: they share the average of the
  positions left over. Someone who ranked 3 of 9 options gives each of the other
  six position (4 + 9) / 2 = 6.5. In the pairwise matrix this means "ranked beats
  unranked; two unranked options: no preference".
* **Ties** (when the question allows them) are "no preference" between the tied
  options in the pairwise matrix, Schulze and Kemeny, and share points in Borda.

Methods
-------
``mean-rank``       mean position (lower is better).
``borda``           points per respondent; see :func:`borda` for the two conventions.
``schulze``         strongest paths over winning votes (Schulze 2011).
``kemeny``          exact Kemeny–Young order by dynamic programming over subsets.
``plackett-luce``   Plackett–Luce worths by Hunter's (2004) MM algorithm, top-k aware.

Examples
--------
>>> import pandas as pd
>>> ranks = pd.DataFrame({"a": [1, 1, 2], "b": [2, 3, 1], "c": [3, 2, 3]}, dtype="Int64")
>>> consensus(ranks, "kemeny").order
['a', 'b', 'c']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components
from scipy.stats import rankdata

from survey.errors import LandscapeError, Location

__all__ = [
    "KEMENY_MAX_OPTIONS",
    "METHODS",
    "Consensus",
    "borda",
    "consensus",
    "kemeny",
    "mean_rank",
    "pairwise_matrix",
    "plackett_luce",
    "rank_positions",
    "schulze",
    "top_k_share",
]

#: Exact Kemeny needs 2**k states; beyond 20 options that is over a million states
#: times k, so it is refused rather than left to run for minutes.
KEMENY_MAX_OPTIONS = 20

#: The method names :func:`consensus` accepts (CLI spelling).
METHODS: tuple[str, ...] = ("mean-rank", "borda", "schulze", "kemeny", "plackett-luce")

BordaConvention = Literal["survey", "classic"]


@dataclass(frozen=True)
class Consensus:
    """A consensus order with one score per option.

    Attributes
    ----------
    method : str
        The method name, as in :data:`METHODS`.
    order : list of str
        Option codes, most important first.
    scores : dict of str to float
        The method's score per option (what "score" means is stated in ``note``).
    note : str
        One or two sentences: what the score is, conventions used, ties.
    n : int
        Respondents who ranked at least one option.
    details : dict
        Method-specific extras (e.g. Kemeny's total distance).
    """

    method: str
    order: list[str]
    scores: dict[str, float]
    note: str
    n: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record: method, n, note, details and the ordered options.

        Examples
        --------
        >>> c = Consensus("mean-rank", ["a", "b"], {"a": 1.0, "b": 2.0}, "mean position", 1)
        >>> c.as_dict()["options"][0]
        {'position': 1, 'option': 'a', 'score': 1.0}
        """
        return {
            "method": self.method,
            "n": self.n,
            "note": self.note,
            "details": dict(self.details),
            "options": [
                {"position": i, "option": code, "score": float(self.scores[code])}
                for i, code in enumerate(self.order, start=1)
            ],
        }


# -- input --------------------------------------------------------------------


def _ranks_array(ranks: pd.DataFrame) -> tuple[list[str], NDArray[np.float64]]:
    """Check a rankings frame; return option codes and a float array (NaN = unranked).

    Rows that rank nothing are dropped.
    """
    if not isinstance(ranks, pd.DataFrame):
        raise LandscapeError.of("A151", f"expected a rankings table, got {type(ranks).__name__}")
    codes = [str(c) for c in ranks.columns]
    if len(codes) < 2:
        raise LandscapeError.of(
            "A151", f"a ranking needs at least two options; the table has {len(codes)} column(s)"
        )
    if len(set(codes)) != len(codes):
        dup = sorted({c for c in codes if codes.count(c) > 1})
        raise LandscapeError.of("A151", f"option column(s) repeated: {', '.join(dup)}")
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
           for t in ranks.dtypes):
        # fast path: one conversion for the whole table, checked below as a block
        values = ranks.to_numpy(dtype=np.float64, na_value=np.nan)
        bad_cells = ~np.isnan(values) & ((values < 1) | (values != np.floor(values)))
        if bad_cells.any():
            i, j = (int(x) for x in np.argwhere(bad_cells)[0])
            raise LandscapeError.of(
                "A151", f"rank {ranks.iat[i, j]!r} is not a whole number of 1 or more",
                Location(row=i + 1, column=codes[j]))
        if not _has_rows(values):
            _no_rows()
        return codes, values[~np.isnan(values).all(axis=1)]
    values = np.full(ranks.shape, np.nan)
    for j, col in enumerate(ranks.columns):
        series = ranks[col]
        try:
            numeric = pd.to_numeric(series, errors="raise").astype("Float64")
        except (TypeError, ValueError):
            bad_row = next(
                i for i, v in enumerate(series)
                if not pd.isna(v) and not _is_number(v)
            )
            raise LandscapeError.of(
                "A151",
                f"rank {series.iloc[bad_row]!r} is not a whole number",
                Location(row=bad_row + 1, column=codes[j]),
            ) from None
        column = numeric.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isnan(column) & ((column < 1) | (column != np.floor(column)))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise LandscapeError.of(
                "A151",
                f"rank {series.iloc[i]!r} is not a whole number of 1 or more",
                Location(row=i + 1, column=codes[j]),
            )
        values[:, j] = column
    if not _has_rows(values):
        _no_rows()
    return codes, values[~np.isnan(values).all(axis=1)]


def _has_rows(values: NDArray[np.float64]) -> bool:
    return bool((~np.isnan(values)).any())


def _no_rows() -> NoReturn:
    raise LandscapeError.of("A154", "no respondent ranked any option")


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _positions(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Positions 1..k per row: ties averaged, unranked share the leftover places.

    Filling unranked cells with +inf and taking average ranks does both at once:
    the infinities tie with one another below every finite rank.
    """
    filled = np.where(np.isnan(values), np.inf, values)
    positions: NDArray[np.float64] = rankdata(filled, method="average", axis=1)
    return positions


def rank_positions(ranks: pd.DataFrame) -> pd.DataFrame:
    """Each respondent's position for each option, under the module's conventions.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Float positions 1..k, same columns, rows that ranked nothing dropped.
        Unranked options share the leftover positions; ties share theirs.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1], "b": [pd.NA], "c": [pd.NA]}, dtype="Int64")
    >>> rank_positions(ranks).iloc[0].tolist()
    [1.0, 2.5, 2.5]
    """
    codes, values = _ranks_array(ranks)
    keep = ~ranks.isna().all(axis=1).to_numpy()
    return pd.DataFrame(_positions(values), index=ranks.index[keep], columns=codes)


def _order_by(codes: list[str], key: NDArray[np.float64], *, descending: bool) -> list[str]:
    """Options sorted by ``key``; equal keys keep the question's option order."""
    signed = -key if descending else key
    return [codes[i] for i in np.lexsort((np.arange(len(codes)), signed))]


def _tie_note(codes: list[str], key: NDArray[np.float64]) -> str:
    groups: dict[float, list[str]] = {}
    for code, value in zip(codes, key, strict=True):
        groups.setdefault(round(float(value), 9), []).append(code)
    tied = [g for g in groups.values() if len(g) > 1]
    if not tied:
        return ""
    return (" Tied (kept in question order): "
            + "; ".join(" = ".join(g) for g in tied) + ".")


def _partial_note(values: NDArray[np.float64]) -> str:
    if np.isnan(values).any():
        return (" Some respondents left options unranked; unranked options share the "
                "positions left over below the ranked ones.")
    return ""


# -- scores -------------------------------------------------------------------


def mean_rank(ranks: pd.DataFrame) -> Consensus:
    """Mean position of each option (1 = most important; lower is better).

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.

    Returns
    -------
    Consensus
        ``scores`` are mean positions; unranked options count at the average of
        the positions the respondent left over.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 2], "b": [2, 1], "c": [3, 3]}, dtype="Int64")
    >>> mean_rank(ranks).scores
    {'a': 1.5, 'b': 1.5, 'c': 3.0}
    """
    codes, values = _ranks_array(ranks)
    means = _positions(values).mean(axis=0)
    return Consensus(
        method="mean-rank",
        order=_order_by(codes, means, descending=False),
        scores={c: float(m) for c, m in zip(codes, means, strict=True)},
        note="Score: mean position (1 = most important)." + _partial_note(values)
        + _tie_note(codes, means),
        n=values.shape[0],
    )


def borda(ranks: pd.DataFrame, convention: BordaConvention = "survey") -> Consensus:
    """Borda count, reported as mean points per respondent (higher is better).

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame with k option columns.
    convention : {"survey", "classic"}
        ``"survey"`` (default) is how survey tools (SurveyMonkey, Qualtrics) weight a
        ranking: the first of k choices gets k points, the last 1, and an option the
        respondent did not rank gets 0. ``"classic"`` is the voting-theory count:
        k − 1 points down to 0, and unranked options share the points left over
        (so a partial ranking is not penalised against a full one). For complete
        rankings the two differ by exactly one point per option per respondent and
        give the same order.

    Returns
    -------
    Consensus
        ``scores`` are mean points per respondent; ``details["total"]`` has totals.
        Tied options share the average of the points for their places.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 1], "b": [2, 3], "c": [3, 2]}, dtype="Int64")
    >>> borda(ranks).scores
    {'a': 3.0, 'b': 1.5, 'c': 1.5}
    """
    if convention not in ("survey", "classic"):
        raise LandscapeError.of("A153", f"unknown Borda convention {convention!r}; use "
                                "'survey' or 'classic'")
    codes, values = _ranks_array(ranks)
    k = len(codes)
    positions = _positions(values)
    if convention == "survey":
        points = np.where(np.isnan(values), 0.0, k + 1 - positions)
        rule = (f"first of {k} gets {k} points, last 1, unranked 0 (survey-tool convention)")
    else:
        points = k - positions
        rule = (f"first of {k} gets {k - 1} points, last 0, unranked options share the "
                "points left over (classic Borda)")
    total = points.sum(axis=0)
    mean = total / values.shape[0]
    return Consensus(
        method="borda",
        order=_order_by(codes, mean, descending=True),
        scores={c: float(m) for c, m in zip(codes, mean, strict=True)},
        note=f"Score: mean Borda points per respondent; {rule}." + _tie_note(codes, mean),
        n=values.shape[0],
        details={"convention": convention,
                 "total": {c: float(t) for c, t in zip(codes, total, strict=True)}},
    )


def top_k_share(ranks: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """Share of respondents who placed each option in their top ``k``.

    Follows the band-table policy of :mod:`survey.ranking.bands`: positions come
    from the order the respondent gave; an option tied with others sits at their
    mid-rank, rounded up (so a tie straddling place k is not credited with it);
    unranked options are never in the top k. ``n`` is respondents who ranked at
    least one option.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.
    k : int
        How many top places count.

    Returns
    -------
    pandas.DataFrame
        Indexed by option code, columns ``count`` (int), ``n`` (int), ``share`` (float).

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 3], "b": [2, 1], "c": [3, 2]}, dtype="Int64")
    >>> top_k_share(ranks, 1)["count"].tolist()
    [1, 1, 0]
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise LandscapeError.of("A153", f"top k must be a whole number of 1 or more, not {k!r}")
    codes, values = _ranks_array(ranks)
    ranked = ~np.isnan(values)
    counts = (ranked & (np.ceil(_positions(values)) <= k)).sum(axis=0)
    n = values.shape[0]
    return pd.DataFrame(
        {"count": counts.astype(int), "n": n, "share": counts / n},
        index=pd.Index(codes, name="option"),
    )


def _pairwise(values: NDArray[np.float64]) -> NDArray[np.int64]:
    positions = _positions(values)
    k = positions.shape[1]
    d = np.zeros((k, k), dtype=np.int64)
    # one column at a time keeps memory at n x k even for a million respondents
    for a in range(k):
        d[a] = (positions[:, [a]] < positions).sum(axis=0)
    return d


def pairwise_matrix(ranks: pd.DataFrame) -> pd.DataFrame:
    """How many respondents prefer each option to each other option.

    ``d.loc[a, b]`` is the number placing ``a`` above ``b``. A ranked option beats
    an unranked one; two unranked or tied options count for neither.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.

    Returns
    -------
    pandas.DataFrame
        Square integer table, options in question order on both axes; zero diagonal.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 2], "b": [2, 1], "c": [pd.NA, 3]}, dtype="Int64")
    >>> pairwise_matrix(ranks).loc["a"].tolist()
    [0, 1, 2]
    """
    codes, values = _ranks_array(ranks)
    return pd.DataFrame(_pairwise(values), index=codes, columns=codes)


# -- Schulze ------------------------------------------------------------------


def _strongest_paths(d: NDArray[np.int64]) -> NDArray[np.int64]:
    """Schulze's widest paths over winning votes (Floyd–Warshall, vectorised per pivot)."""
    p = np.where(d > d.T, d, 0)
    for i in range(p.shape[0]):
        p = np.maximum(p, np.minimum(p[:, [i]], p[[i], :]))
    np.fill_diagonal(p, 0)
    return p


def schulze(ranks: pd.DataFrame) -> Consensus:
    """Schulze (beatpath) ranking over winning votes.

    Link strength a→b is ``d[a, b]`` when more respondents prefer a to b than b to a,
    else 0; a path's strength is its weakest link; a beats b when the strongest
    path a→b is stronger than b→a. This relation is transitive, so ordering by how
    many options each beats is consistent with it.

    Tie-break: options that neither beat each other (equal count) keep the
    question's option order, and are named in ``note``.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.

    Returns
    -------
    Consensus
        ``scores``: number of options each option beats;
        ``details["winners"]``: the options no other option beats (the Schulze
        winners; more than one when the top is undecided);
        ``details["strongest_paths"]``: the path-strength matrix as nested dicts.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 1, 2], "b": [2, 3, 1], "c": [3, 2, 3]}, dtype="Int64")
    >>> schulze(ranks).order
    ['a', 'b', 'c']
    """
    codes, values = _ranks_array(ranks)
    p = _strongest_paths(_pairwise(values))
    beats = (p > p.T).sum(axis=1).astype(float)
    winners = [c for i, c in enumerate(codes) if not bool(np.any(p[:, i] > p[i, :]))]
    winner_note = ("" if len(winners) == 1 else
                   f" Schulze winners (beaten by none): {', '.join(winners)}.")
    return Consensus(
        method="schulze",
        order=_order_by(codes, beats, descending=True),
        scores={c: float(b) for c, b in zip(codes, beats, strict=True)},
        note="Score: number of options beaten by strongest paths (winning votes)."
        + winner_note + _partial_note(values) + _tie_note(codes, beats),
        n=values.shape[0],
        details={"winners": winners,
                 "strongest_paths": {a: {b: int(p[i, j]) for j, b in enumerate(codes)}
                                     for i, a in enumerate(codes)}},
    )


# -- Kemeny -------------------------------------------------------------------


def _kemeny_dp(d: NDArray[np.int64]) -> tuple[list[int], int, int]:
    """Exact Kemeny order from a pairwise matrix.

    ``g[S]`` is the least disagreement for ordering the options *not* in ``S``
    given that ``S`` fills the top places. Placing ``i`` next, right below ``S``,
    disagrees with everyone who prefers some ``j`` still below to ``i``:
    ``sum(d[j, i] for j not in S | {i})`` = column total of ``i`` minus the part
    from ``S``. States are processed a popcount layer at a time, vectorised.

    Returns the order (lexicographically first among optimal orders by option
    index), the minimal total disagreement, and how many orders attain it.
    """
    k = d.shape[0]
    full = (1 << k) - 1
    states = np.arange(1 << k, dtype=np.int64)
    bit = np.int64(1) << np.arange(k, dtype=np.int64)
    popcount = np.zeros(1 << k, dtype=np.int64)
    for i in range(k):
        popcount += (states >> i) & 1
    colsum = d.sum(axis=0).astype(np.float64)
    d_float = d.astype(np.float64)  # exact: counts are far below 2**53; BLAS is fast
    g = np.zeros(1 << k, dtype=np.int64)
    ways = np.zeros(1 << k, dtype=np.int64)
    ways[full] = 1
    big = np.iinfo(np.int64).max // 4
    for size in range(k - 1, -1, -1):
        layer = states[popcount == size]
        members = ((layer[:, None] >> np.arange(k)) & 1).astype(bool)
        from_above = members.astype(np.float64) @ d_float  # sum_{j in S} d[j, i]
        place_cost = np.rint(colsum[None, :] - from_above).astype(np.int64)
        nxt = layer[:, None] | bit[None, :]
        cand = np.where(members, big, place_cost + g[nxt])
        best = cand.min(axis=1)
        g[layer] = best
        ways[layer] = np.where(cand == best[:, None], ways[nxt], 0).sum(axis=1)
    order: list[int] = []
    s = 0
    for _ in range(k):
        members_s = [(s >> i) & 1 for i in range(k)]
        for i in range(k):
            if members_s[i]:
                continue
            cost = int(colsum[i]) - int(sum(d[j, i] for j in range(k) if members_s[j]))
            if cost + int(g[s | (1 << i)]) == int(g[s]):
                order.append(i)
                s |= 1 << i
                break
    return order, int(g[0]), int(ways[0])


def kemeny(ranks: pd.DataFrame) -> Consensus:
    """Exact Kemeny–Young consensus: the order that disagrees with the fewest
    respondent pairwise preferences.

    Computed exactly by dynamic programming over subsets of options
    (O(2**k · k²) time, O(2**k) memory): milliseconds for nine options, where
    trying all 9! = 362,880 orders takes seconds to minutes. Refused above
    :data:`KEMENY_MAX_OPTIONS` options.

    Tie-break: when several orders share the minimal disagreement, the one
    listing options earliest in the question's order first (lexicographically
    smallest) is returned; ``details["optimal_orders"]`` says how many tie.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.

    Returns
    -------
    Consensus
        ``scores``: each option's consensus position (1 = top);
        ``details["distance"]``: total disagreement (Kendall tau distance summed
        over respondents; pairs a respondent left tied or unranked cost nothing).

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 1, 2], "b": [2, 3, 1], "c": [3, 2, 3]}, dtype="Int64")
    >>> result = kemeny(ranks)
    >>> result.order, result.details["distance"]
    (['a', 'b', 'c'], 2)
    """
    codes, values = _ranks_array(ranks)
    if len(codes) > KEMENY_MAX_OPTIONS:
        raise LandscapeError.of(
            "A152",
            f"exact Kemeny for {len(codes)} options would need 2**{len(codes)} states; "
            f"the limit is {KEMENY_MAX_OPTIONS} options",
        )
    order_idx, distance, ways = _kemeny_dp(_pairwise(values))
    order = [codes[i] for i in order_idx]
    tie = ("" if ways == 1 else
           f" {ways} orders tie for least disagreement; the one keeping options in "
           "question order where they tie is shown.")
    return Consensus(
        method="kemeny",
        order=order,
        scores={c: float(order.index(c) + 1) for c in codes},
        note=("Score: consensus position. Exact Kemeny order: it disagrees with "
              f"{distance} respondent pairwise preferences in total, the fewest possible."
              + _partial_note(values) + tie),
        n=values.shape[0],
        details={"distance": distance, "optimal_orders": ways},
    )


# -- Plackett–Luce ------------------------------------------------------------

#: Pseudo-count used when maximum-likelihood worths do not exist (see plackett_luce).
_PL_AUTO_ALPHA = 0.1


def _pl_stages(positions: NDArray[np.float64], values: NDArray[np.float64]
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Choice stages of every ranking: who was chosen, from which remaining set.

    Each ranked option is chosen from the options placed at or below it; options
    tied with it are in that set too, so tied options each count as chosen from
    the same set (Breslow's approximation). Unranked options stay in every set
    and are never chosen, which is the exact top-k likelihood. A stage where
    everything left is the chosen option or tied with it carries no information
    and is skipped (e.g. the last place of a complete ranking).
    """
    ranked = ~np.isnan(values)
    k = positions.shape[1]
    chosen_parts: list[NDArray[np.float64]] = []
    remaining_parts: list[NDArray[np.float64]] = []
    for i in range(k):
        own = positions[:, [i]]
        remaining = positions >= own
        same = ranked & (positions == own)
        informative = ranked[:, i] & (remaining & ~same).any(axis=1)
        rows = int(informative.sum())
        if rows:
            chosen = np.zeros((rows, k))
            chosen[:, i] = 1.0
            chosen_parts.append(chosen)
            remaining_parts.append(remaining[informative].astype(np.float64))
    if not chosen_parts:
        return np.zeros((0, k)), np.zeros((0, k))
    return np.vstack(chosen_parts), np.vstack(remaining_parts)


def _pl_mm(chosen: NDArray[np.float64], remaining: NDArray[np.float64],
           alpha: float | None, max_iter: int = 100_000, tol: float = 1e-11
           ) -> tuple[NDArray[np.float64], float, int, bool]:
    """Hunter's MM iterations on choice stages: worths (sum 1), alpha, iterations, MLE exists."""
    k = chosen.shape[1]
    wins = chosen.sum(axis=0)
    # i placed above j in some stage: i chosen while j still remained
    above = (chosen.T @ remaining) > 0
    np.fill_diagonal(above, False)
    n_components, _ = connected_components(above, directed=True, connection="strong")
    mle_exists = bool(n_components == 1)
    if alpha is None:
        alpha = 0.0 if mle_exists else _PL_AUTO_ALPHA
    if alpha < 0 or (alpha == 0 and not mle_exists):
        raise LandscapeError.of(
            "A153",
            "Plackett-Luce worths do not exist for these rankings without "
            "regularisation (some options are never placed above others); give alpha > 0",
        )
    weights = np.ones(k)
    log_w = np.zeros(k)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported below
        stage_total = remaining @ weights
        denominators = remaining.T @ (1.0 / stage_total)
        new = (wins + alpha) / (denominators + alpha)
        new_log = np.log(new) - np.log(new).mean()
        weights = new * (k / new.sum())  # keep worths at mean 1, as choix does
        if np.abs(new_log - log_w).sum() < tol:
            log_w = new_log
            break
        log_w = new_log
    else:
        raise LandscapeError.of(
            "A153", f"Plackett-Luce did not converge in {max_iter} iterations"
        )
    return weights / weights.sum(), float(alpha), iterations, mle_exists


def _pl_fit(chosen: NDArray[np.float64], remaining: NDArray[np.float64],
            alpha: float | None = None) -> NDArray[np.float64]:
    """Plackett-Luce worths (sum 1) of choice stages, as :func:`plackett_luce` fits them."""
    return _pl_mm(chosen, remaining, alpha)[0]


def plackett_luce(
    ranks: pd.DataFrame,
    alpha: float | None = None,
    max_iter: int = 100_000,
    tol: float = 1e-11,
) -> Consensus:
    """Plackett–Luce worths by the MM algorithm (Hunter 2004), normalised to sum 1.

    A worth is the chance an option would be picked first from the whole list.
    Partial (top-k) rankings use the exact top-k likelihood: an unranked option
    is one the respondent did not pick at any of their k choices. Ties among
    ranked options use Breslow's approximation.

    Maximum-likelihood worths exist only if the options cannot be split into two
    groups with one group never placed above the other (Hunter's condition:
    the "placed above" graph is strongly connected). When it fails - e.g. an
    option everyone puts last, or nobody ranks - ``alpha=None`` adds a small
    pseudo-count (0.1, as choix's ``alpha``: each update is
    ``(wins + alpha) / (denominator + alpha)`` with worths scaled to mean 1) and
    says so in ``note``; give ``alpha`` to set it yourself.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.
    alpha : float or None
        Regularisation pseudo-count; ``None`` = 0 when the MLE exists, else 0.1.
    max_iter, tol : int, float
        Iteration limit and convergence tolerance (L1 change in centred log worths).

    Returns
    -------
    Consensus
        ``scores``: worths summing to 1; ``details``: ``alpha``, ``iterations``,
        ``mle_exists``.

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [1, 1, 2], "b": [2, 3, 1], "c": [3, 2, 3]}, dtype="Int64")
    >>> result = plackett_luce(ranks)
    >>> result.order, round(sum(result.scores.values()), 6)
    (['a', 'b', 'c'], 1.0)
    """
    codes, values = _ranks_array(ranks)
    chosen, remaining = _pl_stages(_positions(values), values)
    worths, alpha, iterations, mle_exists = _pl_mm(chosen, remaining, alpha, max_iter, tol)
    note = "Score: Plackett-Luce worth (chance of being picked first; worths sum to 1)."
    if alpha > 0:
        note += (f" Maximum-likelihood worths do not exist for these rankings; worths are "
                 f"shrunk with pseudo-count {alpha:g}." if not mle_exists else
                 f" Regularised with pseudo-count {alpha:g}.")
    return Consensus(
        method="plackett-luce",
        order=_order_by(codes, worths, descending=True),
        scores={c: float(w) for c, w in zip(codes, worths, strict=True)},
        note=note + _partial_note(values),
        n=values.shape[0],
        details={"alpha": float(alpha), "iterations": iterations, "mle_exists": mle_exists},
    )


# -- dispatcher ---------------------------------------------------------------

_DISPATCH: Mapping[str, Any] = {
    "mean-rank": mean_rank,
    "borda": borda,
    "schulze": schulze,
    "kemeny": kemeny,
    "plackett-luce": plackett_luce,
}


def consensus(ranks: pd.DataFrame, method: str) -> Consensus:
    """Run one consensus method by name.

    Parameters
    ----------
    ranks : pandas.DataFrame
        A rankings frame.
    method : str
        One of :data:`METHODS` (underscores are accepted for hyphens).

    Returns
    -------
    Consensus

    Examples
    --------
    >>> import pandas as pd
    >>> ranks = pd.DataFrame({"a": [2, 2], "b": [1, 1]}, dtype="Int64")
    >>> consensus(ranks, "mean_rank").order
    ['b', 'a']
    """
    key = method.strip().lower().replace("_", "-")
    if key not in _DISPATCH:
        raise LandscapeError.of(
            "A153", f"unknown consensus method {method!r}; use one of {', '.join(METHODS)}"
        )
    result: Consensus = _DISPATCH[key](ranks)
    return result
