"""Agreement between two coders: Cohen's kappa per theme, its interval, prevalence, PABAK.

For one theme each coder says yes or no for each response both coded. With
``p_o`` the share of responses on which they agree and ``p_e`` the agreement
expected by chance from each coder's own yes-rate (``p_a p_b + (1-p_a)(1-p_b)``),

    kappa = (p_o - p_e) / (1 - p_e).

When ``p_e = 1`` (both coders gave every response the same code) kappa is 0/0:
undefined, returned as NaN with a note rather than an error, because it is a
normal outcome for a rare theme in a small double-coded sample.

Kappa depends on how common a theme is: at a prevalence near 0 or 1 two coders
who almost always agree can still get a low kappa (Feinstein & Cicchetti 1990,
"High agreement but low kappa", J Clin Epidemiol 43:543-549). So each theme
also carries its *prevalence* (the share of all codings that say yes) and the
prevalence-adjusted bias-adjusted kappa, PABAK = 2 p_o - 1 (Byrt, Bishop &
Carlin 1993, J Clin Epidemiol 46:423-429). Kappa's 95% interval is a seeded
percentile bootstrap over the double-coded responses (resamples where kappa is
undefined are left out and counted). Below a minimum number of double-coded
responses (``LANDSCAPE_MIN_DOUBLE_CODED`` in the CLI) kappa, its interval and
PABAK are not reported: the counts are, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from survey.coding.rules import coding_matrix
from survey.errors import LandscapeError, Location
from survey.text import clip

__all__ = ["BOOTSTRAP_SEED", "KappaResult", "bootstrap_kappa", "cohens_kappa",
           "kappa_by_theme"]

#: Bootstrap resamples and seed for kappa's interval (the same figures every run).
BOOTSTRAP_DRAWS = 2000
BOOTSTRAP_SEED = 20220

_UNDEFINED = ("kappa undefined: both coders gave every response the same code, so chance "
              "agreement is already 100%")


@dataclass(frozen=True, slots=True)
class KappaResult:
    """Cohen's kappa for one theme, with what it rests on."""

    kappa: float
    observed: float
    expected: float
    n: int
    both_yes: int
    both_no: int
    only_a: int
    only_b: int
    note: str = ""


def cohens_kappa(coder_a: Sequence[bool], coder_b: Sequence[bool]) -> KappaResult:
    """Cohen's kappa between two coders' yes/no codings of the same responses.

    Examples
    --------
    >>> r = cohens_kappa([True, True, False, False], [True, False, False, False])
    >>> r.observed, r.expected, r.kappa
    (0.75, 0.5, 0.5)
    >>> import math; math.isnan(cohens_kappa([True] * 3, [True] * 3).kappa)
    True
    """
    if len(coder_a) != len(coder_b):
        raise LandscapeError.of("C114", f"coder A coded {len(coder_a)} responses and coder B "
                                f"{len(coder_b)}; give both the same responses")
    pairs = [(bool(x), bool(y)) for x, y in zip(coder_a, coder_b, strict=True)]
    n = len(pairs)
    both_yes = sum(x and y for x, y in pairs)
    both_no = sum(not x and not y for x, y in pairs)
    only_a = sum(x and not y for x, y in pairs)
    only_b = sum(y and not x for x, y in pairs)
    if n == 0:
        return KappaResult(math.nan, math.nan, math.nan, 0, 0, 0, 0, 0,
                           "kappa undefined: no responses coded by both coders")
    observed = Fraction(both_yes + both_no, n)
    yes_a = Fraction(both_yes + only_a, n)
    yes_b = Fraction(both_yes + only_b, n)
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if expected == 1:
        return KappaResult(math.nan, float(observed), 1.0, n, both_yes, both_no, only_a,
                           only_b, _UNDEFINED)
    kappa = (observed - expected) / (1 - expected)
    return KappaResult(float(kappa), float(observed), float(expected), n, both_yes, both_no,
                       only_a, only_b)


def bootstrap_kappa(coder_a: Sequence[bool], coder_b: Sequence[bool], *,
                    draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED,
                    alpha: float = 0.05) -> tuple[float, float, int]:
    """Percentile bootstrap interval of Cohen's kappa: ``(low, high, undefined draws)``.

    Each draw resamples the double-coded responses with replacement (row indices
    ``numpy.random.default_rng(seed).integers(0, n, size=(draws, n))``); draws in
    which kappa is undefined (every response given the same code) are left out
    and counted. NaN bounds when fewer than half the draws give a kappa.

    Examples
    --------
    >>> low, high, undefined = bootstrap_kappa([1, 1, 0, 0, 1, 0] * 5, [1, 0, 0, 0, 1, 0] * 5)
    >>> round(low, 2), round(high, 2), undefined
    (0.4, 0.92, 0)
    """
    a = np.asarray(coder_a, dtype=bool)
    b = np.asarray(coder_b, dtype=bool)
    n = len(a)
    if n == 0:
        return math.nan, math.nan, draws
    rows = np.random.default_rng(seed).integers(0, n, size=(draws, n))
    ra, rb = a[rows], b[rows]
    observed = (ra == rb).mean(axis=1)
    pa, pb = ra.mean(axis=1), rb.mean(axis=1)
    expected = pa * pb + (1 - pa) * (1 - pb)
    defined = expected < 1 - 1e-12
    kappas = (observed[defined] - expected[defined]) / (1 - expected[defined])
    undefined = int((~defined).sum())
    if len(kappas) < draws / 2:
        return math.nan, math.nan, undefined
    low, high = np.quantile(kappas, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high), undefined


def _as_matrix(coding: pd.DataFrame, who: str) -> pd.DataFrame:
    """A coder's coding as response x theme booleans (answered responses only)."""
    if {"response_id", "theme", "applied"} <= set(coding.columns):
        return coding_matrix(coding, answered_only="answered" in coding.columns)
    out = {}
    for column in coding.columns:
        values = coding[column]
        bad = [(i, v) for i, v in values.items()
               if not (isinstance(v, bool) or v in (0, 1)) or (isinstance(v, float)
                                                               and math.isnan(v))]
        if bad:
            row, value = bad[0]
            raise LandscapeError.of("C114", f"{who}'s coding of '{clip(str(column))}' for "
                                    f"response '{clip(str(row))}' is {clip(repr(value))}, not "
                                    "true/false", Location(row=None, column=clip(str(column))))
        out[str(column)] = values.astype(bool)
    frame = pd.DataFrame(out, index=coding.index.astype(str))
    if frame.index.has_duplicates:
        raise LandscapeError.of("C114", f"{who} codes response "
                                f"'{clip(frame.index[frame.index.duplicated()][0])}' twice")
    return frame


def kappa_by_theme(coder_a: pd.DataFrame, coder_b: pd.DataFrame,
                   themes: Sequence[str] | None = None, *, min_double_coded: int = 0,
                   draws: int = BOOTSTRAP_DRAWS, seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """Cohen's kappa per theme between two coders, over the responses both coded.

    Parameters
    ----------
    coder_a, coder_b
        Each either a response x theme table of booleans (index = response id) or a
        coded frame from :func:`~survey.coding.rules.code_answers` /
        :func:`~survey.coding.rules.apply_overrides` (then only answered responses
        count). A second coder often codes a sample: only responses in both count.
    themes
        Themes to compare (default: coder A's, which coder B must also have).
    min_double_coded
        Below this many responses coded by both, kappa, its interval and PABAK
        are NaN and the note says why.
    draws, seed
        The bootstrap of kappa's interval (:func:`bootstrap_kappa`).

    Returns
    -------
    DataFrame
        Columns ``theme, n, both_yes, both_no, only_a, only_b, prevalence,
        prevalence_a, prevalence_b, observed, expected, kappa, kappa_low,
        kappa_high, pabak, note``; ``kappa`` is NaN with a note when undefined.

    Examples
    --------
    >>> a = pd.DataFrame({"funding": [True, True, False, False]}, index=list("wxyz"))
    >>> b = pd.DataFrame({"funding": [True, False, False, False]}, index=list("wxyz"))
    >>> kappa_by_theme(a, b)[["theme", "n", "kappa", "pabak", "prevalence"]].to_dict("records")
    [{'theme': 'funding', 'n': 4, 'kappa': 0.5, 'pabak': 0.5, 'prevalence': 0.375}]
    """
    matrix_a, matrix_b = _as_matrix(coder_a, "coder A"), _as_matrix(coder_b, "coder B")
    wanted = list(themes) if themes is not None else list(matrix_a.columns)
    for who, matrix in (("coder A", matrix_a), ("coder B", matrix_b)):
        missing = [t for t in wanted if t not in matrix.columns]
        if missing:
            raise LandscapeError.of("C114", f"{who} has no coding for theme(s) "
                                    + ", ".join(clip(t) for t in missing))
    common = [r for r in matrix_a.index if r in set(matrix_b.index)]
    rows = [_theme_row(theme, list(matrix_a.loc[common, theme]),
                       list(matrix_b.loc[common, theme]), min_double_coded, draws, seed)
            for theme in wanted]
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = ["theme", "n", "both_yes", "both_no", "only_a", "only_b", "prevalence",
            "prevalence_a", "prevalence_b", "observed", "expected", "kappa", "kappa_low",
            "kappa_high", "pabak", "note"]


def _theme_row(theme: str, a: list[bool], b: list[bool], min_double_coded: int,
               draws: int, seed: int) -> dict[str, object]:
    result = cohens_kappa(a, b)
    n = result.n
    yes_a, yes_b = result.both_yes + result.only_a, result.both_yes + result.only_b
    row: dict[str, object] = {
        "theme": theme, "n": n, "both_yes": result.both_yes, "both_no": result.both_no,
        "only_a": result.only_a, "only_b": result.only_b,
        "prevalence": (yes_a + yes_b) / (2 * n) if n else math.nan,
        "prevalence_a": yes_a / n if n else math.nan,
        "prevalence_b": yes_b / n if n else math.nan,
        "observed": result.observed, "expected": result.expected, "kappa": result.kappa,
        "kappa_low": math.nan, "kappa_high": math.nan,
        "pabak": 2 * result.observed - 1 if n else math.nan, "note": result.note,
    }
    if n < min_double_coded:
        row.update(kappa=math.nan, pabak=math.nan,
                   note=f"not reported: {n} response(s) coded by both coders, fewer than the "
                   f"{min_double_coded} needed (LANDSCAPE_MIN_DOUBLE_CODED)")
        return row
    if not math.isnan(result.kappa):
        low, high, undefined = bootstrap_kappa(a, b, draws=draws, seed=seed)
        row.update(kappa_low=low, kappa_high=high)
        if undefined:
            row["note"] = (f"{undefined} of {draws} bootstrap resamples gave every response "
                           "the same code and were left out of the interval")
    return row
