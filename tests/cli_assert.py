"""One check for "the CLI failed cleanly", shared by the CLI tests.

click's CliRunner captures an unhandled exception in ``result.exception``
instead of printing a traceback, so looking for "Traceback" in the output alone
proves nothing: this checks both.
"""

from __future__ import annotations

from click.testing import Result


def no_traceback(result: Result) -> bool:
    """True when the command ended by exiting (any code), not by an unhandled exception."""
    clean_exit = result.exception is None or isinstance(result.exception, SystemExit)
    return clean_exit and "Traceback" not in result.output
