"""The answer model: each question type's rule, written once, and its words.

:func:`check_answers` (a whole response) and :func:`check_ranking` (one ranking)
return coded :class:`Problem` values; :func:`describe` words them in English or
Welsh. The store, the file importers and the web form all go through here.
"""

from __future__ import annotations

from survey.answers.messages import describe, problem_issue
from survey.answers.problems import Problem
from survey.answers.rules import (
    STATES,
    ShownFn,
    check_answers,
    check_ranking,
    check_value,
    is_empty,
    question_map,
)

__all__ = ["STATES", "Problem", "ShownFn", "check_answers", "check_ranking", "check_value",
           "describe", "is_empty", "problem_issue", "question_map"]
