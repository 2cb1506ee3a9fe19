"""Checking answers against their instrument before they are saved.

Answer values, by question type (the JSON kept in ``answers.value``):

==================  ==========================================================
``single_choice``   an option code (``"other"`` when the question has ``other``)
``multiple_choice`` a list of distinct option codes (may include ``"other"``)
``ranking``         ``{option_code: rank}``, rank 1 = most important
``free_text``       text; ``organisation``: text (a name)
``rating``          a whole number on the scale; ``number``: a number
``place``           a nation or ITL1 region code (``survey.instrument.places``)
``consent``         ``true`` / ``false``
==================  ==========================================================

The "please specify" text of an ``other`` choice goes under the key
``"<question_code>.other"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from survey.errors import Issue, Location, issue
from survey.instrument.logic import is_shown as logic_is_shown
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import places_for

__all__ = ["ShownFn", "is_empty", "question_map", "validate_answers"]

#: Decides whether a question was shown, given the answers so far (skip logic).
ShownFn = Callable[[Question, Mapping[str, Any]], bool]

_STATES = ("in_progress", "complete")

_QUESTION_MAPS: dict[int, tuple[InstrumentVersion, dict[str, Question]]] = {}


_OPTION_SETS: dict[int, tuple[Question, frozenset[str]]] = {}


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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: int | float) -> bool:
    # inf/NaN are not JSON and break comparisons; an int too big for a float overflows
    # every later float conversion (analysis, exports), so it is refused as well.
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _check_ranking(q: Question, value: Any) -> str | None:
    if not isinstance(value, Mapping) or not value:
        return "give a mapping of option code to rank, e.g. {'a': 1, 'b': 2}"
    options = _options_of(q)
    unknown = [str(code) for code in value if str(code) not in options]
    if unknown:
        return (f"unknown option(s) {', '.join(sorted(unknown))}; options are "
                f"{', '.join(q.option_codes)}")
    ranks = list(value.values())
    if not all(isinstance(r, int) and not isinstance(r, bool) for r in ranks):
        return "every rank must be a whole number"
    rule = q.ranking
    assert rule is not None
    n = len(q.options)
    positions = rule.positions(n)
    if any(not 1 <= r <= positions for r in ranks):
        return f"ranks must be between 1 and {positions}"
    if rule.mode == "full" and len(value) != n:
        missing = [c for c in q.option_codes if c not in value]
        return f"rank every option: {', '.join(missing)} not ranked"
    if rule.ties == "forbid":
        if len(set(ranks)) != len(ranks):
            return "each rank may be used once (no ties)"
        if sorted(ranks) != list(range(1, len(ranks) + 1)):
            return f"ranks must be 1 to {len(ranks)} without gaps"
        if rule.mode == "top_k" and len(value) != positions:
            return f"rank exactly your top {positions}"
    return None


def _check_value(q: Question, value: Any) -> str | None:
    t = q.type
    if t is QuestionType.RANKING:
        return _check_ranking(q, value)
    if t is QuestionType.SINGLE_CHOICE:
        if not isinstance(value, str) or (value not in _options_of(q)
                                          and not (q.other and value == "other")):
            return f"'{value}' is not one of {', '.join(q.option_codes)}"
        return None
    if t is QuestionType.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "give a list of option codes"
        options = _options_of(q)
        bad = [v for v in value if v not in options and not (q.other and v == "other")]
        if bad:
            return f"unknown option(s) {', '.join(bad)}"
        if len(set(value)) != len(value):
            return "an option is chosen more than once"
        return None
    if t in (QuestionType.FREE_TEXT, QuestionType.ORGANISATION):
        if not isinstance(value, str):
            return "give text"
        if q.max_length is not None and len(value) > q.max_length:
            return f"at most {q.max_length} characters (got {len(value)})"
        return None
    if t is QuestionType.RATING:
        assert q.scale is not None
        if not isinstance(value, int) or isinstance(value, bool) \
                or not q.scale.min <= value <= q.scale.max:
            return f"give a whole number from {q.scale.min} to {q.scale.max}"
        return None
    if t is QuestionType.NUMBER:
        if not _is_number(value):
            return "give a number"
        if not _is_finite(value):
            return "give a finite number (not infinity, NaN or one too large to store)"
        if q.integer and float(value) != int(value):
            return "give a whole number"
        if q.minimum is not None and value < q.minimum:
            return f"must be at least {q.minimum:g}"
        if q.maximum is not None and value > q.maximum:
            return f"must be at most {q.maximum:g}"
        return None
    if t is QuestionType.PLACE:
        codes = [p.code for p in places_for(q.place_level or "region")]
        if value not in codes:
            return f"'{value}' is not a {q.place_level or 'region'} code ({', '.join(codes)})"
        return None
    if t is QuestionType.CONSENT:
        return None if isinstance(value, bool) else "give true or false"
    return None  # pragma: no cover - every type is handled above


def is_empty(value: Any) -> bool:
    """Whether ``value`` counts as unanswered (``None``, ``""``, ``[]``, ``{}``)."""
    return value is None or value == "" or value == [] or value == {}


def validate_answers(
    iv: InstrumentVersion,
    answers: Mapping[str, Any],
    *,
    path: str | None = None,
    state: str = "complete",
    is_shown: ShownFn | None = None,
    location: Location | None = None,
) -> list[Issue]:
    """Every problem with ``answers`` to ``iv``, one ``S106`` issue per question.

    Checks option codes, ranking rules (full = strict permutation 1..n, top_k,
    ties), number and rating ranges, places, and - for a ``complete`` response -
    that every required question shown was answered. Whether a question was
    shown is decided by the instrument's skip logic
    (:func:`survey.instrument.logic.is_shown`) unless ``is_shown(question,
    answers)`` is given.
    Empty values (``None``, ``""``, ``[]``) count as unanswered.

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
    >>> [i.message for i in validate_answers(iv, {"top": {"a": 1, "b": 1}})]
    ['each rank may be used once (no ties)']
    """
    base = location or Location()
    issues: list[Issue] = []

    def add(code: str | None, message: str) -> None:
        where = Location(file=base.file, row=base.row, column=code, question=code)
        issues.append(issue("S106", message, where))

    if state not in _STATES:
        add(None, f"state '{state}' is not one of {', '.join(_STATES)}")
    if path is not None and iv.paths and iv.path(path) is None:
        add(None, f"path '{path}' is not one of {', '.join(p.code for p in iv.paths)}")
    questions = question_map(iv)
    for key, value in answers.items():
        code, _, suffix = key.partition(".")
        q = questions.get(code)
        if q is None or (suffix and suffix != "other"):
            add(key, f"{iv.ref} has no question '{key}'")
            continue
        if is_empty(value):
            continue
        if suffix == "other":
            if not q.other or not isinstance(value, str):
                add(key, "'other' text is only for a question with an 'other' option")
            continue
        if path is not None and q.path is not None and q.path != path:
            add(code, f"the question is on path '{q.path}', not on the path taken ('{path}')")
            continue
        problem = _check_value(q, value)
        if problem:
            add(code, problem)
    if state == "complete":
        for q in iv.questions:
            if not q.required or not is_empty(answers.get(q.code)):
                continue
            if is_shown is not None:
                shown = is_shown(q, answers)
            else:
                shown = logic_is_shown(iv, q, answers)
            if shown:
                add(q.code, "this question must be answered")
    return issues
