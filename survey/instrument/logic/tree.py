"""The tree a skip-logic condition parses into, and the language's fixed words.

Frozen dataclasses, one per construct; :data:`Expr` is any of them. See
:mod:`survey.instrument.logic` for the grammar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = ["BoolOp", "Call", "Compare", "Expr", "ListLiteral", "Literal", "LiteralValue", "Name",
           "Not"]

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

