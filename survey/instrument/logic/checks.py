"""Type checks of a condition against its instrument: references, option codes, kinds.

:func:`check_expression` returns ``I207``-``I209`` issues (unknown question,
unknown option, a comparison of the wrong kinds) with a suggestion where one is
close.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from survey.errors import Issue, Location, issue
from survey.instrument.logic.parser import _literal_text, unparse
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
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import places_for

__all__ = ["check_expression", "option_codes", "references"]

def _walk(expr: Expr) -> list[Expr]:
    out: list[Expr] = [expr]
    if isinstance(expr, Compare):
        out += _walk(expr.left) + _walk(expr.right)
    elif isinstance(expr, Not):
        out += _walk(expr.operand)
    elif isinstance(expr, BoolOp):
        for operand in expr.operands:
            out += _walk(operand)
    elif isinstance(expr, Call):
        out.append(expr.question)
    return out


def references(expr: Expr) -> set[str]:
    """The question codes a condition refers to.

    Examples
    --------
    >>> from survey.instrument.logic.parser import parse_expression
    >>> sorted(references(parse_expression("a == 'x' or selected(b, 'y')")))
    ['a', 'b']
    """
    return {node.code for node in _walk(expr) if isinstance(node, Name)}


def option_codes(question: Question) -> tuple[str, ...]:
    """The answer codes a choice or place question accepts.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text(
    ...     "{instrument: d, version: 1.0.0, title: D, questions: "
    ...     "[{code: n, type: place, level: nation, label: Nation}]}")
    >>> option_codes(iv.questions[0])
    ('england', 'scotland', 'wales', 'northern_ireland')
    """
    if question.type is QuestionType.PLACE:
        return tuple(p.code for p in places_for(question.place_level or "region"))
    return question.option_codes


@dataclass(frozen=True, slots=True)
class _Kind:
    """What a node evaluates to, for the type check."""

    kind: str  # bool | number | string | list | multi | ranking | unknown
    question: Question | None = None


_UNKNOWN = _Kind("unknown")
_BOOL = _Kind("bool")
_NUMBER = _Kind("number")
_STRING = _Kind("string")

_QUESTION_KIND = {
    QuestionType.SINGLE_CHOICE: "string",
    QuestionType.PLACE: "string",
    QuestionType.FREE_TEXT: "string",
    QuestionType.ORGANISATION: "string",
    QuestionType.NUMBER: "number",
    QuestionType.RATING: "number",
    QuestionType.CONSENT: "bool",
    QuestionType.MULTIPLE_CHOICE: "multi",
    QuestionType.RANKING: "ranking",
}

_KIND_WORDS = {"bool": "true/false", "number": "a number", "string": "text", "list": "a list"}


def _example_comparison(q: Question) -> str:
    """How to compare question ``q`` correctly, for messages."""
    codes = option_codes(q)
    first = codes[0] if codes else "option"
    if q.type is QuestionType.MULTIPLE_CHOICE:
        return (f"'{q.code}' is a multiple choice: use selected({q.code}, '{first}'), "
                f"count({q.code}) or answered({q.code})")
    if q.type is QuestionType.RANKING:
        return (f"'{q.code}' is a ranking: compare one option's position, e.g. "
                f"rank({q.code}, '{first}') <= 3")
    if q.type in (QuestionType.SINGLE_CHOICE, QuestionType.PLACE):
        return (f"'{q.code}' is a {q.type.value}: compare it with one of its option codes in "
                f"quotes, e.g. {q.code} == '{first}'")
    if q.type is QuestionType.CONSENT:
        return f"'{q.code}' is a consent: compare it with true or false, e.g. {q.code} == true"
    if q.type in (QuestionType.NUMBER, QuestionType.RATING):
        return f"'{q.code}' is a {q.type.value}: compare it with a number, e.g. {q.code} >= 3"
    return f"'{q.code}' is {q.type.value}: compare it with text in quotes"


class _Checker:
    def __init__(self, iv: InstrumentVersion, before_index: int, location: Location) -> None:
        self.iv = iv
        self.before_index = before_index
        self.location = location
        self.issues: list[Issue] = []
        self.index: dict[str, int] = {}
        for i, q in enumerate(iv.questions):
            self.index.setdefault(q.code, i)

    def add(self, code: str, message: str, column: int) -> None:
        where = f" (column {column})" if column else ""
        self.issues.append(issue(code, message + where, replace(self.location, column=column)))

    def question(self, name: Name) -> Question | None:
        i = self.index.get(name.code)
        if i is None:
            earlier = [q.code for q in self.iv.questions[: self.before_index]]
            close = difflib.get_close_matches(name.code, earlier, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            self.add("I207", f"the condition refers to '{name.code}', which is not a question "
                     f"of {self.iv.ref}{hint}", name.column)
            return None
        if i >= self.before_index:
            target = (self.iv.questions[self.before_index].code
                      if self.before_index < len(self.iv.questions) else None)
            if target == name.code:
                what = f"'{name.code}' itself"
            else:
                what = f"'{name.code}' (question {i + 1}), which is asked later"
            self.add("I208", f"the condition refers to {what}; it may use only questions "
                     f"before question {self.before_index + 1}"
                     + (f" '{target}'" if target else ""), name.column)
            return None
        return self.iv.questions[i]

    def condition(self, expr: Expr) -> None:
        """Check a node used where true/false is needed."""
        kind = self.kind(expr)
        if kind.kind in ("bool", "unknown"):
            return
        if kind.question is not None:
            detail = _example_comparison(kind.question)
        else:
            detail = f"this part is {_KIND_WORDS.get(kind.kind, kind.kind)}; compare it"
        self.add("I209", f"`{unparse(expr)}` is not a true/false condition: {detail}",
                 expr.column)

    def kind(self, expr: Expr) -> _Kind:
        if isinstance(expr, Literal):
            v = expr.value
            if isinstance(v, bool):
                return _BOOL
            return _STRING if isinstance(v, str) else _NUMBER
        if isinstance(expr, ListLiteral):
            return _Kind("list")
        if isinstance(expr, Name):
            q = self.question(expr)
            if q is None:
                return _UNKNOWN
            return _Kind(_QUESTION_KIND[q.type], q)
        if isinstance(expr, Call):
            return self.call(expr)
        if isinstance(expr, Not):
            self.condition(expr.operand)
            return _BOOL
        if isinstance(expr, BoolOp):
            for operand in expr.operands:
                self.condition(operand)
            return _BOOL
        self.compare(expr)
        return _BOOL

    def call(self, call: Call) -> _Kind:
        q = self.question(call.question)
        result = _NUMBER if call.function in ("count", "rank") else _BOOL
        if q is None:
            return result
        allowed = {
            "answered": set(QuestionType),
            "selected": {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE,
                         QuestionType.PLACE},
            "count": {QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING},
            "rank": {QuestionType.RANKING},
        }[call.function]
        if q.type not in allowed:
            kinds = ", ".join(sorted(t.value for t in allowed))
            self.add("I209", f"{call.function}() works on {kinds} questions, but '{q.code}' is "
                     f"a {q.type.value}: {_example_comparison(q)}", call.column)
            return result
        if call.option is not None:
            self.option(q, call.option)
        return result

    def option(self, q: Question, literal: Literal) -> None:
        codes = option_codes(q)
        if not isinstance(literal.value, str):
            self.add("I209", f"{_literal_text(literal.value)} is not an option code: "
                     f"{_example_comparison(q)}", literal.column)
        elif literal.value not in codes:
            shown = ", ".join(codes[:12]) + (", ..." if len(codes) > 12 else "")
            self.add("I214", f"'{literal.value}' is not an option of '{q.code}' "
                     f"(its options: {shown})", literal.column)

    def compare(self, cmp: Compare) -> None:
        left = self.kind(cmp.left)
        if cmp.op in ("in", "not in"):
            assert isinstance(cmp.right, ListLiteral)
            self.scalar(left, cmp.left, cmp.op)
            for item in cmp.right.items:
                self.match(left, item, self.kind(item), cmp.op)
            return
        right = self.kind(cmp.right)
        if cmp.op in _ORDERINGS:
            for kind, node in ((left, cmp.left), (right, cmp.right)):
                if kind.kind not in ("number", "unknown"):
                    detail = (_example_comparison(kind.question) if kind.question is not None
                              else f"`{unparse(node)}` is {_KIND_WORDS.get(kind.kind)}")
                    self.add("I209", f"'{cmp.op}' compares numbers only: {detail}",
                             node.column)
            return
        if not self.scalar(left, cmp.left, cmp.op) or not self.scalar(right, cmp.right, cmp.op):
            return
        if right.question is not None and left.question is None:
            self.match(right, cmp.left, left, cmp.op)
        else:
            self.match(left, cmp.right, right, cmp.op)

    def scalar(self, kind: _Kind, node: Expr, op: str) -> bool:
        """Report multiple choice, ranking and list operands of a comparison."""
        if kind.kind in ("multi", "ranking"):
            assert kind.question is not None
            self.add("I209", f"'{kind.question.code}' cannot be used with '{op}': "
                     f"{_example_comparison(kind.question)}", node.column)
            return False
        if kind.kind == "list":
            self.add("I209", f"a list can be used only after 'in' or 'not in', not with '{op}'",
                     node.column)
            return False
        return kind.kind != "unknown"

    def match(self, kind: _Kind, other_node: Expr, other: _Kind, op: str) -> None:
        """Check ``other`` may be compared with ``kind`` (one side of ==, != or in)."""
        if other.kind == "unknown" or kind.kind == "unknown":
            return
        if other.kind != kind.kind:
            if kind.question is not None:
                detail = _example_comparison(kind.question)
            elif other.question is not None:
                detail = _example_comparison(other.question)
            else:
                detail = (f"{_KIND_WORDS.get(kind.kind)} compared with "
                          f"{_KIND_WORDS.get(other.kind)}")
            self.add("I209", f"`{unparse(other_node)}` does not match: {detail}",
                     other_node.column)
            return
        q = kind.question
        if (q is not None and q.type in (QuestionType.SINGLE_CHOICE, QuestionType.PLACE)
                and isinstance(other_node, Literal)):
            self.option(q, other_node)


def check_expression(
    expr: Expr, iv: InstrumentVersion, before_index: int, location: Location
) -> list[Issue]:
    """Check a parsed condition against the instrument it belongs to.

    ``before_index`` is the index of the first question the condition must not
    refer to: for a question's ``relevant`` its own index, for a path's ``when``
    the index of the first question on the path. Reports unknown questions
    (``I207``), later questions (``I208``), type mismatches (``I209``) and option
    codes that are not the question's own (``I214``), each at ``location`` with the
    column in the message.

    Examples
    --------
    >>> from survey.instrument.loader import parse_instrument_text
    >>> iv = parse_instrument_text('''
    ... instrument: demo
    ... version: 1.0.0
    ... title: Demo
    ... questions:
    ...   - {code: n, type: number, label: How many}
    ...   - {code: why, type: free_text, label: Why}
    ... ''')
    >>> from survey.instrument.logic.parser import parse_expression
    >>> [i.code for i in check_expression(parse_expression("n == 'x' or why == 'y'"),
    ...                                   iv, 1, Location())]
    ['I209', 'I208']
    """
    checker = _Checker(iv, before_index, location)
    checker.condition(expr)
    return checker.issues
