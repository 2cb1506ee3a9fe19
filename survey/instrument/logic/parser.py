"""The parser of the skip-logic language (recursive descent), and the way back to text.

:func:`parse_expression` turns a condition into its tree (``I206`` with the
column where it goes wrong); :func:`unparse` prints a tree in canonical form.
"""

from __future__ import annotations

from functools import lru_cache

from survey.errors import LandscapeError, Location
from survey.instrument.logic.tokens import _SyntaxProblem, _Token, _tokenise
from survey.instrument.logic.tree import (
    _COMPARISONS,
    _FUNCTIONS,
    _KEYWORDS,
    _MAX_DEPTH,
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLiteral,
    Literal,
    LiteralValue,
    Name,
    Not,
)

__all__ = ["parse_expression", "unparse"]

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


