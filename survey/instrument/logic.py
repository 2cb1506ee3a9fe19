"""The skip-logic language: parse, check and evaluate "show this question if ...".

Conditions (a question's ``relevant``, a path's ``when``) are written in a small
language described in ``instruments/FORMAT.md``. They are instrument text, that
is, input we do not trust: this module tokenises and parses them by hand into a
tree of frozen dataclasses and walks that tree. Python's ``eval`` is never used.

Grammar (lowest precedence first)::

    condition  := or_expr
    or_expr    := and_expr ('or' and_expr)*
    and_expr   := not_expr ('and' not_expr)*
    not_expr   := 'not' not_expr | comparison
    comparison := operand [('==' | '!=' | '<' | '<=' | '>' | '>=') operand]
                | operand ['not'] 'in' list
    operand    := literal | list | NAME | call | '(' condition ')'
    call       := ('answered' | 'count') '(' NAME ')'
                | ('selected' | 'rank') '(' NAME ',' STRING ')'
    literal    := STRING | ['-'] NUMBER | 'true' | 'false'
    list       := '[' [literal (',' literal)* [',']] ']'

Comparisons do not chain (``1 < n < 5`` is an error: write ``n > 1 and n < 5``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TypeAlias

from survey.errors import Issue, LandscapeError, Location, issue
from survey.instrument.model import InstrumentVersion, Question, QuestionType
from survey.instrument.places import places_for

__all__ = [
    "BoolOp",
    "Call",
    "Compare",
    "Expr",
    "ListLiteral",
    "Literal",
    "Name",
    "Not",
    "check_expression",
    "evaluate",
    "is_shown",
    "option_codes",
    "parse_expression",
    "references",
    "unparse",
]

# -- the tree ------------------------------------------------------------------
# ``column`` (1-based, where the node starts) is for messages only, so it is left
# out of equality: two parses of the same condition compare equal however spaced.

LiteralValue: TypeAlias = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Literal:
    """A quoted string, a number, ``true`` or ``false``."""

    value: LiteralValue
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ListLiteral:
    """``['a', 'b']``: the right-hand side of ``in`` / ``not in``."""

    items: tuple[Literal, ...]
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A question code; its value is that question's answer."""

    code: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """``answered(q)``, ``count(q)``, ``selected(q, 'opt')`` or ``rank(q, 'opt')``."""

    function: str
    question: Name
    option: Literal | None = None
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with op one of ``== != < <= > >= in``, ``not in``."""

    op: str
    left: Expr
    right: Expr
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class BoolOp:
    """``a and b and ...`` or ``a or b or ...`` (``op`` is 'and' or 'or')."""

    op: str
    operands: tuple[Expr, ...]
    column: int = field(default=0, compare=False)


Expr: TypeAlias = Literal | ListLiteral | Name | Call | Compare | Not | BoolOp

_FUNCTIONS: dict[str, int] = {"answered": 1, "count": 1, "selected": 2, "rank": 2}
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_ORDERINGS = frozenset({"<", "<=", ">", ">="})
# Deep nesting would exhaust Python's recursion limit; no real condition needs it.
_MAX_DEPTH = 40
_MAX_NUMBER_CHARS = 30

# -- tokens ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # 'str' | 'num' | 'name' | 'op' | 'end'
    value: str | int | float
    column: int


_NUMBER_TOKEN = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NAME_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ",", "-")
_WRONG_OPERATORS = {
    "=": "use '==' to compare",
    "&&": "use 'and'",
    "&": "use 'and'",
    "||": "use 'or'",
    "|": "use 'or'",
    "!": "use 'not'",
}


class _SyntaxProblem(Exception):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        col = i + 1
        if ch.isspace():
            i += 1
            continue
        if ch in "'\"":
            j = i + 1
            chars: list[str] = []
            while j < n and text[j] != ch:
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                chars.append(text[j])
                j += 1
            if j >= n:
                raise _SyntaxProblem(f"text starting with {ch} is never closed", col)
            tokens.append(_Token("str", "".join(chars), col))
            i = j + 1
            continue
        number = _NUMBER_TOKEN.match(text, i)
        if number and ch.isascii() and ch.isdigit():
            raw = number.group()
            if len(raw) > _MAX_NUMBER_CHARS:
                raise _SyntaxProblem("number is too long", col)
            is_float = any(c in raw for c in ".eE")
            value: int | float = float(raw) if is_float else int(raw)
            if not math.isfinite(value):
                raise _SyntaxProblem("number is too large", col)
            tokens.append(_Token("num", value, col))
            i = number.end()
            continue
        name = _NAME_TOKEN.match(text, i)
        if name:
            tokens.append(_Token("name", name.group(), col))
            i = name.end()
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
        if op is not None:
            tokens.append(_Token("op", op, col))
            i += len(op)
            continue
        wrong = next((w for w in ("&&", "||", "=", "&", "|", "!") if text.startswith(w, i)), None)
        if wrong is not None:
            raise _SyntaxProblem(f"'{wrong}' is not part of the language: "
                                 f"{_WRONG_OPERATORS[wrong]}", col)
        raise _SyntaxProblem(f"unexpected character {ch!r}", col)
    tokens.append(_Token("end", "", n + 1))
    return tokens


# -- parser ------------------------------------------------------------------------


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the condition"
    if token.kind == "str":
        return f"text '{token.value}'"
    return f"'{token.value}'"


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def is_op(self, value: str) -> bool:
        return self.token.kind == "op" and self.token.value == value

    def is_word(self, value: str) -> bool:
        return self.token.kind == "name" and self.token.value == value

    def advance(self) -> _Token:
        tok = self.tokens[self.pos]
        if tok.kind != "end":
            self.pos += 1
        return tok

    def expect_op(self, value: str, context: str) -> _Token:
        if not self.is_op(value):
            raise _SyntaxProblem(f"expected '{value}' {context}, found {_describe(self.token)}",
                                 self.token.column)
        return self.advance()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _SyntaxProblem("the condition is nested too deeply", self.token.column)

    def condition(self) -> Expr:
        expr = self.or_expr()
        tok = self.token
        if tok.kind != "end":
            if (tok.kind == "op" and tok.value in _COMPARISONS) or tok.value == "in":
                raise _SyntaxProblem("comparisons cannot be chained; join them with 'and'",
                                     tok.column)
            raise _SyntaxProblem(f"unexpected {_describe(tok)}; expected 'and', 'or' or the end",
                                 tok.column)
        return expr

    def or_expr(self) -> Expr:
        first = self.and_expr()
        operands = [first]
        while self.is_word("or"):
            self.advance()
            operands.append(self.and_expr())
        if len(operands) == 1:
            return first
        return BoolOp("or", tuple(operands), _column(first))

    def and_expr(self) -> Expr:
        first = self.not_expr()
        operands = [first]
        while self.is_word("and"):
            self.advance()
            operands.append(self.not_expr())
        if len(operands) == 1:
            return first
        return BoolOp("and", tuple(operands), _column(first))

    def not_expr(self) -> Expr:
        if self.is_word("not"):
            self.enter()
            tok = self.advance()
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand, tok.column)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.operand()
        tok = self.token
        if tok.kind == "op" and tok.value in _COMPARISONS:
            self.advance()
            right = self.operand()
            return Compare(str(tok.value), left, right, tok.column)
        if self.is_word("in") or (self.is_word("not") and self.tokens[self.pos + 1].kind == "name"
                                  and self.tokens[self.pos + 1].value == "in"):
            op = "in"
            if self.is_word("not"):
                self.advance()
                op = "not in"
            self.advance()
            if not self.is_op("["):
                raise _SyntaxProblem(f"'{op}' needs a list such as ['a', 'b'], found "
                                     f"{_describe(self.token)}", self.token.column)
            return Compare(op, left, self.list_literal(), tok.column)
        return left

    def operand(self) -> Expr:
        tok = self.token
        if tok.kind == "str":
            self.advance()
            return Literal(str(tok.value), tok.column)
        if tok.kind == "num" or self.is_op("-"):
            return self.literal()
        if self.is_op("["):
            return self.list_literal()
        if self.is_op("("):
            self.enter()
            self.advance()
            inner = self.or_expr()
            self.depth -= 1
            self.expect_op(")", f"to close the '(' at column {tok.column}")
            return inner
        if tok.kind == "name":
            word = str(tok.value)
            if word in ("true", "false"):
                self.advance()
                return Literal(word == "true", tok.column)
            if word in _KEYWORDS:
                raise _SyntaxProblem(f"expected a value, found '{word}'", tok.column)
            self.advance()
            if self.is_op("("):
                return self.call(word, tok.column)
            if word in ("True", "False"):
                raise _SyntaxProblem(f"write '{word.lower()}' in lower case", tok.column)
            return Name(word, tok.column)
        raise _SyntaxProblem(f"expected a value, found {_describe(tok)}", tok.column)

    def literal(self) -> Literal:
        tok = self.token
        if tok.kind == "str":
            self.advance()
            return Literal(str(tok.value), tok.column)
        if tok.kind == "name" and tok.value in ("true", "false"):
            self.advance()
            return Literal(tok.value == "true", tok.column)
        sign = 1
        if self.is_op("-"):
            self.advance()
            sign = -1
            if self.token.kind != "num":
                raise _SyntaxProblem(f"'-' must be followed by a number, found "
                                     f"{_describe(self.token)}", self.token.column)
        num = self.token
        if num.kind != "num":
            raise _SyntaxProblem(f"expected text in quotes, a number, true or false, found "
                                 f"{_describe(num)}", num.column)
        self.advance()
        assert isinstance(num.value, int | float)
        return Literal(sign * num.value, tok.column)

    def list_literal(self) -> ListLiteral:
        start = self.expect_op("[", "to start a list")
        items: list[Literal] = []
        while not self.is_op("]"):
            items.append(self.literal())
            if self.is_op(","):
                self.advance()
            elif not self.is_op("]"):
                raise _SyntaxProblem(f"expected ',' or ']' in the list, found "
                                     f"{_describe(self.token)}", self.token.column)
        self.advance()
        return ListLiteral(tuple(items), start.column)

    def call(self, function: str, column: int) -> Call:
        if function not in _FUNCTIONS:
            known = ", ".join(f"{f}()" for f in _FUNCTIONS)
            raise _SyntaxProblem(f"unknown function '{function}' (known: {known})", column)
        arity = _FUNCTIONS[function]
        usage = f"{function}(question)" if arity == 1 else f"{function}(question, 'option')"
        self.expect_op("(", f"after {function}")
        tok = self.token
        if tok.kind != "name" or tok.value in _KEYWORDS:
            raise _SyntaxProblem(f"{function}() takes a question code first: {usage}",
                                 tok.column)
        self.advance()
        question = Name(str(tok.value), tok.column)
        option: Literal | None = None
        if arity == 2:
            self.expect_op(",", f"in {usage}")
            if self.token.kind != "str":
                raise _SyntaxProblem(f"{function}() takes an option code in quotes: {usage}",
                                     self.token.column)
            opt = self.advance()
            option = Literal(str(opt.value), opt.column)
        self.expect_op(")", f"to close {usage}")
        return Call(function, question, option, column)


def _column(expr: Expr) -> int:
    return expr.column


def parse_expression(text: str) -> Expr:
    """Parse a skip-logic condition into its tree.

    Raises
    ------
    LandscapeError
        ``I206`` with the column (1-based) where the condition goes wrong.

    Examples
    --------
    >>> parse_expression("in_partnership == 'yes'")
    Compare(op='==', left=Name(code='in_partnership', column=1), right=Literal(value='yes', column=19), column=16)
    >>> parse_expression("count(q) >")
    Traceback (most recent call last):
    ...
    survey.errors.LandscapeError: error I206 logic syntax error: expected a value, found the end of the condition at column 11 of "count(q) >"
      fix: Correct the expression; see instruments/FORMAT.md for the skip-logic language.
    """  # noqa: E501 - doctest output lines cannot wrap
    if not isinstance(text, str):
        raise LandscapeError.of("I206", "a condition must be text in quotes")
    try:
        tokens = _tokenise(text)
        if len(tokens) == 1:
            raise _SyntaxProblem("the condition is empty", 1)
        return _Parser(tokens).condition()
    except _SyntaxProblem as problem:
        raise LandscapeError.of(
            "I206",
            f"{problem.message} at column {problem.column} of \"{text}\"",
            Location(column=problem.column),
        ) from None


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Expr:
    return parse_expression(text)


# -- printing ------------------------------------------------------------------------


def _literal_text(value: LiteralValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def unparse(expr: Expr) -> str:
    """Print a tree back as condition text that parses to an equal tree.

    Examples
    --------
    >>> unparse(parse_expression("not(a=='x')or rank( r ,'o')<=3"))
    "not a == 'x' or rank(r, 'o') <= 3"
    """

    def wrapped(node: Expr, allow: tuple[type, ...]) -> str:
        text = unparse(node)
        atomic = (Literal, ListLiteral, Name, Call)
        return text if isinstance(node, atomic + allow) else f"({text})"

    if isinstance(expr, Literal):
        return _literal_text(expr.value)
    if isinstance(expr, ListLiteral):
        return "[" + ", ".join(_literal_text(i.value) for i in expr.items) + "]"
    if isinstance(expr, Name):
        return expr.code
    if isinstance(expr, Call):
        args = expr.question.code
        if expr.option is not None:
            args += ", " + _literal_text(expr.option.value)
        return f"{expr.function}({args})"
    if isinstance(expr, Compare):
        return f"{wrapped(expr.left, ())} {expr.op} {wrapped(expr.right, ())}"
    if isinstance(expr, Not):
        return "not " + wrapped(expr.operand, (Compare, Not))
    return f" {expr.op} ".join(wrapped(o, (Compare, Not)) for o in expr.operands)


# -- references and type checking ----------------------------------------------------


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
    >>> [i.code for i in check_expression(parse_expression("n == 'x' or why == 'y'"),
    ...                                   iv, 1, Location())]
    ['I209', 'I208']
    """
    checker = _Checker(iv, before_index, location)
    checker.condition(expr)
    return checker.issues


# -- evaluation ----------------------------------------------------------------------


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
