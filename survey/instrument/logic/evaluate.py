"""Evaluation of a condition against a respondent's answers, and :func:`is_shown`."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from survey.errors import LandscapeError, Location
from survey.instrument.logic.parser import _parse_cached
from survey.instrument.logic.tree import (
    _ORDERINGS,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLiteral,
    Literal,
    Name,
    Not,
)
from survey.instrument.model import InstrumentVersion, Question

__all__ = ["evaluate", "is_shown"]

class _Missing:
    """The value of an unanswered question."""

    def __repr__(self) -> str:
        return "<unanswered>"


_MISSING = _Missing()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(a: object, b: object) -> bool:
    # Strict kinds: true is not 1 and '1' is not 1 (Python would say True == 1).
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def _order(op: str, a: object, b: object) -> bool:
    if not (_is_number(a) and _is_number(b)):
        return False
    x, y = float(a), float(b)  # type: ignore[arg-type]
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _value(expr: Expr, answers: Mapping[str, object]) -> object:
    if isinstance(expr, Literal):
        return expr.value
    if isinstance(expr, ListLiteral):
        return tuple(i.value for i in expr.items)
    if isinstance(expr, Name):
        value = answers.get(expr.code)
        return _MISSING if value is None else value
    if isinstance(expr, Call):
        value = answers.get(expr.question.code)
        if expr.function == "answered":
            return value is not None
        if value is None:
            return False if expr.function == "selected" else _MISSING
        option = expr.option.value if expr.option is not None else None
        if expr.function == "selected":
            if isinstance(value, str):
                return value == option
            return isinstance(value, Collection) and option in value
        if expr.function == "count":
            if isinstance(value, str):
                return 1
            return len(value) if isinstance(value, Collection) else _MISSING
        if isinstance(value, Mapping):  # rank()
            position = value.get(option)
            return position if _is_number(position) else _MISSING
        return _MISSING
    return _truth(expr, answers)


def _truth(expr: Expr, answers: Mapping[str, object]) -> bool:
    if isinstance(expr, BoolOp):
        if expr.op == "and":
            return all(_truth(o, answers) for o in expr.operands)
        return any(_truth(o, answers) for o in expr.operands)
    if isinstance(expr, Not):
        return not _truth(expr.operand, answers)
    if isinstance(expr, Compare):
        left = _value(expr.left, answers)
        right = _value(expr.right, answers)
        if left is _MISSING or right is _MISSING:
            return False
        if expr.op == "==":
            return _equal(left, right)
        if expr.op == "!=":
            return not _equal(left, right)
        if expr.op in _ORDERINGS:
            return _order(expr.op, left, right)
        items = right if isinstance(right, tuple) else ()
        found = any(_equal(left, item) for item in items)
        return found if expr.op == "in" else not found
    return _value(expr, answers) is True


def evaluate(expr: Expr | str, answers: Mapping[str, object]) -> bool:
    """Whether a condition holds for a respondent's answers so far.

    ``answers`` maps question code to answer: single choice and place -> option
    code; multiple choice -> a set or list of codes; ranking -> {option: position};
    number and rating -> a number; consent -> bool; free text and organisation ->
    str. An unanswered question is absent (or None). Any comparison involving an
    unanswered question is false (so is ``rank(q, 'o')`` of an unranked option);
    ``answered(q)`` tests presence. Never raises for any answers.

    Examples
    --------
    >>> evaluate("in_partnership == 'yes' and rank(p, 'a') <= 3",
    ...          {"in_partnership": "yes", "p": {"a": 2, "b": 1}})
    True
    >>> evaluate("n != 3", {})
    False
    """
    tree = _parse_cached(expr) if isinstance(expr, str) else expr
    return _truth(tree, answers)


def is_shown(iv: InstrumentVersion, question: Question | str, answers: Mapping[str, object]
             ) -> bool:
    """Whether ``question`` is asked, given the answers so far.

    True when its path's ``when`` (if it is on a path) and its own ``relevant``
    (if any) both hold.

    Raises
    ------
    LandscapeError
        ``I110`` for an unknown question, ``I213`` for an unknown path, ``I206`` for
        a condition that does not parse (run ``landscape instrument validate``).

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... paths: {yes_path: {label: Partners, when: "partner == true"}}
    ... questions:
    ...   - {code: partner, type: consent, label: Partner}
    ...   - {code: n, type: number, label: How many, path: yes_path, relevant: "true"}
    ... ''')
    >>> is_shown(iv, "n", {"partner": True}), is_shown(iv, "n", {"partner": False})
    (True, False)
    """
    q = iv.question(question) if isinstance(question, str) else question
    if q is None:
        raise LandscapeError.of("I110", f"{iv.ref} has no question '{question}'")
    if q.path is not None:
        path = iv.path(q.path)
        if path is None:
            raise LandscapeError.of("I213", f"question '{q.code}' is on path '{q.path}', which "
                                    f"{iv.ref} does not declare",
                                    Location(file=iv.source_file, line=q.line, question=q.code))
        if not evaluate(path.when, answers):
            return False
    return q.relevant is None or evaluate(q.relevant, answers)
