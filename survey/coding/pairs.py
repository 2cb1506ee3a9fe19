"""Barrier co-occurrence: how many respondents' answers carry both of two themes.

The diagonal is the number mentioning each theme; the table is symmetric. Only
respondents who answered the question count (a blank answer carries no theme),
so every cell is out of the same ``answered`` denominator as the theme shares
(:func:`survey.coding.theme_shares`).
"""

from __future__ import annotations

import pandas as pd

from survey.coding.rules import coding_matrix

__all__ = ["cooccurrence"]


def cooccurrence(coded: pd.DataFrame) -> pd.DataFrame:
    """Theme x theme counts of answering respondents whose coding applies both themes.

    Parameters
    ----------
    coded
        A coded frame from :func:`survey.coding.code_answers` (after
        :func:`~survey.coding.apply_overrides`, if any).

    Returns
    -------
    DataFrame
        Square, indexed and labelled by theme code in codebook order, of ints;
        cell ``(a, b)`` counts respondents whose answer carries both ``a`` and
        ``b``; the diagonal counts those carrying ``a``. ``attrs["answered"]``
        is the number of respondents who answered.

    Examples
    --------
    >>> from survey.coding import code_answers, load_codebook
    >>> coded = code_answers(pd.Series({"a": "No funding, and staff turnover.",
    ...                                 "b": "Staff turnover.", "c": ""}), load_codebook())
    >>> table = cooccurrence(coded)
    >>> int(table.loc["staff_turnover", "resources_capacity_funding"]), table.attrs["answered"]
    (1, 2)
    >>> int(table.loc["staff_turnover", "staff_turnover"])
    2
    """
    matrix = coding_matrix(coded, answered_only=True).astype(int)
    values = matrix.to_numpy(dtype=int)
    table = pd.DataFrame(values.T @ values, index=list(matrix.columns),
                         columns=list(matrix.columns), dtype=int)
    table.attrs["answered"] = len(matrix)
    return table
