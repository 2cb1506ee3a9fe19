"""The tokenizer of the skip-logic language: condition text to a list of tokens."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from survey.instrument.logic.tree import _MAX_NUMBER_CHARS


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
