"""Each question type's answer rule, written once.

The store (before saving), the file importers and the web form all call
:func:`check_answers` (or, for a ranking read from a file, :func:`check_ranking`)
and only word the :class:`~survey.answers.problems.Problem` values they get.

Answer values, by question type (the JSON kept in ``answers.value``):

==================  ==========================================================
``single_choice``   an option code (``"other"`` when the question has ``other``)
``multiple_choice`` a list of distinct option codes (may include ``"other"``)
``ranking``         ``{option_code: rank}``, rank 1 = most important
``free_text``       text; ``organisation``: text (a name). At most
                    ``max_length`` characters, by default the type's limit
                    (:data:`~survey.instrument.model.TEXT_LIMITS`), and no
                    control characters other than tab and line breaks
``rating``          a whole number on the scale; ``number``: a number
``place``           a nation or ITL1 region code (``survey.instrument.places``)
``consent``         ``true`` / ``false``
==================  ==========================================================

The "please specify" text of an ``other`` choice goes under the key
``"<question_code>.other"``. Empty values (``None``, ``""``, ``[]``, ``{}``)
count as unanswered.

The ranking rule (:class:`~survey.instrument.model.RankingRule`): every rank is a
whole number from 1 to the number of positions (all options for ``full``, ``k``
for ``top_k``). With ``ties: forbid`` each of those positions is used exactly
once - a ``top_k`` answer ranks exactly ``k`` options. With ``ties: allow`` a
``full`` answer ranks every option and a ``top_k`` answer any of them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from survey.answers.problems import Problem
from survey.instrument.logic import evaluate
from survey.instrument.logic import is_shown as logic_is_shown
from survey.instrument.model import (
    OTHER_TEXT_LIMIT,
    InstrumentVersion,
    Question,
    QuestionType,
    RankingRule,
)
from survey.instrument.places import places_for
from survey.text import control_name, first_control

__all__ = ["STATES", "ShownFn", "check_answers", "check_ranking", "check_value", "is_empty",
           "question_map"]

#: Decides whether a question was shown, given the answers so far (skip logic).
ShownFn = Callable[[Question, Mapping[str, Any]], bool]

#: The states a response can be saved in.
STATES: tuple[str, ...] = ("in_progress", "complete")

_QUESTION_MAPS: dict[int, tuple[InstrumentVersion, dict[str, Question]]] = {}
_OPTION_SETS: dict[int, tuple[Question, frozenset[str]]] = {}


def is_empty(value: Any) -> bool:
    """Whether ``value`` counts as unanswered (``None``, ``""``, ``[]``, ``{}``)."""
    return value is None or value == "" or value == [] or value == {}


def _options_of(q: Question) -> frozenset[str]:
    """The option codes of ``q`` as a set (cached: ``q.option`` scans the tuple)."""
    hit = _OPTION_SETS.get(id(q))
    if hit is None or hit[0] is not q:
        if len(_OPTION_SETS) > 4096:
            _OPTION_SETS.clear()
        hit = (q, frozenset(q.option_codes))
        _OPTION_SETS[id(q)] = hit
    return hit[1]


def question_map(iv: InstrumentVersion) -> dict[str, Question]:
    """``{code: question}`` of ``iv`` (cached: ``iv.question`` scans the tuple)."""
    hit = _QUESTION_MAPS.get(id(iv))
    if hit is None or hit[0] is not iv:
        if len(_QUESTION_MAPS) > 64:
            _QUESTION_MAPS.clear()
        hit = (iv, {q.code: q for q in iv.questions})
        _QUESTION_MAPS[id(iv)] = hit  # keeps iv alive, so its id is not reused
    return hit[1]


# -- rankings ------------------------------------------------------------------------


def _is_rank(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_ranking(rule: RankingRule, options: Sequence[str], ranks: Mapping[Any, Any],
                  question: str | None = None) -> Problem | None:
    """The problem with a ranking ``{option: rank}`` under ``rule``, or None.

    ``options`` are the question's option codes in order.

    Examples
    --------
    >>> check_ranking(RankingRule(), ["a", "b"], {"a": 1, "b": 1}).params["repeated"]
    {1: 2}
    >>> check_ranking(RankingRule(mode="top_k", k=2), ["a", "b", "c"], {"c": 1, "a": 2})
    """
    if not isinstance(ranks, Mapping) or not ranks:
        return Problem("ranking_shape", question)
    known = set(options)
    unknown = sorted(str(code) for code in ranks if str(code) not in known)
    if unknown:
        return Problem("ranking_options", question,
                       {"values": unknown, "options": list(options)})
    if not all(_is_rank(r) for r in ranks.values()):
        return Problem("ranking_not_whole", question)
    positions = rule.positions(len(options))
    outside = [c for c in options if c in ranks and not 1 <= ranks[c] <= positions]
    if outside:
        return Problem("ranking_range", question, {"positions": positions, "options": outside})
    if rule.ties == "forbid":
        counts = Counter(ranks.values())
        missing = [p for p in range(1, positions + 1) if p not in counts]
        repeated = {p: n for p, n in sorted(counts.items()) if n > 1}
        if missing or repeated:
            holders = [c for c in options if c in ranks and ranks[c] in repeated]
            return Problem("ranking_positions", question, {
                "missing": missing, "repeated": repeated, "positions": positions,
                "mode": rule.mode, "options": holders})
    elif rule.mode == "full":
        unranked = [c for c in options if c not in ranks]
        if unranked:
            return Problem("ranking_unranked", question, {"options": unranked})
    return None


# -- one value -----------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: int | float) -> bool:
    # inf/NaN are not JSON and break comparisons; an int too big for a float overflows
    # every later float conversion (analysis, exports), so it is refused as well.
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _choice(q: Question, value: Any) -> Problem | None:
    if not isinstance(value, str) or (value not in _options_of(q)
                                      and not (q.other and value == "other")):
        return Problem("not_an_option", q.code, {"value": str(value),
                                                 "options": list(q.option_codes)})
    return None


def _choices(q: Question, value: Any) -> Problem | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return Problem("not_a_list", q.code)
    options = _options_of(q)
    bad = [v for v in value if v not in options and not (q.other and v == "other")]
    if bad:
        return Problem("unknown_options", q.code, {"values": bad,
                                                   "options": list(q.option_codes)})
    if len(set(value)) != len(value):
        return Problem("repeated_option", q.code)
    return None


def _text_problem(key: str, value: str, limit: int | None) -> Problem | None:
    if limit is not None and len(value) > limit:
        return Problem("too_long", key, {"limit": limit, "length": len(value)})
    position = first_control(value)
    if position is None:
        return None
    return Problem("control_character", key, {"position": position,
                                              "character": control_name(value)})


def _text(q: Question, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("not_text", q.code)
    return _text_problem(q.code, value, q.text_limit)


def _rating(q: Question, value: Any) -> Problem | None:
    assert q.scale is not None
    if not _is_rank(value) or not q.scale.min <= value <= q.scale.max:
        return Problem("not_on_scale", q.code, {"min": q.scale.min, "max": q.scale.max})
    return None


def _number(q: Question, value: Any) -> Problem | None:
    if not _is_number(value):
        return Problem("not_a_number", q.code)
    if not _is_finite(value):
        return Problem("not_finite", q.code)
    if q.integer and float(value) != int(value):
        return Problem("not_whole", q.code)
    if q.minimum is not None and value < q.minimum:
        return Problem("below_minimum", q.code, {"minimum": q.minimum})
    if q.maximum is not None and value > q.maximum:
        return Problem("above_maximum", q.code, {"maximum": q.maximum})
    return None


@lru_cache(maxsize=8)
def _place_codes(level: str) -> tuple[str, ...]:
    return tuple(p.code for p in places_for(level))


def _place(q: Question, value: Any) -> Problem | None:
    level = q.place_level or "region"
    codes = _place_codes(level)
    if value not in codes:
        return Problem("not_a_place", q.code, {"value": str(value), "level": level,
                                               "places": list(codes)})
    return None


def _consent(q: Question, value: Any) -> Problem | None:
    return None if isinstance(value, bool) else Problem("not_true_false", q.code)


def _ranking(q: Question, value: Any) -> Problem | None:
    assert q.ranking is not None
    return check_ranking(q.ranking, q.option_codes, value, q.code)


_CHECKS: dict[QuestionType, Callable[[Question, Any], Problem | None]] = {
    QuestionType.SINGLE_CHOICE: _choice,
    QuestionType.MULTIPLE_CHOICE: _choices,
    QuestionType.FREE_TEXT: _text,
    QuestionType.ORGANISATION: _text,
    QuestionType.RATING: _rating,
    QuestionType.NUMBER: _number,
    QuestionType.PLACE: _place,
    QuestionType.CONSENT: _consent,
    QuestionType.RANKING: _ranking,
}


def check_value(q: Question, value: Any) -> Problem | None:
    """The problem with one (non-empty) answer to ``q``, or None.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text("instrument: demo\\nversion: 1.0.0\\ntitle: Demo\\n"
    ...     "questions: [{code: n, type: number, label: Count, min: 0}]")
    >>> check_value(iv.questions[0], -1)
    Problem(code='below_minimum', question='n', params={'minimum': 0.0})
    """
    return _CHECKS[q.type](q, value)


# -- a whole response ------------------------------------------------------------------


def _key_problem(iv: InstrumentVersion, questions: Mapping[str, Question], key: str,
                 value: Any, path: str | None) -> Problem | None:
    code, _, suffix = key.partition(".")
    q = questions.get(code)
    if q is None or (suffix and suffix != "other"):
        return Problem("unknown_question", key, {"key": key, "instrument": iv.ref})
    if suffix == "other":
        if not q.other or not isinstance(value, str):
            return Problem("other_text", key)
        return _text_problem(key, value, OTHER_TEXT_LIMIT)
    if path is not None and q.path is not None and q.path != path:
        return Problem("wrong_path", code, {"path": q.path, "taken": path})
    return check_value(q, value)


def _skip_logic(iv: InstrumentVersion, answers: Mapping[str, Any]) -> ShownFn:
    """:func:`survey.instrument.logic.is_shown` for ``answers``, each path judged once."""
    paths: dict[str, bool] = {}

    def shown(q: Question, given: Mapping[str, Any]) -> bool:
        if given is not answers or q.path is None:
            return logic_is_shown(iv, q, given)
        if q.path not in paths:
            path = iv.path(q.path)
            if path is None:  # not a valid instrument: let is_shown say so (I213)
                return logic_is_shown(iv, q, given)
            paths[q.path] = evaluate(path.when, answers)
        return paths[q.path] and (q.relevant is None or evaluate(q.relevant, answers))
    return shown


def check_answers(
    iv: InstrumentVersion,
    answers: Mapping[str, Any],
    *,
    path: str | None = None,
    state: str = "complete",
    is_shown: ShownFn | None = None,
) -> list[Problem]:
    """Every problem with ``answers`` to ``iv``: at most one per answer key.

    Checks the state and path, every answer's value (see the module), that no
    answer is given to a question the skip logic hides, and - for a
    ``complete`` response - that every required question shown was answered.
    Whether a question is shown is decided by the instrument's skip logic
    (:func:`survey.instrument.logic.is_shown`) unless ``is_shown(question,
    answers)`` is given.

    Examples
    --------
    >>> from survey.instrument import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: top, type: ranking, label: Rank,
    ...      options: [{code: a, label: A}, {code: b, label: B}]}
    ... ''')
    >>> [p.code for p in check_answers(iv, {"top": {"a": 1, "b": 1}})]
    ['ranking_positions']
    >>> [p.code for p in check_answers(iv, {})]
    ['required']
    """
    problems: list[Problem] = []
    if state not in STATES:
        problems.append(Problem("unknown_state", None, {"state": state, "states": list(STATES)}))
    if path is not None and iv.paths and iv.path(path) is None:
        problems.append(Problem("unknown_path", None, {
            "path": path, "paths": [p.code for p in iv.paths]}))
    shown = is_shown or _skip_logic(iv, answers)
    questions = question_map(iv)
    answered: list[Question] = []
    for key, value in answers.items():
        if is_empty(value):
            continue
        problem = _key_problem(iv, questions, key, value, path)
        if problem is not None:
            problems.append(problem)
        elif "." not in key:
            answered.append(questions[key])
    # A bad answer may be what decides the skip logic: judge it once that is fixed.
    if not problems:
        problems.extend(Problem("hidden", q.code) for q in answered
                        if (q.relevant is not None or q.path is not None)
                        and not shown(q, answers))
    if state == "complete":
        for q in iv.questions:
            if q.required and is_empty(answers.get(q.code)) and shown(q, answers):
                code = "consent_required" if q.type is QuestionType.CONSENT else "required"
                problems.append(Problem(code, q.code))
    return problems
