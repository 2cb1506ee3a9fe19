"""Checking answers before they are saved: the answer model's problems as store issues.

The rules themselves are :mod:`survey.answers` (one place for the store, the
importers and the web form); this module words each problem in English as an
``S106`` issue located at its question. Answer shapes are described in
:mod:`survey.answers.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey.answers import ShownFn, check_answers, problem_issue
from survey.errors import Issue, Location
from survey.instrument.model import InstrumentVersion

__all__ = ["validate_answers"]


def validate_answers(
    iv: InstrumentVersion,
    answers: Mapping[str, Any],
    *,
    path: str | None = None,
    state: str = "complete",
    is_shown: ShownFn | None = None,
    location: Location | None = None,
) -> list[Issue]:
    """Every problem with ``answers`` to ``iv``, one ``S106`` issue per answer key.

    :func:`survey.answers.check_answers` worded as issues (``issue.reason`` is the
    problem's code, ``issue.location.question`` its question).

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - code: top
    ...     type: ranking
    ...     label: Rank these
    ...     options: [{code: a, label: A}, {code: b, label: B}]
    ... ''')
    >>> found = validate_answers(iv, {"top": {"a": 1, "b": 1}})
    >>> found[0].reason, found[0].location.question
    ('ranking_positions', 'top')
    >>> found[0].message
    'Each position can be used once: position 2 is missing, 1 is used twice'
    """
    return [problem_issue("S106", problem, location)
            for problem in check_answers(iv, answers, path=path, state=state,
                                         is_shown=is_shown)]
