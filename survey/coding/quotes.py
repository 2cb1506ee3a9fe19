"""Quotes without their author: withholding identifying details from free-text answers.

A quote shown to analysts keeps what the respondent said about a barrier and
drops what could say who they are: email addresses, web addresses, telephone
numbers and the names of organisations (those the store and registries know,
and the respondent's own). Each is replaced by a bracketed placeholder, in one
pass over the original text, so a placeholder is never matched again.

Names are matched on their words, ignoring case and the punctuation between
words ("St. Mary's Trust" matches "st mary's trust" and "St Mary's  Trust"), so a
name written with different spacing or full stops is still withheld. A one-word
name is withheld only where the text does not write it all in lower case, so
"Reading" and "Bury" are withheld but "reading the report" is kept (the
respondent's own names are withheld however written). Names
shorter than :data:`MIN_NAME_CHARS` characters are not matched (they would
blank out ordinary words).

The result is plain text: render it as text (never as HTML or Markdown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["MIN_NAME_CHARS", "PLACEHOLDERS", "Redactor", "redact_quote"]

#: What replaces each kind of identifying detail.
PLACEHOLDERS: dict[str, str] = {"email": "[email withheld]", "url": "[link withheld]",
                                "phone": "[phone withheld]",
                                "name": "[organisation withheld]"}
#: Shorter names are not withheld (letters and digits only, e.g. "NHS" counts 3).
MIN_NAME_CHARS = 3
# Fewest digits in a telephone number (UK numbers have 10 or 11, +44 ... has 12).
_MIN_PHONE_DIGITS = 9

_EMAIL = r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+"
_URL = (r"(?:https?://|ftp://|www\.)[^\s<>\"']+"
        r"|\b[\w-]+(?:\.[\w-]+)*\.(?:uk|com|org|net|gov|edu|io|info|eu|scot|wales|cymru)"
        r"\b(?:/[^\s<>\"']*)?")
_PHONE = r"(?<![\w+])\+?\(?\d[\d\s().\-]{6,}\d(?!\w)"
_DETAILS = re.compile(f"(?P<email>{_EMAIL})|(?P<url>{_URL})|(?P<phone>{_PHONE})",
                      re.IGNORECASE)
_WORD = re.compile(r"\w+")
# Trailing sentence punctuation is not part of a web address.
_URL_TAIL = ".,;:!?)]}"


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text))


class Redactor:
    """Withholds identifying details, with a fixed list of known names (built once).

    Examples
    --------
    >>> r = Redactor(["Birmingham City Council"])
    >>> r("Ask birmingham city council, jo@bcc.gov.uk or 0121 303 1111.")
    'Ask [organisation withheld], [email withheld] or [phone withheld].'
    >>> r("Our partner, Acme Trust, left.", extra=["Acme Trust"])
    'Our partner, [organisation withheld], left.'
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: set[tuple[str, ...]] = set()
        self._longest = 0
        self._add(names, self._names)

    def _add(self, names: Iterable[str], into: set[tuple[str, ...]]) -> int:
        longest = 0
        for name in names:
            words = _words(str(name or ""))
            if len("".join(words)) >= MIN_NAME_CHARS:
                into.add(words)
                longest = max(longest, len(words))
        if into is self._names:
            self._longest = max(self._longest, longest)
        return longest

    def _detail_spans(self, text: str) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []
        for match in _DETAILS.finditer(text):
            kind = match.lastgroup or "url"
            start, end = match.span()
            if kind == "url":
                end = start + len(match.group().rstrip(_URL_TAIL))
            if kind == "phone" and sum(c.isdigit() for c in match.group()) < _MIN_PHONE_DIGITS:
                continue
            spans.append((start, end, kind))
        return spans

    def _name_spans(self, text: str, extra: set[tuple[str, ...]], longest: int
                    ) -> list[tuple[int, int, str]]:
        words = list(_WORD.finditer(text))
        folded = [w.group().casefold() for w in words]
        spans: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            for size in range(min(longest, len(words) - i), 0, -1):
                key = tuple(folded[i:i + size])
                # A known one-word name ("Reading", "Bury") is not withheld where the text
                # has it as an ordinary lower-case word ("reading the report"); the
                # respondent's own names (``extra``) are, however written.
                ordinary = size == 1 and words[i].group().islower()
                if key in extra or (key in self._names and not ordinary):
                    spans.append((words[i].start(), words[i + size - 1].end(), "name"))
                    i += size
                    break
            else:
                i += 1
        return spans

    def __call__(self, text: str, extra: Iterable[str] = ()) -> str:
        """``text`` with every identifying detail replaced (``extra``: more names)."""
        more: set[tuple[str, ...]] = set()
        longest = max(self._longest, self._add(extra, more))
        spans = sorted(self._detail_spans(text) + self._name_spans(text, more, longest),
                       key=lambda s: (s[0], -s[1]))
        out: list[str] = []
        at = 0
        for start, end, kind in spans:
            if start < at:  # inside a detail already withheld
                if end > at:
                    at = end
                continue
            out.append(text[at:start])
            out.append(PLACEHOLDERS[kind])
            at = end
        out.append(text[at:])
        return "".join(out)


def redact_quote(text: str, names: Iterable[str] = ()) -> str:
    """``text`` without emails, web addresses, phone numbers or any of ``names``.

    Parameters
    ----------
    text
        A free-text answer (attacker input: the result is plain text, to be shown
        as text, never as HTML or Markdown).
    names
        Organisation (or other) names to withhold, matched on whole words,
        ignoring case and punctuation.

    Examples
    --------
    >>> redact_quote("<script>mail('a.b@x.org')</script> see https://x.org/a.")
    "<script>mail('[email withheld]')</script> see [link withheld]."
    >>> redact_quote("Funding from the Acme Trust ended.", ["acme trust"])
    'Funding from the [organisation withheld] ended.'
    """
    return Redactor(names)(text)
