"""Control characters in text: the one rule for what the platform accepts and writes.

C0 control characters (U+0000-U+001F) other than tab, line feed and carriage
return have no place in a survey answer, a name or a label: a NUL cannot be
stored in PostgreSQL text, and XLSX, DOCX (XML 1.0) refuse them all. Every
boundary (the answer model, the table reader every importer uses, the frame
import) refuses them with :func:`first_control`; every exporter writes what is
already stored through :func:`printable`, which shows each as U+FFFD.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL", "REPLACEMENT", "clip", "control_name", "first_control", "printable"]

#: The C0 controls refused: all but tab (09), line feed (0A) and carriage return (0D).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

#: What an exporter writes in place of each: the Unicode replacement character.
REPLACEMENT = "\ufffd"


def first_control(text: str) -> int | None:
    """The 1-based position of the first refused control character in ``text``, or None.

    Examples
    --------
    >>> first_control("ok\\tfine\\n"), first_control("a\\x00b")
    (None, 2)
    """
    found = CONTROL.search(text)
    return None if found is None else found.start() + 1


def control_name(text: str) -> str:
    """The first refused control character of ``text`` as ``U+XXXX`` (``""`` if none).

    Examples
    --------
    >>> control_name("a\\x0bb")
    'U+000B'
    """
    found = CONTROL.search(text)
    return "" if found is None else f"U+{ord(found.group()):04X}"


def printable(text: str) -> str:
    """``text`` with every refused control character replaced by U+FFFD.

    Examples
    --------
    >>> printable("a\\x00b\\tc") == "a\\ufffdb\\tc"
    True
    """
    return CONTROL.sub(REPLACEMENT, text)


#: The most characters of a value a message echoes (see :func:`clip`).
CLIP = 60


def clip(text: str, limit: int = CLIP) -> str:
    """``text`` as a message echoes it: whole up to ``limit`` characters, else cut and sized.

    A message naming a bad cell shows what was found, but a one-megabyte cell must not
    come back as a one-megabyte message.

    Examples
    --------
    >>> clip("funding")
    'funding'
    >>> clip("7" * 1_000_000, 10)
    '7777777777… (1,000,000 characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
