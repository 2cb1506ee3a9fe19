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

The language lives in four modules, one concept each:
:mod:`~survey.instrument.logic.tokens` (text to tokens),
:mod:`~survey.instrument.logic.parser` (tokens to the tree of
:mod:`~survey.instrument.logic.tree`, and back to text),
:mod:`~survey.instrument.logic.checks` (references and types against an
instrument) and :mod:`~survey.instrument.logic.evaluate` (answers to true/false).
"""

from __future__ import annotations

from survey.instrument.logic.checks import check_expression, option_codes, references
from survey.instrument.logic.evaluate import evaluate, is_shown
from survey.instrument.logic.parser import parse_expression, unparse
from survey.instrument.logic.tree import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLiteral,
    Literal,
    Name,
    Not,
)

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
