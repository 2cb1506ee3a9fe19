"""One assertion for instrument tests: load YAML text, validate it, compare the issues.

Tests write a small instrument inline and state what must be reported::

    assert_instrument(YAML, errors=["I208"], message_contains="asked later", line=9)

Codes are compared as multisets, so a test also fails when something extra is
reported. Structural problems (the loader's ``LandscapeError``) are reported the
same way as semantic ones.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from survey.errors import Issue, LandscapeError, Severity
from survey.instrument.loader import parse_instrument_text
from survey.instrument.validate import validate

__all__ = ["assert_instrument", "instrument_issues"]

FILE = "demo/1.0.0.yaml"


def instrument_issues(yaml_text: str) -> list[Issue]:
    """Every issue, structural or semantic, for an instrument given as YAML text."""
    try:
        iv = parse_instrument_text(textwrap.dedent(yaml_text).lstrip("\n"), FILE)
    except LandscapeError as exc:
        return exc.issues
    return validate(iv)


def assert_instrument(
    yaml_text: str,
    *,
    errors: Sequence[str] = (),
    warnings: Sequence[str] = (),
    message_contains: str | Sequence[str] = (),
    line: int | None = None,
    question: str | None = None,
) -> list[Issue]:
    """Assert an instrument reports exactly ``errors`` and ``warnings`` (codes).

    ``message_contains``: each string must appear in the message of one reported
    issue. ``line`` / ``question``: some issue with one of the expected codes is
    located there (lines count from the first line of the dedented text, after
    leading blank lines are removed). Returns the issues for further checks.
    """
    found = instrument_issues(yaml_text)
    listing = "\n".join(str(i) for i in found) or "(no issues)"
    got_errors = sorted(i.code for i in found if i.severity is Severity.ERROR)
    got_warnings = sorted(i.code for i in found if i.severity is Severity.WARNING)
    assert got_errors == sorted(errors), f"errors {got_errors} != {sorted(errors)}:\n{listing}"
    assert got_warnings == sorted(warnings), (
        f"warnings {got_warnings} != {sorted(warnings)}:\n{listing}")
    needles = [message_contains] if isinstance(message_contains, str) else list(message_contains)
    for needle in needles:
        assert any(needle in i.message for i in found), (
            f"no message contains {needle!r}:\n{listing}")
    expected = set(errors) | set(warnings)
    if line is not None:
        assert any(i.location.line == line for i in found if i.code in expected), (
            f"no {sorted(expected)} issue at line {line}:\n{listing}")
    if question is not None:
        assert any(i.location.question == question for i in found if i.code in expected), (
            f"no {sorted(expected)} issue about question {question!r}:\n{listing}")
    return found
