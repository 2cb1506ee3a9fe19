"""Reading an import file's cells as answer values (text -> code, number, yes/no, place).

Choice answers are option codes or labels (English or Welsh; case and spacing
ignored); a multiple choice is ``;``-separated codes or labels (or
space-separated codes); consent and option flags are yes/no/true/false/1/0 (and
Welsh); a place is a nation or ITL1 region code or name; a rating is the number
or its point label. Whether the value is a valid answer is the answer model's
rule (:mod:`survey.answers`), not this module's.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from typing import Any

from survey.instrument.model import Question, QuestionType
from survey.instrument.places import NATIONS, REGIONS, Place
from survey.tables import match_key
from survey.text import clip

__all__ = ["NATION_KEYS", "REGION_KEYS", "BadCell", "Parser", "cell_parser", "flag"]

_TRUE = {"1", "yes", "y", "true", "t", "checked", "selected", "ie", "ydw", "do"}
_FALSE = {"0", "no", "n", "false", "f", "unchecked", "na", "nac ydw", "naddo"}

Parser = Callable[[str], Any]


class BadCell(Exception):
    """A cell that cannot be read: its catalogue code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _option_list(q: Question) -> str:
    codes = list(q.option_codes) + (["other"] if q.other else [])
    shown = ", ".join(codes[:12]) + (", ..." if len(codes) > 12 else "")
    return f"options are {shown} (or their labels)"


def _place_keys(places: Sequence[Place]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for p in places:
        for text in (p.code, p.en, p.cy, p.code.replace("_", " "), p.itl1 or ""):
            if text:
                keys.setdefault(match_key(text), p.code)
    return keys


NATION_KEYS = _place_keys(NATIONS)
REGION_KEYS = _place_keys(REGIONS)


def _number(text: str) -> int | float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return int(value) if value.is_integer() else value


def _nearest(q: Question, text: str) -> str:
    """'; nearest: <label> (<code>)' - the option whose label is closest to ``text``."""
    labels = {o.label.en: o.code for o in q.options}
    close = difflib.get_close_matches(text, list(labels), n=1, cutoff=0.0)
    return f"; nearest: '{close[0]}' ({labels[close[0]]})" if close else ""


def _with_numbers(q: Question, options: dict[str, str], numbered: bool) -> dict[str, str]:
    """``options`` plus, for a tool that writes choices as numbers (Qualtrics "values",
    REDCap "raw"), each option's position (1 = the first) where it is not a code."""
    if not numbered:
        return options
    out = dict(options)
    for number, o in enumerate(q.options, start=1):
        out.setdefault(str(number), o.code)
    return out


def _single_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    keys = _with_numbers(q, options, numbered)

    def single(text: str) -> Any:
        code = keys.get(match_key(text))
        if code is None:
            raise BadCell("R105", f"'{clip(text)}' is not an option of {q.code}; "
                           f"{_option_list(q)}{_nearest(q, text)}")
        return code
    return single


def _comma_parts(text: str, keys: dict[str, str]) -> list[str]:
    """Split a comma-joined list of choices (Qualtrics), keeping labels that hold commas:
    at each place the longest run of pieces that is an option is taken."""
    pieces = text.split(",")
    parts: list[str] = []
    i = 0
    while i < len(pieces):
        end = next((k for k in range(len(pieces), i, -1)
                    if match_key(",".join(pieces[i:k])) in keys), i + 1)
        part = ",".join(pieces[i:end]).strip()
        if part:
            parts.append(part)
        i = end
    return parts


def _multiple_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    keys = _with_numbers(q, options, numbered)

    def multiple(text: str) -> Any:
        whole = keys.get(match_key(text))
        if whole is not None:
            return [whole]
        if ";" in text:
            parts = [p for p in (s.strip() for s in text.split(";")) if p]
        elif "," in text:
            parts = _comma_parts(text, keys)
        else:
            parts = text.split()
        chosen = [keys[match_key(p)] for p in parts if match_key(p) in keys]
        unknown = [p for p in parts if match_key(p) not in keys]
        if unknown:
            raise BadCell("R105", f"{', '.join(repr(u) for u in unknown)} not an option "
                           f"of {q.code}; {_option_list(q)}; separate several with ';'"
                           f"{_nearest(q, unknown[0])}")
        return list(dict.fromkeys(chosen))
    return multiple


def _number_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    labels: dict[str, int] = {}
    if q.scale is not None:
        for point, text in q.scale.labels.items():
            for tr in text.translations.values():
                labels.setdefault(match_key(tr.text), point)
    kind = "a whole number" if q.type is QuestionType.RATING or q.integer else "a number"

    def number(text: str) -> Any:
        key = match_key(text)
        if key in labels:
            return labels[key]
        try:
            return _number(key)
        except ValueError:
            raise BadCell("R106", f"'{clip(text)}' is not {kind}") from None
    return number


def _place_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    keys = NATION_KEYS if q.place_level == "nation" else REGION_KEYS

    def place(text: str) -> Any:
        code = keys.get(match_key(text))
        if code is None:
            raise BadCell("R108", f"'{clip(text)}' is not a UK {q.place_level or 'region'} "
                           "code or name")
        return code
    return place


def _consent_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    def consent(text: str) -> Any:
        key = match_key(text)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise BadCell("R107", f"'{clip(text)}' is not yes/no (or true/false, 1/0)")
    return consent


def _text_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    def free_text(text: str) -> Any:
        # Kept exactly as written (Welsh letters, spacing); its length is the model's rule.
        return text
    return free_text


_PARSERS: dict[QuestionType, Callable[[Question, dict[str, str], bool], Parser]] = {
    QuestionType.SINGLE_CHOICE: _single_parser,
    QuestionType.MULTIPLE_CHOICE: _multiple_parser,
    QuestionType.NUMBER: _number_parser,
    QuestionType.RATING: _number_parser,
    QuestionType.PLACE: _place_parser,
    QuestionType.CONSENT: _consent_parser,
}


def cell_parser(q: Question, options: dict[str, str], numbered: bool = False) -> Parser:
    """How to read a cell of ``q`` (text -> answer value, ``BadCell`` if it cannot).

    ``numbered``: a choice may also be the option's number (1 = the first option), as
    Qualtrics "values" and REDCap "raw" exports write them.
    """
    return _PARSERS.get(q.type, _text_parser)(q, options, numbered)


def flag(text: str) -> bool:
    """An option flag cell (chosen / not chosen)."""
    key = match_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadCell("R107", f"'{clip(text)}' is not 1/0 (chosen / not chosen)")
