"""A coded answer problem: what is wrong with one answer, without any wording.

The checks in :mod:`survey.answers.rules` return :class:`Problem` values; each
caller words them with :func:`survey.answers.messages.describe`, in English or
Welsh. The codes, and the parameters each one carries:

========================  =====================================================
``unknown_state``         ``state``, ``states`` - the response state
``unknown_path``          ``path``, ``paths`` - the path taken
``unknown_question``      ``key``, ``instrument`` - an answer key with no question
``other_text``            - "please specify" text on a question without ``other``
``wrong_path``            ``path``, ``taken`` - a question of another path
``hidden``                - answered, but the skip logic does not show it
``required``              - a required question shown but not answered
``consent_required``      - the same, for a consent box
``not_an_option``         ``value``, ``options`` - single choice
``not_a_list``            - multiple choice is not a list of codes
``unknown_options``       ``values``, ``options`` - choices that are not options
``repeated_option``       - multiple choice names an option twice
``not_text``              - text questions
``too_long``              ``limit``, ``length``
``control_character``     ``position`` (1-based), ``character`` (``U+0000``) - text
                          holding a C0 control other than tab, newline, CR
``not_on_scale``          ``min``, ``max`` - rating
``not_a_number``          - number
``not_finite``            - number is infinite, NaN or too large to store
``not_whole``             - number must be a whole number
``below_minimum``         ``minimum``
``above_maximum``         ``maximum``
``not_a_place``           ``value``, ``level``, ``places``
``not_true_false``        - consent
``ranking_shape``         - a ranking is not a non-empty mapping option -> rank
``ranking_options``       ``values``, ``options`` - ranked codes that are not options
``ranking_not_whole``     - a rank is not a whole number
``ranking_range``         ``positions``, ``options`` (those ranked outside 1..positions)
``ranking_unranked``      ``options`` - full ranking with ties allowed leaves options out
``ranking_positions``     ``missing`` (positions), ``repeated`` ({position: count}),
                          ``positions``, ``mode``, ``options`` (option codes
                          holding a repeated position, in option order)
========================  =====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Problem"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with one answer (or with the response as a whole).

    Examples
    --------
    >>> Problem("required", "q1")
    Problem(code='required', question='q1', params={})
    """

    code: str
    #: The answer key the problem is about (a question code, or ``code.other``);
    #: ``None`` for the response as a whole (state, path).
    question: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
