"""Agreement between two coders: Cohen's kappa per theme.

For one theme each coder says yes or no for each response both coded. With
``p_o`` the share of responses on which they agree and ``p_e`` the agreement
expected by chance from each coder's own yes-rate (``p_a p_b + (1-p_a)(1-p_b)``),

    kappa = (p_o - p_e) / (1 - p_e).

When ``p_e = 1`` (both coders gave every response the same code) kappa is 0/0:
undefined, returned as NaN with a note rather than an error, because it is a
normal outcome for a rare theme in a small double-coded sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from survey.coding.rules import coding_matrix
from survey.errors import LandscapeError, Location
from survey.text import clip

__all__ = ["KappaResult", "cohens_kappa", "kappa_by_theme"]

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
                   themes: Sequence[str] | None = None) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        Columns ``theme, n, both_yes, both_no, only_a, only_b, observed, expected,
        kappa, note``; ``kappa`` is NaN with a note when undefined.

    Examples
    --------
    >>> a = pd.DataFrame({"funding": [True, True, False, False]}, index=list("wxyz"))
    >>> b = pd.DataFrame({"funding": [True, False, False, False]}, index=list("wxyz"))
    >>> kappa_by_theme(a, b)[["theme", "n", "kappa"]].to_dict("records")
    [{'theme': 'funding', 'n': 4, 'kappa': 0.5}]
    """
    matrix_a, matrix_b = _as_matrix(coder_a, "coder A"), _as_matrix(coder_b, "coder B")
    wanted = list(themes) if themes is not None else list(matrix_a.columns)
    for who, matrix in (("coder A", matrix_a), ("coder B", matrix_b)):
        missing = [t for t in wanted if t not in matrix.columns]
        if missing:
            raise LandscapeError.of("C114", f"{who} has no coding for theme(s) "
                                    + ", ".join(clip(t) for t in missing))
    common = [r for r in matrix_a.index if r in set(matrix_b.index)]
    rows = []
    for theme in wanted:
        result = cohens_kappa(list(matrix_a.loc[common, theme]),
                              list(matrix_b.loc[common, theme]))
        rows.append({"theme": theme, "n": result.n, "both_yes": result.both_yes,
                     "both_no": result.both_no, "only_a": result.only_a,
                     "only_b": result.only_b, "observed": result.observed,
                     "expected": result.expected, "kappa": result.kappa, "note": result.note})
    return pd.DataFrame(rows, columns=["theme", "n", "both_yes", "both_no", "only_a", "only_b",
                                       "observed", "expected", "kappa", "note"])
